"""A parameter change pushed in place (only the rows and objective terms that use it recompiled) leaves HiGHS holding
the same LP as a fresh compile of the changed model; a change that alters the matrix's shape recompiles it all."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyomo.environ as pyo
import pytest
import scipy.sparse as sp

import planner
from planner.session import Session
from planner.solver.highs import HighsAdapter

REF = Path(__file__).resolve().parents[1] / "data" / "scenarios" / "reference.yaml"


@pytest.fixture(scope="module")
def session():
    s = Session(planner.load_scenario(REF, ["horizon.last_year=2031"]))
    s.ad.ensure_instance()
    return s


def lp_arrays(h) -> dict:
    lp = h.getLp()
    a = lp.a_matrix_
    shape = (lp.num_row_, lp.num_col_)
    data = (np.asarray(a.value_), np.asarray(a.index_), np.asarray(a.start_))
    matrix = (sp.csc_matrix(data, shape=shape) if a.format_ == planner.solver.highs.highspy.MatrixFormat.kColwise
              else sp.csr_matrix(data, shape=shape))
    matrix.eliminate_zeros()
    return {"cost": np.asarray(lp.col_cost_), "offset": lp.offset_, "lower": np.asarray(lp.row_lower_),
            "upper": np.asarray(lp.row_upper_), "col_lower": np.asarray(lp.col_lower_),
            "col_upper": np.asarray(lp.col_upper_), "matrix": matrix.tocsr()}


def assert_same_as_fresh_compile(s: Session) -> None:
    s.ad.ensure_instance()
    got = lp_arrays(s.ad.h)
    fresh = HighsAdapter(s.pm)
    fresh.ensure_instance()
    want = lp_arrays(fresh.h)
    assert [id(v) for v in fresh.columns] == [id(v) for v in s.ad.columns]
    np.testing.assert_allclose(got["cost"], want["cost"], rtol=1e-12, atol=1e-15)
    assert got["offset"] == pytest.approx(want["offset"], rel=1e-12)
    np.testing.assert_allclose(got["lower"], want["lower"], rtol=1e-12)
    np.testing.assert_allclose(got["upper"], want["upper"], rtol=1e-12)
    np.testing.assert_allclose(got["col_lower"], want["col_lower"], rtol=1e-12)
    np.testing.assert_allclose(got["col_upper"], want["col_upper"], rtol=1e-12)
    diff = got["matrix"] - want["matrix"]
    assert (abs(diff).max() if diff.nnz else 0.0) <= 1e-12 * abs(want["matrix"]).max()


def parameter_components(m) -> list:
    return [p for p in m.component_objects(pyo.Param, active=True) if p.mutable and len(p) > 0]


def test_every_parameter_changed_in_place_gives_the_lp_of_a_fresh_compile(session):
    """One entry of every mutable parameter (first, middle and last index) is changed; after each component the LP
    in HiGHS must equal a fresh compile of the changed model, and most changes must have gone in place."""
    m, ad = session.pm.m, session.ad
    saved = []
    before = ad.in_place_updates
    try:
        for comp in parameter_components(m):
            keys = list(comp.keys())
            changed = []
            for idx in dict.fromkeys((keys[0], keys[len(keys) // 2], keys[-1])):
                old = comp[idx].value
                saved.append((comp, idx, old))
                comp[idx] = old * 1.37 + 0.11
                changed.append(comp[idx])
            ad.push_changed(changed)
            assert_same_as_fresh_compile(session)
        assert ad.in_place_updates - before >= len(parameter_components(m)) // 2
    finally:
        for comp, idx, old in reversed(saved):
            comp[idx] = old
        ad.push_changed([comp[idx] for comp, idx, _ in saved])
    assert_same_as_fresh_compile(session)


@pytest.mark.parametrize("change", [{"trajectories.launch_price_factor": 0.3},  # objective terms only
                                    {"catalog.launch_vehicles.starship.cadence_flights_per_yr": "high"},  # rows
                                    {"catalog.launch_vehicles.starship.cadence_flights_per_yr": "low",
                                     "trajectories.launch_price_factor": 2.0}])
def test_a_change_through_apply_goes_in_place_and_matches_a_fresh_compile(session, change):
    before = (session.ad.in_place_updates, session.rebuilds)
    try:
        assert session.apply(change) == "update"
        assert session.ad.in_place_updates == before[0] + 1 and session.rebuilds == before[1]
        assert_same_as_fresh_compile(session)
    finally:
        session.apply({})
    assert_same_as_fresh_compile(session)


def test_a_change_of_which_formations_reach_a_cluster_rebuilds(session):
    """Fewer satellites in a formation (16 instead of 81) take the swarm's designs below the training cluster: the
    capacity rows they supply and the workloads they may serve change, so the model is built again (in place, the
    old rows would silently stay)."""
    before = session.rebuilds
    try:
        assert session.apply({"catalog.platforms.swarm_satellite.formation_units_max": 16}) == "rebuild"
        assert session.rebuilds == before + 1
        reach = set(session.pm.sets.clusters)
        swarm = [(a, k) for (w, a, k), ok in session.coef.cluster_ok.items() if w == "training" and not ok
                 and a.startswith("swarm_satellite")]
        assert swarm and all((a, k, 2048) not in reach for a, k in swarm)
        assert all(("training", a, k) not in session.pm.m.formation for a, k in swarm)
    finally:
        session.apply({})


def test_a_change_of_which_years_a_ground_accelerator_serves_rebuilds(session):
    """Ground accelerators refreshed after 4 years instead of 5 no longer serve their fifth year: that term of the
    ground's capacity rows goes, though the index sets are the same. The model is built again (in place, the old
    share stayed)."""
    before = session.rebuilds
    try:
        assert session.apply({"catalog.ground_regions.us_grid.accelerator_refresh_yr": 4}) == "rebuild"
        assert session.rebuilds == before + 1
    finally:
        session.apply({})


def test_one_at_a_time_changes_in_place_give_the_lp_of_a_fresh_build(session):
    """Every 7th case of the bundled tornado (each uncertain catalog value at its low or high end): where apply
    updates the model in place, HiGHS holds the LP of a model built fresh from the same coefficients. A coefficient
    that shapes the model without being in its index sets or its parameters' indices would show here."""
    from planner.batch.spec import base_scenario, generate_cases, load_spec
    from planner.model.build import build_model

    spec, path = load_spec(Path(__file__).resolve().parents[1] / "data" / "sweeps" / "tornado_reference.yaml")
    cases, _ = generate_cases(spec, path, base_scenario(spec, path))
    updated = 0
    try:
        for case in cases[::7]:
            if session.apply({**case, "horizon.last_year": 2031}) != "update":
                continue
            updated += 1
            session.ad.ensure_instance()
            got = lp_arrays(session.ad.h)
            fresh = HighsAdapter(build_model(session.coef, session.pm.sets))
            fresh.ensure_instance()
            want = lp_arrays(fresh.h)
            for key in ("cost", "lower", "upper", "col_lower", "col_upper"):
                np.testing.assert_allclose(got[key], want[key], rtol=1e-9, atol=1e-12, err_msg=f"{case}: {key}")
            assert got["offset"] == pytest.approx(want["offset"], rel=1e-9), case
            diff = got["matrix"] - want["matrix"]
            assert (abs(diff).max() if diff.nnz else 0.0) <= 1e-9 * abs(want["matrix"]).max(), case
    finally:
        session.apply({})
    assert updated > 50


def test_a_shape_change_recompiles_everything(session):
    """A route's payload set to zero empties the rows that carry units on it (their only coefficients were
    the payload): that cannot go in place, so the adapter compiles the whole model again, and the result is still
    the fresh compile's. Fixing variables (folded into the constants) does the same."""
    m, ad = session.pm.m, session.ad
    ad.ensure_instance()
    in_place = ad.in_place_updates
    idx = next(iter(m.payload.keys()))
    old = m.payload[idx].value
    try:
        m.payload[idx] = 0.0
        ad.push_changed([m.payload[idx]])
        assert_same_as_fresh_compile(session)
        assert ad.in_place_updates == in_place
    finally:
        m.payload[idx] = old
        ad.push_changed([m.payload[idx]])
    assert_same_as_fresh_compile(session)
    assert ad.in_place_updates == in_place  # the emptied rows were left out of that compile: they come back whole

    variables = list(m.trips.values())[:3]
    try:
        for v in variables:
            v.fix(0.0)
        ad.push_variables(variables)
        assert ad.stale
        assert_same_as_fresh_compile(session)
    finally:
        for v in variables:
            v.unfix()
        ad.push_variables(variables)
    assert_same_as_fresh_compile(session)


def test_refixing_a_variable_at_its_folded_value_needs_no_recompile(session):
    m, ad = session.pm.m, session.ad
    ad.ensure_instance()
    assert m.theta.fixed
    m.theta.fix(m.theta.value)
    ad.push_variables([m.theta])
    assert not ad.stale
    m.theta.fix(m.theta.value * 0.5)
    ad.push_variables([m.theta])
    assert ad.stale
    m.theta.fix(1.0)
    ad.push_variables([m.theta])
    assert_same_as_fresh_compile(session)
