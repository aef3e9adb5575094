"""Learning on the programme's own volume: launch and hardware prices that fall with the plan's cumulative flights
(per vehicle) and units (per platform), exact for the piecewise-linear saving (incremental formulation).

    X[l,y] = sum_{y'<=y} volume[l,y']                                  (flights or units bought so far)
    X[l,y] = sum_i len[l,i] fill[l,i,y],  0 <= fill <= 1                (segments between doublings)
    fill[l,i+1,y] <= full[l,i,y] <= fill[l,i,y],  full binary          (segments fill in order)
    full[l,i,y] <= full[l,i,y+1]                                       (valid: X never falls)
    saving[l,y] = sum_i dh[l,i] fill[l,i,y]                            (<= 0, in prices of one)
    cost_learning = sum_{l,y} price[l,y] (saving[l,y] - saving[l,y-1])
Without ``trajectories.programme_learning`` the block is empty and cost_learning is 0.
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo

from planner.model.coefficients import Coefficients
from planner.model.sets import Sets


def parameters(c: Coefficients, s: Sets) -> dict[str, dict]:
    length, dh, price = {}, {}, {}
    for name, st in c.learning.items():
        for i in range(1, len(st.breaks)):
            length[(name, i)] = st.breaks[i] - st.breaks[i - 1]
            dh[(name, i)] = st.saving[i] - st.saving[i - 1]
        for y in c.years:
            price[(name, y)] = st.price_pv.get(y, 0.0)
    return {"learn_len": length, "learn_dh": dh, "learn_price": price}


def define_learning(m: pyo.ConcreteModel, c: Coefficients, s: Sets, p: dict[str, dict]) -> None:
    m.LSEG = pyo.Set(initialize=sorted(p["learn_len"]), dimen=2, ordered=True)
    m.LPY = pyo.Set(initialize=sorted(p["learn_price"]), dimen=2, ordered=True)
    m.learn_len = pyo.Param(m.LSEG, initialize=p["learn_len"], mutable=True, within=pyo.Reals)
    m.learn_dh = pyo.Param(m.LSEG, initialize=p["learn_dh"], mutable=True, within=pyo.Reals)
    m.learn_price = pyo.Param(m.LPY, initialize=p["learn_price"], mutable=True, within=pyo.Reals)
    if not c.learning:
        m.cost_learning = 0.0
        return
    segs = defaultdict(list)
    for name, i in p["learn_len"]:
        segs[name].append(i)
    years = c.years
    m.LFILL = pyo.Set(initialize=[(n, i, y) for n, ii in segs.items() for i in ii for y in years], dimen=3,
                      ordered=True)
    m.LFULL = pyo.Set(initialize=[(n, i, y) for n, ii in segs.items() for i in ii[:-1] for y in years], dimen=3,
                      ordered=True)
    m.learn_fill = pyo.Var(m.LFILL, bounds=(0.0, 1.0))
    m.learn_full = pyo.Var(m.LFULL, domain=pyo.Binary)

    bought = defaultdict(list)  # (stream, y) -> volume bought in y
    for name, st in c.learning.items():
        if st.kind == "launch":
            for k, y in s.trips:
                if c.routes[k].vehicle == st.name:
                    bought[(name, y)].append(m.flights_per_trip[k, y] * m.trips[k, y])
        else:
            for a, key, v in s.units:
                if c.archs[a]["platform"] == st.name:
                    bought[(name, v)].append(m.units[a, key, v])
    m.LY = pyo.Set(initialize=[(n, y) for n in segs for y in years], dimen=2, ordered=True)
    m.learn_volume = pyo.Constraint(m.LY, rule=lambda m_, n, y: pyo.quicksum(
        m_.learn_len[n, i] * m_.learn_fill[n, i, y] for i in segs[n])
        == pyo.quicksum(x for y2 in years if y2 <= y for x in bought.get((n, y2), [])))
    nxt = {(n, i): segs[n][j + 1] for n in segs for j, i in enumerate(segs[n][:-1])}
    m.learn_order_up = pyo.Constraint(m.LFULL, rule=lambda m_, n, i, y: m_.learn_full[n, i, y]
                                      <= m_.learn_fill[n, i, y])
    m.learn_order_down = pyo.Constraint(m.LFULL, rule=lambda m_, n, i, y: m_.learn_fill[n, nxt[(n, i)], y]
                                        <= m_.learn_full[n, i, y])
    later = {y: years[j + 1] for j, y in enumerate(years[:-1])}
    m.learn_monotone = pyo.Constraint(m.LFULL, rule=lambda m_, n, i, y: m_.learn_full[n, i, y]
                                      <= m_.learn_full[n, i, later[y]] if y in later else pyo.Constraint.Skip)

    def saving(n, y):
        return pyo.quicksum(m.learn_dh[n, i] * m.learn_fill[n, i, y] for i in segs[n])

    terms = []
    for n in segs:
        before = 0.0
        for y in years:
            now = saving(n, y)
            terms.append(m.learn_price[n, y] * (now - before))
            before = now
    m.cost_learning = pyo.quicksum(terms)
