"""How sweep cases are drawn (Latin-hypercube strata, rank correlations, ranges, whole numbers, case counts) and
counted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

import planner
from planner.batch.spec import Distribution, _correlated_uniforms, draw_values, generate_cases, load_spec
from planner.catalog.schema import Quantity

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT / "data" / "scenarios" / "reference.yaml"


@pytest.fixture(scope="module")
def rs():
    return planner.load_scenario(REF)


def spec(tmp_path: Path, **body):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({"name": "s", "base": str(REF), **body}))
    return load_spec(path)


def test_latin_hypercube_puts_one_draw_in_every_stratum():
    n = 40
    u = _correlated_uniforms(n, ["a", "b", "c"], [], "lhs", seed=3)
    for j in range(3):
        assert sorted(np.floor(u[:, j] * n).astype(int)) == list(range(n))


def test_the_copula_gives_the_asked_rank_correlation():
    u = _correlated_uniforms(2000, ["a", "b", "c"], [("a", "b", -0.6)], "lhs", seed=1)
    rho_ab = stats.spearmanr(u[:, 0], u[:, 1]).statistic
    rho_ac = stats.spearmanr(u[:, 0], u[:, 2]).statistic
    assert rho_ab == pytest.approx(6 / np.pi * np.arcsin(-0.6 / 2), abs=0.04)  # Gaussian copula's Spearman
    assert abs(rho_ac) < 0.06


def test_triangular_draws_stay_in_range_and_centre_on_the_mode():
    q = Quantity(value=10.0, low=6.0, high=20.0, unit="kg", source="x", confidence="our assumption")
    u = np.linspace(0.0005, 0.9995, 1000)
    x = np.array(draw_values(q, Distribution(), u))
    assert x.min() >= 6.0 and x.max() <= 20.0
    assert x.mean() == pytest.approx((6 + 10 + 20) / 3, rel=0.01)  # triangular mean (a+b+c)/3


def test_years_and_counts_are_drawn_as_whole_numbers():
    q = Quantity(value=2031, low=2029, high=2035, unit="year", source="x", confidence="our assumption")
    x = draw_values(q, Distribution(), np.linspace(0.01, 0.99, 50))
    assert all(isinstance(v, int) and 2029 <= v <= 2035 for v in x)
    assert len(set(x)) > 3


def test_case_counts_of_each_generator(tmp_path, rs):
    grid = {"parameters": {"trajectories.launch_price_factor": [0.1, 0.5, 1.0],
                           "catalog.ground_regions.us_grid.energy_usd_per_kwh": [0.05, 0.12]}}
    cases, _ = generate_cases(*spec(tmp_path, grid=grid), rs)
    assert len(cases) == 6 and len({tuple(sorted(c.items())) for c in cases}) == 6
    s, p = spec(tmp_path, oat={"parameters": ["catalog.components.solar_array.cost_usd_per_w",
                                              "catalog.launch_vehicles.starship.price_musd_per_flight"]})
    cases, _ = generate_cases(s, p, rs)
    assert len(cases) == 1 + 2 * 2 and cases[0] == {}
    params = {"catalog.components.solar_array.cost_usd_per_w": None,
              "catalog.components.radiator.areal_mass_kg_per_m2": {"dist": "uniform"}}
    cases, _ = generate_cases(*spec(tmp_path, sobol={"n": 8, "parameters": params}), rs)
    assert len(cases) == 8 * (2 + 2)  # Saltelli without second order: n (d + 2)
    cases, _ = generate_cases(*spec(tmp_path, random={"n": 25, "parameters": params}), rs)
    assert len(cases) == 25


def test_the_bundled_monte_carlo_draws_every_uncertain_catalog_value(rs):
    s, p = load_spec(ROOT / "data" / "sweeps" / "monte_carlo_500.yaml")
    base = planner.load_scenario(p.parent / s.base, s.overrides)
    cases, notes = generate_cases(s, p, base)
    assert len(cases) == 500
    price = [c["catalog.launch_vehicles.starship.price_musd_per_flight"][2030] for c in cases]
    cadence = [c["catalog.launch_vehicles.starship.cadence_flights_per_yr"][2030] for c in cases]
    assert stats.spearmanr(price, cadence).statistic < -0.4


def test_rebuilds_are_summed_over_worker_processes():
    from planner.batch.report import total_rebuilds

    # each worker counts its own rebuilds cumulatively; a resumed batch starts new workers at zero
    df = pd.DataFrame({"worker": ["a:1", "a:1", "a:1", "b:2", "b:2", "c:3"],
                       "rebuilds": [1, 2, 3, 0, 1, None]})
    assert total_rebuilds(df) == 3 + 1 + 0
    assert total_rebuilds(df.drop(columns="rebuilds")) == 0
