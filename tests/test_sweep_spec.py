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
from planner.errors import InputError

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


@pytest.mark.parametrize("seed", [1, 2026])
def test_rank_correlated_draws_hit_the_asked_rank_correlation_and_keep_every_stratum(seed):
    # Iman-Conover reordering: the asked Spearman correlation, not the Gaussian copula's 6/pi asin(rho/2) (-0.58
    # asked -0.6, -0.56 measured on the bundled batch before). Tolerance: the first Iman-Conover round misses by
    # the sampling error of the scores' ranks (sd about 0.24/sqrt(n) = 0.011 at n = 500); the corrective rounds
    # take that out, leaving the granularity of ranks: the largest miss over 100 seeds at n = 500 was 3e-4, so
    # 0.005 is well clear of noise but fails any scheme that leaves the sampling error in.
    n = 500
    u = _correlated_uniforms(n, ["a", "b", "c", "d"], [("a", "b", -0.6), ("c", "catalog.d", 0.3)], "lhs", seed=seed)
    r = stats.spearmanr(u).statistic
    assert r[0, 1] == pytest.approx(-0.6, abs=0.005)
    assert r[2, 3] == pytest.approx(0.3, abs=0.005)
    for i, j in ((0, 2), (0, 3), (1, 2), (1, 3)):
        assert abs(r[i, j]) < 0.005
    for j in range(4):  # every Latin-hypercube stratum of each marginal still holds exactly one draw
        assert sorted(np.floor(u[:, j] * n).astype(int)) == list(range(n))


def test_monte_carlo_draws_keep_their_values_when_reordered():
    plain = _correlated_uniforms(200, ["a", "b"], [], "mc", seed=5)
    paired = _correlated_uniforms(200, ["a", "b"], [("a", "b", 0.8)], "mc", seed=5)
    for j in range(2):
        assert np.array_equal(np.sort(plain[:, j]), np.sort(paired[:, j]))
    assert stats.spearmanr(paired[:, 0], paired[:, 1]).statistic == pytest.approx(0.8, abs=0.01)


def test_inconsistent_or_unknown_correlations_are_one_line_errors(tmp_path, rs):
    params = {"catalog.components.solar_array.cost_usd_per_w": None,
              "catalog.components.radiator.areal_mass_kg_per_m2": None}
    for corr, words in (([["components.solar_array.cost_usd_per_w", "nope", 0.5]], "'nope' is not among"),):
        with pytest.raises(InputError, match=words) as exc:
            generate_cases(*spec(tmp_path, random={"n": 10, "parameters": params, "correlations": corr}), rs)
        assert "random.correlations" in str(exc.value)
    a, b, c = "catalog.components.solar_array.cost_usd_per_w", "catalog.components.radiator.areal_mass_kg_per_m2", \
        "catalog.launch_vehicles.starship.price_musd_per_flight"
    x, y, z = (p.removeprefix("catalog.") for p in (a, b, c))
    corr = [[x, y, 0.9], [y, z, 0.9], [x, z, -0.9]]
    with pytest.raises(InputError, match="not a valid correlation matrix"):
        generate_cases(*spec(tmp_path, random={"n": 10, "parameters": {a: None, b: None, c: None},
                                               "correlations": corr}), rs)


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
