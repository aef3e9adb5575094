"""HiGHS's irreducible infeasible subsystem (IIS) as evidence for an infeasible plan, on a toy with a known cause."""

from __future__ import annotations

import highspy
import numpy as np
import pyomo.environ as pyo

from planner.model.build import build_model
from planner.solver.explain import iis_lines, infeasible_subsystem
from planner.solver.highs import HighsAdapter
from tests.test_model_toy import CASES
from tests.toy import toy_coefficients


def _infeasible(**change):
    c = toy_coefficients(**dict(CASES["cadence_forces_early_build"], **change))
    pm = build_model(c)
    ad = HighsAdapter(pm, mip_gap=1e-9, time_limit_s=60)
    assert ad.solve().status == "infeasible"
    return ad, pm


def test_iis_names_the_demand_row_and_the_cadence_cap():
    # no Starship flights at all (cadence 0) against 2 EFLOP/s demanded in 2030: the 2030 demand row, the launch
    # rows that carry a unit up and the cadence cap of 2030 cannot all hold; nothing about 2031's demand (its
    # units could be flown... nowhere either, but one irreducible conflict is enough) and no unrelated row
    ad, pm = _infeasible(cadence=0)
    iis = infeasible_subsystem(ad, pm)
    assert iis["status"] == "found"
    rows = {(r["constraint"], r["index"]) for r in iis["rows"]}
    assert ("balance", "batch|2030") in rows
    assert ("cadence_row", "starship|2030") in rows
    assert not any(name in {"capacity", "budget_row", "carbon_cap_row"} for name, _ in rows)
    bounds = {(b["variable"], b["index"], b["side"]) for b in iis["bounds"]}
    assert ("unmet", "batch|2030", "upper") in bounds  # unmet demand is held at 0
    (line,) = iis_lines(iis)
    assert "demand of batch in 2030 must be met (balance)" in line
    assert "flights of starship in 2030 within the cadence cap (cadence_row)" in line
    assert ad.solve().status == "infeasible"  # the model is left as it was


def _key(component, idx) -> tuple[str, str]:
    return component.parent_component().name, "|".join(str(x) for x in (idx if isinstance(idx, tuple) else (idx,)))


def test_iis_is_infeasible_and_irreducible():
    """Check HiGHS's answer independently, on the LP relaxation with only the IIS kept (every other row and bound
    freed, each IIS row and bound on its conflicting side): that system is infeasible, and dropping any one of its
    rows or bounds makes it feasible."""
    ad, pm = _infeasible(cadence=0)
    iis = infeasible_subsystem(ad, pm)
    row_of = {_key(con, con.index()): i for con in pm.m.component_data_objects(pyo.Constraint, active=True)
              for i in ad._rows.get(id(con), ())}
    col_of = {_key(v, v.index()): j for j, v in enumerate(ad.columns)}
    rows = {row_of[(r["constraint"], r["index"])]: r["side"] for r in iis["rows"]}
    cols = {col_of[(b["variable"], b["index"])]: b["side"] for b in iis["bounds"]}
    lp = ad.highs().getLp()
    inf = highspy.kHighsInf

    def feasible(drop_row=None, drop_col=None) -> bool:
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.passModel(lp)
        n, m = lp.num_col_, lp.num_row_
        h.changeColsIntegrality(n, np.arange(n), [highspy.HighsVarType.kContinuous] * n)
        h.changeColsCost(n, np.arange(n), np.zeros(n))  # feasibility only (free columns could be unbounded)
        lo, up = np.array(lp.row_lower_), np.array(lp.row_upper_)
        for i in range(m):
            side = rows.get(i) if i != drop_row else None
            h.changeRowBounds(i, lo[i] if side in ("lower", "both") else -inf, up[i] if side in ("upper", "both") else inf)
        clo, cup = np.array(lp.col_lower_), np.array(lp.col_upper_)
        for j in range(n):
            side = cols.get(j) if j != drop_col else None
            h.changeColBounds(j, clo[j] if side in ("lower", "both") else -inf, cup[j] if side in ("upper", "both")
                              else inf)
        h.run()
        return h.getModelStatus() == highspy.HighsModelStatus.kOptimal

    assert not feasible()
    for i in rows:
        assert feasible(drop_row=i), i
    for j in cols:
        assert feasible(drop_col=j), j
