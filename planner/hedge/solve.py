"""The two-stage problem: mpi-sppy's extensive form over the project's own scenario models, solved with HiGHS; and
the evaluation of a fixed first stage in each scenario (recourse re-optimised).

    min  (1 - w) sum_s p_s cost_s(x, y_s) + w CVaR_alpha(cost)
         CVaR_alpha = eta + sum_s p_s z_s / (1 - alpha),   z_s >= cost_s - eta,  z_s >= 0
    x    first stage (``stage.FIRST_STAGE``, build years in the window), the same in every scenario
    y_s  recourse: every other decision of scenario s
    cost_s = the scenario model's own objective (planner/model/objective.py: cost, unmet penalty, tie-break)

The extensive form is ``mpisppy.utils.sputils.create_EF``: each scenario model is a block, its first stage tied to
the first scenario's by equality rows. ``eta`` is a first-stage variable too, so the same scenario models serve
progressive hedging (planner/hedge/ph.py) unchanged.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import pyomo.environ as pyo

from planner.hedge.stage import first_stage_index, first_stage_values, first_stage_vars, index_difference
from planner.model.build import PlanModel, build_model
from planner.model.coefficients import Coefficients, compute
from planner.results.plan import Solution, cost_flows, money_summary, read_solution
from planner.scenario.load import ResolvedScenario
from planner.session import Session
from planner.solver.highs import HighsAdapter, SolveResult


@dataclass
class Scenario:
    name: str
    rs: ResolvedScenario
    probability: float
    coef: Coefficients | None = None  # coefficients given directly (the tests' hand-written toys)

    def coefficients(self) -> Coefficients:
        return self.coef if self.coef is not None else compute(self.rs)


class _GivenSession(Session):
    """A session on coefficients given directly instead of computed from the scenario."""

    def __init__(self, coef: Coefficients, *args, **kw):
        self._given = coef
        super().__init__(*args, **kw)

    def _compute(self, rs):
        return self._given


@dataclass
class Risk:
    """CVaR of the cost at ``level`` (e.g. 0.9: the mean of the worst 10 %), weighted ``weight`` in [0, 1]."""

    level: float = 0.9
    weight: float = 0.0


@dataclass
class Outcome:
    """One scenario under some first stage: its objective ($M PV, penalty included) and money summary."""

    scenario: str
    status: str
    objective_musd: float | None
    bound_musd: float | None = None
    money: dict = field(default_factory=dict)
    solution: Solution | None = None
    tables: dict = field(default_factory=dict)
    values: dict | None = None  # every variable's value (a start for the extensive form)

    @property
    def ok(self) -> bool:
        return self.objective_musd is not None


def _first_stage_cost(m, index) -> Any:
    """The first-stage decisions' cost terms (mpi-sppy's root-node cost; reporting only)."""
    terms = [m.unit_cost[i] * m.units[i] for i in index["units"]]
    terms += [m.open_cost[i] * m.open[i] for i in index["open"]]
    terms += [m.trip_cost[i] * m.trips[i] for i in index["trips"]]
    terms += [m.build_cost[i] * m.build[i] for i in index["build"]]
    terms += [m.chip_cost[i] * m.chips[i] for i in index["chips"]]
    return pyo.quicksum(terms)


class ScenarioModels:
    """Builds each scenario's model with the project's builder and checks its first stage against the base's."""

    def __init__(self, scenarios: list[Scenario], window: tuple[int, int], risk: Risk | None = None,
                 where: str = "hedge spec"):
        self.scenarios = {s.name: s for s in scenarios}
        self.window, self.risk, self.where = window, risk or Risk(), where
        self.index: dict[str, list[tuple]] | None = None
        self.models: dict[str, PlanModel] = {}
        self.unit_ub: dict[tuple, float] = {}  # first-stage units: the largest bound of any scenario

    def check(self) -> None:
        """Refuse (InputError) a scenario whose first-stage index sets differ from the first one's; collect the
        first-stage unit bounds.

        A scenario's bound on units (``unit_bounds``: what its own demand could use) is valid for its own optimum,
        not for a first stage shared with a scenario that wants more: the hedge's bound on a first-stage unit is
        the largest of the scenarios' (more serves no scenario)."""
        from planner.errors import InputError, problem
        from planner.model.sets import build_sets

        for s in self.scenarios.values():
            c = s.coefficients()
            idx = first_stage_index(build_sets(c), self.window)
            for u in idx["units"]:
                self.unit_ub[u] = max(self.unit_ub.get(u, 0.0), c.unit_ub[u])
            if self.index is None:
                self.index = idx
                continue
            why = index_difference(self.index, idx)
            if why:
                first = next(iter(self.scenarios))
                raise InputError(problem(self.where, f"scenarios.{s.name}",
                                         f"{why.replace('the base', first)}: the first stage must be the same "
                                         f"decisions in every scenario (choose a window without those years, or "
                                         f"drop the scenario)"))

    def create(self, name: str, **_kw) -> pyo.ConcreteModel:
        """mpi-sppy's scenario creator: the scenario's model with its first stage as the root node."""
        from mpisppy.utils import sputils

        s = self.scenarios[name]
        pm = build_model(s.coefficients())
        m = pm.m
        if self.index is None:
            self.index = first_stage_index(pm.sets, self.window)
        idx = first_stage_index(pm.sets, self.window)
        if index_difference(self.index, idx):
            self.check()  # raises with the set named
        for u in self.index["units"]:
            ub = max(self.unit_ub.get(u, 0.0), pm.coef.unit_ub[u])
            m.unit_ub[u] = ub
            m.units[u].setub(ub)
        nonants = first_stage_vars(m, self.index)
        r = self.risk
        if r.weight > 0:
            m.obj.deactivate()
            m.hedge_cost = pyo.Expression(expr=m.obj.expr)
            m.hedge_eta = pyo.Var(domain=pyo.Reals)
            m.hedge_excess = pyo.Var(domain=pyo.NonNegativeReals)
            m.hedge_excess_row = pyo.Constraint(expr=m.hedge_excess >= m.hedge_cost - m.hedge_eta)
            m.hedge_obj = pyo.Objective(expr=(1 - r.weight) * m.hedge_cost + r.weight * (
                m.hedge_eta + m.hedge_excess / (1 - r.level)), sense=pyo.minimize)
            nonants = nonants + [m.hedge_eta]
        else:
            m.hedge_cost = pyo.Expression(expr=m.obj.expr)
        sputils.attach_root_node(m, _first_stage_cost(m, self.index), nonants)
        m._mpisppy_probability = s.probability
        self.models[name] = pm
        return m


class _EFAdapter(HighsAdapter):
    """The project's HiGHS adapter on the extensive form: the same hand-over and solve; the space resolution in
    dollars is a property of one scenario's plan, not of the extensive form, so it is not computed."""

    def _resolution(self, x, obj, bound, opts):
        return None


@dataclass
class _Holder:
    m: pyo.ConcreteModel
    coef: Any = None


@dataclass
class HedgeSolution:
    """The solved extensive form."""

    status: str
    objective_musd: float | None  # (1 - w) E[cost] + w CVaR
    bound_musd: float | None
    gap: float | None
    first_stage: dict[str, dict[tuple, float]]
    outcomes: dict[str, Outcome]
    expected_musd: float | None
    cvar_musd: float | None
    seconds: float
    size: dict


def solve_extensive_form(models: ScenarioModels, gap: float, time_limit_s: float, threads: int = 0,
                         start: dict[str, dict[str, dict]] | None = None, tables: bool = False) -> HedgeSolution:
    """Build mpi-sppy's extensive form and solve it with HiGHS (``start``: per scenario {variable: {index: value}}
    of a feasible plan, handed to HiGHS as its first incumbent)."""
    from mpisppy.utils import sputils

    t0 = time.perf_counter()
    names = list(models.scenarios)
    ef = sputils.create_EF(names, models.create, suppress_warnings=True)
    ad = _EFAdapter(_Holder(ef), time_limit_s=time_limit_s, mip_gap=gap, threads=threads, resolve_space=False)
    ad.ensure_instance()
    if start:
        values: dict[int, float] = {}
        for name in names:
            m = models.models[name].m
            for comp_name, vals in start.get(name, {}).items():
                comp = getattr(m, comp_name)
                for i, x in vals.items():
                    if i in comp:
                        values[id(comp[i])] = x
        ad._start = values
        ad.use_start()
    res = ad.solve()
    size = {"variables": len(ad.columns), "integer_variables": int(ad._kinds.sum()),
            "constraints": int(ad.h.getLp().num_row_), "scenarios": len(names)}
    out: dict[str, Outcome] = {}
    first: dict[str, dict[tuple, float]] = {}
    expected = cvar = None
    if res.has_solution:
        first = first_stage_values(models.models[names[0]].m, models.index)
        costs = {}
        for name in names:
            pm = models.models[name]
            costs[name] = float(pyo.value(pm.m.hedge_cost))
            out[name] = outcome(name, pm, res, costs[name], tables)
        expected = sum(models.scenarios[n].probability * costs[n] for n in names)
        cvar = cvar_of(costs, {n: models.scenarios[n].probability for n in names}, models.risk.level)
    return HedgeSolution(status=res.status, objective_musd=res.objective, bound_musd=res.bound, gap=res.gap,
                         first_stage=first, outcomes=out, expected_musd=expected, cvar_musd=cvar,
                         seconds=time.perf_counter() - t0, size=size)


def outcome(name: str, pm: PlanModel, res: SolveResult, objective: float | None, tables: bool = False) -> Outcome:
    """A scenario's result from its solved model."""
    if not res.has_solution:
        return Outcome(name, res.status, None, res.bound)
    sol = read_solution(pm)
    flows = cost_flows(pm.coef, sol)
    money = money_summary(pm.coef, sol, flows)
    out = Outcome(name, res.status, objective, res.bound, money, sol)
    if tables:
        from planner.results.plan import build_tables

        out.tables = build_tables(pm.coef, sol)
    return out


def cvar_of(costs: dict[str, float], probs: dict[str, float], level: float) -> float:
    """CVaR at ``level`` of a discrete cost distribution: the mean of the worst (1 - level) of the probability."""
    tail = 1.0 - level
    if tail <= 0:
        return max(costs.values())
    left, acc = tail, 0.0
    for name in sorted(costs, key=costs.get, reverse=True):
        take = min(probs[name], left)
        acc += take * costs[name]
        left -= take
        if left <= 1e-12:
            break
    return acc / tail


class Evaluator:
    """One scenario's own model and solver (a ``Session``), kept to solve it with any first stage held fixed."""

    def __init__(self, scenario: Scenario, window: tuple[int, int], gap: float, time_limit_s: float,
                 threads: int = 0):
        self.scenario = scenario
        args = (scenario.rs, time_limit_s, gap, threads)
        self.session = (_GivenSession(scenario.coef, *args, resolve_space=False) if scenario.coef is not None
                        else Session(*args, resolve_space=False))
        self.index = first_stage_index(self.session.pm.sets, window)
        self.perfect: Outcome | None = None
        self.perfect_first: dict[str, dict[tuple, float]] | None = None

    def solve_free(self, tables: bool = False) -> Outcome:
        """Perfect foresight: the scenario's own optimum (wait-and-see)."""
        res, _ = self.session.solve_plan()
        self.perfect = outcome(self.scenario.name, self.session.pm, res, res.objective, tables)
        if res.has_solution:
            self.perfect_first = first_stage_values(self.session.pm.m, self.index)
        return self.perfect

    def solve_fixed(self, first: dict[str, dict[tuple, float]], tables: bool = False) -> Outcome:
        """The first stage held at ``first``; every later decision re-optimised for this scenario."""
        m = self.session.pm.m
        bounds = [(getattr(m, name)[i], x, x) for name, vals in first.items() for i, x in vals.items()
                  if i in getattr(m, name)]
        # a unit count above this scenario's own bound (``ScenarioModels.check``) lifts the bound's row too
        params = [(m.unit_ub, i, x) for i, x in first.get("units", {}).items()
                  if i in m.unit_ub and x > m.unit_ub[i].value]
        with self.session.changed(bounds, params):
            res = self.session.resolve()
            out = outcome(self.scenario.name, self.session.pm, res, res.objective, tables)
            out.values = all_values(m) if res.has_solution else None
        return out


def all_values(m) -> dict[str, dict]:
    """Every variable's value by component name and index (a start for the extensive form)."""
    out = {}
    for comp in m.component_objects(pyo.Var, descend_into=False):
        out[comp.local_name] = {i: v.value for i, v in comp.items() if v.value is not None}
    return out


def relative(a: float | None, b: float | None) -> float:
    if a is None or b is None or not math.isfinite(a) or not math.isfinite(b):
        return math.nan
    return (a - b) / max(abs(b), 1e-9)
