"""Relax-and-fix heuristics that turn the LP relaxation into a feasible plan (a MIP start for HiGHS).

A heuristic receives ``lp(fixings)``: it fixes the given variables, re-solves the LP relaxation and returns a
value getter with the LP's ``objective`` (or None if the LP became infeasible). Two recipes are tried and the
cheaper result kept:

* ``dive_by_year``: decide the site cores one at a time (the one the LP leans on most first: opened where the LP
  opens at least half of it, closed otherwise unless closing it breaks the plan; a site the LP opens only in
  part or over several years is also tried closed and opened where the LP starts, and the cheapest LP kept),
  then year by year round up
  the unit counts of the earliest vintage and re-solve (a whole unit bought early replaces the slivers the LP
  spreads over later years; up, else to the nearest, else down when a cap such as cadence binds), rounding
  that year's trips the same way right after its units (the trips of a year share its cadence). A year no
  rounding fits is left open: a small MIP then completes the partial start (``HighsAdapter._complete``).
* ``round_up``: open every site in the first year the LP opens any of it, round every unit and trip count up.
More units never lose capacity, so rounding up fails only if a cap (cadence, shell, budget) breaks.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Callable

from planner.model.build import PlanModel

ValueOf = Callable[[object], float]
LP = Callable[[list], "ValueOf | None"]


def _cumulative_opened(pm: PlanModel, value_of: ValueOf) -> dict[str, list[tuple[int, float]]]:
    out = defaultdict(list)
    running = defaultdict(float)
    for site, y in pm.sets.openings:  # in year order per site
        running[site] += value_of(pm.m.open[site, y])
        out[site].append((y, running[site]))
    return out


def _site_fixings(pm: PlanModel, site: str, open_year: int | None) -> list:
    """Open ``site`` in ``open_year`` (None: never) and forbid its units before then."""
    m = pm.m
    fixed = [(m.open[s, y], 1.0 if y == open_year else 0.0) for s, y in pm.sets.openings if s == site]
    for a, d, v in pm.sets.units:
        if pm.coef.archs[a]["site"] == site and (open_year is None or v < open_year):
            fixed.append((m.units[a, d, v], 0.0))
    return fixed


def _ceil(var, x: float) -> float:
    return float(min(math.ceil(x - 1e-6), var.ub if var.ub is not None else math.inf))


def _nearest(var, x: float) -> float:
    return float(math.floor(x + 0.5))


def _floor(var, x: float) -> float:
    return float(math.floor(x + 1e-6))


def round_up(pm: PlanModel, lp: LP, value_of: ValueOf) -> bool:
    m = pm.m
    fixed = []
    for site, series in _cumulative_opened(pm, value_of).items():
        first = next((y for y, cum in series if cum > 1e-6), None)
        fixed += _site_fixings(pm, site, first)
    decided = {id(v) for v, _ in fixed}
    fixed += [(m.units[u], _ceil(m.units[u], value_of(m.units[u]))) for u in pm.sets.units
              if id(m.units[u]) not in decided]
    value_of = lp(fixed)
    if value_of is None:
        return False
    value_of = lp([(m.trips[t], _ceil(m.trips[t], value_of(m.trips[t]))) for t in pm.sets.trips])
    return value_of is not None and _fix_learning(pm, lp, value_of)


def _fix_learning(pm: PlanModel, lp: LP, value_of: ValueOf) -> bool:
    """With learning on the programme's own volume: once units and trips are whole, the cumulative volumes are known;
    mark the segments they fill as full (in order) and re-solve, so that the start is integral there too."""
    m = pm.m
    if not hasattr(m, "learn_full"):
        return True
    segs = defaultdict(list)
    for n, i in m.LSEG:
        segs[n].append(i)
    fixed = []
    for n, ii in segs.items():
        for y in pm.coef.years:
            volume = sum(value_of(m.learn_fill[n, i, y]) * pm.params["learn_len"][(n, i)] for i in ii)
            done = 0.0
            for i in ii[:-1]:
                done += pm.params["learn_len"][(n, i)]
                fixed.append((m.learn_full[n, i, y], 1.0 if volume >= done - 1e-7 else 0.0))
    return lp(fixed) is not None


def _decide_site(pm: PlanModel, lp: LP, value_of: ValueOf, site: str) -> ValueOf | None:
    """Open ``site`` where the LP's cumulative opening reaches one half, else keep it closed, else (closing it
    breaks the plan) open it where the LP first opens any of it. Where the LP opens a site only in part, or over
    several years, the alternatives are solved too and the cheapest LP kept: closed (closing a site the LP leans
    on moves its load to another site that may cost more than its core) and open from the year the LP starts
    opening it (a core opened late leaves its early demand to dearer capacity)."""
    series = _cumulative_opened(pm, value_of)[site]
    opened = series[-1][1] if series else 0.0
    half = next((y for y, cum in series if cum >= 0.5 - 1e-9), None)
    first = next((y for y, cum in series if cum > 1e-6), None)
    choices = []  # the alternatives first, the rule's choice last (a tie keeps the rule's)
    if opened < 1 - 1e-6 and half is not None:
        choices.append(None)
    if first is not None and first != half:
        choices.append(first)
    choices.append(half)
    release = [(var, None) for var, _ in _site_fixings(pm, site, None)]
    best = None
    for choice in choices:
        attempt = lp(release + _site_fixings(pm, site, choice))
        if attempt is not None and (best is None or attempt.objective <= best[0].objective):
            best = (attempt, choice)
    if best is None:
        return None
    if best[0] is not attempt:  # HiGHS holds the fixings of the last choice tried: set the best one again
        return lp(release + _site_fixings(pm, site, best[1]))
    return best[0]


def dive_by_year(pm: PlanModel, lp: LP, value_of: ValueOf) -> bool:
    m = pm.m
    undecided = set(site for site, _ in pm.sets.openings)
    while undecided:
        series = _cumulative_opened(pm, value_of)
        site = max(undecided, key=lambda s_: series[s_][-1][1] if series[s_] else 0.0)
        undecided.discard(site)
        value_of = _decide_site(pm, lp, value_of, site)
        if value_of is None:
            return False
    roundings = (_ceil, _nearest, _floor)  # up keeps capacity; a cap (cadence, shell) may need less
    undecided = []
    for y in sorted({u[2] for u in pm.sets.units} | {t[1] for t in pm.sets.trips}):
        units = [m.units[u] for u in pm.sets.units if u[2] == y]
        trips = [m.trips[t] for t in pm.sets.trips if t[1] == y]
        attempt = None
        for unit_rounding in roundings:
            with_units = lp([(x, unit_rounding(x, value_of(x))) for x in units])
            if with_units is None:
                continue
            for trip_rounding in roundings:  # the year's trips right away: they share that year's cadence
                attempt = lp([(x, trip_rounding(x, with_units(x))) for x in trips])
                if attempt is not None:
                    break
            if attempt is not None:
                break
        if attempt is None:  # leave this year to HiGHS (a partial start) and go on with the next
            attempt = lp([(x, None) for x in units + trips])
            if attempt is None:
                return False
            undecided.append(y)
        value_of = attempt
    return not undecided and _fix_learning(pm, lp, value_of)


RECIPES = (dive_by_year, round_up)
