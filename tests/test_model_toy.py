"""The MILP against brute-force enumeration on tiny instances with hand-written costs.

Each instance is small enough to enumerate every integer decision; the costs, capacities and masses are
written here by hand (see tests/toy.py), not produced by the planner's coefficient code.
"""

from __future__ import annotations

import pytest

from tests.toy import ARCH, enumerate_optimum, lp_relaxation, solve_toy, toy_coefficients

TOL = 1e-4  # the model's tie-break adds $1 per unit or trip (1e-6 $M)

CASES = {
    "lp_differs_from_ip": dict(
        designs={"1mm": {"cost": {2030: 10.0}, "cap": 4.0, "mass_t": 1.0, "life_yr": 1},
                 "5mm": {"cost": {2030: 8.0}, "cap": 3.0, "mass_t": 1.0, "life_yr": 1}},
        demand={2030: 10.0, 2031: 0.0}, payload_t=3.0, trip_cost={2030: 5.0, 2031: 5.0}, cadence=10),
    "two_years_and_lives": dict(
        designs={"1mm": {"cost": {2030: 10.0, 2031: 9.0}, "cap": 4.0, "mass_t": 2.0, "life_yr": 2},
                 "5mm": {"cost": {2030: 5.0, 2031: 4.5}, "cap": 3.0, "mass_t": 1.0, "life_yr": 1}},
        demand={2030: 6.0, 2031: 9.0}, payload_t=4.0, trip_cost={2030: 6.0, 2031: 3.0}, cadence=10),
    "cadence_forces_early_build": dict(
        designs={"1mm": {"cost": {2030: 10.0, 2031: 6.0}, "cap": 3.0, "mass_t": 2.0, "life_yr": 2},
                 "5mm": {"cost": {2030: 4.0, 2031: 3.0}, "cap": 1.0, "mass_t": 1.0, "life_yr": 1}},
        demand={2030: 2.0, 2031: 9.0}, payload_t=4.0, trip_cost={2030: 2.0, 2031: 2.0}, cadence=1),
    # batch 4 and real-time 3 EFLOP/s on one fleet over its users half the time: the fleet must hold 7 in all and 6
    # over the orbit for the real-time work (half of it over the users at any time): 4 + 3 = 7 for $18M. Counting
    # coverage as throughput (real-time at 1 / 0.5 of its capacity, the rest of its time lost) would need 4 + 6 = 10.
    "realtime_shares_the_uncovered_time": dict(
        designs={"1mm": {"cost": {2030: 10.0}, "cap": 4.0, "mass_t": 1.0, "life_yr": 1},
                 "5mm": {"cost": {2030: 8.0}, "cap": 3.0, "mass_t": 1.0, "life_yr": 1}},
        demand={2030: 4.0, 2031: 0.0}, payload_t=10.0, trip_cost={2030: 1.0, 2031: 1.0}, cadence=10,
        realtime={2030: 3.0, 2031: 0.0}, coverage=0.5),
    "coverage_binds": dict(  # real-time 3 alone at coverage 0.25 needs 12 of capacity: 3 x 4 for $30M
        designs={"1mm": {"cost": {2030: 10.0}, "cap": 4.0, "mass_t": 1.0, "life_yr": 1},
                 "5mm": {"cost": {2030: 8.0}, "cap": 3.0, "mass_t": 1.0, "life_yr": 1}},
        demand={2030: 1.0, 2031: 0.0}, payload_t=10.0, trip_cost={2030: 1.0, 2031: 1.0}, cadence=10,
        realtime={2030: 3.0, 2031: 0.0}, coverage=0.25),
    "site_core_opening": dict(
        designs={"1mm": {"cost": {2030: 10.0, 2031: 8.0}, "cap": 4.0, "mass_t": 1.0, "life_yr": 2},
                 "5mm": {"cost": {2030: 4.0, 2031: 3.5}, "cap": 1.5, "mass_t": 1.0, "life_yr": 1}},
        demand={2030: 3.0, 2031: 5.0}, payload_t=2.0, trip_cost={2030: 1.0, 2031: 1.0}, cadence=10,
        site_cost={2030: 20.0, 2031: 18.0}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_model_equals_enumeration(name):
    case = CASES[name]
    best, build = enumerate_optimum(**case)
    pm, res = solve_toy(toy_coefficients(**case))
    assert res.status == "optimal"
    cost = float(pm.m.total_cost())
    assert cost == pytest.approx(best, abs=TOL)
    chosen = {(d.split("/")[-1], v): round(x.value) for (a, d, v), x in pm.m.units.items() if round(x.value)}
    assert {k: n for k, n in build.items() if n} == chosen


def test_realtime_coverage_counts_time_not_throughput():
    """The enumeration differs from the old reading (coverage as a throughput loss), so the toy tells them apart."""
    case = CASES["realtime_shares_the_uncovered_time"]
    best, build = enumerate_optimum(**case)
    assert best == pytest.approx(18.0 + 1.0) and build == {("1mm", 2030): 1, ("5mm", 2030): 1}
    as_throughput = dict(case, demand={2030: 4.0 + 3.0 / 0.5, 2031: 0.0}, realtime=None)
    assert enumerate_optimum(**as_throughput)[0] == pytest.approx(26.0 + 1.0)
    alone, _ = enumerate_optimum(**CASES["coverage_binds"])
    assert alone == pytest.approx(30.0 + 1.0)


def test_a_cluster_needs_its_whole_formation():
    """A workload whose cluster is two units' accelerators runs only on two units, though one unit's capacity
    covers its demand: $20M + one trip, against $10M + one trip for a unit alone."""
    from dataclasses import replace

    case = dict(designs={"1mm": {"cost": {2030: 10.0}, "cap": 20.0, "mass_t": 1.0, "life_yr": 1}},
                demand={2030: 10.0, 2031: 0.0}, payload_t=10.0, trip_cost={2030: 1.0, 2031: 1.0}, cadence=10)
    c = toy_coefficients(**case, overrides=["workloads.batch.min_cluster_accelerators=200"])
    (key,) = [k for (a, k) in c.designs]
    c.designs[(ARCH, key)] = replace(c.designs[(ARCH, key)], accelerators_per_unit=100)
    best, build = enumerate_optimum(**case, formation=0.5)
    assert best == pytest.approx(21.0) and build == {("1mm", 2030): 2}
    assert enumerate_optimum(**case)[0] == pytest.approx(11.0)
    pm, res = solve_toy(c)
    assert res.status == "optimal" and float(pm.m.total_cost()) == pytest.approx(best, abs=TOL)


def test_lp_relaxation_is_below_the_integer_optimum():
    case = CASES["lp_differs_from_ip"]
    best, _ = enumerate_optimum(**case)
    lp = lp_relaxation(toy_coefficients(**case))
    # LP: 2.5 units of the cheaper design per capacity (cost 25) and 2.5 t on 5/3 of a trip -> 29.1667
    assert lp == pytest.approx(25.0 + 5.0 * 2.5 / 3.0, abs=TOL)
    assert best == pytest.approx(31.0)  # one 4-unit and two 3-unit designs, one trip
    assert lp < best - 1.0


def test_infeasible_toy_is_reported():
    case = dict(CASES["cadence_forces_early_build"], cadence=0)
    _, res = solve_toy(toy_coefficients(**case))
    assert res.status == "infeasible" and not res.has_solution


def test_architecture_name_is_the_toys():
    c = toy_coefficients(**CASES["lp_differs_from_ip"])
    assert list(c.archs) == [ARCH]


def _best_ratio(designs, demand, payload_t, trip_cost, cadence, theta_min, theta_max, most=6):
    """Enumerate integer builds; for each, the largest feasible demand scale theta maximises FLOP at fixed cost."""
    import itertools
    import math
    years = sorted(demand)
    slots = [(s, v) for s, spec in designs.items() for v in sorted(spec["cost"])]
    best = math.inf
    for counts in itertools.product(range(most + 1), repeat=len(slots)):
        build = dict(zip(slots, counts))
        cost, theta = 0.0, theta_max
        for (s, v), n in build.items():
            cost += designs[s]["cost"][v] * n
        for y in years:
            cap = sum(designs[s]["cap"] * n for (s, v), n in build.items() if v <= y < v + designs[s]["life_yr"])
            if demand[y] > 0:
                theta = min(theta, cap / demand[y])
            mass = sum(designs[s]["mass_t"] * n for (s, v), n in build.items() if v == y)
            trips = math.ceil(mass / payload_t - 1e-9)
            if trips > cadence:
                theta = -1
            cost += trips * trip_cost[y]
        if theta < theta_min:
            continue
        flop = theta * sum(demand.values())  # discount rate 0: each year weighs 1 EFLOP/s-year
        best = min(best, cost / flop)
    return best


@pytest.mark.parametrize("name", ["lp_differs_from_ip", "two_years_and_lives"])
def test_ratio_mode_equals_enumeration_and_beats_demand_mode(name):
    from planner.model.build import build_model
    from planner.model.heuristic import RECIPES
    from planner.solver.dinkelbach import dinkelbach
    from planner.solver.highs import HighsAdapter

    case = CASES[name]
    overrides = ["objective.mode=ratio", "objective.theta_min=0.5", "objective.theta_max=2.0",
                 "objective.dinkelbach_tolerance=1e-9"]
    pm = build_model(toy_coefficients(**case, overrides=overrides))
    ad = HighsAdapter(pm, mip_gap=1e-9)
    ad.warm_start(RECIPES)
    res, history = dinkelbach(ad, pm, 1e-9, 50, ad.solve())
    ratio = float(pm.m.total_cost()) / float(pm.m.flop())
    expected = _best_ratio(case["designs"], case["demand"], case["payload_t"], case["trip_cost"], case["cadence"],
                           0.5, 2.0)
    assert ratio == pytest.approx(expected, rel=1e-6)
    assert len(history) >= 2 and history[-1]["f_lambda"] == pytest.approx(0.0, abs=1e-6)
    best_at_demand, _ = enumerate_optimum(**case)
    assert ratio <= best_at_demand / sum(case["demand"].values()) + 1e-9
