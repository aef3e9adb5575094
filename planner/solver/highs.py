"""The one adapter between the planner and HiGHS, over Pyomo's persistent HiGHS interface.

It owns the persistent solver of one model: the first solve hands the model over, later solves push only what
changed (parameter values, variable bounds, fixings) and warm-start from the previous incumbent.
"""

from __future__ import annotations

import io
import math
import time
from dataclasses import dataclass, field
from typing import Iterable

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from planner.model.build import PlanModel

QUIET_UPDATES = {
    "check_for_new_or_removed_constraints": False,
    "check_for_new_or_removed_vars": False,
    "check_for_new_or_removed_params": False,
    "check_for_new_objective": False,
    "update_constraints": False,
    "update_vars": False,
    "update_parameters": False,
    "update_named_expressions": False,
    "update_objective": False,
}


@dataclass
class SolveResult:
    status: str  # optimal | time_limit | infeasible | unbounded | error
    termination: str
    objective: float | None
    bound: float | None
    gap: float | None
    solve_s: float
    handoff_s: float
    has_solution: bool
    options: dict = field(default_factory=dict)
    log: str = ""

    @property
    def ok(self) -> bool:
        return self.has_solution and self.status in ("optimal", "time_limit")


def _helpers_by_param(opt) -> dict[int, list]:
    """id(parameter data) -> the persistent solver's helpers whose value depends on it."""
    from pyomo.core.base.param import ParamData
    from pyomo.core.expr.visitor import identify_mutable_parameters

    out: dict[int, list] = {}

    def add(expr, helper):
        if expr is None:
            return
        if isinstance(expr, ParamData):
            out.setdefault(id(expr), []).append(helper)
            return
        if isinstance(expr, (int, float)):
            return
        for p in identify_mutable_parameters(expr):
            out.setdefault(id(p), []).append(helper)

    for helpers in opt._mutable_helpers.values():
        for h in helpers:
            if hasattr(h, "expr"):
                add(h.expr, h)
            else:
                add(h.lower_expr, h)
                add(h.upper_expr, h)
    for _, (v, h) in opt._mutable_bounds.items():
        add(h.lower_expr, h)
        add(h.upper_expr, h)
    obj = opt._mutable_objective
    for h in obj.linear_coefs:
        add(h.expr, h)
    add(obj.constant.expr, obj.constant)
    return out


def solver_version() -> str:
    return ".".join(str(x) for x in Highs().version())


class HighsAdapter:
    def __init__(self, pm: PlanModel, time_limit_s: float = 120.0, mip_gap: float = 1e-3, threads: int = 0,
                 seed: int = 0):
        self.pm = pm
        self.opt = Highs()
        self.options = {"time_limit_s": time_limit_s, "mip_gap": mip_gap, "threads": threads, "seed": seed}
        self.handed_over = False
        self.solves = 0
        self._by_param: dict | None = None
        self._root: dict | None = None  # a relax-and-fix plan and its LP bound, for the next solve only

    def set_options(self, **kw) -> None:
        self.options.update({k: v for k, v in kw.items() if v is not None})

    # -- pushing changes -------------------------------------------------------------------------------
    def push_parameters(self) -> None:
        """Send changed parameter values to HiGHS (after PlanModel.update or a direct parameter change)."""
        if self.handed_over:
            self.opt.update_parameters()

    def push_changed(self, params: list) -> None:
        """Send only these changed parameters to HiGHS (the coefficients, bounds and costs that use them)."""
        self._root = None
        if not self.handed_over:
            return
        if self._by_param is None:
            self._by_param = _helpers_by_param(self.opt)
        self.opt._sol = None
        if self.opt._last_results_object is not None:
            self.opt._last_results_object.solution_loader.invalidate()
        done = set()
        for p in params:
            for helper in self._by_param.get(id(p), ()):
                if id(helper) not in done:
                    done.add(id(helper))
                    helper.update()

    def push_variables(self, variables: Iterable) -> None:
        """Send changed bounds, domains or fixings of these Pyomo variables to HiGHS."""
        self._root = None
        if self.handed_over:
            vs = list(variables)
            if vs:
                self.opt.update_variables(vs)

    def push_model(self) -> None:
        """Full check for structural changes (new constraints, fixed variables): slow, for rare edits."""
        if self.handed_over:
            self.opt.update()

    # -- solving ---------------------------------------------------------------------------------------
    def solve(self, tee: bool = False, **overrides) -> SolveResult:
        opts = {**self.options, **{k: v for k, v in overrides.items() if v is not None}}
        root, self._root = self._root, None
        if root is not None:
            gap = (root["incumbent"] - root["lp_bound"]) / max(abs(root["incumbent"]), 1e-9)
            if gap <= opts["mip_gap"]:
                return self._accept_root(root, gap, opts)
        kwargs = dict(
            load_solutions=False, raise_exception_on_nonoptimal_result=False,
            time_limit=opts["time_limit_s"], rel_gap=opts["mip_gap"],
            solver_options={"random_seed": int(opts["seed"]), "mip_abs_gap": 1e-6},
        )
        if opts["threads"]:
            kwargs["threads"] = int(opts["threads"])
        if self.handed_over:
            kwargs["auto_updates"] = QUIET_UPDATES
        t0 = time.perf_counter()
        stream = io.StringIO()
        if tee:
            kwargs["tee"] = True
        res = self.opt.solve(self.pm.m, **kwargs)
        wall = time.perf_counter() - t0
        highs_s = float(getattr(res.timing_info, "highs_time", 0.0) or 0.0)
        self.handed_over = True
        self.solves += 1
        tc = res.termination_condition
        has_solution = res.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible)
        if tc == TerminationCondition.convergenceCriteriaSatisfied:
            status = "optimal"
        elif tc == TerminationCondition.maxTimeLimit:
            status = "time_limit"
        elif tc in (TerminationCondition.provenInfeasible, TerminationCondition.locallyInfeasible):
            status = "infeasible"
        elif tc == TerminationCondition.infeasibleOrUnbounded:
            status = "infeasible"
        elif tc == TerminationCondition.unbounded:
            status = "unbounded"
        elif has_solution:
            status = "time_limit"
        else:
            status = "error"
        if has_solution:
            res.solution_loader.load_vars()
        obj, bound = res.incumbent_objective, res.objective_bound
        gap = None
        if obj is not None and bound is not None and math.isfinite(bound):
            gap = abs(obj - bound) / max(abs(obj), 1e-9)
        elif obj is not None and status == "optimal":
            gap = 0.0
        log = (res.solver_log or "") + stream.getvalue()
        return SolveResult(status=status, termination=str(tc.name), objective=obj, bound=bound, gap=gap,
                           solve_s=highs_s if highs_s > 0 else wall, handoff_s=max(0.0, wall - highs_s),
                           has_solution=has_solution, options=dict(opts), log=log)

    def _accept_root(self, root: dict, gap: float, opts: dict) -> SolveResult:
        """The relax-and-fix plan is within the gap of the LP relaxation bound: optimal to the gap at the root."""
        t0 = time.perf_counter()
        x = root["x"]
        for var_id, col in self.opt._pyomo_var_to_solver_var_map.items():
            self.opt._vars[var_id][0].set_value(float(x[col]), skip_validation=True)
        self.solves += 1
        log = (f"Proved at the root: the relax-and-fix plan ({root['incumbent']:.6f}) is within {gap:.4%} of the LP "
               f"relaxation bound ({root['lp_bound']:.6f}), inside the requested gap {opts['mip_gap']:g}; HiGHS "
               f"solved the relaxation and the fixing LPs, no branch-and-bound was needed.\n")
        return SolveResult(status="optimal", termination="root_gap", objective=root["incumbent"],
                           bound=root["lp_bound"], gap=gap, solve_s=time.perf_counter() - t0, handoff_s=0.0,
                           has_solution=True, options=dict(opts), log=log)

    # -- warm start -----------------------------------------------------------------------------------
    def ensure_instance(self) -> None:
        if not self.handed_over:
            self.opt.set_instance(self.pm.m)
            self.handed_over = True

    def col(self, var) -> int:
        return self.opt._pyomo_var_to_solver_var_map[id(var)]

    def _run_lp(self) -> bool:
        h = self.highs()
        h.run()
        return h.getModelStatus() == highspy.HighsModelStatus.kOptimal

    def warm_start(self, recipes) -> dict | None:
        """Relax-and-fix: solve the LP relaxation once, then let each rounding recipe fix integers and re-solve
        the LP; hand the cheapest complete plan to HiGHS as its starting incumbent. If no recipe completes, the
        integers fixed before the failing step go to HiGHS as a partial start, which it completes itself.
        Returns {lp_bound, incumbent (None for a partial start), fixed_share, seconds} or None."""
        t0 = time.perf_counter()
        self.ensure_instance()
        h = self.highs()
        h.setOptionValue("output_flag", False)
        lp = h.getLp()
        n = lp.num_col_
        cols = np.arange(n, dtype=np.int32)
        integrality = np.array([int(t) for t in lp.integrality_], dtype=np.int32) if len(lp.integrality_) else \
            np.zeros(n, dtype=np.int32)
        lower, upper = np.array(lp.col_lower_), np.array(lp.col_upper_)
        int_cols = np.nonzero(integrality == int(highspy.HighsVarType.kInteger.value))[0].astype(np.int32)
        if len(int_cols):
            h.changeColsIntegrality(len(int_cols), int_cols, np.full(len(int_cols), highspy.HighsVarType.kContinuous))
        best, partial = None, None
        try:
            if not self._run_lp():
                return None
            lp_bound = h.getInfo().objective_function_value
            relaxed = np.array(h.getSolution().col_value)
            state: dict = {}

            def lp(fixed):
                """Fix (var, value) pairs (value None: back to the variable's own bounds) and re-solve."""
                idx = np.array([self.col(v) for v, _ in fixed], dtype=np.int32)
                lo = np.array([lower[i] if x_ is None else x_ for i, (_, x_) in zip(idx, fixed)], dtype=np.float64)
                hi = np.array([upper[i] if x_ is None else x_ for i, (_, x_) in zip(idx, fixed)], dtype=np.float64)
                if len(idx):
                    h.changeColsBounds(len(idx), idx, lo, hi)
                state["pending"] = {**state["fixed"], **{int(i): x_ for i, (_, x_) in zip(idx, fixed)}}
                if not self._run_lp():
                    return None
                state["fixed"] = {i: x_ for i, x_ in state["pending"].items() if x_ is not None}
                x = np.array(h.getSolution().col_value)
                state["x"] = x
                return lambda var: x[self.col(var)]

            for recipe in recipes:
                state.update(fixed={}, x=relaxed)
                if recipe(self.pm, lp, lambda var: relaxed[self.col(var)]):
                    obj = h.getInfo().objective_function_value
                    if best is None or obj < best[0]:
                        best = (obj, state["x"])
                else:
                    decided = {i: x_ for i, x_ in state["fixed"].items() if integrality[i]}
                    if partial is None or len(decided) > len(partial):
                        partial = decided
                h.changeColsBounds(n, cols, lower, upper)
        finally:
            h.changeColsBounds(n, cols, lower, upper)
            if len(int_cols):
                h.changeColsIntegrality(len(int_cols), int_cols,
                                        np.full(len(int_cols), highspy.HighsVarType.kInteger))
            h.setOptionValue("output_flag", True)
        seconds = time.perf_counter() - t0
        if best is not None:
            x = best[1].copy()
            if len(int_cols):
                x[int_cols] = np.round(x[int_cols])
            h.setSolution(n, cols, x)
            self.warm_x = x
            self._root = {"x": x, "lp_bound": lp_bound, "incumbent": best[0]}
            return {"lp_bound": lp_bound, "incumbent": best[0], "fixed_share": 1.0, "seconds": seconds}
        if partial:
            idx = np.array(sorted(partial), dtype=np.int32)
            h.setSolution(len(idx), idx, np.round(np.array([partial[i] for i in idx], dtype=np.float64)))
            return {"lp_bound": lp_bound, "incumbent": None, "fixed_share": len(idx) / max(1, len(int_cols)),
                    "seconds": seconds}
        return None

    def save_start(self) -> None:
        """Remember the current solution as the starting incumbent of the next solve."""
        sol = self.highs().getSolution()
        self._start = np.array(sol.col_value) if sol.value_valid else None

    def use_start(self) -> bool:
        start = getattr(self, "_start", None)
        if start is None:
            return False
        n = len(start)
        self.highs().setSolution(n, np.arange(n, dtype=np.int32), start)
        return True

    # -- explanations ----------------------------------------------------------------------------------
    def duals(self, constraints) -> dict:
        """Row duals of the last (continuous) solve; empty if HiGHS has none (a MIP)."""
        try:
            return self.opt._get_duals(list(constraints))
        except Exception:  # noqa: BLE001 - no duals after a MIP solve
            return {}

    def reduced_costs(self, variables) -> dict[int, float]:
        """Reduced costs of the last continuous solve, keyed by id(var); empty if HiGHS has none."""
        try:
            got = self.opt._get_reduced_costs(list(variables))
        except Exception:  # noqa: BLE001 - none after a MIP solve
            return {}
        return {id(v): x for v, x in got.items()}

    def highs(self):
        """The underlying highspy object (for MPS export and solver info)."""
        return self.opt._solver_model

    def write_mps(self, path: str) -> None:
        self.highs().writeModel(str(path))


def values(var) -> dict:
    """Solution values of an indexed Pyomo variable, rounded to clean zeros."""
    out = {}
    for idx, v in var.items():
        x = v.value
        if x is None:
            continue
        out[idx] = 0.0 if abs(x) < 1e-9 else x
    return out


def value(expr) -> float:
    return float(pyo.value(expr))
