"""The one place where costs and FLOPs are summed.

    cost  = sum units unit_cost + serviced serviced_cost + open open_cost + opened open_opex      (fleet)
          + sum trips trip_cost                                                                 (launch)
          + cost_learning (<= 0, only with learning on the programme's own volume)             (learning)
          + sum build build_cost + chips chip_cost + existing                                   (ground)
    min   cost + unmet unmet_cost - lambda FLOP + tie_break (units + trips)
Every coefficient is a present value in $M at the base year; lambda is 0 in demand mode and the Dinkelbach
multiplier ($M per discounted EFLOP/s-year) in ratio mode. The tie-break (about $1 per unit or trip) prefers,
among plans of equal cost, fewer units and fewer launches, then architectures listed earlier in the catalog; it is
far below the MIP gap.
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo

from planner.model.coefficients import Coefficients
from planner.model.sets import Sets

TIE_BREAK_MUSD = 1e-6


def parameters(c: Coefficients, s: Sets) -> dict[str, dict]:
    spend = defaultdict(dict)
    for a, key, v in s.units:
        spend["units"][(a, key, v)] = c.unit_capex_undiscounted[(a, key, v)]
    return {
        "existing_cost": {None: c.existing_cost},
        "budget": dict(c.budget),
        "spend_units": spend["units"],
        "spend_trips": {t: c.trip_cost_undiscounted[t] for t in s.trips},
    }


def define_objective(m: pyo.ConcreteModel, c: Coefficients, s: Sets, p: dict[str, dict]) -> None:
    m.existing_cost = pyo.Param(initialize=c.existing_cost, mutable=True, within=pyo.Reals)
    m.lam = pyo.Param(initialize=0.0, mutable=True, within=pyo.Reals)
    m.total_cost = m.cost_fleet + m.cost_launch + m.cost_ground + m.existing_cost + m.cost_learning
    rank = {a: i for i, a in enumerate(c.archs)}
    tie = TIE_BREAK_MUSD * (pyo.quicksum((1 + 1e-3 * rank[u[0]]) * m.units[u] for u in m.U)
                            + pyo.quicksum(m.trips[t] for t in m.TR))
    m.obj = pyo.Objective(expr=m.total_cost + m.cost_unmet - m.lam * m.flop + tie, sense=pyo.minimize)
    define_budget(m, c, s, p)


def define_budget(m: pyo.ConcreteModel, c: Coefficients, s: Sets, p: dict[str, dict]) -> None:
    """Capital spent in a period (units, launches, cores, facilities, chips; undiscounted) <= budget."""
    m.BY = pyo.Set(initialize=sorted(p["budget"]), ordered=True)
    m.budget = pyo.Param(m.BY, initialize=p["budget"], mutable=True, within=pyo.Reals)
    m.SU = pyo.Set(initialize=sorted(p["spend_units"]), dimen=3, ordered=True)
    m.spend_units = pyo.Param(m.SU, initialize=p["spend_units"], mutable=True, within=pyo.Reals)
    m.spend_trips = pyo.Param(m.TR, initialize=p["spend_trips"], mutable=True, within=pyo.Reals)
    if not p["budget"]:
        return
    terms = defaultdict(list)
    for a, key, v in s.units:
        terms[v].append(m.spend_units[a, key, v] * m.units[a, key, v])
    for k, y in s.trips:
        terms[y].append(m.spend_trips[k, y] * m.trips[k, y])
    for site, y in s.openings:
        terms[y].append(c.site_open[site]["fixed_cost_musd"] * m.open[site, y])
    for r, y in s.builds:
        terms[y].append(c.catalog.ground_regions[r].facility_capex_musd_per_mw.v * m.build[r, y])
    for r, g, v, n in s.chips:
        terms[v].append(c.catalog.accelerators[g].price_usd.v / 1000.0 * m.chips[r, g, v, n])
    m.budget_row = pyo.Constraint(m.BY, rule=lambda m_, y: pyo.quicksum(terms.get(y, [])) <= m_.budget[y])
