"""Coefficients computed the quick way agree with their definitions computed the direct way."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from planner.model.coefficients import compute, unit_bounds
from planner.scenario.load import load_scenario

SCEN = Path(__file__).resolve().parents[1] / "data" / "scenarios"


def _bounds_by_definition(c) -> dict:
    """Per unit vintage: enough units at its largest capacity to serve alone the peak-year demand of every workload
    it may run, each at its own rate, and to carry that demand's downlink (+1); no more than its shell holds or the
    launch cadence lifts to its site that year (trips of that year's payload; a whole-trip unit takes a trip)."""
    theta = c.scenario.objective.theta_max if c.scenario.objective.mode == "ratio" else 1.0
    out = {}
    for (a, key), d in c.designs.items():
        runs = {w: e for (w, aa, g), e in c.eff.items() if aa == a and g == d.accelerator}
        users = {w for (w, aa, g) in c.eff if aa == a and c.earth_users[w]} if c.scenario.terms.bandwidth else set()
        for v in c.unit_vintages[(a, key)]:
            cap = max([c.unit_cap.get((a, key, v, y), 0.0) for y in c.years]
                      + [c.unit_cap_serviced.get((a, key, v, y), 0.0) for y in c.years])
            need = max(theta * sum(c.demand[(w, y)] / e for w, e in runs.items()) for y in c.years)
            gbps = max(theta * sum(c.demand[(w, y)] * c.gbps_per_eflop[w] for w in users) for y in c.years)
            links = gbps / d.downlink_gbps if d.downlink_gbps > 0 else 0.0
            ub = math.ceil(need / cap + links) + 1 if cap > 0 and need > 0 else 0
            site = c.archs[a]["site"]
            if site in c.shells:
                ub = min(ub, math.ceil(c.shells[site]))
            if c.scenario.terms.cadence and d.trip_mass_t > 0:
                whole = c.catalog.platforms[c.archs[a]["platform"]].whole_trip  # one unit a trip
                lift = sum(c.cadence.get((c.routes[k].vehicle, v), 0.0) / c.routes[k].flights_in(v)
                           * (1.0 if whole else c.routes[k].payload_in(v) / d.trip_mass_t)
                           for k in c.arch_routes.get(a, []) if v in c.trip_years[k])
                ub = min(ub, math.floor(lift + 1e-9))
            out[(a, key, v)] = float(max(0, ub))
    return out


@pytest.mark.parametrize("name, overrides", [
    ("reference", []),
    ("optimistic_starship", []),
    ("reference", ["catalog.launch_vehicles.starship.cadence_flights_per_yr=low", "objective.mode=ratio"]),
])
def test_unit_bounds_follow_their_definition(name, overrides):
    c = compute(load_scenario(SCEN / f"{name}.yaml", overrides))
    bounds = unit_bounds(c)
    assert bounds == _bounds_by_definition(c)
    assert len(bounds) > 1000 and len(set(bounds.values())) > 10


REALTIME_ONLY = [f"workloads.{w}.growth.start_eflop_per_s=0.0001"
                 for w in ("training", "batch_inference", "offworld")] + ["terms.cadence=false", "terms.shell_capacity=false"]


def test_unit_bounds_leave_room_to_serve_a_coverage_limited_workload_alone():
    """Real-time work in LEO runs at its coverage share of a unit's rate: the bound must leave enough units to serve
    its peak demand at that rate (a bound from the best rate over workloads cut the optimum off)."""
    c = compute(load_scenario(SCEN / "reference.yaml", REALTIME_ONLY))
    bounds = unit_bounds(c)
    checked = 0
    for (a, key, v), ub in bounds.items():
        d = c.designs[(a, key)]
        e = c.eff.get(("realtime_inference", a, d.accelerator))
        cap = max(x for (aa, kk, vv, _), x in c.unit_cap.items() if (aa, kk, vv) == (a, key, v))
        if e is None or cap <= 0:
            continue
        peak = max(c.demand[("realtime_inference", y)] for y in c.years)
        assert ub * cap * e >= peak, (a, key, v)
        checked += 1
    assert checked > 50


def test_a_units_levelised_cost_is_what_the_objective_charges_for_it():
    """The "space vs ground by build year" table charges a space unit what the objective does: its capital financed
    at the family's rate, its launch share, its operations (a vintage whose life ends inside the horizon, so the
    objective's flows cover the whole life). A unit serving real-time work alone delivers it only while over its
    users."""
    from planner.economics import discount_factor
    from planner.results.vintage import _usd_per_eflop, vintage_costs

    c = compute(load_scenario(SCEN / "reference.yaml"))
    m, last = c.scenario.money, c.scenario.horizon.last_year
    vc = vintage_costs(c)
    checked = 0
    for row in vc[vc["family"] != "ground"].itertuples():
        d = c.designs[(row.architecture, row.design)]
        if row.vintage + math.ceil(d.life_yr) - 1 > last:
            continue
        a, key, v = row.architecture, row.design, row.vintage
        cost = c.pv(c.unit_flows(a, key, v)) + c.launch_cost_per_unit(a, key, v) * c.df[v]
        eff = c.eff[(row.workload, a, d.accelerator)]
        if c.scenario.workloads[row.workload].needs_coverage and a in c.coverage:
            eff *= c.coverage[a]
        flop = sum(d.accelerators_per_unit / 1000.0 * cap * eff * discount_factor(v + k, m.base_year, m.discount_rate)
                   for k, cap in enumerate(d.capacity_profile))
        assert row.usd_per_eflop == pytest.approx(_usd_per_eflop(cost, flop), rel=1e-9), (a, key, v)
        checked += 1
    assert checked > 20


def test_a_units_cost_parts_add_up_to_its_levelised_cost():
    """unit_cost_parts splits each family's cheapest unit of a year into what it pays for; the parts add up to the
    unit's levelised cost in vintage_costs, and a space unit's launch part is its launch cost financed like capex."""
    from planner.results.vintage import vintage_tables

    c = compute(load_scenario(SCEN / "reference.yaml"))
    vc, parts = vintage_tables(c)
    totals = parts.groupby(["workload", "family", "vintage"])["usd_per_pflop_day"].sum()
    best = vc.groupby(["workload", "family", "vintage"])["usd_per_pflop_day"].min()
    assert len(totals) == len(best) > 100
    for key, x in best.items():
        assert totals[key] == pytest.approx(x, rel=1e-9), key
    assert set(parts.loc[parts["family"] == "ground", "part"]) <= {"accelerators", "energy", "replacements",
                                                                    "facility", "carbon"}
    # capital parts are financed alike over the same FLOP: their ratio is the ratio of the unit's undiscounted capex
    unit = parts[(parts["family"] == "module") & (parts["workload"] == "training")]
    one = unit[unit["vintage"] == unit["vintage"].min()].set_index("part")
    a, key, v = one["architecture"].iloc[0], one["design"].iloc[0], int(one["vintage"].iloc[0])
    d = c.designs[(a, key)]
    assert one.loc["launch", "usd_per_pflop_day"] / one.loc["accelerators", "usd_per_pflop_day"] == pytest.approx(
        c.launch_cost_per_unit(a, key, v) / d.capex_musd["accelerators"], rel=1e-9)
    assert one.loc["bus", "usd_per_pflop_day"] / one.loc["accelerators", "usd_per_pflop_day"] == pytest.approx(
        c.unit_capex(a, key, v)["bus"] / d.capex_musd["accelerators"], rel=1e-9)


def test_a_multi_year_period_averages_its_years():
    """With 3-year steps each period carries its years: demand and capacity are the years' averages (a unit decays
    through the period), the launch cadence and grid additions are their sums, and a grid queue that clears inside
    a period adds its later years. (Scenarios refuse multi-year periods until the model is correct for them, see
    planner/scenario/schema.py; the periods' coefficients are built for that day, so the horizon is set here past
    the scenario's validation.)"""
    from dataclasses import replace

    from planner.scenario.schema import Horizon

    rs = load_scenario(SCEN / "reference.yaml")
    yearly = compute(rs)
    h = rs.scenario.horizon
    c = compute(replace(rs, scenario=rs.scenario.model_copy(update={"horizon": Horizon.model_construct(
        first_year=h.first_year, last_year=h.last_year, step_years=3)})))
    assert c.period_years[2030] == [2030, 2031, 2032]
    for (w, y), x in c.demand.items():
        assert x == pytest.approx(sum(yearly.demand[(w, t)] for t in c.period_years[y]) / len(c.period_years[y]))
    checked = 0
    for (a, key, v, y), x in c.unit_cap.items():
        years = c.period_years[y]
        if (a, key, v, years[0]) in yearly.unit_cap and (a, key) in yearly.designs:
            assert x == pytest.approx(sum(yearly.unit_cap.get((a, key, v, t), 0.0) for t in years) / len(years))
            checked += 1
    assert checked > 1000
    for (vehicle, y), flights in c.cadence.items():
        assert flights == pytest.approx(sum(yearly.cadence[(vehicle, t)] for t in c.period_years[y]))
    for (r, y), mw in c.build_cum_cap.items():  # what may be online by the end of the period
        assert mw == pytest.approx(yearly.build_cum_cap[(r, c.period_years[y][-1])]), (r, y)


def test_grid_connections_carry_it_load_over_the_pue():
    """us_grid: 1,500 MW of IT in the pipeline from 2029 (2027 + 2 years' construction); the grid connects 1,000 MW a
    year of facility load from 2033 (+ 4 years' queue), which carries 1,000 / 1.3 = 769.2 MW of IT."""
    c = compute(load_scenario(SCEN / "reference.yaml"))
    assert c.build_years["us_grid"][0] == 2029
    assert c.build_cum_cap[("us_grid", 2032)] == pytest.approx(1500.0)
    assert c.build_cum_cap[("us_grid", 2035)] == pytest.approx(1500.0 + 3 * 1000.0 / 1.3)


def test_a_unit_is_insured_for_the_riskiest_vehicle_its_platform_may_fly():
    """A compute satellite may fly on Falcon 9 or Starship and its launch is priced at the cheapest route of its
    year: its hardware is insured at the riskier vehicle's rate, on its capex before insurance."""
    c = compute(load_scenario(SCEN / "reference.yaml"))
    cat = c.catalog
    rates = {v: cat.launch_vehicles[v].insurance_fraction.v or cat.launch_vehicles[v].failure_rate.v
             for v in cat.platforms["swarm_satellite"].vehicles}
    assert len(set(rates.values())) == 2
    checked = 0
    for (a, key), d in c.designs.items():
        if a.startswith("swarm_satellite@"):
            rest = sum(x for k, x in d.capex_musd.items() if k != "insurance")
            assert d.capex_musd["insurance"] == pytest.approx(max(rates.values()) * rest, rel=1e-12)
            checked += 1
    assert checked > 10


def test_failures_split_three_ways_by_hand():
    """Issue 16: permanent loss 4 %/yr (capacity averaged through each year), 2 % lost at deployment (space only),
    and transient interruptions as an availability of 0.95 on every architecture, ground and space alike; the ground
    replaces its permanent losses at full price."""
    c = compute(load_scenario(SCEN / "reference.yaml"))
    a, key = next(k for k in c.designs if k[0].startswith("swarm_satellite@"))
    d = c.designs[(a, key)]
    assert (d.failure_rate, d.deployment_loss) == (0.04, 0.02)
    # first year: 0.98 x (1 - e^-0.04) / 0.04 = 0.98 x 0.980264 = 0.960659; third year 0.98 x e^-0.08 x 0.980264
    assert d.delivered(0, 1, dose=False) == pytest.approx(0.960659, abs=1e-6)
    assert d.delivered(2, 1, dose=False) == pytest.approx(0.98 * math.exp(-0.08) * 0.980264, abs=1e-6)
    # serviced: 60 % of the permanent losses repaired -> lambda 0.016; the deployment loss stays
    assert d.delivered(0, 1, serviced=True, dose=False) == pytest.approx(0.98 * (1 - math.exp(-0.016)) / 0.016)
    for (w, arch, g), parts in c.eff_parts.items():
        assert parts["interruptions"] == 0.95
        assert c.eff[(w, arch, g)] == pytest.approx(math.prod(parts.values()) * 1e-3)
    chip = c.ground["us_grid"]["chips"]["b200"]
    assert chip["failure_rate"] == 0.04 and chip["replacement_price_musd_per_kacc"] == pytest.approx(42.0)
    assert c.chip_failure_rate("us_grid", "b200", 0) * 42.0 == pytest.approx(0.04 * 42_000 / 1000.0)
    # switched off (a published case's convention): no loss at all
    off = compute(load_scenario(SCEN / "reference.yaml", ["terms.failures=false"]))
    d0 = off.designs[(a, key)]
    assert (d0.failure_rate, d0.deployment_loss) == (0.0, 0.0) and d0.delivered(0, 1, dose=False) == 1.0
    assert {p["interruptions"] for p in off.eff_parts.values()} == {1.0}


def test_bus_terminal_and_operations_prices_fall_by_hand():
    """Issue 16: a bus costs 4 %/yr less each year of build after the 2026 price year, operations 3 %/yr less each
    calendar year, and an optical terminal follows a 15 % learning curve on the world's cumulative production (40,000
    terminals in 2026, 120,000 in 2030); integration and insurance follow the hardware they are shares of."""
    from planner.model.coefficients import price_factors

    c = compute(load_scenario(SCEN / "reference.yaml"))
    f = price_factors(c.catalog, 2030)
    assert f["bus"] == pytest.approx(0.96 ** 4) and f["operations"] == pytest.approx(0.97 ** 4)  # 0.8493, 0.8853
    assert f["terminals"] == pytest.approx(3 ** math.log2(0.85), rel=1e-12)  # 3x the units: 0.7733
    assert price_factors(c.catalog, 2026) == {"bus": 1.0, "operations": 1.0, "terminals": 1.0}
    a, key = next(k for k, d in c.designs.items() if k[0] == "swarm_satellite@leo_550_53" and d.life_yr >= 2)
    d, v = c.designs[(a, key)], 2030
    got = c.unit_capex(a, key, v)
    # bus $400k x 0.8493 = $0.33974M; 4 terminals x $150k x 0.7733 = $0.46399M
    assert got["bus"] == pytest.approx(0.4 * 0.96 ** 4) and got["terminals"] == pytest.approx(0.6 * 3 ** math.log2(0.85))
    hardware = sum(x for k, x in got.items() if k not in ("accelerators", "propellant", "integration", "insurance"))
    assert got["integration"] == pytest.approx(0.15 * hardware)
    assert got["insurance"] == pytest.approx(d.insurance_rate * sum(x for k, x in got.items() if k != "insurance"))
    # operations $20k a year at 2030's price in 2030, 2031's in 2031
    ops = dict((t, x) for _, t, x in c.ops_flows(a, key, v))
    assert ops[2030] == pytest.approx(0.02 * 0.97 ** 4) and ops[2031] == pytest.approx(0.02 * 0.97 ** 5)
    # space packaging: $6,000 added to the ground price of each accelerator
    g = c.catalog.accelerators[d.accelerator]
    assert d.capex_musd["accelerators"] == pytest.approx(d.accelerators_per_unit * (g.price_usd.v + 6000) / 1e6)


def test_a_units_arrays_and_battery_follow_its_orbit_by_hand():
    """Issue 16: the array degrades at its site's rate (LEO 550 km 0.6 %/yr, dawn-dusk SSO 1 %/yr), the eclipse comes
    from the year's beta angles, and the battery's depth of discharge from the eclipses over the unit's life."""
    from planner.physics import orbit, power

    c = compute(load_scenario(SCEN / "reference.yaml"))
    cat = c.catalog
    bat, sa = cat.components.battery, cat.components.solar_array
    checked = set()
    for (a, key), d in c.designs.items():
        site = c.archs[a]["site"]
        if site not in ("leo_550_53", "sso_650_dd") or site in checked:
            continue
        rate, incl, node = {"leo_550_53": (0.006, 53, None), "sso_650_dd": (0.01, 97.9, 90)}[site]
        e = orbit.eclipse_seasons(cat.sites[site].altitude_km.v, orbit.betas_over_year_deg(incl, node))
        dod = power.depth_of_discharge_for_cycles(e["eclipses_per_yr"] * d.life_yr, bat.cycle_life.depth_of_discharge,
                                                  bat.cycle_life.cycles, 0.8)
        assert d.depth_of_discharge == pytest.approx(dod, rel=1e-12)
        b = d.budget
        assert b.battery_kwh == pytest.approx(b.load_w * e["longest_eclipse_h"] / dod / 1000.0, rel=1e-9)
        f = e["eclipse_fraction"]
        per_m2 = 1361 * sa.cell_efficiency.v * sa.fill_factor.v * (1 - rate) ** d.life_yr
        assert b.array_area_m2 == pytest.approx(b.load_w * (1 + f / ((1 - f) * 0.9)) / per_m2, rel=1e-9)
        checked.add(site)
    assert checked == {"leo_550_53", "sso_650_dd"}
    # a swarm satellite at LEO for 5 years: ~26,000 cycles -> ~0.35; a halo station never cycles -> the cap
    leo = next(d for (a, k), d in c.designs.items() if a == "swarm_satellite@leo_550_53" and d.life_yr == 5)
    assert 0.33 < leo.depth_of_discharge < 0.37
    assert {d.depth_of_discharge for (a, k), d in c.designs.items() if a.endswith("@eml1")} == {0.8}
