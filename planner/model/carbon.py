"""Carbon cap (only when the scenario sets one): emissions of a period within the yearly cap times its years.

    sum_{units} co2_units[a,d,v,y] units[a,d,v] + sum_{serviced} co2_serviced[a,d,v,y] serviced[a,d,v]
      + sum_k co2_trips[k,y] trips[k,y] + sum_s co2_open[s,y',y] open[s,y']
      + sum_r co2_build[r,v,y] build[r,v] + sum_{r,g,v,L} co2_chips[r,g,v,L,y] chips[r,g,v,L]  <=  cap[y]    (t CO2)
co2_*[., y] are the t CO2 a decision emits in period y (Coefficients.*_emissions): manufacturing in the build year
(accelerators, spacecraft, site cores, ground facilities), launches (tankers included) when they fly, grid energy
and replacement accelerators while in service. The carbon price needs no block: it is a cost category in the
decisions' cash flows (Coefficients), so the objective already pays it.
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo

from planner.model.coefficients import BEYOND_HORIZON, Coefficients
from planner.model.sets import Sets


def _by_period(c: Coefficients, flows) -> dict[int, float]:
    period_of = {t: y for y, ts in c.period_years.items() for t in ts}
    out: dict[int, float] = defaultdict(float)
    for cat, t, co2, _ in flows:
        if cat != BEYOND_HORIZON and t in period_of:
            out[period_of[t]] += co2
    return out


def _rows(c: Coefficients, s: Sets, index, flows_of, periods_of) -> dict:
    """{(*index, y): t CO2} for every period the decision can emit in (zeros kept: a fixed index set)."""
    capped = set(s.carbon_years)
    out = {}
    for idx in index:
        got = _by_period(c, flows_of(*idx))
        for y in periods_of(idx):
            if y in capped:
                out[(*idx, y)] = got.get(y, 0.0)
    return out


def parameters(c: Coefficients, s: Sets) -> dict[str, dict]:
    if not s.carbon_years:
        return {"carbon_cap": {}, "co2_units": {}, "co2_serviced": {}, "co2_trips": {}, "co2_open": {},
                "co2_build": {}, "co2_chips": {}}
    in_service = defaultdict(set)
    for (a, y), lst in s.in_service.items():
        for key, v in lst:
            in_service[(a, key, v)].add(y)
    chip_years = defaultdict(set)
    for (r, g, v, n, y) in c.chip_share:
        chip_years[(r, g, v, n)].add(y)
    return {
        "carbon_cap": {y: c.carbon_cap[y] for y in s.carbon_years},
        "co2_units": _rows(c, s, s.units, c.unit_emissions, lambda u: {u[2]}),
        "co2_serviced": _rows(c, s, s.serviced, c.serviced_emissions, lambda u: in_service[u]),
        "co2_trips": _rows(c, s, s.trips, c.trip_emissions, lambda t: {t[1]}),
        "co2_open": _rows(c, s, s.openings, c.open_emissions, lambda o: {o[1]}),
        "co2_build": _rows(c, s, s.builds, c.build_emissions, lambda b: {b[1]}),
        "co2_chips": _rows(c, s, s.chips, c.chip_emissions, lambda k: {k[2]} | chip_years[k]),
    }


def define_carbon(m: pyo.ConcreteModel, c: Coefficients, s: Sets, p: dict[str, dict]) -> None:
    m.CY = pyo.Set(initialize=s.carbon_years, ordered=True)
    m.carbon_cap = pyo.Param(m.CY, initialize=p["carbon_cap"], mutable=True, within=pyo.Reals)
    if not s.carbon_years:
        return
    terms = defaultdict(list)
    for name, var, dim in (("co2_units", m.units, 3), ("co2_serviced", m.serviced, 3), ("co2_trips", m.trips, 2),
                           ("co2_open", m.open, 2), ("co2_build", m.build, 2), ("co2_chips", m.chips, 4)):
        index = pyo.Set(initialize=sorted(p[name]), dimen=dim + 1, ordered=True)
        setattr(m, f"{name}_index", index)
        param = pyo.Param(index, initialize=p[name], mutable=True, within=pyo.Reals)
        setattr(m, name, param)
        for idx in p[name]:
            terms[idx[-1]].append(param[idx] * var[idx[:-1]])
    m.carbon_cap_row = pyo.Constraint(m.CY, rule=lambda m_, y: pyo.quicksum(terms.get(y, [])) <= m_.carbon_cap[y])
