"""Ground-side fidelity (issue 16): host power on one basis, accelerator life and refresh, the roadmap past 2034,
and learning on the programme's own volume. Hand calculations and toy instances against enumeration."""

from __future__ import annotations

import pytest

import planner
from planner.catalog.load import load_catalog
from planner.model.coefficients import host_fraction
from planner.scenario.schema import Terms


def test_host_fraction_reads_one_catalog_basis_for_ground_and_space():
    cat = load_catalog()
    h = cat.host_overhead
    host_w = h.cpu_w_per_kw.v + h.memory_w_per_kw.v + h.network_w_per_kw.v + h.other_w_per_kw.v
    assert host_w == 265.0  # 90 CPU + 45 memory + 100 network + 30 storage and management
    space, ground = host_fraction(cat, Terms()), host_fraction(cat, Terms(), ground=True)
    assert space == pytest.approx(0.345745, abs=1e-6)
    assert ground == pytest.approx(0.413032, abs=1e-6)
    assert (ground + 1) / (space + 1) == pytest.approx(1 + h.ground_cooling_fraction.v)  # PUE is not in it
    assert host_fraction(cat, Terms(host_power=False), ground=True) == 0.0
    # every part carries a range, and the ends give the catalog's range of the fraction
    lo = load_catalog(overrides={f"host_overhead.{f}": "low" for f in type(h).model_fields})
    hi = load_catalog(overrides={f"host_overhead.{f}": "high" for f in type(h).model_fields})
    assert host_fraction(lo, Terms()) < space
    assert host_fraction(hi, Terms(), ground=True) > ground


def test_ground_chip_power_uses_the_host_basis():
    rs = planner.load_scenario("data/scenarios/reference.yaml", overrides=["horizon.last_year=2030"])
    from planner.model.coefficients import compute
    c = compute(rs)
    cat = rs.catalog
    kw = cat.accelerators["b200"].power_w.v / 1000.0 * (1 + host_fraction(cat, rs.scenario.terms, ground=True))
    assert c.chip_mw[("us_grid", "b200")] == pytest.approx(kw)  # MW per k-acc = kW per accelerator: 1.413
    assert kw == pytest.approx(1.413032, abs=1e-6)
