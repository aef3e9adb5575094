"""The report model: what a board reads, built from a run folder only (no solving), rendered to Markdown and PDF.

A report is a list of sections; a section is a list of blocks: paragraphs, bullet lists, tables and figures.
Numbers come from summary.json and the run's tables, rounded for reading.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from planner.report import figures as fig


@dataclass
class Table:
    title: str
    frame: pd.DataFrame  # cells already formatted as text
    note: str = ""
    small: bool = False


@dataclass
class Figure:
    path: Path
    title: str
    caption: str


@dataclass
class Section:
    title: str
    blocks: list[Any] = field(default_factory=list)  # str (paragraph) | list[str] (bullets) | Table | Figure

    def p(self, text: str) -> "Section":
        self.blocks.append(text)
        return self

    def bullets(self, items: list[str]) -> "Section":
        if items:
            self.blocks.append(list(items))
        return self

    def table(self, title: str, frame: pd.DataFrame, note: str = "", small: bool = False) -> "Section":
        if frame is not None and len(frame):
            self.blocks.append(Table(title, frame, note, small))
        return self

    def figure(self, path: Path | None, title: str, caption: str) -> "Section":
        if path is not None:
            self.blocks.append(Figure(path, title, caption))
        return self


@dataclass
class Report:
    title: str
    subtitle: str
    sections: list[Section]
    run_dir: Path

    def figures(self) -> list[Figure]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Figure)]


# ------------------------------------------------------------------------------------------- formatting


def money(usd: float | None) -> str:
    if usd is None or (isinstance(usd, float) and math.isnan(usd)):
        return "n/a"
    if usd < 0:
        return "-" + money(-usd)
    a = abs(usd)
    if a >= 1e9:
        return f"${usd / 1e9:,.1f} B"
    if a >= 1e6:
        return f"${usd / 1e6:,.1f} M"
    if a >= 1e3:
        return f"${usd / 1e3:,.0f} k"
    return f"${usd:,.2f}"


def per_pflop_day(x: float | None) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"${x:,.2f}/PFLOP-day"


def per_eflop(x: float | None) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"${x:,.4f}/EFLOP"


def pct(x: float | None, digits: int = 1) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.{digits}f}%"


def num(x: float | None, digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:,.{digits}f}"


def value_text(v) -> str:
    """A catalog value for a table cell: a number, or a year table as its first and last points."""
    if isinstance(v, str) and v.startswith("{"):
        try:
            v = yaml.safe_load(v)
        except yaml.YAMLError:
            return v
    if isinstance(v, dict) and v:
        ys = sorted(v, key=int)
        return f"{v[ys[0]]:g} ({ys[0]}) to {v[ys[-1]]:g} ({ys[-1]})"
    if isinstance(v, float) and math.isnan(v):
        return ""
    return f"{v:g}" if isinstance(v, (int, float)) else str(v)


def signed_pct(x: float | None) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:+.1f}%"


# ------------------------------------------------------------------------------------------- the run


@dataclass
class Run:
    dir: Path
    summary: dict
    explanations: dict
    scenario: dict
    tables: dict[str, pd.DataFrame]
    analysis: dict[str, pd.DataFrame]

    @classmethod
    def read(cls, run_dir: str | Path) -> "Run":
        d = Path(run_dir)
        tables = {p.stem: pd.read_csv(p) for p in sorted((d / "tables").glob("*.csv"))}
        analysis = {p.stem: pd.read_csv(p) for p in sorted((d / "analysis").glob("*.csv"))} \
            if (d / "analysis").is_dir() else {}
        return cls(dir=d, summary=json.loads((d / "summary.json").read_text()),
                   explanations=json.loads((d / "explanations.json").read_text())
                   if (d / "explanations.json").exists() else {},
                   scenario=yaml.safe_load((d / "scenario.resolved.yaml").read_text()),
                   tables=tables, analysis=analysis)

    def t(self, name: str) -> pd.DataFrame:
        return self.tables.get(name, pd.DataFrame())

    def a(self, name: str) -> pd.DataFrame:
        return self.analysis.get(name, pd.DataFrame())

    @property
    def families(self) -> dict[str, str]:
        f = self.t("fleet")
        out = dict(zip(f["architecture"], f["family"])) if len(f) else {}
        arch = self.t("architectures")
        if len(arch):
            out.update(zip(arch["architecture"], arch["family"]))
        return out


def main_workload(run: Run) -> str:
    """The Earth workload with the most demand: the one the 'is space cheaper' chart counts FLOP for."""
    w = run.scenario.get("workloads", {})
    alloc = run.t("allocation")
    if len(alloc):
        by = alloc.groupby("workload")["flop"].sum()
        earth = [x for x in by.index if w.get(x, {}).get("users", "earth") == "earth"]
        if earth:
            return str(by[earth].idxmax())
    return next(iter(w), "")


# ------------------------------------------------------------------------------------------- sections


def build(run_dir: str | Path) -> Report:
    run = Run.read(run_dir)
    s = run.summary
    figdir = run.dir / "figures"
    name = s.get("scenario", run.dir.name)
    subtitle = (f"{run.scenario.get('description', '').strip()}  Horizon {run.scenario['horizon']['first_year']}-"
                f"{run.scenario['horizon']['last_year']}; status {s.get('status')}; planner {s.get('planner_version')}")
    if s.get("status") == "infeasible":
        sections = [infeasible_section(run), assumptions_section(run), method_section(run)]
    else:
        sections = [summary_section(run), cheaper_section(run, figdir), buildout_section(run, figdir),
                    launch_section(run, figdir), money_section(run, figdir), designs_section(run, figdir),
                    waterfall_section(run, figdir), workloads_section(run, figdir), carbon_section(run, figdir),
                    binds_section(run, figdir), break_even_section(run, figdir), assumptions_section(run),
                    method_section(run)]
    return Report(title=f"Orbital compute plan: {name}", subtitle=subtitle, sections=sections, run_dir=run.dir)


def summary_section(run: Run) -> Section:
    s = run.summary
    go = s.get("ground_only", {}) or {}
    sec = Section("1. Executive summary")
    ratio = s.get("space_vs_ground_cost_ratio")
    sec.p(f"The optimal plan delivers compute at **{per_pflop_day(s.get('usd_per_pflop_day'))}** "
          f"({per_eflop(s.get('usd_per_eflop'))}), a present-value cost of {money(s.get('npv_cost_usd'))} for "
          f"{s.get('npv_delivered_flop', 0):.3g} discounted FLOP. The ground-only plan for the demand the ground can "
          f"serve costs **{per_pflop_day(go.get('usd_per_pflop_day'))}**"
          + (f" (plan / ground = {ratio:.3f})." if ratio else "."))
    shares = s.get("delivered_share_by_family", {})
    space = s.get("space_share", 0.0)
    mix = ", ".join(f"{f} {pct(v)}" for f, v in shares.items() if v > 0.0005)
    if space > 0.0005:
        sec.p(f"Space carries {pct(space)} of the delivered FLOP ({mix}), first in {s.get('first_space_year')}.")
    else:
        sec.p(f"The plan keeps compute on the ground ({mix}).")
    not_servable = go.get("not_servable_workloads") or []
    if not_servable:
        sec.p(f"Demand the ground cannot serve at all ({', '.join(not_servable)}) is left out of the ground-only "
              f"comparison; the plan serves it from space.")
    if s.get("launch_flights"):
        sec.p(f"Launches: {num(s['launch_flights'])} flights over the horizon, at most "
              f"{num(s.get('peak_flights_per_yr'))} in {s.get('peak_flights_year')}.")
    bullets = []
    wf = (s.get("waterfall") or {}).get("largest_loss_sentence")
    if wf:
        bullets.append(wf)
    if s.get("co2_kg_per_pflop_day") is not None:
        ground = (f" (ground only: {go['co2_kg_per_pflop_day']:,.1f} kg and {go['water_l_per_pflop_day']:,.1f} L)"
                  if go.get("co2_kg_per_pflop_day") is not None else "")
        bullets.append(f"Carbon and water: {s['co2_kg_per_pflop_day']:,.1f} kg CO2 and "
                       f"{s['water_l_per_pflop_day']:,.1f} L of site water per delivered PFLOP-day{ground} "
                       f"(section 9).")
    an = s.get("analysis") or {}
    da = run.a("decisive_assumptions")
    if len(da):
        items = []
        for _, r in da.head(3).iterrows():
            items.append(f"{r['path']} ({r['confidence']}): catalog low {signed_pct(r.get('low_change'))}, "
                         f"high {signed_pct(r.get('high_change'))} on cost per FLOP")
        bullets.append("Decisive assumptions, from one-at-a-time re-solves at the catalog's low and high values: "
                       + "; ".join(items) + ".")
    be = an.get("break_even") or {}
    if be.get("meaning"):
        bullets.append(f"Break-even launch price: {be['meaning']}.")
    if an.get("assumption_cost_share") is not None:
        bullets.append(f"{pct(an['assumption_cost_share'])} of the plan's present-value cost is priced by values "
                       f"that are our own assumptions (section 12).")
    vc = run.t("vintage_costs")
    w = main_workload(run)
    verdict = cheaper_verdict(vc, w, run.scenario["horizon"]["first_year"])
    if verdict:
        bullets.append(verdict)
    sec.bullets(bullets)
    gap = s.get("mip_gap")
    sec.p(f"Status **{s.get('status')}**, MIP gap {pct(gap, 3) if gap is not None else 'n/a'}. "
          f"{run.explanations.get('perfect_foresight', '')}")
    return sec


def cheaper_verdict(vc: pd.DataFrame, workload: str, first_year: int) -> str:
    if vc.empty:
        return ""
    v = vc[(vc["workload"] == workload) & (vc["family"] != "ground")]
    if v.empty:
        return f"No space unit can serve {workload} in this scenario."
    best = v.groupby("vintage")["space_to_ground"].min()
    cheaper = best[best <= 1.0]
    soon = best[best.index <= first_year + 2]
    head = (f"Is space cheaper within 2-3 years? For a unit built by {first_year + 2}, the best space unit costs "
            f"{soon.min():.2f}x the ground per {workload} FLOP" if len(soon) else
            f"Is space cheaper within 2-3 years? No space unit can be built by {first_year + 2}")
    tail = (f"; space first matches the ground for units built in {int(cheaper.index.min())}." if len(cheaper)
            else f"; no space unit built in the horizon matches the ground (best {best.min():.2f}x in "
                 f"{int(best.idxmin())}).")
    return head + tail


def cheaper_section(run: Run, figdir: Path) -> Section:
    sec = Section("2. Is space cheaper yet?")
    vc = run.t("vintage_costs")
    w = main_workload(run)
    sec.p("Cost per delivered FLOP of one unit built in each year, over its whole life (a levelised cost like "
          "LCOE: present value of its costs over present value of its FLOP). A space unit pays its hardware, "
          "operations and its launch at the cheapest route that year; site cores are shared and left out. A ground "
          "campus pays its accelerators, energy, replacements and the facility MW they occupy.")
    sec.figure(fig.vintage_costs(vc, w, figdir / "vintage_costs.png"), "Cost per FLOP by build year",
               f"Best unit of each family per build year, {w} FLOP (log scale).")
    if len(vc):
        v = vc[vc["workload"] == w]
        best = v.groupby(["vintage", "family"])["usd_per_pflop_day"].min().unstack()
        cols = [c for c in fig.FAMILY_ORDER if c in best.columns]
        table = best[cols].copy()
        if "ground" in table:
            for c in cols:
                if c != "ground":
                    table[f"{c}/ground"] = table[c] / table["ground"]
        out = table.reset_index().rename(columns={"vintage": "built"})
        for c in out.columns[1:]:
            out[c] = out[c].map(lambda x: "" if pd.isna(x) else (f"{x:.2f}x" if "/" in c else f"${x:,.2f}"))
        out["built"] = out["built"].astype(int).astype(str)
        sec.table(f"Best cost per delivered {w} PFLOP-day of a unit built in each year", out)
        sec.p(cheaper_verdict(vc, w, run.scenario["horizon"]["first_year"]))
    return sec


def _every(frame: pd.DataFrame, step: int = 3) -> pd.DataFrame:
    years = sorted(frame["year"].unique())
    keep = set(years[::step]) | {years[-1]} if years else set()
    return frame[frame["year"].isin(keep)]


def buildout_section(run: Run, figdir: Path) -> Section:
    sec = Section("3. Build-out")
    fleet = run.t("fleet")
    sec.figure(fig.buildout(fleet, figdir / "buildout.png"), "Build-out",
               "Delivered compute (EFLOP/s, sustained) and installed IT power (GW) by family and year.")
    sec.figure(fig.space_units(fleet, figdir / "space_units.png"), "Space units", "Units in service by architecture.")
    if len(fleet):
        agg = fleet.groupby(["year", "family"]).agg(units=("units_in_service", "sum"),
                                                    accelerators=("accelerators", "sum"),
                                                    it_mw=("it_mw", "sum"), eflop_s=("delivered_eflop_s", "sum"))
        agg = _every(agg.reset_index())
        out = pd.DataFrame({"year": agg["year"].astype(str), "family": agg["family"],
                            "units in service": agg["units"].map(lambda x: num(x)),
                            "accelerators": agg["accelerators"].map(lambda x: num(x)),
                            "IT MW": agg["it_mw"].map(lambda x: num(x)),
                            "EFLOP/s delivered": agg["eflop_s"].map(lambda x: num(x, 1))})
        sec.table("Units, accelerators, IT power and delivered compute (every third year)", out)
    return sec


def launch_section(run: Run, figdir: Path) -> Section:
    sec = Section("4. Launch plan")
    la = run.t("launches")
    if la.empty or la["flights"].sum() <= 0:
        return sec.p("The plan launches nothing.")
    sec.figure(fig.launches(la, figdir / "launches.png"), "Launch plan",
               "Flights per vehicle and year against the scenario's cadence cap; mass launched per year (t).")
    out = pd.DataFrame({"year": la["year"].astype(str), "vehicle": la["vehicle"], "trips": la["trips"].map(num),
                        "flights": la["flights"].map(num), "tankers": la["tanker_flights"].map(num),
                        "cap": la["cadence_cap"].map(lambda x: num(x) if math.isfinite(x) else "none"),
                        "mass t": (la["mass_launched_kg"] / 1000).map(lambda x: num(x, 1)),
                        "capacity t": (la["payload_capacity_kg"] / 1000).map(lambda x: num(x, 1)),
                        "cost": la["cost_usd"].map(money)})
    sec.table("Launches by year and vehicle", out)
    return sec


def money_section(run: Run, figdir: Path) -> Section:
    sec = Section("5. Money")
    costs = run.t("costs")
    sec.figure(fig.costs(costs, figdir / "costs.png"), "Costs",
               "Present value by category (USD billion) and capital spending by year (undiscounted).")
    if len(costs):
        real = costs[costs["category"] != "unmet_penalty"]
        by = real.groupby("category").agg(pv=("usd_discounted", "sum"), cash=("usd", "sum"))
        total = by["pv"].sum()
        by = by.sort_values("pv", ascending=False)
        out = pd.DataFrame({"category": by.index, "present value": by["pv"].map(money),
                            "share": (by["pv"] / total).map(pct), "cash (undiscounted)": by["cash"].map(money)})
        sec.table("Discounted cost by category", out,
                  note="residual_value is the credit for capital life after the horizon; financing the cost of a "
                       "family's risk premium on its capital.")
        capex_cats = {"accelerators", "bus", "arrays", "radiators", "batteries", "shielding", "terminals",
                      "heat_pumps", "fission_power", "propellant", "integration", "insurance", "launch",
                      "site_fixed", "ground_facility", "financing"}
        capex = real[real["category"].isin(capex_cats)].groupby("year")["usd"].sum()
        if len(capex):
            sec.p(f"Peak funding need: {money(capex.max())} of capital in {int(capex.idxmax())} (undiscounted); "
                  f"{money(capex.sum())} over the horizon.")
    arch = run.t("architectures")
    if len(arch):
        out = pd.DataFrame({"architecture": arch["architecture"], "present value": arch["npv_cost_usd"].map(money),
                            "cost per FLOP": arch["usd_per_pflop_day"].map(per_pflop_day),
                            "per accelerator-hour": arch["usd_per_accelerator_hour"].map(
                                lambda x: "n/a" if pd.isna(x) else f"${x:,.2f}")})
        sec.table("Cost per delivered FLOP by architecture", out,
                  note="Shared costs: a trip is split by the tonnes each architecture put on it; a site core and its "
                       "yearly cost by delivered FLOP among the architectures at that site.")
    return sec


def designs_section(run: Run, figdir: Path) -> Section:
    sec = Section("6. Unit design sheets")
    d = run.t("designs")
    if d.empty:
        return sec.p("The plan builds no space units.")
    sec.figure(fig.design_budgets(d, figdir / "design_budgets.png"), "Mass budgets", "Mass budget per unit (t).")
    g = d.groupby(["architecture", "design"], sort=False).agg(units=("units", "sum"), first=("vintage", "min"),
                                                               last=("vintage", "max")).reset_index()
    first = d.drop_duplicates(["architecture", "design"]).set_index(["architecture", "design"])
    sheets = {}
    for _, r in g.iterrows():
        x = first.loc[(r["architecture"], r["design"])]
        sheets[f"{r['architecture']} {r['design']}"] = {
            "units built": f"{int(r['units'])} ({r['first']}-{r['last']})",
            "accelerators per unit": f"{int(x['accelerators_per_unit']):,} (the {x['binding_cap']} cap binds)",
            "IT power / all power": f"{x['it_power_kw_per_unit']:,.0f} / {x['load_kw_per_unit']:,.0f} kW",
            "solar array": f"{x['solar_area_m2_per_unit']:,.0f} m2 (end of life, through eclipse)",
            "battery": f"{x['battery_kwh_per_unit']:,.0f} kWh",
            "radiator": f"{x['radiator_area_m2_per_unit']:,.0f} m2 at {x['radiator_temp_k']:.0f} K",
            "what caps the radiator": f"{x['radiator_cap_part']} limit less the chain drops: {x['radiator_cap_k']:.0f} K"
                                      + ("; runs above it with a heat pump" if x["heat_pump"] else ""),
            "sink, coatings (end of life)": f"{x['sink_temp_k']:.0f} K; emissivity {x['emissivity']:.2f}, "
                                            f"absorptivity {x['absorptivity']:.2f}; {x['net_flux_w_m2']:,.0f} W/m2",
            "shielding": f"{x['shielding_mm_al']:g} mm Al: {x['dose_rad_per_yr']:,.0f} rad(Si)/yr",
            "life": f"{x['design_life_yr']:.1f} years ({x['life_limit']})",
            "mass": f"{x['mass_kg_per_unit'] / 1000:,.1f} t: " + ", ".join(
                f"{c.replace('_kg', '')} {x[c] / 1000:,.1f}" for c in fig.BUDGET_COLS if x[c] > 0.5),
            "stowed volume": f"{x['volume_m3_per_unit']:,.0f} m3",
            "capex per unit": f"${x['capex_usd_per_unit'] / 1e6:,.1f} M",
        }
    names = list(sheets)
    for i in range(0, len(names), 3):
        chunk = names[i:i + 3]
        frame = pd.DataFrame({"": list(sheets[chunk[0]])} | {n: list(sheets[n].values()) for n in chunk})
        sec.table("Design sheet: one unit of each chosen design" + (" (continued)" if i else ""), frame, small=True,
                  note="" if i + 3 < len(names) else "Areas are panel planform; a two-sided radiator emits from both "
                                                       "faces. Every column is in tables/designs.csv.")
    thermal_chain(sec, d)
    return sec


def thermal_chain(sec: Section, d: pd.DataFrame) -> None:
    """The heat path of each chosen design: what limits it, and closure at end of life."""
    if "limiting_link" not in d:
        return
    x = d.drop_duplicates(["architecture", "design"])
    cop = x["heat_pump_cop"].map(lambda v: "none" if pd.isna(v) else f"{v:.2f}")
    sec.p("Thermal chain: heat flows chip -> cold plate -> coolant loop -> fin -> panel -> space. The radiator's "
          "temperature is capped by the lower of the chip's junction and HBM limits less the chain's drops (cold "
          "plate, coolant loop, fin), unless a heat pump lifts it at a power cost (COP). Radiators are sized with "
          "end-of-life coatings in the hot case, so closure at end of life (area x net flux / heat - 1) is 0 by "
          "construction and must never be negative; the beginning-of-life margin is the headroom coating drift "
          "uses up.")
    sec.table("Thermal chain of each chosen design", pd.DataFrame({
        "design": x["architecture"] + " " + x["design"],
        "limiting link": x["limiting_link"],
        "radiator K (cap, part)": [f"{t:.0f} ({c:.0f}, {p})" for t, c, p in
                                   zip(x["radiator_temp_k"], x["radiator_cap_k"], x["radiator_cap_part"])],
        "chain drops K": x["chain_drop_k"].map(lambda v: f"{v:.0f}"),
        "fin eff.": x["fin_efficiency"].map(lambda v: f"{v:.2f}"),
        "heat-pump COP": cop,
        "emitted / absorbed W/m2": [f"{e:,.0f} / {a:,.0f}" for e, a in zip(x["emitted_w_m2"], x["absorbed_w_m2"])],
        "closure EOL / BOL": [f"{signed_pct(e)} / {signed_pct(b)}" for e, b in zip(x["eol_margin"], x["bol_margin"])],
    }), small=True, note="Limiting link, first match: radiator (its area cap limits accelerators per unit), "
                         "orientation/environment (the environment puts back at least half of what the panel emits), "
                         "coolant (a heat pump lifts above the chip's cap), else the chip part that sets the cap.")


def waterfall_section(run: Run, figdir: Path) -> Section:
    from planner.results.waterfall import LABELS, PLAN, sentence

    sec = Section("7. Delivered compute: from installed peak to delivered FLOP")
    w = run.t("waterfall")
    if "waterfall" not in run.tables:
        return sec.p("This run folder has no tables/waterfall.csv (written by an older planner): re-run it.")
    if w.empty:
        return sec.p("The plan delivers nothing.")
    sec.p((run.summary.get("waterfall") or {}).get("largest_loss_sentence") or sentence(w))
    sec.figure(fig.waterfall(w, LABELS, figdir / "waterfall.png"), "Delivered-compute waterfall",
               "Installed peak FLOP/s (accelerators in service x dense peak at each workload's precision) to the "
               "FLOP delivered over the horizon, each factor's loss hatched.")
    scopes = [PLAN] + [a for a in dict.fromkeys(w["scope"]) if a != PLAN]
    delivered = w.groupby("scope")["flop_after"].last()
    scopes = [sc for sc in scopes if sc == PLAN or delivered.get(sc, 0) > 0][:6]
    frame = pd.DataFrame({"factor": [LABELS[f] for f in w.loc[w["scope"] == PLAN, "factor"]]})
    for sc in scopes:
        frame[sc] = list(w.loc[w["scope"] == sc, "multiplier"].map(pct))
    peak = w[w["step"] == 1].set_index("scope")["flop_before"]
    totals = pd.DataFrame([{"factor": "installed peak, FLOP", **{sc: f"{peak[sc]:.3g}" for sc in scopes}},
                           {"factor": "delivered, FLOP", **{sc: f"{delivered[sc]:.3g}" for sc in scopes}},
                           {"factor": "delivered / peak", **{sc: pct(delivered[sc] / peak[sc]) for sc in scopes}}])
    sec.table("Share each factor keeps, by architecture (FLOP over the horizon, undiscounted)",
              pd.concat([frame, totals], ignore_index=True), small=True,
              note="Factors multiply to delivered / peak; each is the share of the stage before it that it keeps "
                   "(servicing can exceed 100%). tables/waterfall.csv says what the model applies for each.")
    plan = w[w["scope"] == PLAN]
    sec.bullets([f"{LABELS[r.factor]}: {r.explanation}" for r in plan.itertuples()
                 if r.factor in ("power", "thermal", "downlink", "utilisation")])
    return sec


def carbon_section(run: Run, figdir: Path) -> Section:
    sec = Section("9. Carbon and water")
    s = run.summary
    go = s.get("ground_only") or {}
    if s.get("co2_kg_per_pflop_day") is None:
        return sec.p("Not computed for this run.")

    def kg(x):
        return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:,.1f}"

    sec.p(f"The plan emits **{kg(s['co2_kg_per_pflop_day'])} kg CO2 per delivered PFLOP-day** and uses "
          f"**{kg(s['water_l_per_pflop_day'])} L of site water per PFLOP-day** ({num(s['co2_t'] / 1e6, 2)} Mt CO2 "
          f"and {num(s['water_m3'] / 1e6, 1)} million m3 over the horizon). The ground-only plan: "
          f"{kg(go.get('co2_kg_per_pflop_day'))} kg CO2 and {kg(go.get('water_l_per_pflop_day'))} L per PFLOP-day.")
    em = run.t("emissions")
    sec.figure(fig.emissions(em, figdir / "emissions.png"), "Emissions",
               "t CO2 by category and year (the beyond-horizon credit is not drawn).")
    if len(em):
        by = em.groupby("category")[["t_co2", "water_m3"]].sum()
        gob = go.get("co2_t_by_category") or {}
        out = pd.DataFrame({"category": by.index, "plan, t CO2": by["t_co2"].map(lambda x: num(x)),
                            "ground only, t CO2": [num(gob.get(k, 0.0)) for k in by.index],
                            "plan, site water m3": by["water_m3"].map(lambda x: num(x))})
        sec.table("Emissions by category over the horizon", out,
                  note="beyond_horizon credits the share of manufacturing and launch emissions whose asset keeps "
                       "delivering after the horizon (like the residual-value credit of capital).")
    price, cap = s.get("carbon_price_usd_per_t") or 0, s.get("carbon_cap_t_per_yr")
    costs = run.t("costs")
    paid = float(costs.loc[costs["category"] == "carbon", "usd_discounted"].sum()) if len(costs) else 0.0
    sec.p((f"A carbon price ({value_text(price)} USD/t CO2) is paid through the plan's cost flows (category carbon: "
           f"{money(paid)} present value)" if price else "No carbon price is set (scenario carbon.price_usd_per_t = 0)")
          + (f"; emissions are capped at {value_text(cap)} t CO2 a year (a model constraint)." if cap is not None
             else "; no carbon cap is set (carbon.cap_t_per_yr)."))
    sec.p("Counted: combustion CO2 of every flight (tankers included), manufacturing of accelerators (space and "
          "ground, replacements included), of spacecraft hardware and site cores per kg, and of ground facilities per "
          "MW, and grid electricity (IT x PUE x the region's CO2 per kWh). Site water follows the IT energy of ground "
          "campuses; space units need none. Not counted: N2O, soot and alumina from rockets, methane leakage, "
          "building launch vehicles, the facilities already operating at the start (sunk), and water used to "
          "generate electricity or make chips. The embodied factors are "
          "order of magnitude (their confidence is in the catalog table, section 12).")
    return sec


def workloads_section(run: Run, figdir: Path) -> Section:
    sec = Section("8. Workloads")
    alloc = run.t("allocation")
    sec.figure(fig.workloads(alloc, run.families, figdir / "workloads.png"), "Workloads",
               "Share of each workload's delivered FLOP by family.")
    if len(alloc):
        g = alloc.groupby(["workload", "architecture"]).agg(flop=("flop", "sum"), rtt=("site_rtt_ms", "first"),
                                                             limit=("latency_limit_ms", "first")).reset_index()
        g["share"] = g["flop"] / g.groupby("workload")["flop"].transform("sum")
        out = pd.DataFrame({"workload": g["workload"], "architecture": g["architecture"], "share": g["share"].map(pct),
                            "site RTT ms": g["rtt"].map(lambda x: num(x, 1)),
                            "limit ms": g["limit"].map(lambda x: num(x))})
        sec.table("Which workload runs where, with each site's round trip against the limit", out)
    return sec


def binds_section(run: Run, figdir: Path) -> Section:
    sec = Section("10. What binds")
    sec.p("Shadow prices come from the linear program with every integer decision (units, trips, site openings) "
          "fixed at the plan's values: they are conditional on the chosen architecture. A negative price on a cap "
          "means raising the cap by one unit would lower the plan's present-value cost by that much.")
    cons = run.t("constraints")
    if len(cons):
        from planner.solver.explain import CAPS

        caps = cons[cons["constraint"].isin(list(CAPS))].copy()
        if caps.empty:
            caps = cons[~cons["constraint"].isin(["balance"])].copy()
        caps = caps.reindex(caps["shadow_price"].abs().sort_values(ascending=False).index).head(12)
        if len(caps):
            sec.table("Binding caps with the largest shadow prices", pd.DataFrame({
                "constraint": caps["meaning"], "shadow price": caps["shadow_price"].map(money) + " per " +
                caps["unit"].str.replace("USD per ", "", regex=False)}))
        bal = cons[cons["constraint"] == "balance"].copy()
        if len(bal):
            bal[["workload", "year"]] = bal["index"].str.split("|", expand=True)
            bal = bal[bal["year"].astype(int) % 3 == int(bal["year"].astype(int).min()) % 3]
            piv = bal.pivot_table(index="year", columns="workload", values="shadow_price", aggfunc="first")
            out = piv.map(lambda x: money(x)).reset_index()
            sec.table("Marginal cost of one more EFLOP/s of demand in a year (present value, every third year)", out)
    mv = run.a("marginal_values")
    if len(mv):
        sec.table("Value of one integer decision, from re-solves", pd.DataFrame({
            "decision": mv["decision"], "change of plan cost": mv["change_usd"].map(money),
            "how": mv["method"]}))
    alt = run.a("alternatives")
    if len(alt):
        sec.table("Near-optimal alternatives", pd.DataFrame({
            "best plan without": alt["without"], "cost per FLOP": alt["usd_per_pflop_day"].map(per_pflop_day),
            "change": alt["change"].map(signed_pct), "uses instead": alt["space_architectures"].astype(object).fillna("")}),
            note="Ties: among plans of equal cost the model prefers fewer units and launches, then architectures "
                 "listed earlier in the catalog; alternatives within the MIP gap are as good as the plan.")
    return sec


def break_even_section(run: Run, figdir: Path) -> Section:
    sec = Section("11. Break-even launch price")
    be = run.a("break_even")
    info = (run.summary.get("analysis") or {}).get("break_even") or {}
    if be.empty:
        return sec.p("Not computed for this run (run with --analysis quick or full).")
    sec.p("Every launch price of the scenario is multiplied by a factor and the plan re-solved for the demand the "
          "ground can serve, with and without space. Savings from space can only fall as launches get dearer.")
    sec.figure(fig.break_even(be, figdir / "break_even.png"), "Break-even",
               "Cost per delivered FLOP of the Earth-servable demand against the launch-price multiplier.")
    sec.p(f"Result: {info.get('meaning', 'n/a')} (differences within the solver's gap, "
          f"{money(info.get('tolerance_usd'))}, count as no saving).")
    if info.get("usd_per_kg_by_year"):
        yrs = info["usd_per_kg_by_year"]
        shown = {y: v for i, (y, v) in enumerate(sorted(yrs.items(), key=lambda kv: int(kv[0]))) if i % 3 == 0}
        sec.p(f"At that multiplier {info.get('vehicle')} costs " + ", ".join(
            f"${v:,.0f}/kg in {y}" for y, v in shown.items()) + ".")
    out = pd.DataFrame({"launch price x": be["launch_price_factor"].map(lambda x: f"{x:g}"),
                        "with space": be["usd_per_pflop_day"].map(per_pflop_day),
                        "ground only": be["ground_usd_per_pflop_day"].map(per_pflop_day),
                        "savings": be["savings_usd"].map(money), "space share": be["space_share"].map(pct)})
    sec.table("Re-solves by launch-price multiplier", out)
    return sec


def assumptions_section(run: Run) -> Section:
    sec = Section("12. Assumptions")
    an = run.summary.get("analysis") or {}
    drivers = run.a("cost_drivers")
    if an.get("assumption_cost_share") is not None:
        sec.p(f"{pct(an['assumption_cost_share'])} of the plan's present-value cost is priced by catalog values that "
              f"are our own assumptions (no published figure); the rest rests on measured, vendor or published "
              f"figures.")
    if len(drivers):
        d = drivers.head(15)
        sec.table("The values that price the plan's cost", pd.DataFrame({
            "value": d["driver"], "confidence": d["confidence"], "present value": d["pv_usd"].map(money),
            "share": d["share"].map(pct)}))
    da = run.a("decisive_assumptions")
    if len(da):
        sec.figure(fig.tornado(da, run.dir / "figures" / "tornado.png"), "Decisive assumptions",
                   "Change of cost per FLOP when one value moves to its catalog low or high, all else at base.")
        sec.table("One-at-a-time re-solves", pd.DataFrame({
            "value": da["path"], "confidence": da["confidence"], "low": da["low_value"].map(value_text),
            "base": da["value"].map(value_text), "high": da["high_value"].map(value_text),
            "at low": da["low_change"].map(signed_pct), "at high": da["high_change"].map(signed_pct)}), small=True)
    ground_variants(sec, run)
    rows = catalog_rows(run.scenario)
    if rows is not None and len(rows):
        n_ass = int((rows["confidence"] == "our assumption").sum())
        sec.p(f"Every catalog value this scenario can use ({len(rows)} values, {n_ass} of them our assumptions, "
              f"marked *) follows with its unit, source and confidence; scenario.resolved.yaml holds the same with "
              f"the full source list.")
        sec.table("Catalog values used", rows, small=True)
    sc = run.scenario
    sec.table("Scenario settings", pd.DataFrame([
        {"setting": "horizon", "value": f"{sc['horizon']['first_year']}-{sc['horizon']['last_year']} step "
                                        f"{sc['horizon']['step_years']}"},
        {"setting": "money", "value": f"base year {sc['money']['base_year']}, discount rate "
                                      f"{sc['money']['discount_rate']:.1%}, risk premium {sc['money']['risk_premium']}, "
                                      f"capital accounting {sc['money']['capital_accounting']}"},
        {"setting": "objective", "value": str(sc["objective"])},
        {"setting": "unmet demand", "value": str(sc["unmet"])},
        {"setting": "architectures", "value": str(sc["architectures"])},
    ] + [{"setting": f"workload {k}", "value": f"{v['label']}: {v['precision']}, latency {v['latency_limit_ms']:g} ms, "
                                               f"{v['bits_per_flop']:g} bit/FLOP, cluster >= "
                                               f"{v['min_cluster_accelerators']}, demand "
                                               f"{v.get('growth') or v.get('demand_eflop_per_s')}; {v.get('source', '')}"}
         for k, v in sc["workloads"].items()]), small=True)
    return sec


def ground_variants(sec: Section, run: Run) -> None:
    """The ground baselines this scenario allows: the same ones the optimiser and the ground-only plan use."""
    regions = (run.scenario.get("resolved_catalog") or {}).get("ground_regions") or {}
    if not regions:
        return

    def v(entry, field, fmt="{:g}"):
        q = entry.get(field) or {}
        return "" if "value" not in q else (value_text(q["value"]) if isinstance(q["value"], dict)
                                            else fmt.format(q["value"]))

    sec.p("Ground baselines. Each ground variant is an architecture ground_campus@<region>, chosen per scenario "
          "with architectures.allow / deny (e.g. allow [\"ground_campus@onsite_gas\"]); the optimiser and the "
          "ground-only comparison use exactly the variants allowed. Owned campuses pay facility capex per MW "
          "(with opex as a share of it); colocation pays a lease per MW-year instead; on-site gas carries its "
          "plant in the capex and fuel in the energy price; renewables plus storage buy firmed power at a PPA "
          "price with low life-cycle CO2; a grid-constrained hub waits longer in the interconnect queue and "
          "connects fewer MW a year.")
    sec.table("Ground variants this scenario allows", pd.DataFrame([{
        "variant": name, "what": e.get("label", ""),
        "capex $M/MW": v(e, "facility_capex_musd_per_mw"), "lease $M/MW-yr": v(e, "lease_musd_per_mw_yr"),
        "energy $/kWh": v(e, "energy_usd_per_kwh"), "PUE": v(e, "pue"),
        "queue + build yr": f"{v(e, 'queue_yr')} + {v(e, 'construction_yr')}",
        "new MW/yr": v(e, "grid_mw_per_yr"), "kg CO2/kWh": v(e, "grid_co2_kg_per_kwh"),
        "L water/kWh": v(e, "water_l_per_kwh")} for name, e in regions.items()]), small=True,
        note="Values and sources are in the catalog table below (ground_regions.*).")


def catalog_rows(scenario: dict) -> pd.DataFrame | None:
    cat = scenario.get("resolved_catalog")
    if not cat:
        return None
    rows = []

    def walk(prefix: str, node):
        if isinstance(node, dict) and "value" in node and "unit" in node:
            val = value_text(node["value"])
            rng = ""
            if node.get("low") is not None or node.get("high") is not None:
                rng = f"{value_text(node.get('low'))} / {value_text(node.get('high'))}"
            rows.append({"": "*" if node.get("confidence") == "our assumption" else "", "value": prefix,
                         "base": val, "range": rng, "unit": node["unit"], "confidence": node["confidence"],
                         "source": node["source"]})
        elif isinstance(node, dict):
            for k, x in node.items():
                walk(f"{prefix}.{k}" if prefix else str(k), x)

    for table in ("accelerators", "launch_vehicles", "sites", "platforms", "components", "ground_regions"):
        walk(table, cat.get(table, {}))
    return pd.DataFrame(rows).rename(columns={"value": "catalog value"}) if rows else None


def method_section(run: Run) -> Section:
    from planner.model import carbon, demand, fleet, ground, launch, objective

    s = run.summary
    sec = Section("13. Method")
    sec.p("A mixed-integer linear program (Pyomo, solved with HiGHS) chooses, for every year of the horizon, the "
          "integer number of units of each architecture and design (accelerator x radiator temperature x "
          "shielding), the integer launches per route, the opening of site cores (binary), ground facility MW and "
          "accelerators (continuous, separate stocks) and where each workload runs, minimising the present value of "
          "all costs with demand met (mode demand) or cost per FLOP over a demand scale (mode ratio, Dinkelbach). "
          "Unit sizes come from physics computed before the model (power through eclipse at end of life, radiators "
          "at end-of-life coatings in the hot case, dose behind shielding, drag make-up, the rocket equation).")
    sec.p(run.explanations.get("perfect_foresight", ""))
    rows = (s.get("model_size") or {}).get("constraints_by_block", {})
    for module, title in ((fleet, "Space units, sites and shells"), (launch, "Launch"), (ground, "Ground"),
                          (demand, "Demand, capacity and bandwidth"), (carbon, "Carbon cap"),
                          (objective, "Objective")):
        doc = (module.__doc__ or "").strip()
        sec.p(f"**{title}** (planner/model/{module.__name__.split('.')[-1]}.py):")
        sec.blocks.append(("code", doc))
    if rows:
        sec.table("Rows of this run's model by constraint block", pd.DataFrame(
            {"block": list(rows), "rows": [num(v) for v in rows.values()]}), small=True)
    size = s.get("model_size") or {}
    solver = s.get("solver") or {}
    t = s.get("timings_s") or {}
    sec.table("This run", pd.DataFrame([
        {"item": "status", "value": f"{s.get('status')} (MIP gap {pct(s.get('mip_gap'), 3)})"},
        {"item": "solver", "value": f"{solver.get('name')} {solver.get('version')} via {solver.get('interface')}; "
                                    f"options {solver.get('options')}"},
        {"item": "model size", "value": f"{num(size.get('variables'))} variables ({num(size.get('integer_variables'))} "
                                        f"integer, {num(size.get('binary_variables'))} binary), "
                                        f"{num(size.get('constraints'))} constraints, {num(size.get('nonzeros'))} "
                                        f"nonzeros"},
        {"item": "timings", "value": ", ".join(f"{k} {v:.2f} s" for k, v in t.items())},
        {"item": "planner version", "value": str(s.get("planner_version"))},
        {"item": "scenario sha256", "value": str(s.get("scenario_sha256"))},
    ]))
    dropped = run.t("dropped_designs")
    if len(dropped):
        sec.p(f"{len(dropped)} designs were left out before solving because they cannot work (tables/"
              f"dropped_designs.csv), e.g. " + "; ".join(f"{r.architecture} {r.design}: {r.reason}"
                                                        for r in dropped.head(3).itertuples()) + ".")
    return sec


def infeasible_section(run: Run) -> Section:
    s = run.summary
    sec = Section("1. Infeasible: what cannot be met")
    sec.p("No plan meets every requirement of this scenario. The least-unmet plan (every workload allowed to go "
          "unmet at a very high penalty) shows what is missing:")
    sec.bullets(s.get("infeasible_reasons") or run.explanations.get("infeasible") or [])
    un = run.t("unmet")
    if len(un):
        sec.table("Demand the least-unmet plan cannot serve", pd.DataFrame({
            "workload": un["workload"], "year": un["year"].astype(str), "unserved EFLOP/s": un["eflop_s"].map(
                lambda x: num(x, 3)), "demand EFLOP/s": un["demand_eflop_s"].map(lambda x: num(x, 3))}))
    sec.p(run.explanations.get("perfect_foresight", ""))
    return sec
