"""The scenario reference (docs/scenarios.md) and the JSON Schema for editors, generated from the pydantic models.

Type, default and allowed range come from the models themselves; the unit from the field name's suffix (units are
in names); the meaning from ``MEANINGS`` below, one sentence per field, keyed by model and field. A field without a
meaning fails the test that keeps docs/scenarios.md current, so the reference cannot fall behind the schema.
"""

from __future__ import annotations

import json
import typing
from typing import Any

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from planner.scenario import schema as S

MEANINGS: dict[str, str] = {
    "Scenario.name": "Short name of the scenario: names the run folder and the report.",
    "Scenario.description": "One or two sentences for the report's subtitle.",
    "Scenario.extends": "Another scenario file (relative path) this one starts from; fields here override it.",
    "Scenario.horizon": "The years planned.",
    "Scenario.money": "Money: base year, discount rate, risk premiums, capital accounting.",
    "Scenario.objective": "What is minimised: cost at the demand, or cost per FLOP over a demand scale.",
    "Scenario.workloads": "The compute demanded, by workload id (at least one).",
    "Scenario.architectures": "Which architectures (platform@site, ground_campus@region) may be built.",
    "Scenario.design_space": "The design options the optimiser chooses among.",
    "Scenario.trajectories": "Year-by-year paths of launch prices, cadences, accelerator years and ground build-out.",
    "Scenario.unmet": "Whether demand may go unserved, and at what penalty.",
    "Scenario.carbon": "Carbon price paid and optional cap on yearly emissions.",
    "Scenario.terms": "Switches that leave cost categories or physics terms out (published cases, what-ifs).",
    "Scenario.solver": "HiGHS settings.",
    "Scenario.catalog": "Catalog values to replace, by dotted path (`launch_vehicles.starship.price_musd_per_flight`); "
                        "a number, a year table, or `low`/`high` for that end of the catalog's range.",
    "Scenario.resolved_catalog": "Written by the planner in scenario.resolved.yaml: the catalog entries the run used. "
                                 "On loading, every value that differs from the shipped catalog becomes an override.",
    "Scenario.catalog_overrides_from": "Written by the planner: which file (or --set) set each overridden catalog value.",
    "Scenario.set_overrides": "Written by the planner: the --set values of the run, kept when it is re-run.",
    "Scenario.unit_conversions": "Written by the planner: how demand_it_mw and launch_price_usd_per_kg were converted.",
    "Horizon.first_year": "First year planned.",
    "Horizon.last_year": "Last year planned (inclusive).",
    "Horizon.step_years": "Years per model period; only 1 is accepted for now: with longer periods every unit, "
                          "launch, site opening and ground build of a period would happen in its first year, at that "
                          "year's prices, so they are refused (one line, exit 2).",
    "Money.base_year": "Year whose dollars every cost is expressed in; not after the first year planned.",
    "Money.discount_rate": "Real discount rate a year (0.07 = 7 %), applied to costs and delivered FLOP alike.",
    "Money.risk_premium": "Extra discount rate by family (swarm, module, station, ground).",
    "Money.capital_accounting": "`residual`: capital paid when built, value left at the horizon credited; "
                                "`annuity`: capital spread over the asset's life.",
    "Objective.mode": "`demand`: least cost that meets demand; `ratio`: least cost per FLOP over the demand scale.",
    "Objective.theta_min": "Ratio mode: smallest demand scale considered (share of the scenario's demand).",
    "Objective.theta_max": "Ratio mode: largest demand scale considered.",
    "Objective.dinkelbach_tolerance": "Ratio mode: relative change of cost per FLOP at which iterations stop.",
    "Objective.max_iterations": "Ratio mode: most Dinkelbach iterations (one MIP each).",
    "Workload.label": "Name of the workload in the report.",
    "Workload.users": "Where its users are: `earth` or `moon` (sets which sites are within its latency).",
    "Workload.latency_limit_ms": "Round trip to its users it tolerates.",
    "Workload.precision": "Arithmetic it runs at: `bf16` or `fp8` (picks the accelerator's FLOP rate).",
    "Workload.bits_per_flop": "Traffic to its users per FLOP served (sizes downlinks).",
    "Workload.min_cluster_accelerators": "Accelerators one job needs together (a unit or formation must hold them).",
    "Workload.needs_coverage": "True for real-time work served only while a unit is over its users.",
    "Workload.software_efficiency": "Share of the accelerators' dense FLOP rate the software achieves.",
    "Workload.demand_eflop_per_s": "Demand by year (linear between years, flat after the last); give this or growth.",
    "Workload.demand_it_mw": "Demand by year as megawatts of accelerator board power (IT), converted to EFLOP/s with "
                             "the accelerator in use that year (the newest allowed that can be built then) and the "
                             "software efficiency; give exactly one of demand_eflop_per_s, demand_it_mw, growth.",
    "Workload.growth": "Demand as a growth law; give this or demand_eflop_per_s.",
    "Workload.source": "Where the demand figures come from.",
    "DemandGrowth.start_year": "First year with demand.",
    "DemandGrowth.start_eflop_per_s": "Demand in the start year.",
    "DemandGrowth.growth_per_yr": "Yearly growth (0.3 = +30 % a year), or a table of rates by year.",
    "Architectures.allow": "Patterns of architectures allowed (`*`, `ground_campus@*`, `swarm_satellite@sso_650_dd`).",
    "Architectures.deny": "Patterns of architectures left out (applied after allow).",
    "DesignSpace.radiator_temps_k": "Radiator (fin root) temperatures a design may use.",
    "DesignSpace.shielding_mm_al": "Aluminium-equivalent shielding thicknesses a design may use.",
    "DesignSpace.servicing": "Whether units in orbit may be serviced (accelerators replaced) instead of replaced.",
    "DesignSpace.accelerators": "Catalog accelerators allowed (none given: all).",
    "DesignSpace.accelerators_per_unit": "A fixed number of accelerators per unit, by platform (else chosen).",
    "DesignSpace.space_unit_lives_yr": "Lives (years) after which a space unit may be retired instead of keeping its "
                                       "accelerators for its full life (each shorter one is offered as its own design, "
                                       "sized for it; the optimiser chooses). Empty: every unit serves its full life.",
    "DesignSpace.space_swap_ages_yr": "Ages (whole years) at which a serviced space unit may have its accelerators "
                                      "swapped on orbit for the newest generation built that year, keeping its bus, "
                                      "arrays and radiators (each age is offered as its own design where servicing "
                                      "is possible; the optimiser chooses). Empty: no swaps.",
    "DesignSpace.eclipse_throttling": "Whether a solar design may switch compute off in eclipse instead of sizing its "
                                      "battery and arrays to carry it (each such design is offered both ways; the "
                                      "optimiser chooses).",
    "Trajectories.launch_price_model": "`per_year`: launch prices from the catalog or tables; `learning_curve`: from "
                                       "cumulative mass launched.",
    "Trajectories.launch_price_musd_per_flight": "Price per flight by vehicle: a number or a year table.",
    "Trajectories.launch_price_usd_per_kg": "Price per kg to LEO by vehicle (a number or a year table), converted to "
                                            "a price per flight with the vehicle's payload to LEO; give a vehicle "
                                            "here or in launch_price_musd_per_flight, not both.",
    "Trajectories.accelerator_roadmap": "The accelerator roadmap's scenario knob (see docs/fidelity.md).",
    "Trajectories.programme_learning": "Prices that fall with the plan's own flights and units (off by default).",
    "RoadmapKnob.stall_after_year": "No accelerator generation that appears after this year (none: the roadmap goes on).",
    "ProgrammeLearningSwitch.launch": "Launch prices fall with the programme's own cumulative flights.",
    "ProgrammeLearningSwitch.hardware": "Space hardware prices fall with the programme's own cumulative units.",
    "Trajectories.learning_curve": "The learning curve of launch prices (launch_price_model learning_curve).",
    "Trajectories.launch_price_factor": "Multiplier on every launch price.",
    "Trajectories.cadence_flights_per_yr": "Flights a year available by vehicle: a number or a year table.",
    "Trajectories.accelerator_years": "First and last year each accelerator can be built with, by accelerator.",
    "Trajectories.ground": "Ground build-out limits by region.",
    "Trajectories.budget_musd_per_yr": "Cap on capital spent a year, by year.",
    "LearningCurve.vehicles": "Vehicles whose price follows the curve.",
    "LearningCurve.learning_rate": "Price drop per doubling of cumulative mass launched (0.2 = 20 %).",
    "LearningCurve.start_usd_per_kg": "Price per kg at the starting cumulative mass.",
    "LearningCurve.start_cumulative_t": "Cumulative mass launched at the start price.",
    "LearningCurve.world_cumulative_t": "World cumulative mass launched by year.",
    "GroundTrajectory.grid_mw_per_yr": "Grid connections a year in the region (a number or a year table).",
    "GroundTrajectory.queue_yr": "Years from a grid request to the connection.",
    "GroundTrajectory.construction_yr": "Years to build a campus.",
    "AcceleratorYears.first_year": "First year units can be built with it.",
    "AcceleratorYears.last_year": "Last year units can be built with it.",
    "Unmet.allowed": "Whether demand may go unserved (at the penalty) instead of the scenario being infeasible.",
    "Unmet.penalty_usd_per_pflop_day": "Cost counted for each PFLOP/s-day not served.",
    "Unmet.workloads": "Workloads that may go unserved (none given: all).",
    "Carbon.price_usd_per_t": "Carbon price per t CO2 emitted (a number or a year table).",
    "Carbon.cap_t_per_yr": "Cap on emissions a year (a number or a year table); none: no cap.",
    "Terms.exclude_costs": "Cost categories left out of the objective.",
    "Terms.eclipse": "Count eclipses (batteries, lost sunlight).",
    "Terms.array_degradation": "Count solar-array degradation over the life.",
    "Terms.coating_degradation": "Count radiator-coating degradation over the life.",
    "Terms.failures": "Count accelerator failures over the life.",
    "Terms.total_dose": "Count total ionising dose (capacity lost past the onset).",
    "Terms.single_events": "Count single-event upsets and crashes.",
    "Terms.drag": "Count atmospheric drag (station-keeping propellant).",
    "Terms.unit_caps": "Apply the caps on units a year (production, shells).",
    "Terms.coverage": "Serve real-time work only while over its users.",
    "Terms.bandwidth": "Limit traffic by the downlinks.",
    "Terms.shell_capacity": "Limit satellites per orbital shell.",
    "Terms.cadence": "Limit flights a year by the launch cadence.",
    "Terms.integer_trips": "Count launches as whole flights.",
    "Terms.host_power": "Count host power (CPU, memory, network, conversion); False: accelerators draw their own "
                        "power only, as the published cases count it.",
    "Terms.subsystem_masses": "Sum subsystem masses (False: a unit weighs its bus mass only, a published figure).",
    "SolverSettings.time_limit_s": "Time limit of each solve.",
    "SolverSettings.mip_gap": "Relative MIP gap at which a solve stops (0.001 = 0.1 %).",
    "SolverSettings.space_resolution": ("Resolution of the space decisions: a solve stops once its gap in dollars is at "
                                        "most this share of the larger of the plan's space-related cost and the cheapest "
                                        "space unit that could serve the largest workload (0.01 = 1 %)."),
    "SolverSettings.resolve_space": ("Whether a solve tightens its gap until the space decisions are resolved "
                                     "(false: stop at mip_gap and only report the resolution)."),
    "SolverSettings.threads": "HiGHS threads (0: automatic).",
    "SolverSettings.seed": "HiGHS random seed.",
}

# unit by the field name's ending (units are in names); longest ending first
UNITS: list[tuple[str, str]] = [
    ("_usd_per_pflop_day", "USD per PFLOP/s-day"), ("_eflop_per_s", "EFLOP/s"), ("_musd_per_flight", "$M per flight"),
    ("_musd_per_yr", "$M per year"), ("_usd_per_kg", "USD per kg"), ("_usd_per_t", "USD per t CO2"),
    ("_t_per_yr", "t CO2 per year"), ("_mw_per_yr", "MW per year"), ("_flights_per_yr", "flights per year"),
    ("_it_mw", "MW (IT)"), ("_cumulative_t", "t"), ("_mm_al", "mm Al"), ("_temps_k", "K"), ("_limit_ms", "ms"), ("_time_limit_s", "s"),
    ("bits_per_flop", "bit per FLOP"), ("_per_yr", "per year"), ("_yr", "years"), ("_year", "year"),
    ("_rate", "fraction"), ("_premium", "fraction a year"), ("_efficiency", "fraction"), ("_factor", "x"),
    ("_accelerators", "accelerators"), ("_tolerance", "fraction"), ("mip_gap", "fraction"), ("theta_", "x demand"),
]


def unit_of(field: str) -> str:
    for suffix, unit in UNITS:
        if field.endswith(suffix) or (suffix.endswith("_") and field.startswith(suffix)):
            return unit
    if field in ("first_year", "last_year", "base_year", "start_year"):
        return "year"
    return ""


def _type_text(t: Any) -> str:
    origin = typing.get_origin(t)
    args = typing.get_args(t)
    if origin is typing.Annotated:
        return _type_text(args[0])
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return " or ".join(_type_text(a) for a in args)
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin in (list, tuple):
        return f"list of {_type_text(args[0])}" if args else "list"
    if origin is dict:
        return f"mapping {_type_text(args[0])} -> {_type_text(args[1])}" if args else "mapping"
    if t is type(None):
        return "none"
    if isinstance(t, type) and issubclass(t, BaseModel):
        return f"[{t.__name__}](#{t.__name__.lower()})"
    return getattr(t, "__name__", str(t))


def _constraints(meta) -> list[str]:
    parts = []
    for m in [x for m in meta for x in (list(m.metadata) if type(m).__name__ == "FieldInfo" else [m])]:
        for cls, sym, attr in ((Ge, ">=", "ge"), (Gt, ">", "gt"), (Le, "<=", "le"), (Lt, "<", "lt")):
            if isinstance(m, cls):
                parts.append(f"{sym} {getattr(m, attr):g}")
        if isinstance(m, MinLen):
            parts.append(f"at least {m.min_length} item{'s' if m.min_length != 1 else ''}")
        if isinstance(m, MaxLen):
            parts.append(f"at most {m.max_length} characters")
    return parts


def _bounds(meta: list, annotation: Any, prefix: str = "") -> str:
    """The field's own constraints, then those of its items ('values'), a table's keys ('years')."""
    parts = [prefix + p for p in _constraints(meta)]
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        parts += [prefix + p for p in _constraints(args[1:])]
        inner = _bounds([], args[0], prefix)
        return ", ".join(dict.fromkeys(parts + ([inner] if inner else [])))
    if origin is dict:
        k, v = args
        keys = _bounds([], k, "years " if k is not str else "keys ")
        vals = _bounds([], v, "values ")
        parts += [x for x in (keys, vals) if x]
    elif origin in (list, tuple):
        vals = _bounds([], args[0], "values ") if args else ""
        parts += [vals] if vals else []
    elif args:  # a union: each form's constraints
        parts += [x for x in (_bounds([], a, prefix) for a in args) if x]
    return ", ".join(dict.fromkeys(parts))


def _default_text(f) -> str:
    if f.is_required():
        return "required"
    d = f.get_default(call_default_factory=True)
    if d is None:
        return "none"
    if isinstance(d, BaseModel):
        return "see below"
    return f"`{json.dumps(d, default=str)}`"


def models() -> list[type[BaseModel]]:
    """Scenario and every model it holds, in the order they are first met."""
    seen: list[type[BaseModel]] = []

    def walk(m: type[BaseModel]) -> None:
        if m in seen:
            return
        seen.append(m)
        for f in m.model_fields.values():
            stack = [f.annotation]
            while stack:
                t = stack.pop(0)
                if isinstance(t, type) and issubclass(t, BaseModel):
                    walk(t)
                stack += list(typing.get_args(t))

    walk(S.Scenario)
    return seen


def missing_meanings() -> list[str]:
    return [f"{m.__name__}.{n}" for m in models() for n in m.model_fields if f"{m.__name__}.{n}" not in MEANINGS]


def markdown() -> str:
    """docs/scenarios.md."""
    out = ["# Scenario reference", "",
           "Generated from the pydantic models by `python -m planner.scenario.reference > docs/scenarios.md` "
           "(tests/test_scenario_reference.py checks it is current); `planner schema` prints the JSON Schema for "
           "editors. Units are in field names; money is in real US dollars of `money.base_year`; demand is dense "
           "FLOP at the workload's precision, sustained over the year. A year table is a mapping year -> value, "
           "linear between years and flat beyond its ends. Any field can be set from the command line with "
           "`--set path.to.field=value`.", ""]
    for m in models():
        doc = (m.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        out += [f"## {m.__name__}", ""]
        if doc and not doc.startswith("!!!") and m.__doc__ is not BaseModel.__doc__:
            out += [doc, ""]
        out += ["| field | type | unit | default | range | meaning |", "|---|---|---|---|---|---|"]
        for name, f in m.model_fields.items():
            cells = [f"`{name}`", _type_text(f.annotation), unit_of(name), _default_text(f),
                     _bounds(list(f.metadata), f.annotation), MEANINGS.get(f"{m.__name__}.{name}", "")]
            out.append("| " + " | ".join(c.replace("|", "\\|") if i not in (1,) else c
                                         for i, c in enumerate(cells)) + " |")
        out.append("")
    return "\n".join(out)


def json_schema() -> dict:
    """The Scenario JSON Schema, with each field's meaning and unit as its description (editors show them)."""
    schema = S.Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "planner scenario"
    defs = schema.get("$defs", {})
    for m in models():
        target = schema if m is S.Scenario else defs.get(m.__name__)
        if not target:
            continue
        for name, prop in (target.get("properties") or {}).items():
            meaning = MEANINGS.get(f"{m.__name__}.{name}")
            unit = unit_of(name)
            if meaning:
                prop["description"] = meaning + (f" Unit: {unit}." if unit else "")
    return schema


if __name__ == "__main__":
    print(markdown(), end="")
