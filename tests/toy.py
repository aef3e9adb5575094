"""Tiny model instances with hand-written coefficients, and brute-force enumeration of their optimum.

The toy scenario (tests/data/toy.yaml) only provides the structure: one space architecture with two designs over
two years. Every number the MILP uses is then replaced by a hand-written one, so the enumeration below shares no
code with the planner's coefficient computation.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from pathlib import Path

from planner.api import load_scenario
from planner.model.build import build_model
from planner.model.coefficients import compute
from planner.model.heuristic import RECIPES
from planner.solver.highs import HighsAdapter

TOY = Path(__file__).parent / "data" / "toy.yaml"
ARCH = "swarm_satellite@sso_650_dd"
ROUTE = "starship>sso_650_dd"
WORKLOAD = "batch"
REALTIME = "realtime"


def toy_coefficients(designs: dict[str, dict], demand: dict[int, float], payload_t: float,
                     trip_cost: dict[int, float], cadence: float, overrides: list[str] | None = None,
                     site_cost: dict[int, float] | None = None, realtime: dict[int, float] | None = None,
                     coverage: float = 1.0):
    """designs: key suffix ('1mm' or '5mm') -> {cost: {vintage: $M}, cap: k-acc per unit in service, mass_t,
    life_yr (1 or 2)}. Capacity counts 1 EFLOP/s per k-acc. ``realtime``: demand of a second workload that runs
    only while a unit is over its users, a ``coverage`` share of the time."""
    rs = load_scenario(TOY, overrides)
    c = compute(rs)
    keys = {k.split("/")[-1]: k for (_, k) in c.designs}
    c.routes[ROUTE] = replace(c.routes[ROUTE], payload_t=payload_t, volume_m3=1e9, by_year={})
    for y in c.years:
        c.trip_cost[(ROUTE, y)] = trip_cost[y]
        c.trip_cost_undiscounted[(ROUTE, y)] = trip_cost[y]
        c.cadence[("starship", y)] = cadence
        c.demand[(WORKLOAD, y)] = demand[y]
    c.eff = {(WORKLOAD, ARCH, "b200"): 1.0}
    if realtime:
        c.eff[(REALTIME, ARCH, "b200")] = 1.0
        c.coverage = {ARCH: coverage}
        for y in c.years:
            c.demand[(REALTIME, y)] = realtime[y]
    c.unit_cap, c.unit_cost, c.unit_cap_serviced, c.serviced_cost, c.spares_t = {}, {}, {}, {}, {}
    for suffix, spec in designs.items():
        key = keys[suffix]
        c.designs[(ARCH, key)] = replace(c.designs[(ARCH, key)], trip_mass_t=spec["mass_t"], cluster_accelerators=1e9,
                                         life_yr=spec["life_yr"])
        c.unit_vintages[(ARCH, key)] = sorted(spec["cost"])
        for v, cost in spec["cost"].items():
            c.unit_cost[(ARCH, key, v)] = cost
            c.unit_capex_undiscounted[(ARCH, key, v)] = cost
            for y in c.years:
                if v <= y < v + spec["life_yr"]:
                    c.unit_cap[(ARCH, key, v, y)] = spec["cap"]
    for key in list(c.designs):
        if key[1] not in {keys[s] for s in designs}:
            del c.designs[key]
            del c.unit_vintages[key]
    c.unit_ub = {(ARCH, keys[s], v): 20.0 for s, spec in designs.items() for v in spec["cost"]}
    if site_cost is None:
        c.site_open = {}
    else:
        site = c.archs[ARCH]["site"]
        c.site_open = {site: {**c.site_open[site], "mass_t": 0.0}}
        c.open_cost = {(site, y): site_cost[y] for y in c.years}
        c.open_opex = {(site, y): 0.0 for y in c.years}
    return c


def solve_toy(c, gap: float = 1e-9, adapter: bool = False, **options):
    """The toy's plan: (model, result), or (model, adapter, result) with ``adapter``."""
    pm = build_model(c)
    ad = HighsAdapter(pm, mip_gap=gap, time_limit_s=60, **options)
    ad.warm_start(RECIPES)
    res = ad.solve()
    return (pm, ad, res) if adapter else (pm, res)


def lp_relaxation(c) -> float:
    import pyomo.environ as pyo
    pm = build_model(c)
    for comp in (pm.m.units, pm.m.trips):
        for v in comp.values():
            v.domain = pyo.NonNegativeReals
    for v in pm.m.open.values():
        v.domain = pyo.UnitInterval
    return HighsAdapter(pm).solve().objective


def enumerate_optimum(designs: dict[str, dict], demand: dict[int, float], payload_t: float,
                      trip_cost: dict[int, float], cadence: float, site_cost: dict[int, float] | None = None,
                      most: int = 6, realtime: dict[int, float] | None = None, coverage: float = 1.0,
                      formation: float = 1.0, extra=None, fixed: dict | None = None):
    """Brute force over unit counts per (design, vintage); trips are the fewest that carry the mass. Real-time
    demand needs capacity both in total and while over its users: coverage x capacity >= real-time demand. A unit
    holds a ``formation`` share of the workload's cluster: a year with demand needs units x share >= 1.
    ``extra(build, trips)``: a cost on top that depends on the units and the trips of each year (learning).
    ``fixed``: {(design, vintage): units} held at these counts (a first stage), the other slots enumerated."""
    years = sorted(demand)
    slots = [(s, v) for s, spec in designs.items() for v in sorted(spec["cost"])]
    best = (math.inf, None)
    fixed = fixed or {}
    for counts in itertools.product(*[[fixed[x]] if x in fixed else range(most + 1) for x in slots]):
        build = dict(zip(slots, counts))
        cost = sum(designs[s]["cost"][v] * n for (s, v), n in build.items())
        ok = True
        flown = {}
        for y in years:
            cap = sum(designs[s]["cap"] * n for (s, v), n in build.items() if v <= y < v + designs[s]["life_yr"])
            rt = realtime[y] if realtime else 0.0
            alive = sum(n for (s, v), n in build.items() if v <= y < v + designs[s]["life_yr"])
            if cap < demand[y] + rt - 1e-9 or coverage * cap < rt - 1e-9 or (demand[y] > 0 and alive * formation < 1):
                ok = False
                break
            mass = sum(designs[s]["mass_t"] * n for (s, v), n in build.items() if v == y)
            trips = math.ceil(mass / payload_t - 1e-9)
            if trips > cadence:
                ok = False
                break
            cost += trips * trip_cost[y]
            flown[y] = trips
        if not ok:
            continue
        if extra is not None:
            cost += extra(build, flown)
        if site_cost is not None and any(counts):
            first = min(v for (s, v), n in build.items() if n)
            cost += site_cost[first]
        if cost < best[0] - 1e-9:
            best = (cost, build)
    return best
