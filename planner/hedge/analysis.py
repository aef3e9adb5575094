"""The hedge and the measures a board reads it by.

    RP    = min_x E_s[cost_s(x)]                       the hedged plan (extensive form), its expected cost
    WS    = E_s[min_x cost_s(x)]                       wait-and-see: each scenario with perfect foresight
    EEV   = E_s[cost_s(x_EV)]                          the deterministic plan's first stage x_EV (the expected-value
                                                       scenario's optimum) held, recourse re-optimised per scenario
    VSS   = EEV - RP >= 0                              value of the stochastic solution (of hedging)
    EVPI  = RP - WS >= 0                               expected value of perfect information
    regret[i, j] = cost_j(x_i) - cost_j(x_j)           scenario i's perfect-foresight first stage, evaluated in j

Every cost is a scenario model's own objective (present value, $M; unmet demand at its penalty). Each figure is a
MIP optimum to a gap, so each difference carries the gaps of its terms: ``uncertainty_musd`` says how much.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

from planner import progress
from planner.hedge.solve import (Evaluator, HedgeSolution, Outcome, Risk, Scenario, ScenarioModels, cvar_of,
                                 solve_extensive_form)


@dataclass
class Options:
    gap: float = 1e-4
    time_limit_s: float = 600.0  # the extensive form's
    eval_time_limit_s: float = 120.0  # each scenario solve's
    threads: int = 0
    regret: bool = True
    regret_max_scenarios: int = 12  # the regret matrix takes n (n - 1) solves
    risk_weights: tuple[float, ...] = ()  # further CVaR weights the commitment is re-solved at (the report's table)
    tables: bool = True  # each scenario's recourse tables


@dataclass
class HedgeResult:
    scenarios: list[Scenario]
    window: tuple[int, int]
    risk: Risk
    hedged: HedgeSolution
    ev_first: dict
    perfect: dict[str, Outcome]
    perfect_first: dict[str, dict]
    eev_out: dict[str, Outcome]
    regret: dict[str, dict[str, float | None]] | None
    risk_sweep: list[dict] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    evaluators: dict[str, Evaluator] = field(default_factory=dict)

    @property
    def probs(self) -> dict[str, float]:
        return {s.name: s.probability for s in self.scenarios}

    def expect(self, outcomes: dict[str, Outcome]) -> float | None:
        if any(not outcomes[s.name].ok for s in self.scenarios):
            return None
        return sum(s.probability * outcomes[s.name].objective_musd for s in self.scenarios)

    @property
    def rp(self) -> float | None:
        return self.hedged.expected_musd

    @property
    def ws(self) -> float | None:
        return self.expect(self.perfect)

    @property
    def eev(self) -> float | None:
        return self.expect(self.eev_out)

    @property
    def vss(self) -> float | None:
        e = self.eev
        return None if e is None or self.rp is None else e - self.rp

    @property
    def evpi(self) -> float | None:
        return None if self.rp is None or self.ws is None else self.rp - self.ws

    def uncertainty_musd(self) -> dict[str, float]:
        """How far each figure can be from its exact value because each solve stops at its gap ($M): the
        incumbent minus the proven bound, in expectation."""
        def spread(outcomes):
            return sum(s.probability * max(0.0, (o.objective_musd or 0) - (o.bound_musd if o.bound_musd is not None
                                                                            else (o.objective_musd or 0)))
                       for s in self.scenarios for o in [outcomes[s.name]])
        h = self.hedged
        ef = max(0.0, (h.objective_musd or 0) - (h.bound_musd if h.bound_musd is not None else h.objective_musd or 0))
        return {"hedged": ef, "wait_and_see": spread(self.perfect), "expected_value_plan": spread(self.eev_out)}


def evaluate_all(evaluators: dict[str, Evaluator], first: dict, tables: bool = False) -> dict[str, Outcome]:
    return {name: ev.solve_fixed(first, tables) for name, ev in evaluators.items()}


def hedge(scenarios: list[Scenario], ev_scenario: Scenario, window: tuple[int, int], risk: Risk | None = None,
          options: Options | None = None, where: str = "hedge spec",
          ef_solver: Callable[[ScenarioModels, dict, dict], HedgeSolution] | None = None) -> HedgeResult:
    """Solve the hedge and everything it is judged by. ``ef_solver(models, start, evaluators)`` replaces the
    extensive form (progressive hedging, planner/hedge/ph.py)."""
    o = options or Options()
    risk = risk or Risk()
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    models = ScenarioModels(scenarios, window, risk, where)
    models.check()
    seconds["check"] = time.perf_counter() - t

    t = time.perf_counter()
    progress.step(f"the deterministic plan ({ev_scenario.name}) and each scenario's own optimum")
    ev = Evaluator(ev_scenario, window, o.gap, o.eval_time_limit_s, o.threads)
    if ev.index != models.index:
        from planner.errors import InputError, problem
        from planner.hedge.stage import index_difference

        raise InputError(problem(where, "expected_value", index_difference(models.index, ev.index) or
                                 "its first stage differs from the scenarios'"))
    ev_out = ev.solve_free()
    if not ev_out.ok:
        from planner.errors import InfeasibleError

        raise InfeasibleError([f"the expected-value scenario {ev_scenario.name} has no plan ({ev_out.status})"])
    ev_first = ev.perfect_first
    del ev
    evaluators, perfect = {}, {}
    for s in scenarios:
        progress.step(f"perfect foresight: {s.name}")
        evaluators[s.name] = Evaluator(s, window, o.gap, o.eval_time_limit_s, o.threads)
        perfect[s.name] = evaluators[s.name].solve_free()
    perfect_first = {name: e.perfect_first for name, e in evaluators.items()}
    seconds["wait_and_see"] = time.perf_counter() - t

    t = time.perf_counter()
    progress.step("the deterministic plan's first stage held in every scenario (EEV)")
    eev = evaluate_all(evaluators, ev_first)
    seconds["eev"] = time.perf_counter() - t

    start = _start(eev, scenarios, risk)
    t = time.perf_counter()
    progress.step(f"the hedge: {len(scenarios)} scenarios, first stage {window[0]}-{window[1]}")
    solver = ef_solver or (lambda ms, st, _ev: solve_extensive_form(ms, o.gap, o.time_limit_s, o.threads, st,
                                                                    tables=o.tables))
    hedged = solver(models, start, evaluators)
    seconds["hedge"] = time.perf_counter() - t

    regret = None
    if o.regret and len(scenarios) <= o.regret_max_scenarios and all(v is not None for v in perfect_first.values()):
        t = time.perf_counter()
        progress.step(f"regret matrix: each perfect-foresight first stage in every other scenario "
                      f"({len(scenarios) * (len(scenarios) - 1)} solves)")
        regret = {}
        for i in scenarios:
            row = {}
            for j in scenarios:
                if i.name == j.name:
                    row[j.name] = 0.0
                    continue
                got = evaluators[j.name].solve_fixed(perfect_first[i.name])
                base = perfect[j.name].objective_musd
                row[j.name] = None if not got.ok or base is None else got.objective_musd - base
            regret[i.name] = row
        seconds["regret"] = time.perf_counter() - t

    sweep = []
    for w in o.risk_weights:
        t = time.perf_counter()
        progress.step(f"the hedge at CVaR weight {w:g}")
        r = Risk(level=risk.level, weight=w)
        ms = ScenarioModels(scenarios, window, r, where)
        ms.index = models.index
        sol = solve_extensive_form(ms, o.gap, o.time_limit_s, o.threads, _start(eev, scenarios, r))
        costs = {n: out.objective_musd for n, out in sol.outcomes.items()}
        sweep.append({"weight": w, "level": risk.level, "status": sol.status, "gap": sol.gap,
                      "expected_musd": sol.expected_musd, "cvar_musd": sol.cvar_musd,
                      "worst_musd": max(costs.values()) if costs else None, "first_stage": sol.first_stage,
                      "seconds": time.perf_counter() - t})
    return HedgeResult(scenarios=scenarios, window=window, risk=risk, hedged=hedged, ev_first=ev_first,
                       perfect=perfect, perfect_first=perfect_first, eev_out=eev, regret=regret, risk_sweep=sweep,
                       seconds=seconds, evaluators=evaluators)


def _start(outcomes: dict[str, Outcome], scenarios: list[Scenario], risk: Risk) -> dict | None:
    """A feasible plan of the extensive form: every scenario's solve with one first stage held (all variables),
    with the CVaR variables at the value they take there."""
    if any(not outcomes[s.name].ok or outcomes[s.name].values is None for s in scenarios):
        return None
    start = {s.name: dict(outcomes[s.name].values) for s in scenarios}
    if risk.weight > 0:
        costs = {s.name: outcomes[s.name].objective_musd for s in scenarios}
        probs = {s.name: s.probability for s in scenarios}
        eta = value_at_risk(costs, probs, risk.level)
        for s in scenarios:
            start[s.name]["hedge_eta"] = {None: eta}
            start[s.name]["hedge_excess"] = {None: max(0.0, costs[s.name] - eta)}
    return start


def value_at_risk(costs: dict[str, float], probs: dict[str, float], level: float) -> float:
    """The smallest cost c with P(cost <= c) >= level."""
    acc = 0.0
    for name in sorted(costs, key=costs.get):
        acc += probs[name]
        if acc >= level - 1e-12:
            return costs[name]
    return max(costs.values())


def confidence_interval(values: list[float], probs: list[float] | None = None, z: float = 1.96) -> tuple:
    """Mean and the half-width of its 95 % confidence interval (equal-weight sample: z x sd / sqrt(n))."""
    n = len(values)
    if n == 0:
        return math.nan, math.nan
    mean = sum(values) / n
    if n < 2:
        return mean, math.nan
    var = sum((x - mean) ** 2 for x in values) / (n - 1)
    return mean, z * math.sqrt(var / n)


__all__ = ["Options", "HedgeResult", "hedge", "confidence_interval", "value_at_risk", "cvar_of"]
