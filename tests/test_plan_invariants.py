"""Invariants of solved plans, recomputed independently of the model.

The reference and optimistic_starship scenarios are solved once each (module-scoped fixtures). Every check
recomputes what the plan claims from ``planner.physics``, the catalog (``plan.scenario.catalog``), the scenario
and the per-unit columns of ``tables["designs"]`` - never through ``planner.model.coefficients``:

* radiators reject the unit's heat at their temperature in the site's hot-case environment;
* arrays carry the load at end of life through the worst eclipse; batteries carry it through the longest one;
* mass per unit is within its cap and its breakdown adds up;
* launches respect payload, cadence, and count tankers;
* demand is met, latency limits hold and round-trip times follow from the catalog distances;
* cost per FLOP is discounted cost over discounted FLOP;
* demand shadow prices are positive; unit counts are integers;
* one year of capital (hardware or launch) inside the horizon costs one annuity at the family's rate.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import planner
from planner.api import solve
from planner.physics import links, orbit, power, thermal, transport

ROOT = Path(__file__).resolve().parents[1]
SCEN = ROOT / "data" / "scenarios"
SECONDS_PER_YEAR = 365.25 * 86_400.0  # 1 EFLOP/s for a year = 3.15576e25 FLOP
MOON_DISTANCE_KM = 384_400.0  # Earth-Moon distance (CATALOG.md "Communication and latency")

pytestmark = pytest.mark.slow


def _solve(name: str):
    plan = solve(planner.load_scenario(SCEN / f"{name}.yaml"))
    assert plan.status in ("optimal", "time_limit"), plan.summary.get("infeasible_reasons")
    return plan


@pytest.fixture(scope="module")
def reference():
    return _solve("reference")


@pytest.fixture(scope="module")
def optimistic():
    return _solve("optimistic_starship")


@pytest.fixture(params=["reference", "optimistic"])
def plan(request):
    return request.getfixturevalue(request.param)


def _designs(plan) -> pd.DataFrame:
    d = plan.tables["designs"]
    assert len(d), "the plan builds no space units: nothing to check"
    return d


def _eclipse(site) -> tuple[float, float, float]:
    """(eclipse fraction of the worst orbit, longest eclipse in hours, eclipses a year) from the site catalog."""
    if site.eclipse_fraction is not None:
        return site.eclipse_fraction.v, site.longest_eclipse_h.v, site.eclipses_per_yr.v
    node = site.node_from_sun_deg.v if site.node_from_sun_deg is not None else None
    e = orbit.eclipse_seasons(site.altitude_km.v, orbit.betas_over_year_deg(site.inclination_deg.v, node))
    return e["eclipse_fraction"], e["longest_eclipse_h"], e["eclipses_per_yr"]


# ----------------------------------------------------------------------------------------------- thermal


def test_radiators_reject_the_heat_at_their_temperature(plan):
    cat, terms = plan.scenario.catalog, plan.scenario.scenario.terms
    rad = cat.components.radiator
    sides, fin = rad.sides.v, rad.fin_efficiency.v
    for _, row in _designs(plan).iterrows():
        site = cat.sites[row["site"]]
        eps, alpha = row["emissivity"], row["absorptivity"]
        if terms.coating_degradation:  # sized with end-of-life (hot-case) coatings
            eps_eol, alpha_eol = thermal.coatings_at_age(
                rad.emissivity_bol.v, rad.absorptivity_bol.v, rad.emissivity_loss_per_yr.v,
                rad.absorptivity_rise_per_yr.v, row["design_life_yr"])
            assert eps == pytest.approx(eps_eol, rel=1e-9) and alpha == pytest.approx(alpha_eol, rel=1e-9), row
        if site.effective_sink_k is not None:
            q = thermal.radiator_net_flux_w_m2(row["radiator_temp_k"], eps, sides, fin, sink_k=site.effective_sink_k.v)
        else:
            absorbed = thermal.absorbed_environment_w_m2(eps, alpha, sides, site.solar_flux_w_m2.v,
                                                         site.sun_on_radiator_fraction.v, site.planet_ir_w_m2.v,
                                                         site.albedo.v, site.planet_view_factor.v)
            q = thermal.radiator_net_flux_w_m2(row["radiator_temp_k"], eps, sides, fin, absorbed_w_m2=absorbed)
        assert q > 0, f"{row['architecture']} {row['design']}: a radiator that absorbs more than it emits was built"
        heat_w = row["load_kw_per_unit"] * 1000.0  # IT + bus + terminals + heat-pump work = heat rejected
        rejected_w = row["radiator_area_m2_per_unit"] * q
        assert rejected_w >= heat_w * (1 - 1e-3), (
            f"{row['architecture']} {row['design']} ({row['vintage']}): {row['radiator_area_m2_per_unit']:.0f} m2 "
            f"x {q:.1f} W/m2 = {rejected_w / 1e3:.0f} kW < {heat_w / 1e3:.0f} kW of heat")
        assert row["net_flux_w_m2"] == pytest.approx(q, rel=1e-6)
        # the chip's cap: above it only with a heat pump, whose work is part of the load
        assert row["radiator_temp_k"] <= row["radiator_cap_k"] + 1e-9 or row["heat_pump"], row
        assert row["load_kw_per_unit"] >= row["it_power_kw_per_unit"] - 1e-9


# ------------------------------------------------------------------------------------------------- power


def test_arrays_carry_the_load_at_end_of_life_through_the_eclipse(plan):
    cat, terms = plan.scenario.catalog, plan.scenario.scenario.terms
    sa, bat = cat.components.solar_array, cat.components.battery
    for _, row in _designs(plan).iterrows():
        pf, site = cat.platforms[row["platform"]], cat.sites[row["site"]]
        load_w = row["load_kw_per_unit"] * 1000.0
        if pf.power_source == "fission":
            assert row["solar_area_m2_per_unit"] == 0.0 and row["arrays_kg"] == 0.0, row
            continue
        f, longest_h, cycles = _eclipse(site) if terms.eclipse else (0.0, 0.0, 0.0)
        eol = (1.0 - site.array_degradation_per_yr.v) ** row["design_life_yr"] if terms.array_degradation else 1.0
        delivered_w = (row["solar_area_m2_per_unit"] * site.solar_flux_w_m2.v * sa.cell_efficiency.v
                       * sa.fill_factor.v * eol / (1.0 + power.eclipse_recharge_factor(f, sa.recharge_efficiency.v)))
        assert delivered_w >= load_w * (1 - 1e-3), (
            f"{row['architecture']} {row['design']}: array gives {delivered_w / 1e3:.0f} kW at end of life "
            f"through a {f:.3f} eclipse, load {load_w / 1e3:.0f} kW")
        dod = power.depth_of_discharge_for_cycles(cycles * row["design_life_yr"], bat.cycle_life.depth_of_discharge,
                                                  bat.cycle_life.cycles, bat.max_depth_of_discharge.v)
        battery_kwh = load_w * longest_h / dod / 1000.0
        assert row["battery_kwh_per_unit"] >= battery_kwh * (1 - 1e-3), row


# -------------------------------------------------------------------------------------------------- mass

MASS_PARTS = ("accelerators_kg", "shielding_kg", "bus_kg", "arrays_kg", "radiators_kg", "thermal_loop_kg", "batteries_kg",
              "terminals_kg", "power_other_kg", "structure_kg", "propellant_kg")


def _payload_per_trip_kg(cat, vehicle: str, site_name: str, first_year: int) -> float:
    """What the design trip carries: the ship of the vehicle's first year in service (or the horizon's first)."""
    lv, site = cat.launch_vehicles[vehicle], cat.sites[site_name]
    to_leo = lv.payload_leo_t.at(max(first_year, lv.first_year.v))
    if site.dv_from_leo_km_s is None:
        return to_leo * site.direct_payload_fraction.v * 1000.0
    ret = site.return_dv_km_s.v if site.return_dv_km_s is not None else None
    return 1000.0 * transport.payload_per_trip_t(lv.dry_mass_t.v, lv.propellant_t.v, lv.isp_s.v,
                                                 site.dv_from_leo_km_s.v, ret, to_leo)


def test_mass_per_unit_within_its_cap_and_the_breakdown_adds_up(plan):
    cat = plan.scenario.catalog
    assert plan.scenario.scenario.terms.unit_caps
    for _, row in _designs(plan).iterrows():
        pf = cat.platforms[row["platform"]]
        if pf.whole_trip:
            cap_kg = _payload_per_trip_kg(cat, pf.vehicles[0], row["site"], plan.scenario.scenario.horizon.first_year)
            assert row["volume_m3_per_unit"] <= cat.launch_vehicles[pf.vehicles[0]].volume_m3.v * (1 + 1e-9), row
        else:
            cap_kg = pf.max_mass_kg.v
        assert 0 < cap_kg
        assert row["mass_kg_per_unit"] <= cap_kg * (1 + 1e-9), (
            f"{row['architecture']} {row['design']}: {row['mass_kg_per_unit']:.0f} kg > cap {cap_kg:.0f} kg")
        parts = sum(row[c] for c in MASS_PARTS)
        assert parts == pytest.approx(row["mass_kg_per_unit"], rel=1e-9), {c: row[c] for c in MASS_PARTS}
        assert all(row[c] >= 0 for c in MASS_PARTS)


# ------------------------------------------------------------------------------------------------ launch


def test_launches_respect_payload_and_cadence(plan):
    cat = plan.scenario.catalog
    la = plan.tables["launches"]
    assert len(la)
    for _, row in la.iterrows():
        assert row["payload_capacity_kg"] >= row["mass_launched_kg"] * (1 - 1e-9), row
        assert row["flights"] <= row["cadence_cap"] + 1e-6, row
        assert row["flights"] == pytest.approx(row["trips"] + row["tanker_flights"], abs=1e-9), row
        assert row["trips"] == pytest.approx(round(row["trips"]), abs=1e-6), "trips are integers"
        assert row["cadence_cap"] == pytest.approx(
            cat.launch_vehicles[row["vehicle"]].cadence_flights_per_yr.at(row["year"]), rel=1e-9)
    # a whole-trip unit (a module or station) fills a trip of its own
    d = plan.tables["designs"]
    whole = d[[cat.platforms[p].whole_trip for p in d["platform"]]]
    for (year, vehicle), units in whole.groupby(
            ["vintage", whole["platform"].map(lambda p: cat.platforms[p].vehicles[0])])["units"]:
        trips = la.loc[(la["year"] == year) & (la["vehicle"] == vehicle), "trips"].sum()
        assert trips >= units.sum() - 1e-9, (year, vehicle, units.sum(), trips)


# ------------------------------------------------------------------------------------------------ demand


def test_demand_is_met_every_year(plan):
    s = plan.scenario.scenario
    assert plan.tables["unmet"].empty and not plan.summary["unmet_eflop_s"]
    served = plan.tables["allocation"].groupby(["workload", "year"])["eflop_s"].sum()
    for w, spec in s.workloads.items():
        for y in s.horizon.years:
            want = spec.demand_at(y)
            got = float(served.get((w, y), 0.0))
            assert got == pytest.approx(want, rel=1e-6, abs=1e-9), f"{w} {y}: served {got} of {want} EFLOP/s"


def test_latency_limits_hold_and_rtt_follows_from_distances(plan):
    cat, s = plan.scenario.catalog, plan.scenario.scenario
    al = plan.tables["allocation"]
    assert len(al)
    for _, row in al.iterrows():
        spec = s.workloads[row["workload"]]
        assert row["latency_limit_ms"] == spec.latency_limit_ms
        assert row["site_rtt_ms"] <= row["latency_limit_ms"], row
        platform, site = row["architecture"].split("@")
        if platform == "ground_campus":
            g = cat.ground_regions[site]
            dist = g.distance_to_users_km.v if spec.users == "earth" else MOON_DISTANCE_KM
            routing = g.routing_ms.v
        else:
            st = cat.sites[site]
            dist = st.distance_to_earth_users_km.v if spec.users == "earth" else st.distance_to_moon_users_km.v
            routing = st.routing_ms.v
        assert row["site_rtt_ms"] == pytest.approx(links.round_trip_ms(dist, routing), rel=1e-9), row


# -------------------------------------------------------------------------------------------------- money


def _periods(horizon) -> dict[int, list[int]]:
    ys = horizon.years
    return {y: list(range(y, ys[i + 1] if i + 1 < len(ys) else horizon.last_year + 1)) for i, y in enumerate(ys)}


def test_cost_per_flop_is_discounted_cost_over_discounted_flop(plan):
    s = plan.scenario.scenario
    r, base = s.money.discount_rate, s.money.base_year
    costs = plan.tables["costs"]
    # every present value is the cash flow discounted to the base year
    df_cost = (1.0 + r) ** -(costs["year"] - base)
    assert (costs["usd_discounted"] - costs["usd"] * df_cost).abs().max() <= 1e-6 * costs["usd"].abs().max()
    npv_cost = float(costs.loc[costs["category"] != "unmet_penalty", "usd_discounted"].sum())
    assert plan.summary["npv_cost_usd"] == pytest.approx(npv_cost, rel=1e-9)

    served = plan.tables["allocation"].groupby("year")["eflop_s"].sum()
    npv_flop = sum(float(served.get(y, 0.0)) * sum((1.0 + r) ** -(t - base) for t in years) * 1e18 * SECONDS_PER_YEAR
                   for y, years in _periods(s.horizon).items())
    assert SECONDS_PER_YEAR * 1e18 == pytest.approx(3.15576e25, rel=1e-12)
    assert plan.summary["npv_delivered_flop"] == pytest.approx(npv_flop, rel=1e-9)
    assert plan.summary["usd_per_eflop"] == pytest.approx(npv_cost / (npv_flop / 1e18), rel=1e-9)
    assert plan.summary["usd_per_pflop_day"] == pytest.approx(plan.summary["usd_per_eflop"] * 86.4, rel=1e-12)
    # the objective the solver minimised is the same money (penalties aside)
    assert plan.summary["objective_usd"] == pytest.approx(npv_cost + plan.summary["npv_penalty_usd"], rel=1e-6)


def test_launch_cash_flows_are_what_the_launches_cost(plan):
    """The costs table books each year's launches at what was flown (not a financing-marked-up amount)."""
    costs, la = plan.tables["costs"], plan.tables["launches"]
    cat = plan.scenario.catalog
    booked = costs[costs["category"] == "launch"].groupby("year")["usd"].sum()
    # the launches table adds the trip's insurance (or its expected loss when self-insured) to the price
    risk = {v: (lv.insurance_fraction.v or lv.failure_rate.v) for v, lv in cat.launch_vehicles.items()}
    flown = (la["cost_usd"] / la["vehicle"].map(lambda v: 1 + risk[v])).groupby(la["year"]).sum()
    assert set(booked.index) == set(flown.index)
    for y, usd in flown.items():
        assert booked[y] == pytest.approx(usd, rel=1e-6), f"{y}: costs say ${booked[y]:,.0f}, launches ${usd:,.0f}"


def test_demand_shadow_prices_are_positive(plan):
    c = plan.tables["constraints"]
    bal = c[c["constraint"] == "balance"]
    s = plan.scenario.scenario
    with_demand = {f"{w}|{y}" for w, spec in s.workloads.items() for y in s.horizon.years if spec.demand_at(y) > 0}
    assert set(bal["index"]) == with_demand, "one balance row per workload-year with demand"
    bad = bal[~(bal["shadow_price"] > 0)]
    assert bad.empty, f"cost must rise with demand:\n{bad[['index', 'shadow_price']].to_string()}"


def test_units_are_whole_numbers(plan):
    d = _designs(plan)
    assert (d["units"] >= 1).all()
    assert all(float(u).is_integer() for u in d["units"])
    assert all(float(n).is_integer() and n >= 1 for n in d["accelerators_per_unit"])
    assert plan.summary["units_built"] == pytest.approx(float(d["units"].sum()))


# ------------------------------------------------------------------------- waterfall, thermal chain, emissions


def test_waterfall_multiplies_to_the_delivered_flop(plan):
    w, al = plan.tables["waterfall"], plan.tables["allocation"]
    by_arch = al.groupby("architecture")["flop"].sum()
    assert "plan" in set(w["scope"]) and set(by_arch.index) <= set(w["scope"])
    peaks = {}
    for scope, g in w.groupby("scope", sort=False):
        g = g.sort_values("step")
        delivered = al["flop"].sum() if scope == "plan" else by_arch.get(scope, 0.0)
        assert g["flop_after"].iloc[-1] == pytest.approx(delivered, rel=1e-9), scope
        assert g["flop_before"].iloc[0] * g["multiplier"].prod() == pytest.approx(delivered, rel=1e-9), scope
        assert g["flop_before"].iloc[1:].to_numpy() == pytest.approx(g["flop_after"].iloc[:-1].to_numpy(), rel=1e-12)
        m = g.set_index("factor")["multiplier"]
        assert m["power"] == 1.0 and m["thermal"] == 1.0, "arrays and radiators are sized not to throttle"
        assert ((m.drop("servicing") >= 0) & (m.drop("servicing") <= 1 + 1e-9)).all(), m
        peaks[scope] = g["flop_before"].iloc[0]
    assert peaks.pop("plan") == pytest.approx(sum(peaks.values()), rel=1e-12)


def test_radiators_close_at_end_of_life_and_the_limiting_link_follows(plan):
    cat, terms = plan.scenario.catalog, plan.scenario.scenario.terms
    rad = cat.components.radiator
    sides, fin = rad.sides.v, rad.fin_efficiency.v
    for _, row in _designs(plan).iterrows():
        site, acc = cat.sites[row["site"]], cat.accelerators[row["accelerator"]]
        heat_w = row["load_kw_per_unit"] * 1000.0
        area = row["radiator_area_m2_per_unit"]
        margin = thermal.rejection_margin(area, row["net_flux_w_m2"], heat_w)
        assert margin >= -1e-9 and row["eol_margin"] == pytest.approx(margin, abs=1e-9), row
        # fresh coatings reject at least as much: the beginning-of-life margin is the headroom drift uses up
        eps0, alpha0 = rad.emissivity_bol.v, rad.absorptivity_bol.v
        if site.effective_sink_k is not None:
            q0 = thermal.radiator_net_flux_w_m2(row["radiator_temp_k"], eps0, sides, fin, sink_k=site.effective_sink_k.v)
        else:
            q0 = thermal.radiator_net_flux_w_m2(row["radiator_temp_k"], eps0, sides, fin, absorbed_w_m2=(
                thermal.absorbed_environment_w_m2(eps0, alpha0, sides, site.solar_flux_w_m2.v,
                                                  site.sun_on_radiator_fraction.v, site.planet_ir_w_m2.v,
                                                  site.albedo.v, site.planet_view_factor.v)))
        assert row["bol_margin"] == pytest.approx(area * q0 / heat_w - 1, rel=1e-9, abs=1e-9)
        if terms.coating_degradation:
            assert row["bol_margin"] >= row["eol_margin"] - 1e-12
        cap, part = thermal.radiator_temp_cap_k(acc.junction_max_k.v, acc.hbm_max_k.v, rad.cold_plate_drop_k.v,
                                                rad.coolant_drop_k.v, rad.fin_drop_k.v)
        assert (row["radiator_cap_k"], row["radiator_cap_part"]) == (cap, part)
        assert row["chain_drop_k"] == rad.cold_plate_drop_k.v + rad.coolant_drop_k.v + rad.fin_drop_k.v
        emitted = thermal.radiator_net_flux_w_m2(row["radiator_temp_k"], row["emissivity"], sides, fin,
                                                 absorbed_w_m2=0.0)
        assert row["emitted_w_m2"] == pytest.approx(emitted, rel=1e-9)
        assert row["limiting_link"] == thermal.limiting_link(row["binding_cap"], bool(row["heat_pump"]), part,
                                                             row["absorbed_w_m2"], row["emitted_w_m2"])


def test_emissions_follow_launches_and_energy_and_reconcile(plan):
    cat, s, t = plan.scenario.catalog, plan.summary, plan.tables
    em = t["emissions"]
    assert s["co2_t"] == pytest.approx(em["t_co2"].sum(), rel=1e-9)
    assert s["co2_t_emitted"] == pytest.approx(em.loc[em["category"] != "beyond_horizon", "t_co2"].sum(), rel=1e-9)
    assert s["water_m3"] == pytest.approx(em["water_m3"].sum(), rel=1e-9)
    # launches: flights (tankers included) x the vehicle's CO2 per flight
    la = t["launches"]
    flown = (la["flights"] * la["vehicle"].map(lambda v: cat.launch_vehicles[v].co2_t_per_flight.v)).groupby(
        la["year"]).sum()
    booked = em[em["category"] == "launch"].set_index("year")["t_co2"]
    assert booked.to_dict() == pytest.approx(flown[flown > 0].to_dict(), rel=1e-9)
    # grid energy and site water: IT load x average draw x (PUE) x hours x the region's factors
    g = t["ground"]
    reg = g["region"].map(cat.ground_regions.__getitem__)
    it_mwh = g["it_load_mw"] * reg.map(lambda r: r.utilisation.v) * 8766.0
    co2 = (it_mwh * reg.map(lambda r: r.pue.v * r.grid_co2_kg_per_kwh.v)).groupby(g["year"]).sum()
    water = (it_mwh * reg.map(lambda r: r.water_l_per_kwh.v)).groupby(g["year"]).sum()
    energy = em[em["category"] == "ground_energy"].set_index("year")
    assert energy["t_co2"].to_dict() == pytest.approx(co2[co2 > 0].to_dict(), rel=1e-9)
    assert energy["water_m3"].to_dict() == pytest.approx(water[water > 0].to_dict(), rel=1e-9)
    # per delivered PFLOP-day (one PFLOP/s for a day = 8.64e19 FLOP; one-year steps)
    days = t["allocation"]["flop"].sum() / 8.64e19
    assert s["co2_kg_per_pflop_day"] == pytest.approx(s["co2_t"] * 1000 / days, rel=1e-9)
    assert s["water_l_per_pflop_day"] == pytest.approx(s["water_m3"] * 1000 / days, rel=1e-9)
    assert s["ground_only"]["co2_kg_per_pflop_day"] > 0


# ------------------------------------------------------------------------------------------ launch money

ALL_BUT = ["accelerators", "bus", "arrays", "shielding", "radiators", "batteries", "terminals", "heat_pumps",
           "fission_power", "propellant", "integration", "insurance", "operations", "servicing", "site_fixed",
           "site_opex", "ground_opex", "ground_lease", "ground_replacements", "launch"]


def _one_year_of_capital(keep: str, premium: float, life: int) -> dict:
    """The Starcloud module alone, one-year horizon at 7 % (+ premium), only one cost category charged."""
    rs = planner.load_scenario(SCEN / "starcloud_2024.yaml", {
        "horizon.last_year": 2030, "money.discount_rate": 0.07, "money.risk_premium": {"module": premium},
        "architectures.allow": ["starship_module@sso_650_dd"],
        "catalog.platforms.starship_module.design_life_yr": life,
        "terms.exclude_costs": [c for c in ALL_BUT if c != keep]})
    plan = solve(rs, explain=False, compare_ground=False)
    assert plan.status == "optimal"
    return {"npv": plan.summary["npv_cost_usd"], "units": int(plan.tables["designs"]["units"].sum())}


def _annuity(capex: float, rate: float, life: int) -> float:
    """First-year payment of a capex repaid evenly over its life at ``rate`` (first payment in the build year)."""
    return capex / sum((1 + rate) ** -k for k in range(life))


@pytest.mark.parametrize("premium", [0.0, 0.03])
def test_one_year_of_array_capex_costs_its_annuity_at_the_family_rate(premium):
    # $2M of arrays (Starcloud), 15-year module, one year inside the horizon (the base year): PV = first annuity
    got = _one_year_of_capital("arrays", premium, 15)
    assert got["units"] == 1
    assert got["npv"] == pytest.approx(_annuity(2e6, 0.07 + premium, 15), rel=1e-6)


@pytest.mark.parametrize("premium", [0.0, 0.03])
def test_one_year_of_launch_costs_its_annuity_at_the_family_rate(premium):
    # launch is capital like any capex (a $5M trip for a 15-year module, one year inside the horizon): the
    # residual credit for the 14 years after it must not pay back more than the trip cost (a negative launch
    # cost makes the optimiser build units it does not need), and a risk premium applies to it as to hardware
    got = _one_year_of_capital("launch", premium, 15)
    assert got["npv"] > 0, f"launching a module earns ${-got['npv']:,.0f}"
    assert got["units"] == 1, f"{got['units']} modules built for a demand one module meets"
    assert got["npv"] == pytest.approx(_annuity(5e6, 0.07 + premium, 15), rel=1e-6)


# ---------------------------------------------------------------------------------------------- the API


def test_documented_api_planner_solve_is_callable():
    import importlib

    importlib.import_module("planner.api")
    assert callable(planner.solve)
