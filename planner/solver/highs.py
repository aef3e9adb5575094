"""The one adapter between the planner and HiGHS.

The Pyomo model is compiled to a sparse matrix by Pyomo's linear standard-form compiler and handed to highspy
in one call; solutions, duals and reduced costs come back by column and row. The adapter keeps one HiGHS
instance per model: bound and integrality changes go straight to HiGHS; a parameter change recompiles, at the
next solve, only the rows and objective terms that use the changed parameters (``incremental``) and changes
those coefficients in HiGHS. A change that alters the matrix's shape (a fixing, a row that appears or vanishes, a
variable's first coefficient) marks it stale instead, and the next solve recompiles all of it (about 0.2 s on the
reference scenario). A start saved before a recompile is kept by variable, not by column, so it survives one.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Iterable

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.repn.linear import LinearRepnVisitor
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from planner.model.build import PlanModel
from planner.solver.incremental import NATIVE, ParameterUses
from planner.solver.resolution import Resolution, SpaceCost, cheapest_unit_musd

INF = highspy.kHighsInf
MS = highspy.HighsModelStatus
FEASIBLE = 2  # HiGHS solution status: a feasible (primal) solution exists
WARM_START_SHARE = 0.25  # of a solve's time limit, at most, for its relax-and-fix start ...
WARM_START_FLOOR_S = 5.0  # ... but at least this long (or the whole limit, if shorter): a short limit still gets a plan
COMPLETE_FLOOR_S = 5.0  # a partial start's completion may take this long past the start's share (within the limit)
COMPLETE_GAP = 1e-2  # relative gap of a partial start's completion: a start, not the answer


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
    resolution: Resolution | None = None  # the gap in dollars against the plan's space cost (a MIP with a plan)

    @property
    def ok(self) -> bool:
        return self.has_solution and self.status in ("optimal", "time_limit")


def solver_version() -> str:
    h = highspy.Highs()
    return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


def _bound(x, default: float) -> float:
    return default if x is None else float(x)


class LPValues:
    """A solved LP of the relax-and-fix heuristics: call it with a variable for its value (0 for a variable HiGHS
    never saw); ``objective`` is the LP's objective value."""

    __slots__ = ("col", "objective", "x")

    def __init__(self, x: np.ndarray, col: dict[int, int], objective: float | None):
        self.x, self.col, self.objective = x, col, objective

    def __call__(self, var) -> float:
        j = self.col.get(id(var))
        return 0.0 if j is None else float(self.x[j])


class HighsAdapter:
    def __init__(self, pm: PlanModel, time_limit_s: float = 120.0, mip_gap: float = 1e-3, threads: int = 0,
                 seed: int = 0, space_resolution: float = 0.01, resolve_space: bool = True):
        self.pm = pm
        self.options = {"time_limit_s": time_limit_s, "mip_gap": mip_gap, "threads": threads, "seed": seed,
                        "space_resolution": space_resolution, "resolve_space": resolve_space}
        self._space: SpaceCost | None = None  # the space-related cost over the columns (``resolution``)
        self._unit: tuple[int, float] | None = None  # (id of the coefficients, cheapest space unit $M)
        self.tally = {"mip_solves": 0, "unresolved": 0}  # MIP solves with a plan, and those left unresolved
        self._spent = 0.0  # seconds the last relax-and-fix start took from the next solve's time limit
        self._lp_bound = None  # the LP relaxation's bound that start proved, for the next solve
        self.h = highspy.Highs()
        self.h.setOptionValue("log_to_console", False)
        if threads:  # HiGHS's scheduler is global and sized at its first run: a count set later is an error
            highspy.Highs.resetGlobalScheduler(True)
            self.h.setOptionValue("threads", int(threads))
        self._log: list[str] = []
        self.h.cbLogging += lambda event: self._log.append(event.message)
        self.columns: list = []  # column -> Pyomo variable
        self._col: dict[int, int] = {}  # id(variable) -> column
        self._rows: dict[int, list[int]] = {}  # id(constraint) -> its rows (two for a ranged constraint)
        self._absent: dict[int, object] = {}  # id -> variable in no row and no cost: not handed to HiGHS
        self._folded: dict[int, float] = {}  # id -> value of a fixed variable, folded into the compiled constants
        self._row_kind = np.zeros(0, dtype=int)  # row -> 0 (=), 1 (<=) or -1 (>=)
        self.handed_over = False
        self.stale = True  # the matrix in HiGHS no longer matches the model's shape: recompile all of it
        self._dirty: dict[int, object] = {}  # id -> a parameter changed since the last compile
        self._a_rows, self._row_now = None, {}  # compiled matrix by row; rows changed in place: {column: value}
        self._uses: ParameterUses | None = None  # which rows and objective terms use each parameter
        self.in_place = True  # push parameter changes in place (False: recompile all; the benchmark compares)
        self.in_place_updates = 0  # parameter changes pushed without a full compile
        self.solves = 0
        self._root: dict | None = None  # a relax-and-fix plan and its LP bound, for the next solve only
        self._start: dict[int, float] | None = None  # a saved start, by id(variable)
        self._start_pending = False
        self._kinds = np.zeros(0, dtype=np.uint8)  # column -> 1 if integer
        self._lower, self._upper = np.zeros(0), np.zeros(0)  # column bounds as HiGHS has them
        self._integer = False

    def set_options(self, **kw) -> None:
        self.options.update({k: v for k, v in kw.items() if v is not None})

    # -- handing the model over --------------------------------------------------------------------------
    def ensure_instance(self) -> None:
        """Compile the model and pass it to HiGHS if it is not there yet or has gone stale; push the rows and costs
        of parameters changed since."""
        if self.handed_over and not self.stale:
            dirty, self._dirty = self._dirty, {}
            if not dirty or (self.in_place and self._update_in_place(dirty.values())):
                return
        self._compile()

    def _compile(self) -> None:
        m = self.pm.m
        form = LinearStandardFormCompiler().write(m, mixed_form=True, set_sense=None)
        (obj,) = form.objectives
        cost = form.c.toarray()[0]
        if obj.sense == pyo.maximize:
            raise ValueError("the planner's objective is a minimisation")
        columns = form.columns
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = len(columns), len(form.rows)
        lp.col_cost_ = cost
        lp.offset_ = float(form.c_offset[0])
        self._lower = np.array([_bound(v.lb, -INF) for v in columns])
        self._upper = np.array([_bound(v.ub, INF) for v in columns])
        lp.col_lower_, lp.col_upper_ = self._lower, self._upper
        rhs = np.asarray(form.rhs, dtype=float)
        sense = np.array([r.bound_type for r in form.rows], dtype=int)
        lp.row_lower_ = np.where(sense == 1, -INF, rhs)
        lp.row_upper_ = np.where(sense == -1, INF, rhs)
        a = form.A.tocsc()
        self._a_rows, self._row_now = form.A.tocsr(), {}  # the rows as compiled, and those changed in place since
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = a.indptr
        lp.a_matrix_.index_ = a.indices
        lp.a_matrix_.value_ = a.data
        integrality = np.array([1 if v.is_integer() else 0 for v in columns], dtype=np.uint8)
        self._kinds = integrality
        self._integer = bool(integrality.any())
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                           for i in integrality]
        self.h.passModel(lp)
        self._row_kind = sense
        self.columns = columns
        self._col = {id(v): j for j, v in enumerate(columns)}
        self._rows = {}
        for i, r in enumerate(form.rows):
            self._rows.setdefault(id(r.constraint), []).append(i)
        self._absent, self._folded = {}, {}
        for v in m.component_data_objects(pyo.Var, descend_into=True):
            if v.fixed:
                self._folded[id(v)] = v.value
            elif id(v) not in self._col:
                self._absent[id(v)] = v
        self.handed_over, self.stale, self._dirty = True, False, {}
        self._space = None
        if self._uses is not None:
            self._uses.forget()

    def map_uses(self) -> ParameterUses:
        """Which rows and objective terms use each parameter (built at the first update, 1 s on the reference; a
        what-if session builds it ahead, while no one waits)."""
        if self._uses is None:
            m = self.pm.m
            self._uses = ParameterUses(m.component_data_objects(pyo.Constraint, active=True),
                                       next(m.component_data_objects(pyo.Objective, active=True)))
        return self._uses

    def _update_in_place(self, params) -> bool:
        """Recompile the rows and objective terms that use these changed parameters and change them in HiGHS.
        False (nothing pushed): the change alters the matrix's shape, or touches so many rows that a full compile
        is as quick (on the reference a row in place costs about 20 us, a full compile of its 7,010 rows 0.2 s)."""
        cons, terms = self.map_uses().touched(params)
        if len(cons) > len(self._row_kind) // 2:  # past half the rows a full compile is as quick
            return False
        visitor = LinearRepnVisitor({})
        rows = []
        for con in cons:
            compiled = self._compile_rows(con, visitor)
            if compiled is None:
                return False
            rows.extend(compiled)
        costs, offset = self._uses.recompile_terms(terms, visitor) if terms else ({}, None)
        cost_cols = {}
        for vid, c in costs.items():
            j = self._col.get(vid)
            if j is None:
                if c:
                    return False
                continue
            cost_cols[j] = c
        h = self.h
        compiled = self._a_rows
        for i, _, _, coefs in rows:
            old = self._row_now.get(i)
            if old is None:  # (HiGHS's getRowEntries scans its column-wise matrix: 0.3 ms a row)
                span = slice(compiled.indptr[i], compiled.indptr[i + 1])
                old = dict(zip(compiled.indices[span].tolist(), compiled.data[span].tolist()))
            self._row_now[i] = coefs
            for j in old.keys() - coefs.keys():
                h.changeCoeff(i, j, 0.0)
            for j, a in coefs.items():
                was = old.get(j)
                if was is None or abs(was - a) > 1e-13 * abs(a):  # not a round-off apart (a named expression
                    h.changeCoeff(i, j, a)                          # met first elsewhere multiplies in another order)
        if rows:
            h.changeRowsBounds(len(rows), np.array([r[0] for r in rows], dtype=np.int32),
                               np.array([r[1] for r in rows], dtype=np.float64),
                               np.array([r[2] for r in rows], dtype=np.float64))
        if cost_cols:
            h.changeColsCost(len(cost_cols), np.fromiter(cost_cols.keys(), dtype=np.int32),
                             np.fromiter(cost_cols.values(), dtype=np.float64))
        if offset is not None:
            h.changeObjectiveOffset(offset)
        self._space = None
        self.in_place_updates += 1
        return True

    def _compile_rows(self, con, visitor: LinearRepnVisitor) -> list[tuple[int, float, float, dict]] | None:
        """A constraint's rows as the standard-form compiler would write them now: (row, lower, upper,
        {column: coefficient}) each; None if they no longer fit its rows in HiGHS (another kind or count, a
        variable without a column, no variable left)."""
        rows = self._rows.get(id(con))
        if not rows:
            return None
        lb, body, ub = con.to_bounded_expression()
        lb = lb if lb is None or lb.__class__ in NATIVE else pyo.value(lb)
        ub = ub if ub is None or ub.__class__ in NATIVE else pyo.value(ub)
        repn = visitor.walk_expression(body)
        if repn.nonlinear is not None:
            return None
        kinds = [0] if lb == ub else [k for k, b in ((1, ub), (-1, lb)) if b is not None]
        if kinds != [int(self._row_kind[i]) for i in rows]:
            return None
        coefs = {}
        for vid, a in repn.linear.items():
            j = self._col.get(vid)
            if j is None:
                if a:
                    return None
            elif a:
                coefs[j] = float(a)
        if not coefs:
            return None
        k = float(repn.constant)
        return [(i, -INF if kind == 1 else lb - k, INF if kind == -1 else ub - k, coefs)
                for i, kind in zip(rows, kinds)]

    # -- pushing changes -------------------------------------------------------------------------------
    def push_changed(self, params: list) -> None:
        """These parameter data objects changed: the rows and costs that use them are recompiled at the next solve."""
        if not params:
            return
        self._root = None
        if self.handed_over and not self.stale:
            self._dirty.update((id(p), p) for p in params)

    def push_variables(self, variables: Iterable) -> None:
        """Send changed bounds or domains of these variables to HiGHS; a fixing or unfixing needs a recompile."""
        self._root = None
        vs = list(variables)
        if not vs or not self.handed_over or self.stale:
            return
        if any(self._refolds(v) for v in vs):
            self.stale = True
            return
        vs = [v for v in vs if id(v) in self._col]
        if not vs:
            return
        cols = np.array([self._col[id(v)] for v in vs], dtype=np.int32)
        self._lower[cols] = [_bound(v.lb, -INF) for v in vs]
        self._upper[cols] = [_bound(v.ub, INF) for v in vs]
        self.h.changeColsBounds(len(cols), cols, self._lower[cols], self._upper[cols])
        kinds = np.array([1 if v.is_integer() else 0 for v in vs], dtype=np.uint8)
        self.h.changeColsIntegrality(len(cols), cols, kinds)
        self._kinds[cols] = kinds
        self._integer = bool(self._kinds.any())

    def _refolds(self, v) -> bool:
        """A fixed value is folded into the compiled constants: fixing a variable at another value, or unfixing
        one, needs a full compile."""
        if v.fixed:
            return self._folded.get(id(v)) != v.value
        return id(v) not in self._col and id(v) not in self._absent

    # -- solving ---------------------------------------------------------------------------------------
    def solve(self, tee: bool = False, **overrides) -> SolveResult:
        """Solve to the requested relative gap and, with ``resolve_space`` (the default), also until the gap in
        dollars resolves the space decisions (``planner/solver/resolution.py``): HiGHS then stops at an absolute
        gap of min(space_resolution x the space scale, mip_gap x |incumbent|), the scale read from the best plan
        known (the relax-and-fix plan, else the first solve's). If the plan it returns has a smaller space scale
        than the one it was solved to, it is solved again from that plan to the tighter gap (at most 3 times,
        within the one time limit)."""
        opts = {**self.options, **{k: v for k, v in overrides.items() if v is not None}}
        root, self._root = self._root, None
        spent, self._spent = self._spent, 0.0
        relaxed, self._lp_bound = self._lp_bound, None
        # a caller that gives its own absolute gap (an objective that is not the cost: planner/alternatives.py)
        # decides the stopping rule itself
        resolving = (bool(opts["resolve_space"]) and float(opts["space_resolution"]) > 0
                     and opts.get("mip_abs_gap") is None)
        target = None
        # the best bound proven: the relax-and-fix start's LP relaxation, then each attempt's (a time limit inside
        # HiGHS's presolve leaves it none of its own)
        proven = relaxed if relaxed is not None and not self.stale else -math.inf
        if root is not None and not self.stale:
            limit = self._stop_gap(root["x"], root["incumbent"], opts) if resolving else None
            gap_abs = root["incumbent"] - root["lp_bound"]
            if (gap_abs <= limit + 1e-9 if limit is not None
                    else gap_abs / max(abs(root["incumbent"]), 1e-9) <= opts["mip_gap"]):
                return self._accept_root(root, opts)
            target = limit
        t0 = time.perf_counter()
        self.ensure_instance()
        self._apply_start()
        h = self.h
        for name, val in (("random_seed", int(opts["seed"])), ("output_flag", True), ("log_to_console", bool(tee))):
            h.setOptionValue(name, val)
        self._log.clear()
        t1 = time.perf_counter()
        # the relax-and-fix start before this solve spent part of the one time limit
        deadline = t1 + max(float(opts["time_limit_s"]) - spent, 1e-3)
        for _ in range(4):
            self._time_limit(deadline - time.perf_counter(), continuous=not self._integer)
            h.setOptionValue("mip_rel_gap", float(opts["mip_gap"]) if target is None else 0.0)
            h.setOptionValue("mip_abs_gap", float(opts.get("mip_abs_gap") or 1e-6) if target is None
                             else max(target, 1e-6))
            h.run()
            self.solves += 1
            ms = h.getModelStatus()
            info = h.getInfo()
            has_solution = info.primal_solution_status == FEASIBLE
            if self._integer and math.isfinite(info.mip_dual_bound):
                proven = max(proven, float(info.mip_dual_bound))
            if not (resolving and self._integer and has_solution and ms == MS.kOptimal):
                break
            x = np.asarray(h.getSolution().col_value)
            obj = float(info.objective_function_value)
            limit = self._stop_gap(x, obj, opts)
            if (obj - proven <= limit + 1e-9 or (target is not None and limit >= target - 1e-9)
                    or deadline - time.perf_counter() < 1.0):  # no time left to solve again
                break
            target = limit
            self._log.append(f"Solving again to an absolute gap of ${limit:,.3f} M: the plan found has a smaller "
                             f"space scale than the gap it was solved to resolves.\n")
            h.setSolution(len(x), np.arange(len(x), dtype=np.int32), x)
        highs_s = time.perf_counter() - t1
        if ms == MS.kOptimal:
            status = "optimal"
        elif ms in (MS.kInfeasible, MS.kUnboundedOrInfeasible):
            status = "infeasible"
        elif ms == MS.kUnbounded:
            status = "unbounded"
        elif ms == MS.kTimeLimit or has_solution:
            status = "time_limit"
        else:
            status = "error"
        obj = bound = gap = resolution = None
        if has_solution:
            x = np.asarray(h.getSolution().col_value)
            self._load(x)
            obj = float(info.objective_function_value)
            if self._integer and proven > obj + 1e-9 * max(1.0, abs(obj)):
                # a lower bound above the plan found (seen once, at a time limit under load: a 168 % "gap" on a
                # plan that re-solves optimal): count the plan's cost from its columns; a bound still above it is
                # none of this problem's
                lp = h.getLp()
                obj = float(np.dot(lp.col_cost_, x) + lp.offset_)
                if proven > obj + 1e-9 * max(1.0, abs(obj)):
                    proven = -math.inf
            bound = ((proven if math.isfinite(proven) else None) if self._integer
                     else (obj if status == "optimal" else None))
            if bound is not None and math.isfinite(bound):
                gap = abs(obj - bound) / max(abs(obj), 1e-9)
            elif status == "optimal":
                gap = 0.0
            if self._integer:
                resolution = self._resolution(x, obj, bound, opts)
        return SolveResult(status=status, termination=h.modelStatusToString(ms), objective=obj, bound=bound,
                           gap=gap, solve_s=highs_s, handoff_s=t1 - t0, has_solution=has_solution,
                           options=dict(opts), log="".join(self._log), resolution=resolution)

    def _resolution(self, x: np.ndarray, obj: float, bound: float | None, opts: dict) -> Resolution:
        """How well a MIP solve with this plan (columns ``x``) resolves its space decisions; counted in
        ``tally``."""
        space, unit = self._space_scale(x)
        finite = bound is not None and math.isfinite(bound)
        r = Resolution(gap_musd=max(obj - bound, 0.0) if finite else None, space_cost_musd=space, unit_musd=unit,
                       share=float(opts["space_resolution"]) or 0.01)
        self.tally["mip_solves"] += 1
        self.tally["unresolved"] += not r.resolved
        return r

    def _stop_gap(self, x: np.ndarray, obj: float, opts: dict) -> float:
        """The absolute gap ($M) a MIP with this plan as incumbent stops at: the space resolution, and no looser
        than the relative gap asked for."""
        return min(float(opts["space_resolution"]) * max(self._space_scale(x)), float(opts["mip_gap"]) * abs(obj))

    def _space_scale(self, x: np.ndarray) -> tuple[float, float]:
        """($M) the plan's space-related cost at columns ``x``, and the cheapest space unit that could serve the
        largest workload (each compiled once per matrix and per coefficients)."""
        if self._space is None:
            self._space = SpaceCost(self.pm.m, self._col, len(self.columns))
        coef = self.pm.coef
        if self._unit is None or self._unit[0] != id(coef):
            self._unit = (id(coef), cheapest_unit_musd(coef))
        return self._space(x), self._unit[1]

    def _load(self, x: np.ndarray) -> None:
        """Put a column vector into the Pyomo variables (those HiGHS never saw sit at the bound nearest 0)."""
        x = np.clip(x, self._lower, self._upper)  # HiGHS may step outside a bound by its tolerance (1e-7)
        for v, xj in zip(self.columns, x.tolist()):
            v.set_value(xj, skip_validation=True)
        for v in self._absent.values():
            v.set_value(min(max(0.0, _bound(v.lb, -math.inf)), _bound(v.ub, math.inf)), skip_validation=True)

    def _accept_root(self, root: dict, opts: dict) -> SolveResult:
        """The relax-and-fix plan is within the gap of the LP relaxation bound (the same stopping rule as a
        solve's): optimal to the gap at the root."""
        t0 = time.perf_counter()
        self._load(root["x"])
        self.solves += 1
        inc, lp = root["incumbent"], root["lp_bound"]
        gap = (inc - lp) / max(abs(inc), 1e-9)
        resolution = self._resolution(root["x"], inc, lp, opts) if self._integer else None
        in_dollars = (f" (${inc - lp:,.1f} M; space resolved to ${resolution.target_musd:,.1f} M)"
                      if resolution is not None and opts["resolve_space"] else "")
        log = (f"Proved at the root: the relax-and-fix plan ({inc:.6f}) is within {gap:.4%}{in_dollars} of the LP "
               f"relaxation bound ({lp:.6f}), inside the requested gap {opts['mip_gap']:g}; HiGHS "
               f"solved the relaxation and the fixing LPs, no branch-and-bound was needed.\n")
        return SolveResult(status="optimal", termination="root_gap", objective=inc, bound=lp, gap=gap,
                           solve_s=time.perf_counter() - t0, handoff_s=0.0, has_solution=True, options=dict(opts),
                           log=log, resolution=resolution)

    # -- warm start -----------------------------------------------------------------------------------
    def col(self, var) -> int | None:
        """The HiGHS column of a variable (None: the variable is in no row and no cost, or fixed)."""
        return self._col.get(id(var))

    def _time_limit(self, seconds: float, continuous: bool) -> None:
        """Let the next ``run`` take at most ``seconds``. HiGHS 1.15 holds an LP (simplex) to ``time_limit`` on the
        Highs object's run clock, which adds up over every run, but a MIP to the time of its own run: an LP given
        ``seconds`` alone stops at once ("Time limit reached") once the runs before it have used that much."""
        seconds = min(max(seconds, 1e-3), 1e30)
        self.h.setOptionValue("time_limit", self.h.getRunTime() + seconds if continuous else seconds)

    def _run_lp(self, deadline: float = math.inf) -> bool:
        """Solve the LP as it stands, within ``deadline`` (perf_counter seconds); False unless optimal."""
        left = deadline - time.perf_counter()
        if left <= 0:
            return False
        self._time_limit(left, continuous=True)
        self.h.run()
        return self.h.getModelStatus() == MS.kOptimal

    def warm_start(self, recipes, share: float = WARM_START_SHARE) -> dict | None:
        """Relax-and-fix: solve the LP relaxation once, then let each rounding recipe fix integers and re-solve
        the LP; hand the cheapest complete plan to HiGHS as its starting incumbent. If no recipe completes, the
        integers fixed before the failing step are completed by a small MIP (``_complete``); if that finds no plan
        either, they go to HiGHS as a partial start.

        It spends at most ``share`` of the time limit (at least WARM_START_FLOOR_S, or the whole of a shorter
        limit): a recipe still rounding then stops where it is (a partial start), and the next solve's time limit
        is what is left, so a start and its solve keep to one limit together. The relaxation's bound stands as
        the next solve's proven bound until HiGHS proves a better one. Returns {lp_bound, incumbent (None for a
        partial start), fixed_share, seconds} or None."""
        self.ensure_instance()
        t0 = time.perf_counter()
        limit = float(self.options["time_limit_s"])
        deadline = t0 + max(share * limit, min(limit, WARM_START_FLOOR_S))
        self._start_pending = False
        self._spent, self._lp_bound = 0.0, None
        h = self.h
        h.setOptionValue("output_flag", False)  # the fixing LPs are not part of the solver log
        n = len(self.columns)
        cols = np.arange(n, dtype=np.int32)
        integrality = self._kinds
        lower, upper = self._lower.copy(), self._upper.copy()  # the bounds HiGHS has, restored at the end
        int_cols = np.nonzero(integrality)[0].astype(np.int32)
        if len(int_cols):
            h.changeColsIntegrality(len(int_cols), int_cols, np.full(len(int_cols), highspy.HighsVarType.kContinuous))
        best, partial = None, None
        absent = self._absent

        try:
            if not self._run_lp(deadline):
                return None
            lp_bound = h.getInfo().objective_function_value
            self._lp_bound = lp_bound
            relaxed = np.array(h.getSolution().col_value)
            state: dict = {}

            def lp(fixed):
                """Fix (var, value) pairs (value None: back to the variable's own bounds; the last pair of a variable
                counts) and re-solve."""
                fixed = list({id(v): (v, x_) for v, x_ in fixed if id(v) not in absent}.values())
                idx = np.array([self._col[id(v)] for v, _ in fixed], dtype=np.int32)
                lo = np.array([lower[i] if x_ is None else x_ for i, (_, x_) in zip(idx, fixed)], dtype=np.float64)
                hi = np.array([upper[i] if x_ is None else x_ for i, (_, x_) in zip(idx, fixed)], dtype=np.float64)
                if len(idx):
                    h.changeColsBounds(len(idx), idx, lo, hi)
                if not self._run_lp(deadline):  # a failed attempt leaves no trace: the next one starts from before
                    before = state["fixed"]
                    if len(idx):
                        h.changeColsBounds(len(idx), idx, np.array([before.get(int(i), lower[i]) for i in idx]),
                                           np.array([before.get(int(i), upper[i]) for i in idx]))
                    return None
                merged = {**state["fixed"], **{int(i): x_ for i, (_, x_) in zip(idx, fixed)}}
                state["fixed"] = {i: x_ for i, x_ in merged.items() if x_ is not None}
                x = np.array(h.getSolution().col_value)
                state["x"] = x
                return LPValues(x, self._col, h.getInfo().objective_function_value)

            for recipe in recipes:
                state.update(fixed={}, x=relaxed)
                if recipe(self.pm, lp, LPValues(relaxed, self._col, lp_bound)):
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
            self._spent = time.perf_counter() - t0
        if best is None and partial:
            best = self._complete(partial, min(t0 + limit, max(deadline, time.perf_counter() + COMPLETE_FLOOR_S)))
            self._spent = time.perf_counter() - t0
        seconds = self._spent
        if best is not None:
            x = best[1].copy()
            if len(int_cols):
                x[int_cols] = np.round(x[int_cols])
            h.setSolution(n, cols, x)
            self._root = {"x": x, "lp_bound": lp_bound, "incumbent": best[0]}
            return {"lp_bound": lp_bound, "incumbent": best[0], "fixed_share": 1.0, "seconds": seconds}
        if partial:
            idx = np.array(sorted(partial), dtype=np.int32)
            h.setSolution(len(idx), idx, np.round(np.array([partial[i] for i in idx], dtype=np.float64)))
            return {"lp_bound": lp_bound, "incumbent": None, "fixed_share": len(idx) / max(1, len(int_cols)),
                    "seconds": seconds}
        return None

    def _complete(self, partial: dict[int, float], deadline: float) -> tuple[float, np.ndarray] | None:
        """A partial start completed: the MIP with the start's integers fixed (what is left is small), solved to
        COMPLETE_GAP within ``deadline`` (perf_counter seconds); (objective, columns) or None if no plan is found.
        Done here rather than by HiGHS from the partial start so that a start that cannot be completed is known
        before the solve, which can then start from the previous plan instead (``planner/session.py``)."""
        h, n = self.h, len(self.columns)
        idx = np.array(sorted(partial), dtype=np.int32)
        vals = np.round(np.array([partial[i] for i in idx], dtype=np.float64))
        cols = np.arange(n, dtype=np.int32)
        h.changeColsBounds(len(idx), idx, vals, vals)
        try:
            self._time_limit(deadline - time.perf_counter(), continuous=False)
            h.setOptionValue("mip_rel_gap", COMPLETE_GAP)
            h.setOptionValue("output_flag", False)
            h.run()
            info = h.getInfo()
            if info.primal_solution_status != FEASIBLE:
                return None
            return float(info.objective_function_value), np.array(h.getSolution().col_value)
        finally:
            h.changeColsBounds(n, cols, self._lower, self._upper)
            h.setOptionValue("output_flag", True)

    def save_start(self) -> None:
        """Remember the current solution, by variable, as the starting incumbent of a later solve."""
        sol = self.h.getSolution()
        if not (self.handed_over and sol.value_valid):
            self._start = None
            return
        x = np.asarray(sol.col_value)
        self._start = {id(v): float(xj) for v, xj in zip(self.columns, x.tolist())}

    def use_start(self) -> bool:
        """Start the next solve from the saved solution (mapped onto the columns after any recompile)."""
        self._start_pending = self._start is not None
        return self._start_pending

    def _apply_start(self) -> None:
        if not self._start_pending:
            return
        self._start_pending = False
        pairs = [(self._col[k], x) for k, x in self._start.items() if k in self._col]
        if pairs:
            idx = np.array([p[0] for p in pairs], dtype=np.int32)
            self.h.setSolution(len(idx), idx, np.array([p[1] for p in pairs], dtype=np.float64))

    # -- explanations ----------------------------------------------------------------------------------
    def duals(self, constraints) -> dict:
        """Row duals of the last continuous solve (a ranged constraint: the sum over its two rows); empty after a
        MIP, which has none."""
        sol = self.h.getSolution()
        if self._integer or not sol.dual_valid:
            return {}
        y = np.asarray(sol.row_dual)
        return {con: float(sum(y[i] for i in self._rows.get(id(con), ()))) for con in constraints}

    def slacks(self, constraints) -> dict:
        """Row slacks of the last solve from HiGHS's row activities (a ranged constraint: the smaller of its two
        rows'); a constraint with no row in HiGHS is left out. The same numbers as evaluating each body in Pyomo,
        without the 1 ms a row that costs."""
        act = np.asarray(self.h.getSolution().row_value)
        lp = self.h.getLp()
        slack = np.minimum(np.asarray(lp.row_upper_) - act, act - np.asarray(lp.row_lower_))
        return {con: float(min(slack[i] for i in rows)) for con in constraints if (rows := self._rows.get(id(con)))}

    def reduced_costs(self, variables) -> dict[int, float]:
        """Reduced costs of the last continuous solve, keyed by id(var); empty after a MIP."""
        sol = self.h.getSolution()
        if self._integer or not sol.dual_valid:
            return {}
        d = np.asarray(sol.col_dual)
        return {id(v): float(d[self._col[id(v)]]) for v in variables if id(v) in self._col}

    def highs(self):
        """The underlying highspy object (for MPS export and solver info)."""
        self.ensure_instance()
        return self.h

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
