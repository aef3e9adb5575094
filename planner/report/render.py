"""Render a run folder's report (report.md; report.pdf once the PDF renderer exists)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from planner.yamlio import atomic_write


def render_run(run_dir: str | Path) -> Path:
    run = Path(run_dir)
    summary = json.loads((run / "summary.json").read_text())
    lines = [f"# Plan: {summary['scenario']}", ""]
    if summary["status"] == "infeasible":
        lines += ["**Infeasible.** What cannot be met:", ""]
        lines += [f"- {r}" for r in summary.get("infeasible_reasons", [])]
    else:
        lines += [f"- Cost per delivered FLOP: **${summary['usd_per_pflop_day']:,.2f} per PFLOP-day** "
                  f"(${summary['usd_per_eflop']:.4f} per EFLOP)",
                  f"- Status {summary['status']}, gap {summary['mip_gap']:.3%}", ""]
        designs = pd.read_csv(run / "tables" / "designs.csv")
        if len(designs):
            lines += ["## Units built", "", md_table(designs[["architecture", "vintage", "design", "units"]]), ""]
    path = run / "report.md"
    atomic_write(path, "\n".join(lines) + "\n")
    return path


def md_table(df: pd.DataFrame) -> str:
    """A pipe table (no extra dependency)."""
    cols = list(df.columns)
    out = ["| " + " | ".join(str(c) for c in cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for _, row in df.iterrows():
        out.append("| " + " | ".join(str(row[c]) for c in cols) + " |")
    return "\n".join(out)
