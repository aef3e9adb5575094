"""Launch: integer trips per route and year, payload assignment, route capacity, cadence.

    sum_k ship[a,k,v] = sum_d trip_mass[a,d] units[a,d,v] + sum_{(d,v') serving v} spares[a,d,v',v] serviced[a,d,v']
                        + sum_{(d,v'): swap in v} swap_mass[a,d,v'] units[a,d,v']   (new accelerators, on orbit)
    sum_k ship[core:s,k,y] = core_mass[s] open[s,y]
    sum_p ship[p,k,y] <= payload[k,y] trips[k,y];   sum_p vol_per_t[p,k] ship[p,k,y] <= volume[k] trips[k,y]
    sum_{k of vehicle} flights_per_trip[k,y] trips[k,y] <= cadence[vehicle,y]
A trip beyond LEO is one ship flight plus its tanker flights; payload and tankers follow the vehicle's payload to LEO
by year. A whole-trip unit (a module) weighs its route's design payload and fills the ship's volume.
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo

from planner.model.coefficients import Coefficients
from planner.model.sets import Sets


def _vol_per_t(c: Coefficients, payload: str, route: str) -> float:
    rt = c.routes[route]
    if payload.startswith("core:"):
        return rt.volume_m3 / rt.payload_t  # a core is packed like a module
    pf = c.catalog.platforms[c.archs[payload]["platform"]]
    if pf.whole_trip:
        return rt.volume_m3 / rt.payload_t
    return 1000.0 / pf.stowed_density_kg_m3.v


def parameters(c: Coefficients, s: Sets) -> dict[str, dict]:
    spares = {}
    for (a, y), lst in s.in_service.items():
        for key, v in lst:
            if (a, key, v, y) in c.spares_t:
                spares[(a, key, v, y)] = c.spares_t[(a, key, v, y)]
    return {
        "trip_cost": {t: c.trip_cost[t] for t in s.trips},
        "trip_mass": {(a, key): d.trip_mass_t for (a, key), d in c.designs.items()},
        "spares": spares,
        "swap_mass": {u: c.swaps[u].mass_t for u in s.units if u in c.swaps},
        "payload": {(k, y): c.routes[k].payload_in(y) for k, y in s.trips},
        "route_volume": {k: rt.volume_m3 for k, rt in c.routes.items()},
        "flights_per_trip": {(k, y): c.routes[k].flights_in(y) for k, y in s.trips},
        "vol_per_t": {(p_, k): _vol_per_t(c, p_, k) for p_, ks in s.payload_routes.items() for k in ks},
        "cadence": {vy: c.cadence[vy] for vy in s.vehicles_years},
        "core_mass": {site: e["mass_t"] for site, e in c.site_open.items() if e["mass_t"] > 0},
    }


def define_launch(m: pyo.ConcreteModel, c: Coefficients, s: Sets, p: dict[str, dict]) -> None:
    m.TR = pyo.Set(initialize=s.trips, dimen=2, ordered=True)
    m.SH = pyo.Set(initialize=s.ships, dimen=3, ordered=True)
    m.K = pyo.Set(initialize=list(c.routes), ordered=True)
    m.VY = pyo.Set(initialize=s.vehicles_years, dimen=2, ordered=True)
    m.TM = pyo.Set(initialize=sorted(p["trip_mass"]), dimen=2, ordered=True)
    m.SP = pyo.Set(initialize=sorted(p["spares"]), dimen=4, ordered=True)
    m.SW = pyo.Set(initialize=sorted(p["swap_mass"]), dimen=3, ordered=True)
    m.PK = pyo.Set(initialize=sorted(p["vol_per_t"]), dimen=2, ordered=True)
    m.CORE = pyo.Set(initialize=sorted(p["core_mass"]), ordered=True)
    for name, index in (("trip_cost", m.TR), ("trip_mass", m.TM), ("spares", m.SP), ("swap_mass", m.SW),
                        ("payload", m.TR),
                        ("route_volume", m.K), ("flights_per_trip", m.TR), ("vol_per_t", m.PK),
                        ("cadence", m.VY), ("core_mass", m.CORE)):
        setattr(m, name, pyo.Param(index, initialize=p[name], mutable=True, within=pyo.Reals))

    trip_domain = pyo.NonNegativeIntegers if c.scenario.terms.integer_trips else pyo.NonNegativeReals
    m.trips = pyo.Var(m.TR, domain=trip_domain)
    m.ship = pyo.Var(m.SH, domain=pyo.NonNegativeReals)

    ships_of = defaultdict(list)
    on_route = defaultdict(list)
    for p_, k, y in s.ships:
        ships_of[(p_, y)].append(m.ship[p_, k, y])
        on_route[(k, y)].append((p_, m.ship[p_, k, y]))
    launched = defaultdict(list)
    for a, key, v in s.units:
        launched[(a, v)].append(m.trip_mass[a, key] * m.units[a, key, v])
    serviced = set(s.serviced)
    for (a, y), lst in s.in_service.items():
        for key, v in lst:
            if (a, key, v) in serviced and (a, key, v, y) in p["spares"]:
                launched[(a, y)].append(m.spares[a, key, v, y] * m.serviced[a, key, v])
    for a, key, v in m.SW:
        launched[(a, c.swaps[(a, key, v)].year)].append(m.swap_mass[a, key, v] * m.units[a, key, v])
    for (site, y) in s.openings:
        if site in p["core_mass"]:
            launched[(f"core:{site}", y)].append(m.core_mass[site] * m.open[site, y])
    rows = sorted(set(launched) | set(ships_of))
    m.LAUNCHED = pyo.Set(initialize=rows, dimen=2, ordered=True)

    def carried(m_, p_, y):
        need = pyo.quicksum(launched.get((p_, y), []))
        have = ships_of.get((p_, y), [])
        if not have:
            return need <= 0 if launched.get((p_, y)) else pyo.Constraint.Skip
        return pyo.quicksum(have) == need

    m.carried = pyo.Constraint(m.LAUNCHED, rule=carried)
    m.route_mass = pyo.Constraint(m.TR, rule=lambda m_, k, y: pyo.quicksum(
        sh for _, sh in on_route.get((k, y), [])) <= m_.payload[k, y] * m_.trips[k, y])
    m.route_volume_row = pyo.Constraint(m.TR, rule=lambda m_, k, y: pyo.quicksum(
        m_.vol_per_t[p_, k] * sh for p_, sh in on_route.get((k, y), [])) <= m_.route_volume[k] * m_.trips[k, y])

    by_vehicle = defaultdict(list)
    for k, y in s.trips:
        by_vehicle[(c.routes[k].vehicle, y)].append(m.flights_per_trip[k, y] * m.trips[k, y])
    m.flights = {vy: pyo.quicksum(by_vehicle.get(vy, [])) for vy in set(by_vehicle) | set(s.vehicles_years)}
    m.cadence_row = pyo.Constraint(m.VY, rule=lambda m_, v, y: m_.flights[(v, y)] <= m_.cadence[v, y]
                                   if by_vehicle.get((v, y)) else pyo.Constraint.Skip)
    m.cost_launch = pyo.quicksum(m.trip_cost[t] * m.trips[t] for t in m.TR)
