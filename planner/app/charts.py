"""The app's charts: each is a figure built from a run's tables, with the frame it plots (its CSV download).

The charts are Altair (Vega-Lite) charts: headless Chromium draws a page of them some 2 s sooner than one of Plotly
charts (docs/benchmarks.md, section 7); the one Plotly figure left is the batch view's parallel coordinates
(``batch.parallel``, drawn when its panel is opened). A clickable chart has a point selection named ``PICK`` on the
column that keys its ``sources`` (a family, a vehicle, a part, a factor).

Pure functions of the run's tables (``planner.report.model.Run``): no Streamlit here, so they are tested and timed
alone. A chart whose tables are missing or empty is None (the page says so).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

from planner.report.model import PART_LABELS, UNIT, Run, binding_caps, main_workload
from planner.results.plan import FAMILY_ORDER

if TYPE_CHECKING:
    import plotly.graph_objects as go

FAMILY_COLOURS = {"ground": "#4d4d4d", "swarm": "#1f77b4", "module": "#ff7f0e", "station": "#2ca02c"}
HEIGHT = 320  # px, an Altair chart's height without its legends
PICK = "pick"  # the point selection of a clickable Altair chart (its values: the keys of the chart's sources)


@dataclass
class Chart:
    """A figure (an Altair chart; a Plotly figure for the parallel coordinates), the frame it plots, a file name for
    its downloads and what lies behind each series (catalog path fragments, for the provenance panel:
    ``sources[key]``, the key of a clicked mark the value of the chart's ``PICK`` selection). ``selection``: the
    names of the chart's selection parameters the page reruns on."""

    name: str
    title: str
    figure: alt.TopLevelMixin | go.Figure
    data: pd.DataFrame
    caption: str = ""
    sources: dict[str, list[str]] = field(default_factory=dict)
    selection: tuple[str, ...] = ()


def titled(chart, title: str, height: int = HEIGHT, legend: int = 0):
    """An Altair chart with its title, its width the page's and its legends (``legend`` entries) below the plot.
    Streamlit's frontend holds the whole chart (title, axes and legends included) to the spec's height: ``height``
    is the plot's with its title and axes, and each row of the legend adds to it."""
    rows = (legend + 1) // 2
    return chart.properties(title=title, height=height + 22 * rows, autosize=alt.AutoSizeParams(
        type="fit-x", contains="padding")).configure_legend(orient="bottom", columns=2, labelLimit=320)


def pick(field_name: str) -> alt.Parameter:
    """The click that narrows a chart's provenance panel: the clicked mark's ``field_name`` (one value at a time)."""
    return alt.selection_point(name=PICK, fields=[field_name], on="click", clear="dblclick")


def picked(selection) -> alt.OpacityValue:
    """Marks of the picked value drawn full, the others faded (all full while nothing is picked)."""
    return alt.condition(selection, alt.value(1.0), alt.value(0.35))


def family_colours(families: list[str]) -> alt.Scale:
    return alt.Scale(domain=families, range=[FAMILY_COLOURS.get(f, "#999999") for f in families])


def _families(frame: pd.DataFrame) -> list[str]:
    present = set(frame["family"])
    return [f for f in FAMILY_ORDER if f in present] + sorted(present - set(FAMILY_ORDER))


# ------------------------------------------------------------------------------- space against ground per year


def cost_per_flop(run: Run) -> Chart | None:
    """The cheapest unit of each family built in each year against the ground's average (a new ground unit's
    levelised cost) and marginal (the demand row's shadow price) cost, for the main Earth workload."""
    vc = run.t("vintage_costs")
    if vc.empty:
        return None
    w = main_workload(run)
    vc = vc[vc["workload"] == w]
    best = (vc.dropna(subset=["usd_per_pflop_day"]).sort_values("usd_per_pflop_day")
            .groupby(["family", "vintage"], as_index=False).first())
    data = best[["vintage", "family", "architecture", "design", "usd_per_pflop_day"]].rename(
        columns={"vintage": "year"})
    fams = _families(best)
    lines = data.assign(series=data["family"].map(
        lambda f: f"{f}: new unit (average)" if f == "ground" else f"{f}: cheapest unit"), style="unit")
    lines["family"] = pd.Categorical(lines["family"], fams)
    lines = [lines.sort_values(["family", "year"]).assign(family=lambda d: d["family"].astype(str))]
    mc = run.t("marginal_costs")
    if len(mc):
        mc = mc[mc["workload"] == w].sort_values("year")
        lines.append(pd.DataFrame({"year": mc["year"], "family": "ground", "series": "ground: marginal",
                                   "style": "marginal", "usd_per_pflop_day": mc["marginal_usd_per_pflop_day"]}))
        if mc["life_marginal_usd_per_pflop_day"].notna().any():
            lines.append(pd.DataFrame({"year": mc["year"], "family": "ground", "style": "life",
                                       "series": "ground: marginal over a space unit's life",
                                       "usd_per_pflop_day": mc["life_marginal_usd_per_pflop_day"]}))
        data = data.merge(mc[["year", "marginal_usd_per_pflop_day", "life_marginal_usd_per_pflop_day", "decides"]],
                          on="year", how="left")
    plotted = pd.concat(lines, ignore_index=True).dropna(subset=["usd_per_pflop_day"])
    plotted = plotted[plotted["usd_per_pflop_day"] > 0].fillna({"architecture": "", "design": ""})  # log axis
    series = list(dict.fromkeys(plotted["series"]))
    colour = {s: FAMILY_COLOURS.get(f, "#999999") for s, f in zip(plotted["series"], plotted["family"])}
    sel = pick("family")
    base = alt.Chart(plotted).encode(
        x=alt.X("year:Q", title="year built", axis=alt.Axis(format="d"), scale=alt.Scale(zero=False)),
        y=alt.Y("usd_per_pflop_day:Q", title=f"USD per {UNIT} (log scale)",
                scale=alt.Scale(type="log"), axis=alt.Axis(format="$,.2~f")),
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=series, range=[colour[s] for s in series]),
                        legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=2)),
        detail="series:N")
    dash = {"unit": [1, 0], "marginal": [6, 4], "life": [2, 2]}
    style = dict(zip(plotted["series"], plotted["style"]))
    line = base.mark_line().encode(strokeDash=alt.StrokeDash(  # on the series too: one legend, dashes shown
        "series:N", title=None, scale=alt.Scale(domain=series, range=[dash[style[s]] for s in series])))
    points = base.mark_point(filled=True, size=45).encode(
        opacity=picked(sel), tooltip=[alt.Tooltip("series:N"), alt.Tooltip("year:Q", format="d"),
                                      alt.Tooltip("usd_per_pflop_day:Q", title="USD", format="$,.2f"),
                                      "architecture:N", "design:N"]).add_params(sel)
    fig = titled(alt.layer(line, points), f"Cost per delivered FLOP of a unit built each year ({w})",
                 legend=len(series))
    return Chart("cost_per_flop", "Space against ground, per year", fig, data,
                 "Full-life cost per delivered FLOP of the cheapest unit of each family built that year, against the "
                 "ground's average (a new ground unit) and marginal (the demand row's shadow price; dashed, dotted "
                 "over a space unit's life) benchmarks.",
                 sources={"ground": ["ground_regions", "accelerators"],
                          **{f: ["platforms", "components", "launch_vehicles", "accelerators", "sites"]
                             for f in ("swarm", "module", "station")}}, selection=(PICK,))


# ------------------------------------------------------------------------------- build-out and launches


def _stacked_bars(frame: pd.DataFrame, x: str, y: str, key: str, y_title: str, colour: alt.Color,
                  tooltip: list) -> alt.Chart:
    """Bars of ``y`` by year stacked by ``key`` (in the colour scale's order), a click picks a ``key``."""
    sel = pick(key)
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X(f"{x}:O", title=x), y=alt.Y(f"{y}:Q", title=y_title, stack="zero"), color=colour,
        order=alt.Order("stack_order:Q"), opacity=picked(sel), tooltip=tooltip).add_params(sel)


def buildout(run: Run) -> Chart | None:
    fleet = run.t("fleet")
    if fleet.empty:
        return None
    data = fleet.groupby(["year", "family"], as_index=False)[["delivered_eflop_s", "units_in_service",
                                                             "it_mw"]].sum()
    fams = _families(data)
    bars = _stacked_bars(
        data.assign(stack_order=data["family"].map(fams.index)), "year", "delivered_eflop_s", "family",
        "EFLOP/s delivered", alt.Color("family:N", title=None, scale=family_colours(fams)),
        ["year:O", "family:N", alt.Tooltip("delivered_eflop_s:Q", title="EFLOP/s delivered", format=",.3f"),
         alt.Tooltip("units_in_service:Q", title="units in service", format=",.0f"),
         alt.Tooltip("it_mw:Q", title="IT MW", format=",.1f")])
    return Chart("buildout", "Build-out by family", titled(bars, "Delivered compute by family", legend=len(fams)), data,
                 "Sustained EFLOP/s each family delivers each year (tables/fleet.csv).",
                 sources={"ground": ["ground_regions"], "swarm": ["platforms", "sites"],
                          "module": ["platforms", "sites"], "station": ["platforms", "sites"]}, selection=(PICK,))


def launches(run: Run) -> Chart | None:
    la = run.t("launches")
    if la.empty:
        return None
    data = la.groupby(["year", "vehicle"], as_index=False)[["flights", "trips", "mass_launched_kg", "cost_usd",
                                                            "cadence_cap"]].sum()
    vehicles = sorted(data["vehicle"].unique())
    # every year of the span, flown or not, so the years stand evenly spaced on the axis
    span = pd.MultiIndex.from_product([range(int(data["year"].min()), int(data["year"].max()) + 1), vehicles],
                                      names=["year", "vehicle"])
    data = data.set_index(["year", "vehicle"]).reindex(span, fill_value=0).reset_index()
    bars = _stacked_bars(
        data.assign(stack_order=data["vehicle"].map(vehicles.index)), "year", "flights", "vehicle",
        "flights (tankers included)", alt.Color("vehicle:N", title=None, scale=alt.Scale(domain=vehicles)),
        ["year:O", "vehicle:N", alt.Tooltip("flights:Q", format=",.0f"), alt.Tooltip("trips:Q", format=",.0f"),
         alt.Tooltip("mass_launched_kg:Q", title="mass launched, kg", format=",.0f"),
         alt.Tooltip("cost_usd:Q", title="cost, USD", format="$,.3s")])
    return Chart("launches", "Launches per year", titled(bars, "Launches per year", legend=len(vehicles)), data,
                 "Flights per year and vehicle (tables/launches.csv).",
                 sources={v: [f"launch_vehicles.{v}"] for v in data["vehicle"].unique()}, selection=(PICK,))


# ------------------------------------------------------------------------------- what a unit pays for

PART_SOURCES = {"accelerators": ["accelerators"], "bus": ["platforms"], "arrays": ["components.solar_array"],
                "radiators": ["components.radiator"], "batteries": ["components.battery"],
                "shielding": ["components.shielding"], "terminals": ["components.optical_terminal"],
                "heat_pumps": ["components.heat_pump"], "fission_power": ["components.fission_power"],
                "propellant": ["components.propellant"], "integration": ["platforms", "components.space_packaging"],
                "insurance": ["launch_vehicles"], "launch": ["launch_vehicles", "sites"],
                "operations": ["platforms", "ground_regions"], "energy": ["ground_regions"],
                "replacements": ["accelerators", "components.accelerator_failures"], "facility": ["ground_regions"],
                "carbon": ["components.emissions", "ground_regions"]}


def unit_cost_years(run: Run) -> list[int]:
    parts = run.t("unit_cost_parts")
    return sorted(int(y) for y in parts["vintage"].unique()) if len(parts) else []


def unit_cost_split(run: Run, year: int | None = None) -> Chart | None:
    """What the cheapest unit of each family built in ``year`` pays for, per delivered FLOP of the main workload
    (default year: the first year + 2, the report's window)."""
    parts = run.t("unit_cost_parts")
    if parts.empty:
        return None
    w = main_workload(run)
    parts = parts[parts["workload"] == w]
    years = unit_cost_years(run)
    if year is None or year not in years:
        window = run.scenario["horizon"]["first_year"] + 2
        year = min(years, key=lambda y: abs(y - window)) if years else None
    p = parts[parts["vintage"] == year]
    if p.empty:
        return None
    totals = p.groupby(["family", "architecture", "design"])["usd_per_pflop_day"].sum().reset_index()
    best = totals.sort_values("usd_per_pflop_day").groupby("family").first().reset_index()
    keep = p.merge(best[["family", "architecture", "design"]], on=["family", "architecture", "design"])
    data = keep[["family", "architecture", "design", "part", "usd_per_pflop_day"]].assign(year=year)
    fams = _families(data)
    order = list(data.groupby("part")["usd_per_pflop_day"].sum().sort_values(ascending=False).index)
    labels = [PART_LABELS.get(x, x) for x in order]
    plotted = data.assign(part_label=data["part"].map(lambda x: PART_LABELS.get(x, x)),
                          stack_order=data["part"].map(order.index))
    sel = pick("part_label")
    bars = alt.Chart(plotted).mark_bar().encode(
        y=alt.Y("family:N", title=None, sort=fams),
        x=alt.X("usd_per_pflop_day:Q", title=f"USD per delivered {UNIT}", stack="zero"),
        color=alt.Color("part_label:N", title=None,  # more parts than 10 colours: 20, so no two parts share one
                        scale=alt.Scale(domain=labels, scheme="category20" if len(labels) > 10 else "tableau10"),
                        legend=alt.Legend(orient="right", columns=1)),
        order=alt.Order("stack_order:Q"), opacity=picked(sel),
        tooltip=["family:N", alt.Tooltip("part_label:N", title="pays for"),
                 alt.Tooltip("usd_per_pflop_day:Q", title="USD", format="$,.2f"), "architecture:N", "design:N"],
    ).add_params(sel)
    fig = titled(bars, f"What the cheapest unit built in {year} pays for ({w})", height=max(300, 160 + 70 * len(fams)))
    return Chart("unit_cost_split", "Unit cost split", fig, data,
                 "Capital financed over the unit's life, launch, operations and energy per delivered FLOP of the "
                 "cheapest unit of each family (tables/unit_cost_parts.csv).",
                 sources={PART_LABELS.get(k, k): v for k, v in PART_SOURCES.items()}, selection=(PICK,))


# ------------------------------------------------------------------------------- waterfall

WATERFALL_SOURCES = {"software_efficiency": [], "power": ["components.solar_array", "components.battery"],
                     "thermal": ["components.radiator", "components.heat_pump"],
                     "downlink": ["components.optical_terminal", "components.ground_stations"],
                     "single_events": ["components.single_events"], "interruptions": ["components.single_events"],
                     "failures": ["components.accelerator_failures"], "servicing": ["components.servicing"],
                     "radiation_degradation": ["dose_tables", "components.shielding"],
                     "coverage": ["sites"], "utilisation": ["ground_regions"]}


def waterfall_scopes(run: Run) -> list[str]:
    wf = run.t("waterfall")
    if wf.empty:
        return []
    scopes = list(dict.fromkeys(wf["scope"]))
    return (["plan"] if "plan" in scopes else []) + [s for s in scopes if s != "plan"]


def waterfall(run: Run, scope: str = "plan") -> Chart | None:
    """From installed peak FLOP to delivered FLOP, factor by factor (tables/waterfall.csv)."""
    wf = run.t("waterfall")
    if wf.empty:
        return None
    d = wf[wf["scope"] == scope].sort_values("step")
    if d.empty:
        return None
    # bars from start to end, like Vega-Lite's waterfall example: the installed peak, each factor's loss (or gain)
    # from the share left before it to the share left after it, the delivered share
    shares = [1.0] + [float(x) for x in d["share_of_peak"]]
    plotted = pd.DataFrame({
        "factor": ["installed peak"] + list(d["factor"]) + ["delivered"],
        "start": [0.0] + [100 * x for x in shares[:-1]] + [0.0],
        "end": [100.0] + [100 * x for x in shares[1:]] + [100 * shares[-1]],
        "kind": ["total"] + ["loss" if b < a else "gain" for a, b in zip(shares[:-1], shares[1:])] + ["total"],
        "label": [""] + [f"x{m:.3f}" for m in d["multiplier"]] + [f"{100 * shares[-1]:.1f}%"],
        "explanation": [""] + [str(x) for x in d["explanation"]] + [""]})
    plotted["change"] = plotted["end"] - plotted["start"]
    plotted["top"] = plotted[["start", "end"]].max(axis=1)
    sel = pick("factor")
    x = alt.X("factor:N", title=None, sort=list(plotted["factor"]),
              axis=alt.Axis(labelAngle=-35, labelLimit=140, labelOverlap=False))
    bars = alt.Chart(plotted).mark_bar(size=28).encode(
        x=x, y=alt.Y("start:Q", title="% of installed peak FLOP"), y2="end:Q",
        color=alt.Color("kind:N", legend=None, scale=alt.Scale(domain=["total", "loss", "gain"],
                                                               range=["#1f77b4", "#d62728", "#2ca02c"])),
        opacity=picked(sel),
        tooltip=["factor:N", alt.Tooltip("change:Q", title="change, % of peak", format="+.2f"),
                 alt.Tooltip("end:Q", title="left, % of peak", format=".2f"), "label:N", "explanation:N"],
    ).add_params(sel)
    text = alt.Chart(plotted).mark_text(dy=-8, fontSize=11).encode(x=x, y=alt.Y("top:Q"), text="label:N")
    fig = titled(alt.layer(bars, text), f"From installed peak to delivered FLOP ({scope})")
    return Chart("waterfall", "Waterfall", fig, d, "Each factor's share of the installed peak FLOP lost "
                 "(tables/waterfall.csv; the hover says why).", sources=WATERFALL_SOURCES, selection=(PICK,))


# ------------------------------------------------------------------------------- binding constraints


def _short_labels(texts, most: int = 70) -> list[str]:
    """Labels of at most ``most`` characters that stay distinct: a long text keeps its start and its end (where a
    constraint's year and place are)."""
    out = []
    for t in map(str, texts):
        label = t if len(t) <= most else t[:most // 2 - 1] + "…" + t[-(most // 2):]
        while label in out:
            label += " "
        out.append(label)
    return out


def binding(run: Run, top: int = 15) -> tuple[Chart | None, pd.DataFrame]:
    """The binding caps the plan runs into, largest shadow price first: a chart of the top ones and the table."""
    if run.t("constraints").empty:
        return None, pd.DataFrame()
    used, _ = binding_caps(run)
    table = used[["constraint", "index", "meaning", "shadow_price", "unit", "slack"]].reset_index(drop=True)
    if table.empty:
        return None, table
    d = table.head(top)
    drawn = pd.DataFrame({"cap": _short_labels(d["meaning"]), "shadow_price_abs": d["shadow_price"].abs(),
                          "shadow_price": d["shadow_price"], "unit": d["unit"], "meaning": d["meaning"]})
    drawn = drawn[drawn["shadow_price_abs"] > 0]  # a log axis: the bars start at the power of ten below the least
    if drawn.empty:
        return None, table
    drawn = drawn.assign(base=10.0 ** math.floor(math.log10(drawn["shadow_price_abs"].min())))
    bars = alt.Chart(drawn).mark_bar(color=FAMILY_COLOURS["swarm"]).encode(
        y=alt.Y("cap:N", title=None, sort=list(drawn["cap"]), axis=alt.Axis(labelLimit=420)),
        x=alt.X("shadow_price_abs:Q", title="|shadow price| (present value, per unit of the cap)",
                scale=alt.Scale(type="log")), x2="base:Q",
        tooltip=["meaning:N", alt.Tooltip("shadow_price:Q", format=",.3g"), "unit:N"])
    return Chart("binding_constraints", "Binding constraints",
                 titled(bars, "Binding caps, largest shadow prices first", height=90 + 24 * len(drawn)), table,
                 "Shadow prices of the LP with the plan's integer decisions fixed (tables/constraints.csv)."), table


PLAN_CHARTS = ("cost_per_flop", "buildout", "launches", "unit_cost_split", "waterfall")


# ------------------------------------------------------------------------------- runs side by side


def compare_cost(runs: list[Run]) -> Chart | None:
    from planner.report.compare import labels

    if not runs:
        return None
    data = pd.DataFrame({"run": labels(runs), "plan": [r.summary.get("usd_per_pflop_day") for r in runs],
                         "ground only": [(r.summary.get("ground_only") or {}).get("usd_per_pflop_day")
                                         for r in runs]})
    long = data.melt(id_vars="run", var_name="plan of", value_name="usd_per_pflop_day").dropna()
    bars = alt.Chart(long).mark_bar().encode(
        x=alt.X("run:N", title=None, sort=list(data["run"])), xOffset=alt.XOffset("plan of:N", sort=["plan"]),
        y=alt.Y("usd_per_pflop_day:Q", title=f"USD per {UNIT}"),
        color=alt.Color("plan of:N", title=None, scale=alt.Scale(domain=["plan", "ground only"], range=[
            FAMILY_COLOURS["swarm"], FAMILY_COLOURS["ground"]])),
        tooltip=["run:N", "plan of:N", alt.Tooltip("usd_per_pflop_day:Q", title="USD", format="$,.2f")])
    return Chart("compare_cost", "Cost per FLOP", titled(bars, "Cost per delivered FLOP by run", legend=2), data,
                 "Each plan and its ground-only comparison.")


def compare_mix(runs: list[Run]) -> Chart | None:
    from planner.report.compare import labels

    if not runs:
        return None
    shares = pd.DataFrame([r.summary.get("delivered_share_by_family") or {} for r in runs]).fillna(0.0)
    shares.insert(0, "run", labels(runs))
    fams = [f for f in FAMILY_ORDER if f in shares]
    long = shares.melt(id_vars="run", value_vars=fams, var_name="family", value_name="share")
    long = long.assign(pct=100 * long["share"], stack_order=long["family"].map(fams.index))
    bars = alt.Chart(long).mark_bar().encode(
        y=alt.Y("run:N", title=None, sort=list(shares["run"])), x=alt.X("pct:Q", title="%", stack="zero"),
        color=alt.Color("family:N", title=None, scale=family_colours(fams)), order=alt.Order("stack_order:Q"),
        tooltip=["run:N", "family:N", alt.Tooltip("pct:Q", title="%", format=".2f")])
    return Chart("compare_mix", "Mix", titled(bars, "Share of delivered FLOP by family",
                                              height=100 + 40 * len(runs), legend=len(fams)), shares,
                 "Share of delivered FLOP by family in each plan.")
