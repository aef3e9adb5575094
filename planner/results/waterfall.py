"""Delivered-compute waterfall: from installed peak FLOP/s to the FLOP the plan delivers, factor by factor.

Computed from the plan's solution and its coefficients, following what the model applies, for each slice
(workload w, architecture a, accelerator g, year y):

    delivered = N_w x peak(g, precision of w) x software(w) x power x thermal x downlink(a, y)
                x single_events(w, a, g) x failures(a, g, y) x servicing(a, g, y) x radiation(a, g, y)
                x coverage(a, g, y) x utilisation(a, g, y)

* N_w: accelerators in service (space: units alive x accelerators per unit; ground: accelerators in service) in
  the year, shared among the pool's workloads by the capacity each uses (an idle pool goes to its largest workload);
* software and single events: the factors inside the model's throughput per accelerator (``eff``);
* power and thermal: 1. Arrays are sized for the load at end of life through the worst eclipse and radiators for
  the heat at end-of-life coatings in the hot case, so neither throttles; a cap that binds limits accelerators per
  unit instead (``binding_cap`` in designs.csv);
* downlink: the share of the effective capacity the units' downlink can carry at the workload mix's bits per FLOP
  (1 where no Earth-user traffic leaves orbit, and on the ground);
* failures, servicing, radiation: effective / installed accelerators split into the year's average of
  e^(-lambda t) (unserviced), the repairs of serviced units (>= 1) and the capacity kept past the total-dose
  degradation onset;
* coverage and utilisation split the capacity used over the capacity the downlink allows. Real-time work runs on a
  unit only while it is over its users (the site's coverage share), so the pool must hold real-time use / coverage,
  and its traffic leaves through those units' links, so the fleet must hold real-time traffic / coverage of
  downlink; coverage = used / held and utilisation (the report's "capacity in use") = held / allowed, where held =
  the larger of the capacity used and what coverage needs (at most what the downlink allows). Coverage is 1 where
  other work fills the time a unit is not over its users. Utilisation covers units built ahead of demand, fleets
  sized for the year they are weakest and integer units. Not the catalog's ground
  ``ground_regions.*.utilisation``, a campus's average power draw as a share of nameplate that only sets its
  energy bill (with its grid CO2 and site water).
The product is exactly the slice's delivered FLOP (``serve`` x FLOP per EFLOP/s-year, as in allocation.csv). A
scope (an architecture, or the plan) sums its slices stage by stage; its factor k is stage k / stage k-1, so the
factors of a scope multiply to its delivered / installed peak. FLOP are undiscounted, over each period's years.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from planner.model.coefficients import EFLOP_S_YR_IN_FLOP, TFLOPS_TO_EFLOPS_PER_KACC, Coefficients, served_spans
from planner.results.schema import TABLES

FACTORS = ("software_efficiency", "power", "thermal", "downlink", "single_events", "interruptions", "failures",
           "servicing", "radiation_degradation", "coverage", "utilisation")
LABELS = {
    "software_efficiency": "software efficiency",
    "power": "power",
    "thermal": "thermal",
    "downlink": "downlink",
    "single_events": "single-event resets",
    "interruptions": "transient interruptions",
    "failures": "accelerator failures",
    "servicing": "servicing",
    "radiation_degradation": "radiation degradation",
    "coverage": "real-time coverage",
    "utilisation": "capacity in use",  # the id stays; the word is not the catalog's ground utilisation (power draw)
}
PLAN = "plan"


def _pools(c: Coefficients, sol) -> tuple[dict, dict]:
    """(a, g, y) -> {N, F0, E0, E} in thousands of accelerators; (a, y) -> downlink Gbit/s of the units in service."""
    pools: dict = defaultdict(lambda: defaultdict(float))
    downlink: dict = defaultdict(float)
    for (a, key, v), n in sol.units.items():
        serv = min(sol.serviced.get((a, key, v), 0.0), n)
        for y, spans in served_spans(v, c.designs[(a, key)].life_yr, c.period_years).items():
            if (a, key, v, y) not in c.unit_cap:
                continue
            sw = c.swapped(a, key, v, y)  # after a swap: the new accelerators, their age counted from the swap
            d = sw.fresh if sw is not None else c.designs[(a, key)]
            served = [(age - sw.age_yr, f) for age, f in spans] if sw is not None else spans
            kacc = d.accelerators_per_unit / 1000.0
            per = 1.0 / len(c.period_years[y])  # per accelerator, averaged over the period: years in service,
            nominal = per * sum(f for _, f in served)  # then delivered after failures, then after total dose too
            surv = per * sum(d.delivered(age, f, dose=False) for age, f in served)
            dosed = per * sum(d.delivered(age, f) for age, f in served)
            dosed_s = per * sum(d.delivered(age, f, serviced=True) for age, f in served) \
                if (a, key, v, y) in c.unit_cap_serviced else dosed
            p = pools[(a, d.accelerator, y)]  # the fresh design's accelerator is the swap's generation
            p["N"] += n * kacc * nominal
            p["F0"] += n * kacc * surv
            p["E0"] += n * kacc * dosed
            p["E"] += kacc * ((n - serv) * dosed + serv * dosed_s)
            downlink[(a, y)] += n * d.downlink_gbps
    for (r, g, v, n), k in sol.chips.items():
        a = c.ground[r]["arch"]
        for y in c.years:
            share = c.chip_share.get((r, g, v, n, y))
            if share:
                p = pools[(a, g, y)]
                for name in ("N", "F0", "E0", "E"):
                    p[name] += k * share
    return pools, downlink


def slices(c: Coefficients, sol) -> list[dict]:
    """One row per (w, a, g, y): installed peak FLOP and the multipliers that take it to the delivered FLOP."""
    pools, downlink = _pools(c, sol)
    used: dict = defaultdict(dict)  # (a, g, y) -> {w: k-acc effective used}
    for (w, a, g, y), x in sol.serve.items():
        used[(a, g, y)][w] = used[(a, g, y)].get(w, 0.0) + x / c.eff[(w, a, g)]
    # downlink factor per (a, y): min(1, B U / (R E)) - the share of effective capacity the links can carry
    # and the share of the fleet whose links real-time traffic needs: it leaves only through the units over its users
    traffic, live = defaultdict(float), defaultdict(float)  # (a, y) -> Gbit/s to Earth users, and of it real-time
    for (w, a, g, y), x in sol.serve.items():
        if c.earth_users[w]:
            traffic[(a, y)] += c.gbps_per_eflop[w] * x
            if c.covered(w, a):
                live[(a, y)] += c.gbps_per_eflop[w] * x
    net, linked = {}, {}
    for (a, y) in {(a, y) for (a, g, y) in pools}:
        rate = traffic[(a, y)]
        if c.archs[a]["kind"] != "space" or not c.scenario.terms.bandwidth or rate <= 0:
            net[(a, y)] = 1.0
            continue
        if live[(a, y)] > 0 and downlink.get((a, y), 0.0) > 0:
            linked[(a, y)] = live[(a, y)] / (c.coverage[a] * downlink[(a, y)])
        e = sum(p["E"] for (aa, g, yy), p in pools.items() if aa == a and yy == y)
        u = sum(sum(used.get((aa, g, yy), {}).values()) for (aa, g, yy) in pools if aa == a and yy == y)
        net[(a, y)] = min(1.0, downlink.get((a, y), 0.0) * u / (rate * e)) if e > 0 else 1.0
    demand_of = defaultdict(float)
    for (w, y), x in c.demand.items():
        demand_of[w] += x
    rows = []
    for (a, g, y), p in sorted(pools.items()):
        if p["N"] <= 0:
            continue
        use = used.get((a, g, y), {})
        total = sum(use.values())
        if total > 0:
            shares = {w: u / total for w, u in use.items()}
        else:
            candidates = [w for w in c.workloads if (w, a, g) in c.eff]
            shares = {max(candidates, key=lambda w: demand_of[w]): 1.0} if candidates else {None: 1.0}
        f_net = net[(a, y)]
        allowed = p["E"] * f_net
        covered = sum(u for w, u in use.items() if c.covered(w, a))
        need = max(covered / c.coverage[a], p["E"] * linked.get((a, y), 0.0)) if covered > 0 else 0.0
        held = max(total, min(need, allowed))
        for w, share in shares.items():
            parts = c.eff_parts.get((w, a, g)) if w is not None else None
            if parts is None:  # no workload can use this pool: its peak at BF16, all of it unused
                acc = c.catalog.accelerators[g]
                parts = {"peak_tflops": acc.dense_bf16_tflops.v, "software_efficiency": 1.0, "single_events": 1.0,
                         "interruptions": 1.0}
            e = p["E"]
            mult = {
                "software_efficiency": parts["software_efficiency"], "power": 1.0, "thermal": 1.0,
                "downlink": f_net, "single_events": parts["single_events"], "interruptions": parts["interruptions"],
                "failures": p["F0"] / p["N"], "servicing": e / p["E0"] if p["E0"] > 0 else 1.0,
                "radiation_degradation": p["E0"] / p["F0"] if p["F0"] > 0 else 1.0,
                "coverage": total / held if held > 0 else 1.0,
                "utilisation": held / allowed if allowed > 0 else 0.0,
            }
            peak = p["N"] * share * parts["peak_tflops"] * TFLOPS_TO_EFLOPS_PER_KACC * EFLOP_S_YR_IN_FLOP \
                * len(c.period_years[y])
            rows.append({"workload": w, "architecture": a, "accelerator": g, "year": y, "peak_flop": peak, **mult})
    return rows


def _explain(c: Coefficients, sol, scope: str, factor: str) -> str:
    kinds = {c.archs[a]["kind"] for a in ([scope] if scope != PLAN else c.archs)}
    space = "space" in kinds
    caps, links = set(), set()
    for (a, key, v), n in sol.units.items():
        if n > 0 and (scope == PLAN or a == scope):
            caps.add(c.designs[(a, key)].binding_cap)
            links.add(c.designs[(a, key)].limiting_link)
    if factor == "software_efficiency":
        return "sustained share of dense peak each workload reaches (its software_efficiency), FLOP-weighted"
    if factor in ("power", "thermal"):
        space_text, label, found, ground_text = {
            "power": ("arrays carry the IT, bus and heat-pump load at end of life through the worst eclipse (or "
                      "fission power), so power never throttles", "the cap that limits accelerators per unit", caps,
                      "facility MW cover the IT load (a model constraint)"),
            "thermal": ("radiators reject the heat at end-of-life coatings in the hot case at a temperature the chip "
                        "allows (or above it with a heat pump), so nothing throttles",
                        "limiting link of the heat path", links, "cooling is in the PUE"),
        }[factor]
        text = f"1: {space_text}" if space else ""
        if found:
            text += f"; {label}: {', '.join(sorted(found))}"
        if "ground" in kinds:
            text += ("; " if text else "1: ") + f"ground: {ground_text}"
        return text
    return {
        "coverage": "capacity used over the capacity a fleet must hold so that enough of it, and of its links, is "
                    "over real-time users at every moment (a LEO unit is within their latency for only part of each "
                    "orbit); 100% where other work fills the time a unit is away from its real-time users, and "
                    "where no real-time work runs",
        "downlink": "share of the effective capacity the downlink (terminals x rate x weather/geometry "
                    "availability) can carry at the workload mix's bits per FLOP (1 on the ground)",
        "single_events": "time a synchronous cluster loses to silent-data-corruption roll-backs and host crashes "
                         "(space only)",
        "interruptions": "time a cluster computes between transient interruptions (restarts from checkpoint; "
                         "ground and space alike)",
        "failures": "accelerators that survived deployment and have not failed permanently since, (1 - deployment "
                    "loss) e^(-lambda age) averaged through each year, without repairs (ground: failed chips are "
                    "replaced, a cost)",
        "servicing": "capacity recovered by servicing units (repairs a share of failures; 1 without servicing)",
        "radiation_degradation": "capacity kept past the total-dose degradation onset (space only)",
        "utilisation": "capacity held (what work uses, or more where real-time coverage needs it: see coverage) "
                       "over the capacity the downlink allows: units built ahead of demand, fleets sized for their "
                       "weakest year, integer units (not the "
                       "catalog's ground utilisation, a campus's average power draw, which sets only its energy "
                       "bill, grid CO2 and site water)",
    }[factor]


def waterfall_table(c: Coefficients, sol) -> pd.DataFrame:
    rows_in = slices(c, sol)
    scopes: dict[str, list[dict]] = defaultdict(list)
    for r in rows_in:
        scopes[r["architecture"]].append(r)
        scopes[PLAN].append(r)
    order = [a for a in c.archs if a in scopes] + ([PLAN] if scopes else [])
    out = []
    for scope in order:
        rs = scopes[scope]
        stage = [r["peak_flop"] for r in rs]
        before = sum(stage)
        if before <= 0:
            continue
        peak = before
        fam = c.archs[scope]["family"] if scope != PLAN else PLAN
        for step, f in enumerate(FACTORS, start=1):
            stage = [s * r[f] for s, r in zip(stage, rs)]
            after = sum(stage)
            out.append({"scope": scope, "family": fam, "step": step, "factor": f,
                        "multiplier": after / before if before > 0 else 1.0, "flop_before": before,
                        "flop_after": after, "lost_flop": before - after, "share_of_peak": after / peak,
                        "explanation": _explain(c, sol, scope, f)})
            before = after
    return pd.DataFrame(out, columns=list(TABLES["waterfall"][1]))


def largest_loss(table: pd.DataFrame, scope: str = PLAN) -> tuple[str, float] | None:
    """The factor with the smallest multiplier (the largest relative loss) in a scope, and its multiplier."""
    t = table[table["scope"] == scope]
    if t.empty:
        return None
    row = t.loc[t["multiplier"].idxmin()]
    return str(row["factor"]), float(row["multiplier"])


def waterfall_summary(table: pd.DataFrame) -> dict:
    t = table[table["scope"] == PLAN]
    if t.empty:
        return {}
    worst = largest_loss(table)
    peak, delivered = float(t["flop_before"].iloc[0]), float(t["flop_after"].iloc[-1])
    return {"installed_peak_flop": peak, "delivered_flop": delivered,
            "delivered_fraction": delivered / peak if peak > 0 else None,
            "factors": {r.factor: float(r.multiplier) for r in t.itertuples()},
            "largest_loss": worst[0] if worst else None,
            "largest_loss_sentence": sentence(table)}


def sentence(table: pd.DataFrame, scope: str = PLAN) -> str:
    """The largest relative loss, in words. A factor is an input (software efficiency) or a consequence of the
    design (power, thermal), not a constraint: it is called the largest loss, never 'binding'."""
    t = table[table["scope"] == scope]
    if t.empty:
        return ""
    f, m = largest_loss(table, scope)
    peak, delivered = float(t["flop_before"].iloc[0]), float(t["flop_after"].iloc[-1])
    others = t[(t["factor"] != f) & (t["multiplier"] < 0.999)].sort_values("multiplier")
    rest = ", ".join(f"{LABELS[r.factor]} {r.multiplier:.1%}" for r in others.head(3).itertuples())
    where = "The plan" if scope == PLAN else scope
    return (f"{where} delivers {delivered / peak:.1%} of its installed peak FLOP/s. The largest loss is "
            f"{LABELS[f]}: it keeps {m:.1%}"
            + (f"; then {rest}." if rest else ".")
            + " Power and thermal lose nothing: arrays and radiators are sized to the end-of-life load, so a "
              "binding cap limits accelerators per unit instead of throttling them.")
