"""Command line: parse, call the API, print, exit with a documented code.

Exit codes: 0 success (optimal, or stopped at the time limit with its gap), 1 internal error, 2 bad input,
3 infeasible scenario, 4 no plan within the time limit.
"""

from __future__ import annotations

import errno
import json
import logging
import math
import sys
import time
import traceback
from pathlib import Path
from typing import List, Optional

import typer

from planner import __version__, outdir
from planner.errors import (EXIT_BAD_INPUT, EXIT_INFEASIBLE, EXIT_INTERNAL, EXIT_NO_PLAN, EXIT_OK, InputError,
                            PlannerError, clip, problem)

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Optimisation-based architecture planner for orbital AI compute (Pyomo + HiGHS).")
STATE = {"debug": False}


def _version(value: bool):
    if value:
        typer.echo(f"planner {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(debug: bool = typer.Option(False, "--debug", help="Show tracebacks of internal errors."),
          verbose: int = typer.Option(0, "--verbose", "-v", count=True,
                                      help="Log what the planner does to stderr (-v: steps, -vv: details)."),
          version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")):
    STATE["debug"] = debug
    _logging(verbose)


class _Stderr(logging.StreamHandler):
    """A log handler that writes to whatever sys.stderr is when a record is written."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def _logging(verbose: int) -> None:
    """The planner's log (the ``planner`` logger and its children) on stderr: warnings always, steps with -v,
    details with -vv. Other libraries' logs are left as they are."""
    log = logging.getLogger("planner")
    if not any(isinstance(h, _Stderr) for h in log.handlers):
        handler = _Stderr()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
        log.addHandler(handler)
    log.setLevel(logging.DEBUG if verbose >= 2 else logging.INFO if verbose == 1 else logging.WARNING)
    log.info("planner %s, Python %s", __version__, sys.version.split()[0])


def _echo_err(msg: str) -> None:
    # a lone surrogate (a YAML key written "\udc80") cannot be encoded: print it escaped, never crash on it
    typer.echo(msg.encode("utf-8", "backslashreplace").decode("utf-8"), err=True)


def _warn(lines: list[str]) -> None:
    """Values that validate but are implausible: one line each (capped like errors), the run goes on."""
    for line in _capped(lines, "warnings"):
        _echo_err(f"warning: {line}")


def _capped(lines: list[str], what: str = "problems") -> list[str]:
    """At most MAX_REASONS lines; the rest counted in one more."""
    if len(lines) <= MAX_REASONS:
        return list(lines)
    return list(lines[:MAX_REASONS - 1]) + [f"... and {len(lines) - MAX_REASONS + 1} more {what}"]


def _check_number(option: str, value: float | int | None, *, low: float | None = None, high: float | None = None,
                  low_open: bool = False, what: str = "") -> None:
    """Reject an option value outside its range before anything is loaded or solved (exit 2, one line)."""
    if value is None:
        return
    name = option.lstrip("-").replace("-", "_")
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(problem(option, name, f"must be a finite number, got {value}"))
    if low is not None and (value <= low if low_open else value < low):
        raise InputError(problem(option, name, f"must be {'>' if low_open else '>='} {low:g}{what}, got {value:g}"))
    if high is not None and value > high:
        raise InputError(problem(option, name, f"must be <= {high:g}{what}, got {value:g}"))


def _solver_options(time_limit: float | None, gap: float | None, threads: int | None) -> None:
    _check_number("--time-limit", time_limit, low=0, low_open=True, high=1e6, what=" seconds")
    _check_number("--gap", gap, low=0, high=1, what=" (a fraction: 0.001 is 0.1%)")
    _check_number("--threads", threads, low=0, high=256, what=" (0 = automatic)")


MAX_REASONS = 10  # lines of problems or reasons printed; the rest are counted (and in the run folder)


@app.command()
def validate(scenario: Path = typer.Argument(..., help="Scenario YAML file."),
             set_: List[str] = typer.Option([], "--set", help="Override a field: path.to.field=value (repeatable)."),
             write_resolved: Optional[Path] = typer.Option(None, "--write-resolved",
                                                          help="Write the resolved scenario (every catalog value "
                                                               "it uses) to this file.")):
    """Check a scenario without solving."""
    from planner.scenario.load import load_scenario  # not planner.api: no solver to import (a second)

    rs = load_scenario(scenario, set_)
    _warn(rs.warnings)
    if write_resolved:
        outdir.write_file(write_resolved, rs.resolved_yaml(), "--write-resolved", _is_resolved_scenario,
                          what="resolved scenario")
    s = rs.scenario
    typer.echo(f"{scenario}: valid scenario '{s.name}' ({s.horizon.first_year}-{s.horizon.last_year}, "
               f"{len(s.workloads)} workloads, mode {s.objective.mode}); scenario_sha256 {rs.sha256}")
    for note in rs.resolved.get("unit_conversions") or []:
        typer.echo(f"  {note}")


def _is_resolved_scenario(path: Path) -> bool:
    """A file --write-resolved (or planner run) wrote: a YAML scenario with a top-level resolved_catalog."""
    try:
        with path.open("rb") as fh:
            head = fh.read(20_000_000)
    except OSError:
        return False
    return head.startswith(b"resolved_catalog:") or b"\nresolved_catalog:" in head


@app.command()
def schema():
    """Print the JSON Schema of scenario files (editors validate and complete YAML with it; docs/scenarios.md is the
    same in words)."""
    from planner.scenario.reference import json_schema

    typer.echo(json.dumps(json_schema(), indent=1))


@app.command()
def catalog(filter_: Optional[str] = typer.Option(None, "--filter", help="Only paths containing this text."),
            assumptions: bool = typer.Option(False, "--assumptions", help="Only values that are our assumptions."),
            group: Optional[str] = typer.Option(None, "--group", help="Only values tagged with this group "
                                                                       "(space_hardware, launch, ground_supply, "
                                                                       "accelerators)."),
            fmt: str = typer.Option("table", "--format", help="table, csv or json.")):
    """Print every catalog value with unit, source and confidence (our assumptions marked *)."""
    from planner.catalog import catalog_rows, load_catalog

    rows = catalog_rows(load_catalog())
    if filter_:
        rows = [r for r in rows if filter_.lower() in r["path"].lower()]
    if assumptions:
        rows = [r for r in rows if r["assumption"]]
    if group:
        from planner.catalog.schema import GROUPS

        if group not in GROUPS:
            raise InputError(f"--group: group: expected one of {', '.join(GROUPS)}, got {group!r}")
        rows = [r for r in rows if group in r["groups"].split(", ")]
    if fmt == "json":
        typer.echo(json.dumps(rows, indent=1, default=str))
        return
    if fmt == "csv":
        import pandas as pd

        frame = pd.DataFrame([{k: _csv_cell(v) for k, v in r.items()} for r in rows], columns=list(rows[0]) if rows
                             else ["path", "value", "low", "high", "unit", "source", "confidence"])
        typer.echo(frame.to_csv(index=False), nl=False)
        return
    if fmt != "table":
        raise InputError(f"--format: format: expected table, csv or json, got {fmt!r}")
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"planner catalog: {len(rows)} values (* = our assumption)", show_lines=False)
    for col in ("", "path", "value", "low", "high", "unit", "confidence", "source", "groups (end for space)"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row("*" if r["assumption"] else "", r["path"], _fmt(r["value"]), _fmt(r["low"]), _fmt(r["high"]),
                      r["unit"], r["confidence"], r["source"],
                      f"{r['groups']} ({r['space_end']})" if r["groups"] else "")
    Console(width=200).print(table)


def _usd(x: float) -> str:
    """Money at a readable scale: $466.7 B, $8.20 M, $950."""
    for scale, unit in ((1e9, " B"), (1e6, " M")):
        if abs(x) >= scale:
            return f"${x / scale:,.{1 if scale == 1e9 else 2}f}{unit}"
    return f"${x:,.0f}"


def _csv_cell(x):
    """A catalog value for CSV: a year table as ``2027: 90, 2030: 40`` (not a Python dict), numbers as they are."""
    if isinstance(x, dict):
        return ", ".join(f"{k}: {v:.12g}" if isinstance(v, (int, float)) else f"{k}: {v}"
                         for k, v in sorted(x.items(), key=lambda kv: str(kv[0])))
    return x


def _fmt(x) -> str:
    if x is None:
        return ""
    if isinstance(x, dict):
        return ", ".join(f"{k}: {v:g}" for k, v in sorted(x.items()))
    return f"{x:g}" if isinstance(x, (int, float)) else str(x)


@app.command()
def run(scenario: Path = typer.Argument(..., help="Scenario YAML file."),
        out: Optional[Path] = typer.Option(None, "--out", help="Run folder (default reports/<scenario name>)."),
        set_: List[str] = typer.Option([], "--set", help="Override a field: path.to.field=value (repeatable)."),
        mode: Optional[str] = typer.Option(None, "--mode", help="demand (minimise cost at the demand) or ratio "
                                                                 "(minimise cost per FLOP over the demand scale)."),
        time_limit: Optional[float] = typer.Option(None, "--time-limit", help="Solver time limit, s."),
        gap: Optional[float] = typer.Option(None, "--gap", help="Relative MIP gap, e.g. 0.001."),
        threads: Optional[int] = typer.Option(None, "--threads", help="HiGHS threads (0 = automatic)."),
        report: bool = typer.Option(True, "--report/--no-report", help="Write report.md and report.pdf."),
        analysis: Optional[str] = typer.Option(None, "--analysis", help="Re-solves for the report: full, quick or "
                                                                         "off (decisive assumptions, break-even, "
                                                                         "marginal values, alternatives; default full, "
                                                                         "off with --no-report)."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress messages on stderr."),
        foresight: str = typer.Option("perfect", "--foresight", help="perfect (the default) or myopic: roll a "
                                                                     "window of --window years forward, committing "
                                                                     "--step years at a time."),
        window: Optional[int] = typer.Option(None, "--window", help="Years a myopic planner sees ahead."),
        step: Optional[int] = typer.Option(None, "--step", help="Years a myopic planner commits per window "
                                                                "(1 to --window)."),
        near_optimal: bool = typer.Option(False, "--alternatives", help="Also write plans almost as cheap and the "
                                                                        "cost/space-share front (planner "
                                                                        "alternatives and pareto; minutes).")):
    """Solve a scenario and write summary.json, tables/, the resolved scenario and the report."""
    from planner import progress
    from planner.api import load_scenario, run_folder, solve, write_run

    if mode is not None and mode not in ("demand", "ratio"):
        raise InputError(f"--mode: mode: expected demand or ratio, got {mode!r}")
    if foresight not in ("perfect", "myopic"):
        raise InputError(f"--foresight: foresight: expected perfect or myopic, got {foresight!r}")
    if foresight == "perfect" and (window is not None or step is not None):
        raise InputError("--window: foresight: --window and --step need --foresight myopic")
    if foresight == "myopic" and near_optimal:
        raise InputError("--alternatives: foresight: the alternatives re-solve with perfect foresight; not with "
                         "--foresight myopic")
    if analysis is None:  # the analysis explains the report: without one, it is off unless asked for
        analysis = "quick" if report and foresight == "perfect" else "off"  # (myopic: none, see api.solve)
    if analysis not in ("full", "quick", "off"):
        raise InputError(f"--analysis: analysis: expected full, quick or off, got {analysis!r}")
    _solver_options(time_limit, gap, threads)
    sets = list(set_)
    if mode:
        sets.append(f"objective.mode={mode}")
    rs = load_scenario(scenario, sets)
    _warn(rs.warnings)
    t0 = time.perf_counter()

    def say(message: str) -> None:
        if not quiet:
            _echo_err(f"[{time.perf_counter() - t0:6.1f} s] {message}")

    path = outdir.check(run_folder(rs, out), "run", "--out")  # refused before solving, not after
    with outdir.lock(path, "--out"), progress.listening(say):
        plan = solve(rs, time_limit=time_limit, gap=gap, threads=threads, analysis=analysis,
                     foresight=foresight, window=window, step=step)
        if plan.status != "infeasible" and "usd_per_pflop_day" not in plan.summary:
            _no_plan(plan, str(scenario))
        say("writing the run folder")
        write_run(plan, path)
        if near_optimal and plan.status != "infeasible":
            from planner import alternatives as alt

            no = alt.session_of(path, alt.GAP, time_limit, threads)
            alt.run_alternatives(path, alt.BUNDLED["eps"], alt.BUNDLED["n"], no=no)
            alt.run_pareto(path, points=alt.BUNDLED["points"], no=no)
        if report:
            from planner.report.render import render_run

            say("writing report.md and report.pdf")
            render_run(path)
        lost = outdir.gone(path)
        if lost:
            _echo_err(f"note: {lost}")
    s = plan.summary
    if plan.status == "infeasible":
        reasons = plan.explanations.get("infeasible", [])
        # at most MAX_REASONS lines in all: the heading, the reasons, how many more
        _echo_err(f"infeasible: {rs.name} has no plan that meets its demand (explanation written to {path}):")
        room = MAX_REASONS - 1 if len(reasons) <= MAX_REASONS - 1 else MAX_REASONS - 2
        for reason in reasons[:room]:
            _echo_err(f"  - {reason}")
        if len(reasons) > room:
            _echo_err(f"  ... and {len(reasons) - room} more, see {path / 'explanations.json'}")
        shown = 1 + min(len(reasons), room) + (len(reasons) > room)
        for line in (s.get("infeasible_evidence") or [])[:max(0, MAX_REASONS - shown)]:  # HiGHS's IIS, if room
            _echo_err(f"  {line}")
        raise typer.Exit(EXIT_INFEASIBLE)
    gap_txt = f"{s['mip_gap']:.3%}" if s.get("mip_gap") is not None else "n/a"
    go = s.get("ground_only", {})
    if s.get("foresight"):  # the plan is the myopic pathway, held on the full horizon (an exact LP)
        pf = s["foresight"]["perfect_foresight"]
        pf_gap = f"{pf['mip_gap']:.3%}" if pf.get("mip_gap") is not None else "n/a"
        typer.echo(f"{rs.name}: myopic pathway {s['status']} on the full horizon; perfect foresight {pf['status']} "
                   f"(gap {pf_gap}) in {s['timings_s']['total']:.1f} s")
    else:
        typer.echo(f"{rs.name}: {s['status']} (gap {gap_txt}) in {s['timings_s']['total']:.1f} s")
    if math.isfinite(s["usd_per_pflop_day"]):
        typer.echo(f"  cost per delivered FLOP: ${s['usd_per_pflop_day']:,.2f} per PFLOP/s-day "
                   f"(${s['usd_per_eflop']:.4g} per EFLOP); NPV cost {_usd(s['npv_cost_usd'])}")
    else:
        from planner.results.plan import undefined_reason

        typer.echo(f"  cost per delivered FLOP: undefined ({undefined_reason(s)}); NPV cost {_usd(s['npv_cost_usd'])}")
    if go.get("usd_per_pflop_day") and math.isfinite(go["usd_per_pflop_day"]):
        typer.echo(f"  ground only: ${go['usd_per_pflop_day']:,.2f} per PFLOP/s-day "
                   f"(served {go.get('served_share_of_servable', 1):.1%} of what the ground can serve)")
    typer.echo(f"  space share of delivered FLOP: {s.get('space_share', 0):.1%}; launches {s.get('launch_flights', 0):,.0f}")
    if s.get("mode") == "ratio" and s.get("theta") is not None:
        typer.echo("  " + _theta_line(s["theta"], rs.scenario.objective))
    if s["status"] == "time_limit":
        typer.echo(f"  stopped at the time limit: best plan found, gap {gap_txt}")
    if s.get("foresight"):
        f = s["foresight"]
        share = f"{f['cost_of_myopia_share']:+.2%}" if f.get("cost_of_myopia_share") is not None else "n/a"
        typer.echo(f"  myopic ({f['window_years']}-year window, {f['step_years']}-year step, {len(f['windows'])} "
                   f"windows): cost of myopia {_usd(f['cost_of_myopia_usd'])} ({share}) against perfect foresight "
                   f"{_usd(f['perfect_foresight']['cost_and_penalty_usd'])}")
    if s.get("resolution"):
        from planner.solver.resolution import describe

        typer.echo("  " + describe(s["resolution"]))
    typer.echo(f"  written to {path}")


def _no_plan(plan, scenario: str) -> None:
    """The solver stopped (at its time limit) before it found any plan: one line, exit EXIT_NO_PLAN."""
    s = plan.summary
    limit = (s.get("solver", {}).get("options") or {}).get("time_limit_s")
    within = f" of {limit:g} s" if isinstance(limit, (int, float)) else ""
    status = "no plan within the time limit" if s.get("status") == "time_limit" else \
        f"no plan (solver status {s.get('status')})"
    reason = f"{status}{within}: HiGHS found no feasible plan before it stopped; raise --time-limit"
    _echo_err(f"error: {problem(scenario, 'solver.time_limit_s', reason)}")
    raise typer.Exit(EXIT_NO_PLAN)


def _theta_line(theta: float, objective) -> str:
    """Ratio mode scales the demand by theta: say plainly how much of the scenario's demand the plan serves."""
    bound = (f" (the lower bound, objective.theta_min = {objective.theta_min:g})"
             if math.isclose(theta, objective.theta_min, rel_tol=1e-6) else
             f" (the upper bound, objective.theta_max = {objective.theta_max:g})"
             if math.isclose(theta, objective.theta_max, rel_tol=1e-6) else "")
    if theta < 1 - 1e-9:
        return (f"serves {theta:.0%} of demand: ratio mode chose demand scale theta = {theta:.3g}{bound}, where the "
                f"cost per FLOP is lowest; the NPV cost and FLOP above are for that smaller plan, not the "
                f"scenario's full demand")
    if theta > 1 + 1e-9:
        return (f"serves {theta:.0%} of demand: ratio mode chose demand scale theta = {theta:.3g}{bound}, where the "
                f"cost per FLOP is lowest")
    return "serves 100% of demand (ratio mode chose demand scale theta = 1)"


def _usage_errors() -> tuple[type, ...]:
    """Command-line usage errors: click's, and typer's own copy of them (typer >= 0.2x vendors click as
    ``typer._click``, whose exceptions are not click's)."""
    types: list[type] = []
    try:
        import click

        types.append(click.exceptions.ClickException)
    except ImportError:  # pragma: no cover
        pass
    try:
        from typer._click.exceptions import ClickException as TyperClickException

        types.append(TyperClickException)
    except ImportError:  # pragma: no cover - older typer uses click itself
        pass
    return tuple(types)


@app.command()
def report(run_dir: Path = typer.Argument(..., help="A run folder written by planner run.")):
    """Re-render report.md and report.pdf of a run folder from its saved results (no solving)."""
    from planner.report.render import render_run

    with outdir.writing(run_dir, "run", must_exist=True):
        md, pdf = render_run(run_dir)
    typer.echo(f"wrote {md} and {pdf}")


@app.command()
def compare(run_dirs: List[Path] = typer.Argument(..., help="Run folders written by planner run."),
            out: Path = typer.Option(Path("reports/compare"), "--out", help="Folder for the comparison report.")):
    """Write one report that sets several runs side by side."""
    from planner.report.compare import compare_runs

    md, pdf = compare_runs(run_dirs, out)
    typer.echo(f"wrote {md} and {pdf}")


@app.command("app")
def app_(paths: List[Path] = typer.Argument(None, help="Run, sweep or hedge folders, or folders holding them "
                                                      "(default: reports/)."),
         port: Optional[int] = typer.Option(None, "--port", help="Port on 127.0.0.1 (default: the first free one "
                                                                "from 8501).")):
    """A local web app over run, sweep, comparison and hedge folders: plan, what-if, batch, compare, hedge."""
    from planner import app as web

    _check_number("--port", port, low=1, high=65535)
    missing = web.missing_extra()
    if missing:
        raise InputError(problem("planner app", "[app] extra", missing))
    folders = [str(p) for p in paths] if paths else ["reports"]
    for f in folders:
        if not Path(f).is_dir():
            raise InputError(problem(f, "(top level)", "no such folder (give a run, sweep or hedge folder, or a "
                                                       "folder holding them)"))
    if port is None:
        port = web.free_port()
    elif not web.port_free(port):
        raise InputError(problem("--port", "port", f"{port} is in use on {web.HOST}"))
    typer.echo(f"planner app: http://{web.HOST}:{port}  ({', '.join(folders)}; Ctrl+C stops it)")
    web.serve(folders, port)


@app.command()
def sweep(spec: Path = typer.Argument(..., help="Sweep spec YAML (data/sweeps/*.yaml)."),
          out: Optional[Path] = typer.Option(None, "--out", help="Sweep folder (default reports/sweeps/<name>)."),
          workers: Optional[int] = typer.Option(None, "--workers", help="Local worker processes (default and at most: "
                                                                        "the cores, and the cases to run)."),
          cluster: Optional[str] = typer.Option(None, "--cluster", help="Address of a Dask scheduler to run on."),
          resume: bool = typer.Option(False, "--resume", help="Skip the cases already in the sweep folder."),
          retry_failed: bool = typer.Option(True, "--retry-failed/--no-retry-failed",
                                            help="With --resume, run again the cases that crashed or killed "
                                                 "their worker (default)."),
          overwrite: bool = typer.Option(False, "--overwrite", help="Replace the cases of another sweep in the "
                                                                    "--out folder (otherwise refused)."),
          plan: Optional[Path] = typer.Option(None, "--plan", help="Run folder whose decisions an evaluate sweep keeps."),
          progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar."),
          connect_timeout: float = typer.Option(10.0, "--connect-timeout",
                                                help="Seconds to wait for the --cluster scheduler to answer.")):
    """Run what-if cases (grid, one-at-a-time, Monte Carlo, Sobol, CSV) and write results.parquet and a report.

    Exits 0 when at least one case has a plan; when every case fails, 3 if they were all infeasible, 1 if a case
    crashed, 2 otherwise."""
    from planner.batch.run import outcome, run_sweep

    if workers is not None and workers < 1:
        raise InputError(f"--workers: workers: must be at least 1, got {workers}")
    _check_number("--connect-timeout", connect_timeout, low=0, low_open=True, high=3600, what=" seconds")
    if cluster is not None and not cluster.strip():
        raise InputError(problem("--cluster", "cluster", "empty address (expected e.g. tcp://host:8786)"))
    path = run_sweep(spec, out=out, workers=workers, cluster=cluster, resume=resume,
                     plan=str(plan) if plan is not None else None, progress=progress, connect_timeout=connect_timeout,
                     overwrite=overwrite, retry_failed=retry_failed)
    typer.echo(f"wrote {path}/results.parquet and {path}/report.md")
    done = outcome(path)
    counts = ", ".join(f"{n} {k}" for k, n in sorted(done["counts"].items()))
    typer.echo(f"  {done['total']} cases: {counts}" if counts else "  no cases")
    if done["all_failed"]:
        first = f"; first error: {done['errors'][0].split(' | ')[0]}" if done["errors"] else ""
        n = done["total"]
        which = "the only case" if n == 1 else f"all {n} cases"
        reason = f"{which} failed{first} (each case's error is in {path}/results.parquet)"
        _echo_err(f"error: {problem(str(spec), 'cases', reason)}")
        raise typer.Exit(EXIT_INFEASIBLE if done["all_infeasible"] else EXIT_INTERNAL if done["internal"]
                         else EXIT_BAD_INPUT)


def _fractions(option: str, text: str) -> list[float]:
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError(problem(option, option.lstrip("-"), f"expected fractions such as 0.01,0.05, got {text!r}"))


def _near_optimal_output(run_dir: Path, report: bool, quiet: bool, work) -> Path:
    """Run an alternatives or pareto search with progress on stderr, then re-render the run's report."""
    from planner import progress

    t0 = time.perf_counter()

    def say(message: str) -> None:
        if not quiet:
            _echo_err(f"[{time.perf_counter() - t0:6.1f} s] {message}")

    with progress.listening(say):
        path = work()
        if report and (run_dir / "report.md").exists():
            from planner.report.render import render_run

            say("re-rendering the run's report")
            with outdir.writing(run_dir, "run", must_exist=True):
                render_run(run_dir)
    return path


NEAR = {  # the options planner alternatives and planner pareto share
    "gap": typer.Option(None, "--gap", help="Relative MIP gap of the optimum and of each front point."),
    "time_limit": typer.Option(None, "--time-limit", help="Solver time limit per plan, s."),
    "threads": typer.Option(None, "--threads", help="HiGHS threads (0 = automatic)."),
    "report": typer.Option(True, "--report/--no-report", help="Re-render the run's report."),
    "quiet": typer.Option(False, "--quiet", "-q", help="No progress messages on stderr."),
}


@app.command()
def alternatives(run_dir: Path = typer.Argument(..., help="A run folder written by planner run."),
                 eps: str = typer.Option("0.01,0.02,0.05,0.1", "--eps",
                                         help="Budgets: cost within (1 + eps) x the optimum (fractions)."),
                 n: int = typer.Option(10, "--n", help="Spread-out (SPORES) plans."),
                 spread_eps: float = typer.Option(0.05, "--spread-eps", help="Budget of the spread-out plans."),
                 out: Optional[Path] = typer.Option(None, "--out", help="Output folder (default RUN_DIR/alternatives)."),
                 gap: Optional[float] = NEAR["gap"], time_limit: Optional[float] = NEAR["time_limit"],
                 threads: Optional[int] = NEAR["threads"], report: bool = NEAR["report"],
                 quiet: bool = NEAR["quiet"]):
    """Plans almost as cheap: directed (min/max each family's share, flights, mass) and spread-out alternatives."""
    from planner import alternatives as alt

    _solver_options(time_limit, gap, threads)
    budgets = alt.check_eps(_fractions("--eps", eps))
    alt.check_eps([spread_eps], "--spread-eps")
    path, table = _near_optimal_output(run_dir, report, quiet, lambda: alt.run_alternatives(
        run_dir, tuple(budgets), n, spread_eps, out, gap if gap is not None else alt.GAP, time_limit, threads))
    ok = table[table["status"].isin(["optimal", "time_limit"])]
    typer.echo(f"{len(table) - 1} alternatives ({len(ok) - 1} with a plan) written to {path}")
    for f in ("ground", "swarm", "module", "station"):
        col = ok[f"share_{f}"]
        if col.max() > 0:
            typer.echo(f"  {f} share of delivered FLOP: {col.min():.1%} to {col.max():.1%} "
                       f"(optimum {table[f'share_{f}'].iloc[0]:.1%})")


@app.command()
def pareto(run_dir: Path = typer.Argument(..., help="A run folder written by planner run."),
           objectives: str = typer.Option("cost,space_share", "--objectives",
                                          help="cost,space_share | cost,co2 | cost,risk | cost,latency"),
           points: int = typer.Option(10, "--points", help="Points on the front, both ends included."),
           out: Optional[Path] = typer.Option(None, "--out", help="Output folder (default RUN_DIR/pareto/<measure>)."),
           gap: Optional[float] = NEAR["gap"], time_limit: Optional[float] = NEAR["time_limit"],
           threads: Optional[int] = NEAR["threads"], report: bool = NEAR["report"], quiet: bool = NEAR["quiet"]):
    """Trade-off front (epsilon constraint) between cost and a second measure."""
    from planner import alternatives as alt

    _solver_options(time_limit, gap, threads)
    alt.check_objectives(objectives)
    path, table = _near_optimal_output(run_dir, report, quiet, lambda: alt.run_pareto(
        run_dir, objectives, points, out, gap if gap is not None else alt.GAP, time_limit, threads))
    col = table["measure"].iloc[0]
    typer.echo(f"front of cost against {col}: {len(table)} points written to {path}")
    for r in table.itertuples():
        typer.echo(f"  {col} {getattr(r, col):.4g}: cost {_usd(r.npv_cost_usd) if r.npv_cost_usd == r.npv_cost_usd else 'n/a'}"
                   f" ({r.status})")


@app.command()
def hedge(spec: Path = typer.Argument(..., help="Hedge spec YAML (data/hedges/*.yaml)."),
          out: Optional[Path] = typer.Option(None, "--out", help="Hedge folder (default reports/hedge/<name>)."),
          ph: bool = typer.Option(False, "--ph", help="Progressive hedging over MPI ranks (run under mpiexec -n K) "
                                                      "instead of the extensive form."),
          time_limit: Optional[float] = typer.Option(None, "--time-limit", help="Time limit of the hedge's solve, s."),
          gap: Optional[float] = typer.Option(None, "--gap", help="Relative MIP gap of every solve, e.g. 1e-4."),
          quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress messages on stderr.")):
    """Two-stage stochastic hedge: what to commit now (the first stage, build years in the window), with VSS, EVPI,
    regret and the report "What to commit now"."""
    from planner import progress
    from planner.hedge.run import run_hedge

    _check_number("--time-limit", time_limit, low=0, low_open=True, what=" seconds")
    _check_number("--gap", gap, low=0, high=1)
    from planner.hedge.ph import check_mpisppy, check_ph

    check_mpisppy()
    if ph:
        check_ph()
    t0 = time.perf_counter()

    def say(message: str) -> None:
        if not quiet:
            _echo_err(f"[{time.perf_counter() - t0:6.1f} s] {message}")

    with progress.listening(say):
        path, s = run_hedge(spec, out=out, ph=ph, time_limit=time_limit, gap=gap)
    if path is None:  # a progressive-hedging rank other than the first: rank 0 writes
        return
    typer.echo(f"{s['name']}: hedge {s['status']} (gap {s['mip_gap'] if s['mip_gap'] is not None else 'n/a'}) "
               f"over {len(s['scenarios'])} scenarios in {s['timings_s']['total']:.1f} s")
    money = {k: _usd(s[k]) if s.get(k) is not None else "n/a" for k in ("expected_cost_usd", "vss_usd", "evpi_usd")}
    typer.echo(f"  expected cost {money['expected_cost_usd']}; VSS {money['vss_usd']}; EVPI {money['evpi_usd']}")
    if s["engine"].get("lagrangian_bound_usd") is not None:
        typer.echo(f"  progressive hedging on {s['engine']['ranks']} rank(s), {s['engine']['iterations']} iterations: "
                   f"lower bound {_usd(s['engine']['lagrangian_bound_usd'])}")
    typer.echo(f"  written to {path}")


TYPE_REASONS = {"valid number": "expected a number", "valid integer": "expected a whole number",
                "valid boolean": "expected true or false"}


def _bad_parameter(e, argv: list[str]) -> str:
    """``--gap: gap: expected a number, got 'abc'``: the option, and the value given when it can be found."""
    param = getattr(e, "param", None)
    opts = list(getattr(param, "opts", []) or [])
    option = max(opts, key=len) if opts else (getattr(e, "param_hint", None) or "option")
    name = getattr(param, "name", None) or option.lstrip("-")
    message = getattr(e, "message", None) or str(e)
    reason = next((r for k, r in TYPE_REASONS.items() if k in message), message)
    given = None
    for i, a in enumerate(argv):
        for o in opts:
            if a == o and i + 1 < len(argv):
                given = argv[i + 1]
            elif a.startswith(o + "="):
                given = a[len(o) + 1:]
    if given is not None and reason != message:
        reason += f", got {given!r}"
    return problem(option, name, reason)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``planner`` console script."""
    try:
        # With standalone_mode=False click does not raise typer.Exit from a command: it returns its exit code
        # (e.g. EXIT_INFEASIBLE from ``run``); a command that ends normally returns None.
        rc = app(args=argv, standalone_mode=False, prog_name="planner")
        return rc if isinstance(rc, int) and not isinstance(rc, bool) else EXIT_OK
    except typer.Exit as e:
        return int(e.exit_code or 0)
    except PlannerError as e:
        lines = e.problems if isinstance(e, InputError) else str(e).splitlines()
        for line in _capped(lines):
            _echo_err(f"error: {line}")
        return e.exit_code
    except OSError as e:
        if e.errno not in _PATH_ERRNOS or e.filename is None:  # a full disk, an I/O error: not the user's input
            return _internal(e, argv)
        # a path the user gave that the system refuses (too long, read-only, a folder where a file goes): one line
        _echo_err(f"error: {problem(str(e.filename), '', f'cannot use this path: {e.strerror}')}")
        return EXIT_BAD_INPUT
    except typer.BadParameter as e:  # an option value of the wrong type (--gap abc, --workers abc)
        _echo_err(f"error: {_bad_parameter(e, argv if argv is not None else sys.argv[1:])}")
        return EXIT_BAD_INPUT
    except typer.Abort as e:  # pragma: no cover
        _echo_err(f"error: {e}")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        _echo_err("interrupted")
        return 130
    except Exception as e:  # noqa: BLE001
        if isinstance(e, _usage_errors()):  # unknown command or option, no arguments at all
            e.show()
            return EXIT_BAD_INPUT
        return _internal(e, argv)


def _internal(e: Exception, argv: list[str] | None) -> int:
    if STATE["debug"] or "--debug" in (argv or sys.argv):
        traceback.print_exc()
    _echo_err(f"internal error: {e.__class__.__name__}: {clip(e, 300)} (run with --debug for the traceback)")
    return EXIT_INTERNAL


# errors of a path as such (its name, its permissions, what is there): bad input, exit 2
_PATH_ERRNOS = {errno.ENAMETOOLONG, errno.EACCES, errno.EPERM, errno.EROFS, errno.EISDIR, errno.ENOTDIR,
                errno.EEXIST, errno.ENOTEMPTY, errno.ELOOP, errno.EBUSY, errno.EINVAL, errno.EXDEV}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
