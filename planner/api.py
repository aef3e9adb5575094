"""What the CLI, batches and users call: load a scenario, solve it into a plan, write the run folder."""

from __future__ import annotations

import math
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from planner import __version__
from planner.errors import InfeasibleError
from planner.model.build import PlanModel, build_model
from planner.model.coefficients import Coefficients, compute
from planner.model.heuristic import RECIPES
from planner.results.plan import (PERFECT_FORESIGHT, Plan, Solution, build_tables, cost_flows, mix_summary,
                                  money_summary, read_solution)
from planner.results.vintage import vintage_costs
from planner.scenario.load import ResolvedScenario
from planner.scenario.load import load_scenario as _load
from planner.solver.dinkelbach import dinkelbach
from planner.solver.explain import binding_constraints, infeasibility_reasons
from planner.solver.highs import HighsAdapter, SolveResult, solver_version

DEFAULT_REPORTS = Path("reports")


def load_scenario(path: str | Path, overrides: list[str] | dict[str, Any] | None = None) -> ResolvedScenario:
    """Read, merge (``extends:``), override (``path=value``), validate and resolve a scenario file."""
    return _load(path, overrides)


def with_overrides(rs: ResolvedScenario, extra: dict[str, Any]) -> ResolvedScenario:
    """The same scenario file with more overrides (re-resolved, so the hash follows)."""
    return _load(rs.path, {**rs.overrides, **extra})


class Session:
    """One scenario's model and solver, kept for re-solves (explanations, comparisons, batches)."""

    def __init__(self, rs: ResolvedScenario, time_limit_s: float | None = None, mip_gap: float | None = None,
                 threads: int | None = None, seed: int | None = None):
        self.rs = rs
        self.timings: dict[str, float] = {}
        so = rs.scenario.solver
        with self.timed("coefficients"):
            self.coef: Coefficients = compute(rs)
        with self.timed("build"):
            self.pm: PlanModel = build_model(self.coef)
        self.ad = HighsAdapter(self.pm, time_limit_s=time_limit_s or so.time_limit_s,
                               mip_gap=so.mip_gap if mip_gap is None else mip_gap,
                               threads=so.threads if threads is None else threads,
                               seed=so.seed if seed is None else seed)

    @contextmanager
    def timed(self, name: str):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - t0

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

    def model_size(self) -> dict[str, int]:
        h = self.ad.highs()
        lp = h.getLp()
        integrality = [int(t) for t in lp.integrality_] if len(lp.integrality_) else []
        binaries = sum(1 for v in self.pm.m.open.values())
        return {"variables": int(lp.num_col_), "integer_variables": int(sum(1 for t in integrality if t == 1)),
                "binary_variables": binaries, "constraints": int(lp.num_row_),
                "nonzeros": int(h.getNumNz())}

    # -- comparisons on the same model ------------------------------------------------------------------
    @contextmanager
    def space_closed(self, theta: float):
        """Ground only: no space units, trips or site cores; demand the ground cannot serve is dropped; the
        rest may go unmet at the scenario's penalty (so the comparison reports what the ground can serve)."""
        m, c = self.pm.m, self.coef
        saved_bounds = [(v, v.lb, v.ub) for comp in (m.units, m.trips, m.open, m.serviced, m.unmet)
                        for v in comp.values()]
        saved_demand = {k: m.demand[k].value for k in m.demand}
        saved_theta = (m.theta.fixed, m.theta.value)
        ground = {a for a, info in c.archs.items() if info["kind"] == "ground"}
        self.not_servable = [w for w in c.workloads if not (set(c.eligible[w]) & ground)]
        for comp in (m.units, m.trips, m.open, m.serviced):
            for v in comp.values():
                v.setub(0)
        for v in m.unmet.values():
            v.setub(None)
        for (w, y) in m.demand:
            if w in self.not_servable:
                m.demand[w, y] = 0.0
        m.theta.fix(theta)
        self.ad.push_variables([v for v, *_ in saved_bounds] + [m.theta])
        self.ad.push_parameters()
        try:
            yield
        finally:
            for v, lb, ub in saved_bounds:
                v.setlb(lb)
                v.setub(ub)
            for k, x in saved_demand.items():
                m.demand[k] = x
            if saved_theta[0]:
                m.theta.fix(saved_theta[1])
            else:
                m.theta.unfix()
            self.ad.push_variables([v for v, *_ in saved_bounds] + [m.theta])
            self.ad.push_parameters()

    def ground_only(self, theta: float) -> dict[str, Any]:
        c, m = self.coef, self.pm.m
        lam = m.lam.value
        m.lam.set_value(0.0)
        try:
            with self.space_closed(theta):
                res = self.ad.solve()
                if not res.has_solution:
                    return {"status": res.status}
                sol = read_solution(self.pm)
                money = money_summary(c, sol, cost_flows(c, sol))
                servable = sum(c.flop_weight[y] * c.demand[(w, y)] * theta for (w, y) in c.demand
                               if w not in self.not_servable)
                served = sum(c.flop_weight[y] * x for (w, a, g, y), x in sol.serve.items())
                unmet = {f"{w}:{y}": x for (w, y), x in sol.unmet.items() if x > 1e-7}
        finally:
            m.lam.set_value(lam)
            self.ad.push_parameters()
        return {"status": res.status, "mip_gap": res.gap, **money,
                "served_share_of_servable": served / servable if servable > 0 else math.nan,
                "not_servable_workloads": list(self.not_servable), "unmet_eflop_s": unmet}

    def elastic(self) -> tuple[Solution | None, Any]:
        """Every workload may go unmet at a high penalty: the least-unmet plan and the caps that bind in it."""
        m = self.pm.m
        saved = [(v, v.ub) for v in m.unmet.values()]
        saved_cost = {k: m.unmet_cost[k].value for k in m.unmet_cost}
        for v in m.unmet.values():
            v.setub(None)
        for k in m.unmet_cost:
            m.unmet_cost[k] = 1e5 * self.coef.weight[k[1]]
        self.ad.push_variables([v for v, _ in saved])
        self.ad.push_parameters()
        try:
            self.ad.warm_start(RECIPES)
            res = self.ad.solve()
            if not res.has_solution:
                return None, None
            sol = read_solution(self.pm)
            return sol, binding_constraints(self.ad, self.pm)
        finally:
            for v, ub in saved:
                v.setub(ub)
            for k, x in saved_cost.items():
                m.unmet_cost[k] = x
            self.ad.push_variables([v for v, _ in saved])
            self.ad.push_parameters()


def solve(scenario: ResolvedScenario | str | Path, mode: str | None = None, time_limit: float | None = None,
          gap: float | None = None, threads: int | None = None, seed: int | None = None, explain: bool = True,
          compare_ground: bool = True, raise_infeasible: bool = False) -> Plan:
    """Solve a scenario into a plan (tables are pandas DataFrames, ``plan.summary`` a dict).

    An infeasible scenario returns a plan with status ``infeasible`` and the reasons in
    ``plan.explanations["infeasible"]`` (or raises InfeasibleError with ``raise_infeasible``).
    """
    t_start = time.perf_counter()
    rs = scenario if isinstance(scenario, ResolvedScenario) else load_scenario(scenario)
    if mode is not None and mode != rs.scenario.objective.mode:
        rs = with_overrides(rs, {"objective.mode": mode})
    session = Session(rs, time_limit, gap, threads, seed)
    res, history = session.solve_plan()
    c, pm = session.coef, session.pm
    explanations: dict[str, Any] = {"perfect_foresight": PERFECT_FORESIGHT}
    if history:
        explanations["dinkelbach"] = history

    if not res.has_solution:
        with session.timed("explain"):
            elastic, binding = session.elastic() if res.status in ("infeasible", "error") else (None, None)
            reasons = infeasibility_reasons(c, elastic, binding) if elastic is not None else [
                f"HiGHS ended with status {res.status} ({res.termination}) and no plan"]
        explanations["infeasible"] = reasons
        tables = build_tables(c, elastic) if elastic is not None else {}
        summary = _summary(session, res, None, tables, {}, t_start, history)
        summary["status"] = "infeasible" if res.status in ("infeasible", "error") else res.status
        summary["infeasible_reasons"] = reasons
        plan = Plan(scenario=rs, summary=summary, tables=tables, explanations=explanations, solver_log=res.log,
                    coefficients=c)
        if raise_infeasible:
            raise InfeasibleError(reasons, plan)
        return plan

    with session.timed("extract"):
        sol = read_solution(pm)
        tables = build_tables(c, sol)
        tables["vintage_costs"] = vintage_costs(c)
    if explain:
        with session.timed("explain"):
            tables["constraints"] = binding_constraints(session.ad, pm)
    ground: dict[str, Any] = {}
    if compare_ground and any(info["kind"] == "ground" for info in c.archs.values()):
        with session.timed("ground_only"):
            ground = session.ground_only(sol.theta)
    summary = _summary(session, res, sol, tables, ground, t_start, history)
    return Plan(scenario=rs, summary=summary, tables=tables, explanations=explanations, solver_log=res.log,
                coefficients=c)


def _summary(session: Session, res: SolveResult, sol: Solution | None, tables: dict, ground: dict,
             t_start: float, history: list[dict]) -> dict[str, Any]:
    rs, c = session.rs, session.coef
    s = rs.scenario
    out: dict[str, Any] = {
        "scenario": s.name,
        "status": res.status,
        "mip_gap": res.gap,
        "mode": s.objective.mode,
    }
    if sol is not None:
        money = money_summary(c, sol, tables["costs"])
        out.update(money)
        out["objective_usd"] = res.objective * 1e6 if res.objective is not None else None
        out["ground_only"] = ground
        if ground.get("usd_per_eflop"):
            out["space_vs_ground_cost_ratio"] = money["usd_per_eflop"] / ground["usd_per_eflop"]
        out.update(mix_summary(c, tables))
        out["theta"] = sol.theta
        out["unmet_eflop_s"] = {f"{w}:{y}": x for (w, y), x in sol.unmet.items() if x > 1e-7}
        out["delivered_flop_undiscounted"] = sum(x for x in tables["fleet"]["delivered_flop"])
    if history:
        out["dinkelbach_iterations"] = len(history) - 1
        out["ratio_exact_to"] = (f"the MIP gap of each Dinkelbach step ({session.ad.options['mip_gap']:g}) and the "
                                 f"stopping tolerance ({s.objective.dinkelbach_tolerance:g})")
    if session.warm:
        w = session.warm
        out["warm_start"] = {"lp_bound_usd": w["lp_bound"] * 1e6,
                             "incumbent_usd": w["incumbent"] * 1e6 if w["incumbent"] is not None else None,
                             "fixed_share": w["fixed_share"], "seconds": w["seconds"]}
    session.timings["total"] = time.perf_counter() - t_start
    out["timings_s"] = {k: round(v, 4) for k, v in session.timings.items()}
    out["model_size"] = session.model_size()
    out["solver"] = {"name": "highs", "version": solver_version(), "interface": "pyomo.contrib.solver persistent",
                     "options": session.ad.options, "solves": session.ad.solves}
    out["planner_version"] = __version__
    out["scenario_sha256"] = rs.sha256
    out["perfect_foresight"] = True
    return out


def write_run(plan: Plan, out_dir: str | Path | None = None) -> Path:
    """Write a plan's run folder (default ``reports/<scenario name>/``) atomically; returns the folder."""
    out = Path(out_dir) if out_dir else DEFAULT_REPORTS / plan.scenario.name
    t0 = time.perf_counter()
    path = plan.write(out)
    plan.summary.setdefault("timings_s", {})["write"] = round(time.perf_counter() - t0, 4)
    return path

