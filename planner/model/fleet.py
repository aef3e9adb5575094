"""Space units: integer units per architecture x design x vintage, servicing, site cores, orbital shells.

    units[a,d,v] in Z+, 0 <= serviced[a,d,v] <= units[a,d,v]
    open[s,y] in {0,1},  sum_y open[s,y] <= 1,  opened[s,y] = sum_{y'<=y} open[s,y']
    units[a,d,v] <= ub[a,d,v] * opened[site(a), v]                       (capacity only at an open site)
    sum_{a at s, (d,v) serving y} units[a,d,v] <= shell_capacity[s]      (satellites per orbital shell)
    supply[a,g,y,t] = sum_{d,v: acc(d,v,y)=g, cluster(d)>=t} cap[a,d,v,y] units + (cap_s - cap)[a,d,v,y] serviced
        (acc(d,v,y): the design's accelerator, or from a swap design's swap year the generation it swapped to)
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo

from planner.model.coefficients import Coefficients
from planner.model.sets import Sets


def parameters(c: Coefficients, s: Sets) -> dict[str, dict]:
    cap, gain = {}, {}
    for (a, y), lst in s.in_service.items():
        for key, v in lst:
            cap[(a, key, v, y)] = c.unit_cap[(a, key, v, y)]
            if (a, key, v, y) in c.unit_cap_serviced:
                gain[(a, key, v, y)] = c.unit_cap_serviced[(a, key, v, y)] - c.unit_cap[(a, key, v, y)]
    return {
        "unit_cost": {u: c.unit_cost[u] for u in s.units},
        "serviced_cost": {u: c.serviced_cost[u] for u in s.serviced},
        "unit_ub": {u: c.unit_ub[u] for u in s.units},
        "unit_cap": cap,
        "serviced_gain": gain,
        "downlink": {(a, key): c.designs[(a, key)].downlink_gbps for (a, key) in c.designs},
        "shell_capacity": {site: cap_ for site, cap_ in c.shells.items()},
        "open_cost": {o: c.open_cost[o] for o in s.openings},
        "open_opex": {o: c.open_opex[o] for o in s.openings},
    }


def define_fleet(m: pyo.ConcreteModel, c: Coefficients, s: Sets, p: dict[str, dict]) -> None:
    m.U = pyo.Set(initialize=s.units, dimen=3, ordered=True)
    m.SV = pyo.Set(initialize=s.serviced, dimen=3, ordered=True)
    m.O = pyo.Set(initialize=s.openings, dimen=2, ordered=True)
    m.UCAP = pyo.Set(initialize=sorted(p["unit_cap"]), dimen=4, ordered=True)
    m.SGAIN = pyo.Set(initialize=sorted(p["serviced_gain"]), dimen=4, ordered=True)
    m.DL = pyo.Set(initialize=sorted(p["downlink"]), dimen=2, ordered=True)
    m.SHELL = pyo.Set(initialize=sorted(p["shell_capacity"]), ordered=True)
    for name, index in (("unit_cost", m.U), ("serviced_cost", m.SV), ("unit_ub", m.U), ("unit_cap", m.UCAP),
                        ("serviced_gain", m.SGAIN), ("downlink", m.DL), ("shell_capacity", m.SHELL),
                        ("open_cost", m.O), ("open_opex", m.O)):
        setattr(m, name, pyo.Param(index, initialize=p[name], mutable=True, within=pyo.Reals))

    unit_domain = pyo.NonNegativeIntegers
    m.units = pyo.Var(m.U, domain=unit_domain, bounds=lambda m_, a, d, v: (0, c.unit_ub[(a, d, v)]))
    m.serviced = pyo.Var(m.SV, domain=pyo.NonNegativeReals, bounds=lambda m_, a, d, v: (0, c.unit_ub[(a, d, v)]))
    m.open = pyo.Var(m.O, domain=pyo.Binary)

    m.serviced_le_units = pyo.Constraint(m.SV, rule=lambda m_, a, d, v: m_.serviced[a, d, v] <= m_.units[a, d, v])

    opened_terms = defaultdict(list)
    for site, y in s.openings:
        for site2, y2 in s.openings:
            if site2 == site and y2 <= y:
                opened_terms[(site, y)].append(m.open[site2, y2])
    m.opened = {k: pyo.quicksum(v) for k, v in opened_terms.items()}
    sites = sorted({o[0] for o in s.openings})
    m.open_once = pyo.Constraint(sites, rule=lambda m_, site: pyo.quicksum(
        m_.open[site, y] for (s2, y) in s.openings if s2 == site) <= 1)

    def link(m_, a, d, v):
        site = c.archs[a]["site"]
        if site not in c.site_open:
            return pyo.Constraint.Skip
        if (site, v) not in m_.opened:
            return m_.units[a, d, v] == 0
        return m_.units[a, d, v] <= m_.unit_ub[a, d, v] * m_.opened[(site, v)]

    m.site_link = pyo.Constraint(m.U, rule=link)

    # supply pools (shared with the demand block) and per-(a, y) counts
    serviced, reach = set(s.serviced), set(s.clusters)
    by_pool: dict[tuple[str, str, int], list] = defaultdict(list)
    counts: dict[tuple[str, int], list] = defaultdict(list)
    downlink: dict[tuple[str, int], list] = defaultdict(list)
    for (a, y), lst in s.in_service.items():
        for key, v in lst:
            by_pool[(a, c.generation(a, key, v, y), y)].append((key, v))
            counts[(a, y)].append(m.units[a, key, v])
            downlink[(a, y)].append(m.downlink[a, key] * m.units[a, key, v])
    m.supply_space = {}
    for (a, g, y), thresholds in s.pools.items():
        if c.archs[a]["kind"] != "space":
            continue
        supplied = []  # each unit vintage's capacity in year y, built once and shared by every cluster threshold
        for key, v in by_pool.get((a, g, y), ()):
            terms = [m.unit_cap[a, key, v, y] * m.units[a, key, v]]
            if (a, key, v) in serviced and (a, key, v, y) in p["serviced_gain"]:
                terms.append(m.serviced_gain[a, key, v, y] * m.serviced[a, key, v])
            supplied.append((key, terms))
        for t in thresholds:
            terms = [term for key, ts in supplied if (a, key, t) in reach for term in ts]
            m.supply_space[(a, g, y, t)] = pyo.quicksum(terms) if terms else 0
    m.downlink_expr = {k: pyo.quicksum(v) for k, v in downlink.items()}

    shell_rows = defaultdict(list)
    for (a, y), lst in counts.items():
        site = c.archs[a]["site"]
        if site in c.shells:
            shell_rows[(site, y)] += lst
    m.SHELL_Y = pyo.Set(initialize=s.shells, dimen=2, ordered=True)
    m.shell = pyo.Constraint(m.SHELL_Y, rule=lambda m_, site, y: pyo.quicksum(shell_rows[(site, y)])
                             <= m_.shell_capacity[site])

    m.cost_fleet = (pyo.quicksum(m.unit_cost[u] * m.units[u] for u in m.U)
                    + pyo.quicksum(m.serviced_cost[u] * m.serviced[u] for u in m.SV)
                    + pyo.quicksum(m.open_cost[o] * m.open[o] for o in m.O)
                    + pyo.quicksum(m.open_opex[o] * m.opened[o] for o in m.O))
