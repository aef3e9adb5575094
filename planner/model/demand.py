"""Demand: delivered compute per workload, architecture, accelerator and year; capacity pools; bandwidth.

    sum_{a,g} serve[w,a,g,y] + unmet[w,y] = theta * demand[w,y]
    sum_{w: cluster(w)>=t} serve[w,a,g,y] / eff[w,a,g] <= supply[a,g,y,t]        (k-acc, per cluster threshold)
    sum_{w real-time, cluster(w)>=t} serve[w,a,g,y] / eff[w,a,g] <= coverage[a] supply[a,g,y,t]
                           (real-time work runs only while a unit is over its users; the rest of the time is free)
    sum_{w earth users} gbps_per_eflop[w] sum_g serve[w,a,g,y] <= sum units downlink    (what leaves orbit)
    sum_{w real-time earth users} gbps_per_eflop[w] sum_g serve[w,a,g,y] <= coverage[a] sum units downlink
                                    (real-time traffic leaves only through the units over its users at the time)
    sum_{a at s, g} serve[w,a,g,y] <= theta_max demand[w,y] opened[s,y]                (valid inequalities:
    sum_{a at s, g} serve[w,a,g,y] <= theta_max demand[w,y] sum_{units at s serving y} formation[w,a,d] units
        a site serves only once open, and only with units that hold the workload's cluster, in proportion:
        formation = min(1, accelerators per unit / cluster), so units holding half a cluster serve at most half)
    FLOP = sum_y flop_weight[y] sum serve   (EFLOP/s-years, discounted)
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo

from planner.model.coefficients import Coefficients
from planner.model.sets import Sets


def parameters(c: Coefficients, s: Sets) -> dict[str, dict]:
    return {
        "demand": dict(c.demand),
        "inv_eff": {(w, a, g): 1.0 / c.eff[(w, a, g)] for (w, a, g, y) in s.serve},
        "gbps_per_eflop": dict(c.gbps_per_eflop),
        "unmet_cost": {u: c.unmet_cost[u] for u in s.unmet},
        "flop_weight": {y: c.flop_weight[y] for y in s.years},
        "coverage": {a: c.coverage[a] for a in sorted({a for a, _, _, _ in s.covered_pools})},
        "formation": formation_shares(c, s),
    }


def formation_shares(c: Coefficients, s: Sets) -> dict[tuple[str, str, str], float]:
    """(w, a, d) -> the share of workload w's cluster one unit of design d at a holds, for the designs in service
    whose formation reaches the cluster and one unit does not (a unit that holds it whole counts 1)."""
    return {(w, a, key): c.designs[(a, key)].accelerators_per_unit / c.scenario.workloads[w].min_cluster_accelerators
            for w, a, key in s.partial}


def define_demand(m: pyo.ConcreteModel, c: Coefficients, s: Sets, p: dict[str, dict]) -> None:
    sc = c.scenario
    m.Y = pyo.Set(initialize=s.years, ordered=True)
    m.W = pyo.Set(initialize=c.workloads, ordered=True)
    m.WY = pyo.Set(initialize=[(w, y) for w in c.workloads for y in s.years], dimen=2, ordered=True)
    m.SRV = pyo.Set(initialize=s.serve, dimen=4, ordered=True)
    m.EFF = pyo.Set(initialize=sorted(p["inv_eff"]), dimen=3, ordered=True)
    m.UM = pyo.Set(initialize=s.unmet, dimen=2, ordered=True)
    m.demand = pyo.Param(m.WY, initialize=p["demand"], mutable=True, within=pyo.Reals)
    m.inv_eff = pyo.Param(m.EFF, initialize=p["inv_eff"], mutable=True, within=pyo.Reals)
    m.gbps_per_eflop = pyo.Param(m.W, initialize=p["gbps_per_eflop"], mutable=True, within=pyo.Reals)
    m.unmet_cost = pyo.Param(m.UM, initialize=p["unmet_cost"], mutable=True, within=pyo.Reals)
    m.flop_weight = pyo.Param(m.Y, initialize=p["flop_weight"], mutable=True, within=pyo.Reals)
    m.COVA = pyo.Set(initialize=sorted(p["coverage"]), ordered=True)
    m.coverage = pyo.Param(m.COVA, initialize=p["coverage"], mutable=True, within=pyo.Reals)
    m.FORM = pyo.Set(initialize=sorted(p["formation"]), dimen=3, ordered=True)
    m.formation = pyo.Param(m.FORM, initialize=p["formation"], mutable=True, within=pyo.Reals)

    m.serve = pyo.Var(m.SRV, domain=pyo.NonNegativeReals)
    m.unmet = pyo.Var(m.UM, domain=pyo.NonNegativeReals,
                      bounds=lambda m_, w, y: (0, None if c.unmet_allowed[w] else 0))
    ratio = sc.objective.mode == "ratio"
    m.theta = pyo.Var(domain=pyo.NonNegativeReals, bounds=(sc.objective.theta_min, sc.objective.theta_max))
    if not ratio:
        m.theta.fix(1.0)

    served = defaultdict(list)
    for w, a, g, y in s.serve:
        served[(w, y)].append(m.serve[w, a, g, y])
    m.balance = pyo.Constraint(m.WY, rule=lambda m_, w, y: pyo.quicksum(served.get((w, y), []))
                               + m_.unmet[w, y] == m_.theta * m_.demand[w, y])

    cluster = {w: sc.workloads[w].min_cluster_accelerators for w in c.workloads}
    pool_terms = defaultdict(list)
    for w, a, g, y in s.serve:
        pool_terms[(a, g, y)].append((cluster[w], c.covered(w, a), m.inv_eff[w, a, g] * m.serve[w, a, g, y]))
    supply = {**m.supply_space, **m.supply_ground}
    rows = [(a, g, y, t) for (a, g, y), ts in s.pools.items() for t in ts]
    m.P = pyo.Set(initialize=sorted(rows), dimen=4, ordered=True)
    m.capacity = pyo.Constraint(m.P, rule=lambda m_, a, g, y, t: pyo.quicksum(
        term for need, _, term in pool_terms[(a, g, y)] if need >= t) <= supply[(a, g, y, t)])
    m.PCOV = pyo.Set(initialize=s.covered_pools, dimen=4, ordered=True)
    m.coverage_time = pyo.Constraint(m.PCOV, rule=lambda m_, a, g, y, t: pyo.quicksum(
        term for need, covered, term in pool_terms[(a, g, y)] if covered and need >= t)
        <= m_.coverage[a] * supply[(a, g, y, t)])

    bw_terms = defaultdict(list)
    bw_rows = set(s.bandwidth)
    for w, a, g, y in s.serve:
        if (a, y) in bw_rows and c.earth_users[w]:
            bw_terms[(a, y)].append((w, m.gbps_per_eflop[w] * m.serve[w, a, g, y]))
    m.BW = pyo.Set(initialize=s.bandwidth, dimen=2, ordered=True)
    m.bandwidth = pyo.Constraint(m.BW, rule=lambda m_, a, y: pyo.quicksum(term for _, term in bw_terms[(a, y)])
                                 <= m_.downlink_expr.get((a, y), 0))
    m.BWCOV = pyo.Set(initialize=s.covered_bandwidth, dimen=2, ordered=True)
    m.coverage_downlink = pyo.Constraint(m.BWCOV, rule=lambda m_, a, y: pyo.quicksum(
        term for w, term in bw_terms[(a, y)] if c.covered(w, a)) <= m_.coverage[a] * m_.downlink_expr.get((a, y), 0))

    theta_max = sc.objective.theta_max if ratio else 1.0
    at_site = defaultdict(list)
    for w, a, g, y in s.serve:
        if c.archs[a]["kind"] == "space":
            at_site[(w, c.archs[a]["site"], y)].append(m.serve[w, a, g, y])
    units_at = defaultdict(list)
    for (a, y), lst in s.in_service.items():
        units_at[(c.archs[a]["site"], y)] += [(a, key, v) for key, v in lst]
    reach = set(s.clusters)
    weight = {(w, a, key): None for (w, a, key) in c.cluster_ok  # units whose formation reaches w's cluster:
              if (a, key, sc.workloads[w].min_cluster_accelerators) in reach}  # each counts whole (None)
    weight.update({k: m.formation[k] for k in s.partial})  # or the share of the cluster one unit holds

    def some_unit(m_, w, site, y):
        cluster = pyo.quicksum(m_.units[a, d, v] if (x := weight[(w, a, d)]) is None else x * m_.units[a, d, v]
                               for a, d, v in units_at[(site, y)] if (w, a, d) in weight)
        return pyo.quicksum(at_site[(w, site, y)]) <= theta_max * m_.demand[w, y] * cluster

    m.WSY_ALL = pyo.Set(initialize=sorted(at_site), dimen=3, ordered=True)
    m.serve_needs_a_unit = pyo.Constraint(m.WSY_ALL, rule=some_unit)
    at_site = {k: v for k, v in at_site.items() if k[1] in c.site_open}

    def open_first(m_, w, site, y):
        if (site, y) not in m_.opened:
            return pyo.quicksum(at_site[(w, site, y)]) == 0
        return pyo.quicksum(at_site[(w, site, y)]) <= theta_max * m_.demand[w, y] * m_.opened[(site, y)]

    m.WSY = pyo.Set(initialize=sorted(at_site), dimen=3, ordered=True)
    m.serve_needs_open_site = pyo.Constraint(m.WSY, rule=open_first)
    m.flop = pyo.quicksum(m.flop_weight[y] * m.serve[w, a, g, y] for (w, a, g, y) in s.serve)
    m.cost_unmet = pyo.quicksum(m.unmet_cost[u] * m.unmet[u] for u in m.UM)
