"""Relax-and-fix heuristics that turn the LP relaxation into a feasible plan (a MIP start for HiGHS).

A heuristic receives ``lp(fixings)``: it fixes the given variables, re-solves the LP relaxation and returns a
value getter (or None if the LP became infeasible). Two recipes are tried and the cheaper result kept:

* ``round_up``: open each site core in the first year the LP opens any of it, round every unit count up, then
  round the trips up. More units never lose capacity, so it fails only if a cap (cadence, shell, budget) breaks.
* ``dive_by_year``: the same openings, then year by year round up the fractional unit counts of the earliest
  vintage and re-solve, so that a whole unit bought early replaces the slivers the LP spreads over later years.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Callable

from planner.model.build import PlanModel

ValueOf = Callable[[object], float]
LP = Callable[[list], "ValueOf | None"]


def _openings(pm: PlanModel, value_of: ValueOf) -> tuple[dict[str, int], list]:
    m = pm.m
    first_open = {}
    cumulative = defaultdict(float)
    for site, y in pm.sets.openings:  # in year order per site
        cumulative[site] += value_of(m.open[site, y])
        if site not in first_open and cumulative[site] > 1e-6:
            first_open[site] = y
    fixed = [(m.open[site, y], 1.0 if first_open.get(site) == y else 0.0) for site, y in pm.sets.openings]
    return first_open, fixed


def _closed(pm: PlanModel, a: str, v: int, first_open: dict[str, int]) -> bool:
    site = pm.coef.archs[a]["site"]
    return site in pm.coef.site_open and (site not in first_open or v < first_open[site])


def _ceil(var, x: float) -> float:
    return float(min(math.ceil(x - 1e-6), var.ub if var.ub is not None else math.inf))


def _trips(pm: PlanModel, value_of: ValueOf) -> list:
    m = pm.m
    return [(m.trips[t], float(math.ceil(value_of(m.trips[t]) - 1e-6))) for t in pm.sets.trips]


def round_up(pm: PlanModel, lp: LP, value_of: ValueOf) -> bool:
    m = pm.m
    first_open, fixed = _openings(pm, value_of)
    for a, d, v in pm.sets.units:
        var = m.units[a, d, v]
        fixed.append((var, 0.0 if _closed(pm, a, v, first_open) else _ceil(var, value_of(var))))
    value_of = lp(fixed)
    return value_of is not None and lp(_trips(pm, value_of)) is not None


def dive_by_year(pm: PlanModel, lp: LP, value_of: ValueOf) -> bool:
    m = pm.m
    first_open, fixed = _openings(pm, value_of)
    closed = [(m.units[u], 0.0) for u in pm.sets.units if _closed(pm, u[0], u[2], first_open)]
    value_of = lp(fixed + closed)
    if value_of is None:
        return False
    for v in sorted({u[2] for u in pm.sets.units}):
        this_year = [(m.units[u], _ceil(m.units[u], value_of(m.units[u]))) for u in pm.sets.units if u[2] == v]
        value_of = lp(this_year)
        if value_of is None:
            return False
    return lp(_trips(pm, value_of)) is not None


RECIPES = (dive_by_year, round_up)
