"""Command-line input checks found in the new-user review: option values, sweep specs and --plan checked before
anything is solved, an unreachable cluster, a sweep whose every case fails, progress and theta in ratio mode,
infeasibility explanations that lead with the root cause, readable catalog CSV.

Everything runs ``planner.cli.main`` in-process on small cases (a few seconds each at most).
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import yaml

import planner
from planner.errors import EXIT_BAD_INPUT, EXIT_INFEASIBLE, EXIT_OK

ROOT = Path(__file__).resolve().parents[1]
SCEN = ROOT / "data" / "scenarios"
REFERENCE = SCEN / "reference.yaml"
STARCLOUD = SCEN / "starcloud_2024.yaml"
GRID_SPEC = ROOT / "data" / "sweeps" / "launch_price_cadence_grid.yaml"  # kind: reoptimise
EVALUATE_SPEC = ROOT / "data" / "sweeps" / "robustness_reference_plan.yaml"  # kind: evaluate

from test_cli import assert_one_line_error, cli, no_crash  # noqa: E402  (same helpers as the CLI tests)


def write_spec(tmp_path: Path, name: str = "spec", **doc) -> Path:
    full = {"name": name, "base": str(REFERENCE), "overrides": ["horizon.last_year=2029"],
            "solver": {"mip_gap": 0.01, "time_limit_s": 30, "threads": 1}, "compare_ground": False, **doc}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(full))
    return path


# ----------------------------------------------------------------------------------- option values (item 7)


@pytest.mark.parametrize("args, option, reason", [
    (["--gap", "-1"], "--gap", "must be >= 0"),
    (["--gap", "5"], "--gap", "must be <= 1"),
    (["--gap", "nan"], "--gap", "finite"),
    (["--gap", "abc"], "--gap", "expected a number, got 'abc'"),
    (["--gap=abc"], "--gap", "expected a number, got 'abc'"),
    (["--time-limit", "-5"], "--time-limit", "must be > 0"),
    (["--time-limit", "0"], "--time-limit", "must be > 0"),  # not silently the scenario's 120 s
    (["--time-limit", "abc"], "--time-limit", "expected a number"),
    (["--threads", "abc"], "--threads", "expected a whole number"),
    (["--threads", "9999"], "--threads", "must be <= 256"),
])
def test_bad_run_option_values_exit_2_with_one_line(capsys, tmp_path, args, option, reason):
    t0 = time.perf_counter()
    rc, _, err = cli(capsys, "run", STARCLOUD, "--out", tmp_path / "x", "--no-report", *args)
    assert rc == EXIT_BAD_INPUT, err
    assert_one_line_error(err, option, reason=reason)
    assert not (tmp_path / "x").exists(), "checked before solving"
    assert time.perf_counter() - t0 < 5


@pytest.mark.parametrize("args, option, reason", [
    (["--workers", "abc"], "--workers", "expected a whole number, got 'abc'"),
    (["--workers", "0"], "--workers", "at least 1"),
    (["--cluster", "notaurl"], "--cluster", "missing port"),
    (["--cluster", "http://127.0.0.1:1"], "--cluster", "unknown scheme 'http'"),
    (["--connect-timeout", "0"], "--connect-timeout", "must be > 0"),
])
def test_bad_sweep_option_values_exit_2_with_one_line(capsys, tmp_path, args, option, reason):
    rc, _, err = cli(capsys, "sweep", GRID_SPEC, "--out", tmp_path / "x", "--no-progress", *args)
    assert rc == EXIT_BAD_INPUT, err
    assert_one_line_error(err, option, reason=reason)
    assert not (tmp_path / "x").exists()


def test_unreachable_cluster_fails_fast_with_one_line(capsys, tmp_path):
    t0 = time.perf_counter()
    rc, _, err = cli(capsys, "sweep", GRID_SPEC, "--out", tmp_path / "x", "--no-progress",
                     "--cluster", "tcp://127.0.0.1:1", "--connect-timeout", "1")
    took = time.perf_counter() - t0
    assert rc == EXIT_BAD_INPUT, err
    assert_one_line_error(err, "--cluster", field="cluster", reason="no Dask scheduler answered at tcp://127.0.0.1:1")
    assert took < 10, took
    assert not (tmp_path / "x").exists(), "nothing written before the scheduler answered"


def test_api_rejects_a_zero_time_limit():
    from planner.errors import InputError

    with pytest.raises(InputError, match="time_limit: must be > 0"):
        planner.solve(STARCLOUD, time_limit=0)


# ------------------------------------------------------------------------------ sweep spec checks (item 6)


def test_misspelt_grid_path_stops_before_solving(capsys, tmp_path):
    spec = write_spec(tmp_path, grid={"parameters": {"trajectories.launch_price_factr": [0.1, 1.0]}})
    t0 = time.perf_counter()
    rc, _, err = cli(capsys, "sweep", spec, "--out", tmp_path / "out", "--no-progress")
    assert rc == EXIT_BAD_INPUT, err
    assert_one_line_error(err, str(spec), field="grid.parameters.trajectories.launch_price_factr",
                          reason="unknown field (did you mean 'launch_price_factor'?)")
    assert not (tmp_path / "out").exists(), "no case ran"
    assert time.perf_counter() - t0 < 5


def test_bad_value_of_one_grid_point_stops_before_solving(capsys, tmp_path):
    spec = write_spec(tmp_path, grid={"parameters": {
        "trajectories.launch_price_factor": [0.1, 1.0],
        "catalog.launch_vehicles.starship.cadence_flights_per_yr": ["low", "hgh"]}})
    rc, _, err = cli(capsys, "sweep", spec, "--out", tmp_path / "out", "--no-progress")
    assert rc == EXIT_BAD_INPUT, err
    field = "grid.parameters.catalog.launch_vehicles.starship.cadence_flights_per_yr"
    assert_one_line_error(err, str(spec), field=field, reason="'hgh'")
    assert not (tmp_path / "out").exists()


def test_misspelt_csv_column_and_spec_override_name_the_spec(capsys, tmp_path):
    table = tmp_path / "cases.csv"
    table.write_text("trajectories.launch_price_factor,horizon.last_yaer\n0.5,\n1.0,2029\n")
    spec = write_spec(tmp_path, "csvspec", csv={"file": str(table)})
    rc, _, err = cli(capsys, "sweep", spec, "--out", tmp_path / "out", "--no-progress")
    assert rc == EXIT_BAD_INPUT, err
    m = assert_one_line_error(err, str(spec), reason="unknown field (did you mean 'last_year'?)")
    assert "horizon.last_yaer" in m["field"] and "cases.csv" in m["field"], err

    spec = write_spec(tmp_path, "overspec", overrides=["horizon.last_yaer=2029"],
                      grid={"parameters": {"trajectories.launch_price_factor": [1.0]}})
    rc, _, err = cli(capsys, "sweep", spec, "--out", tmp_path / "out", "--no-progress")
    assert rc == EXIT_BAD_INPUT, err
    assert_one_line_error(err, str(spec), field="overrides.horizon.last_yaer", reason="unknown field")


def test_check_cases_probes_one_case_per_key_set(monkeypatch, tmp_path):
    """A random or Sobol sweep of hundreds of draws is checked with one resolution per set of paths."""
    from planner.batch import run as run_mod
    from planner.batch.spec import RandomCases, load_spec

    spec, path = load_spec(write_spec(tmp_path, grid={"parameters": {"trajectories.launch_price_factor": [1.0]}}))
    spec = spec.model_copy(update={"grid": None, "random": RandomCases(n=3)})
    calls = []
    real = run_mod.load_scenario
    monkeypatch.setattr(run_mod, "load_scenario", lambda *a, **k: calls.append(a) or real(*a, **k))
    cases = [{"trajectories.launch_price_factor": x} for x in (0.1, 0.2, 0.3)] + [{}]
    run_mod.check_cases(spec, path, cases)
    assert len(calls) == 2  # {launch_price_factor} and {}


INFEASIBLE_STARCLOUD = ["horizon.last_year=2080", "unmet.allowed=false"]


def _starcloud_spec(tmp_path: Path, name: str, factors=(1.0, 2.0), overrides=tuple(INFEASIBLE_STARCLOUD)) -> Path:
    """A tiny sweep on the Starcloud case (each case solves in well under a second); stretched to 2080 (the
    default) nothing can be built after 2030, so every case is infeasible."""
    return write_spec(tmp_path, name, base=str(STARCLOUD), overrides=list(overrides),
                      grid={"parameters": {"trajectories.launch_price_factor": list(factors)}})


def test_a_sweep_whose_every_case_fails_exits_non_zero(capsys, tmp_path):
    spec = _starcloud_spec(tmp_path, "allfail")
    rc, out, err = cli(capsys, "sweep", spec, "--out", tmp_path / "out", "--workers", "1", "--no-progress")
    assert rc == EXIT_INFEASIBLE, (out, err)
    assert_one_line_error(err, str(spec), field="cases", reason="all 2 cases failed")
    assert "nothing can be built after 2030" in err
    df = pd.read_parquet(tmp_path / "out" / "results.parquet")
    assert len(df) == 2 and (df["status"] == "infeasible").all()  # still written, with every case's reason


def test_sweep_outcome_classifies_failures(tmp_path):
    from planner.batch import store
    from planner.batch.run import outcome

    out = tmp_path / "s"
    store.write_case(out, {"case_id": "a", "case_index": 0, "status": "error", "error": "ValueError: x",
                           "traceback": "Traceback ..."})
    store.write_case(out, {"case_id": "b", "case_index": 1, "status": "infeasible", "error": "cannot be served"})
    o = outcome(out)
    assert o["all_failed"] and o["internal"] and not o["all_infeasible"] and o["total"] == 2
    store.write_case(out, {"case_id": "c", "case_index": 2, "status": "optimal", "error": ""})
    assert not outcome(out)["all_failed"]


# ----------------------------------------------------------------------------------------- --plan (item 14)


def test_bad_plan_on_a_reoptimise_sweep_is_an_error(capsys, tmp_path):
    missing = tmp_path / "nonexistent"
    rc, _, err = cli(capsys, "sweep", GRID_SPEC, "--out", tmp_path / "x", "--no-progress", "--plan", missing)
    assert rc == EXIT_BAD_INPUT, err
    assert_one_line_error(err, "--plan", field=str(missing), reason="does not exist")
    assert not (tmp_path / "x").exists()


def test_bad_plan_on_an_evaluate_sweep_names_the_plan_not_a_missing_option(capsys, tmp_path):
    missing = tmp_path / "nonexistent"
    rc, _, err = cli(capsys, "sweep", EVALUATE_SPEC, "--out", tmp_path / "x", "--no-progress", "--plan", missing)
    assert rc == EXIT_BAD_INPUT, err
    assert_one_line_error(err, "--plan", field=str(missing), reason="does not exist")
    assert "needs --plan" not in err
    not_a_run = tmp_path / "empty"
    not_a_run.mkdir()
    rc, _, err = cli(capsys, "sweep", EVALUATE_SPEC, "--out", tmp_path / "x", "--no-progress", "--plan", not_a_run)
    assert rc == EXIT_BAD_INPUT, err
    assert_one_line_error(err, "--plan", field=str(not_a_run), reason="not a run folder (no tables/decisions.csv")


def test_evaluate_spec_without_a_plan_says_how_to_give_one(capsys, tmp_path):
    spec = write_spec(tmp_path, "evalspec", kind="evaluate",
                      grid={"parameters": {"trajectories.launch_price_factor": [1.0]}})
    rc, _, err = cli(capsys, "sweep", spec, "--out", tmp_path / "x", "--no-progress")
    assert rc == EXIT_BAD_INPUT, err
    assert_one_line_error(err, str(spec), field="plan", reason="pass --plan RUN_DIR")


def test_valid_plan_on_a_reoptimise_sweep_is_not_silently_ignored(capsys, tmp_path):
    run_dir = tmp_path / "run"
    (run_dir / "tables").mkdir(parents=True)
    (run_dir / "tables" / "decisions.csv").write_text("kind\n")
    spec = _starcloud_spec(tmp_path, "warnplan", factors=(1.0,), overrides=["unmet.allowed=true"])
    rc, _, err = cli(capsys, "sweep", spec, "--out", tmp_path / "x", "--workers", "1", "--no-progress",
                     "--plan", run_dir)
    assert rc == EXIT_OK, err
    assert f"warning: --plan {run_dir} is not used" in err and "re-optimise" in err, err


# ------------------------------------------------------------------------------ ratio-mode progress (item 5)


def test_ratio_run_prints_progress_and_how_much_demand_it_serves(capsys, tmp_path):
    rc, out, err = cli(capsys, "run", REFERENCE, "--set", "horizon.last_year=2029", "--mode", "ratio",
                       "--no-report", "--out", tmp_path / "r")
    assert rc == EXIT_OK, err
    assert no_crash(err)
    progress = [line for line in err.splitlines() if line.startswith("[")]
    assert any("building the model" in line for line in progress), err
    assert any("solving (ratio mode" in line for line in progress), err
    iterations = [line for line in progress if re.search(r"Dinkelbach iteration \d+/", line)]
    assert len(iterations) >= 2 and all("per PFLOP/s-day" in line and "theta" in line for line in iterations), err
    theta = json.loads((tmp_path / "r" / "summary.json").read_text())["theta"]
    assert theta < 1  # this short horizon picks a smaller demand scale
    assert f"serves {theta:.0%} of demand" in out, out


def test_quiet_run_prints_no_progress(capsys, tmp_path):
    rc, out, err = cli(capsys, "run", STARCLOUD, "--no-report", "--out", tmp_path / "q", "--quiet")
    assert rc == EXIT_OK, err
    assert err == "", err


def test_theta_line_says_plainly_how_much_demand_is_served():
    from planner.cli import _theta_line

    ob = SimpleNamespace(theta_min=0.5, theta_max=2.0)
    line = _theta_line(0.5, ob)
    assert line.startswith("serves 50% of demand") and "lower bound" in line and "not the scenario's full" in line
    assert _theta_line(2.0, ob).startswith("serves 200% of demand") and "upper bound" in _theta_line(2.0, ob)
    assert _theta_line(1.0, ob).startswith("serves 100% of demand")


# ----------------------------------------------------------------------------------- infeasibility (item 8)


def test_infeasible_horizon_leads_with_the_root_cause(capsys, tmp_path):
    rc, _, err = cli(capsys, "run", STARCLOUD, "--set", "horizon.last_year=2080", "--set", "unmet.allowed=false",
                     "--no-report", "--out", tmp_path / "inf", "--quiet")
    assert rc == EXIT_INFEASIBLE, err
    lines = err.splitlines()
    assert lines[0].startswith("infeasible:")
    assert "the horizon runs to 2080, but nothing can be built after 2030" in lines[1], err
    assert len([line for line in lines if line.startswith("  - ")]) <= 10


def test_infeasibility_list_is_capped(capsys, tmp_path, monkeypatch):
    import planner.api as api

    many = [f"reason {i}" for i in range(25)]
    monkeypatch.setattr(api, "infeasibility_reasons", lambda *a, **k: list(many))
    rc, _, err = cli(capsys, "run", STARCLOUD, "--set", "horizon.last_year=2080", "--set", "unmet.allowed=false",
                     "--no-report", "--out", tmp_path / "inf", "--quiet")
    assert rc == EXIT_INFEASIBLE, err
    shown = [line for line in err.splitlines() if line.startswith("  - reason")]
    assert shown == [f"  - reason {i}" for i in range(8)]  # with the heading and the count: 10 lines
    assert f"... and 17 more, see {tmp_path / 'inf' / 'explanations.json'}" in err
    assert len(err.splitlines()) == 10
    assert json.loads((tmp_path / "inf" / "summary.json").read_text())["infeasible_reasons"] == many


@pytest.fixture(scope="module")
def starcloud_2045():
    from planner.model.coefficients import compute

    return compute(planner.load_scenario(STARCLOUD, ["horizon.last_year=2045"]))


def test_reasons_put_structural_causes_first_and_do_not_claim_gap_artefacts(starcloud_2045):
    """Nothing can be built after 2030 (b200's last year): 2041-42 are certainly unservable. 2030 is servable,
    so unmet demand there in a least-unmet plan solved to a gap must not be stated as a shortfall."""
    from planner.solver.explain import infeasibility_reasons

    elastic = SimpleNamespace(unmet={("cluster", 2030): 5.0, ("cluster", 2041): 40.0, ("cluster", 2042): 40.0},
                              theta=1.0)
    reasons = infeasibility_reasons(starcloud_2045, elastic)
    assert reasons[0].startswith("the horizon runs to 2045, but nothing can be built after 2030"), reasons
    assert "in 2041-2042: up to 40 EFLOP/s a year cannot be served: nothing can be built after 2030" in reasons[1]
    assert "1 other workload-year (2030)" in reasons[2] and "need not be a real shortfall" in reasons[2]
    assert not any("in 2030:" in r for r in reasons), reasons
    assert len(reasons) == 3


def test_shrinking_capacity_is_a_root_cause_only_when_nothing_fell_short_before(starcloud_2045):
    """Units built by 2030 serve until 2039. A shortfall in 2030 explains the later years (they follow from it);
    a shortfall only after building stopped is explained by the horizon."""
    from planner.solver.explain import infeasibility_reasons

    after_2030 = {("cluster", y): 39.8 for y in range(2031, 2040)}
    reasons = infeasibility_reasons(starcloud_2045, SimpleNamespace(unmet={("cluster", 2030): 39.8, **after_2030},
                                                                    theta=1.0))
    assert len(reasons) == 2, reasons
    assert reasons[0].startswith("40 MW training cluster (cluster) in 2030: 39.8 of 40 EFLOP/s cannot be served by "
                                 "the least-unmet plan"), reasons
    assert "in 2031-2039: up to 39.8 EFLOP/s a year" in reasons[1] and "can only shrink" in reasons[1], reasons
    assert not any("horizon runs" in r for r in reasons)

    reasons = infeasibility_reasons(starcloud_2045, SimpleNamespace(unmet={("cluster", 2035): 10.0}, theta=1.0))
    assert reasons[0].startswith("the horizon runs to 2045, but nothing can be built after 2030"), reasons
    assert "in 2035: 10 of 40 EFLOP/s cannot be served: nothing can be built after 2030, so capacity can only " \
           "shrink" in reasons[1], reasons


def test_capacity_reasons_name_only_caps_on_what_could_serve(starcloud_2045):
    from planner.solver.explain import infeasibility_reasons

    binding = pd.DataFrame([
        {"constraint": "interconnect", "index": "onsite_gas|2029"},  # a region no eligible architecture uses
        {"constraint": "route_mass", "index": "falcon9>leo_550_53|2030"},  # a route to an orbit it does not use
        {"constraint": "power", "index": "us_grid|2030"},
        {"constraint": "cadence_row", "index": "starship|2030"},
    ])
    elastic = SimpleNamespace(unmet={("cluster", 2030): 5.0}, theta=1.0)
    (reason,) = infeasibility_reasons(starcloud_2045, elastic, binding)
    assert "cannot be served by the least-unmet plan" in reason
    assert "facility power (us_grid)" in reason and "launch cadence (starship)" in reason, reason
    assert "onsite_gas" not in reason and "falcon9" not in reason, reason


# -------------------------------------------------------------------------------------- catalog CSV (item 13)


def test_catalog_csv_prints_year_tables_readably(capsys):
    rc, out, err = cli(capsys, "catalog", "--filter", "starship.price_musd_per_flight", "--format", "csv")
    assert rc == EXIT_OK, err
    (row,) = list(csv.DictReader(io.StringIO(out)))
    for col in ("value", "low", "high"):
        assert "{" not in row[col] and "}" not in row[col], row[col]
    assert row["value"].startswith("2027: 90, 2030: 40"), row["value"]
