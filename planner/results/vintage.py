"""Cost per delivered FLOP of one unit built in a given year: the direct test of "space is cheaper within 2-3 years".

Rule for shared costs: a unit pays its own capital and operations plus its launch at the cheapest route that
year (per tonne of a trip, a whole trip for a module); site cores and ground-station networks are shared and
left out. A ground campus pays for its accelerators, their energy and replacements, and the facility MW they
occupy (the facility's annuity, opex and lease for the years the chips serve). Costs and FLOP are both present
values at the base year, counted inside the horizon, like a levelised cost of electricity.
"""

from __future__ import annotations

import math

import pandas as pd

from planner.economics import annuity_per_capex
from planner.model.coefficients import EFLOP_S_YR_IN_FLOP, Coefficients
from planner.results.plan import EFLOP_PER_PFLOP_DAY
from planner.results.schema import TABLES


def _launch_pv(c: Coefficients, a: str, trip_mass_t: float, v: int) -> float:
    best = math.inf
    for k in c.arch_routes.get(a, []):
        if (k, v) in c.trip_cost:
            rt = c.routes[k]
            best = min(best, c.trip_cost[(k, v)] * trip_mass_t / rt.payload_t)
    return best


def _space_rows(c: Coefficients, w: str) -> list[dict]:
    rows = []
    for a, info in c.archs.items():
        if info["kind"] != "space" or a not in c.eligible[w]:
            continue
        by_vintage: dict[int, tuple[float, str]] = {}
        for (aa, key), d in c.designs.items():
            if aa != a or (w, a, d.accelerator) not in c.eff or not c.cluster_ok.get((w, a, key), False):
                continue
            eff = c.eff[(w, a, d.accelerator)]
            for v in c.unit_vintages[(a, key)]:
                launch = _launch_pv(c, a, d.trip_mass_t, v)
                if not math.isfinite(launch):
                    continue
                cost = c.unit_cost[(a, key, v)] + launch
                flop = sum(c.unit_cap[(a, key, v, y)] * eff * c.flop_weight[y] for y in c.years
                           if (a, key, v, y) in c.unit_cap)
                if flop <= 0:
                    continue
                per = cost * 1e6 / (flop * EFLOP_S_YR_IN_FLOP / 1e18)
                if v not in by_vintage or per < by_vintage[v][0]:
                    by_vintage[v] = (per, key)
        for v, (per, key) in sorted(by_vintage.items()):
            rows.append({"architecture": a, "family": info["family"], "vintage": v, "workload": w, "design": key,
                         "usd_per_eflop": per})
    return rows


def _ground_rows(c: Coefficients, w: str) -> list[dict]:
    rows = []
    for r, g_info in c.ground.items():
        a = g_info["arch"]
        if a not in c.eligible[w]:
            continue
        facility_per_mw_yr = (g_info["capex_musd_per_mw"] * annuity_per_capex(g_info["rate"], g_info["life_yr"])
                              + g_info["opex_musd_per_mw_yr"] + g_info["lease_musd_per_mw_yr"])
        by_vintage: dict[int, tuple[float, str]] = {}
        for (rr, g), vint in c.chip_vintages.items():
            if rr != r or (w, a, g) not in c.eff:
                continue
            eff = c.eff[(w, a, g)]
            for v in vint:
                shares = {y: sh for (r2, g2, v2, y), sh in c.chip_share.items() if (r2, g2, v2) == (r, g, v)}
                facility = sum(facility_per_mw_yr * c.chip_mw[(r, g)] * sh * c.weight[y] for y, sh in shares.items())
                cost = c.chip_cost[(r, g, v)] + facility
                flop = sum(sh * eff * c.flop_weight[y] for y, sh in shares.items())
                if flop <= 0:
                    continue
                per = cost * 1e6 / (flop * EFLOP_S_YR_IN_FLOP / 1e18)
                if v not in by_vintage or per < by_vintage[v][0]:
                    by_vintage[v] = (per, g)
        for v, (per, g) in sorted(by_vintage.items()):
            rows.append({"architecture": a, "family": "ground", "vintage": v, "workload": w, "design": g,
                         "usd_per_eflop": per})
    return rows


def vintage_costs(c: Coefficients) -> pd.DataFrame:
    rows = []
    for w in c.workloads:
        ground = _ground_rows(c, w)
        best_ground = {}
        for r in ground:
            v = r["vintage"]
            best_ground[v] = min(best_ground.get(v, math.inf), r["usd_per_eflop"])
        for r in ground + _space_rows(c, w):
            g = best_ground.get(r["vintage"], math.nan)
            r["ground_usd_per_eflop"] = g
            r["space_to_ground"] = r["usd_per_eflop"] / g if g and math.isfinite(g) else math.nan
            r["usd_per_pflop_day"] = r["usd_per_eflop"] * EFLOP_PER_PFLOP_DAY
            rows.append(r)
    return pd.DataFrame(rows, columns=list(TABLES["vintage_costs"][1]))
