"""The ground's marginal-cost benchmark against a toy's dual worked out by hand (issue 15, part 3)."""

from __future__ import annotations

import pandas as pd
import pytest

from planner.results.marginal import demand_duals, marginal_costs
from planner.solver.explain import binding_constraints
from tests.toy import ARCH, WORKLOAD, solve_toy, toy_coefficients

# one unit (4 EFLOP/s for $10 M, two years) against demand 3 then 4.5, unmet allowed at $7 M then $9 M per EFLOP/s:
# one unit is built ($10 M + a trip against $61.5 M unmet) and 0.5 of 2031 goes unmet ($4.5 M, against $10 M for a
# second unit). With the unit fixed, one more EFLOP/s in 2030 is served by its spare capacity (dual 0); in 2031
# its capacity binds and one more EFLOP/s goes unmet at $9 M (dual $9 M).
CASE = dict(designs={"1mm": {"cost": {2030: 10.0}, "cap": 4.0, "mass_t": 1.0, "life_yr": 2}},
            demand={2030: 3.0, 2031: 4.5}, payload_t=10.0, trip_cost={2030: 1.0, 2031: 1.0}, cadence=10)
SECONDS_PER_YEAR = 365.25 * 86400  # the toy's discount rate is 0: one EFLOP/s for a year is that many EFLOP
PFLOP_DAY_IN_EFLOP = 86.4


def test_marginal_cost_is_the_demand_dual_per_delivered_flop():
    c = toy_coefficients(**CASE)
    c.unmet_allowed = {w: True for w in c.unmet_allowed}
    c.unmet_cost = {(w, y): ({2030: 7.0, 2031: 9.0}[y] if w == WORKLOAD else 1e3) for (w, y) in c.unmet_cost}
    key = next(k for (a, k) in c.designs if a == ARCH)
    profile = c.designs[(ARCH, key)].capacity_profile
    assert profile == pytest.approx((1.0, 1.0))  # two whole years: no failures, no dose in the toy
    pm, ad, res = solve_toy(c, adapter=True)
    assert res.status == "optimal" and round(pm.m.units[ARCH, key, 2030].value) == 1
    table = binding_constraints(ad, pm)
    duals = demand_duals(table)
    assert duals.get((WORKLOAD, 2030), 0.0) == pytest.approx(0.0, abs=1e-3)
    assert duals[(WORKLOAD, 2031)] == pytest.approx(9e6, rel=1e-9)  # USD per EFLOP/s

    vintage = pd.DataFrame([
        {"architecture": "ground_campus@x", "family": "ground", "vintage": 2030, "workload": WORKLOAD,
         "design": "b200", "usd_per_pflop_day": 20.0},
        {"architecture": ARCH, "family": "swarm", "vintage": 2030, "workload": WORKLOAD, "design": key,
         "usd_per_pflop_day": 30.0}])
    mc = marginal_costs(c, table, vintage).set_index(["workload", "year"])
    by_hand = 9e6 / SECONDS_PER_YEAR * PFLOP_DAY_IN_EFLOP  # $9 M per EFLOP/s-year = $24.64 per PFLOP/s-day
    assert by_hand == pytest.approx(24.640, abs=1e-3)
    assert mc.loc[(WORKLOAD, 2031), "marginal_usd_per_pflop_day"] == pytest.approx(by_hand, rel=1e-9)
    assert mc.loc[(WORKLOAD, 2030), "marginal_usd_per_pflop_day"] == pytest.approx(0.0, abs=1e-6)
    row = mc.loc[(WORKLOAD, 2030)]
    # a space unit built in 2030 serves 2030 (marginal 0) and 2031 (24.64) equally: it competes against 12.32
    assert row["life_marginal_usd_per_pflop_day"] == pytest.approx(by_hand / 2, rel=1e-9)
    assert row["ground_unit_usd_per_pflop_day"] == 20.0 and row["space_unit_usd_per_pflop_day"] == 30.0
    assert row["space_architecture"] == ARCH
    assert row["decides"] == "marginal"  # 12.32 is 38 % below a new ground unit's 20


def test_marginal_peaks_on_the_eve_of_a_cheaper_generation_are_named():
    """A spike the year before the new ground unit gets cheaper is named; a spike with no cheaper generation next,
    and a smooth year, are not."""
    import pandas as pd

    from planner.report.model import generation_eves

    mc = pd.DataFrame({"year": [2027, 2028, 2029, 2030, 2031, 2032, 2033],
                       "marginal_usd_per_pflop_day": [10.0, 30.0, 9.0, 9.5, 40.0, 9.0, 9.0],
                       "ground_unit_usd_per_pflop_day": [12.0, 12.0, 6.0, 6.0, 6.0, 6.0, 6.0]})
    assert generation_eves(mc) == [2028]


def test_row_slacks_from_highs_equal_the_pyomo_bodies():
    """The binding table reads each row's slack from HiGHS's row activity (a Pyomo evaluation costs 1 ms a row, 2 s
    on the reference): the same number as the constraint's body against its bounds, for every constraint."""
    import pyomo.environ as pyo

    from planner.solver.explain import _slack, integers_fixed

    c = toy_coefficients(**CASE)
    c.unmet_allowed = {w: True for w in c.unmet_allowed}
    pm, ad, res = solve_toy(c, adapter=True)
    with integers_fixed(ad, pm):
        assert ad.solve().status == "optimal"
        cons = list(pm.m.component_data_objects(pyo.Constraint, active=True))
        slacks = ad.slacks(cons)
        assert len(slacks) > 10
        for con, slack in slacks.items():
            assert slack == pytest.approx(_slack(con), abs=1e-7), con.name
        assert any(abs(s) > 1e-3 for s in slacks.values()) and any(abs(s) < 1e-9 for s in slacks.values())
