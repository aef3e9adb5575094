"""HiGHS 1.15 holds an LP to its time limit on a run clock that adds up over every run of the same Highs object
(a MIP to the time of its own run). A session re-solves hundreds of times on one object (analysis re-solves, the
relax-and-fix start's fixing LPs, fixed-plan evaluations in a sweep), so each run's limit must count from where
that clock stands: before the fix, once earlier runs had used the time limit, every LP stopped at once with "Time
limit reached" and the relax-and-fix start gave up (the reference's analysis re-solves then ran without a start
and hit the 120 s limit)."""

from __future__ import annotations

import time

import pytest

from planner.model.build import build_model
from planner.model.heuristic import RECIPES
from planner.solver.highs import HighsAdapter
from toy import toy_coefficients
from test_model_toy import CASES

LIMIT_S = 0.3


def test_lps_and_the_start_still_solve_after_the_run_clock_passes_the_time_limit():
    pm = build_model(toy_coefficients(**CASES["site_core_opening"]))
    ad = HighsAdapter(pm, mip_gap=1e-9, time_limit_s=60)
    ad.warm_start(RECIPES)
    optimum = ad.solve()
    assert optimum.status == "optimal"
    ad.set_options(time_limit_s=LIMIT_S)
    ad.warm_start(RECIPES)
    assert ad.solve().status == "optimal"
    t0 = time.perf_counter()
    while ad.h.getRunTime() < 2 * LIMIT_S:  # the toy solves in milliseconds
        ad.h.run()
        assert time.perf_counter() - t0 < 60
    start = ad.warm_start(RECIPES)
    assert start is not None and start["incumbent"] is not None  # before the fix: None, every LP "timed out"
    res = ad.solve()
    assert res.status == "optimal" and res.objective == pytest.approx(optimum.objective)


def test_a_continuous_model_re_solves_after_the_run_clock_passes_the_time_limit():
    """A fixed-plan evaluation (a sweep with --plan) is an LP re-solved once per case on one Highs object: the
    thousandth case must not stop at once because the cases before it used up the time limit."""
    import pyomo.environ as pyo

    pm = build_model(toy_coefficients(**CASES["site_core_opening"]))
    for comp in (pm.m.units, pm.m.trips):
        for v in comp.values():
            v.domain = pyo.NonNegativeReals
    for v in pm.m.open.values():
        v.domain = pyo.UnitInterval
    ad = HighsAdapter(pm, time_limit_s=LIMIT_S)
    first = ad.solve()
    assert first.status == "optimal"
    t0 = time.perf_counter()
    while ad.h.getRunTime() < 2 * LIMIT_S:
        ad.h.run()
        assert time.perf_counter() - t0 < 60
    ad.h.clearSolver()  # the next case's changed coefficients: the simplex has work to do again
    again = ad.solve()
    assert again.status == "optimal" and again.objective == pytest.approx(first.objective)
