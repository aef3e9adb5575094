"""Run a sweep on a local process pool (default, all cores) or an existing Dask distributed scheduler.

Results stream into the sweep folder one case at a time; a failing or infeasible case is recorded with its
reason; a worker that dies has its cases retried elsewhere (up to ``MAX_TRIES``); ``resume`` skips the cases
already on disk.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

from planner import outdir
from planner.batch import store
from planner.batch.spec import base_scenario, case_id, generate_cases, load_spec
from planner.batch.worker import Job, run_case
from planner.errors import InputError, problem
from planner.scenario.load import SET_ORIGIN, load_scenario, parse_set

MAX_TRIES = 3
DEFAULT_OUT = Path("reports") / "sweeps"
CONNECT_TIMEOUT_S = 10.0  # how long to wait for a Dask scheduler to answer
MAX_PROBES = 200  # scenario resolutions that check a sweep's overrides before it starts (about 15 ms each)


def _plan_problem(plan_dir: str) -> str | None:
    """Why ``plan_dir`` is not a run folder whose decisions can be kept (None if it is one)."""
    p = Path(plan_dir)
    if not p.exists():
        return "does not exist"
    if not p.is_dir():
        return "not a run folder (it is a file)"
    if not (p / "tables" / "decisions.csv").is_file():
        return "not a run folder (no tables/decisions.csv; write one with planner run)"
    return None


def _job(spec, spec_path: Path, plan: str | None) -> Job:
    if plan is not None:  # --plan given: it must be a run folder, whatever the kind of sweep
        why = _plan_problem(plan)
        if why:
            raise InputError(problem("--plan", str(plan), why))
    if spec.kind == "evaluate":
        if plan is not None:
            plan_dir = plan
        elif spec.plan:
            plan_dir = str(spec_path.parent / spec.plan)
            why = _plan_problem(plan_dir)
            if why:
                raise InputError(problem(str(spec_path), "plan", f"{spec.plan}: {why}; pass --plan RUN_DIR or "
                                                                 f"run the plan first"))
        else:
            raise InputError(problem(str(spec_path), "plan", "an evaluate sweep needs a plan: pass --plan RUN_DIR "
                                                             "(a run folder with tables/decisions.csv) or set plan: "
                                                             "in the spec"))
    else:
        if plan is not None:
            print(f"warning: --plan {plan} is not used: {spec_path} is a re-optimise sweep (kind: {spec.kind}); "
                  f"only an evaluate sweep keeps a plan's decisions", file=sys.stderr)
        plan_dir = None
    so = spec.solver
    return Job(base_path=str((spec_path.parent / spec.base).resolve()), base_overrides=tuple(spec.overrides),
               kind=spec.kind, plan_dir=str(Path(plan_dir).resolve()) if plan_dir else None, mip_gap=so.mip_gap,
               time_limit_s=so.time_limit_s, threads=so.threads, seed=so.seed,
               compare_ground=spec.compare_ground, regret=spec.regret)


def run_sweep(spec_file: str | Path, out: str | Path | None = None, workers: int | None = None,
              cluster: str | None = None, resume: bool = False, plan: str | None = None,
              progress: bool = True, report: bool = True, connect_timeout: float = CONNECT_TIMEOUT_S,
              overwrite: bool = False) -> Path:
    """Run a sweep and write its folder; bad input (the spec, the overrides of its cases, ``plan``, the cluster
    address) raises InputError before any case runs."""
    if cluster is not None:
        _check_address(cluster)
    spec, spec_path = load_spec(spec_file)
    try:  # bad input fails here, before any worker starts
        rs = base_scenario(spec, spec_path)
    except InputError as exc:
        raise InputError([_in_spec(line, spec_path, "overrides") for line in exc.problems]) from None
    cases, notes = generate_cases(spec, spec_path, rs)
    check_cases(spec, spec_path, cases)
    job = _job(spec, spec_path, plan)
    client = _connect(cluster, connect_timeout) if cluster else None
    try:
        return _run(spec, spec_path, rs, cases, notes, job, out, workers, cluster, client, resume, progress, report,
                    overwrite)
    finally:
        if client is not None:
            client.close()


def _other_sweep(out: Path, spec, overwrite: bool) -> None:
    """Refuse to mix this sweep's cases into a folder holding another sweep's, unless ``overwrite``; then remove
    that sweep's case files one by one (nothing else in the folder)."""
    if not store.case_ids(out):
        return
    try:
        other = (_read_manifest(out).get("spec") or {}).get("name")
    except (OSError, ValueError, AttributeError):
        other = None
    if other == spec.name:
        return
    held = f"sweep {other!r}" if other else "another sweep (no readable manifest.json)"
    if not overwrite:
        raise InputError(problem("--out", str(out), f"holds the cases of {held}, not of {spec.name!r}; choose "
                                                    f"another --out, or give --overwrite to replace them"))
    store.remove_cases(out)


def _run(spec, spec_path, rs, cases, notes, job, out, workers, cluster, client, resume, progress, report,
         overwrite=False) -> Path:
    out = Path(out) if out else outdir.child(DEFAULT_OUT, spec.name, f"{spec_path}: name")
    with outdir.writing(out, "sweep", "--out"):
        _other_sweep(out, spec, overwrite)
        return _run_in(spec, spec_path, rs, cases, notes, job, out, workers, cluster, client, resume, progress,
                       report)


def _run_in(spec, spec_path, rs, cases, notes, job, out, workers, cluster, client, resume, progress, report) -> Path:
    ids = [case_id(c) for c in cases]
    store.write_manifest(out, {"spec": spec.model_dump(mode="json"), "spec_file": str(spec_path), "notes": {
        k: v for k, v in notes.items() if k != "quantiles"}, "cases": len(cases), "base_scenario_sha256": rs.sha256,
        "kind": spec.kind, "plan": job.plan_dir})
    done = store.case_ids(out) if resume else set()
    pending = [(i, cid, c) for i, (cid, c) in enumerate(zip(ids, cases)) if cid not in done]
    started = time.perf_counter()
    with _Progress(len(cases), len(cases) - len(pending), enabled=progress) as bar:
        if client is not None:
            _run_dask(client, job, pending, out, bar)
        else:
            _run_local(workers or os.cpu_count() or 1, job, pending, out, bar)
    frame = store.collect(out, ids)  # this sweep's cases only: a file of another sweep is not read
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


def _check_address(address: str) -> None:
    """A Dask scheduler address (tcp://host:port, host:port, tls://..., inproc://...), checked without connecting."""
    from distributed.comm.addressing import parse_address, parse_host_port

    hint = "expected a Dask scheduler address such as tcp://host:8786"
    try:
        scheme, loc = parse_address(address, strict=False)
        if scheme in ("tcp", "tls", "ws", "wss", "ucx"):
            host, port = parse_host_port(loc)
            if not host:
                raise ValueError(f"no host in address {address!r}")
    except ValueError as exc:
        raise InputError(problem("--cluster", "cluster", f"{exc} ({hint})")) from None
    try:
        from distributed.comm.registry import get_backend

        get_backend(scheme)
    except ValueError:
        raise InputError(problem("--cluster", "cluster", f"unknown scheme {scheme!r} in {address!r} ({hint})")) \
            from None


def _connect(address: str, timeout: float):
    """A client of the Dask scheduler at ``address``; InputError (exit 2) when none answers within ``timeout`` s."""
    from dask.distributed import Client

    try:
        return Client(address, timeout=f"{timeout:g}s")
    except (OSError, TimeoutError, ValueError) as exc:
        why = "no Dask scheduler answered" if isinstance(exc, (OSError, TimeoutError)) else str(exc)
        raise InputError(problem("--cluster", "cluster", f"{why} at {address} within {timeout:g} s "
                                                         f"({exc.__class__.__name__}); is the scheduler running "
                                                         f"and reachable?")) from None


def _run_dask(client, job: Job, pending: list[tuple[int, str, dict]], out: Path, bar) -> None:
    from dask.distributed import as_completed

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


# ---------------------------------------------------------------------------------- checks before running


def _in_spec(line: str, spec_path: Path, where: str) -> str:
    """A ``--set: path: reason`` problem of an override as a problem of the spec field it came from."""
    origin, _, rest = line.partition(": ")
    if origin != SET_ORIGIN or ": " not in rest:
        return line
    path, reason = rest.split(": ", 1)
    return problem(str(spec_path), f"{where}.{path}", reason)


def _where(spec) -> str:
    gen = spec.generator
    return f"csv.file {spec.csv.file} column" if gen == "csv" else f"{gen}.parameters"


def check_cases(spec, spec_path: Path, cases: list[dict[str, Any]]) -> None:
    """Resolve the base scenario with the overrides of one case per distinct set of overridden paths (and, for a
    grid or a CSV table, with every distinct value of each path once), so that a misspelt path or a bad value
    stops the sweep here, before any worker starts, naming the spec file and the field."""
    import json

    base = spec_path.parent / spec.base
    common = dict(parse_set(s) for s in spec.overrides)
    first: dict[tuple[str, ...], dict[str, Any]] = {}
    for c in cases:
        first.setdefault(tuple(sorted(c)), c)
    probes = list(first.values())
    if spec.generator in ("grid", "csv"):  # values the user wrote: each once
        seen: set[tuple[str, str]] = set()
        for c in cases:
            for k, v in c.items():
                key = (k, json.dumps(v, sort_keys=True, default=str))
                if key not in seen:
                    seen.add(key)
                    probes.append({**first[tuple(sorted(c))], k: v})
    checked: set[str] = set()
    for probe in probes[:MAX_PROBES]:
        key = json.dumps(probe, sort_keys=True, default=str)
        if key in checked:
            continue
        checked.add(key)
        try:
            load_scenario(base, {**common, **probe})
        except InputError as exc:
            raise InputError(list(dict.fromkeys(_in_spec(line, spec_path, _where(spec)) for line in exc.problems))) \
                from None


def outcome(out: str | Path) -> dict[str, Any]:
    """How the cases of a sweep folder ended: counts by status, whether every case failed and why (the first few
    distinct errors; ``internal`` when some failure was a crash rather than bad input or infeasibility)."""
    out = Path(out)
    frame = pd.read_parquet(out / "results.parquet") if (out / "results.parquet").is_file() else store.collect(out)
    if not len(frame) or "status" not in frame:
        return {"total": len(frame), "failed": 0, "counts": {}, "all_failed": False, "all_infeasible": False,
                "internal": False, "errors": []}
    status = frame["status"].fillna("error").astype(str)
    bad = status.isin(["error", "infeasible"])
    errors = frame.loc[bad, "error"].fillna("").astype(str) if "error" in frame else None
    crashed = bad & frame["traceback"].notna() if "traceback" in frame else bad & False
    if errors is not None:
        crashed = crashed | (bad & frame["error"].fillna("").astype(str).str.contains("worker running it died"))
    return {"total": len(frame), "failed": int(bad.sum()), "counts": status.value_counts().to_dict(),
            "all_failed": bool(bad.all()), "all_infeasible": bool((status == "infeasible").all()),
            "internal": bool(crashed.any()),
            "errors": [e for e in dict.fromkeys(errors) if e][:3] if errors is not None else []}


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
