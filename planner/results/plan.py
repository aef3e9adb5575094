"""The plan: solution values read once from the model, turned into documented tables and a summary."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from planner import outdir
from planner.model.build import PlanModel
from planner.model.coefficients import EFLOP_S_YR_IN_FLOP, Coefficients, Swap, served_fraction
from planner.physics.constants import HOURS_PER_YEAR
from planner.results.emissions import emissions_table
from planner.results.schema import TABLES
from planner.results.waterfall import waterfall_table
from planner.scenario.load import ResolvedScenario
from planner.yamlio import atomic_write, finite_json

SECONDS_PER_YEAR = EFLOP_S_YR_IN_FLOP / 1e18
EFLOP_PER_PFLOP_DAY = 86.4  # 1 PFLOP/s for a day = 8.64e19 FLOP
FAMILY_ORDER = ("ground", "swarm", "module", "station")
PERFECT_FORESIGHT = ("The plan assumes perfect foresight: every price, cadence and demand of the scenario is known "
                     "in advance. It is the best response to this scenario, not a strategy robust to surprises.")


@dataclass
class Solution:
    units: dict = field(default_factory=dict)
    serviced: dict = field(default_factory=dict)
    trips: dict = field(default_factory=dict)
    open: dict = field(default_factory=dict)
    serve: dict = field(default_factory=dict)
    ship: dict = field(default_factory=dict)
    build: dict = field(default_factory=dict)
    chips: dict = field(default_factory=dict)
    unmet: dict = field(default_factory=dict)
    theta: float = 1.0

    def integers(self) -> dict[str, dict]:
        return {"units": self.units, "trips": self.trips, "open": self.open}


ZERO = 1e-7  # HiGHS's primal feasibility tolerance: a value this close to zero is zero (a sliver of 1e-8 EFLOP/s
# served where no unit is, or 1e-7 t shipped without a trip, is the solver's round-off, not a decision)


def _values(var) -> dict:
    """Solution values of an indexed variable; integer variables are rounded to their integer."""
    out = {}
    for idx, v in var.items():
        x = v.value
        if x is None:
            continue
        if v.is_integer() or v.is_binary():
            x = float(round(x))
        if abs(x) > ZERO:
            out[idx] = x
    return out


def read_solution(pm: PlanModel) -> Solution:
    m = pm.m
    return Solution(units=_values(m.units), serviced=_values(m.serviced), trips=_values(m.trips),
                    open=_values(m.open), serve=_values(m.serve), ship=_values(m.ship),
                    build=_values(m.build), chips=_values(m.chips), unmet=_values(m.unmet),
                    theta=float(m.theta.value if m.theta.value is not None else 1.0))


# --------------------------------------------------------------------------------------------- money


def cost_flows(c: Coefficients, sol: Solution) -> pd.DataFrame:
    """Every cash flow of the plan by category and year; the same flows whose PV the objective sums."""
    acc: dict[tuple[str, int], float] = defaultdict(float)

    def add(flows, times):
        for cat, t, x in flows:
            acc[(cat, t)] += x * times

    for flows, n in c.per_decision(sol, "flows"):
        add(flows, n)
    for site in c.site_open:
        opened = 0.0
        for y in c.years:
            opened += sol.open.get((site, y), 0.0)
            if opened > 0.5:
                add(c.opened_flows(site, y), 1.0)
    add(c.existing_flows(), 1.0)
    add(c.learning_flows(sol), 1.0)
    for (w, y), x in sol.unmet.items():
        add(c.unmet_flows(w, y), x)
    rows = [{"category": cat, "year": t, "usd": x * 1e6, "usd_discounted": x * 1e6 * c.df[t]}
            for (cat, t), x in sorted(acc.items()) if abs(x) > 1e-12]
    return pd.DataFrame(rows, columns=list(TABLES["costs"][1]))


# -------------------------------------------------------------------------------------------- tables


def swap_columns(sw: Swap | None) -> dict:
    """A unit's on-orbit swap in the designs table (empty without one)."""
    if sw is None:
        return {"swap_year": None, "swap_accelerator": None, "swap_accelerators_per_unit": None,
                "swap_capex_usd_per_unit": None}
    return {"swap_year": sw.year, "swap_accelerator": sw.accelerator, "swap_accelerators_per_unit": sw.accelerators,
            "swap_capex_usd_per_unit": sum(sw.capex_musd.values()) * 1e6}


def build_tables(c: Coefficients, sol: Solution) -> dict[str, pd.DataFrame]:
    t: dict[str, pd.DataFrame] = {}

    rows = []
    for (a, key, v), n in sorted(sol.units.items()):
        d = c.designs[(a, key)]
        b = d.budget
        info = c.archs[a]
        rows.append({
            "architecture": a, "platform": info["platform"], "site": info["site"], "vintage": v, "design": key,
            "units": int(n), "serviced_units": sol.serviced.get((a, key, v), 0.0), "accelerator": d.accelerator,
            "accelerators_per_unit": d.accelerators_per_unit, "binding_cap": d.binding_cap,
            "it_power_kw_per_unit": b.it_power_w / 1e3, "load_kw_per_unit": b.load_w / 1e3,
            "solar_area_m2_per_unit": b.array_area_m2, "radiator_area_m2_per_unit": b.radiator_area_m2,
            "radiator_temp_k": d.radiator_temp_k, "radiator_cap_k": d.radiator_cap_k,
            "radiator_cap_part": d.radiator_cap_part, "heat_pump": d.heat_pump, "sink_temp_k": d.sink_temp_k,
            "emissivity": d.emissivity_eol, "absorptivity": d.absorptivity_eol, "net_flux_w_m2": d.net_flux_w_m2,
            "fin_efficiency": d.fin_efficiency, "chain_drop_k": d.chain_drop_k, "heat_pump_cop": d.heat_pump_cop,
            "emitted_w_m2": d.emitted_w_m2, "absorbed_w_m2": d.absorbed_w_m2, "limiting_link": d.limiting_link,
            "eol_margin": d.eol_margin, "bol_margin": d.bol_margin,
            "battery_kwh_per_unit": b.battery_kwh, "depth_of_discharge": d.depth_of_discharge,
            "throttled_in_eclipse": d.throttled, "compute_duty": d.compute_duty,
            "spe_onset_risk": d.spe_onset_risk,
            "shielding_mm_al": d.shielding_mm,
            "dose_rad_per_yr": d.dose_rad_per_yr, "mass_kg_per_unit": b.mass_kg,
            "accelerators_kg": b.accelerator_mass_kg, "shielding_kg": b.shielding_mass_kg, "bus_kg": b.bus_mass_kg,
            "arrays_kg": b.array_mass_kg, "radiators_kg": b.radiator_mass_kg,
            "thermal_loop_kg": b.thermal_loop_mass_kg, "batteries_kg": b.battery_mass_kg,
            "terminals_kg": b.terminal_mass_kg, "power_other_kg": b.fission_mass_kg + b.heat_pump_mass_kg,
            "structure_kg": b.structure_mass_kg, "propellant_kg": b.propellant_mass_kg,
            "volume_m3_per_unit": b.volume_m3, "design_life_yr": d.life_yr, "life_limit": d.life_limit,
            "capex_usd_per_unit": c.unit_capex_undiscounted[(a, key, v)] * 1e6,
            "embodied_co2_t_per_unit": d.embodied_accelerators_t + d.embodied_spacecraft_t,
            **swap_columns(c.swaps.get((a, key, v))),
        })
    t["designs"] = pd.DataFrame(rows, columns=list(TABLES["designs"][1]))

    served_by = defaultdict(float)
    for (w, a, g, y), x in sol.serve.items():
        served_by[(a, y)] += x
    fleet = defaultdict(lambda: defaultdict(float))
    for (a, key, v), n in sol.units.items():
        d = c.designs[(a, key)]
        serv = sol.serviced.get((a, key, v), 0.0)
        for y in c.years:
            cap = c.unit_cap.get((a, key, v, y))
            if cap is None:
                continue
            alive = served_fraction(v, d.life_yr, y)
            row = fleet[(y, a)]
            row["units_in_service"] += n * alive
            row["accelerators"] += n * alive * c.accelerators_in(a, key, v, y)
            eff_cap = cap * (n - serv) + c.unit_cap_serviced.get((a, key, v, y), cap) * serv
            row["effective_accelerators"] += eff_cap * 1000.0
            row["it_mw"] += n * alive * d.budget.it_power_w / 1e6
    for (r, g, v, n), k in sol.chips.items():
        a = c.ground[r]["arch"]
        for y in c.years:
            share = c.chip_share.get((r, g, v, n, y))
            if share:
                row = fleet[(y, a)]
                row["accelerators"] += k * 1000.0 * share
                row["effective_accelerators"] += k * 1000.0 * share
                row["it_mw"] += k * share * c.chip_mw[(r, g)]
    for key_ in served_by:
        fleet[(key_[1], key_[0])]  # noqa: B018 - make sure serving rows exist
    rows = []
    for (y, a), vals in sorted(fleet.items()):
        delivered = served_by.get((a, y), 0.0)
        rows.append({"year": y, "architecture": a, "family": c.archs[a]["family"],
                     "units_in_service": vals["units_in_service"], "accelerators": vals["accelerators"],
                     "effective_accelerators": vals["effective_accelerators"], "it_mw": vals["it_mw"],
                     "delivered_eflop_s": delivered,
                     "delivered_flop": delivered * EFLOP_S_YR_IN_FLOP * len(c.period_years[y])})
    t["fleet"] = pd.DataFrame(rows, columns=list(TABLES["fleet"][1]))

    launch = defaultdict(lambda: defaultdict(float))
    for (k, y), n in sol.trips.items():
        rt = c.routes[k]
        row = launch[(y, rt.vehicle)]
        row["trips"] += n
        row["flights"] += n * rt.flights_in(y)
        row["tanker_flights"] += n * rt.tankers_in(y)
        row["payload_capacity_kg"] += n * rt.payload_in(y) * 1000.0
        row["cost_usd"] += n * sum(c.trip_parts[(k, y)].values()) * 1e6
    for (p, k, y), tonnes in sol.ship.items():
        launch[(y, c.routes[k].vehicle)]["mass_launched_kg"] += tonnes * 1000.0
    rows = []
    for (y, v), vals in sorted(launch.items()):
        rows.append({"year": y, "vehicle": v, "trips": vals["trips"], "flights": vals["flights"],
                     "tanker_flights": vals["tanker_flights"],
                     "cadence_cap": c.cadence.get((v, y), math.inf) if c.cadence else math.inf,
                     "mass_launched_kg": vals["mass_launched_kg"], "payload_capacity_kg": vals["payload_capacity_kg"],
                     "price_usd_per_flight": c.flight_price.get((v, y), 0.0) * 1e6, "cost_usd": vals["cost_usd"]})
    t["launches"] = pd.DataFrame(rows, columns=list(TABLES["launches"][1]))

    t["costs"] = cost_flows(c, sol)

    rows = []
    wl = c.scenario.workloads
    for (w, a, g, y), x in sorted(sol.serve.items()):
        rows.append({"workload": w, "architecture": a, "accelerator": g, "year": y, "eflop_s": x,
                     "flop": x * EFLOP_S_YR_IN_FLOP * len(c.period_years[y]),
                     "site_rtt_ms": c.archs[a]["rtt_ms"][wl[w].users], "latency_limit_ms": wl[w].latency_limit_ms})
    t["allocation"] = pd.DataFrame(rows, columns=list(TABLES["allocation"][1]))

    rows = []
    for r, g_info in c.ground.items():
        a = g_info["arch"]
        for y in c.years:
            facility = g_info["existing_mw"] + sum(sol.build.get((r, v), 0.0) * sh for (rr, v, yy), sh in
                                                   c.facility_share.items() if rr == r and yy == y)
            load = sum(k * c.chip_share.get((r, g, v, n, y), 0.0) * c.chip_mw[(r, g)]
                       for (rr, g, v, n), k in sol.chips.items() if rr == r)
            accs = sum(k * 1000.0 * c.chip_share.get((r, g, v, n, y), 0.0) for (rr, g, v, n), k in sol.chips.items()
                       if rr == r)
            rows.append({"region": r, "year": y, "facility_mw": facility, "it_load_mw": load,
                         "built_mw": sol.build.get((r, y), 0.0), "accelerators": accs})
    t["ground"] = pd.DataFrame(rows, columns=list(TABLES["ground"][1]))

    rows = []
    for (site, y), n in sorted(sol.open.items()):
        e = c.site_open[site]
        rows.append({"site": site, "open_year": y, "fixed_cost_usd": e["fixed_cost_musd"] * 1e6,
                     "opex_usd_per_yr": e["opex_musd_per_yr"] * 1e6})
    t["sites"] = pd.DataFrame(rows, columns=list(TABLES["sites"][1]))

    rows = [{"workload": w, "year": y, "eflop_s": x, "demand_eflop_s": c.demand[(w, y)] * sol.theta}
            for (w, y), x in sorted(sol.unmet.items()) if x > 1e-7]
    t["unmet"] = pd.DataFrame(rows, columns=list(TABLES["unmet"][1]))
    t["dropped_designs"] = pd.DataFrame(c.dropped, columns=list(TABLES["dropped_designs"][1]))
    t["architectures"] = architecture_costs(c, sol, t["fleet"])
    t["decisions"] = decisions_table(c, sol)
    t["waterfall"] = waterfall_table(c, sol)
    t["emissions"] = emissions_table(c, sol)
    return t


DECISION_KINDS = ("units", "serviced", "trips", "open", "build", "chips")


def decisions_table(c: Coefficients, sol: Solution) -> pd.DataFrame:
    """Every nonzero decision of the plan, so that a batch can keep them and re-evaluate the plan."""
    rows = []
    for kind in DECISION_KINDS:
        for idx, x in sorted(getattr(sol, kind).items()):
            extra = c.designs[(idx[0], idx[1])].accelerators_per_unit if kind == "units" else None
            rows.append({"kind": kind, "index": "|".join(str(i) for i in idx), "value": x,
                         "accelerators_per_unit": extra})
    return pd.DataFrame(rows, columns=list(TABLES["decisions"][1]))


def _index_part(p: str):
    """One part of a decision's index: a year (int), a life in years (a ground vintage's, may be fractional) or a
    name."""
    if p.isdigit():
        return int(p)
    try:
        return float(p)
    except ValueError:
        return p


def read_decisions(frame: pd.DataFrame) -> tuple[Solution, dict[tuple[str, str], int]]:
    """The decisions table back as a Solution, with the accelerators per unit of each design built."""
    sol, sizes = Solution(), {}
    for row in frame.itertuples(index=False):
        parts = [_index_part(p) for p in str(row.index).split("|")]
        getattr(sol, row.kind)[tuple(parts)] = float(row.value)
        if row.kind == "units" and not pd.isna(row.accelerators_per_unit):
            sizes[(parts[0], parts[1])] = int(row.accelerators_per_unit)
    return sol, sizes


def architecture_costs(c: Coefficients, sol: Solution, fleet: pd.DataFrame) -> pd.DataFrame:
    """Cost per delivered FLOP of each architecture in the plan.

    Rule for shared costs: a unit's own capital, operations and servicing are its architecture's; a trip is
    split by the tonnes each architecture put on it (a site core's tonnes count as the site's); a site core and
    its yearly cost are split among the architectures at that site by their delivered FLOP (present values).
    Learning on the programme's own volume (a saving) goes with the volume that bought it: a year's launch saving
    by the tonnes each architecture put on that vehicle's trips that year, a hardware saving by units built.
    Ground campuses carry their facilities, accelerators, energy and the opex of the MW they had already.
    """
    pv: dict[str, float] = defaultdict(float)
    site_pv: dict[str, float] = defaultdict(float)
    for (a, key, v), n in sol.units.items():
        pv[a] += n * c.pv(c.unit_flows(a, key, v))
    for (a, key, v), n in sol.serviced.items():
        pv[a] += n * c.pv(c.serviced_flows(a, key, v))
    carried: dict[tuple[str, int], dict[str, float]] = defaultdict(dict)
    for (p, k, y), tonnes in sol.ship.items():
        carried[(k, y)][p] = carried[(k, y)].get(p, 0.0) + tonnes
    for (k, y), n in sol.trips.items():
        cost = n * c.pv(c.trip_flows(k, y))
        loads = carried.get((k, y), {})
        total = sum(loads.values())
        for p, tonnes in loads.items():
            share = cost * tonnes / total if total else 0.0
            if p.startswith("core:"):
                site_pv[p[5:]] += share
            else:
                pv[p] += share
    for (site, y), n in sol.open.items():
        site_pv[site] += n * c.pv(c.open_flows(site, y))
    for site in c.site_open:
        opened = 0.0
        for y in c.years:
            opened += sol.open.get((site, y), 0.0)
            if opened > 0.5:
                site_pv[site] += c.pv(c.opened_flows(site, y))
    for stream, y, flows in c.learning_parts(sol):  # learning's saving, split like the volume that bought it
        buyers = c.learning_buyers(stream, sol, y)
        total = sum(buyers.values())
        for p, w in buyers.items():
            share = c.pv(flows) * w / total if total else 0.0
            if p.startswith("core:"):
                site_pv[p[5:]] += share
            else:
                pv[p] += share
    for (r, v), mw in sol.build.items():
        pv[c.ground[r]["arch"]] += mw * c.pv(c.build_flows(r, v))
    for (r, g, v, n), k in sol.chips.items():
        pv[c.ground[r]["arch"]] += k * c.pv(c.chip_flows(r, g, v, n))
    for r, g in c.ground.items():
        per_year = g["existing_mw"] * (g["opex_musd_per_mw_yr"] + g["lease_musd_per_mw_yr"])
        pv[g["arch"]] += per_year * sum(c.weight[y] for y in c.years)
    flop: dict[str, float] = defaultdict(float)
    for (w, a, g, y), x in sol.serve.items():
        flop[a] += c.flop_weight[y] * x
    for site, cost in site_pv.items():
        archs = [a for a, info in c.archs.items() if info["site"] == site and info["kind"] == "space"]
        total = sum(flop[a] for a in archs)
        for a in archs:
            pv[a] += cost * (flop[a] / total if total else 1.0 / len(archs))
    acc_hours: dict[str, float] = defaultdict(float)
    for _, row in fleet.iterrows():
        acc_hours[row["architecture"]] += row["effective_accelerators"] * HOURS_PER_YEAR * c.weight[int(row["year"])]
    rows = []
    for a in sorted(set(pv) | set(flop)):
        if abs(pv[a]) < 1e-9 and flop[a] <= 0:
            continue
        usd, flop_pv = pv[a] * 1e6, flop[a] * EFLOP_S_YR_IN_FLOP
        per_eflop = usd / (flop_pv / 1e18) if flop_pv > 0 else math.nan
        rows.append({"architecture": a, "family": c.archs[a]["family"], "npv_cost_usd": usd, "npv_delivered_flop": flop_pv,
                     "usd_per_eflop": per_eflop, "usd_per_pflop_day": per_eflop * EFLOP_PER_PFLOP_DAY,
                     "npv_accelerator_hours": acc_hours[a],
                     "usd_per_accelerator_hour": usd / acc_hours[a] if acc_hours[a] > 0 else math.nan})
    return pd.DataFrame(rows, columns=list(TABLES["architectures"][1]))


# ------------------------------------------------------------------------------------------- summary


def money_summary(c: Coefficients, sol: Solution, costs: pd.DataFrame) -> dict[str, float]:
    """NPV cost (penalties excluded), NPV delivered FLOP, cost per FLOP."""
    real = costs[costs["category"] != "unmet_penalty"]
    npv_cost = float(real["usd_discounted"].sum())
    served = defaultdict(float)
    for (w, a, g, y), x in sol.serve.items():
        served[y] += x
    npv_eflop_s_yr = sum(c.flop_weight[y] * x for y, x in served.items())
    npv_flop = npv_eflop_s_yr * EFLOP_S_YR_IN_FLOP
    usd_per_eflop = npv_cost / (npv_flop / 1e18) if npv_flop > 0 else math.nan
    return {"npv_cost_usd": npv_cost, "npv_delivered_flop": npv_flop, "usd_per_eflop": usd_per_eflop,
            "usd_per_pflop_day": usd_per_eflop * EFLOP_PER_PFLOP_DAY,
            "npv_penalty_usd": float(costs.loc[costs["category"] == "unmet_penalty", "usd_discounted"].sum())}


def mix_summary(c: Coefficients, t: dict[str, pd.DataFrame]) -> dict[str, Any]:
    fleet = t["fleet"]
    delivered = fleet.groupby("family")["delivered_flop"].sum()
    total = float(delivered.sum())
    shares = {f: float(delivered.get(f, 0.0)) / total if total > 0 else 0.0 for f in FAMILY_ORDER}
    space = fleet[(fleet["family"] != "ground") & (fleet["delivered_eflop_s"] > 1e-9)]
    launches = t["launches"]
    peak = launches.groupby("year")["flights"].sum() if len(launches) else pd.Series(dtype=float)
    peak = peak / [len(c.period_years[y]) for y in peak.index]  # a period's flights spread over its years
    return {
        "delivered_share_by_family": shares,
        "space_share": 1.0 - shares.get("ground", 0.0),
        "first_space_year": int(space["year"].min()) if len(space) else None,
        "launch_flights": float(launches["flights"].sum()) if len(launches) else 0.0,
        "peak_flights_per_yr": float(peak.max()) if len(peak) else 0.0,
        "peak_flights_year": int(peak.idxmax()) if len(peak) and peak.max() > 0 else None,
        "units_built": float(t["designs"]["units"].sum()) if len(t["designs"]) else 0.0,
        "launch_usd_per_kw_yr": _launched_power_price(t),
    }


def _launched_power_price(t: dict[str, pd.DataFrame]) -> float | None:
    """Launch cost per kW of unit power per year of unit life (Suncatcher's "launched power price")."""
    d = t["designs"]
    if not len(d):
        return None
    kw_yr = float((d["units"] * d["load_kw_per_unit"] * d["design_life_yr"]).sum())
    return float(t["launches"]["cost_usd"].sum()) / kw_yr if kw_yr > 0 else None


# ------------------------------------------------------------------------------------------ the plan


@dataclass
class Plan:
    scenario: ResolvedScenario
    summary: dict
    tables: dict[str, pd.DataFrame]
    explanations: dict = field(default_factory=dict)
    solver_log: str = ""
    coefficients: Coefficients | None = None
    analysis: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return self.summary.get("status", "unknown")

    def write(self, out_dir: str | Path) -> Path:
        """Write the run folder atomically: readers see the previous run or this one, never half of either. Only
        a run folder the planner wrote (or a new or empty folder) may be replaced (``planner.outdir``)."""
        return outdir.replace(out_dir, "run", self._write_into, option="--out")

    def _write_into(self, folder: Path) -> None:
        tables = folder / "tables"
        tables.mkdir(parents=True, exist_ok=True)
        for name, df in self.tables.items():
            df.to_csv(tables / f"{name}.csv", index=False)
            try:
                df.to_parquet(tables / f"{name}.parquet", index=False)
            except (ImportError, ValueError):
                pass
        if self.analysis:
            (folder / "analysis").mkdir(exist_ok=True)
            for name, df in self.analysis.items():
                df.to_csv(folder / "analysis" / f"{name}.csv", index=False)
        summary, undefined = finite_json(self.summary)
        if undefined:  # written as null, and why
            summary["undefined_values"] = {"fields": undefined, "reason": undefined_reason(self.summary)}
        atomic_write(folder / "summary.json", json.dumps(summary, indent=2, default=_json_default,
                                                         allow_nan=False) + "\n")
        atomic_write(folder / "explanations.json",
                     json.dumps(self.explanations, indent=2, default=_json_default) + "\n")
        atomic_write(folder / "scenario.resolved.yaml", self.scenario.resolved_yaml())
        if self.solver_log:
            atomic_write(folder / "solver.log", self.solver_log)


def undefined_reason(summary: dict) -> str:
    """Why a summary value is not a number (the report and summary.json say it where the value would be)."""
    if not summary.get("delivered_flop_undiscounted"):
        return ("the plan delivers no FLOP (all demand is left unmet: the unmet-demand penalty is cheaper than "
                "serving it), so a cost or an emission per FLOP is undefined")
    return "a ratio whose denominator is zero or a value too large to compute (see the scenario's inputs)"


def _json_default(x):
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if hasattr(x, "item"):
        return x.item()
    if isinstance(x, (set, tuple)):
        return list(x)
    return str(x)
