"""benchmarks/fidelity.py (the fidelity pass on one basis): its neutral settings give back the pre-pass values, by
hand, and its rows are "before", each item alone and all together. Catalog and coefficients only: no solve."""

import importlib.util
from pathlib import Path

import pytest

from planner import load_scenario
from planner.model.coefficients import host_fraction
from planner.physics import links, power

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT / "data" / "scenarios" / "reference.yaml"


@pytest.fixture(scope="module")
def fid():
    spec = importlib.util.spec_from_file_location("fidelity_bench", ROOT / "benchmarks" / "fidelity.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rows(fid):
    cat = load_scenario(REF).catalog
    return {r["key"]: r for r in fid.rows(fid.items(list(cat.accelerators), list(cat.sites)))}


@pytest.fixture(scope="module")
def before(rows):
    return load_scenario(REF, rows["before"]["sets"])


def test_rows_are_before_each_item_alone_and_all_together(fid, rows):
    assert rows["all"]["sets"] == []
    before = set(rows["before"]["sets"])
    for key, row in rows.items():
        if key in ("before", "all"):
            continue
        assert set(row["sets"]) < before  # before less the restored item(s)
    restored = before - set(rows["host"]["sets"])
    assert {s.split("=")[0].rsplit(".", 1)[1] for s in restored} == {"other_w_per_kw", "ground_cooling_fraction"}
    assert set(rows["roadmap+refresh"]["sets"]) == set(rows["roadmap"]["sets"]) & set(rows["refresh"]["sets"])


def test_neutral_host_power_is_the_old_ground_and_space_fractions_by_hand(before):
    """(1 + (90 + 45 + 100 + 34) / 1000) / 0.94 - 1 = 0.35 in space; 1.35 x (1 + 1.6 / 1.35 - 1) - 1 = 0.6."""
    cat, terms = before.catalog, before.scenario.terms
    assert host_fraction(cat, terms) == pytest.approx(0.35, abs=1e-9)
    assert host_fraction(cat, terms, ground=True) == pytest.approx(0.6, abs=1e-8)


def test_neutral_downlink_is_the_old_typed_availability_by_hand(before):
    """1 - (1 - 0.5)^2 x (1 - 0.8) = 0.95 from LEO and SSO; 1 - 0.5 x 0.2 = 0.9 elsewhere (typed before the pass)."""
    cat = before.catalog
    g = cat.components.ground_stations
    got = {s: links.network_availability(g.clear_sky_probability.v, st.optical_stations_in_view.v,
                                         g.rf_fallback_rate_share.v) for s, st in cat.sites.items()}
    assert got == pytest.approx({s: 0.95 if s in ("leo_550_53", "sso_650_dd") else 0.9 for s in cat.sites})


def test_neutral_battery_failures_and_prices_are_the_old_flat_values(before):
    cat = before.catalog
    bat = cat.components.battery
    # a 15-year unit at LEO 550 km (~5,200 eclipses a year): 78,000 cycles still allow the old 0.6
    assert power.depth_of_discharge_for_cycles(15 * 5200, bat.cycle_life.depth_of_discharge, bat.cycle_life.cycles,
                                               bat.max_depth_of_discharge.v) == pytest.approx(0.6)
    assert {a.annual_failure_rate.v for a in cat.accelerators.values()} == {0.07}  # generated generations too
    assert cat.components.optical_terminal.cost_usd.v == 500000
    assert cat.components.optical_terminal.learning_rate.v == 0
    assert {s.array_degradation_per_yr.v for s in cat.sites.values()} == {0.005}
    assert {s.gcr_transmission.v for s in cat.sites.values()} == {0}
    assert before.scenario.trajectories.accelerator_roadmap.stall_after_year == 2034
    assert before.scenario.design_space.eclipse_throttling is False
