"""Explanations: binding constraints with LP shadow prices, infeasibility in words, re-solve marginal values.

Shadow prices come from the LP with every integer decision fixed at the plan's value, so they are conditional on
the chosen architecture. The value of an integer decision (one more flight, one more unit) comes from a
re-solve with the decision changed by one, and is labelled so.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from planner.model.build import PlanModel
from planner.results.schema import TABLES
from planner.solver.highs import HighsAdapter

# constraint family -> (sentence template over the index, unit of the right-hand side)
MEANINGS = {
    "balance": ("demand of {0} in {1} must be met", "EFLOP/s"),
    "capacity": ("{1} accelerators at {0} in {2} (clusters of at least {3})", "thousand accelerators"),
    "cadence_row": ("flights of {0} in {1} within the cadence cap", "flights"),
    "interconnect": ("grid interconnect of {0} cleared by {1}", "MW"),
    "power": ("facility power at {0} in {1}", "MW"),
    "shell": ("satellites in the {0} shell in {1}", "satellites"),
    "bandwidth": ("downlink from {0} in {1}", "Gbit/s"),
    "route_mass": ("payload of {0} trips in {1}", "t"),
    "route_volume_row": ("stowed volume of {0} trips in {1}", "m3"),
    "budget_row": ("capital budget of {0}", "$M"),
    "carbon_cap_row": ("CO2 emitted in {0} within the carbon cap", "t CO2"),
    "unit_bound": ("units of {0} ({1}) built in {2}: at most as many as launch cadence, shell and demand allow",
                   "units"),
}


@contextmanager
def integers_fixed(ad: HighsAdapter, pm: PlanModel):
    """Fix every integer variable at its current value and make it continuous (an LP with duals)."""
    m = pm.m
    saved = []
    for comp in (m.units, m.trips, m.open):
        for v in comp.values():
            x = 0.0 if v.value is None else float(round(v.value))
            saved.append((v, v.domain, v.lb, v.ub))
            v.domain = pyo.Reals
            v.setlb(x)
            v.setub(x)
    ad.push_variables(v for v, *_ in saved)
    try:
        yield
    finally:
        for v, dom, lb, ub in saved:
            v.domain = dom
            v.setlb(lb)
            v.setub(ub)
        ad.push_variables(v for v, *_ in saved)


def _slack(con) -> float:
    body = pyo.value(con.body)
    slacks = []
    if con.has_ub():
        slacks.append(pyo.value(con.upper) - body)
    if con.has_lb():
        slacks.append(body - pyo.value(con.lower))
    return min(slacks) if slacks else math.inf


def binding_constraints(ad: HighsAdapter, pm: PlanModel, tol: float = 1e-7) -> pd.DataFrame:
    """Rows that bind in the plan, with their shadow prices (USD per unit of right-hand side)."""
    m = pm.m
    rows = []
    with integers_fixed(ad, pm):
        res = ad.solve()
        if not res.has_solution:
            return pd.DataFrame(columns=list(TABLES["constraints"][1]))
        families = {f: list(getattr(m, f).values()) for f in MEANINGS if getattr(m, f, None) is not None}
        every = [con for cons in families.values() for con in cons]
        duals, slacks = ad.duals(every), ad.slacks(every)  # one read of HiGHS's solution and rows for them all
        for family, cons in families.items():
            template, unit = MEANINGS[family]
            for con in cons:
                dual = duals.get(con, 0.0)
                if abs(dual) <= tol:
                    continue
                slack = slacks[con] if con in slacks else _slack(con)
                if slack > 1e-6 * max(1.0, abs(pyo.value(con.upper) if con.has_ub() else 0.0)):
                    continue
                idx = con.index()
                idx = idx if isinstance(idx, tuple) else (idx,)
                rows.append({"constraint": family, "index": "|".join(str(i) for i in idx),
                             "meaning": template.format(*idx), "slack": slack,
                             "shadow_price": dual * 1e6, "unit": f"USD per {unit}"})
        # unit counts held at their upper bound (cadence, shell or demand): bounds, not rows, so reduced costs
        template, unit = MEANINGS["unit_bound"]
        at_ub = [(idx, v) for idx, v in m.units.items() if v.ub and v.value is not None and v.ub > 0
                 and abs(v.value - v.ub) <= 1e-6 and abs(v.ub - pm.coef.unit_ub.get(idx, -1)) <= 1e-9]
        reduced = ad.reduced_costs([v for _, v in at_ub])
        for idx, v in at_ub:
            rc = reduced.get(id(v), 0.0)
            if rc < -tol:
                rows.append({"constraint": "unit_bound", "index": "|".join(str(i) for i in idx),
                             "meaning": template.format(*idx), "slack": 0.0, "shadow_price": rc * 1e6,
                             "unit": f"USD per {unit}"})
    return pd.DataFrame(rows, columns=list(TABLES["constraints"][1]))


@dataclass
class Change:
    """A temporary change of one parameter value (or variable bound) for a what-if re-solve."""

    component: object
    index: object
    value: float


def resolve_with(ad: HighsAdapter, pm: PlanModel, changes: list[Change], objective) -> float | None:
    """Objective value after applying the changes and re-solving (then everything is restored)."""
    old = [(ch, ch.component[ch.index].value) for ch in changes]
    try:
        for ch in changes:
            ch.component[ch.index] = ch.value
        ad.push_changed([ch.component[ch.index] for ch in changes])
        ad.use_start()
        res = ad.solve()
        return pyo.value(objective) if res.has_solution else None
    finally:
        for ch, v in old:
            ch.component[ch.index] = v
        ad.push_changed([ch.component[ch.index] for ch in changes])


def build_years(c, a: str) -> list[int]:
    """Years in which architecture ``a`` can add capacity (units, or ground accelerators)."""
    info = c.archs[a]
    if info["kind"] == "ground":
        return sorted({y for (rr, g), vs in c.chip_vintages.items() if rr == info["site"] for y in vs})
    return sorted({v for (aa, key), vs in c.unit_vintages.items() if aa == a for v in vs})


def earliest_service(c, a: str) -> int | None:
    """First year architecture ``a`` can deliver anything (lead times, site availability, accelerators)."""
    info = c.archs[a]
    if info["kind"] == "ground":
        r = info["site"]
        years = [y for (rr, g), vs in c.chip_vintages.items() if rr == r for y in vs]
        return min(years) if years else None
    years = [v for (aa, key), vs in c.unit_vintages.items() if aa == a for v in vs]
    return min(years) if years else None


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


CAPS = {"interconnect": "grid interconnect", "power": "facility power", "cadence_row": "launch cadence",
        "shell": "orbital shell capacity", "budget_row": "capital budget", "bandwidth": "downlink",
        "route_mass": "payload per trip", "unit_bound": "units per year (cadence, shell)",
        "carbon_cap_row": "carbon cap"}


def _relevant_names(c, eligible: list[str]) -> set[str]:
    """Names a cap must carry to matter to a workload served by ``eligible``: its architectures, their sites
    (ground regions, orbits, Lagrange points), the launch vehicles and routes that reach those sites."""
    names = set(eligible)
    sites = {c.archs[a]["site"] for a in eligible}
    names |= sites
    space_sites = {c.archs[a]["site"] for a in eligible if c.archs[a]["kind"] == "space"}
    for key, route in getattr(c, "routes", {}).items():
        if route.site in space_sites:
            names.add(key)
            names.add(route.vehicle)
    return names


def _caps_binding_in(binding: pd.DataFrame | None, year: int, relevant: set[str] | None = None) -> list[str]:
    """Caps that bind in ``year`` (interconnect: the latest clearance up to that year), grouped by kind; with
    ``relevant``, only caps on those names (or caps on no name at all: budget, carbon)."""
    if binding is None or not len(binding):
        return []
    where: dict[str, list[str]] = {}
    for _, row in binding[binding["constraint"].isin(list(CAPS))].iterrows():
        parts = str(row["index"]).split("|")
        years = [int(p) for p in parts if p.isdigit() and len(p) == 4]
        names = [p for p in parts if not p.isdigit() and "/" not in p]
        if relevant is not None and names:
            names = [n for n in names if n in relevant]
            if not names:
                continue
        # interconnect clears for good; a carbon cap met by building less earlier leaves less capacity later
        applies = (min(years) <= year) if row["constraint"] in ("interconnect", "carbon_cap_row") else \
            (year in years)
        if applies and years:
            where.setdefault(CAPS[row["constraint"]], [])
            for n in names:
                if n not in where[CAPS[row["constraint"]]]:
                    where[CAPS[row["constraint"]]].append(n)
    return [f"{kind} ({', '.join(names[:4])}{', ...' if len(names) > 4 else ''})" if names else kind
            for kind, names in where.items()]


def _years(years: list[int]) -> str:
    """2031-2039, 2041, 2045-2050."""
    runs: list[list[int]] = []
    for y in sorted(set(years)):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def _last_build_year(c) -> int | None:
    years = [y for a in c.archs for y in build_years(c, a)]
    return max(years) if years else None


def last_service_years(c) -> dict[str, int]:
    """The last year each architecture can have capacity in service (what is built last, at the end of its life)."""
    out: dict[str, int] = {}
    for table in (c.unit_cap, c.unit_cap_serviced):
        for (a, _, _, y), x in table.items():
            if x > 0 and y > out.get(a, 0):
                out[a] = y
    region_last: dict[str, int] = {}
    for (r, _, _, _, y), x in c.chip_share.items():
        if x > 0 and y > region_last.get(r, 0):
            region_last[r] = y
    for a, info in c.archs.items():
        if info["kind"] == "ground" and info["site"] in region_last:
            out[a] = region_last[info["site"]]
    return out


CATALOG_END = " (the last year of every available accelerator or site in the catalog)"


def infeasibility_reasons(c, elastic, binding: pd.DataFrame | None = None) -> list[str]:
    """Why the scenario has no plan, root causes first: one sentence per workload and cause, over the years it
    applies to, for what the least-unmet plan still cannot serve.

    Root causes hold whatever the solver does and come first: no architecture within the latency, none ready by
    then, nothing that can be built still in service; and "nothing can be built after year X" for a workload the
    plan serves in full until then. A capacity shortfall (an architecture could serve, a cap binds) is what the
    least-unmet plan shows; that plan is solved to a MIP gap, so when a root cause is present the other shortfalls
    may be artefacts of the gap and are summarised in one line rather than claimed.
    ``binding`` are the rows that bind in the least-unmet plan (its LP with integers fixed): the caps named for a
    capacity shortfall are those of that year or earlier, on what could serve the workload.
    """
    wl = c.scenario.workloads
    order_w = list(wl)
    last_service = last_service_years(c)
    # (rank, workload, cause) -> [(year, unmet, demand)]; rank 0-2 certain, 3 capacity only shrinks
    groups: dict[tuple[int, str, str], list[tuple[int, float, float]]] = {}
    capacity: list[tuple[str, int, str]] = []  # one line per workload and year
    for (w, y), x in sorted(elastic.unmet.items()):
        if x <= 1e-6:
            continue
        spec = wl[w]
        demand = c.demand[(w, y)] * elastic.theta
        head = f"{spec.label} ({w}) in {y}: {x:.3g} of {demand:.3g} EFLOP/s cannot be served"
        eligible = c.eligible[w]

        def cause(rank: int, text: str) -> None:
            groups.setdefault((rank, w, text), []).append((y, x, demand))

        if not eligible:
            cause(0, f"no allowed architecture is within its {spec.latency_limit_ms:g} ms round trip of users on the "
                     f"{'Moon' if spec.users == 'moon' else 'Earth'}")
            continue
        starts = {a: earliest_service(c, a) for a in eligible}
        ready = [a for a, s in starts.items() if s is not None and s <= y]
        if not ready:
            later = sorted((s, a) for a, s in starts.items() if s is not None)
            kinds = sorted({c.archs[a]["site"] if c.archs[a]["kind"] == "space" else "ground" for a in eligible})
            none_built = [a for a in eligible if starts[a] is None and c.archs[a]["kind"] == "space"]
            dropped = {}
            for row in c.dropped:
                if row["architecture"] in none_built:
                    dropped.setdefault(row["architecture"], row["reason"])
            if later:
                s0, a0 = later[0]
                cause(1, f"it needs a site within {spec.latency_limit_ms:g} ms of its users ({_join(kinds)}); the "
                         f"earliest, {a0}, can serve from {s0}")
            elif dropped:
                why = "; ".join(f"{a}: {r}" for a, r in list(dropped.items())[:3])
                cause(1, f"no design of {_join(list(dropped))} works ({why})")
            else:
                cause(1, f"none of {_join(eligible)} can be built within the horizon (lead times, site availability "
                         f"or accelerator years)")
            continue
        last_build = max((max(build_years(c, a), default=0) for a in ready), default=0)
        if last_build < y:
            served_until = max((last_service.get(a, 0) for a in ready), default=0)
            if served_until < y:
                cause(2, f"nothing can be built after {last_build}{CATALOG_END} and nothing built by then is still "
                         f"in service after {served_until}")
            else:
                cause(3, f"nothing can be built after {last_build}{CATALOG_END}, so capacity can only shrink from "
                         f"then on")
            continue
        caps = _caps_binding_in(binding, y, _relevant_names(c, ready))
        missing = f"what binds that year: {'; '.join(caps)}" if caps else \
            "capacity arriving by then is capped (lead times, launch cadence, grid interconnect, shells, budget " \
            "or carbon cap)"
        shown = _join(ready) if len(ready) <= 3 else f"all {len(ready)} architectures within its latency"
        capacity.append((w, y, f"{head} by the least-unmet plan: {shown} could serve it, but {missing}"))

    # "capacity can only shrink" is a root cause for a workload served in full until building stops; otherwise
    # it follows from an earlier shortfall and is listed with the capacity shortfalls
    short = {w for w, _, _ in capacity}
    roots = {k: v for k, v in groups.items() if k[0] < 3 or k[1] not in short}
    others = [(k, v) for k, v in groups.items() if k not in roots]
    reasons = []
    last_year, last_build = c.scenario.horizon.last_year, _last_build_year(c)
    if any(k[0] >= 2 for k in roots) and last_build is not None and last_build < last_year:
        served_until = max(last_service.values(), default=last_build)
        after = f" (none of it is in service after {served_until})" if served_until < last_year else ""
        reasons.append(f"the horizon runs to {last_year}, but nothing can be built after {last_build}{CATALOG_END}: "
                       f"demand after {last_build} can only be met by what was built by then{after}; end the horizon "
                       f"earlier (horizon.last_year) or add accelerators or sites available later")

    def line(key, rows) -> str:
        _, w, text = key
        if reasons:  # the horizon line says why nothing can be built: the workload lines need not repeat it
            text = text.replace(CATALOG_END, "")
        if len(rows) == 1:
            y, x, demand = rows[0]
            amount = f"in {y}: {x:.3g} of {demand:.3g} EFLOP/s"
        else:
            amount = f"in {_years([r[0] for r in rows])}: up to {max(r[1] for r in rows):.3g} EFLOP/s a year"
        return f"{wl[w].label} ({w}) {amount} cannot be served: {text}"

    for key in sorted(roots, key=lambda k: (k[0], roots[k][0][0], order_w.index(k[1]))):
        reasons.append(line(key, roots[key]))
    rest = [(y, order_w.index(w), text) for w, y, text in capacity] + \
        [(v[0][0], order_w.index(k[1]), line(k, v)) for k, v in others]
    if roots and rest:
        years = sorted({y for _, y, _ in capacity} | {r[0] for _, v in others for r in v})
        n = len(capacity) + sum(len(v) for _, v in others)
        several = len(roots) > 1
        reasons.append(f"the least-unmet plan also leaves demand unmet in {n} other workload-year{'s' if n > 1 else ''}"
                       f" ({_years(years)}); that plan is solved only to its MIP gap, so with the cause"
                       f"{'s' if several else ''} above this need not be a real shortfall: fix "
                       f"{'them' if several else 'it'} and run again")
    else:
        reasons += [text for _, _, text in sorted(rest)]
    if not reasons:
        reasons.append("the model is infeasible for a reason other than demand (check budget caps and fixed values)")
    return reasons


# ------------------------------------------------------------------------------------ evidence: HiGHS's IIS

IIS_TIME_LIMIT_S = 20.0
IIS_SHOWN = 12  # rows and bounds listed under the reasons (the rest are counted)
_IIS_STRATEGY = 2 | 4  # kIisStrategyFromLp | kIisStrategyIrreducible: an elastic LP, then made irreducible


IIS_MEANINGS = {  # rows that never bind in a plan but can be part of why there is none
    "carried": "what is built for {0} in {1} must be launched that year",
    "serve_needs_a_unit": "{0} can be served at {1} in {2} only by units in service there",
    "serve_needs_open_site": "{0} can be served at {1} in {2} only once the site is open",
    "site_link": "units of {0} ({1}) built in {2} only at an open site",
    "open_once": "{0} opens at most once",
    "serviced_le_units": "units of {0} ({1}) built in {2} serviced at most as many as built",
    "coverage_time": "real-time work at {0} in {2} only while its units are over their users",
    "coverage_downlink": "real-time downlink from {0} in {1} only while over its users",
}
ROW_WORDS = {**{k: v[0] for k, v in MEANINGS.items()}, **IIS_MEANINGS}
IIS_BOUNDS = {"unmet": "unmet demand of {0} in {1}", "units": "units of {0} ({1}) built in {2}",
              "trips": "trips on {0} in {1}", "open": "opening of {0} in {1}"}


def _words(comp_name: str, idx, meanings: dict | None = None) -> str:
    idx = idx if isinstance(idx, tuple) else (idx,)
    template = (meanings or ROW_WORDS).get(comp_name)
    if template:
        try:
            return template.format(*idx)
        except IndexError:
            pass
    return f"{comp_name}[{', '.join(str(i) for i in idx)}]"


def infeasible_subsystem(ad: HighsAdapter, pm: PlanModel, time_limit_s: float = IIS_TIME_LIMIT_S) -> dict:
    """HiGHS's irreducible infeasible subsystem of the model's LP relaxation: rows and variable bounds that cannot
    hold together, and from which dropping any one leaves a feasible system.

    Returns ``{"status": "found" | "relaxation feasible" | "not found", "rows": [...], "bounds": [...]}``; each row
    is ``{"constraint", "index", "meaning", "side"}`` (side: which of its bounds is in conflict), each bound
    ``{"variable", "index", "side", "value"}``. The IIS is of the LP relaxation: when only whole numbers (units,
    flights, site openings) make the plan impossible, the relaxation is feasible and there is no IIS to show.
    """
    import highspy

    h = ad.highs()
    saved = {k: h.getOptionValue(k)[1] for k in ("iis_strategy", "iis_time_limit")}  # (status, value)
    h.setOptionValue("iis_strategy", _IIS_STRATEGY)
    h.setOptionValue("iis_time_limit", float(time_limit_s))
    try:
        status, iis = h.getIis()
    finally:
        for k, v in saved.items():
            h.setOptionValue(k, v)
    ok = status != highspy.HighsStatus.kError and iis.valid_
    rows_idx, cols_idx = list(iis.row_index_) if ok else [], list(iis.col_index_) if ok else []
    if not ok or not (rows_idx or cols_idx):
        feasible = ok and h.getModelStatus() not in (highspy.HighsModelStatus.kInfeasible,)
        return {"status": "relaxation feasible" if feasible else "not found", "rows": [], "bounds": []}
    rows_idx, cols_idx = _deletion_filter(h.getLp(), dict(zip(map(int, rows_idx), map(int, iis.row_bound_))),
                                          dict(zip(map(int, cols_idx), map(int, iis.col_bound_))))
    side = {int(highspy.IisBoundStatus.kIisBoundStatusLower): "lower", int(highspy.IisBoundStatus.kIisBoundStatusUpper):
            "upper", int(highspy.IisBoundStatus.kIisBoundStatusBoxed): "both"}
    by_row = {}
    for con in pm.m.component_data_objects(pyo.Constraint, active=True):
        for i in ad._rows.get(id(con), ()):
            by_row[i] = con
    rows = []
    for i, b in rows_idx.items():
        con = by_row.get(int(i))
        if con is None:
            continue
        name = con.parent_component().name
        idx = con.index()
        rows.append({"constraint": name, "index": "|".join(str(x) for x in (idx if isinstance(idx, tuple) else (idx,))),
                     "meaning": _words(name, idx), "side": side.get(int(b), "")})
    bounds = []
    for j, b in cols_idx.items():
        var = ad.columns[int(j)]
        which = side.get(int(b))
        if which is None:  # in the subsystem but free: its bounds are not part of the conflict
            continue
        value = ad._upper[int(j)] if which == "upper" else ad._lower[int(j)]
        idx = var.index()
        name = var.parent_component().name
        bounds.append({"variable": name, "index": "|".join(str(x) for x in (idx if isinstance(idx, tuple) else (idx,))),
                       "meaning": _words(name, idx, IIS_BOUNDS), "side": which, "value": float(value)})
    return {"status": "found", "rows": rows, "bounds": bounds}


def _deletion_filter(lp, rows: dict[int, int], cols: dict[int, int]) -> tuple[dict[int, int], dict[int, int]]:
    """Make HiGHS's subsystem irreducible (its IIS can keep a redundant row: a cadence cap of a year nothing needs):
    on the LP relaxation with every row and bound outside the subsystem freed, drop each member in turn and keep it
    out when the rest is still infeasible (Chinneck's deletion filter). Keys are rows/columns, values HiGHS's
    bound status (2 lower, 3 upper, 4 both, 1 free: in the subsystem without a bound)."""
    import highspy

    inf = highspy.kHighsInf
    n, m = lp.num_col_, lp.num_row_
    lo, up, clo, cup = (np.asarray(x, dtype=float) for x in (lp.row_lower_, lp.row_upper_, lp.col_lower_,
                                                              lp.col_upper_))
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), [highspy.HighsVarType.kContinuous] * n)
    h.changeColsCost(n, np.arange(n, dtype=np.int32), np.zeros(n))  # feasibility only

    def keep(kind: str, k: int, status: int | None) -> None:
        low, high = (lo, up) if kind == "row" else (clo, cup)
        a = low[k] if status in (2, 4) else -inf
        b = high[k] if status in (3, 4) else inf
        (h.changeRowBounds if kind == "row" else h.changeColBounds)(k, a, b)

    for i in range(m):
        keep("row", i, rows.get(i))
    for j in range(n):
        keep("col", j, cols.get(j))

    def infeasible() -> bool:
        h.run()
        return h.getModelStatus() == highspy.HighsModelStatus.kInfeasible

    if not infeasible():  # the subsystem as given is not infeasible on its own: keep HiGHS's answer as it is
        return rows, cols
    for kind, members in (("row", rows), ("col", cols)):
        for k, status in list(members.items()):
            if status not in (2, 3, 4):
                continue
            keep(kind, k, None)
            if infeasible():
                del members[k]
            else:
                keep(kind, k, status)
    return rows, cols


def iis_lines(iis: dict | None) -> list[str]:
    """The IIS as lines of evidence under the worded reasons (the reasons say why; these are the model's rows)."""
    if not iis:
        return []
    if iis["status"] == "relaxation feasible":
        return ["evidence: the LP relaxation is feasible, so whole numbers (units, flights, site openings) are what "
                "cannot be met; HiGHS has no irreducible infeasible subsystem to show"]
    if iis["status"] != "found":
        return []
    items = [f"{r['meaning']} ({r['constraint']})" for r in iis["rows"]]
    items += [f"{b['meaning']} {'at most' if b['side'] == 'upper' else 'at least'} {b['value']:g} ({b['variable']} "
              f"bound)" for b in iis["bounds"] if b["side"] in ("upper", "lower")]
    shown = items[:IIS_SHOWN]
    more = f"; and {len(items) - len(shown)} more" if len(items) > len(shown) else ""
    n_rows, n_bounds = len(iis["rows"]), len(iis["bounds"])
    return [f"evidence (HiGHS irreducible infeasible subsystem of the LP relaxation: {n_rows} "
            f"row{'s' if n_rows != 1 else ''} and {n_bounds} bound{'s' if n_bounds != 1 else ''} that cannot all "
            f"hold): " + "; ".join(shown) + more]
