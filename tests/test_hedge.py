"""The two-stage hedge (planner/hedge) against enumeration on hand-written toys, its invariants, and bad input."""

from __future__ import annotations

import math
import random

import pytest

from planner.hedge.analysis import Options, hedge
from planner.hedge.solve import Risk, Scenario
from tests.toy import ARCH, TOY, enumerate_optimum, toy_coefficients
from planner.api import load_scenario

WINDOW = (2030, 2030)  # the first stage: what is launched in 2030
TRIP = {2030: 20.0, 2031: 20.0}


def design(cost_late: float = 25.0) -> dict:
    """One design: 10 EFLOP/s a unit for two years, 1 t (two a trip), $10 M in 2030 and ``cost_late`` in 2031."""
    return {"1mm": {"cost": {2030: 10.0, 2031: cost_late}, "cap": 10.0, "mass_t": 1.0, "life_yr": 2}}


def toy(name: str, demand_2031: float, p: float, designs=None, trip=None) -> Scenario:
    d = designs or design()
    c = toy_coefficients(d, {2030: 10.0, 2031: demand_2031}, payload_t=2.0, trip_cost=trip or TRIP, cadence=50)
    return Scenario(name, load_scenario(TOY), p, coef=c)


def two_stage_by_enumeration(worlds: list[tuple[float, float]], ev_demand: float, designs=None, trip=None,
                             most: int = 6):
    """RP, EEV, WS and the first stages by brute force: each first stage (units launched in 2030), each scenario's
    cheapest recourse."""
    d = designs or design()
    tc = trip or TRIP

    def cost(demand, x=None):
        fixed = None if x is None else {("1mm", 2030): x}
        return enumerate_optimum(d, {2030: 10.0, 2031: demand}, 2.0, tc, 50, most=most, fixed=fixed)

    expected = {x: sum(p * cost(dem, x)[0] for dem, p in worlds) for x in range(most + 1)}
    x_rp = min(expected, key=expected.get)
    own = [cost(dem)[1][("1mm", 2030)] for dem, _ in worlds]
    x_ev = cost(ev_demand)[1][("1mm", 2030)]
    ws = sum(p * cost(dem)[0] for dem, p in worlds)
    return {"rp": expected[x_rp], "x_rp": x_rp, "own": own, "eev": expected[x_ev], "x_ev": x_ev, "ws": ws}


def units_2030(first: dict) -> float:
    return sum(x for (a, key, v), x in first["units"].items() if v == 2030)


def test_hedged_first_stage_differs_from_both_scenarios_optima_and_matches_enumeration():
    # Two worlds: 2031 demand 30 (p = 0.6) or 10 (p = 0.4). Launching in 2030 is cheap ($10 M a unit, trips of two
    # units at $20 M); in 2031 a unit costs $25 M. The high world wants 3 units now, the low world 1; hedged: 2.
    worlds = [(30.0, 0.6), (10.0, 0.4)]
    enum = two_stage_by_enumeration(worlds, ev_demand=22.0)
    assert enum["x_rp"] not in enum["own"]  # the toy is what it claims to be
    scen = [toy("high", 30.0, 0.6), toy("low", 10.0, 0.4)]
    res = hedge(scen, toy("mean", 22.0, 1.0), WINDOW, options=Options(gap=1e-9, tables=False))
    assert units_2030(res.hedged.first_stage) == enum["x_rp"]
    assert [units_2030(res.perfect_first[n]) for n in ("high", "low")] == enum["own"]
    assert units_2030(res.ev_first) == enum["x_ev"]
    tol = 1e-3  # the objective's tie-break: $1 per unit and trip
    assert res.rp == pytest.approx(enum["rp"], abs=tol)
    assert res.eev == pytest.approx(enum["eev"], abs=tol)
    assert res.ws == pytest.approx(enum["ws"], abs=tol)
    assert res.vss == pytest.approx(enum["eev"] - enum["rp"], abs=tol) and res.vss > 1.0
    assert res.evpi == pytest.approx(enum["rp"] - enum["ws"], abs=tol) and res.evpi > 1.0
    # regret of the high world's own first stage (3 units) in the low world: 70 - 30 by hand
    assert res.regret["high"]["low"] == pytest.approx(40.0, abs=tol)
    assert res.regret["low"]["high"] == pytest.approx(enum_regret_low_in_high(), abs=tol)


def enum_regret_low_in_high() -> float:
    # the low world's first stage (1 unit, one trip: $30 M) in the high world: 2 more units in 2031 ($50 M + one
    # trip $20 M) = $100 M, against the high world's own $70 M (3 units and 2 trips in 2030)
    return 100.0 - 70.0


@pytest.mark.parametrize("seed", range(4))
def test_invariants_on_random_small_instances(seed):
    rng = random.Random(seed)
    late = rng.uniform(11.0, 40.0)
    trip = {2030: rng.uniform(0.0, 30.0), 2031: rng.uniform(0.0, 30.0)}
    n = rng.randint(2, 3)
    demands = [rng.choice([10.0, 20.0, 30.0, 40.0]) for _ in range(n)]
    probs = [rng.uniform(0.2, 1.0) for _ in range(n)]
    probs = [p / sum(probs) for p in probs]
    ev_demand = sum(d * p for d, p in zip(demands, probs))
    d = design(late)
    scen = [toy(f"s{i}", dem, p, d, trip) for i, (dem, p) in enumerate(zip(demands, probs))]
    res = hedge(scen, toy("mean", ev_demand, 1.0, d, trip), WINDOW, options=Options(gap=1e-9, tables=False))
    tol = 1e-3
    assert res.vss >= -tol and res.evpi >= -tol
    assert res.ws <= res.rp + tol <= res.eev + 2 * tol
    enum = two_stage_by_enumeration(list(zip(demands, probs)), ev_demand, d, trip)
    assert res.rp == pytest.approx(enum["rp"], abs=tol)
    assert res.ws == pytest.approx(enum["ws"], abs=tol)
    assert all(r is None or r >= -tol for row in res.regret.values() for r in row.values())


def test_cvar_weight_moves_the_commitment_toward_the_bad_world():
    # risk-neutral the hedge launches 2 units now; weighting the worst 40 % (the high world, p = 0.6 -> the
    # tail is all high) fully, the hedge is the high world's own plan: 3 units
    scen = [toy("high", 30.0, 0.6), toy("low", 10.0, 0.4)]
    res = hedge(scen, toy("mean", 22.0, 1.0), WINDOW, risk=Risk(level=0.6, weight=1.0),
                options=Options(gap=1e-9, tables=False, regret=False))
    assert units_2030(res.hedged.first_stage) == 3
    assert res.hedged.cvar_musd == pytest.approx(70.0, abs=1e-3)  # the high world's cost with 3 units: 70


# ------------------------------------------------------------------------------------------------ bad input

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "data" / "scenarios"


def _spec(tmp_path, window=(2027, 2028), worlds=(("reference", 0.5), ("ground_bull", 0.5)), extra="") -> str:
    lines = [f"name: bad", f"base: {SCENARIOS / 'reference.yaml'}", 'overrides: ["unmet.allowed=true"]',
             f"window: {{first_year: {window[0]}, last_year: {window[1]}}}", "worlds:"]
    lines += [f"  - {{name: {n}, file: {SCENARIOS / (n + '.yaml')}, probability: {p}}}" for n, p in worlds]
    path = tmp_path / "spec.yaml"
    path.write_text("\n".join(lines) + "\n" + extra)
    return str(path)


def _run(capsys, args):
    from planner.cli import main

    rc = main(args)
    err = capsys.readouterr().err.strip().splitlines()
    return rc, [line for line in err if not line.startswith("[")]


@pytest.mark.parametrize("window, worlds, needle", [
    ((2020, 2021), (("reference", 0.5), ("ground_bull", 0.5)), "outside the horizon 2027-2045"),
    ((2027, 2045), (("reference", 0.5), ("ground_bull", 0.5)), "leaves no year after it"),
    ((2027, 2028), (("reference", 0.5), ("ground_bull", 0.4)), "the probabilities sum to 0.9, not 1"),
])
def test_bad_spec_is_one_line_and_exit_2(tmp_path, capsys, window, worlds, needle):
    rc, err = _run(capsys, ["hedge", _spec(tmp_path, window, worlds), "--out", str(tmp_path / "out")])
    assert rc == 2 and len(err) == 1 and needle in err[0], err
    assert not (tmp_path / "out").exists()


def test_a_scenario_that_changes_the_first_stage_index_sets_is_refused_naming_the_set(tmp_path, capsys):
    # grid_crunch's 3-year construction leaves no facility online in 2029 in four regions
    spec = _spec(tmp_path, (2027, 2029), (("reference", 0.5), ("grid_crunch", 0.5)))
    rc, err = _run(capsys, ["hedge", spec, "--out", str(tmp_path / "out")])
    assert rc == 2 and len(err) == 1, err
    assert "scenarios.grid_crunch" in err[0] and "ground facilities (build)" in err[0] and "2029" in err[0]
    assert not (tmp_path / "out").exists()


def test_ph_without_mpiexec_is_refused(tmp_path, capsys, monkeypatch):
    import planner.hedge.ph as ph

    monkeypatch.setattr(ph, "mpiexec_path", lambda: None)
    rc, err = _run(capsys, ["hedge", _spec(tmp_path), "--ph", "--out", str(tmp_path / "out")])
    assert rc == 2 and len(err) == 1 and "mpiexec is not on PATH" in err[0], err


# ------------------------------------------------------------------------------------------------ the folder


def _toy_spec(tmp_path, body: str):
    """A hedge spec on the toy scenario (tests/data/toy.yaml), first stage 2030."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"base: {ROOT / 'tests' / 'data' / 'toy.yaml'}\nwindow: {{first_year: 2030, last_year: 2030}}\n"
                    + body)
    return spec


def test_planner_hedge_writes_its_folder_and_report(tmp_path, capsys):
    import json

    from planner import outdir

    toy_yaml = ROOT / "tests" / "data" / "toy.yaml"
    spec = _toy_spec(tmp_path, f"""name: toyhedge
worlds:
  - {{name: high, file: {toy_yaml}, probability: 0.6, overrides: ["workloads.batch.demand_eflop_per_s={{2030: 10, 2031: 300}}"]}}
  - {{name: low, file: {toy_yaml}, probability: 0.4}}
risk: {{level: 0.6, weight: 0.0, sweep: [1.0]}}
solver: {{mip_gap: 1.0e-6}}
""")
    out = tmp_path / "out"
    rc, err = _run(capsys, ["hedge", str(spec), "--out", str(out)])
    assert rc == 0, err
    assert outdir.marker_kind(out) == "hedge"
    for name in ("summary.json", "first_stage.csv", "scenarios.csv", "regret.csv", "risk.csv", "report.md",
                 "report.pdf", "recourse/high/fleet.csv", "recourse/low/costs.csv"):
        assert (out / name).is_file(), name
    s = json.loads((out / "summary.json").read_text())
    assert s["vss_usd"] == pytest.approx(s["expected_value_plan_evaluated_usd"] - s["expected_cost_usd"], abs=1)
    assert s["evpi_usd"] == pytest.approx(s["expected_cost_usd"] - s["wait_and_see_usd"], abs=1)
    assert s["wait_and_see_usd"] <= s["expected_cost_usd"] + 1 <= s["expected_value_plan_evaluated_usd"] + 2
    assert s["evpi_usd"] > 1e5  # the high world's 300 EFLOP/s in 2031 wants more launched in 2030
    md = (out / "report.md").read_text()
    assert "## What to commit now" in md and "How the commitment changes with the risk weight" in md
    # the high world's own first stage (more units than the low world's demand bounds) is evaluated in the low
    # world, not refused by that world's bound
    import pandas as pd

    reg = pd.read_csv(out / "regret.csv").set_index("first_stage_of")
    assert reg.loc["high", "in_low"] > 0
    # again into the same folder: replaced; a folder of the user's: refused
    assert _run(capsys, ["hedge", str(spec), "--out", str(out)])[0] == 0
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    rc, err = _run(capsys, ["hedge", str(spec), "--out", str(mine)])
    assert rc == 2 and len(err) == 1 and (mine / "notes.txt").read_text() == "keep"


def test_sampled_scenarios_get_a_confidence_interval_and_an_out_of_sample_check(tmp_path, capsys):
    import json

    import pandas as pd

    spec = _toy_spec(tmp_path, """name: toydraws
random:
  n: 4
  seed: 3
  parameters:
    launch_vehicles.starship.price_musd_per_flight:
    platforms.swarm_satellite.bus_cost_usd:
out_of_sample: {n: 3, seed: 4}
risk: {sweep: []}
solver: {mip_gap: 1.0e-6}
""")
    out = tmp_path / "out"
    rc, err = _run(capsys, ["hedge", str(spec), "--out", str(out)])
    assert rc == 0, err
    s = json.loads((out / "summary.json").read_text())
    assert len(s["scenarios"]) == 4 and s["expected_value_plan"]["how"] == "mean"
    sm = s["sampling"]
    assert sm["n"] == 4 and sm["in_sample_half_width_musd"] >= 0 and sm["out_of_sample_solved"] == 3
    assert "scenarios are" in sm["enough"]
    oos = pd.read_csv(out / "out_of_sample.csv")
    assert len(oos) == 3 and (oos["status"] == "optimal").all()
    assert sm["out_of_sample_mean_musd"] == pytest.approx(oos["cost_usd"].mean() / 1e6)
    # the draws are the sweep sampler's: the same seed gives the same values
    from planner.batch.spec import RandomCases
    from planner.hedge.spec import base_scenario, draw, load_problem

    p = load_problem(spec)
    again, _ = draw(p.spec, p.path, base_scenario(p), RandomCases(n=4, seed=3, parameters=p.spec.random.parameters))
    assert again == p.notes["draws"]
