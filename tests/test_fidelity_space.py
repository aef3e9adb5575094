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
