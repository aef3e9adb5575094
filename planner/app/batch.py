"""The batch view's charts, from a sweep's solved cases (``folders.Sweep.solved``): distributions, P(space) by year,
the break-even surface of a grid, parallel coordinates ordered by sensitivity, and the plans of chosen draws."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from planner.app.charts import FAMILY_COLOURS, Chart, _layout
from planner.batch.sensitivity import DUMMY, MIN_CASES, pawn_indices
from planner.report.model import UNIT

OUTPUTS = {"usd_per_pflop_day": f"USD per {UNIT}", "space_share": "space share"}
PLAN_COLUMNS = ("case_id", "status", "usd_per_pflop_day", "ground_usd_per_pflop_day", "plan_to_ground",
                "space_share", "share_ground", "share_swarm", "share_module", "share_station", "launch_flights",
                "first_space_year", "unmet_share", "first_decisions", "overrides")


def set_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if c.startswith("set:")]


def inputs(df: pd.DataFrame) -> pd.DataFrame:
    """The swept values as numbers (a year table by its first year's value), one column per value."""
    from planner.batch.report import _scalar_of  # the batch report's reading (it imports matplotlib: lazily)

    return pd.DataFrame({c[4:]: df[c].map(_scalar_of) for c in set_columns(df)}, index=df.index)


def distribution(ok: pd.DataFrame, column: str, title: str) -> Chart | None:
    if column not in ok or ok[column].notna().sum() == 0:
        return None
    x = ok[column] * (100 if column == "space_share" else 1)
    q = x.quantile([0.05, 0.5, 0.95])
    fig = go.Figure(go.Histogram(x=x, nbinsx=30, marker_color=FAMILY_COLOURS["swarm"]))
    for p, dash in ((0.05, "dot"), (0.5, "dash"), (0.95, "dot")):
        fig.add_vline(x=q[p], line_dash=dash, annotation_text=f"{int(p * 100)}%: {q[p]:,.3g}")
    _layout(fig, title + (" (%)" if column == "space_share" else ""), xaxis_title=title, yaxis_title="draws",
            showlegend=False)
    return Chart(f"distribution_{column}", title, fig, ok[["case_id", column]],
                 f"{len(ok)} solved draws; lines at the 5th, 50th and 95th percentiles.")


def space_by_year(ok: pd.DataFrame) -> Chart | None:
    """P(space carries demand by year Y): the share of draws whose plan serves demand from space in Y or before."""
    if "first_space_year" not in ok:
        return None
    first = pd.to_numeric(ok["first_space_year"], errors="coerce")
    if first.notna().sum() == 0:
        return None
    years = list(range(int(first.min()) - 1, int(first.max()) + 2))
    p = [float((first <= y).sum()) / len(ok) for y in years]
    data = pd.DataFrame({"year": years, "p_space_in_plan": p})
    fig = go.Figure(go.Scatter(x=years, y=[100 * v for v in p], mode="lines+markers", line_shape="hv",
                               marker_color=FAMILY_COLOURS["swarm"]))
    _layout(fig, "P(space earns a place in the plan by year)", xaxis_title="year",
            yaxis_title="% of draws", yaxis_range=[0, 100], showlegend=False)
    return Chart("p_space_by_year", "P(space) by year", fig, data,
                 "Share of draws whose optimal plan serves demand from space in that year or before "
                 "(first_space_year of each case).")


def beats_ground(ok: pd.DataFrame) -> str:
    """P(the whole plan, space allowed, beats the ground-only plan by more than the solver's gap)."""
    if "space_beats_ground" not in ok:
        return ""
    beats = ok["space_beats_ground"].fillna(False).astype(bool)
    und = ok.get("undecided", pd.Series(False, index=ok.index)).fillna(False).astype(bool)
    return (f"P(space beats ground) over the whole horizon: **{beats.mean():.0%}** of draws (the plan with space "
            f"costs less per FLOP than the ground-only plan by more than the solver's gap); undecided "
            f"{und.mean():.0%}.")


def break_even(ok: pd.DataFrame, generator: str) -> Chart | None:
    """A two-value grid: the plan over the ground-only plan's cost per FLOP (below 1 space pays), or the space
    share, on the grid's axes, with the break-even contour."""
    sets = set_columns(ok)
    if generator != "grid" or len(sets) != 2:
        return None
    from planner.batch.report import _axis_order

    a, b = sets
    value = "plan_to_ground" if "plan_to_ground" in ok and ok["plan_to_ground"].notna().any() else "space_share"
    t = ok.pivot_table(index=b, columns=a, values=value, aggfunc="mean")
    t = t.reindex(index=[v for v in _axis_order(ok, b) if v in t.index],
                  columns=[v for v in _axis_order(ok, a) if v in t.columns])
    if t.empty:
        return None
    xs, ys = [str(c) for c in t.columns], [str(i) for i in t.index]
    fig = go.Figure(go.Heatmap(z=t.values, x=xs, y=ys, colorscale="RdBu_r" if value == "plan_to_ground" else "Blues",
                               zmid=1.0 if value == "plan_to_ground" else None, texttemplate="%{z:.3f}",
                               colorbar=dict(title=value)))
    if value == "plan_to_ground" and np.nanmin(t.values) < 1 < np.nanmax(t.values):
        fig.add_contour(z=t.values, x=xs, y=ys, showscale=False, contours=dict(start=1, end=1, size=1,
                        coloring="lines"), line=dict(width=3, color="black"), name="break-even")
    below = int((ok[value] < 1).sum()) if value == "plan_to_ground" else int((ok[value] > 0).sum())
    _layout(fig, "Break-even surface: plan / ground-only cost per FLOP (below 1: space pays)"
            if value == "plan_to_ground" else "Space share of delivered FLOP over the grid",
            xaxis_title=a[4:], yaxis_title=b[4:])
    data = t.reset_index().melt(id_vars=b, var_name=a, value_name=value)
    return Chart("break_even_surface", "Break-even surface", fig, data,
                 f"{below} of {len(ok)} cells " + ("below 1 (space pays)." if value == "plan_to_ground"
                                                   else "with space in the plan."))


def ranked_inputs(ok: pd.DataFrame) -> pd.DataFrame:
    """The swept values ordered by how much they move cost per FLOP: PAWN indices (planner/batch/sensitivity.py)
    when there are enough draws, else the absolute Spearman rank correlation."""
    x = inputs(ok)
    x = x.loc[:, [c for c in x.columns if x[c].notna().all() and x[c].nunique() > 1]]
    y = ok["usd_per_pflop_day"]
    if x.empty:
        return pd.DataFrame(columns=["value", "index", "measure"])
    if len(ok) >= MIN_CASES:
        pw = pawn_indices(x, y)
        pw = pw[pw["value"] != DUMMY]
        return pd.DataFrame({"value": pw["value"], "index": pw["pawn_median"], "measure": "PAWN median",
                             "above_noise": pw["above_noise"]}).reset_index(drop=True)
    rows = []
    for c in x.columns:
        rho = x[c].corr(y, method="spearman") if len(ok) > 2 else math.nan
        rows.append({"value": c, "index": abs(rho) if rho == rho else 0.0, "measure": "|Spearman rho|"})
    return pd.DataFrame(rows).sort_values("index", ascending=False).reset_index(drop=True)


def parallel(ok: pd.DataFrame, ranked: pd.DataFrame, most: int = 8) -> Chart | None:
    if ranked.empty:
        return None
    x = inputs(ok)
    names = list(ranked["value"].head(most))
    dims = [dict(label=n.split(".")[-1][:24] if len(n) > 24 else n, values=x[n]) for n in names]
    for col, label in OUTPUTS.items():
        if col in ok:
            dims.append(dict(label=label, values=ok[col]))
    fig = go.Figure(go.Parcoords(dimensions=dims, line=dict(color=ok["usd_per_pflop_day"], colorscale="Viridis",
                                                            showscale=True)))
    _layout(fig, "Inputs against outputs, the most decisive input first", height=420,
            margin=dict(l=80, r=80, t=80, b=40))
    data = pd.concat([ok[["case_id"]], x[names], ok[[c for c in OUTPUTS if c in ok]]], axis=1)
    return Chart("parallel_coordinates", "Parallel coordinates", fig, data,
                 f"Axes ordered by {ranked['measure'].iloc[0]} of cost per FLOP; drag along an axis to filter.")


def scatter(ok: pd.DataFrame) -> Chart | None:
    if "space_share" not in ok:
        return None
    fig = go.Figure(go.Scatter(x=ok["usd_per_pflop_day"], y=100 * ok["space_share"], mode="markers",
                               customdata=ok[["case_id"]], marker=dict(color=FAMILY_COLOURS["swarm"], size=7),
                               hovertemplate="%{customdata[0]}: $%{x:,.2f}, space %{y:.2f}%<extra></extra>"))
    _layout(fig, "Draws: cost per FLOP against space share", xaxis_title=f"USD per {UNIT}",
            yaxis_title="space share, %", dragmode="select", showlegend=False)
    return Chart("draws", "Draws", fig, ok[["case_id", "usd_per_pflop_day", "space_share"]],
                 "One point per solved draw.")


def selected(ok: pd.DataFrame, state, cost_range: tuple[float, float]) -> pd.DataFrame:
    """The draws picked in the scatter (its selection state), else all; narrowed to the cost range."""
    sel = (state or {}).get("selection") if isinstance(state, dict) else getattr(state, "selection", None)
    points = (sel or {}).get("points") if isinstance(sel, dict) else getattr(sel, "points", None)
    out = ok
    if points:
        ids = {p["customdata"][0] for p in points if p.get("customdata")}
        if ids:
            out = ok[ok["case_id"].isin(ids)]
    lo, hi = cost_range
    return out[(out["usd_per_pflop_day"] >= lo - 1e-12) & (out["usd_per_pflop_day"] <= hi + 1e-12)]


def plans(chosen: pd.DataFrame, order: list[str] | None = None, most: int | None = None) -> pd.DataFrame:
    """What each chosen draw's plan does: cost, shares by family, flights, first space year, first decisions, and
    the draw's overrides. ``order``: the swept values most decisive first (they lead the overrides text); ``most``:
    at most that many values in the text, the rest counted (a Monte Carlo draw sets some 480 values: the whole
    text of 500 draws is megabytes for the browser to take)."""
    from planner.batch.report import _overrides_text

    out = chosen[[c for c in PLAN_COLUMNS if c in chosen]].copy()
    if "overrides" in out:
        rank = {k: i for i, k in enumerate(order or [])}
        out["overrides"] = out["overrides"].map(lambda s: _overrides_text(s, rank, most))
    return out
