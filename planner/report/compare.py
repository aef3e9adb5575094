"""One report that sets several runs side by side (e.g. every bundled scenario)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from planner import outdir
from planner.report import figures as fig
from planner.report.model import UNIT, Report, Run, Section, money, num, path_label, pct, plan_vs_ground_only
from planner.report.overrides import overrides_text, run_label
from planner.report.render import write_report
from planner.report.sensitivity import worlds_table
from planner.report.text import safe_text


def _usd(x) -> str:
    return "n/a" if x is None else f"${x:,.2f}"


def labels(runs: list[Run]) -> list[str]:
    """Each run's name with its overrides counted ('reference + 2 overrides'); runs that would still share a label
    get their folder's name too."""
    out = [run_label(r.scenario, r.summary.get("scenario")) for r in runs]
    return [f"{x} ({r.dir.name})" if out.count(x) > 1 else x for x, r in zip(out, runs)]


def _row(run: Run, label: str) -> dict:
    s = run.summary
    go = s.get("ground_only") or {}
    ratio = plan_vs_ground_only(s)
    theta = s.get("theta")
    return {"scenario": label, "overrides": overrides_text(run.scenario) or "none", "status": s.get("status"),
            f"plan $/{UNIT}": _usd(s.get("usd_per_pflop_day")),
            f"ground-only $/{UNIT}": _usd(go.get("usd_per_pflop_day")),
            "plan / ground-only": (f"{ratio:.3f}" + ("*" if go.get("not_servable_workloads") else "")
                                   if ratio else "n/a"),
            "demand served": pct(theta, 0) if theta is not None else "n/a",
            "space share": pct(s.get("space_share")), "first in space": str(s.get("first_space_year") or "-"),
            "flights": num(s.get("launch_flights")), "NPV cost": money(s.get("npv_cost_usd")),
            f"kg CO2/{UNIT}": num(s.get("co2_kg_per_pflop_day"), 1),
            "delivered / peak": pct((s.get("waterfall") or {}).get("delivered_fraction")),
            "gap": pct(s.get("mip_gap"), 3)}


def _decisive(run: Run, label: str) -> dict:
    an = run.summary.get("analysis") or {}
    be = an.get("break_even") or {}
    return {"scenario": label,
            "decisive assumptions": "; ".join(path_label(x, run.scenario) for x in an.get("decisive_assumptions") or [])
                                    or "not computed",
            "break-even launch price": be.get("meaning", "not computed")}


def _cost_figure(runs: list[Run], path: Path) -> Path:
    names = labels(runs)
    plan = [r.summary.get("usd_per_pflop_day") or np.nan for r in runs]
    ground = [(r.summary.get("ground_only") or {}).get("usd_per_pflop_day") or np.nan for r in runs]
    x = np.arange(len(runs))
    f, ax = plt.subplots(figsize=(7.2, 3.4))
    ax.bar(x - 0.2, plan, width=0.4, label="plan", **fig._style(0))
    ax.bar(x + 0.2, ground, width=0.4, label="ground only", **fig._style(2))
    ax.set_xticks(x, names, rotation=30, ha="right")
    ax.set_ylabel("USD per PFLOP/s-day")
    ax.set_title("Cost per delivered FLOP by scenario")
    ax.legend()
    return fig._save(f, path)


def _mix_figure(runs: list[Run], path: Path) -> Path:
    names = labels(runs)
    shares = pd.DataFrame([r.summary.get("delivered_share_by_family") or {} for r in runs], index=names).fillna(0)
    order = [c for c in fig.FAMILY_ORDER if c in shares.columns]
    f, ax = plt.subplots(figsize=(7.2, 0.8 + 0.4 * len(runs)))
    left = np.zeros(len(runs))
    for i, fam in enumerate(order):
        ax.barh(names, 100 * shares[fam], left=left, label=fam, **fig._style(i))
        left += 100 * shares[fam].to_numpy()
    ax.set_xlabel("share of delivered FLOP, %")
    ax.set_title("Architecture mix by scenario")
    ax.legend(ncol=4, fontsize=7)
    return fig._save(f, path)


def compare_runs(run_dirs: list[str | Path], out_dir: str | Path) -> tuple[Path, Path]:
    """The comparison report in ``out_dir`` (a comparison folder the planner wrote, or a new or empty one)."""
    runs = [Run.read(d) for d in run_dirs]
    with outdir.writing(out_dir, "compare", "--out") as out:
        return _write_comparison(runs, out)


def comparison_tables(runs: list[Run]) -> dict[str, pd.DataFrame]:
    """The comparison's tables (cells as text): key results, the verdict in each world, what decides each answer."""
    names = labels(runs)
    return {"Key results": pd.DataFrame([_row(r, x) for r, x in zip(runs, names)]),
            "The verdict in each world": worlds_table(runs),
            "What decides each answer": pd.DataFrame([_decisive(r, x) for r, x in zip(runs, names)])}


def _write_comparison(runs: list[Run], out: Path) -> tuple[Path, Path]:
    figdir = out / "figures"
    sec = Section("Scenarios side by side")
    sec.p("Each column comes from the run's summary.json; every plan assumes perfect foresight of its own scenario.")
    tables = comparison_tables(runs)
    star = tables["Key results"]["plan / ground-only"].str.endswith("*").any()
    sec.table("Key results", tables["Key results"], small=True,
              note=("* the plan also serves demand only space can serve (e.g. users on the Moon), which the ground-only "
                    "plan leaves out: the two cover different demand. " if star else "")
              + "demand served: the share of the scenario's demand the plan serves (below 100% in ratio mode).")
    sec.table("The verdict in each world", tables["The verdict in each world"], small=True,
              note="space unit / ground: the cheapest space unit's cost per FLOP of the main Earth workload over the "
                   "ground's, for units built by the first year + 2 and in the last build year (below 1: space is "
                   "cheaper). verdict: space carries part of the plan at 10% of the delivered FLOP or more, marginal "
                   "from 0.5%. demand unmet: EFLOP/s-years left unserved (only where the scenario allows it, at its penalty, "
                   "which the plan's cost then includes).")
    sec.table("What decides each answer", tables["What decides each answer"], small=True)
    ok = [r for r in runs if r.summary.get("status") != "infeasible"]
    if ok:
        sec.figure(_cost_figure(ok, figdir / "compare_cost.png"), "Cost per FLOP",
                   "Cost per delivered FLOP of each plan and of its ground-only comparison.")
        sec.figure(_mix_figure(ok, figdir / "compare_mix.png"), "Mix", "Share of delivered FLOP by family.")
    for r in runs:
        if r.summary.get("status") == "infeasible":
            reasons = "; ".join(safe_text(x) for x in r.summary.get("infeasible_reasons", []))
            sec.p(f"**{run_label(r.scenario, r.summary.get('scenario'))}** is infeasible: {reasons}")
    report = Report(title="Orbital compute plans compared", subtitle=", ".join(str(r.dir) for r in runs),
                    sections=[sec], run_dir=out)
    return write_report(report, out)
