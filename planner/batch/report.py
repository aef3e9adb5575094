"""The batch report (report.md and report.pdf in the sweep folder), from results.parquet and manifest.json only."""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from planner.batch.worker import TIMINGS
from planner.report import figures as fig
from planner.report.model import UNIT, Report, Section, money, pct, signed_pct
from planner.report.render import write_report
from planner.report.text import safe_text


def _set_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if c.startswith("set:")]


def _numeric(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce")


def total_rebuilds(df: pd.DataFrame) -> int:
    """Model rebuilds over the whole batch: each worker process counts its own, so sum their last counts."""
    if "rebuilds" not in df or "worker" not in df:
        return 0
    return int(_numeric(df["rebuilds"]).groupby(df["worker"]).max().fillna(0).sum())


def _scalar_of(value) -> float:
    """A swept value as one number: a year table by its first year's value."""
    if isinstance(value, str) and value.startswith("{"):
        try:
            d = json.loads(value)
            return float(d[sorted(d, key=int)[0]])
        except (ValueError, KeyError, TypeError):
            return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _hist(ok: pd.DataFrame, path: Path) -> Path | None:
    if ok.empty:
        return None
    f, axes = plt.subplots(1, 2, figsize=(8.0, 3.2))
    axes[0].hist(ok["usd_per_pflop_day"], bins=30, color=fig.GREYS[1], edgecolor="black", linewidth=0.4)
    axes[0].set_xlabel(f"USD per {UNIT}")
    axes[0].set_ylabel("cases")
    axes[0].set_title("Cost per delivered FLOP")
    if "plan_to_ground" in ok and ok["plan_to_ground"].notna().any():
        axes[1].hist(ok["plan_to_ground"].dropna(), bins=30, color=fig.GREYS[2], edgecolor="black", linewidth=0.4,
                     hatch="//")
        axes[1].axvline(1.0, color="black", linestyle="--", linewidth=1)
        axes[1].set_xlabel("plan / ground-only cost per FLOP")
        axes[1].set_title("Whole plan against ground-only plan")
    f.tight_layout()
    return fig._save(f, path)


def _oat(df: pd.DataFrame, base_usd: float) -> pd.DataFrame:
    rows = []
    for col in _set_columns(df):
        sub = df[df[col].notna()]
        if sub.empty or len(_set_columns(df)) == 0:
            continue
        lo, hi = sub["usd_per_pflop_day"].min(), sub["usd_per_pflop_day"].max()
        rows.append({"path": col[4:], "low_change": lo / base_usd - 1, "high_change": hi / base_usd - 1,
                     "swing": (hi - lo) / base_usd})
    return pd.DataFrame(rows).sort_values("swing", ascending=False) if rows else pd.DataFrame()


def clip(text, n: int) -> str:
    """At most n characters; a cut text ends with an ellipsis."""
    text = "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text)
    return text if len(text) <= n else text[:max(0, n - 1)] + "\u2026"


def _overrides_text(s, rank: dict[str, int] | None = None, most: int | None = None) -> str:
    """A case's overrides as 'path=value; ...' instead of JSON; with ``rank`` (path -> place) the ranked paths
    first, and with ``most`` at most that many, the rest counted."""
    try:
        d = json.loads(s)
    except (TypeError, ValueError):
        return "" if s is None else str(s)
    if not isinstance(d, dict):
        return str(s)
    keys = sorted(d, key=lambda k: rank.get(k, len(rank))) if rank else list(d)
    shown = keys if most is None else keys[:most]
    text = "; ".join(f"{k}={json.dumps(d[k]) if isinstance(d[k], (dict, list)) else d[k]}" for k in shown)
    return (text or "(base)") + (f"; ... {len(keys) - len(shown)} more (in the CSV)" if len(shown) < len(keys) else "")


def _axis_order(df: pd.DataFrame, col: str) -> list:
    """A swept value's levels in a reader's order: numbers ascending, words (low, value, high) as the spec lists
    them (the order of their first case)."""
    levels = list(dict.fromkeys(df.sort_values("case_index")[col] if "case_index" in df else df[col]))
    nums = [_scalar_of(v) for v in levels]
    if all(not math.isnan(x) for x in nums):
        return [v for _, v in sorted(zip(nums, levels), key=lambda kv: kv[0])]
    return levels


def _heatmap(df: pd.DataFrame, a: str, b: str, value: str, path: Path, title: str, fmt: str = ".2f") -> Path | None:
    t = df.pivot_table(index=b, columns=a, values=value, aggfunc="mean")
    if t.empty:
        return None
    t = t.reindex(index=[v for v in _axis_order(df, b) if v in t.index],
                  columns=[v for v in _axis_order(df, a) if v in t.columns])
    f, ax = plt.subplots(figsize=(6.8, 3.4))
    im = ax.imshow(t.values, cmap="Greys", aspect="auto", origin="lower")
    ax.set_xticks(range(len(t.columns)), [clip(c, 14) for c in t.columns], rotation=30, ha="right", fontsize=7)
    ax.set_yticks(range(len(t.index)), [clip(i, 28) for i in t.index], fontsize=7)
    for i in range(t.shape[0]):
        for j in range(t.shape[1]):
            v = t.values[i, j]
            if not np.isnan(v):
                ax.text(j, i, format(v, fmt), ha="center", va="center", fontsize=7,
                        color="white" if v > np.nanmean(t.values) else "black")
    ax.grid(False)
    ax.set_xlabel(a[4:])
    ax.set_ylabel(b[4:])
    ax.set_title(title)
    f.colorbar(im, ax=ax)
    return fig._save(f, path)


def _shares_vs(df: pd.DataFrame, col: str, path: Path) -> Path | None:
    x = df[col].map(_scalar_of)
    if x.notna().sum() < 2:
        return None
    f, ax = plt.subplots(figsize=(6.8, 3.0))
    for i, fam in enumerate(("swarm", "module", "station")):
        if f"share_{fam}" in df:
            ax.scatter(x, 100 * df[f"share_{fam}"], s=10, marker=fig.MARKERS[i], color=fig.GREYS[i], label=fam)
    pos = x[x > 0]
    if len(pos) == x.notna().sum() and pos.max() / pos.min() >= 20:  # multipliers spanning decades
        ax.set_xscale("log")
    ax.set_xlabel(col[4:])
    ax.set_ylabel("share of delivered FLOP, %")
    ax.set_title(f"Space architecture share against {col[4:].split('.')[-1]}")
    ax.legend(fontsize=7)
    return fig._save(f, path)


def render_sweep(out: str | Path) -> tuple[Path, Path]:
    out = Path(out)
    manifest = json.loads((out / "manifest.json").read_text())
    df = pd.read_parquet(out / "results.parquet") if (out / "results.parquet").exists() else pd.DataFrame()
    figdir = out / "figures"
    spec = manifest["spec"]
    notes = manifest.get("notes", {})
    sec = Section("Results")
    sec.p(safe_text(spec.get("description", "")))
    run = manifest.get("last_run", {})
    sec.p(f"{manifest['cases']} cases ({notes.get('generator')}, {spec['kind']}) on {spec['base']}; "
          f"last run: {run.get('cases_run', 0)} cases in {run.get('wall_s', 0):.0f} s on "
          f"{run.get('cluster') or str(run.get('workers')) + ' local workers'}. Every plan assumes perfect "
          f"foresight of its own case.")
    if notes.get("distributions"):
        kinds = pd.Series({k: v.get("dist", "triangular") for k, v in notes["distributions"].items()}).value_counts()
        sec.p("Draws: " + ", ".join(f"{n} values from a {d} distribution" for d, n in kinds.items())
              + " on each value's catalog (low, base, high); a range is not a probability, so the distribution is "
                "a choice stated here. Year tables are drawn at one quantile for all years.")
    if df.empty:
        sec.p("No case has finished yet.")
        return _write(out, sec, spec)
    status = df["status"].fillna("error") if "status" in df else pd.Series(["error"] * len(df))
    ok = df[status.isin(["optimal", "time_limit"])].copy()
    for c in ("usd_per_pflop_day", "plan_to_ground", "space_share", "regret"):
        if c in ok:
            ok[c] = _numeric(ok[c])
    failed = df[~status.isin(["optimal", "time_limit"])]
    sec.p(f"{len(ok)} cases solved, {len(failed)} failed or infeasible.")
    if len(ok):
        q = ok["usd_per_pflop_day"].quantile([0.05, 0.5, 0.95])
        sec.p(f"Cost per delivered FLOP: median ${q[0.5]:,.2f} per {UNIT} (5-95 %: ${q[0.05]:,.2f} to "
              f"${q[0.95]:,.2f}).")
        if "plan_to_ground" in ok and ok["plan_to_ground"].notna().any():
            beats = ok.get("space_beats_ground", pd.Series(False, index=ok.index)).fillna(False).astype(bool)
            und = ok.get("undecided", pd.Series(False, index=ok.index)).fillna(False).astype(bool)
            sec.p(f"Share of cases where the whole plan (space allowed) costs less per FLOP than the ground-only "
                  f"plan by more than the solver's gap: **{pct(beats.mean())}**; undecided (the gap straddles "
                  f"break-even): {pct(und.mean())}. The ground-only plan serves only the demand the ground can "
                  f"serve: when a scenario has demand only space can serve (users on the Moon), the whole plan also "
                  f"pays for that, so a ratio above 1 need not mean space is dearer for Earth work. Share of "
                  f"delivered FLOP in space: median {pct(ok['space_share'].median())}, 95th percentile "
                  f"{pct(ok['space_share'].quantile(0.95))}.")
        sec.figure(_hist(ok, figdir / "distribution.png"), "Distribution",
                   "Cost per delivered FLOP and the whole-plan / ground-only-plan cost ratio across cases.")
        sets = _set_columns(ok)
        gen = notes.get("generator")
        if gen == "oat":
            base_row = ok[ok["overrides"] == "{}"]
            base_usd = float(base_row["usd_per_pflop_day"].iloc[0]) if len(base_row) else float(
                ok["usd_per_pflop_day"].median())
            tor = _oat(ok, base_usd)
            sec.figure(fig.tornado(tor, figdir / "tornado.png"), "Tornado",
                       "Change of cost per FLOP at each value's catalog low and high (re-optimised).")
            sec.table("One at a time", pd.DataFrame({"value": tor["path"], "low": tor["low_change"].map(signed_pct),
                                                     "high": tor["high_change"].map(signed_pct)}).head(25),
                      small=True)
        if gen == "grid" and len(sets) == 2:
            sec.figure(_heatmap(ok, sets[0], sets[1], "usd_per_pflop_day", figdir / "heatmap.png",
                                f"Cost per delivered FLOP, USD per {UNIT}"), "Heatmap", "Two-parameter grid.")
            if "plan_to_ground" in ok and ok["plan_to_ground"].notna().any():
                below = int((ok["plan_to_ground"] < 1.0).sum())
                sec.figure(_heatmap(ok, sets[0], sets[1], "plan_to_ground", figdir / "frontier.png",
                                    "whole plan / ground-only plan (below 1: space pays)", fmt=".3f"), "Break-even frontier",
                           f"Cells below 1 are where the plan with space costs less than the ground alone: {below} of "
                           f"{len(ok)} cases." if below else
                           f"No cell is below 1: in no case does the plan with space cost less per FLOP than the "
                           f"ground-only plan (lowest ratio {ok['plan_to_ground'].min():.3f}).")
        for col in sets[:6] if gen in ("grid", "random", "sobol") else []:
            sec.figure(_shares_vs(ok, col, figdir / f"shares_{col[4:].replace('.', '_')}.png"), "Shares",
                       f"Space share of delivered FLOP against {col[4:]}.")
        if gen == "sobol" and notes.get("salib_problem"):
            _sobol(sec, ok, out, notes)
        if gen == "random":
            _pawn(sec, ok, out, sets)
        if "plan_held" in ok:
            capped = ok["plan_held"] == "capped"
            if capped.any():
                sec.p(f"The plan could not be carried out whole in {int(capped.sum())} of {len(ok)} cases (a launch "
                      f"cadence, shell or payload it exceeds): there it was held as a ceiling, and what it left out "
                      f"still counts as spent (median {money(_numeric(ok.loc[capped, 'plan_left_out_usd']).median())})"
                      f"; the cases are marked `plan_held = capped` in the results.")
            else:
                sec.p(f"The plan was carried out whole in all {len(ok)} cases.")
        if "regret" in ok and ok["regret"].notna().any():
            r = ok["regret"]
            sec.p(f"Regret of holding the plan's decisions: median {pct(r.median())}, 95th percentile "
                  f"{pct(r.quantile(0.95))}, worst {pct(r.max())} of the re-optimised cost "
                  f"({money(_numeric(ok['regret_usd']).max())}).")
            f, ax = plt.subplots(figsize=(6.0, 2.8))
            ax.hist(100 * r, bins=30, color=fig.GREYS[1], edgecolor="black", linewidth=0.4)
            ax.set_xlabel("regret, % of the re-optimised cost")
            ax.set_title("Regret of the fixed plan")
            sec.figure(fig._save(f, figdir / "regret.png"), "Regret", "Fixed plan against re-optimising each draw.")
        if "first_decisions" in ok:
            parts = ok["first_decisions"].fillna("").str.split("; ").explode()
            parts = parts[parts != ""]
            if len(parts):
                freq = parts.value_counts() / len(ok)
                sec.table("First-year decisions and how often they hold across cases", pd.DataFrame(
                    {"decision": freq.index[:15], "share of cases": freq.values[:15]}).assign(
                    **{"share of cases": lambda d: d["share of cases"].map(pct)}), small=True)
        slow = ok.sort_values("total_s", ascending=False).head(5) if "total_s" in ok else pd.DataFrame()
        if len(slow):
            sec.table("Slowest cases", pd.DataFrame({"case": slow["case_id"], "seconds": slow["total_s"].map(
                lambda x: f"{x:.1f}"), "model": slow.get("model", ""), "overrides": slow["overrides"].map(
                lambda s: clip(_overrides_text(s), 110))}), small=True)
        t = ok[[c for c in TIMINGS if c in ok]].median()
        sec.p("Median time per case: " + ", ".join(f"{k[:-2]} {v:.3f} s" for k, v in t.items())
              + (f"; model rebuilds {total_rebuilds(ok)} over {len(ok)} cases" if "rebuilds" in ok else "") + ".")
    if len(failed):
        sec.table("Failed or infeasible cases", pd.DataFrame({"case": failed["case_id"], "status": failed["status"],
                                                              "reason": failed["error"].map(lambda s: clip(s, 120))}).head(20),
                  small=True)
    return _write(out, sec, spec)


def _sobol(sec: Section, ok: pd.DataFrame, out: Path, notes: dict) -> None:
    from SALib.analyze import sobol as sobol_analyze

    problem_ = notes["salib_problem"]
    y = ok.sort_values("case_index")["usd_per_pflop_day"].to_numpy()
    n_expected = len(notes.get("quantiles") or [])
    if len(y) != n_expected or n_expected == 0:
        sec.p("Sobol indices need every Saltelli case solved; some failed, so they are not computed.")
        return
    res = sobol_analyze.analyze(problem_, y, calc_second_order=False, print_to_console=False)
    table = pd.DataFrame({"value": problem_["names"], "S1": res["S1"], "ST": res["ST"], "ST conf": res["ST_conf"]})
    table = table.sort_values("ST", ascending=False)
    sec.table("Sobol sensitivity of cost per FLOP (SALib)", table.assign(
        S1=table["S1"].map(lambda x: f"{x:.3f}"), ST=table["ST"].map(lambda x: f"{x:.3f}"),
        **{"ST conf": table["ST conf"].map(lambda x: f"{x:.3f}")}), small=True)
    table.to_csv(out / "sobol.csv", index=False)


PAWN_ANSWERS = (("usd_per_pflop_day", "cost per FLOP"), ("space_share", "space share"),
                ("plan_to_ground", "plan / ground-only"))


def _pawn(sec: Section, ok: pd.DataFrame, out: Path, sets: list[str]) -> None:
    """PAWN indices of cost per FLOP, of the space share of delivered FLOP and of the plan's cost over the
    ground-only plan's, from the solved draws (planner/batch/sensitivity.py); pawn.csv holds all, one row per
    answer and value."""
    from planner.batch.sensitivity import DUMMY, MIN_CASES, pawn_indices

    if len(ok) < MIN_CASES:
        sec.p(f"PAWN sensitivity indices need at least {MIN_CASES} solved draws; {len(ok)} solved, so they are not "
              f"computed.")
        return
    x = pd.DataFrame({c[4:]: ok[c].map(_scalar_of) for c in sets}, index=ok.index)
    tables = []
    for col, label in PAWN_ANSWERS:
        y = _numeric(ok[col]) if col in ok else pd.Series(dtype=float)
        if y.notna().sum() >= MIN_CASES and y.nunique() > 1:
            tables.append(pawn_indices(x, y).assign(answer=col, answer_label=label))
    if not tables:
        return
    table = pd.concat(tables, ignore_index=True)
    table.to_csv(out / "pawn.csv", index=False)
    floors = {t["answer_label"].iloc[0]: float(t.loc[t["value"] == DUMMY, "pawn_median"].iloc[0]) for t in tables}
    sec.p(f"Which values move the answers, from the {len(ok)} solved draws (no extra solves): SALib's PAWN index, "
          f"the median over 10 slices of a value's draws of the Kolmogorov-Smirnov distance between the answer in "
          f"the slice and in all draws (0: no effect on its distribution, 1: decides it). Cost per FLOP says what "
          f"moves the bill, which accelerator prices that space and ground share dominate; the space share and the "
          f"plan's cost over the ground-only plan's say what moves space against ground. A random input nothing "
          f"uses scores " + ", ".join(f"{v:.3f} for {k}" for k, v in floors.items())
          + ": a value at or below that floor is not distinguishable from sampling noise with this many draws. "
          "Every index is in pawn.csv.")
    wide = table[table["value"] != DUMMY].pivot_table(index="value", columns="answer_label", values="pawn_median",
                                                      sort=False)
    above = table[table["value"] != DUMMY].pivot_table(index="value", columns="answer_label", values="above_noise",
                                                       aggfunc="max", sort=False)
    labels = [lab for _, lab in PAWN_ANSWERS if lab in wide.columns]
    wide = wide.assign(strongest=wide[labels].max(axis=1)).sort_values("strongest", ascending=False).head(15)
    shown = pd.DataFrame({"value": wide.index})
    for lab in labels:
        shown[f"PAWN, {lab}"] = [f"{v:.3f}" + ("" if bool(above.loc[i, lab]) else " (noise)")
                                 for i, v in zip(wide.index, wide[lab])]
    sec.table("Sensitivity of the answers (PAWN median, SALib)", shown, small=True)


def _write(out: Path, sec: Section, spec: dict) -> tuple[Path, Path]:
    report = Report(title=f"Sweep: {spec['name']}", subtitle=f"{spec.get('kind')} sweep on {spec.get('base')}",
                    sections=[sec], run_dir=out)
    return write_report(report, out)
