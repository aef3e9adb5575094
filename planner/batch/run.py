"""Run a sweep on a local process pool (default, all cores) or an existing Dask distributed scheduler.

Results stream into the sweep folder one case at a time; a failing or infeasible case is recorded with its
reason; a worker that dies has its cases retried elsewhere (up to ``MAX_TRIES``); ``resume`` skips the cases
already on disk.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from planner import __version__, outdir
from planner.batch import pool, store
from planner.batch.spec import base_scenario, case_id, generate_cases, load_spec
from planner.batch.worker import Job, run_case
from planner.errors import InputError, problem
from planner.scenario.load import SET_ORIGIN, load_scenario, parse_set

MAX_TRIES = 3
DEFAULT_OUT = Path("reports") / "sweeps"
CONNECT_TIMEOUT_S = 10.0  # how long to wait for a Dask scheduler to answer
CONNECT_SLACK_S = 2.0  # beyond --connect-timeout, for Dask to give up on its own before the planner does
NO_DISTRIBUTED = ("running on a Dask cluster needs the cluster extra, which is not installed: "
                  "pip install 'planner[cluster]'")
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
               compare_ground=spec.compare_ground, regret=spec.regret, resolve_space=so.resolve_space)


@dataclass
class Options:
    """How to run a sweep (the command line's options)."""

    workers: int | None = None
    cluster: str | None = None
    resume: bool = False
    retry_failed: bool = True
    overwrite: bool = False
    progress: bool = True
    report: bool = True


def run_sweep(spec_file: str | Path, out: str | Path | None = None, workers: int | None = None,
              cluster: str | None = None, resume: bool = False, plan: str | None = None,
              progress: bool = True, report: bool = True, connect_timeout: float = CONNECT_TIMEOUT_S,
              overwrite: bool = False, retry_failed: bool = True) -> Path:
    """Run a sweep and write its folder; bad input (the spec, the overrides of its cases, ``plan``, the cluster
    address) raises InputError before any case runs."""
    opts = Options(workers=workers, cluster=cluster, resume=resume, retry_failed=retry_failed,
                   overwrite=overwrite, progress=progress, report=report)
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
    out = outdir.check(out if out else outdir.child(DEFAULT_OUT, spec.name, f"{spec_path}: name"), "sweep", "--out")
    client = _connect(cluster, connect_timeout) if cluster else None  # nothing is written before it answers
    try:
        with outdir.writing(out, "sweep", "--out"):
            _other_sweep(out, spec, overwrite)
            _run(spec, spec_path, rs, cases, notes, job, out, client, opts)
    finally:
        if client is not None:
            client.close()
    return out


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


def inputs_key(rs, job: Job) -> str:
    """The hash of what decides every case's result but its own overrides: the resolved base scenario (with the
    spec's overrides and every catalog value it uses), the solver options and kind of run, the kept plan's
    decisions, and the planner version."""
    plan = None
    if job.plan_dir:
        plan = hashlib.sha256((Path(job.plan_dir) / "tables" / "decisions.csv").read_bytes()).hexdigest()
    settings = {k: v for k, v in asdict(job).items() if k not in ("base_path", "plan_dir", "base_overrides")}
    return _sha256({"planner_version": __version__, "base_scenario_sha256": rs.sha256, "job": settings,
                    "plan_decisions_sha256": plan})


def case_key(base_key: str, overrides: dict[str, Any]) -> str:
    """A case's ``inputs_sha256``: the base key and the case's overrides."""
    return _sha256({"base": base_key, "overrides": overrides})


def _sha256(doc: Any) -> str:
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


def _cap_workers(requested: int | None, pending: int) -> int:
    """At most one worker per core and per case to run; says so when it lowers the number asked for."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    n = max(1, min(requested or cores, cores, pending))
    if requested is not None and requested > n:
        why = (f"this machine has {cores} core{'s' if cores != 1 else ''}" if n == cores else
               f"{pending} case{'s' if pending != 1 else ''} to run")
        print(f"note: --workers {requested} capped at {n} ({why})", file=sys.stderr)
    return n


def _run(spec, spec_path, rs, cases, notes, job, out: Path, client, opts: Options) -> None:
    ids = [case_id(c) for c in cases]
    base_key = inputs_key(rs, job)
    keys = {cid: case_key(base_key, c) for cid, c in zip(ids, cases)}
    store.write_manifest(out, {"spec": spec.model_dump(mode="json"), "spec_file": str(spec_path), "notes": {
        k: v for k, v in notes.items() if k != "quantiles"}, "cases": len(cases), "base_scenario_sha256": rs.sha256,
        "inputs_sha256": base_key, "planner_version": __version__, "kind": spec.kind, "plan": job.plan_dir})
    audit = None
    done: set[str] = set()
    if opts.resume:
        done, audit = store.audit(out, keys, opts.retry_failed)
        print("resume: " + _audit_line(audit), file=sys.stderr)
    pending = [(i, cid, c) for i, (cid, c) in enumerate(zip(ids, cases)) if cid not in done]
    started = time.perf_counter()
    workers = _cap_workers(opts.workers, len(pending)) if client is None and pending else None

    def record(rec: dict[str, Any]) -> None:
        rec["inputs_sha256"] = keys[rec["case_id"]]
        store.write_case(out, rec)
        bar.advance(rec)

    with _Progress(len(cases), len(cases) - len(pending), enabled=opts.progress) as bar:
        if client is not None:
            _run_dask(client, job, pending, record, bar.tick)
        elif pending:
            _run_local(workers, job, pending, record, bar.tick)
    frame = store.collect(out, ids)  # this sweep's cases only: a file of another sweep is not read
    store.write_results(out, frame)
    meta = {"wall_s": time.perf_counter() - started, "workers": workers, "cluster": opts.cluster,
            "cases_run": len(pending), "cases_total": len(cases), "resume": audit}
    store.write_manifest(out, {**_read_manifest(out), "last_run": meta})
    if opts.report:
        from planner.batch.report import render_sweep

        render_sweep(out)


def _audit_line(counts: dict[str, int]) -> str:
    """``12 cases kept; running 3: 1 new, 2 stale (...)``: what resume found in the sweep folder."""
    words = {"new": "new", "stale": "stale (computed from other inputs)", "corrupt": "corrupt",
             "forged": "forged (impossible values)", "crashed": "crashed or killed their worker"}
    again = [f"{counts[k]} {w}" for k, w in words.items() if counts.get(k)]
    total = sum(counts.get(k, 0) for k in words)
    line = f"{counts['kept']} case{'s' if counts['kept'] != 1 else ''} kept; running {total}"
    line += f": {', '.join(again)}" if again else ""
    if counts.get("other"):
        line += f"; {counts['other']} case file{'s' if counts['other'] != 1 else ''} of other cases ignored"
    return line


def _read_manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())


def _run_local(workers: int, job: Job, pending: list[tuple[int, str, dict]], record, tick) -> None:
    pool.run_tasks(functools.partial(_run_case, job), pending, workers, MAX_TRIES,
                   on_result=lambda task, rec: record(rec),
                   on_death=lambda death: record(_dead(*death.task, why=death.why)), on_tick=tick)


def _run_case(job: Job, i: int, cid: str, c: dict) -> dict[str, Any]:
    return run_case(job, i, cid, c)  # looked up when called: a test may replace run_case before the fork


def run_case_json(job: Job, i: int, cid: str, c: dict) -> str:
    """A case's record as JSON text: what a Dask worker sends back (the client parses JSON, not a pickle)."""
    return json.dumps(run_case(job, i, cid, c), default=store.plain)


def _dead(i: int, cid: str, c: dict, why: str) -> dict[str, Any]:
    return {"case_index": i, "case_id": cid, "overrides": json.dumps(c, sort_keys=True, default=str),
            "status": "error", "error": why, "dead": True}


def _check_address(address: str) -> None:
    """A Dask scheduler address (tcp://host:port, host:port, tls://..., inproc://...), checked without connecting."""
    try:
        from distributed.comm.addressing import parse_address, parse_host_port
    except ImportError:
        raise InputError(problem("--cluster", "cluster", NO_DISTRIBUTED)) from None

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
    """A client of the Dask scheduler at ``address``; InputError (exit 2) when none answers within ``timeout`` s
    (plus ``CONNECT_SLACK_S``), or what answers is not a Dask scheduler. Dask's own timeout does not cover a
    listener that accepts the connection and then says nothing, so the connection is made on a thread that is
    abandoned at the deadline."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise InputError(problem("--cluster", "cluster", NO_DISTRIBUTED)) from None
    box: dict[str, Any] = {}

    def connect() -> None:
        try:
            box["client"] = Client(address, timeout=f"{timeout:g}s")
        except BaseException as exc:  # noqa: BLE001 - reported below as one line
            box["error"] = exc

    thread = threading.Thread(target=connect, name="dask-connect", daemon=True)
    thread.start()
    thread.join(timeout + CONNECT_SLACK_S)
    exc = box.get("error")
    if thread.is_alive() or isinstance(exc, (OSError, TimeoutError)):
        how = f" ({exc.__class__.__name__})" if exc is not None else ""
        raise InputError(problem("--cluster", "cluster", f"no Dask scheduler answered at {address} within "
                                                         f"{timeout:g} s{how}; is the scheduler running and "
                                                         f"reachable?"))
    if exc is not None:
        text = " ".join(str(exc).split())[:80]
        raise InputError(problem("--cluster", "cluster", f"what answers at {address} is not a Dask scheduler "
                                                         f"({exc.__class__.__name__}{': ' + text if text else ''})"))
    return box["client"]


def _run_dask(client, job: Job, pending: list[tuple[int, str, dict]], record, tick=None, tick_s: float = 5.0) -> None:
    import asyncio

    from dask import distributed

    cancelled = getattr(distributed.client, "FuturesCancelledError", asyncio.CancelledError)
    futures = [client.submit(run_case_json, job, i, cid, c, key=f"case-{cid}", pure=False, retries=MAX_TRIES - 1)
               for i, cid, c in pending]
    by_key = {f"case-{cid}": (i, cid, c) for i, cid, c in pending}
    remaining = set(futures)
    while remaining:
        try:
            distributed.wait(remaining, timeout=tick_s, return_when="FIRST_COMPLETED")
        except (TimeoutError, asyncio.TimeoutError, cancelled):  # none finished for tick_s, or one was cancelled
            pass
        done = {f for f in remaining if f.status != "pending"}
        remaining -= done
        if tick is not None:
            tick()
        for fut in sorted(done, key=lambda f: by_key[f.key][0]):
            i, cid, c = by_key[fut.key]
            try:
                rec = json.loads(fut.result())
                if not isinstance(rec, dict) or rec.get("case_id") != cid:
                    raise ValueError("the scheduler sent back something that is not this case's record")
            except Exception as exc:  # noqa: BLE001 - the scheduler gave up on it (e.g. workers kept dying)
                rec = _dead(i, cid, c, f"{exc.__class__.__name__}: {exc}")
            record(rec)


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
    crashed = any(store.crashed(rec) for rec in frame.to_dict(orient="records"))
    return {"total": len(frame), "failed": int(bad.sum()), "counts": status.value_counts().to_dict(),
            "all_failed": bool(bad.all()), "all_infeasible": bool((status == "infeasible").all()),
            "internal": crashed,
            "errors": [e for e in dict.fromkeys(errors) if e][:3] if errors is not None else []}


class _Progress:
    """Progress of a sweep on stderr: a rich bar with rate and ETA on a terminal; otherwise (output redirected to
    a file or a pipe) a plain line every ``LINE_EVERY`` of the cases or every ``LINE_S`` seconds."""

    LINE_EVERY = 0.1
    LINE_S = 30.0

    def __init__(self, total: int, done: int, enabled: bool = True, stream=None):
        self.total, self.done, self.enabled = total, done, enabled
        self.stream = stream or sys.stderr
        self.bar = enabled and self.stream.isatty()
        self.failed = 0

    def __enter__(self):
        if self.bar:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                       TimeRemainingColumn)

            self.p = Progress(TextColumn("[bold]sweep"), BarColumn(), MofNCompleteColumn(),
                              TextColumn("{task.fields[rate]:.2f} cases/s"), TimeElapsedColumn(),
                              TextColumn("ETA"), TimeRemainingColumn(), TextColumn("{task.fields[failed]} failed"))
            self.p.__enter__()
            self.task = self.p.add_task("sweep", total=self.total, completed=self.done, rate=0.0, failed=0)
        self.t0 = self.last_line = time.perf_counter()
        self.n = self.n_line = 0
        self.every = max(1, round(self.LINE_EVERY * (self.total - self.done)))
        return self

    def advance(self, rec: dict) -> None:
        self.n += 1
        if rec.get("status") in ("error", "infeasible"):
            self.failed += 1
        if self.bar:
            rate = self.n / max(1e-9, time.perf_counter() - self.t0)
            self.p.update(self.task, advance=1, rate=rate, failed=self.failed)
        elif self.enabled and self.n - self.n_line >= self.every:
            self.line()

    def tick(self) -> None:
        """Called while waiting: a line when none was printed for ``LINE_S`` seconds."""
        if self.enabled and not self.bar and time.perf_counter() - self.last_line >= self.LINE_S:
            self.line()

    def line(self) -> None:
        now = time.perf_counter()
        elapsed = now - self.t0
        left = self.total - self.done - self.n
        rate = self.n / elapsed if elapsed > 0 else 0.0
        eta = f", about {_duration(left / rate)} left" if rate > 0 and left > 0 else ""
        print(f"sweep: {self.done + self.n}/{self.total} cases done ({self.failed} failed) after "
              f"{_duration(elapsed)}, {rate:.2f} cases/s{eta}", file=self.stream, flush=True)
        self.last_line, self.n_line = now, self.n

    def __exit__(self, *exc):
        if self.bar:
            self.p.__exit__(*exc)
        elif self.enabled and self.n != self.n_line and exc[0] is None:
            self.line()
        return False


def _duration(s: float) -> str:
    return f"{s:.0f} s" if s < 90 else f"{s / 60:.0f} min" if s < 5400 else f"{s / 3600:.1f} h"
