"""Command line: parse, call the API, print, exit with a documented code.

Exit codes: 0 success (optimal, or stopped at the time limit with its gap), 1 internal error, 2 bad input,
3 infeasible scenario.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path
from typing import List, Optional

import typer

from planner import __version__
from planner.errors import EXIT_BAD_INPUT, EXIT_INFEASIBLE, EXIT_INTERNAL, EXIT_OK, InputError, PlannerError

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Optimisation-based architecture planner for orbital AI compute (Pyomo + HiGHS).")
STATE = {"debug": False}


def _version(value: bool):
    if value:
        typer.echo(f"planner {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(debug: bool = typer.Option(False, "--debug", help="Show tracebacks of internal errors."),
          version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")):
    STATE["debug"] = debug


def _echo_err(msg: str) -> None:
    typer.echo(msg, err=True)


@app.command()
def validate(scenario: Path = typer.Argument(..., help="Scenario YAML file."),
             set_: List[str] = typer.Option([], "--set", help="Override a field: path.to.field=value (repeatable)."),
             write_resolved: Optional[Path] = typer.Option(None, "--write-resolved",
                                                          help="Write the resolved scenario (every catalog value "
                                                               "it uses) to this file.")):
    """Check a scenario without solving."""
    from planner.api import load_scenario
    from planner.yamlio import atomic_write

    rs = load_scenario(scenario, set_)
    if write_resolved:
        atomic_write(write_resolved, rs.resolved_yaml())
    s = rs.scenario
    typer.echo(f"{scenario}: valid scenario '{s.name}' ({s.horizon.first_year}-{s.horizon.last_year}, "
               f"{len(s.workloads)} workloads, mode {s.objective.mode}); scenario_sha256 {rs.sha256}")


@app.command()
def catalog(filter_: Optional[str] = typer.Option(None, "--filter", help="Only paths containing this text."),
            assumptions: bool = typer.Option(False, "--assumptions", help="Only values that are our assumptions."),
            fmt: str = typer.Option("table", "--format", help="table, csv or json.")):
    """Print every catalog value with unit, source and confidence (our assumptions marked *)."""
    from planner.catalog import catalog_rows, load_catalog

    rows = catalog_rows(load_catalog())
    if filter_:
        rows = [r for r in rows if filter_.lower() in r["path"].lower()]
    if assumptions:
        rows = [r for r in rows if r["assumption"]]
    if fmt == "json":
        typer.echo(json.dumps(rows, indent=1, default=str))
        return
    if fmt == "csv":
        import pandas as pd

        typer.echo(pd.DataFrame(rows).to_csv(index=False), nl=False)
        return
    if fmt != "table":
        raise InputError(f"--format: format: expected table, csv or json, got {fmt!r}")
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"planner catalog: {len(rows)} values (* = our assumption)", show_lines=False)
    for col in ("", "path", "value", "low", "high", "unit", "confidence", "source"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row("*" if r["assumption"] else "", r["path"], _fmt(r["value"]), _fmt(r["low"]), _fmt(r["high"]),
                      r["unit"], r["confidence"], r["source"])
    Console(width=200).print(table)


def _usd(x: float) -> str:
    """Money at a readable scale: $466.7 B, $8.20 M, $950."""
    for scale, unit in ((1e9, " B"), (1e6, " M")):
        if abs(x) >= scale:
            return f"${x / scale:,.{1 if scale == 1e9 else 2}f}{unit}"
    return f"${x:,.0f}"


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
        analysis: str = typer.Option("full", "--analysis", help="Re-solves for the report: full, quick or off "
                                                                  "(decisive assumptions, break-even, marginal values, "
                                                                  "alternatives).")):
    """Solve a scenario and write summary.json, tables/, the resolved scenario and the report."""
    from planner.api import load_scenario, solve, write_run

    if mode is not None and mode not in ("demand", "ratio"):
        raise InputError(f"--mode: mode: expected demand or ratio, got {mode!r}")
    sets = list(set_)
    if mode:
        sets.append(f"objective.mode={mode}")
    rs = load_scenario(scenario, sets)
    if analysis not in ("full", "quick", "off"):
        raise InputError(f"--analysis: analysis: expected full, quick or off, got {analysis!r}")
    plan = solve(rs, time_limit=time_limit, gap=gap, threads=threads, analysis=analysis if report else "off")
    path = write_run(plan, out)
    if report:
        from planner.report.render import render_run

        render_run(path)
    s = plan.summary
    if plan.status == "infeasible":
        _echo_err(f"infeasible: {rs.name} has no plan that meets its demand:")
        for reason in plan.explanations.get("infeasible", []):
            _echo_err(f"  - {reason}")
        _echo_err(f"explanation written to {path}")
        raise typer.Exit(EXIT_INFEASIBLE)
    gap_txt = f"{s['mip_gap']:.3%}" if s.get("mip_gap") is not None else "n/a"
    go = s.get("ground_only", {})
    typer.echo(f"{rs.name}: {s['status']} (gap {gap_txt}) in {s['timings_s']['total']:.1f} s")
    typer.echo(f"  cost per delivered FLOP: ${s['usd_per_pflop_day']:,.2f} per PFLOP-day "
               f"(${s['usd_per_eflop']:.4g} per EFLOP); NPV cost {_usd(s['npv_cost_usd'])}")
    if go.get("usd_per_pflop_day"):
        typer.echo(f"  ground only: ${go['usd_per_pflop_day']:,.2f} per PFLOP-day "
                   f"(served {go.get('served_share_of_servable', 1):.1%} of what the ground can serve)")
    typer.echo(f"  space share of delivered FLOP: {s.get('space_share', 0):.1%}; launches {s.get('launch_flights', 0):,.0f}")
    if s["status"] == "time_limit":
        typer.echo(f"  stopped at the time limit: best plan found, gap {gap_txt}")
    typer.echo(f"  written to {path}")


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

    if not (run_dir / "summary.json").is_file():
        raise InputError(f"{run_dir}: summary.json: not a run folder (no summary.json)")
    md, pdf = render_run(run_dir)
    typer.echo(f"wrote {md} and {pdf}")


@app.command()
def compare(run_dirs: List[Path] = typer.Argument(..., help="Run folders written by planner run."),
            out: Path = typer.Option(Path("reports/compare"), "--out", help="Folder for the comparison report.")):
    """Write one report that sets several runs side by side."""
    from planner.report.compare import compare_runs

    for d in run_dirs:
        if not (d / "summary.json").is_file():
            raise InputError(f"{d}: summary.json: not a run folder (no summary.json)")
    md, pdf = compare_runs(run_dirs, out)
    typer.echo(f"wrote {md} and {pdf}")


@app.command()
def sweep(spec: Path = typer.Argument(..., help="Sweep spec YAML (data/sweeps/*.yaml)."),
          out: Optional[Path] = typer.Option(None, "--out", help="Sweep folder (default reports/sweeps/<name>)."),
          workers: Optional[int] = typer.Option(None, "--workers", help="Local worker processes (default: all cores)."),
          cluster: Optional[str] = typer.Option(None, "--cluster", help="Address of a Dask scheduler to run on."),
          resume: bool = typer.Option(False, "--resume", help="Skip the cases already in the sweep folder."),
          plan: Optional[Path] = typer.Option(None, "--plan", help="Run folder whose decisions an evaluate sweep keeps."),
          progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar.")):
    """Run what-if cases (grid, one-at-a-time, Monte Carlo, Sobol, CSV) and write results.parquet and a report."""
    from planner.batch.run import run_sweep

    if workers is not None and workers < 1:
        raise InputError(f"--workers: workers: must be at least 1, got {workers}")
    path = run_sweep(spec, out=out, workers=workers, cluster=cluster, resume=resume,
                     plan=str(plan) if plan else None, progress=progress)
    typer.echo(f"wrote {path}/results.parquet and {path}/report.md")


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
        for line in lines:
            _echo_err(f"error: {line}")
        return e.exit_code
    except (typer.BadParameter, typer.Abort) as e:  # pragma: no cover - click handles most usage errors
        _echo_err(f"error: {e}")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        _echo_err("interrupted")
        return 130
    except Exception as e:  # noqa: BLE001
        if isinstance(e, _usage_errors()):  # unknown command or option, no arguments at all
            e.show()
            return EXIT_BAD_INPUT
        if STATE["debug"] or "--debug" in (argv or sys.argv):
            traceback.print_exc()
        _echo_err(f"internal error: {e.__class__.__name__}: {e} (run with --debug for the traceback)")
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
