"""Plans almost as cheap (planner/alternatives.py) against enumeration on a two-architecture toy.

The toy: two space architectures with hand-written costs, capacities and masses (as in tests/toy.py); the first is
labelled family 'ground' and the second 'swarm', so that 'space share' is the second's share of delivered FLOP.
For one integer build the share can be anything between what the second must serve (demand the first cannot)
and what it can serve, so the near-optimal range of the share and the cost/share front follow from enumerating
builds: nothing below shares code with the planner.
"""

from __future__ import annotations

import itertools
import math
import subprocess
import sys
from dataclasses import replace

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner import alternatives as alt
from planner import outdir
from planner.api import load_scenario
from planner.model.coefficients import compute
from planner.session import Session
from tests.toy import TOY

A, B = "swarm_satellite@sso_650_dd", "swarm_satellite@leo_550_53"
ROUTE = {A: "starship>sso_650_dd", B: "starship>leo_550_53"}
YEARS = (2030, 2031)
SPEC = {  # arch -> cost by vintage ($M), capacity (EFLOP/s per unit in service), mass (t), life (years)
    A: {"cost": {2030: 8.0, 2031: 7.2}, "cap": 4.0, "mass_t": 1.0, "life_yr": 2},
    B: {"cost": {2030: 10.9, 2031: 10.36}, "cap": 6.0, "mass_t": 1.0, "life_yr": 2},
}
DEMAND = {2030: 10.0, 2031: 10.0}
PAYLOAD_T, TRIP_COST = 10.0, {2030: 2.0, 2031: 2.0}
SHARE_TOL = 1e-5  # the cost tie-break trades at most COST_TIE x eps of share; HiGHS's tolerances are below it


def toy(spec=SPEC, demand=DEMAND, trip_cost=TRIP_COST):
    rs = load_scenario(TOY, [f'architectures.allow=["{A}","{B}"]'])
    c = compute(rs)
    c.archs[A] = {**c.archs[A], "family": "ground"}  # a label only: the model treats both as space units
    c.archs[B] = {**c.archs[B], "family": "swarm"}
    c.eff = {("batch", a, "b200"): 1.0 for a in spec}
    c.unit_cap, c.unit_cost, c.unit_cap_serviced, c.serviced_cost, c.spares_t, c.site_open = {}, {}, {}, {}, {}, {}
    for y in c.years:
        c.demand[("batch", y)] = demand[y]
        c.cadence[("starship", y)] = 50
    for a, sp in spec.items():
        k = ROUTE[a]
        c.routes[k] = replace(c.routes[k], payload_t=PAYLOAD_T, volume_m3=1e9)
        for y in c.years:
            c.trip_cost[(k, y)] = c.trip_cost_undiscounted[(k, y)] = trip_cost[y]
        key = next(d for (aa, d) in c.designs if aa == a and d.endswith("1mm"))
        c.designs[(a, key)] = replace(c.designs[(a, key)], trip_mass_t=sp["mass_t"], cluster_accelerators=1e9,
                                      life_yr=sp["life_yr"])
        c.unit_vintages[(a, key)] = sorted(sp["cost"])
        for v, cost in sp["cost"].items():
            c.unit_cost[(a, key, v)] = c.unit_capex_undiscounted[(a, key, v)] = cost
            c.unit_ub[(a, key, v)] = 20.0
            for y in c.years:
                if v <= y < v + sp["life_yr"]:
                    c.unit_cap[(a, key, v, y)] = sp["cap"]
    for k in [k for k in c.designs if not k[1].endswith("1mm")]:
        del c.designs[k], c.unit_vintages[k]
    c.unit_ub = {u: x for u, x in c.unit_ub.items() if (u[0], u[1]) in c.designs}
    return rs, c


class ToySession(Session):
    def __init__(self, rs, coef):
        self._toy = coef
        super().__init__(rs, time_limit_s=60, mip_gap=1e-9)

    def _compute(self, rs):
        return self._toy


def near_optimal(**kw) -> alt.NearOptimal:
    return alt.NearOptimal(ToySession(*toy(**kw)), gap=1e-9, plan_gap=1e-9, end_resolution=1e-9)  # exact


def builds(spec=SPEC, demand=DEMAND, trip_cost=TRIP_COST, most=4):
    """Every feasible build: (cost, least and most share of B's delivered FLOP)."""
    slots = [(a, v) for a in spec for v in sorted(spec[a]["cost"])]
    out = []
    for counts in itertools.product(range(most + 1), repeat=len(slots)):
        n = dict(zip(slots, counts))
        cap = {(a, y): sum(spec[a]["cap"] * n[(a, v)] for v in spec[a]["cost"] if v <= y < v + spec[a]["life_yr"])
               for a in spec for y in YEARS}
        if any(cap[(A, y)] + cap[(B, y)] < demand[y] - 1e-9 for y in YEARS):
            continue
        cost = sum(spec[a]["cost"][v] * k for (a, v), k in n.items())
        cost += sum(math.ceil(spec[a]["mass_t"] * n[(a, y)] / PAYLOAD_T - 1e-9) * trip_cost[y]  # trips per route
                    for a in spec for y in YEARS)
        total = sum(demand.values())
        low = sum(max(0.0, demand[y] - cap[(A, y)]) for y in YEARS) / total
        high = sum(min(demand[y], cap[(B, y)]) for y in YEARS) / total
        out.append((cost, low, high))
    return out


def hand_cost(tables, spec=SPEC, trip_cost=TRIP_COST) -> float:
    """A plan's cost from its designs and launches tables at the hand-written prices."""
    d, la = tables["designs"], tables["launches"]
    units = sum(spec[r.architecture]["cost"][r.vintage] * r.units for r in d.itertuples())
    return units + sum(trip_cost[r.year] * r.trips for r in la.itertuples())


def test_directed_extremes_equal_enumeration_at_5_percent():
    no = near_optimal()
    every = builds()
    best = min(c for c, _, _ in every)
    assert no.optimum_cost == pytest.approx(best, abs=1e-4)
    rows = alt.directed(no, (0.01, 0.05))
    for eps in (0.01, 0.05):
        near = [(lo, hi) for c, lo, hi in every if c <= (1 + eps) * best + 1e-9]
        got = {r["objective"]: r for r in rows if r["eps"] == eps}
        low, high = min(lo for lo, _ in near), max(hi for _, hi in near)
        assert got["min share_swarm"]["share_swarm"] == pytest.approx(low, abs=SHARE_TOL)
        assert got["max share_swarm"]["share_swarm"] == pytest.approx(high, abs=SHARE_TOL)
        assert got["max share_ground"]["share_ground"] == pytest.approx(1 - low, abs=SHARE_TOL)
        assert got["min share_ground"]["share_ground"] == pytest.approx(1 - high, abs=SHARE_TOL)
        # at 5% the range is 60-100 % (a plan of the second architecture alone fits the budget), at 1% only 60 %:
        # a test that would fail with the budget row left out, or the share read from the wrong plan
        assert (low, high) == ((0.6, 1.0) if eps == 0.05 else (0.6, 0.6))


def test_budget_row_holds_in_every_plan():
    no = near_optimal()
    rows = [no.optimum] + alt.directed(no, (0.01, 0.05)) + alt.spread(no, 4, 0.05)
    optimum = hand_cost(no.optimum["tables"])
    assert optimum == pytest.approx(no.optimum_cost, abs=1e-4)
    solved = [r for r in rows if "tables" in r]
    assert len(solved) == len(rows)
    for r in solved:
        assert hand_cost(r["tables"]) <= (1 + r["eps"]) * optimum + 1e-6, r["plan"]
        assert r["cost_over_optimum"] <= r["eps"] + 1e-9
    assert max(r["cost_over_optimum"] for r in solved) > 0.01  # some plan uses its budget


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ca=st.floats(5, 15), cb=st.floats(5, 15), cap_b=st.sampled_from([3.0, 5.0, 7.0]))
def test_each_spread_plan_is_as_far_from_the_earlier_ones_as_any_of_them(ca, cb, cap_b):
    """SPORES property: plan k minimises the weighted use W_k . X; every earlier plan is within the same budget, so
    W_k . X_k <= W_k . X_j for each earlier j (and the optimum), up to the solver's tolerance."""
    spec = {A: {**SPEC[A], "cost": {2030: ca, 2031: ca * 0.9}},
            B: {**SPEC[B], "cost": {2030: cb, 2031: cb * 0.95}, "cap": cap_b}}
    no = near_optimal(spec=spec)
    rows = alt.spread(no, 3, 0.10)
    earlier = [no.optimum["x"]]
    for r in rows:
        assert "x" in r, r["status"]
        w = r["weights"]

        def use(x):
            return sum(w.get(k, 0.0) * v for k, v in x.items())

        for x in earlier:
            assert use(r["x"]) <= use(x) + 1e-6
        earlier.append(r["x"])


def test_front_is_monotone_and_its_ends_are_the_single_objective_optima():
    no = near_optimal()
    rows = alt.front(no, "space_share", points=6)
    every = builds()
    best = min(c for c, _, _ in every)
    top = max(hi for _, _, hi in every)
    assert [r["status"] for r in rows] == ["optimal"] * 6
    cost = [hand_cost(r["tables"]) for r in rows]
    share = [r["space_share"] for r in rows]
    assert cost[0] == pytest.approx(best, abs=1e-4)  # one end: the least cost
    assert share[-1] == pytest.approx(top, abs=1e-6)  # the other: the most space share...
    assert cost[-1] == pytest.approx(min(c for c, _, hi in every if hi >= top - 1e-9), abs=1e-4)  # ...at least cost
    for i in range(1, len(rows) - 1):  # each point between: the least cost at its bound, by enumeration
        assert cost[i] == pytest.approx(min(c for c, _, hi in every if hi >= rows[i]["bound"] - 1e-9), abs=1e-4)
        assert share[i] >= rows[i]["bound"] - 1e-7
    for i in range(len(rows) - 1):  # non-dominated: more share costs at least as much
        assert cost[i] <= cost[i + 1] + 1e-6 and share[i] <= share[i + 1] + 1e-7
    assert cost[-1] > cost[0] + 0.5  # a real trade-off (22.9 -> 23.8), not a flat line


def test_latency_front_equals_enumeration():
    """A's users are 10 ms away, B's 30 ms: with 30 ms allowed both serve (the least cost of every build, which uses
    B), with the scenario's 20 ms or with 10 ms only A may serve (the least cost of the builds where A alone meets
    the demand). Each point's cost, from its own tables at the hand-written prices, equals the enumeration."""
    rs, c = toy()
    c.archs[A] = {**c.archs[A], "rtt_ms": {"earth": 10.0, "moon": 1e4}}
    c.archs[B] = {**c.archs[B], "rtt_ms": {"earth": 30.0, "moon": 1e4}}
    no = alt.NearOptimal(ToySession(rs, c), gap=1e-9, plan_gap=1e-9)
    rows = alt.latency_front(no, "batch", limit_ms=20.0, points=10)
    assert [r["bound"] for r in rows] == [30.0, 20.0, 10.0]
    assert [r["scenario_limit"] for r in rows] == [False, True, False]
    assert [r["status"] for r in rows] == ["optimal"] * 3
    every = builds()
    best = min(cost for cost, _, _ in every)
    a_alone = min(cost for cost, low, _ in every if low <= 1e-9)
    costs = [hand_cost(r["tables"]) for r in rows]
    assert costs == pytest.approx([best, a_alone, a_alone], abs=1e-4)
    assert costs[1] > costs[0] + 0.5  # a real trade-off: B is the cheaper capacity
    assert rows[0]["share_swarm"] > 0.1 and rows[1]["share_swarm"] == rows[2]["share_swarm"] == pytest.approx(0, abs=1e-7)
    assert alt.latency_levels({"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0, "e": 5.0}, 2.5, 3) == [1.0, 2.5, 5.0]
    assert alt.latency_levels({"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0, "e": 5.0}, 1.5, 4) == [1.0, 1.5, 3.0, 5.0]


def test_outputs_in_a_folder_and_a_foreign_folder_refused(tmp_path):
    no = near_optimal()
    rows = [no.optimum] + alt.directed(no, (0.05,))
    files = {"alternatives.csv": alt.frame(rows), "robust.csv": alt.robust(rows), **alt.plan_files(rows)}
    run = tmp_path / "run"
    run.mkdir()
    (run / "summary.json").write_text('{"scenario_sha256": "ab"}')
    out = alt.write_folder(tmp_path / "alternatives", "alternatives", files, run)
    assert (out / "alternatives.csv").is_file() and (out / "plans" / "optimum" / "tables" / "designs.csv").is_file()
    robust = alt.robust(rows)
    assert set(robust["agreement"]) <= {"all", "none", "some"} and len(robust)
    assert outdir.about(out)["run_scenario_sha256"] == "ab"
    alt.write_folder(out, "alternatives", {"alternatives.csv": alt.frame(rows)}, run)  # its own folder: replaced
    assert not (out / "robust.csv").exists()  # the planner wrote it there: not kept
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("x")
    with pytest.raises(alt.InputError):
        alt.write_folder(foreign, "alternatives", {"alternatives.csv": alt.frame(rows)}, run)
    with pytest.raises(alt.InputError):  # a planner folder of another kind
        alt.write_folder(out, "pareto", {"front.csv": alt.frame(rows)}, run)
    assert (foreign / "keep.txt").read_text() == "x" and (out / "alternatives.csv").is_file()


@pytest.mark.parametrize("args, words", [
    (["alternatives", "{run}", "--eps", "-0.01"], "--eps: eps: must be a fraction >= 0"),
    (["pareto", "{run}", "--objectives", "cost,beauty"], "--objectives: objectives: expected cost,"),
    (["alternatives", "{empty}"], "not a run folder with a model"),
    (["pareto", "{missing}"], "no such folder"),
    (["pareto", "{empty}", "--objectives", "cost,latency"], "not a run folder with a model"),
])
def test_bad_input_one_line_exit_2(tmp_path, args, words):
    empty = tmp_path / "empty"
    empty.mkdir()
    argv = [a.format(run=empty, empty=empty, missing=tmp_path / "nope") for a in args]
    p = subprocess.run([sys.executable, "-m", "planner.cli", *argv], capture_output=True, text=True)
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], p.stderr


def test_run_folder_end_to_end_report_section(tmp_path):
    """On a solved run folder (the toy scenario with its own catalog numbers): alternatives and a CO2 front are
    written next to the run, every plan's cost from its cash-flow table is within its budget of the optimum's, and
    the re-rendered report has the section."""
    import planner
    from planner.report.render import render_run

    out = tmp_path / "toy"
    planner.write_run(planner.solve(planner.load_scenario(TOY), analysis="off"), out)
    path, table = alt.run_alternatives(out, eps=(0.05,), n=2)
    costs = {r.plan: r.npv_cost_usd for r in table.itertuples()}
    for r in table.itertuples():
        assert r.status == "optimal"
        assert r.npv_cost_usd <= (1 + r.eps) * costs["optimum"] * (1 + 1e-9), r.plan
        plan_costs = pd.read_csv(path / "plans" / r.plan.replace(" ", "_").replace("@", "eps") / "tables" / "costs.csv")
        real = plan_costs[plan_costs["category"] != "unmet_penalty"]["usd_discounted"].sum()
        assert real == pytest.approx(r.npv_cost_usd, rel=1e-9)
    front_path, front = alt.run_pareto(out, "cost,co2", points=3)
    assert list(front["status"]) == ["optimal"] * 3
    _, lat = alt.run_pareto(out, "cost,latency", points=4)  # its own model, rebuilt with every round trip allowed
    assert lat["latency_ms"].is_monotonic_decreasing and lat["scenario_limit"].sum() == 1
    ok = lat[lat["status"] == "optimal"]
    assert len(ok) >= 2 and ok["npv_cost_usd"].is_monotonic_increasing
    assert front["co2_kg_per_pflop_day"].is_monotonic_decreasing and front["npv_cost_usd"].is_monotonic_increasing
    render_run(out)
    md = (out / "report.md").read_text()
    assert "Other plans almost as cheap" in md and (out / "figures" / "near_optimal_bands.png").is_file()
