"""The batch view's charts, from a sweep's solved cases (``folders.Sweep.solved``): distributions, P(space) by year,
the break-even surface of a grid, parallel coordinates ordered by sensitivity, and the plans of chosen draws.

The charts the view opens with are Altair (Vega-Lite) charts; the parallel coordinates, drawn only when their panel
is opened, stay Plotly (Vega-Lite has no parallel-coordinates mark with axis brushing)."""

from __future__ import annotations

import math

import altair as alt
import pandas as pd
import plotly.graph_objects as go

from planner.app.charts import FAMILY_COLOURS, Chart, titled
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
    pct = column == "space_share"
    x = ok[column] * (100 if pct else 1)
    q = x.quantile([0.05, 0.5, 0.95])
    label = title + (" (%)" if pct else "")
    drawn = pd.DataFrame({"case_id": ok["case_id"], "x": x}).dropna()
    bars = alt.Chart(drawn).mark_bar(color=FAMILY_COLOURS["swarm"]).encode(
        x=alt.X("x:Q", bin=alt.Bin(maxbins=30), title=label), y=alt.Y("count():Q", title="draws"),
        tooltip=[alt.Tooltip("x:Q", bin=alt.Bin(maxbins=30), title=label), alt.Tooltip("count():Q", title="draws")])
    rules = pd.DataFrame({"percentile": ["5%", "50%", "95%"], "x": [q[0.05], q[0.5], q[0.95]],
                          "dash": ["dot", "dash", "dot"], "dy": [4, 20, 4]})
    rules["text"] = [f"{p}: {v:,.3g}" for p, v in zip(rules["percentile"], rules["x"])]
    rule = alt.Chart(rules).mark_rule(color="black").encode(
        x="x:Q", strokeDash=alt.StrokeDash("dash:N", legend=None, scale=alt.Scale(domain=["dot", "dash"],
                                                                                  range=[[2, 2], [6, 4]])),
        tooltip=["percentile:N", alt.Tooltip("x:Q", format=",.4g", title=label)])
    text = [alt.Chart(rules.iloc[[i]]).mark_text(align="left", dx=3, baseline="top", fontSize=11).encode(
        x="x:Q", y=alt.value(dy), text="text:N") for i, dy in enumerate(rules["dy"])]  # the median's lower
    return Chart(f"distribution_{column}", title, titled(alt.layer(bars, rule, *text), label),
                 ok[["case_id", column]], f"{len(ok)} solved draws; lines at the 5th, 50th and 95th percentiles.")


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
    line = alt.Chart(data.assign(pct=100 * data["p_space_in_plan"])).mark_line(
        interpolate="step-after", color=FAMILY_COLOURS["swarm"], point=True).encode(
        x=alt.X("year:Q", axis=alt.Axis(format="d"), scale=alt.Scale(zero=False)),
        y=alt.Y("pct:Q", title="% of draws", scale=alt.Scale(domain=[0, 100])),
        tooltip=[alt.Tooltip("year:Q", format="d"), alt.Tooltip("pct:Q", title="% of draws", format=".1f")])
    return Chart("p_space_by_year", "P(space) by year", titled(line, "P(space earns a place in the plan by year)"),
                 data, "Share of draws whose optimal plan serves demand from space in that year or before "
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
    share, on the grid's axes, the cells where space pays (below 1) outlined: the break-even line runs along
    their edge."""
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
    ratio = value == "plan_to_ground"
    data = t.reset_index().melt(id_vars=b, var_name=a, value_name=value)
    xs, ys = [str(c) for c in t.columns], [str(i) for i in t.index]
    cells = pd.DataFrame({"x": data[a].map(str), "y": data[b].map(str), "value": data[value]}).dropna()
    axes = dict(x=alt.X("x:O", title=a[4:], sort=xs), y=alt.Y("y:O", title=b[4:], sort=list(reversed(ys))))
    lo, hi = float(cells["value"].min()), float(cells["value"].max())
    if ratio:  # white at 1 (break-even), blue below (space pays), red above, whatever side the cells are on
        half = max(abs(lo - 1.0), abs(hi - 1.0)) or 1.0
        scale, dark = alt.Scale(scheme="redblue", reverse=True, domain=[1 - half, 1 + half]), \
            (cells["value"] - 1.0).abs() > 0.6 * half
    else:
        scale, dark = alt.Scale(scheme="blues"), cells["value"] > lo + 0.6 * (hi - lo)
    cells = cells.assign(ink=dark.map({True: "white", False: "black"}))
    heat = alt.Chart(cells).mark_rect().encode(
        **axes, color=alt.Color("value:Q", title=value, scale=scale),
        tooltip=[alt.Tooltip("x:N", title=a[4:]), alt.Tooltip("y:N", title=b[4:]),
                 alt.Tooltip("value:Q", title=value, format=".3f")])
    text = alt.Chart(cells).mark_text(fontSize=11).encode(**axes, text=alt.Text("value:Q", format=".3f"),
                                                          fill=alt.Fill("ink:N", scale=None))
    layers = [heat, text]
    if ratio:  # the break-even line: the cells where space pays (below 1) outlined
        layers.append(alt.Chart(cells[cells["value"] < 1]).mark_rect(filled=False, stroke="black", strokeWidth=2.5)
                      .encode(**axes))
    below = int((ok[value] < 1).sum()) if ratio else int((ok[value] > 0).sum())
    fig = titled(alt.layer(*layers), "Plan / ground-only cost per FLOP (below 1: space pays)"
                 if ratio else "Space share of delivered FLOP over the grid")
    return Chart("break_even_surface", "Break-even surface", fig, data,
                 f"{below} of {len(ok)} cells " + ("below 1 (space pays; outlined in black)." if ratio
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
    fig.update_layout(title="Inputs against outputs, the most decisive input first", template="plotly_white",
                      height=420, margin=dict(l=80, r=80, t=80, b=40))
    data = pd.concat([ok[["case_id"]], x[names], ok[[c for c in OUTPUTS if c in ok]]], axis=1)
    return Chart("parallel_coordinates", "Parallel coordinates", fig, data,
                 f"Axes ordered by {ranked['measure'].iloc[0]} of cost per FLOP; drag along an axis to filter.")


DRAWS = "draws"  # the scatter's interval selection


def scatter(ok: pd.DataFrame) -> Chart | None:
    if "space_share" not in ok:
        return None
    drawn = pd.DataFrame({"case_id": ok["case_id"], "usd_per_pflop_day": ok["usd_per_pflop_day"],
                          "space_share_pct": 100 * ok["space_share"]})
    box = alt.selection_interval(name=DRAWS, encodings=["x", "y"])
    points = alt.Chart(drawn).mark_circle(size=45, color=FAMILY_COLOURS["swarm"]).encode(
        x=alt.X("usd_per_pflop_day:Q", title=f"USD per {UNIT}", scale=alt.Scale(zero=False)),
        y=alt.Y("space_share_pct:Q", title="space share, %"),
        opacity=alt.condition(box, alt.value(0.9), alt.value(0.25)),
        tooltip=["case_id:N", alt.Tooltip("usd_per_pflop_day:Q", title="USD", format="$,.2f"),
                 alt.Tooltip("space_share_pct:Q", title="space share, %", format=".2f")]).add_params(box)
    return Chart("draws", "Draws", titled(points, "Draws: cost per FLOP against space share"),
                 ok[["case_id", "usd_per_pflop_day", "space_share"]], "One point per solved draw.",
                 selection=(DRAWS,))


def selected(ok: pd.DataFrame, state, cost_range: tuple[float, float]) -> pd.DataFrame:
    """The draws inside the box drawn on the scatter (its selection state: the box's cost and space share
    ranges), else all; narrowed to the cost range."""
    sel = (state or {}).get("selection") if isinstance(state, dict) else getattr(state, "selection", None)
    box = (sel or {}).get(DRAWS) if hasattr(sel, "get") else None
    out = ok
    if box:
        keep = pd.Series(True, index=ok.index)
        for col, values in (("usd_per_pflop_day", ok["usd_per_pflop_day"]),
                            ("space_share_pct", 100 * ok["space_share"])):
            if box.get(col):
                lo, hi = sorted(float(v) for v in box[col])
                keep &= (values >= lo) & (values <= hi)
        out = ok[keep]
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
