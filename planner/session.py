"""A scenario's model and solver kept alive for re-solves: the plan, its comparisons and explanations, what-ifs.

Re-targeting a session to other numbers recomputes the coefficients and, when the index sets are unchanged,
changes only the parameter values of the Pyomo model, and the rows and costs that use them change in the same
HiGHS instance (no rebuild; ``planner/solver/incremental.py``); otherwise it rebuilds the model and counts.
"""

from __future__ import annotations

import gc
import math
import time
from contextlib import contextmanager
from typing import Any

import pyomo.environ as pyo

from planner.model.build import PlanModel, build_model
from planner.model.coefficients import Coefficients, compute
from planner.model.heuristic import RECIPES
from planner.model.sets import build_sets
from planner.results.emissions import emissions_summary
from planner.results.plan import Solution, cost_flows, money_summary, read_solution
from planner.results.vintage import space_reach, vintage_tables
from planner.scenario.load import ResolvedScenario, load_scenario
from planner.solver.dinkelbach import dinkelbach
from planner.solver.explain import binding_constraints
from planner.solver.highs import HighsAdapter, SolveResult


def with_overrides(rs: ResolvedScenario, extra: dict[str, Any]) -> ResolvedScenario:
    """The same scenario file with more overrides (re-resolved, so the hash follows)."""
    return load_scenario(rs.path, {**rs.overrides, **extra})


class Session:
    """One scenario's model and solver, kept for re-solves."""

    def __init__(self, rs: ResolvedScenario, time_limit_s: float | None = None, mip_gap: float | None = None,
                 threads: int | None = None, seed: int | None = None, fixed: Solution | None = None,
                 sizes: dict[tuple[str, str], int] | None = None, resolve_space: bool | None = None):
        """``fixed`` (with the accelerators per unit of its designs, ``sizes``) turns the session into a
        fixed-plan evaluator: the plan's integer decisions are held (see ``_hold``) and the rest re-optimised."""
        self.base_rs = self.rs = rs
        self.fixed, self.sizes = fixed, sizes
        self.timings: dict[str, float] = {}
        self.rebuilds = 0
        self.collect_replaced = False  # see _rebuild
        self.warm: dict | None = None
        self._unit_tables: tuple[Coefficients, dict] | None = None  # see unit_tables
        so = rs.scenario.solver
        self.solver_options = dict(time_limit_s=so.time_limit_s if time_limit_s is None else time_limit_s,
                                   mip_gap=so.mip_gap if mip_gap is None else mip_gap,
                                   threads=so.threads if threads is None else threads,
                                   seed=so.seed if seed is None else seed,
                                   space_resolution=so.space_resolution,
                                   resolve_space=so.resolve_space if resolve_space is None else resolve_space)
        with self.timed("coefficients"):
            self.coef: Coefficients = self._compute(rs)
        with self.timed("build"):
            self.pm: PlanModel = build_model(self.coef)
        self.ad = HighsAdapter(self.pm, **self.solver_options)
        self._hold()

    def unit_tables(self) -> dict[str, Any]:
        """Each unit's cost per FLOP, its cost split and the space reach: they follow the numbers, not the plan, so
        they are made once per set of numbers (a what-if's preview and its re-solve share them: 1.3 s on the
        reference)."""
        if self._unit_tables is None or self._unit_tables[0] is not self.coef:
            vintage, parts = vintage_tables(self.coef)
            self._unit_tables = (self.coef, {"vintage_costs": vintage, "unit_cost_parts": parts,
                                             "space_reach": space_reach(self.coef)})
        return dict(self._unit_tables[1])

    def set_solver_options(self, **options) -> None:
        """Solver options (time_limit_s, mip_gap, resolve_space, ...) for later solves, kept across rebuilds."""
        self.solver_options.update(options)
        self.ad.set_options(**options)

    def cap_time_limit(self, seconds: float) -> None:
        """Later solves stop within ``seconds`` (or the scenario's own limit, if shorter): re-solves that explain."""
        self.set_solver_options(time_limit_s=min(self.solver_options["time_limit_s"], seconds))

    def _compute(self, rs: ResolvedScenario) -> Coefficients:
        return compute(rs, fixed_accelerators=self.sizes) if self.fixed is not None else compute(rs)

    def _hold(self, capped: bool = False) -> None:
        """Fixed-plan mode: pin the plan's integer decisions (units, trips, site openings; ``capped``: at most the
        plan) and let the rest follow the scenario: servicing, ground facilities and accelerators, which workload
        runs where, and unmet demand at its penalty. ``missing_units`` counts the plan's units this model has no
        place for (a design that no longer fits, a vintage that can no longer be built)."""
        if self.fixed is None:
            return
        m, f = self.pm.m, self.fixed
        held = []
        integer_trips = self.coef.scenario.terms.integer_trips
        for v, x in self._plan_values():
            v.setlb(0.0 if capped else x)
            v.setub(x)
            # held at one whole value a decision needs no integrality: HiGHS then solves the same problem as an LP,
            # in half the time of its MIP path (about 9 against 19 ms on the reference plan); capped keeps it
            whole = capped and (v.parent_component() is not m.trips or integer_trips)
            v.domain = pyo.Integers if whole else pyo.Reals
            held.append(v)
        for v in m.unmet.values():
            v.setub(None)
            held.append(v)
        self.missing_units = sum(x for idx, x in f.units.items() if x > 0.5 and idx not in m.units)
        self.ad.push_variables(held)

    @contextmanager
    def holding(self, plan: Solution):
        """A fixed-plan evaluation on this session's own model, in place: inside, ``plan``'s integer decisions are
        held as ``_hold`` holds them (bounds and integrality pushed to the same HiGHS instance: no recompile, no
        rebuild) and unmet demand is allowed at its penalty; on leaving, every bound and domain is restored. Used
        for the what-if's preview (planner/app/whatif.py): today's plan re-costed under new values at once, while
        the full re-solve follows."""
        if self.fixed is not None:
            raise ValueError("holding() is for a session that optimises: this one already holds a plan")
        m = self.pm.m
        self.fixed = plan
        saved = [(v, v.lb, v.ub, v.domain) for v, _ in self._plan_values()] + \
                [(v, v.lb, v.ub, v.domain) for v in m.unmet.values()]
        try:
            self._hold()
            yield self
        finally:
            self.fixed = None
            for v, lb, ub, domain in saved:
                v.domain = domain
                v.setlb(lb)
                v.setub(ub)
            self.ad.push_variables([v for v, *_ in saved])

    def _plan_values(self) -> list[tuple[Any, float]]:
        """Each integer decision variable of this model with the held plan's value for it (0 where it has none)."""
        m, f = self.pm.m, self.fixed
        return [(v, values.get(idx, 0.0)) for comp, values in ((m.units, f.units), (m.trips, f.trips),
                                                                 (m.open, f.open)) for idx, v in comp.items()]

    def evaluate(self) -> tuple[SolveResult, str, float]:
        """Fixed-plan mode: the held plan's operation, how it was held ('exact' | 'capped') and the PV $M of the
        plan's decisions it could not carry out.

        When this scenario cannot carry the whole plan (a cap it breaks: cadence, shell, payload), the plan is
        held as a ceiling instead. What it then leaves out (units not launched, trips not flown) was committed
        to, so its cost is counted, not saved: otherwise a draw that breaks the plan could look cheaper than
        one that does not."""
        res = self.ad.solve()
        if res.status != "infeasible":
            return res, "exact", 0.0
        self._hold(capped=True)
        try:
            res = self.ad.solve()
            m = self.pm.m
            left_out = 0.0
            if res.has_solution:
                held = self._plan_values()
                carried = pyo.value(m.total_cost)
                solved = [(v, v.value) for v, _ in held]
                for v, x in held:
                    v.set_value(x, skip_validation=True)
                left_out = pyo.value(m.total_cost) - carried
                for v, x in solved:
                    v.set_value(x, skip_validation=True)
            return res, "capped", left_out
        finally:
            self._hold()

    @contextmanager
    def timed(self, name: str):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - t0

    # -- solving ---------------------------------------------------------------------------------------
    def solve_plan(self) -> tuple[SolveResult, list[dict]]:
        """Solve in the scenario's mode; returns the result and the Dinkelbach history (ratio mode)."""
        with self.timed("handoff"):
            self.ad.ensure_instance()
        with self.timed("warm_start"):
            self.warm = self.ad.warm_start(RECIPES)
        with self.timed("solve"):
            res = self.ad.solve()
            history: list[dict] = []
            if self.rs.scenario.objective.mode == "ratio":
                ob = self.rs.scenario.objective
                res, history = dinkelbach(self.ad, self.pm, ob.dinkelbach_tolerance, ob.max_iterations, res)
        return res, history

    def resolve(self, **solver_overrides) -> SolveResult:
        """Re-solve after a change: a fresh relax-and-fix start, the previous plan as the start when that completes
        no plan (a complete plan, if still feasible, beats a partial one: a front's tightest bound, which only the
        plan before it meets)."""
        self.ad.save_start()
        warm = self.ad.warm_start(RECIPES)
        if warm is None or warm["incumbent"] is None:
            self.ad.use_start()
        return self.ad.solve(**solver_overrides)

    def apply(self, overrides: dict[str, Any]) -> str:
        """Re-target the session to the base scenario plus ``overrides``; returns 'update' or 'rebuild'."""
        rs = with_overrides(self.base_rs, overrides) if overrides else self.base_rs
        coef = self._compute(rs)
        self.rs = rs
        sets = build_sets(coef)
        # sets compared field by field (lists of tuples compare in C), then the parameters' indices in the update
        changed = self.pm.update(coef, sets) if sets == self.pm.sets else None
        if changed is None:
            self._rebuild(coef, sets)
            return "rebuild"
        self.coef = coef
        self.ad.push_changed(changed)
        m = self.pm.m
        if self.fixed is not None:
            self._hold()
        else:
            self.ad.push_variables([m.units[u] for u in self.pm.changed_bounds]
                                   + [m.serviced[u] for u in self.pm.changed_bounds if u in m.serviced])
        self.ad.ensure_instance()  # the changed coefficients reach HiGHS here, so an update is timed whole
        return "update"

    def _rebuild(self, coef: Coefficients, sets) -> None:
        """A new model for new index sets. The replaced model is dropped first, and with ``collect_replaced`` (set by
        batch workers, which pause the garbage collector) freed in one collection before the new model exists:
        collected afterwards, the collection also walked the new model (a rebuild and its collection took 0.91 s
        against 0.77 s on the benchmark's Monte Carlo draws, alternating)."""
        tally = self.ad.tally
        self.pm = self.ad = None
        if self.collect_replaced:
            gc.collect()
        self.coef, self.pm = coef, build_model(coef, sets)
        self.ad = HighsAdapter(self.pm, **self.solver_options)
        self.ad.tally = tally  # the count of resolved solves spans the rebuilds
        self.ad.ensure_instance()
        self._hold()
        self.rebuilds += 1

    def model_size(self) -> dict[str, int]:
        h = self.ad.highs()
        lp = h.getLp()
        integrality = [int(t) for t in lp.integrality_] if len(lp.integrality_) else []
        rows = {c.local_name: len(c) for c in self.pm.m.component_objects(pyo.Constraint, active=True)}
        return {"variables": int(lp.num_col_), "integer_variables": int(sum(1 for t in integrality if t == 1)),
                "binary_variables": sum(1 for _ in self.pm.m.open.values()), "constraints": int(lp.num_row_),
                "nonzeros": int(h.getNumNz()), "constraints_by_block": rows}

    # -- temporary changes on the same model -----------------------------------------------------------
    @contextmanager
    def changed(self, bounds: list[tuple[Any, float | None, float | None]] = (),
                params: list[tuple[Any, Any, float]] = (), theta: float | None = None):
        """Temporarily set variable bounds (var, lb, ub), parameter values (component, index, value) and theta."""
        m = self.pm.m
        saved_bounds = [(v, v.lb, v.ub) for v, _, _ in bounds]
        saved_params = [(comp, idx, comp[idx].value) for comp, idx, _ in params]
        saved_theta = (m.theta.fixed, m.theta.value)
        for v, lb, ub in bounds:
            v.setlb(lb)
            v.setub(ub)
        for comp, idx, x in params:
            comp[idx] = x
        if theta is not None:
            m.theta.fix(theta)
        self.ad.push_variables([v for v, _, _ in bounds] + [m.theta])
        self.ad.push_changed([comp[idx] for comp, idx, _ in params])
        try:
            yield
        finally:
            for v, lb, ub in saved_bounds:
                v.setlb(lb)
                v.setub(ub)
            for comp, idx, x in saved_params:
                comp[idx] = x
            if saved_theta[0]:
                m.theta.fix(saved_theta[1])
            else:
                m.theta.unfix()
            self.ad.push_variables([v for v, _, _ in saved_bounds] + [m.theta])
            self.ad.push_changed([comp[idx] for comp, idx, _ in saved_params])

    def not_servable_from_ground(self) -> list[str]:
        c = self.coef
        ground = {a for a, info in c.archs.items() if info["kind"] == "ground"}
        return [w for w in c.workloads if not (set(c.eligible[w]) & ground)]

    def servable_changes(self) -> tuple[list, list]:
        """Bounds and parameters for 'the demand the ground could serve': other demand dropped, unmet allowed at
        the scenario's penalty (so a comparison reports what can be served)."""
        m = self.pm.m
        drop = set(self.not_servable_from_ground())
        params = [(m.demand, k, 0.0) for k in m.demand if k[0] in drop]
        bounds = [(v, 0.0, None) for v in m.unmet.values()]
        return bounds, params

    def space_closed_bounds(self) -> list:
        m = self.pm.m
        return [(v, 0.0, 0.0) for comp in (m.units, m.trips, m.open, m.serviced) for v in comp.values()]

    def servable_demand_flop(self, theta: float) -> float:
        c = self.coef
        drop = set(self.not_servable_from_ground())
        return sum(c.flop_weight[y] * c.demand[(w, y)] * theta for (w, y) in c.demand if w not in drop)

    def summarise(self, res: SolveResult, servable_theta: float | None = None) -> dict[str, Any]:
        """Status, money and delivered share of the current solution."""
        if not res.has_solution:
            return {"status": res.status}
        sol = read_solution(self.pm)
        money = money_summary(self.coef, sol, cost_flows(self.coef, sol))
        out = {"status": res.status, "mip_gap": res.gap, **money, "solution": sol}
        if servable_theta is not None:
            servable = self.servable_demand_flop(servable_theta)
            served = sum(self.coef.flop_weight[y] * x for (w, a, g, y), x in sol.serve.items())
            out["served_share_of_servable"] = served / servable if servable > 0 else math.nan
        return out

    def ground_only(self, theta: float) -> dict[str, Any]:
        bounds, params = self.servable_changes()
        with self.changed(bounds + self.space_closed_bounds(), params + [(self.pm.m.lam, None, 0.0)], theta):
            out = self.summarise(self.ad.solve(), theta)
        sol = out.pop("solution", None)
        out["not_servable_workloads"] = self.not_servable_from_ground()
        out["unmet_eflop_s"] = {f"{w}:{y}": x for (w, y), x in sol.unmet.items() if x > 1e-7} if sol else {}
        if sol is not None:  # carbon and water of the ground-only plan (issue 7)
            out.update(emissions_summary(self.coef, sol))
        return out

    def elastic(self) -> tuple[Solution | None, Any]:
        """Every workload may go unmet at a high penalty: the least-unmet plan and the caps that bind in it."""
        m = self.pm.m
        bounds = [(v, 0.0, None) for v in m.unmet.values()]
        params = [(m.unmet_cost, k, 1e5 * self.coef.weight[k[1]]) for k in m.unmet_cost]
        with self.changed(bounds, params):
            res = self.resolve()
            if not res.has_solution:
                return None, None
            return read_solution(self.pm), binding_constraints(self.ad, self.pm)
