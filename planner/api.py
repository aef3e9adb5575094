"""What the CLI, batches and users call: load a scenario, solve it into a plan, write the run folder."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from planner import __version__, foresight, outdir, progress
from planner.analysis import analyse
from planner.errors import InfeasibleError, InputError, problem
from planner.model.coefficients import compute
from planner.results.emissions import emissions_summary
from planner.results.marginal import marginal_costs
from planner.results.plan import (PERFECT_FORESIGHT, Plan, Solution, build_tables, cost_flows, mix_summary,
                                  money_summary, read_solution)
from planner.results.waterfall import waterfall_summary
from planner.scenario.load import ResolvedScenario
from planner.scenario.load import load_scenario as _load
from planner.session import Session, with_overrides
from planner.solver.explain import binding_constraints, iis_lines, infeasibility_reasons, infeasible_subsystem
from planner.solver.highs import SolveResult, solver_version

DEFAULT_REPORTS = Path("reports")
ANALYSIS_TIME_LIMIT_S = 30.0  # each analysis re-solve, at most (the plan's own solve keeps the scenario's limit)


def load_scenario(path: str | Path, overrides: list[str] | dict[str, Any] | None = None) -> ResolvedScenario:
    """Read, merge (``extends:``), override (``path=value``), validate and resolve a scenario file."""
    return _load(path, overrides)


def solve(scenario: ResolvedScenario | str | Path, mode: str | None = None, time_limit: float | None = None,
          gap: float | None = None, threads: int | None = None, seed: int | None = None, explain: bool = True,
          compare_ground: bool = True, analysis: str = "off", raise_infeasible: bool = False,
          foresight: str = "perfect", window: int | None = None, step: int | None = None) -> Plan:
    """Solve a scenario into a plan (tables are pandas DataFrames, ``plan.summary`` a dict).

    ``analysis`` ('off', 'quick' or 'full') adds the re-solves a report explains with: decisive assumptions,
    break-even launch price, marginal values of integer decisions, near-optimal alternatives.
    An infeasible scenario returns a plan with status ``infeasible`` and the reasons in
    ``plan.explanations["infeasible"]`` (or raises InfeasibleError with ``raise_infeasible``).

    ``foresight='myopic'`` (with ``window`` and ``step`` in years, planner/foresight.py) returns the pathway of a
    planner who sees ``window`` years ahead and commits ``step`` at a time, evaluated on the full horizon, and its
    cost against perfect foresight (``plan.summary["foresight"]``); it has no analysis and no ground-only
    comparison (both would re-solve with perfect foresight). A window that finds no plan raises InfeasibleError.
    """
    t_start = time.perf_counter()
    if time_limit is not None and not (math.isfinite(time_limit) and time_limit > 0):
        raise InputError(problem("solve", "time_limit", f"must be > 0 seconds, got {time_limit}"))
    if gap is not None and not (math.isfinite(gap) and 0 <= gap <= 1):
        raise InputError(problem("solve", "gap", f"must be between 0 and 1 (a fraction), got {gap}"))
    rs = scenario if isinstance(scenario, ResolvedScenario) else load_scenario(scenario)
    if mode is not None and mode != rs.scenario.objective.mode:
        rs = with_overrides(rs, {"objective.mode": mode})
    sc = rs.scenario
    if foresight not in ("perfect", "myopic"):
        raise InputError(problem("solve", "foresight", f"expected perfect or myopic, got {foresight!r}"))
    if foresight == "myopic":
        _check_myopic(rs, window, step, analysis)
        compare_ground = False
    n_years, n_work = sc.horizon.last_year - sc.horizon.first_year + 1, len(sc.workloads)
    progress.step(f"building the model of {sc.name} ({n_years} years, {n_work} workload{'s' if n_work != 1 else ''})")
    session = Session(rs, time_limit, gap, threads, seed)
    so = session.solver_options
    how = ("ratio mode: Dinkelbach iterations over the demand scale, one MIP each"
           if sc.objective.mode == "ratio" else "demand mode")
    progress.step(f"solving ({how}; MIP gap {so['mip_gap']:g}, time limit {so['time_limit_s']:g} s per solve)")
    res, history = session.solve_plan()
    c = session.coef
    explanations: dict[str, Any] = {"perfect_foresight": PERFECT_FORESIGHT}
    myopic: dict[str, Any] = {}
    if foresight == "myopic" and res.has_solution:
        res, myopic = _myopic(session, res, window, step)
        explanations["perfect_foresight"] = myopic.pop("sentence")
    if history:
        explanations["dinkelbach"] = history

    if not res.has_solution:
        progress.step(f"no plan ({res.status}): re-solving with unmet demand allowed to explain why")
        # the least-unmet plan explains; it need not be proved optimal (the analysis re-solves' limit holds)
        session.cap_time_limit(ANALYSIS_TIME_LIMIT_S)
        with session.timed("explain"):
            reasons, iis, elastic = explain_no_plan(session, res)
        explanations["infeasible"] = reasons
        if iis is not None:
            explanations["iis"] = iis
        tables = build_tables(c, elastic) if elastic is not None else {}
        summary = plan_summary(session, res, None, tables, {}, t_start, history)
        summary["status"] = "infeasible" if res.status in ("infeasible", "error") else res.status
        summary["infeasible_reasons"] = reasons
        summary["infeasible_evidence"] = iis_lines(iis)
        plan = Plan(scenario=rs, summary=summary, tables=tables, explanations=explanations, solver_log=res.log,
                    coefficients=c)
        if raise_infeasible:
            raise InfeasibleError(reasons, plan)
        return plan

    sol, tables = plan_tables(session, explain)
    tally0 = dict(session.ad.tally)  # the re-solves after the plan's are counted from here
    ground: dict[str, Any] = {}
    if compare_ground and any(info["kind"] == "ground" for info in c.archs.values()):
        progress.step("ground-only comparison")
        with session.timed("ground_only"):
            ground = session.ground_only(sol.theta)
    analysis_tables: dict = {}
    analysis_summary: dict = {}
    if analysis != "off":
        # the analysis re-solves resolve the space decisions too (the space share and the group moves mean nothing
        # otherwise): 6-18 s a re-solve on the reference against about 2 s at a relative gap (2 cores, load 8-10);
        # one in six ran to 120 s and still did not resolve, so they stop sooner; the summary and the tables say
        # which did not resolve
        session.cap_time_limit(ANALYSIS_TIME_LIMIT_S)
        with session.timed("analysis"):
            base = money_summary(c, sol, tables["costs"])
            analysis_tables, analysis_summary = analyse(session, sol, base, analysis)
    summary = plan_summary(session, res, sol, tables, ground, t_start, history)
    if res.resolution is not None:
        summary["resolution"] = {**res.resolution.as_dict(), "re_solves": {
            k: session.ad.tally[k] - tally0[k] for k in tally0}}
    if analysis_summary:
        summary["analysis"] = analysis_summary
    if myopic:
        summary["perfect_foresight"] = False
        summary["foresight"] = myopic
    return Plan(scenario=rs, summary=summary, tables=tables, explanations=explanations, solver_log=res.log,
                coefficients=c, analysis=analysis_tables)


def explain_no_plan(session: Session, res: SolveResult) -> tuple[list[str], dict | None, Solution | None]:
    """Why the session's last solve found no plan: the reasons in words (root causes first), HiGHS's irreducible
    infeasible subsystem of the LP relaxation (infeasible only) and the least-unmet plan the reasons come from."""
    iis = infeasible_subsystem(session.ad, session.pm) if res.status == "infeasible" else None
    elastic, binding = session.elastic() if res.status in ("infeasible", "error") else (None, None)
    reasons = infeasibility_reasons(session.coef, elastic, binding) if elastic is not None else [
        f"HiGHS ended with status {res.status} ({res.termination}) and no plan"]
    return reasons, iis, elastic


def plan_tables(session: Session, explain: bool = True, units: bool = True) -> tuple[Solution, dict[str, Any]]:
    """The session's current plan and its tables (with ``units``: each unit's cost per FLOP and its split; with
    ``explain`` too: binding constraints, shadow prices and the ground's marginal cost)."""
    c, pm = session.coef, session.pm
    with session.timed("extract"):
        sol = read_solution(pm)
        tables = build_tables(c, sol)
        if units:
            tables.update(session.unit_tables())
    if explain and units:
        progress.step("binding constraints and shadow prices")
        with session.timed("explain"):
            tables["constraints"] = binding_constraints(session.ad, pm)
            tables["marginal_costs"] = marginal_costs(c, tables["constraints"], tables["vintage_costs"])
    return sol, tables


def _check_myopic(rs: ResolvedScenario, window: int | None, step: int | None, analysis: str) -> None:
    """A myopic run needs demand mode (ratio mode's demand scale spans the whole horizon) and no analysis."""
    source = "--foresight myopic"
    if rs.scenario.objective.mode == "ratio":
        raise InputError(problem(source, "objective.mode", "myopic foresight needs demand mode (ratio mode chooses "
                                                           "one demand scale for the whole horizon)"))
    if analysis != "off":
        raise InputError(problem(source, "--analysis", f"the analysis re-solves with perfect foresight: use "
                                                       f"--analysis off with a myopic run, got {analysis}"))
    foresight.check(rs.scenario.horizon.years, window, step, source)


def _myopic(session: Session, pf: SolveResult, window: int, step: int) -> tuple[SolveResult, dict[str, Any]]:
    """Roll the myopic pathway, then hold it on the session's full-horizon model (which holds the perfect-foresight
    plan now); returns the pathway's evaluation and the summary's ``foresight`` block with the cost of myopia."""
    rs, c, pm = session.rs, session.coef, session.pm
    pf_sol = read_solution(pm)
    pf_money = money_summary(c, pf_sol, cost_flows(c, pf_sol))
    pf_cost = foresight.plan_cost(pm)
    with session.timed("myopic_windows"):
        pathway = foresight.roll(lambda last: compute(with_overrides(rs, {"horizon.last_year": last})),
                                 rs.scenario.horizon.years, window, step, session.solver_options)
    if pathway.failed is not None:
        raise InfeasibleError([foresight.failed_reason(pathway, window)])
    progress.step("evaluating the myopic pathway on the full horizon")
    with session.timed("myopic_evaluation"):
        res = foresight.evaluate(pm, session.ad, pathway)
    if not res.has_solution:
        raise InfeasibleError([f"the myopic pathway has no operation on the full horizon ({res.status})"])
    my_sol = read_solution(pm)
    my_money = money_summary(c, my_sol, cost_flows(c, my_sol))
    my_cost = foresight.plan_cost(pm)
    cost = my_cost - pf_cost
    pf_gap = (pf.objective - pf.bound) if pf.objective is not None and pf.bound is not None else None

    def block(money: dict, total: float) -> dict[str, Any]:
        return {"cost_and_penalty_usd": total * 1e6, "npv_cost_usd": money["npv_cost_usd"],
                "npv_penalty_usd": money["npv_penalty_usd"], "usd_per_pflop_day": money["usd_per_pflop_day"]}

    out = {"mode": "myopic", "window_years": window, "step_years": step, "windows": pathway.windows,
           "perfect_foresight": {**block(pf_money, pf_cost), "status": pf.status, "mip_gap": pf.gap,
                                 "gap_usd": pf_gap * 1e6 if pf_gap is not None else None},
           "myopic": block(my_money, my_cost),
           "cost_of_myopia_usd": cost * 1e6,
           "cost_of_myopia_share": cost / pf_cost if pf_cost else None,
           "cost_of_myopia_note": "the myopic pathway's present-value cost and unmet-demand penalty over the full "
                                  "horizon minus the perfect-foresight plan's; within the perfect-foresight gap "
                                  "(gap_usd) the difference is not resolved"}
    words = (f"Seeing {window} year{'s' if window != 1 else ''} ahead costs "
             f"{_money_words(cost * 1e6)} ({cost / pf_cost:+.2%}) against perfect foresight "
             f"(${my_money['usd_per_pflop_day']:,.2f} per PFLOP/s-day against "
             f"${pf_money['usd_per_pflop_day']:,.2f})" if pf_cost else "")
    if pf_gap is not None and abs(cost) <= pf_gap:
        words += f", within the perfect-foresight plan's gap of {_money_words(pf_gap * 1e6)}"
    out["sentence"] = foresight.MYOPIC_FORESIGHT.format(window=window, s="s" if window != 1 else "", step=step,
                                                        s_step="s" if step != 1 else "", cost=words + ".")
    return res, out


def _money_words(usd: float) -> str:
    a = abs(usd)
    text = f"${a / 1e9:,.2f} B" if a >= 1e9 else f"${a / 1e6:,.1f} M"
    return ("-" if usd < 0 else "") + text


def plan_summary(session: Session, res: SolveResult, sol: Solution | None, tables: dict, ground: dict,
                 t_start: float, history: list[dict]) -> dict[str, Any]:
    """summary.json of a solve: status, money, mix, emissions, waterfall, timings, model size, solver."""
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
            # the whole plan (every workload, space allowed) over the ground-only plan, which serves only the
            # demand the ground can serve: not like for like when a workload only space can serve exists
            out["plan_vs_ground_only_cost_ratio"] = money["usd_per_eflop"] / ground["usd_per_eflop"]
        out.update(mix_summary(c, tables))
        out.update(emissions_summary(c, sol, tables.get("emissions")))
        out["waterfall"] = waterfall_summary(tables["waterfall"])
        out["carbon_price_usd_per_t"] = s.carbon.price_usd_per_t
        out["carbon_cap_t_per_yr"] = s.carbon.cap_t_per_yr
        out["theta"] = sol.theta
        out["demand_served_share"] = sol.theta  # share of the scenario's demand the plan serves (below 1: ratio mode)
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
    out["solver"] = {"name": "highs", "version": solver_version(),
                     "interface": "highspy, model compiled by pyomo.repn standard_form",
                     # the plan's own solve (the analysis re-solves after it may stop at looser gaps)
                     "options": {**session.ad.options, **{k: v for k, v in (res.options or {}).items()
                                                          if k in session.ad.options}},
                     "solves": session.ad.solves}
    out["planner_version"] = __version__
    out["scenario_sha256"] = rs.sha256
    out["perfect_foresight"] = True
    return out


def write_run(plan: Plan, out_dir: str | Path | None = None) -> Path:
    """Write a plan's run folder (default ``reports/<scenario name>/``) atomically; returns the folder."""
    return plan.write(run_folder(plan.scenario, out_dir))


def run_folder(rs: ResolvedScenario, out_dir: str | Path | None = None) -> Path:
    """Where a run of ``rs`` is written: ``out_dir``, or ``reports/<scenario name>/``."""
    return Path(out_dir) if out_dir else outdir.child(DEFAULT_REPORTS, rs.name, "scenario name")

