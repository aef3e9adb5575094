"""Documented columns of every result table (written to ``tables/`` as CSV and Parquet).

Money is in real USD of the scenario's base year; ``_discounted`` columns are present values at the base year.
Compute is dense FLOP at each workload's precision. ``docs/tables.md`` is generated from this module.
"""

from __future__ import annotations

TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "designs": ("One row per architecture x design x build year with units > 0.", {
        "architecture": "platform@site",
        "platform": "platform family member (catalog platforms)",
        "site": "orbital regime or surface site",
        "vintage": "build (launch) year",
        "design": "accelerator/radiator temperature/shielding key (then /throttled, /retire@Ny, /swap@Ny where they "
                  "apply)",
        "units": "units built that year (integer)",
        "serviced_units": "of which robotically serviced (continuous)",
        "accelerator": "accelerator model",
        "accelerators_per_unit": "accelerators in one unit",
        "binding_cap": "the per-unit cap that limits accelerators per unit (mass, array area, radiator area, volume)",
        "it_power_kw_per_unit": "accelerator and host power per unit, kW",
        "load_kw_per_unit": "IT + bus + terminals + heat-pump power per unit, kW",
        "solar_area_m2_per_unit": "array area per unit at end of life through eclipse, m2 (0 with fission power)",
        "radiator_area_m2_per_unit": "radiator panel planform area per unit (both faces emit when two-sided), m2",
        "radiator_temp_k": "radiator temperature of the design, K",
        "radiator_cap_k": "highest radiator temperature the chip allows without a heat pump, K",
        "radiator_cap_part": "part that sets the cap (junction or HBM)",
        "heat_pump": "True if the radiator runs above the cap with a heat pump",
        "sink_temp_k": "effective sink temperature at end of life (hot case), K",
        "emissivity": "radiator emissivity at end of life",
        "absorptivity": "radiator solar absorptivity at end of life",
        "net_flux_w_m2": "net heat rejected per m2 of panel at end of life, W/m2",
        "fin_efficiency": "fin efficiency of the panel (its emission over that of fins wholly at the root "
                          "temperature: the gradient along the fin)",
        "chain_drop_k": "temperature drops from chip to radiator (fin root): cold plate + coolant loop + tube to fin "
                        "root, K",
        "heat_pump_cop": "heat-pump coefficient of performance lifting the heat from the cap to the radiator "
                         "(Carnot fraction x T_cap / lift); empty without a heat pump",
        "emitted_w_m2": "what the panel emits per m2 at end of life (both faces, fin efficiency), W/m2",
        "absorbed_w_m2": "what the environment puts back per m2 at end of life (sun, planet IR and albedo, or the "
                         "effective sink), W/m2",
        "limiting_link": "link of the heat path that limits the design: radiator (its area cap limits "
                         "accelerators), orientation/environment (absorbed >= half of emitted), coolant (a heat "
                         "pump lifts above the chip's cap), else the chip part that sets the cap (chip junction or "
                         "HBM)",
        "eol_margin": "radiator closure at end of life: area x end-of-life net flux / heat - 1 (>= 0; 0 when sized "
                      "exactly)",
        "bol_margin": "the same with beginning-of-life coatings: the headroom coating drift uses up",
        "battery_kwh_per_unit": "battery nameplate energy per unit, kWh",
        "depth_of_discharge": "the battery's depth of discharge each eclipse: the deepest its cycle-life curve allows "
                              "for the eclipses over the unit's life (capped at the catalog's maximum)",
        "throttled_in_eclipse": "true if the design switches compute off in every eclipse (its battery and the "
                                "arrays' recharge carry the bus and terminals only), false if sized to compute through "
                                "the worst eclipse",
        "compute_duty": "share of the time its accelerators compute: 1, or 1 - the year's mean share in shadow if "
                        "throttled in eclipse",
        "spe_onset_risk": "chance that a solar particle event during the unit's life crosses its accelerators' "
                          "degradation onset (HBM) behind its shielding: a dose risk shown, not priced",
        "shielding_mm_al": "aluminium-equivalent shielding around the accelerators, mm",
        "dose_rad_per_yr": "total ionising dose rate behind that shielding (with model margin), rad(Si)/yr",
        "mass_kg_per_unit": "launch mass per unit, kg",
        "accelerators_kg": "accelerator and packaging mass per unit, kg",
        "shielding_kg": "shielding mass per unit, kg",
        "bus_kg": "bus mass per unit, kg",
        "arrays_kg": "solar array mass per unit, kg",
        "radiators_kg": "radiator mass per unit, kg",
        "thermal_loop_kg": "coolant loop mass per unit (pumps, lines, manifolds, coolant, heat exchangers; per kW "
                           "rejected), kg",
        "batteries_kg": "battery mass per unit, kg",
        "terminals_kg": "optical terminal mass per unit, kg",
        "power_other_kg": "fission power and heat-pump mass per unit, kg",
        "structure_kg": "structure margin per unit, kg",
        "propellant_kg": "drag make-up, station keeping and disposal propellant per unit, kg",
        "volume_m3_per_unit": "stowed volume per unit, m3",
        "design_life_yr": "life of the unit: design life or total-dose life, whichever is shorter, years",
        "life_limit": "what ends the life (design life or total dose)",
        "capex_usd_per_unit": "hardware, integration and insurance capex per unit, USD (undiscounted)",
        "embodied_co2_t_per_unit": "manufacturing emissions of one unit (accelerators and spacecraft hardware), "
                                   "t CO2e",
        "swap_year": "year a swap design's accelerators are swapped on orbit for a newer generation (empty: no swap)",
        "swap_accelerator": "the generation it swaps to: the newest built that year",
        "swap_accelerators_per_unit": "accelerators after the swap: as many as the unit's power and heat envelope "
                                      "carries (its count x the old accelerator's power / the new one's; continuous)",
        "swap_capex_usd_per_unit": "the swap's capex per unit: the new accelerators at that year's price with their "
                                   "space packaging, and the swap mission, USD (undiscounted; their launch is in the "
                                   "trips)",
    }),
    "fleet": ("Year x architecture: what is in service and what it delivers.", {
        "year": "calendar year (first year of the period)",
        "architecture": "platform@site",
        "family": "swarm, module, station or ground",
        "units_in_service": "space units alive (0 for ground)",
        "accelerators": "accelerators installed (nominal)",
        "effective_accelerators": "accelerators after failures and radiation degradation",
        "it_mw": "IT power of what is installed, MW",
        "delivered_eflop_s": "compute delivered to workloads, EFLOP/s sustained over the year",
        "delivered_flop": "compute delivered in the period (all its years), FLOP",
    }),
    "launches": ("Year x vehicle.", {
        "year": "calendar year (first year of the period: with steps of several years, the counts are the period's)",
        "vehicle": "launch vehicle",
        "trips": "trips (a trip beyond LEO is one ship flight plus its tanker flights)",
        "flights": "flights including tankers",
        "tanker_flights": "tanker flights",
        "cadence_cap": "flights the scenario allows this vehicle in the period",
        "mass_launched_kg": "payload launched (units, spares, site cores), kg",
        "payload_capacity_kg": "payload capacity of those trips, kg",
        "price_usd_per_flight": "price of one flight, USD",
        "cost_usd": "launch cost incl. expended ships and insurance, USD (undiscounted)",
    }),
    "costs": ("Cost category x year.", {
        "category": "cost category (residual_value: the credit for capital life beyond the horizon; financing: "
                    "the cost of a family's risk premium over the base discount rate on its capital)",
        "year": "calendar year",
        "usd": "cash flow, USD (undiscounted, real)",
        "usd_discounted": "present value at the base year, USD",
    }),
    "allocation": ("Workload x architecture x accelerator x year: where each workload runs.", {
        "workload": "workload class",
        "architecture": "platform@site",
        "accelerator": "accelerator model",
        "year": "calendar year",
        "eflop_s": "compute delivered, EFLOP/s sustained over the year",
        "flop": "compute delivered in the period (all its years), FLOP",
        "site_rtt_ms": "round-trip time from the workload's users to the site, ms",
        "latency_limit_ms": "the workload's round-trip limit, ms",
    }),
    "ground": ("Ground region x year: the two stocks.", {
        "region": "ground region",
        "year": "calendar year",
        "facility_mw": "facility IT capacity in service, MW",
        "it_load_mw": "IT load of the accelerators in service, MW",
        "built_mw": "MW coming online that year",
        "accelerators": "accelerators in service",
    }),
    "sites": ("Site cores opened.", {
        "site": "site",
        "open_year": "year the core opens",
        "fixed_cost_usd": "opening cost, USD",
        "opex_usd_per_yr": "yearly cost while open, USD",
    }),
    "unmet": ("Demand not served (only where the scenario allows it).", {
        "workload": "workload class",
        "year": "calendar year",
        "eflop_s": "unserved compute, EFLOP/s",
        "demand_eflop_s": "demand, EFLOP/s",
    }),
    "constraints": ("Binding constraints with LP shadow prices (integers fixed at the plan's values).", {
        "constraint": "constraint family",
        "index": "index of the row",
        "meaning": "what the row says, in words",
        "slack": "right-hand side minus activity (0 = binding)",
        "shadow_price": "change of the plan's present-value cost per unit of right-hand side, USD per unit",
        "unit": "unit of the right-hand side",
    }),
    "vintage_costs": ("Cost per delivered FLOP of one unit built in a year, by architecture, against the ground.", {
        "architecture": "platform@site (ground campuses included)",
        "family": "swarm, module, station or ground",
        "vintage": "build year",
        "workload": "workload the unit's FLOP are counted for",
        "design": "cheapest design per FLOP that year",
        "usd_per_eflop": "levelised cost: PV of the unit's costs (capital and launch share financed at the family's "
                         "rate as in the objective, operations; ground: chips, energy, facility share) / PV of its "
                         "delivered FLOP, USD per 1e18 FLOP",
        "usd_per_pflop_day": "the same in USD per PFLOP/s-day",
        "ground_usd_per_eflop": "best ground campus built the same year, USD per EFLOP",
        "space_to_ground": "ratio of the two (below 1: space is cheaper)",
    }),
    "space_reach": ("Which space families can be built each year, and whether they can serve each workload: what "
                    "a missing row of vintage_costs means.", {
        "workload": "workload",
        "family": "swarm, module or station",
        "vintage": "build year",
        "buildable": "a unit of the family can be built and launched that year (always true: other years have no row)",
        "within_latency": "an architecture of the family is within the workload's latency limit and location",
        "holds_cluster": "a unit of the family (its formation) within latency holds the workload's minimum cluster",
    }),
    "marginal_costs": ("The ground's marginal cost per workload and year (the dual price of the demand row in the LP "
                       "with the plan's integer decisions fixed) against a new ground unit and the best space unit "
                       "built that year (planner/results/marginal.py).", {
        "workload": "workload with demand",
        "year": "year (a period's first year)",
        "shadow_price_usd_per_eflop_s": "shadow price of the demand row: PV USD that one more EFLOP/s of this demand "
                                        "in the period adds to the plan (0: the row does not bind)",
        "marginal_usd_per_pflop_day": "the same per delivered FLOP at that year's prices (shadow price over the PV "
                                      "of the FLOP one EFLOP/s delivers in the period), USD per PFLOP/s-day",
        "ground_unit_usd_per_pflop_day": "levelised cost of the best new ground unit built that year (vintage_costs)",
        "space_unit_usd_per_pflop_day": "levelised cost of the best space unit built that year (vintage_costs); "
                                        "empty when none can serve the workload",
        "space_architecture": "its architecture",
        "life_marginal_usd_per_pflop_day": "the ground's marginal cost over that space unit's life: each year's "
                                           "marginal cost weighted by the PV of the FLOP the unit delivers in it "
                                           "(years past the horizon at the last year's); what the unit competes "
                                           "against",
        "decides": "marginal: the marginal cost over the unit's life differs from a new ground unit's levelised "
                   "cost by more than 5 % and is the benchmark; either: the two agree",
    }),
    "unit_cost_parts": ("What the cheapest unit of each family built in a year pays for, per delivered FLOP (the "
                        "parts of vintage_costs' levelised cost).", {
        "family": "swarm, module, station or ground",
        "vintage": "build year",
        "workload": "workload the unit's FLOP are counted for",
        "architecture": "platform@site of the family's cheapest unit that year",
        "design": "its design (ground: its accelerator)",
        "part": "space: a hardware category (accelerators, bus, arrays, radiators, ..., integration, insurance), "
                "launch (its share of a trip at the cheapest route, with the launch's insurance) and carbon, each "
                "financed as in the objective, and operations; ground: accelerators (financed), energy, "
                "replacements, facility (capital annuity, opex and lease of the MW the accelerators occupy) and "
                "carbon",
        "usd_per_pflop_day": "the part's PV over the PV of the unit's delivered FLOP, USD per PFLOP/s-day (the parts "
                             "of a unit add up to its usd_per_pflop_day in vintage_costs)",
    }),
    "architectures": ("Each architecture's share of the plan: cost per delivered FLOP with shared costs split.", {
        "architecture": "platform@site",
        "family": "swarm, module, station or ground",
        "npv_cost_usd": "present value of the architecture's costs: its units, a share of each trip by the tonnes "
                        "it carried, a share of its site's core by delivered FLOP, less its share of what learning "
                        "on the programme's own volume saved (by the tonnes or units that bought it); ground: "
                        "facilities, chips, energy, opex of existing MW",
        "npv_delivered_flop": "present value (discounted like money) of the FLOP it delivered",
        "usd_per_eflop": "the two divided, USD per 1e18 FLOP",
        "usd_per_pflop_day": "the same in USD per PFLOP/s-day",
        "npv_accelerator_hours": "discounted accelerator-hours of its effective accelerators",
        "usd_per_accelerator_hour": "cost per accelerator-hour, USD",
    }),
    "decisions": ("Every nonzero decision of the plan (what a fixed-plan evaluation keeps).", {
        "kind": "units, serviced, trips, open (site cores), build (ground MW) or chips (ground k-accelerators)",
        "index": "the decision's index, '|'-separated (e.g. architecture|design|year)",
        "value": "its value",
        "accelerators_per_unit": "for units: accelerators per unit of that design",
    }),
    "waterfall": (("Delivered-compute waterfall: installed peak FLOP/s to delivered FLOP, factor by factor, per "
                   "architecture and for the plan (scope 'plan'). Factors of a scope multiply to its delivered / "
                   "installed peak; the last flop_after is the delivered FLOP of allocation.csv."), {
        "scope": "platform@site, or plan",
        "family": "swarm, module, station, ground, or plan",
        "step": "order of the factor (1 = first applied to the installed peak)",
        "factor": "software_efficiency, power, thermal, downlink, single_events, interruptions, failures, servicing, "
                  "radiation_degradation, coverage, utilisation",
        "multiplier": "share of the stage before it that the factor keeps (flop_after / flop_before; servicing "
                      "can exceed 1)",
        "flop_before": "FLOP before the factor, summed over the horizon (undiscounted); step 1: "
                       "accelerators in service x dense peak FLOP/s at each workload's precision",
        "flop_after": "FLOP after the factor; the last step is the delivered FLOP",
        "lost_flop": "flop_before - flop_after",
        "share_of_peak": "flop_after / installed peak",
        "explanation": "what the model applies for this factor",
    }),
    "emissions": ("Emissions category x year: CO2 and site water of the plan (undiscounted).", {
        "category": "launch (combustion CO2, tankers included), spacecraft_embodied (unit hardware other than "
                    "accelerators, site cores), accelerators_embodied (space and ground, replacements included), "
                    "ground_facility_embodied (facility MW built), ground_energy (grid electricity and site "
                    "water), beyond_horizon (credit in the last year for the share of manufacturing and launch "
                    "emissions of assets still delivering after the horizon)",
        "year": "calendar year",
        "t_co2": "t CO2 (CO2e where the catalog's factor is CO2e)",
        "water_m3": "site water, m3 (ground campuses: IT energy x water_l_per_kwh)",
    }),
    "dropped_designs": ("Designs left out of the model and why.", {
        "architecture": "platform@site",
        "design": "accelerator/radiator temperature/shielding key (then /throttled, /retire@Ny, /swap@Ny where they "
                  "apply)",
        "reason": "why no unit of this design can work",
    }),
}

# Cost categories paid when something is bought (a unit, a trip, a site core, a ground facility): capital spending.
CAPITAL_CATEGORIES = frozenset({"accelerators", "bus", "arrays", "radiators", "batteries", "shielding", "terminals",
                                "heat_pumps", "fission_power", "propellant", "integration", "insurance", "launch",
                                "site_fixed", "ground_facility", "financing"})

# The cost categories of `costs.csv` and the emission categories of `emissions.csv` in a board reader's words (the
# ids stay in the tables: `terms.exclude_costs` takes them).
CATEGORY_WORDS = {
    "accelerators": "accelerators", "bus": "spacecraft buses", "arrays": "solar arrays", "radiators": "radiators",
    "batteries": "batteries", "shielding": "radiation shielding", "terminals": "optical terminals",
    "heat_pumps": "heat pumps", "fission_power": "fission power", "propellant": "propellant",
    "integration": "integration and test", "launch": "launch", "insurance": "insurance",
    "site_fixed": "site cores", "site_opex": "site core operations", "operations": "space operations",
    "servicing": "robotic servicing", "ground_facility": "ground facilities", "ground_lease": "ground leases",
    "ground_opex": "ground facility operations", "ground_energy": "ground energy",
    "ground_replacements": "ground accelerator replacements", "carbon": "carbon price",
    "unmet_penalty": "unmet-demand penalty", "financing": "financing (risk premium)",
    "residual_value": "residual value (credit)",
    "spacecraft_embodied": "spacecraft manufacturing", "accelerators_embodied": "accelerator manufacturing",
    "ground_facility_embodied": "ground facility construction", "beyond_horizon": "beyond-horizon credit",
}


def category_words(category: str) -> str:
    return CATEGORY_WORDS.get(category, category.replace("_", " "))


_PLAN_COLUMNS = {
    "plan": "name: optimum, 'min share_swarm @0.05', 'spread 3 @0.05', 'space_share 4'; its tables are in "
            "plans/<name, spaces as _ and @ as eps>/tables/ (the schema of a run's tables)",
    "kind": "optimum, directed, spread or front",
    "eps": "budget: the plan costs at most (1 + eps) x the optimum (empty on a front, which has no budget)",
    "objective": "what the plan minimised or maximised",
    "status": "optimal, time_limit (the best plan found in the time limit), infeasible or error",
    "mip_gap": "relative MIP gap HiGHS proved for the plan's own objective",
    "npv_cost_usd": "NPV cost, USD (penalties excluded), from the plan's cash flows",
    "cost_over_optimum": "(cost + penalties) / the optimum's - 1: what the budget row bounds",
    "usd_per_pflop_day": "cost per delivered PFLOP/s-day",
    "share_ground": "share of delivered FLOP (undiscounted, every year counted) served by ground campuses",
    "share_swarm": "the same, swarms",
    "share_module": "the same, modules",
    "share_station": "the same, stations",
    "space_share": "1 - share_ground",
    "flights": "launches (tanker flights included)",
    "mass_t": "mass launched, t",
    "co2_kg_per_pflop_day": "kg CO2 per delivered PFLOP/s-day (as in summary.json)",
    "risk_musd": "expected PV loss from launch failures, $M: each flight fails at its vehicle's catalog "
                 "failure_rate and loses its launch cost and its cargo (units at their PV cost)",
    "sites_opened": "site cores opened",
    "architectures": "architectures that serve any FLOP",
    "distance": "share of delivered FLOP served by another architecture or in another year than in the optimum "
                "(half the L1 distance of the two plans' architecture-year shares: 0 the same, 1 nothing in common)",
    "solve_s": "seconds of the solve",
}
NEAR_OPTIMAL: dict[str, tuple[str, dict[str, str]]] = {
    "alternatives/alternatives.csv": ("planner alternatives: one row a plan, the least-cost plan first, then the "
                                      "directed and the spread-out plans.", _PLAN_COLUMNS),
    "alternatives/robust.csv": ("What every plan within each budget agrees on.", {
        "eps": "budget", "decision": "'serve from <architecture>' or 'open <site>'",
        "plans": "plans within the budget (the optimum included)",
        "agreement": "all, none or some of them do it",
        "low": "least share of delivered FLOP from the architecture over those plans (a site: 0 or 1)",
        "high": "most share (a site: 0 or 1)",
    }),
    "pareto/<measure>/front.csv": ("planner pareto: one row a point of the front, from the least-cost plan to the "
                                   "least-cost plan at the measure's own optimum.", {
        **_PLAN_COLUMNS, "front": "the front's objective: space_share, co2, risk or latency",
        "measure": "its column", "bound": "the point's bound: space_share >= bound, CO2, loss or latency_ms <= bound",
        "latency_ms": "latency front: the round trip (ms) the real-time workload (the tightest limit) allows; only "
                      "architectures within it serve that workload (the cost optimum: every architecture)",
        "scenario_limit": "latency front: true at the scenario's own limit (the run's plan)",
    }),
}


_MEASURES = {  # the three measures of space against ground, per what-if (planner/sensitivity.py)
    "usd_per_pflop_day": "the plan's cost per delivered PFLOP/s-day, re-solved",
    "change": "change of the plan's cost per FLOP against the base plan (fraction)",
    "space_share": "space's share of the delivered FLOP (EFLOP/s-yr served, every workload), re-solved",
    "ratio_window": "cheapest space unit's full-life cost per FLOP over the ground's (vintage_costs, Earth workload "
                    "with the most demand), units built by the first year + 2 (below 1: space is cheaper)",
    "ratio_last": "the same for units built in the last build year",
}

# Tables the explaining re-solves write to analysis/ (``--analysis full|quick``), where they judge space against
# ground; ``{end}`` is low or high (the value at its catalog low or high).
ANALYSIS_TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "decisive_assumptions": ("One value at a time at its catalog low and high, re-solved. Values are chosen by "
                             "their first-order effect on the plan's cost and, separately, on the space-to-ground "
                             "unit-cost ratio (so space values enter even when the plan builds no space), plus "
                             "Starship's price and cadence.", {
        "path": "dotted catalog path", "unit": "unit of the value", "confidence": "confidence of the value",
        "source": "source id", "groups": "groups the value moves with", "space_end": "end favouring space",
        "first_order_usd": "first-order change of the plan's cost at the larger end, USD (the cost screen)",
        "{end}_value": "the value at that end",
        **{f"{{end}}_{k}": v for k, v in _MEASURES.items()},
        "{end}_space_architectures": "space architectures the re-solved plan builds",
        "{end}_decision_changes": "the space architectures built differ from the base plan's",
        "{end}_status": "solver status where the re-solve found no plan",
        "{end}_seconds": "seconds of the re-solve", "{end}_model": "update (same model) or rebuild",
        "value": "central value", "base_space_share": "space share of the base plan",
        "base_ratio_window": "ratio_window of the base plan", "base_ratio_last": "ratio_last of the base plan",
        "swing": "|low change| + |high change| of the cost per FLOP (the table's order)",
        "share_swing": "|low - base| + |high - base| of space_share",
        "ratio_swing": "|low - base| + |high - base| of ratio_window plus the same of ratio_last",
        "rank_cost": "rank by swing (1 = largest)", "rank_share": "rank by share_swing",
        "rank_ratio": "rank by ratio_swing",
    }),
    "groups": ("Each group of catalog values (and demand, and space hardware with launch together) moved as one step "
               "to the end favouring space and to the end favouring the ground, re-solved (`--analysis full` only).", {
        "group": "space_hardware, launch, ground_supply, accelerators, demand or space_hardware+launch",
        "label": "the group in words", "end": "space (every value at its end favouring space) or ground",
        "values": "number of values moved", "model": "update (same model) or rebuild", "status": "solver status",
        "mip_gap": "relative MIP gap of the re-solve", **_MEASURES,
        "space_architectures": "space architectures the re-solved plan builds",
        "last_build_year": "the build year of ratio_last", "seconds": "seconds of the re-solve",
        "moved": "each value moved and the end it moved to",
    }),
    "what_must_be_true": ("For each group and target, the smallest move t toward the group's end favouring space "
                          "at which the target is met (bisection; `--analysis full` only).", {
        "group": "as in groups.csv", "label": "the group in words",
        "target": "space share 10%, space share 50%, or space unit matches ground (ratio_window <= 1)",
        "measure": "space_share or ratio_window", "threshold": "the target's threshold",
        "base_value": "the measure at the central values (t = 0)",
        "end_value": "the measure with the whole group at its end favouring space (t = 1)",
        "reachable": "the target is met at some t <= 1", "t": "smallest t found meeting it (0: already met)",
        "t_below": "largest t tested that falls short", "value_at_t": "the measure at t",
        "feasible_to": "largest t tested at which the re-solve finds a plan (1: every move; beyond it the demand "
                       "cannot be served, unmet demand being not allowed)",
        "value_at_limit": "the measure at feasible_to",
        "meaning": "the row in words", "evaluations": "re-solves (share) or unit-cost evaluations (ratio) it took",
        "seconds": "seconds it took",
    }),
}


# summary.json: the keys whose meaning is not evident from their name, by block
SUMMARY: dict[str, tuple[str, dict[str, str]]] = {
    "resolution": ("How well the solve resolves the plan's space decisions, in dollars "
                   "(planner/solver/resolution.py). `planner run` solves until they are resolved unless "
                   "`solver.resolve_space: false`.", {
        "gap_usd": "incumbent minus the solver's bound (present value, USD): the most the plan can cost above the "
                   "best plan of the scenario",
        "space_cost_usd": "space-related cost of the plan: capex, operations, servicing, site cores and their yearly "
                          "cost, and launches of every space architecture (the fleet and launch part of the "
                          "objective, PV USD)",
        "cheapest_space_unit_usd": "PV USD of the cheapest space unit (with its launch share) whose formation holds "
                                   "the cluster of the workload with the most demand; 0 when none can",
        "target_usd": "share x max(space_cost_usd, cheapest_space_unit_usd)",
        "share": "the resolution asked for (solver.space_resolution, 1 % by default)",
        "resolved": "gap_usd <= target_usd: the space decisions are resolved",
        "rule": "the rule in words",
        "re_solves": "MIP re-solves after the plan's (ground-only comparison, analysis): mip_solves, and how many of "
                     "them stopped unresolved (at a time limit, or with the space resolution turned off)",
    }),
    "foresight": ("Only in a myopic run (`planner run --foresight myopic`, planner/foresight.py): the run's plan and "
                  "tables are the myopic pathway, held on the full horizon; `perfect_foresight` is then false.", {
        "mode": "myopic",
        "window_years": "W: the years each window sees",
        "step_years": "S: the years each window commits",
        "windows": "one entry per window: first_year, last_year (what it sees), committed_to (the last year whose "
                   "decisions it commits: taken then, a lead time before they take effect), status, mip_gap, "
                   "seconds (coefficients, build and solve), window_cost_usd (cost and unmet penalty of the window's "
                   "plan, PV USD, priced to the window's end)",
        "perfect_foresight": "the perfect-foresight plan of the same scenario: cost_and_penalty_usd (PV cost plus "
                             "unmet-demand penalty, what both plans minimise), npv_cost_usd, npv_penalty_usd, "
                             "usd_per_pflop_day, status, mip_gap, gap_usd (incumbent minus bound: a cost of myopia "
                             "within it is not resolved)",
        "myopic": "the same measures of the myopic pathway over the full horizon",
        "cost_of_myopia_usd": "myopic minus perfect foresight, cost_and_penalty_usd (PV USD)",
        "cost_of_myopia_share": "cost_of_myopia_usd over the perfect-foresight cost_and_penalty_usd",
        "cost_of_myopia_note": "the definition in words",
    }),
}


def _documented(tables: dict[str, tuple[str, dict[str, str]]], name: str = "{}.csv") -> list[str]:
    lines = []
    for key, (what, cols) in tables.items():
        lines += [f"## `{name.format(key)}`", "", what, "", "| column | meaning |", "|---|---|"]
        lines += [f"| `{c}` | {d} |" for c, d in cols.items()]
        lines.append("")
    return lines


def markdown() -> str:
    """The table documentation as Markdown (docs/tables.md)."""
    lines = ["# Result tables", "", "Every `planner run` writes these to `tables/` as CSV and Parquet.", ""]
    lines += _documented(TABLES)
    lines += ["# Analysis tables", "", "`planner run --analysis full|quick` also writes these to `analysis/` (CSV). "
              "The catalog tags the values of each group (`planner catalog --group NAME`); `{end}` stands for low "
              "and high.", ""]
    lines += _documented(ANALYSIS_TABLES, "analysis/{}.csv")
    lines += ["# Plans almost as cheap", "", "`planner alternatives` and `planner pareto` write these into the run "
              "folder (CSV).", ""]
    lines += _documented(NEAR_OPTIMAL, "{}")
    lines += ["# Run summary", "", "Blocks of a run's `summary.json` whose keys need more than their name.", ""]
    for name, (what, keys) in SUMMARY.items():
        lines += [f"## `summary.json`: `{name}`", "", what, "", "| key | meaning |", "|---|---|"]
        lines += [f"| `{k}` | {d} |" for k, d in keys.items()]
        lines.append("")
    return "\n".join(lines)
