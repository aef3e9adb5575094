"""PAWN indices from the draws of a Monte Carlo / Latin-hypercube batch, on functions whose ranking is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.batch.sensitivity import DUMMY, pawn_indices


def test_pawn_ranks_a_synthetic_function_by_its_known_influence():
    # y = 5 a + 3 b^2 + 2 c + 0 d on independent uniforms: a moves y most, then b, then c (b^2 spreads more than
    # c: sd 0.89 against 0.58); d not at all.
    rng = np.random.default_rng(7)
    n = 600
    x = pd.DataFrame(rng.random((n, 4)), columns=list("abcd"))
    y = 5 * x["a"] + 3 * x["b"] ** 2 + 2 * x["c"]
    t = pawn_indices(x, y).set_index("value")
    assert t.loc["a", "pawn_median"] > t.loc["b", "pawn_median"] > t.loc["c", "pawn_median"] > t.loc["d", "pawn_median"]
    assert t["above_noise"].to_dict() == {"a": True, "b": True, "c": True, "d": False, DUMMY: False}


def test_pawn_sees_an_effect_on_the_spread_that_a_correlation_misses():
    # y's spread depends on e, its mean does not: moment-independent indices see e, a rank correlation does not
    rng = np.random.default_rng(3)
    n = 800
    x = pd.DataFrame(rng.random((n, 2)), columns=["e", "f"])
    y = (0.1 + 2 * x["e"]) * rng.standard_normal(n)
    t = pawn_indices(x, y).set_index("value")
    assert abs(np.corrcoef(x["e"].rank(), y.rank())[0, 1]) < 0.1
    assert t.loc["e", "pawn_median"] > t.loc["f", "pawn_median"] + 0.1 and bool(t.loc["e", "above_noise"])


def test_constant_columns_are_left_out_and_too_few_draws_refused():
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"a": rng.random(60), "k": 1.0})
    t = pawn_indices(x, x["a"])
    assert set(t["value"]) == {"a", DUMMY} and len(t) == 2
    with pytest.raises(ValueError, match="at least"):
        pawn_indices(x.head(20), x["a"].head(20))


def test_a_random_batch_report_gets_pawn_indices_without_solving(tmp_path):
    """render_sweep on a finished Monte Carlo batch (results written by hand): pawn.csv and the report's table. Cost
    per FLOP depends on the launch price only and the space share on the accelerator price only, so each answer
    must rank its own driver above the noise floor and the other value below it."""
    import json

    from planner.batch.report import render_sweep

    rng = np.random.default_rng(1)
    n = 80
    a, b = rng.random(n), rng.random(n)
    cost = 10 + 8 * a + 0.0 * b
    df = pd.DataFrame({"case_id": [f"c{i}" for i in range(n)], "case_index": range(n), "status": "optimal",
                       "usd_per_pflop_day": cost, "space_share": 0.3 * b, "share_swarm": 0.0, "overrides": "{}",
                       "set:catalog.launch_vehicles.starship.price_musd_per_flight": a,
                       "set:catalog.accelerators.b200.price_usd": b})
    df.to_parquet(tmp_path / "results.parquet", index=False)
    (tmp_path / "manifest.json").write_text(json.dumps({
        "spec": {"name": "mc", "kind": "reoptimise", "base": "reference.yaml", "description": "test"},
        "notes": {"generator": "random", "method": "lhs"}, "cases": n}))
    md, _ = render_sweep(tmp_path)
    pawn = pd.read_csv(tmp_path / "pawn.csv")
    launch, chip = "catalog.launch_vehicles.starship.price_musd_per_flight", "catalog.accelerators.b200.price_usd"
    cost_t = pawn[pawn["answer"] == "usd_per_pflop_day"].set_index("value")
    share_t = pawn[pawn["answer"] == "space_share"].set_index("value")
    assert cost_t.loc[launch, "above_noise"] and not cost_t.loc[chip, "above_noise"]
    assert share_t.loc[chip, "above_noise"] and not share_t.loc[launch, "above_noise"]
    assert "plan_to_ground" not in set(pawn["answer"])  # not in these results: no index made up for it
    text = md.read_text()
    assert "Sensitivity of the answers (PAWN median, SALib)" in text and "no extra solves" in text
    assert "PAWN, space share" in text
