"""Ground campuses: facility MW and accelerators are separate stocks; chips are refreshed into existing MW.

    sum_{y'<=y} build[r,y'] <= pipeline[r] + sum_{queue-cleared y'<=y} grid_mw[r,y']     (interconnect)
    sum_{g,v,L} mw_per_kacc[r,g] share[r,g,v,L,y] chips[r,g,v,L] <= existing[r] + sum_v fshare[r,v,y] build[r,v]
    supply[campus(r),g,y,t] = sum_{v,L} share[r,g,v,L,y] chips[r,g,v,L]
chips[r,g,v,L]: k-acc bought in v and kept L years (the refresh is a decision: a vintage split across lives).
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo

from planner.model.coefficients import Coefficients
from planner.model.sets import Sets


def parameters(c: Coefficients, s: Sets) -> dict[str, dict]:
    return {
        "build_cost": {b: c.build_cost[b] for b in s.builds},
        "build_cum_cap": {b: c.build_cum_cap[b] for b in s.builds},
        "chip_cost": {k: c.chip_cost[k] for k in s.chips},
        "chip_share": dict(c.chip_share),
        "facility_share": dict(c.facility_share),
        "chip_mw": dict(c.chip_mw),
        "existing_mw": {r: g["existing_mw"] for r, g in c.ground.items()},
    }


def define_ground(m: pyo.ConcreteModel, c: Coefficients, s: Sets, p: dict[str, dict]) -> None:
    m.B = pyo.Set(initialize=s.builds, dimen=2, ordered=True)
    m.C = pyo.Set(initialize=s.chips, dimen=4, ordered=True)
    m.CSH = pyo.Set(initialize=sorted(p["chip_share"]), dimen=5, ordered=True)
    m.FSH = pyo.Set(initialize=sorted(p["facility_share"]), dimen=3, ordered=True)
    m.CMW = pyo.Set(initialize=sorted(p["chip_mw"]), dimen=2, ordered=True)
    m.R = pyo.Set(initialize=sorted(c.ground), ordered=True)
    for name, index in (("build_cost", m.B), ("build_cum_cap", m.B), ("chip_cost", m.C), ("chip_share", m.CSH),
                        ("facility_share", m.FSH), ("chip_mw", m.CMW), ("existing_mw", m.R)):
        setattr(m, name, pyo.Param(index, initialize=p[name], mutable=True, within=pyo.Reals))
    m.build = pyo.Var(m.B, domain=pyo.NonNegativeReals)
    m.chips = pyo.Var(m.C, domain=pyo.NonNegativeReals)

    build_years = defaultdict(list)
    for r, y in s.builds:
        build_years[r].append(y)
    m.interconnect = pyo.Constraint(m.B, rule=lambda m_, r, y: pyo.quicksum(
        m_.build[r, y2] for y2 in build_years[r] if y2 <= y) <= m_.build_cum_cap[r, y])

    chip_load = defaultdict(list)
    supply = defaultdict(list)
    for (r, g, v, n, y) in p["chip_share"]:
        chip_load[(r, y)].append(m.chip_mw[r, g] * m.chip_share[r, g, v, n, y] * m.chips[r, g, v, n])
        supply[(r, g, y)].append(m.chip_share[r, g, v, n, y] * m.chips[r, g, v, n])
    facility = defaultdict(list)
    for (r, v, y) in p["facility_share"]:
        facility[(r, y)].append(m.facility_share[r, v, y] * m.build[r, v])
    rows = sorted(chip_load)
    m.RY = pyo.Set(initialize=rows, dimen=2, ordered=True)
    m.facility_mw = {(r, y): m.existing_mw[r] + pyo.quicksum(facility.get((r, y), [])) for (r, y) in rows}
    m.it_load_mw = {k: pyo.quicksum(v) for k, v in chip_load.items()}
    m.power = pyo.Constraint(m.RY, rule=lambda m_, r, y: m_.it_load_mw[(r, y)] <= m_.facility_mw[(r, y)])

    m.supply_ground = {}
    for (a, g, y), thresholds in s.pools.items():
        info = c.archs[a]
        if info["kind"] != "ground":
            continue
        for t in thresholds:
            m.supply_ground[(a, g, y, t)] = pyo.quicksum(supply.get((info["site"], g, y), []))
    m.cost_ground = (pyo.quicksum(m.build_cost[b] * m.build[b] for b in m.B)
                     + pyo.quicksum(m.chip_cost[k] * m.chips[k] for k in m.C))
