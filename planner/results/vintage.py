"""Cost per delivered FLOP of one unit built in a given year: the direct test of "space is cheaper within 2-3 years".

A levelised cost over the unit's whole life (like an LCOE), independent of where the horizon ends: the PV at the
base year of everything the unit costs, divided by the PV of the FLOP it delivers. Capital (hardware, launch, the
carbon price of making and launching it) is financed as the objective finances it: paid back over the asset's
life at its family's rate (``capital_charge``), so the premium of a space family's rate counts here too.
Rule for shared costs: a space unit pays its hardware capex, its operations and its launch at the cheapest route
that year (per tonne of a trip, a whole trip for a module); site cores and ground-station networks are shared and
left out. A unit that serves real-time work alone delivers it only while over its users (its site's coverage share).
A swap design (accelerators swapped on orbit for a newer generation) is left out: it blends the generation of its
build year with a later one, against a ground vintage that keeps one generation (the ground's refresh is its next
vintage), so its levelised cost would flatter it; the plan weighs it like any design.
A ground campus pays for its accelerators, their energy and replacements (at the failure rate of each year's age),
and the facility MW they occupy (the facility's capital annuity, opex and lease for the years the chips serve),
kept for the life in the catalog's range (accelerator_life) that makes them cheapest per FLOP. With a carbon price, each
also pays for its emissions: manufacturing and launch share when built, grid energy and replacements while serving.
"""

from __future__ import annotations

import math

import pandas as pd

from planner.economics import capital_payments, discount_factor
from planner.model.coefficients import EFLOP_S_YR_IN_FLOP, Coefficients, capital_charge, service_profile
from planner.physics import emissions
from planner.results.plan import EFLOP_PER_PFLOP_DAY
from planner.results.schema import TABLES


def _usd_per_eflop(cost_musd_pv: float, eflop_s_yr_pv: float) -> float:
    return cost_musd_pv * 1e6 / (eflop_s_yr_pv * EFLOP_S_YR_IN_FLOP / 1e18)


def _financed(c: Coefficients, capex_musd: float, build_year: int, profile, rate: float) -> float:
    """PV at the base year of capital paid back over the whole of the asset's life at its family's rate."""
    m = c.scenario.money
    return capital_charge(capex_musd, build_year, list(profile), rate, m.discount_rate, m.base_year,
                          build_year + len(profile), "annuity")[0]


def _unit_life(c: Coefficients, a: str, key: str, v: int) -> tuple[dict[str, float], float]:
    """A space unit's whole-life cost by part (PV $M) and its discounted capacity (thousand accelerators x years,
    before a workload's rate): the same for every workload."""
    s, d = c.scenario, c.designs[(a, key)]
    base, r = s.money.base_year, s.money.discount_rate
    df = [discount_factor(v + k, base, r) for k in range(math.ceil(d.life_yr))]
    financed = _financed(c, 1.0, v, d.capacity_profile, c.archs[a]["rate"])  # per $M of capex
    capex = {**c.unit_capex(a, key, v), "launch": c.launch_cost_per_unit(a, key, v),
             # a carbon price on its manufacturing and its share of the launch, paid when built
             "carbon": emissions.carbon_cost_musd(d.embodied_accelerators_t + d.embodied_spacecraft_t
                                                  + c.launch_co2_per_unit(a, key, v), c.price(v))}
    parts = {k: x * financed for k, x in capex.items()}
    parts["operations"] = sum(x * discount_factor(t, base, r) for _, t, x in c.ops_flows(a, key, v, whole_life=True))
    return parts, sum(d.accelerators_per_unit / 1000.0 * cap * f for cap, f in zip(d.capacity_profile, df))


def _space_rows(c: Coefficients, w: str, lives: dict) -> list[dict]:
    """``lives``: each unit's _unit_life, filled as met and shared by the workloads."""
    rows = []
    for a, info in c.archs.items():
        if info["kind"] != "space" or a not in c.eligible[w]:
            continue
        by_vintage: dict[int, tuple[float, str, dict[str, float]]] = {}
        for (aa, key), d in c.designs.items():
            if aa != a or (w, a, d.accelerator) not in c.eff or not c.cluster_ok.get((w, a, key), False):
                continue
            if d.swap_age_yr is not None:  # two generations in one unit: no match for one ground vintage (see below)
                continue
            eff = c.rate_alone(w, a, d.accelerator)
            for v in c.unit_vintages[(a, key)]:
                if not any((k, v) in c.trip_parts for k in c.arch_routes.get(a, [])):
                    continue
                if (a, key, v) not in lives:
                    lives[(a, key, v)] = _unit_life(c, a, key, v)
                parts, capacity = lives[(a, key, v)]
                flop = capacity * eff
                if flop <= 0:
                    continue
                per = _usd_per_eflop(sum(parts.values()), flop)
                if v not in by_vintage or per < by_vintage[v][0]:
                    by_vintage[v] = (per, key, {k: _usd_per_eflop(x, flop) for k, x in parts.items()})
        for v, (per, key, parts) in sorted(by_vintage.items()):
            rows.append({"architecture": a, "family": info["family"], "vintage": v, "workload": w, "design": key,
                         "usd_per_eflop": per, "parts": parts})
    return rows


def _ground_rows(c: Coefficients, w: str) -> list[dict]:
    s = c.scenario
    base, r = s.money.base_year, s.money.discount_rate
    rows = []
    for reg, g_info in c.ground.items():
        a = g_info["arch"]
        if a not in c.eligible[w]:
            continue
        life = g_info["life_yr"]
        annuity = capital_payments(g_info["rate"], [1.0] * math.ceil(life))[0]
        facility_per_mw_yr = (g_info["capex_musd_per_mw"] * annuity
                              + g_info["opex_musd_per_mw_yr"] + g_info["lease_musd_per_mw_yr"])
        by_vintage: dict[int, tuple[float, str, dict[str, float]]] = {}
        life = c.catalog.accelerator_life
        lives = sorted({float(g_info["refresh_yr"])} | {float(n) for n in range(math.ceil(life.life_min_yr.v),
                                                                               math.floor(life.life_max_yr.v) + 1)})
        for (rr, g), vint in c.chip_vintages.items():
            if rr != reg or (w, a, g) not in c.eff:
                continue
            eff, chip, mw = c.eff[(w, a, g)], g_info["chips"][g], c.chip_mw[(reg, g)]
            for v in vint:
                for n in lives:  # the life that makes the vintage cheapest per FLOP (refresh is a decision)
                    share = service_profile(n)
                    df = [discount_factor(v + k, base, r) for k in range(len(share))]
                    weight = [sh * f for sh, f in zip(share, df)]  # PV of a year in service
                    years_pv = sum(weight)
                    failures = [c.chip_failure_rate(reg, g, k) for k in range(len(share))]
                    facility_carbon = emissions.carbon_cost_musd(g_info["embodied_t_per_mw"], c.price(v)) * annuity
                    price = [c.price(min(v + k, s.horizon.last_year)) for k in range(len(share))]
                    financed = _financed(c, 1.0, v, share, g_info["rate"])
                    parts = {
                        "accelerators": chip["price_musd_per_kacc"] * financed,
                        "energy": chip["energy_musd_per_kacc_yr"] * years_pv,
                        "replacements": chip["replacement_price_musd_per_kacc"] * sum(
                            x * lam for x, lam in zip(weight, failures)),
                        "facility": facility_per_mw_yr * mw * years_pv,
                        "carbon": emissions.carbon_cost_musd(chip["embodied_t_per_kacc"], price[0]) * financed + sum(
                            (facility_carbon * mw + emissions.carbon_cost_musd(
                                chip["co2_t_per_kacc_yr"] + chip["replacement_t_per_kacc"] * lam, p)) * x
                            for x, p, lam in zip(weight, price, failures)),
                    }
                    flop = sum(eff * x for x in weight)
                    per = _usd_per_eflop(sum(parts.values()), flop)
                    if v not in by_vintage or per < by_vintage[v][0]:
                        by_vintage[v] = (per, g, {k: _usd_per_eflop(x, flop) for k, x in parts.items()})
        for v, (per, g, parts) in sorted(by_vintage.items()):
            rows.append({"architecture": a, "family": "ground", "vintage": v, "workload": w, "design": g,
                         "usd_per_eflop": per, "parts": parts})
    return rows


def vintage_tables(c: Coefficients, workloads: list[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``vintage_costs``, and ``unit_cost_parts``: what each family's cheapest unit of a year pays for, per FLOP
    (of every workload, or of ``workloads``)."""
    rows, parts, lives = [], [], {}
    for w in c.workloads if workloads is None else workloads:
        ground = _ground_rows(c, w)
        best_ground: dict[int, float] = {}
        for row in ground:
            best_ground[row["vintage"]] = min(best_ground.get(row["vintage"], math.inf), row["usd_per_eflop"])
        best_family: dict[tuple[str, int], dict] = {}
        for row in ground + _space_rows(c, w, lives):
            g = best_ground.get(row["vintage"], math.nan)
            row["ground_usd_per_eflop"] = g
            row["space_to_ground"] = row["usd_per_eflop"] / g if math.isfinite(g) and g > 0 else math.nan
            row["usd_per_pflop_day"] = row["usd_per_eflop"] * EFLOP_PER_PFLOP_DAY
            rows.append(row)
            key = (row["family"], row["vintage"])
            if key not in best_family or row["usd_per_eflop"] < best_family[key]["usd_per_eflop"]:
                best_family[key] = row
        for row in best_family.values():
            parts += [{"family": row["family"], "vintage": row["vintage"], "workload": w,
                       "architecture": row["architecture"], "design": row["design"], "part": part,
                       "usd_per_pflop_day": x * EFLOP_PER_PFLOP_DAY}
                      for part, x in row["parts"].items() if x]
    return (pd.DataFrame(rows, columns=list(TABLES["vintage_costs"][1])),
            pd.DataFrame(parts, columns=list(TABLES["unit_cost_parts"][1])))


def vintage_costs(c: Coefficients, workloads: list[str] | None = None) -> pd.DataFrame:
    return vintage_tables(c, workloads)[0]


def space_reach(c: Coefficients) -> pd.DataFrame:
    """Per workload, space family and build year: whether a unit of the family can be built and launched that year,
    and whether one within the workload's latency holds its cluster (its formation: cluster_ok). A family that
    can be built but holds no cluster has no row in vintage_costs: the report says which of the two it is."""
    out: dict[tuple[str, str, int], dict] = {}
    for (a, key), d in c.designs.items():
        info = c.archs[a]
        if info["kind"] != "space":
            continue
        for v in c.unit_vintages[(a, key)]:
            if not any((k, v) in c.trip_parts for k in c.arch_routes.get(a, [])):
                continue
            for w in c.workloads:
                row = out.setdefault((w, info["family"], v), {"workload": w, "family": info["family"], "vintage": v,
                                                              "buildable": True, "within_latency": False,
                                                              "holds_cluster": False})
                if a in c.eligible[w]:
                    row["within_latency"] = True
                    row["holds_cluster"] |= bool(c.cluster_ok.get((w, a, key), False)
                                                 and (w, a, d.accelerator) in c.eff)
    return pd.DataFrame(sorted(out.values(), key=lambda r: (r["workload"], r["family"], r["vintage"])),
                        columns=list(TABLES["space_reach"][1]))
