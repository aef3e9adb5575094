"""Batches: local pool and a real Dask cluster agree; a killed batch resumes without duplicates; a killed worker's
cases finish elsewhere; an infeasible case is recorded, not fatal; a re-solve with changed parameters equals a
fresh build."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import time
import weakref
from pathlib import Path

import pandas as pd
import pytest
import yaml

import planner
from planner.batch.run import run_sweep
from planner.session import Session, with_overrides

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT / "data" / "scenarios" / "reference.yaml"
SMALL = ["horizon.last_year=2031"]  # a short horizon keeps each case fast


def spec_file(tmp_path: Path, name: str, grid: dict, **extra) -> Path:
    doc = {"name": name, "base": str(REF), "overrides": SMALL, "grid": {"parameters": grid},
           "solver": {"mip_gap": 0.001, "time_limit_s": 60, "threads": 1, "seed": 0}, **extra}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


GRID = {"trajectories.launch_price_factor": [0.05, 1.0],
        "catalog.ground_regions.us_grid.energy_usd_per_kwh": [0.05, 0.12]}


def results(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "results.parquet").sort_values("case_index").reset_index(drop=True)


def test_local_and_dask_give_the_same_objectives(tmp_path):
    from dask.distributed import LocalCluster

    spec = spec_file(tmp_path, "grid", GRID)
    local = results(run_sweep(spec, out=tmp_path / "local", workers=2, progress=False, report=False))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        remote = results(run_sweep(spec, out=tmp_path / "dask", cluster=cluster.scheduler_address, progress=False,
                                   report=False))
    assert len(local) == len(remote) == 4
    assert (local["status"] == "optimal").all(), local[["status", "error"]].to_string()
    assert (remote["status"] == "optimal").all(), remote[["status", "error"]].to_string()
    for a, b in zip(local["npv_cost_usd"], remote["npv_cost_usd"]):
        assert a == pytest.approx(b, rel=1e-3)
    assert set(remote["worker"]) != set(local["worker"])


def test_infeasible_case_is_recorded_not_fatal(tmp_path):
    grid = {"catalog.sites.eml1.first_year": [2031, 2040], "catalog.sites.eml2.first_year": [2040]}
    spec = spec_file(tmp_path, "infeasible", grid, overrides=SMALL + [
        "catalog.sites.lunar_south_pole.first_year=2040", "horizon.last_year=2032"])
    out = run_sweep(spec, out=tmp_path / "x", workers=2, progress=False)
    df = results(out)
    assert len(df) == 2
    bad = df[df["set:catalog.sites.eml1.first_year"] == 2040].iloc[0]
    good = df[df["set:catalog.sites.eml1.first_year"] == 2031].iloc[0]
    assert bad["status"] == "infeasible" and "offworld" in bad["error"] and "2031" in bad["error"]
    assert good["status"] == "optimal"
    assert (out / "report.md").is_file()


def _sweep_cmd(spec: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "planner.cli", "sweep", str(spec), "--out", str(out), "--workers", "2",
            "--no-progress", *extra]


def _wait_for_cases(out: Path, n: int, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    t0 = time.time()
    while len(list((out / "cases").glob("*.json"))) < n if (out / "cases").is_dir() else True:
        assert proc.poll() is None, "the sweep ended before it could be killed"
        assert time.time() - t0 < timeout
        time.sleep(0.1)


def _pool_workers(pid: int) -> list[int]:
    """The sweep's worker processes (its children, less multiprocessing's resource tracker)."""
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for kid in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{kid}/cmdline").read_bytes()
            if b"resource_tracker" not in cmdline:
                out.append(int(kid))
    return out


def test_sigkill_then_resume_completes_without_duplicates(tmp_path):
    grid = {"trajectories.launch_price_factor": [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 2.0, 3.0, 5.0]}
    spec = spec_file(tmp_path, "kill", grid)
    out = tmp_path / "x"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(_sweep_cmd(spec, out), env=env, cwd=ROOT, start_new_session=True)
    _wait_for_cases(out, 2, proc)
    os.killpg(proc.pid, signal.SIGKILL)  # the batch and its workers, as kill -9 would leave them
    proc.wait()
    before = {p.stem for p in (out / "cases").glob("*.json")}
    assert 2 <= len(before) < 10
    rc = subprocess.run(_sweep_cmd(spec, out, "--resume"), env=env, cwd=ROOT).returncode
    assert rc == 0
    df = results(out)
    assert len(df) == 10 and df["case_id"].is_unique
    assert (df["status"] == "optimal").all()
    assert before <= set(df["case_id"])


def test_a_killed_workers_cases_finish_elsewhere(tmp_path):
    grid = {"trajectories.launch_price_factor": [0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0]}
    spec = spec_file(tmp_path, "workerkill", grid)
    out = tmp_path / "x"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(_sweep_cmd(spec, out), env=env, cwd=ROOT)
    _wait_for_cases(out, 1, proc)
    workers = _pool_workers(proc.pid)
    victim = workers[0]
    os.kill(victim, signal.SIGKILL)
    assert proc.wait(timeout=300) == 0
    df = results(out)
    assert len(df) == 8 and df["case_id"].is_unique
    assert (df["status"] == "optimal").all(), df[["status", "error"]]
    # the pool was replaced: cases finished in processes started after the kill
    pids = {int(w.rsplit(":", 1)[1]) for w in df["worker"]}
    assert pids - set(workers), "no case ran in a replacement worker"


def test_resolve_with_changed_parameters_equals_a_fresh_build():
    rs = planner.load_scenario(REF, SMALL + ["solver.mip_gap=0.0005"])
    session = Session(rs)
    session.solve_plan()
    change = {"catalog.ground_regions.us_grid.energy_usd_per_kwh": 0.15, "trajectories.launch_price_factor": 0.1}
    assert session.apply(change) == "update"
    res = session.resolve()
    fresh = Session(with_overrides(rs, change))
    res2, _ = fresh.solve_plan()
    assert res.objective == pytest.approx(res2.objective, rel=1e-3)
    # a change of the index sets (ground builds start a year later) rebuilds, counted, and equals a fresh build too
    later = {**change, "catalog.ground_regions.us_grid.construction_yr": 3}
    assert fresh.pm.sets != Session(with_overrides(rs, later)).pm.sets
    session.collect_replaced = True  # as in batch workers, which pause the collector: the replaced model is freed
    replaced = weakref.ref(session.pm.m)  # in the rebuild, before the new one is built
    gc.disable()
    try:
        assert session.apply(later) == "rebuild" and session.rebuilds == 1
        assert replaced() is None
    finally:
        gc.enable()
    res3, _ = Session(with_overrides(rs, later)).solve_plan()
    assert session.resolve().objective == pytest.approx(res3.objective, rel=1e-3)


def test_a_fixed_plan_is_held_and_a_draw_that_breaks_it_is_capped(tmp_path):
    rs = planner.load_scenario(REF, SMALL + ["solver.mip_gap=0.001"])
    plan = planner.solve(rs, analysis="off")
    planner.write_run(plan, tmp_path / "plan")
    flights = plan.tables["launches"].query("vehicle == 'starship'")["flights"].max()
    assert flights >= 2, "the short reference plan must fly Starship for this test"
    grid = {"catalog.launch_vehicles.starship.cadence_flights_per_yr": ["high", 1]}
    spec = spec_file(tmp_path, "robust", grid, kind="evaluate")
    out = run_sweep(spec, out=tmp_path / "x", workers=1, plan=str(tmp_path / "plan"), progress=False)
    df = results(out)
    assert "could not be carried out whole in 1 of 2 cases" in (out / "report.md").read_text()
    roomy = df[df["set:catalog.launch_vehicles.starship.cadence_flights_per_yr"] == "high"].iloc[0]
    tight = df[df["set:catalog.launch_vehicles.starship.cadence_flights_per_yr"] == "1"].iloc[0]  # a column mixing
    # words and numbers is stored as text
    # more cadence changes nothing the plan pays for: the held plan costs what it cost, and nothing beats it
    assert roomy["plan_held"] == "exact" and roomy["status"] == "optimal"
    assert roomy["npv_cost_usd"] == pytest.approx(plan.summary["npv_cost_usd"], rel=2e-3)
    assert roomy["regret"] >= -2e-3
    # one flight a year cannot carry the plan's trips: it is held as a ceiling; what it leaves out is still paid
    # for and the demand it would have served goes unmet, so it costs more than the plan, never less
    assert tight["plan_held"] == "capped" and tight["status"] == "optimal"
    assert tight["plan_left_out_usd"] > 0
    total = tight["npv_cost_usd"] + tight["npv_penalty_usd"] + tight["plan_left_out_usd"]
    assert total > roomy["npv_cost_usd"]


def test_a_plan_held_whole_solves_as_an_lp_with_the_mips_answer():
    import pyomo.environ as pyo

    from planner.results.plan import read_decisions

    rs = planner.load_scenario(REF, SMALL + ["solver.mip_gap=0.0001"])
    plan = planner.solve(rs, analysis="off")
    decisions, sizes = read_decisions(plan.tables["decisions"])
    ev = Session(rs, fixed=decisions, sizes=sizes)
    res, held, _ = ev.evaluate()
    assert held == "exact" and ev.model_size()["integer_variables"] == 0
    m = ev.pm.m
    whole = [v for comp in (m.units, m.trips, m.open) for v in comp.values()]
    for v in whole:
        v.domain = pyo.Integers
    ev.ad.push_variables(whole)
    mip = ev.ad.solve()
    assert ev.model_size()["integer_variables"] == len(whole) > 0
    assert res.objective == pytest.approx(mip.objective, rel=1e-9)


def test_cases_are_stored_as_json_and_older_parquet_cases_still_read(tmp_path):
    import json
    import math

    import numpy as np

    from planner.batch import store

    store.write_case(tmp_path, {"case_id": "a", "case_index": 1, "cost": np.float64(2.5), "units": np.int64(3),
                                "decided": np.bool_(True), "overrides": {"x": 1}, "gap": float("nan")})
    pd.DataFrame([{"case_id": "b", "case_index": 0, "cost": 1.0}]).to_parquet(tmp_path / "cases" / "b.parquet")
    assert store.case_ids(tmp_path) == {"a", "b"}
    frame = store.collect(tmp_path)
    assert list(frame["case_id"]) == ["b", "a"]
    a = frame.iloc[1]
    assert (a["cost"], a["units"], bool(a["decided"])) == (2.5, 3, True)
    assert json.loads(a["overrides"]) == {"x": 1} and math.isnan(a["gap"])
