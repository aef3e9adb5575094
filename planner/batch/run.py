"""Run a sweep on a local process pool (default, all cores) or an existing Dask distributed scheduler.

Results stream into the sweep folder one case at a time; a failing or infeasible case is recorded with its
reason; a worker that dies has its cases retried elsewhere (up to ``MAX_TRIES``); ``resume`` skips the cases
already on disk.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
import os
import shutil
import time
from pathlib import Path
from typing import Any

from planner.batch import store
from planner.batch.spec import base_scenario, case_id, generate_cases, load_spec
from planner.batch.worker import Job, run_case
from planner.errors import InputError, problem

MAX_TRIES = 3
DEFAULT_OUT = Path("reports") / "sweeps"


def _job(spec, spec_path: Path, plan: str | None) -> Job:
    if spec.kind == "evaluate":
        plan_dir = plan or (str(spec_path.parent / spec.plan) if spec.plan else None)
        if not plan_dir or not (Path(plan_dir) / "tables" / "decisions.csv").is_file():
            raise InputError(problem(str(spec_path), "plan", "an evaluate sweep needs --plan RUN_DIR (a run folder "
                                                             "with tables/decisions.csv)"))
    else:
        plan_dir = None
    so = spec.solver
    return Job(base_path=str((spec_path.parent / spec.base).resolve()), base_overrides=tuple(spec.overrides),
               kind=spec.kind, plan_dir=str(Path(plan_dir).resolve()) if plan_dir else None, mip_gap=so.mip_gap,
               time_limit_s=so.time_limit_s, threads=so.threads, seed=so.seed,
               compare_ground=spec.compare_ground, regret=spec.regret)


def run_sweep(spec_file: str | Path, out: str | Path | None = None, workers: int | None = None,
              cluster: str | None = None, resume: bool = False, plan: str | None = None,
              progress: bool = True, report: bool = True) -> Path:
    spec, spec_path = load_spec(spec_file)
    rs = base_scenario(spec, spec_path)  # bad input fails here, before any worker starts
    cases, notes = generate_cases(spec, spec_path, rs)
    job = _job(spec, spec_path, plan)
    out = Path(out) if out else DEFAULT_OUT / spec.name
    if out.exists() and not resume:
        shutil.rmtree(out / "cases", ignore_errors=True)
    ids = [case_id(c) for c in cases]
    store.write_manifest(out, {"spec": spec.model_dump(mode="json"), "spec_file": str(spec_path), "notes": {
        k: v for k, v in notes.items() if k != "quantiles"}, "cases": len(cases), "base_scenario_sha256": rs.sha256,
        "kind": spec.kind, "plan": job.plan_dir})
    done = store.done_ids(out) if resume else set()
    pending = [(i, cid, c) for i, (cid, c) in enumerate(zip(ids, cases)) if cid not in done]
    started = time.perf_counter()
    with _Progress(len(cases), len(cases) - len(pending), enabled=progress) as bar:
        if cluster:
            _run_dask(cluster, job, pending, out, bar)
        else:
            _run_local(workers or os.cpu_count() or 1, job, pending, out, bar)
    frame = store.collect(out)
    store.write_results(out, frame)
    meta = {"wall_s": time.perf_counter() - started, "workers": workers or os.cpu_count(), "cluster": cluster,
            "cases_run": len(pending), "cases_total": len(cases)}
    store.write_manifest(out, {**_read_manifest(out), "last_run": meta})
    if report:
        from planner.batch.report import render_sweep

        render_sweep(out)
    return out


def _read_manifest(out: Path) -> dict:
    import json
    return json.loads((out / "manifest.json").read_text())


def _run_local(workers: int, job: Job, pending: list[tuple[int, str, dict]], out: Path, bar) -> None:
    tries: dict[str, int] = {}
    queue = list(pending)
    while queue:
        ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
        with cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            futures = {pool.submit(run_case, job, i, cid, c): (i, cid, c) for i, cid, c in queue}
            queue = []
            for fut in cf.as_completed(futures):
                i, cid, c = futures[fut]
                try:
                    rec = fut.result()
                except cf.process.BrokenProcessPool:
                    tries[cid] = tries.get(cid, 0) + 1
                    if tries[cid] >= MAX_TRIES:
                        rec = _dead(i, cid, c, tries[cid])
                    else:
                        queue.append((i, cid, c))
                        continue
                store.write_case(out, rec)
                bar.advance(rec)


def _dead(i: int, cid: str, c: dict, n: int) -> dict[str, Any]:
    import json
    return {"case_index": i, "case_id": cid, "overrides": json.dumps(c, sort_keys=True, default=str),
            "status": "error", "error": f"the worker running it died {n} times"}


def _run_dask(address: str, job: Job, pending: list[tuple[int, str, dict]], out: Path, bar) -> None:
    from dask.distributed import Client, as_completed

    with Client(address, timeout="30s") as client:
        futures = [client.submit(run_case, job, i, cid, c, key=f"case-{cid}", pure=False, retries=MAX_TRIES - 1)
                   for i, cid, c in pending]
        for fut in as_completed(futures):
            try:
                rec = fut.result()
            except Exception as exc:  # noqa: BLE001 - the scheduler gave up on it (e.g. workers kept dying)
                i, cid, c = next(p for p in pending if f"case-{p[1]}" == fut.key)
                rec = {**_dead(i, cid, c, MAX_TRIES), "error": f"{exc.__class__.__name__}: {exc}"}
            store.write_case(out, rec)
            bar.advance(rec)


class _Progress:
    """A rich progress bar with rate and ETA (silent when disabled or not a terminal)."""

    def __init__(self, total: int, done: int, enabled: bool = True):
        self.total, self.done, self.enabled = total, done, enabled
        self.failed = 0

    def __enter__(self):
        if self.enabled:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                       TimeRemainingColumn)

            self.p = Progress(TextColumn("[bold]sweep"), BarColumn(), MofNCompleteColumn(),
                              TextColumn("{task.fields[rate]:.2f} cases/s"), TimeElapsedColumn(),
                              TextColumn("ETA"), TimeRemainingColumn(), TextColumn("{task.fields[failed]} failed"))
            self.p.__enter__()
            self.task = self.p.add_task("sweep", total=self.total, completed=self.done, rate=0.0, failed=0)
        self.t0 = time.perf_counter()
        self.n = 0
        return self

    def advance(self, rec: dict) -> None:
        self.n += 1
        if rec.get("status") in ("error", "infeasible"):
            self.failed += 1
        if self.enabled:
            rate = self.n / max(1e-9, time.perf_counter() - self.t0)
            self.p.update(self.task, advance=1, rate=rate, failed=self.failed)

    def __exit__(self, *exc):
        if self.enabled:
            self.p.__exit__(*exc)
        return False
