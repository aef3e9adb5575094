"""The app's charts: each is a Plotly figure built from a run's tables, with the frame it plots (its CSV download).

Pure functions of the run's tables (``planner.report.model.Run``): no Streamlit here, so they are tested and timed
alone. A chart whose tables are missing or empty is None (the page says so).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from planner.report.model import PART_LABELS, UNIT, Run, binding_caps, main_workload
from planner.results.plan import FAMILY_ORDER

FAMILY_COLOURS = {"ground": "#4d4d4d", "swarm": "#1f77b4", "module": "#ff7f0e", "station": "#2ca02c"}
LAYOUT = dict(template="plotly_white", height=420, margin=dict(l=60, r=20, t=50, b=40), clickmode="event+select",
              legend=dict(orientation="h", yanchor="top", y=-0.18, x=0))  # below the axis title, not on the plot


@dataclass
class Chart:
    """A figure, the frame it plots, a file name for its downloads and what lies behind each trace (catalog path
    fragments, for the provenance panel: ``sources[key]``, the key a trace's ``meta``, else its name, else the
    clicked point's x)."""

    name: str
    title: str
    figure: go.Figure
    data: pd.DataFrame
    caption: str = ""
    sources: dict[str, list[str]] = field(default_factory=dict)


def _layout(fig: go.Figure, title: str, **extra) -> go.Figure:
    fig.update_layout(title=title, **{**LAYOUT, **extra})
    return fig


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
    fig = go.Figure()
    for fam in _families(best):
        d = best[best["family"] == fam].sort_values("vintage")
        label = f"{fam}: new unit (average)" if fam == "ground" else f"{fam}: cheapest unit"
        fig.add_scatter(x=d["vintage"], y=d["usd_per_pflop_day"], mode="lines+markers", name=label, meta=fam,
                        legendgroup=fam, line=dict(color=FAMILY_COLOURS.get(fam)),
                        customdata=d[["architecture", "design"]], hovertemplate=(
                            "%{x}: $%{y:,.2f}<br>%{customdata[0]}<br>%{customdata[1]}<extra>" + fam + "</extra>"))
    mc = run.t("marginal_costs")
    if len(mc):
        mc = mc[mc["workload"] == w].sort_values("year")
        fig.add_scatter(x=mc["year"], y=mc["marginal_usd_per_pflop_day"], mode="lines", name="ground: marginal",
                        meta="ground", line=dict(color=FAMILY_COLOURS["ground"], dash="dash"))
        if mc["life_marginal_usd_per_pflop_day"].notna().any():
            fig.add_scatter(x=mc["year"], y=mc["life_marginal_usd_per_pflop_day"], mode="lines",
                            name="ground: marginal over a space unit's life", meta="ground",
                            line=dict(color=FAMILY_COLOURS["ground"], dash="dot"))
        data = data.merge(mc[["year", "marginal_usd_per_pflop_day", "life_marginal_usd_per_pflop_day", "decides"]],
                          on="year", how="left")
    _layout(fig, f"Cost per delivered FLOP of a unit built each year ({w})", xaxis_title="year built",
            yaxis=dict(type="log", tickformat="$,.0f", title=f"USD per {UNIT} (log scale)"))
    return Chart("cost_per_flop", "Space against ground, per year", fig, data,
                 "Full-life cost per delivered FLOP of the cheapest unit of each family built that year, against the "
                 "ground's average (a new ground unit) and marginal (the demand row's shadow price) benchmarks.",
                 sources={"ground": ["ground_regions", "accelerators"],
                          **{f: ["platforms", "components", "launch_vehicles", "accelerators", "sites"]
                             for f in ("swarm", "module", "station")}})


# ------------------------------------------------------------------------------- build-out and launches


def buildout(run: Run) -> Chart | None:
    fleet = run.t("fleet")
    if fleet.empty:
        return None
    data = fleet.groupby(["year", "family"], as_index=False)[["delivered_eflop_s", "units_in_service",
                                                             "it_mw"]].sum()
    fig = go.Figure()
    for fam in _families(data):
        d = data[data["family"] == fam]
        fig.add_bar(x=d["year"], y=d["delivered_eflop_s"], name=fam, marker_color=FAMILY_COLOURS.get(fam))
    _layout(fig, "Delivered compute by family", barmode="stack", xaxis_title="year", yaxis_title="EFLOP/s delivered")
    return Chart("buildout", "Build-out by family", fig, data,
                 "Sustained EFLOP/s each family delivers each year (tables/fleet.csv).",
                 sources={"ground": ["ground_regions"], "swarm": ["platforms", "sites"],
                          "module": ["platforms", "sites"], "station": ["platforms", "sites"]})


def launches(run: Run) -> Chart | None:
    la = run.t("launches")
    if la.empty:
        return None
    data = la.groupby(["year", "vehicle"], as_index=False)[["flights", "trips", "mass_launched_kg", "cost_usd",
                                                            "cadence_cap"]].sum()
    fig = go.Figure()
    for v in sorted(data["vehicle"].unique()):
        d = data[data["vehicle"] == v]
        fig.add_bar(x=d["year"], y=d["flights"], name=v)
    _layout(fig, "Launches per year", barmode="stack", xaxis_title="year", yaxis_title="flights (tankers included)")
    return Chart("launches", "Launches per year", fig, data, "Flights per year and vehicle (tables/launches.csv).",
                 sources={v: [f"launch_vehicles.{v}"] for v in data["vehicle"].unique()})


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
    fig = go.Figure()
    for part in data.groupby("part")["usd_per_pflop_day"].sum().sort_values(ascending=False).index:
        d = data[data["part"] == part].set_index("family").reindex(fams)
        fig.add_bar(y=fams, x=d["usd_per_pflop_day"], name=PART_LABELS.get(part, part), orientation="h",
                    customdata=[part] * len(fams), hovertemplate="%{y}: $%{x:,.2f}<extra>%{customdata}</extra>")
    _layout(fig, f"What the cheapest unit built in {year} pays for ({w})", barmode="stack",
            xaxis_title=f"USD per delivered {UNIT}", height=380 + 40 * len(fams),
            legend=dict(orientation="v", yanchor="top", y=1.0, x=1.02))
    return Chart("unit_cost_split", "Unit cost split", fig, data,
                 "Capital financed over the unit's life, launch, operations and energy per delivered FLOP of the "
                 "cheapest unit of each family (tables/unit_cost_parts.csv).",
                 sources={PART_LABELS.get(k, k): v for k, v in PART_SOURCES.items()})


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
    shares = [1.0] + list(d["share_of_peak"])
    steps = [-(a - b) for a, b in zip(shares[:-1], shares[1:])]
    fig = go.Figure(go.Waterfall(
        x=["installed peak"] + list(d["factor"]) + ["delivered"], y=[100.0] + [100 * s for s in steps] + [0],
        measure=["absolute"] + ["relative"] * len(steps) + ["total"], text=[""] + [f"x{m:.3f}" for m in
                                                                               d["multiplier"]] + [""],
        hovertext=[""] + list(d["explanation"]) + [""], connector=dict(line=dict(color="#999"))))
    _layout(fig, f"From installed peak to delivered FLOP ({scope})", yaxis_title="% of installed peak FLOP",
            showlegend=False)
    return Chart("waterfall", "Waterfall", fig, d, "Each factor's share of the installed peak FLOP lost "
                 "(tables/waterfall.csv; the hover says why).", sources=WATERFALL_SOURCES)


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
    d = table.head(top).iloc[::-1]
    fig = go.Figure(go.Bar(x=d["shadow_price"].abs(), y=_short_labels(d["meaning"]), orientation="h",
                           customdata=d[["unit"]], hovertemplate="%{x:,.3g} %{customdata[0]}<extra></extra>"))
    _layout(fig, "Binding caps, largest shadow prices first", xaxis_type="log",
            xaxis_title="|shadow price| (present value, per unit of the cap)", height=140 + 28 * len(d),
            margin=dict(l=440, r=20, t=50, b=50), showlegend=False)
    return Chart("binding_constraints", "Binding constraints", fig, table,
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
    fig = go.Figure()
    fig.add_bar(x=data["run"], y=data["plan"], name="plan", marker_color=FAMILY_COLOURS["swarm"])
    fig.add_bar(x=data["run"], y=data["ground only"], name="ground only", marker_color=FAMILY_COLOURS["ground"])
    _layout(fig, "Cost per delivered FLOP by run", barmode="group", yaxis_title=f"USD per {UNIT}")
    return Chart("compare_cost", "Cost per FLOP", fig, data, "Each plan and its ground-only comparison.")


def compare_mix(runs: list[Run]) -> Chart | None:
    from planner.report.compare import labels

    if not runs:
        return None
    shares = pd.DataFrame([r.summary.get("delivered_share_by_family") or {} for r in runs]).fillna(0.0)
    shares.insert(0, "run", labels(runs))
    fig = go.Figure()
    for fam in [f for f in FAMILY_ORDER if f in shares]:
        fig.add_bar(y=shares["run"], x=100 * shares[fam], name=fam, orientation="h",
                    marker_color=FAMILY_COLOURS.get(fam))
    _layout(fig, "Share of delivered FLOP by family", barmode="stack", xaxis_title="%",
            height=160 + 40 * len(runs))
    return Chart("compare_mix", "Mix", fig, shares, "Share of delivered FLOP by family in each plan.")
