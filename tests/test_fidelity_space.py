"""Issue 16, the space side's remaining items: Starship's payload as a trajectory, learning's saving in the cost
tables, single events on a heavy-ion basis, eclipse-season throttling, and keeping or swapping space accelerators.
Hand calculations and toy instances against enumeration."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import pytest

from planner.catalog.load import load_catalog
from planner.catalog.schema import Quantity
from planner.model.coefficients import compute, routes_for
from planner.scenario import load_scenario

SCEN = Path(__file__).parent.parent / "data" / "scenarios"


# ------------------------------------------------------------------------------ Starship's payload by year

def _with_payload(cat, table: dict[int, float]):
    lv = cat.launch_vehicles["starship"]
    q = Quantity(value=table, unit="t", source="planner_team", confidence="our assumption")
    return SimpleNamespace(sites=cat.sites, launch_vehicles={"starship": lv.model_copy(update={"payload_leo_t": q})})


def test_trips_follow_the_payload_trajectory_by_hand():
    cat = load_catalog()
    fake = _with_payload(cat, {2027: 100.0, 2030: 100.0, 2035: 150.0})
    periods = {2027: [2027], 2032: [2032], 2035: [2035, 2036]}
    # direct to LEO: the payload to LEO itself, interpolated (2032: 100 + 50 x 2/5 = 120 t)
    leo = routes_for(fake, "leo_550_53", ["starship"], periods)["starship>leo_550_53"]
    assert leo.payload_t == pytest.approx(100.0)  # the design trip: the first year in service
    assert leo.payload_in(2032) == pytest.approx(120.0)
    assert leo.payload_in(2035) == pytest.approx(150.0)
    assert leo.flights_in(2035) == 1
    # GEO, refuelled in LEO and flown back: dry 120 t, 1,200 t of propellant, Isp 380 s, 4.44 km/s out, 1.5 back
    st = cat.sites["geo"]
    assert (st.dv_from_leo_km_s.v, st.return_dv_km_s.v) == (4.44, 1.5)
    ve = 9.80665 * 380 / 1000  # km/s
    left = (math.exp(1.5 / ve) - 1) * 120  # 59.5 t kept for the way back
    r_out = math.exp(4.44 / ve)  # 3.29
    assert (1200 - left) / (r_out - 1) - 120 - left > 150  # a full tank could carry 318 t: the structure caps it

    def tankers(payload):  # propellant for the trip, over what one tanker lifts to LEO
        return math.ceil(((r_out - 1) * (120 + payload + left) + left) / payload)

    assert (tankers(100), tankers(120), tankers(150)) == (7, 7, 6)  # 700 t / 100; 746 t / 120; 815 t / 150
    geo = routes_for(fake, "geo", ["starship"], periods)["starship>geo"]
    assert (geo.payload_t, geo.tankers, geo.flights_per_trip) == (pytest.approx(100.0), 7, 8)
    assert (geo.payload_in(2032), geo.flights_in(2032)) == (pytest.approx(120.0), 8)
    assert (geo.payload_in(2035), geo.flights_in(2035)) == (pytest.approx(150.0), 7)
    assert geo.payload_in(2060) == geo.payload_t  # a year outside the periods: the design trip


def test_the_reference_catalog_payload_reaches_the_models_launch_rows():
    """The catalog's trajectory (100 t to 2030, 150 t by 2035) sets each year's route capacity, the flights of a trip
    and its price; a swarm satellite's launch share falls with the payload it rides on."""
    rs = load_scenario(SCEN / "reference.yaml", ["horizon.last_year=2036"])
    c = compute(rs)
    lv = c.catalog.launch_vehicles["starship"]
    assert lv.payload_leo_t.at(2033) == pytest.approx(130.0)
    leo = [k for k, rt in c.routes.items() if rt.vehicle == "starship" and rt.site == "leo_550_53"][0]
    cal = c.period_years[max(y for y in c.years if y <= 2035)]
    expect = sum(lv.payload_leo_t.at(t) for t in cal) / len(cal)
    y35 = max(y for y in c.years if y <= 2035)
    assert c.routes[leo].payload_in(y35) == pytest.approx(expect)
    from planner.model.build import build_model
    pm = build_model(c)
    assert pm.m.payload[leo, y35].value == pytest.approx(expect)
    assert pm.m.payload[leo, 2027].value == pytest.approx(100.0)
    swarm = [(a, key) for (a, key) in c.designs if a == "swarm_satellite@leo_550_53"]
    assert swarm
    a, key = swarm[0]
    assert c.trip_share(a, key, leo, y35) == pytest.approx(c.designs[(a, key)].trip_mass_t / expect)


# ---------------------------------------------------------- learning's saving in the per-architecture costs

def test_learning_saving_is_in_the_architecture_costs_and_the_drivers():
    """With learning on the programme's own launches, the toy's one architecture carries the whole saving: the same
    plan costs it exactly the model's learning term less in the per-architecture table than without learning, and
    the cost-driver attribution shows that saving against the launch learning rate, in the launch category."""
    from planner.results.attribution import cost_drivers
    from planner.results.plan import build_tables, read_solution
    from tests.test_fidelity_ground import LEARN_CASE, _stream
    from tests.toy import ARCH, solve_toy, toy_coefficients
    import pyomo.environ as pyo

    c = toy_coefficients(**LEARN_CASE)
    c.learning = {"launch:starship": _stream("launch", "starship", {2030: 6.0, 2031: 3.0})}
    pm, res = solve_toy(c)
    assert res.status == "optimal"
    sol = read_solution(pm)
    saving = pyo.value(pm.m.cost_learning) * 1e6
    assert saving < -1e5  # learning saves something here
    with_learning = build_tables(c, sol)["architectures"].set_index("architecture")
    drivers = cost_drivers(c, sol)
    learning, c.learning = c.learning, {}
    without = build_tables(c, sol)["architectures"].set_index("architecture")
    plain_drivers = cost_drivers(c, sol)
    c.learning = learning
    assert with_learning.loc[ARCH, "npv_cost_usd"] - without.loc[ARCH, "npv_cost_usd"] == pytest.approx(saving)
    assert drivers["pv_usd"].sum() - plain_drivers["pv_usd"].sum() == pytest.approx(saving)
    learned = drivers[drivers["driver"] == "programme_learning.launch_learning_rate"]
    assert learned["pv_usd"].sum() == pytest.approx(saving)
    assert set(learned["category"]) == {"launch"}


# ------------------------------------------------------------------------------- eclipse-season throttling

def test_a_throttled_unit_carries_only_its_bus_through_eclipse_by_hand():
    from planner.physics.unit import UnitSpec, unit_budget
    spec = UnitSpec(accel_power_w=1000.0, host_power_fraction=0.25, accel_mass_kg=10.0, shielding_mass_kg_per_accel=0.0,
                    bus_mass_kg=100.0, bus_power_w=500.0, terminals=2, terminal_mass_kg=5.0, terminal_power_w=250.0,
                    structure_margin=0.0, power_source="solar", solar_flux_w_m2=1361.0, cell_efficiency=0.3,
                    fill_factor=0.9, array_eol_factor=0.9, eclipse_fraction=0.2, recharge_efficiency=0.9,
                    array_specific_power_w_per_kg=100.0, longest_eclipse_h=0.5, depth_of_discharge=0.5,
                    battery_wh_per_kg=150.0, fission_kg_per_kwe=0.0, radiator_temp_k=320.0, radiator_cap_k=400.0,
                    radiator_net_flux_w_m2=500.0, radiator_kg_per_m2=5.0, heat_pump_carnot_fraction=0.5,
                    heat_pump_kg_per_kw=0.0, drag_kg_per_m2_yr=0.0, life_yr=5.0, manoeuvre_dv_m_s=0.0,
                    thruster_isp_s=1500.0, max_mass_kg=math.inf, max_array_m2=math.inf, max_radiator_m2=math.inf,
                    max_volume_m3=math.inf, stowed_density_kg_m3=100.0)
    sized = unit_budget(spec, 10)
    throttled = unit_budget(spec.__class__(**{**spec.__dict__, "throttle_in_eclipse": True}), 10)
    load = 10 * 1000 * 1.25 + 500 + 2 * 250  # 13.5 kW; in eclipse the throttled unit draws the bus and terminals, 1 kW
    per_m2 = 1361 * 0.3 * 0.9 * 0.9  # W/m2 at end of life
    recharge = 0.2 / (0.8 * 0.9)  # energy drawn in eclipse, put back in the sunlit rest of the orbit
    assert sized.battery_kwh == pytest.approx(13.5 * 0.5 / 0.5)  # 13.5 kWh
    assert throttled.battery_kwh == pytest.approx(1.0 * 0.5 / 0.5)  # 1 kWh
    assert sized.array_area_m2 == pytest.approx(load * (1 + recharge) / per_m2)
    assert throttled.array_area_m2 == pytest.approx((load + 1000 * recharge) / per_m2)
    assert throttled.radiator_area_m2 == sized.radiator_area_m2  # it still rejects the full heat in sunlight


@pytest.mark.parametrize("dark_share, winner", [("site", "throttled"), (0.3127, "sized")])
def test_the_optimiser_chooses_between_sizing_and_throttling_as_enumeration(dark_share, winner):
    """Both ways of a swarm satellite at the dawn-dusk SSO (the toy's site, 3.9 % of the year in shadow, the worst
    orbit 20 %), costs, capacities and masses from the planner's own sizing: the throttled unit fits more accelerators
    under its mass cap (a 1 kWh battery instead of 15) and computes 96 % of the time, so it carries more. Demand
    just under five of the larger units: 5 throttled units (dearer each) beat the 6 sized ones needed. With LEO
    53 deg's dark share (31 % of the year) the throttled unit carries less than a sized one: 5 sized units. The
    model's plan is the enumeration's."""
    from tests.toy import ARCH
    opts = ["design_space.eclipse_throttling=true", "design_space.shielding_mm_al=[1]"]
    real = compute(load_scenario(Path(__file__).parent / "data" / "toy.yaml", opts))
    keys = {("throttled" if k.endswith("throttled") else "sized"): k for (a, k) in real.designs if a == ARCH}
    assert set(keys) == {"sized", "throttled"}
    d_s, d_t = real.designs[(ARCH, keys["sized"])], real.designs[(ARCH, keys["throttled"])]
    assert d_t.accelerators_per_unit > d_s.accelerators_per_unit and d_t.budget.battery_kwh < d_s.budget.battery_kwh
    assert d_t.compute_duty == pytest.approx(1 - 0.0386, abs=1e-3)
    cap_s = real.unit_cap[(ARCH, keys["sized"], 2030, 2030)]
    cap_t = real.unit_cap[(ARCH, keys["throttled"], 2030, 2030)]
    assert cap_t / cap_s == pytest.approx(d_t.accelerators_per_unit / d_s.accelerators_per_unit * d_t.compute_duty)
    if dark_share != "site":
        cap_t *= (1 - dark_share) / d_t.compute_duty
    cost = {n: real.unit_cost[(ARCH, keys[n], 2030)] for n in keys}
    demand = 0.999 * 5 * max(cap_t, cap_s)  # five of the larger; four of it and one of the other fall short
    spec = {"1mm": {"cost": {2030: cost["sized"], 2031: cost["sized"]}, "cap": cap_s, "mass_t": d_s.trip_mass_t,
                    "life_yr": 2},
            "throttled": {"cost": {2030: cost["throttled"], 2031: cost["throttled"]}, "cap": cap_t,
                          "mass_t": d_t.trip_mass_t, "life_yr": 2}}
    case = dict(designs=spec, demand={2030: demand, 2031: demand}, payload_t=100.0, trip_cost={2030: 1.0, 2031: 1.0},
                cadence=10)
    _model_is_the_enumeration(case, opts, {("throttled", 2030): 5} if winner == "throttled" else {("1mm", 2030): 5})


def _model_is_the_enumeration(case: dict, opts: list[str], expected: dict) -> None:
    """The enumeration's optimum builds ``expected`` (design suffix, vintage) -> units, and the toy model's plan and
    cost are the enumeration's."""
    from tests.toy import enumerate_optimum, solve_toy, toy_coefficients
    best, build = enumerate_optimum(**case)
    assert {k: n for k, n in build.items() if n} == expected
    pm, res = solve_toy(toy_coefficients(**case, overrides=opts))
    assert res.status == "optimal"
    assert float(pm.m.total_cost()) == pytest.approx(best, abs=1e-6)
    chosen = {(k.split("/")[-1], v): round(x.value) for (a, k, v), x in pm.m.units.items() if round(x.value)}
    assert chosen == expected


# ------------------------------------------------------------------ radiation: galactic heavy ions, solar events

def test_the_models_single_event_factor_reads_the_heavy_ions_of_each_site():
    rs = load_scenario(SCEN / "reference.yaml", ["horizon.last_year=2036"])
    c = compute(rs)
    cat = c.catalog
    se = cat.components.single_events
    for (w, a, g), parts in c.eff_parts.items():
        if c.archs[a]["kind"] != "space" or w != "training":
            continue
        st = cat.sites[c.archs[a]["site"]]
        acc = cat.accelerators[g]
        gcr = st.gcr_transmission.v * 200 * 45_000 * 365.25 * 1.602e-8 * 8.5 / 1000
        events = (st.seu_dose_rad_per_yr.v / 1000 + gcr) * (acc.sdc_per_krad.v * se.sdc_recovery_h.v
                                                             + acc.crash_per_krad.v * se.crash_recovery_h.v)
        expect = max(0.0, 1 - rs.scenario.workloads[w].min_cluster_accelerators * events / 8766)
        assert parts["single_events"] == pytest.approx(expect, rel=1e-9), (a, g)


def test_solar_particle_event_risk_by_hand():
    """The design event (August 1972 class, 0.025 a year in free space) gives 25 krad behind 4 mm; the cislunar
    event table falls from 500 (2 mm) to 150 (5 mm) rad/yr, so 4 mm is 500 x 0.3^(2/3) = 224 and 5 mm gets
    25 x 150 / 224 = 16.7 krad. Events above the 2 krad onset come 8.37^0.4 = 2.34 times as often as the design
    event: over 5 years at L1 1 - exp(-0.025 x 2.34 x 5) = 25 %; the lunar surface sees half the sky."""
    from planner.model.coefficients import spe_onset_risk
    cat = load_catalog()
    at4 = 500 * 0.3 ** (2 / 3)
    event = 25 * 150 / at4
    assert event == pytest.approx(16.73, rel=1e-3)
    p = 1 - math.exp(-0.025 * (event / 2) ** 0.4 * 5)
    assert p == pytest.approx(0.2535, rel=1e-3)
    assert spe_onset_risk(cat, "eml1", 5, "b200", 5) == pytest.approx(p, rel=1e-6)
    half = 1 - math.exp(-0.5 * 0.025 * (event / 2) ** 0.4 * 5)
    assert spe_onset_risk(cat, "lunar_south_pole", 5, "b200", 5) == pytest.approx(half, rel=1e-6)
    assert spe_onset_risk(cat, "eml1", 20, "b200", 5) < spe_onset_risk(cat, "eml1", 5, "b200", 5)  # shielding helps


# -------------------------------------------------------------------------- space units: keep or retire

def _retire_case(ops_musd: float):
    from tests.toy import ARCH
    opts = ["design_space.space_unit_lives_yr=[1]", "design_space.shielding_mm_al=[1]",
            f"catalog.platforms.swarm_satellite.ops_cost_musd_per_unit_yr={ops_musd}"]
    real = compute(load_scenario(Path(__file__).parent / "data" / "toy.yaml", opts))
    keys = {("retire" if "retire@" in k else "keep"): k for (a, k) in real.designs if a == ARCH}
    return opts, real, keys


def test_a_retired_space_unit_serves_and_costs_its_planned_life_by_hand():
    """Retiring a 5-year swarm satellite after 1 year: the same unit sized for 1 year (its array loses one year's
    degradation, so it may carry an accelerator more), capacity in 2030 only, operations for 2030 only, and no
    residual value at the horizon (2031): its cost is its whole capex plus one year of operations."""
    from tests.toy import ARCH
    _, c, keys = _retire_case(0.02)
    keep, retire = c.designs[(ARCH, keys["keep"])], c.designs[(ARCH, keys["retire"])]
    assert (keep.life_yr, retire.life_yr, retire.life_limit) == (5.0, 1.0, "retired (keep or retire)")
    assert keys["retire"] == keys["keep"] + "/retire@1y"
    assert (ARCH, keys["retire"], 2030, 2031) not in c.unit_cap
    assert (ARCH, keys["keep"], 2030, 2031) in c.unit_cap
    ops = [(t, x) for cat, t, x in c.unit_flows(ARCH, keys["retire"], 2030) if cat == "operations"]
    assert ops == [(2030, pytest.approx(0.02 * c.price_factor(2030)["operations"]))]
    assert not [f for f in c.unit_flows(ARCH, keys["retire"], 2030) if f[0] == "residual_value"]
    capex = sum(c.unit_capex(ARCH, keys["retire"], 2030).values())
    # discount rate 0 and no residual: the whole capex (its launch share is paid with the trip) and one year of ops
    assert c.unit_cost[(ARCH, keys["retire"], 2030)] == pytest.approx(capex + ops[0][1], rel=1e-9)
    keep_residual = sum(x for cat, t, x in c.unit_flows(ARCH, keys["keep"], 2030) if cat == "residual_value")
    assert keep_residual < 0  # the kept unit's value past the horizon is credited


@pytest.mark.parametrize("ops_musd, winner", [(0.02, "keep"), (50.0, "retire")])
def test_keep_or_retire_as_enumeration(ops_musd, winner):
    """Demand for one unit's capacity in 2030 and none in 2031 (the horizon's last year). With the catalog's
    operations ($20k a year) keeping the unit is cheaper: it carries residual value past the horizon. With
    operations of $50M a year the year 2031 costs more than the residual value retiring gives up: retire after a
    year. The model's plan is the enumeration's, on the planner's own unit costs."""
    from tests.toy import ARCH
    opts, real, keys = _retire_case(ops_musd)
    spec = {}
    for name, suffix in (("keep", "1mm"), ("retire", "retire@1y")):
        d = real.designs[(ARCH, keys[name])]
        spec[suffix] = {"cost": {2030: real.unit_cost[(ARCH, keys[name], 2030)]},
                        "cap": real.unit_cap[(ARCH, keys[name], 2030, 2030)], "mass_t": d.trip_mass_t,
                        "life_yr": 2 if name == "keep" else 1}
    demand = 0.9 * min(s["cap"] for s in spec.values())
    case = dict(designs=spec, demand={2030: demand, 2031: 0.0}, payload_t=100.0, trip_cost={2030: 1.0, 2031: 1.0},
                cadence=10)
    _model_is_the_enumeration(case, opts, {("1mm" if winner == "keep" else "retire@1y", 2030): 1})
