"""Report figures (matplotlib, Agg): titled, labelled with units, readable in greyscale print.

Every figure is drawn from the run folder's tables only, so ``planner report`` redraws them without solving.
Series are told apart by grey level, hatching and marker as well as colour.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from planner.results.schema import CAPITAL_CATEGORIES, category_words  # noqa: E402

GREYS = ["#1b1b1b", "#6e6e6e", "#a8a8a8", "#d4d4d4", "#4a4a4a", "#8c8c8c", "#c0c0c0", "#ececec"]
HATCHES = ["", "//", "..", "xx", "\\\\", "++", "oo", "--"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
LINES = ["-", "--", ":", "-.", (0, (5, 1)), (0, (1, 1)), (0, (3, 1, 1, 1)), "-"]
FAMILY_ORDER = ["ground", "swarm", "module", "station"]
LINE_GREYS = ["#000000", "#4d4d4d", "#7a7a7a", "#2b2b2b"]  # lines stay dark enough to tell apart in print
DPI = 200

plt.rcParams.update({"font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9, "legend.fontsize": 8,
                     "figure.dpi": 100, "savefig.bbox": "tight", "axes.spines.top": False,
                     "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3})


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _style(i: int) -> dict:
    """Series i's fill: a grey and a hatch. Past the 8th series both shift (grey by 3, hatch by 1), so no two of
    the first 16 look alike and none past the 8th is hatched black on black."""
    k = i // len(GREYS)
    return {"color": GREYS[(i + 3 * k) % len(GREYS)], "hatch": HATCHES[(i + k) % len(HATCHES)],
            "edgecolor": "black", "linewidth": 0.4}


def _stacked_bars(ax, frame: pd.DataFrame, ylabel: str):
    bottom = np.zeros(len(frame))
    for i, col in enumerate(frame.columns):
        vals = frame[col].to_numpy(dtype=float)
        ax.bar(frame.index.astype(str), vals, bottom=bottom, label=col, **_style(i))
        bottom += vals
    ax.set_ylabel(ylabel)
    ax.tick_params(axis="x", rotation=90)


def vintage_costs(vc: pd.DataFrame, workload: str, path: Path) -> Path | None:
    """Cost per delivered FLOP of a unit built in each year: the best of each family against the ground."""
    v = vc[vc["workload"] == workload]
    if v.empty:
        return None
    fig, ax = plt.subplots(figsize=(7.0, 3.6))
    best = v.groupby(["family", "vintage"])["usd_per_pflop_day"].min().unstack(0)
    for i, fam in enumerate([f for f in FAMILY_ORDER if f in best.columns]):
        s = best[fam].dropna()
        ax.plot(s.index, s.values, linestyle=LINES[i], marker=MARKERS[i], color=LINE_GREYS[i % len(LINE_GREYS)],
                label=fam, markersize=4, linewidth=1.8 if fam == "ground" else 1.2,
                markerfacecolor="white" if i % 2 else None)
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda y, _: f"${y:,.0f}"))
    ax.yaxis.set_minor_formatter(matplotlib.ticker.FuncFormatter(
        lambda y, _: f"${y:,.0f}" if str(int(round(y)))[0] in "25" else ""))
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_xlabel("year the unit is built")
    ax.set_ylabel("USD per PFLOP/s-day (log)")
    ax.set_title(f"Is space cheaper yet? Best unit of each family, {workload} FLOP")
    ax.legend(ncol=4, loc="upper right")
    return _save(fig, path)


def buildout(fleet: pd.DataFrame, path: Path) -> Path | None:
    if fleet.empty:
        return None
    fig, axes = plt.subplots(1, 2, figsize=(8.0, 3.4))
    delivered = fleet.pivot_table(index="year", columns="family", values="delivered_eflop_s", aggfunc="sum").fillna(0)
    mw = fleet.pivot_table(index="year", columns="family", values="it_mw", aggfunc="sum").fillna(0)
    order = [f for f in FAMILY_ORDER if f in delivered.columns]
    _stacked_bars(axes[0], delivered[order], "EFLOP/s delivered")
    axes[0].set_title("Delivered compute by family")
    order = [f for f in FAMILY_ORDER if f in mw.columns]
    _stacked_bars(axes[1], mw[order] / 1000.0, "GW of IT power installed")
    axes[1].set_title("IT power by family")
    axes[0].legend(loc="upper left")
    fig.tight_layout()
    return _save(fig, path)


def space_units(fleet: pd.DataFrame, path: Path, label=None) -> Path | None:
    """Space units in service by architecture and year; ``label`` names an architecture from its id (default: the
    id)."""
    space = fleet[fleet["family"] != "ground"]
    if space.empty or space["units_in_service"].sum() <= 0:
        return None
    fig, ax = plt.subplots(figsize=(7.0, 3.2))
    table = space.pivot_table(index="year", columns="architecture", values="units_in_service", aggfunc="sum").fillna(0)
    table = table.loc[:, table.sum() > 0]
    if label is not None:
        table.columns = [label(a) for a in table.columns]
    _stacked_bars(ax, table, "units in service")
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))  # whole units only
    ax.set_title("Space units in service by architecture")
    ax.legend(fontsize=7, loc="upper left")
    return _save(fig, path)


def launches(la: pd.DataFrame, path: Path, horizon: tuple[int, int] | None = None) -> Path | None:
    """Flights against the cadence cap and mass launched, by year; the year axis spans ``horizon`` (first, last
    year) and never runs past it (default: the years the table has)."""
    if la.empty or la["flights"].sum() <= 0:
        return None
    first, last = horizon or (int(la["year"].min()), int(la["year"].max()))
    fig, axes = plt.subplots(1, 2, figsize=(8.0, 3.3))
    ax = axes[0]
    for i, (v, g) in enumerate(la.groupby("vehicle")):
        ax.bar(g["year"], g["flights"], label=f"{v} flights", alpha=0.9, **_style(i))
        cap = g["cadence_cap"].replace([np.inf], np.nan)
        if cap.notna().any():  # the cap only at the years the table has: markers, no line across gap years
            ax.plot(g["year"], cap, linestyle="none", marker=MARKERS[i + 1], color="black",
                    markersize=4, label=f"{v} cadence cap")
    ax.set_ylabel("flights per year")
    ax.set_title("Flights against the cadence cap")
    ax.legend(fontsize=7)
    mass = la.groupby("year")["mass_launched_kg"].sum() / 1000.0
    axes[1].bar(mass.index, mass.values, **_style(1))
    axes[1].set_ylabel("t launched")
    axes[1].set_title("Mass launched per year")
    for a in axes:  # a bar is 0.8 wide: half a year either side keeps the axis inside the horizon
        a.set_xlim(first - 0.5, last + 0.5)
        a.set_xticks(range(first, last + 1))  # every year labelled: a bar never sits between two labels
        a.tick_params(axis="x", rotation=90, labelsize=7)
    fig.tight_layout()
    return _save(fig, path)


def costs(costs_df: pd.DataFrame, path: Path) -> Path | None:
    if costs_df.empty:
        return None
    real = costs_df[costs_df["category"] != "unmet_penalty"]
    by_cat = real.groupby("category")["usd_discounted"].sum().sort_values() / 1e9
    capex = real[real["category"].isin(CAPITAL_CATEGORIES)].groupby("year")["usd"].sum() / 1e9
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.6), gridspec_kw={"width_ratios": [1, 1.2]})
    ax = axes[0]
    ax.barh([category_words(c) for c in by_cat.index], by_cat.values, **_style(1))
    ax.set_xlabel("present value, USD billion")
    ax.set_title("Discounted cost by category")
    ax.tick_params(axis="y", labelsize=7)
    ax = axes[1]
    ax.bar(capex.index.astype(str), capex.values, **_style(0))
    if len(capex):
        peak_year = capex.idxmax()
        ax.annotate(f"peak ${capex.max():,.1f} B", xy=(list(capex.index).index(peak_year), capex.max()),
                    xytext=(0, 4), textcoords="offset points", ha="center", fontsize=7)
    ax.set_ylabel("USD billion (undiscounted)")
    ax.set_title("Capital spending by year")
    ax.tick_params(axis="x", rotation=90)
    fig.tight_layout()
    return _save(fig, path)


BUDGET_COLS = ["accelerators_kg", "shielding_kg", "bus_kg", "arrays_kg", "radiators_kg", "thermal_loop_kg",
               "batteries_kg", "terminals_kg", "power_other_kg", "structure_kg", "propellant_kg"]
# else the column without _kg
BUDGET_WORDS = {"power_other_kg": "fission power, heat pumps", "thermal_loop_kg": "coolant loop"}
# One look per part of the mass budget, the same in every report. Grey levels: black, dark, mid, light, white;
# two parts share neither a grey and a hatch family nor, at one grey step apart, a hatch family (hatches that look
# alike in print: xx and ++; .., oo and **), so every part reads apart in greyscale (tests/test_report_words.py).
_BLACK, _DARK, _MID, _LIGHT, _WHITE = "#1b1b1b", "#5a5a5a", "#8c8c8c", "#c4c4c4", "#ffffff"
BUDGET_LOOKS = {
    "accelerators_kg": (_BLACK, ""), "shielding_kg": (_MID, "xx"), "bus_kg": (_WHITE, ""),
    "arrays_kg": (_LIGHT, "//"), "radiators_kg": (_DARK, "\\\\"), "thermal_loop_kg": (_WHITE, "||"),
    "batteries_kg": (_WHITE, "oo"),
    "terminals_kg": (_MID, "||"), "power_other_kg": (_LIGHT, "--"), "structure_kg": (_WHITE, "\\\\"),
    "propellant_kg": (_DARK, ".."),
}


def budget_style(col: str) -> dict:
    color, hatch = BUDGET_LOOKS[col]
    return {"color": color, "hatch": hatch, "edgecolor": "black", "linewidth": 0.4}


def design_budgets(designs: pd.DataFrame, path: Path, label=None) -> Path | None:
    """Stacked mass budget of each design (at most 8); ``label`` names a design's bar from its designs.csv row
    (default: its ids)."""
    if designs.empty:
        return None
    d = designs.drop_duplicates(["architecture", "design"]).head(8)
    name = label or (lambda r: f"{r['architecture']}\n{r['design']}")
    labels = [name(r) for _, r in d.iterrows()]
    fig, ax = plt.subplots(figsize=(7.6, 0.5 + 0.45 * len(d)))
    left = np.zeros(len(d))
    for col in BUDGET_COLS:
        vals = d[col].to_numpy(dtype=float) / 1000.0
        if not vals.any():  # a part no design here carries (batteries at a sunlit site) stays out of the legend
            continue
        ax.barh(labels, vals, left=left, label=BUDGET_WORDS.get(col, col.replace("_kg", "")), **budget_style(col))
        left += vals
    ax.invert_yaxis()  # the first design on top, in the design sheet's column order
    ax.set_xlabel("t per unit")
    ax.set_title("Mass budget of each unit design")
    ax.tick_params(axis="y", labelsize=7)
    ax.legend(ncol=5, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.25 if len(d) > 2 else -0.45))
    return _save(fig, path)


def workloads(alloc: pd.DataFrame, families: dict[str, str], path: Path, label=None) -> Path | None:
    """Share of each workload's delivered FLOP by family; ``label`` names a workload from its id (default: the id)."""
    if alloc.empty:
        return None
    a = alloc.assign(family=alloc["architecture"].map(families))
    table = a.pivot_table(index="workload", columns="family", values="flop", aggfunc="sum").fillna(0)
    if label is not None:
        table.index = [label(w) for w in table.index]
    share = table.div(table.sum(axis=1), axis=0) * 100
    order = [f for f in FAMILY_ORDER if f in share.columns]
    fig, ax = plt.subplots(figsize=(7.0, 0.8 + 0.45 * len(share)))
    left = np.zeros(len(share))
    for i, fam in enumerate(order):
        ax.barh(share.index, share[fam], left=left, label=fam, **_style(i))
        left += share[fam].to_numpy()
    ax.set_xlabel("share of the workload's delivered FLOP, %")
    ax.set_xlim(0, 100)
    ax.set_title("Where each workload runs")
    ax.legend(ncol=4, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.22 if len(share) > 2 else -0.45),
              frameon=False)
    return _save(fig, path)


def break_even(be: pd.DataFrame, path: Path) -> Path | None:
    if be.empty:
        return None
    fig, ax = plt.subplots(figsize=(7.0, 3.4))
    ax.plot(be["launch_price_factor"], be["usd_per_pflop_day"], marker="o", color=GREYS[0], label="with space")
    ax.plot(be["launch_price_factor"], be["ground_usd_per_pflop_day"], linestyle="--", color=GREYS[1],
            label="ground only")
    ax.set_xscale("log")
    ax.set_xlabel("launch prices as a multiple of the scenario's")
    ax.set_ylabel("USD per PFLOP/s-day (Earth-servable demand)")
    ax.set_title("Cost per delivered FLOP against launch price")
    ax2 = ax.twinx()
    ax2.plot(be["launch_price_factor"], 100 * be["space_share"], linestyle=":", marker="s", markersize=3,
             color=GREYS[2], label="space share (right)")
    ax2.set_ylabel("space share of delivered FLOP, %")
    ax2.set_ylim(bottom=0, top=max(1.0, 110 * float(be["space_share"].fillna(0).max())))  # a share is never negative
    ax2.grid(False)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=7, loc="best")
    return _save(fig, path)


def tornado(da: pd.DataFrame, path: Path) -> Path | None:
    if da.empty or "low_change" not in da:
        return None
    d = da.head(10).iloc[::-1]
    fig, ax = plt.subplots(figsize=(7.0, 0.7 + 0.38 * len(d)))
    y = np.arange(len(d))
    ax.barh(y, 100 * d["low_change"].fillna(0), color=GREYS[2], edgecolor="black", linewidth=0.4, hatch="//",
            label="catalog low")
    ax.barh(y, 100 * d["high_change"].fillna(0), color=GREYS[0], edgecolor="black", linewidth=0.4,
            label="catalog high")
    ax.set_yticks(y, d["path"], fontsize=7)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("change of the plan's cost per delivered FLOP, %")
    ax.set_title("Decisive assumptions (one-at-a-time re-solves)")
    ax.legend(fontsize=7, loc="lower right")
    return _save(fig, path)


def waterfall(table: pd.DataFrame, labels: dict[str, str], path: Path, scope: str = "plan") -> Path | None:
    """Installed peak to delivered FLOP: a bar per stage, the loss of each factor hatched above it."""
    t = table[table["scope"] == scope]
    if t.empty:
        return None
    peak = float(t["flop_before"].iloc[0])
    names = ["installed peak"] + [labels.get(f, f) for f in t["factor"]] + ["delivered"]
    kept = [1.0] + list(t["flop_after"] / peak) + [float(t["flop_after"].iloc[-1]) / peak]
    lost = [0.0] + list(t["lost_flop"] / peak) + [0.0]
    fig, ax = plt.subplots(figsize=(7.6, 3.6))
    x = np.arange(len(names))
    ax.bar(x, [100 * k for k in kept], color=GREYS[1], edgecolor="black", linewidth=0.4, label="remaining")
    ax.bar(x, [100 * max(0.0, v) for v in lost], bottom=[100 * k for k in kept], color="white", edgecolor="black",
           linewidth=0.4, hatch="//", label="lost to this factor")
    for i, (k, v) in enumerate(zip(kept, lost)):
        if i in (0, len(names) - 1) or v > 0.005:
            ax.annotate(f"{100 * k:.0f}%", xy=(i, 100 * k), xytext=(0, 2), textcoords="offset points",
                        ha="center", va="bottom", fontsize=7,
                        bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none"})
    ax.set_xticks(x, names, rotation=40, ha="right", fontsize=7)
    ax.set_ylabel("% of installed peak FLOP/s")
    ax.set_ylim(0, 110)
    ax.set_title("Delivered-compute waterfall" + ("" if scope == "plan" else f": {scope}"))
    ax.legend(fontsize=7, loc="upper right")
    return _save(fig, path)


def emissions(table: pd.DataFrame, path: Path) -> Path | None:
    """CO2 by category and year (stacked), the beyond-horizon credit left out of the bars."""
    t = table[table["category"] != "beyond_horizon"]
    if t.empty or t["t_co2"].abs().sum() <= 0:
        return None
    fig, ax = plt.subplots(figsize=(7.0, 3.3))
    piv = t.pivot_table(index="year", columns="category", values="t_co2", aggfunc="sum").fillna(0) / 1e6
    piv = piv.loc[:, piv.sum() > 0]
    _stacked_bars(ax, piv.rename(columns=category_words), "Mt CO2 per year")
    ax.set_title("Emissions by category and year")
    ax.legend(fontsize=7, loc="upper left")
    return _save(fig, path)


def share_bands(band: pd.DataFrame, optimum: pd.Series, path: Path) -> Path | None:
    """Near-optimal plans: each family's least and most share of delivered FLOP within each budget (bars), the
    least-cost plan's share (dot)."""
    if band.empty:
        return None
    fams = [f for f in FAMILY_ORDER if (band[(f, "high")] > 0).any()]
    budgets = list(band.index)
    fig, ax = plt.subplots(figsize=(7.0, 0.5 + 0.32 * len(fams) * (len(budgets) + 1)))
    ticks, labels = [], []
    for i, f in enumerate(fams):
        for j, e in enumerate(budgets):
            y = i * (len(budgets) + 1) + j
            lo, hi = 100 * band.loc[e, (f, "low")], 100 * band.loc[e, (f, "high")]
            ax.barh(y, max(hi - lo, 0.15), left=lo if hi - lo >= 0.15 else lo - 0.075, height=0.8, **_style(j))
            ticks.append(y)
            labels.append(f"{f}, within {100 * e:g}%")
        ax.plot(100 * optimum[f"share_{f}"], i * (len(budgets) + 1) + (len(budgets) - 1) / 2, "o", color="black",
                markersize=4)
    ax.set_yticks(ticks)
    ax.set_yticklabels(labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("share of delivered FLOP, %")
    ax.set_title("Plans almost as cheap: range of each family's share")
    return _save(fig, path)


def front(points: pd.DataFrame, column: str, words: str, path: Path) -> Path | None:
    """A cost/measure front: NPV cost against the measure, one marker a point."""
    if len(points) < 2:
        return None
    scale = 100.0 if column == "space_share" else 1.0
    fig, ax = plt.subplots(figsize=(7.0, 3.2))
    ax.plot(scale * points[column], points["npv_cost_usd"] / 1e9, marker="o", color=GREYS[0])
    ax.set_xlabel(words + (", %" if column == "space_share" else ""))
    if column == "latency_ms":
        ax.set_xscale("log")  # round trips from ground regions (ms) to the Moon (seconds)
    ax.set_ylabel("NPV cost, USD B")
    ax.set_title(f"Cost against the {words}")
    return _save(fig, path)
