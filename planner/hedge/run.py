"""``planner hedge SPEC``: solve the hedge, judge it, write ``reports/hedge/<name>/``.

Folder (a ``hedge`` output folder, planner/outdir.py):
    summary.json            every figure below, with the spec, the engine and the timings
    first_stage.csv         the first-stage decisions: hedged, the deterministic plan's, each scenario's own
    scenarios.csv           per scenario: probability, cost and cost per FLOP of the hedged plan, of perfect
                            foresight and of the deterministic plan's first stage; the hedged plan's regret
    regret.csv              each scenario's perfect-foresight first stage evaluated in every scenario (regret, USD)
    risk.csv                the hedge at each CVaR weight: expected cost, CVaR, worst case, first stage totals
    out_of_sample.csv       sampled sets: the hedged first stage on fresh draws
    recourse/<scenario>/    each scenario's recourse under the hedged first stage (the run tables' schema)
    report.md, report.pdf   "What to commit now"
"""

from __future__ import annotations

import json
import math
import shutil
import time
from pathlib import Path
from typing import Any

import pandas as pd

from planner import __version__, outdir, progress
from planner.hedge.analysis import HedgeResult, Options, confidence_interval, hedge
from planner.hedge.solve import Evaluator, Scenario, ScenarioModels
from planner.hedge.spec import Problem, base_scenario, draw, load_problem
from planner.hedge.stage import FIRST_STAGE
from planner.results.plan import EFLOP_PER_PFLOP_DAY
from planner.session import with_overrides
from planner.yamlio import atomic_write, finite_json

DEFAULT_ROOT = Path("reports") / "hedge"
WORDS = {name: words for name, words, _ in FIRST_STAGE}


def hedge_folder(problem: Problem, out: str | Path | None) -> Path:
    return Path(out) if out else outdir.child(DEFAULT_ROOT, problem.spec.name, "hedge name")


def run_hedge(spec_path: str | Path, out: str | Path | None = None, ph: bool = False, ph_iterations: int = 50,
              time_limit: float | None = None, gap: float | None = None) -> tuple[Path | None, dict]:
    """Load, check, solve and write; returns the folder and the summary."""
    t0 = time.perf_counter()
    problem = load_problem(spec_path)
    folder = hedge_folder(problem, out)
    outdir.check(folder, "hedge", "--out")
    so = problem.spec.solver
    options = Options(gap=so.mip_gap if gap is None else gap,
                      time_limit_s=so.time_limit_s if time_limit is None else time_limit,
                      eval_time_limit_s=so.scenario_time_limit_s, threads=so.threads,
                      regret_max_scenarios=so.regret_max_scenarios,
                      risk_weights=tuple(w for w in problem.spec.risk.sweep if w != problem.spec.risk.weight))
    engine = {"name": "extensive form", "how": "mpi-sppy sputils.create_EF over the planner's scenario models, "
                                                "solved with HiGHS (planner/solver/highs.py)"}
    ef_solver = None
    if ph:
        from planner.hedge import ph as ph_

        models = ScenarioModels(problem.scenarios, problem.window, problem.risk, str(problem.path))
        models.check()
        progress.step(f"progressive hedging on {ph_.ranks()} MPI rank(s), {len(problem.scenarios)} scenarios")
        got = ph_.run_ph(models, options.gap, options.time_limit_s, iterations=ph_iterations)
        if ph_.rank() != 0:
            return None, {}
        del models
        options.risk_weights = ()  # the risk sweep solves extensive forms: not in a PH run
        engine = {"name": "progressive hedging", "how": f"mpi-sppy PH on {got['ranks']} MPI rank(s), "
                  f"{got['iterations']} iterations, linearised proximal terms, cost-proportional rho; the "
                  f"consensus first stage evaluated in every scenario; lower bound: the larger of PH's Lagrangian bound "
                  f"and the wait-and-see bound",
                  "lagrangian_bound_usd": got["lagrangian_bound_musd"] * 1e6,
                  "trivial_bound_usd": got["trivial_bound_musd"] * 1e6, "iterations": got["iterations"],
                  "ranks": got["ranks"], "ph_seconds": got["seconds"]}
        ef_solver = lambda ms, st, evaluators: ph_.ph_solution(got, ms, evaluators, options.tables)  # noqa: E731
    with outdir.lock(folder, "--out"):
        res = hedge(problem.scenarios, problem.ev, problem.window, problem.risk, options, str(problem.path),
                    ef_solver=ef_solver)
        sampling = sampling_error(problem, res, options) if problem.sampled else None
        summary = summarise(problem, res, engine, sampling)
        summary["timings_s"] = {**{k: round(v, 2) for k, v in res.seconds.items()},
                                "total": round(time.perf_counter() - t0, 2)}
        progress.step(f"writing {folder}")
        outdir.replace(folder, "hedge", lambda tmp: write(tmp, problem, res, summary, sampling), option="--out")
    return folder, summary


# ------------------------------------------------------------------------------------------------ sampling


def sampling_error(problem: Problem, res: HedgeResult, options: Options) -> dict[str, Any]:
    """A confidence interval on the hedged plan's expected cost (in sample), the hedged first stage on fresh draws
    (out of sample), and whether the number of scenarios is enough."""
    costs = [res.hedged.outcomes[s.name].objective_musd for s in problem.scenarios]
    mean_in, half_in = confidence_interval(costs)
    out: dict[str, Any] = {"n": len(costs), "in_sample_mean_musd": mean_in, "in_sample_half_width_musd": half_in}
    oos = problem.spec.out_of_sample
    if oos is None:
        out["enough"] = "not judged: the spec has no out_of_sample block"
        return out
    block = problem.spec.random.model_copy(update={"n": oos.n, "seed": oos.seed})
    base = base_scenario(problem)
    draws, _ = draw(problem.spec, problem.path, base, block)
    progress.step(f"out of sample: the hedged first stage on {oos.n} fresh draws (seed {oos.seed})")
    rows = []
    for i, d in enumerate(draws):
        sc = Scenario(f"oos_{i:03d}", with_overrides(base, d), 1.0 / len(draws))
        ev = Evaluator(sc, problem.window, options.gap, options.eval_time_limit_s, options.threads)
        got = ev.solve_fixed(res.hedged.first_stage)
        rows.append({"draw": sc.name, "status": got.status, "cost_usd": _usd(got.objective_musd),
                     "usd_per_pflop_day": got.money.get("usd_per_pflop_day") if got.ok else None,
                     **{k: json.dumps(v) if isinstance(v, dict) else v for k, v in d.items()}})
        del ev
    vals = [r["cost_usd"] / 1e6 for r in rows if r["cost_usd"] is not None]
    mean_out, half_out = confidence_interval(vals)
    out.update({"out_of_sample_n": len(draws), "out_of_sample_seed": oos.seed, "out_of_sample_solved": len(vals),
                "out_of_sample_mean_musd": mean_out, "out_of_sample_half_width_musd": half_out, "rows": rows})
    bias = mean_out - mean_in
    out["in_vs_out_musd"] = bias
    overlap = abs(bias) <= (half_in or 0) + (half_out or 0)
    out["enough"] = (
        f"{len(costs)} scenarios are enough at this precision: the hedged first stage costs {_m(mean_out)} "
        f"± {_m(half_out)} on {len(vals)} fresh draws against {_m(mean_in)} ± {_m(half_in)} in sample (95 % "
        f"intervals that overlap; the difference, {_m(bias)}, is within the sampling error)" if overlap else
        f"{len(costs)} scenarios are not enough: the hedged first stage costs {_m(mean_out)} ± {_m(half_out)} on "
        f"{len(vals)} fresh draws against {_m(mean_in)} ± {_m(half_in)} in sample; the 95 % intervals do not "
        f"overlap (the in-sample optimum is biased by the draws it was fitted to): sample more scenarios")
    return out


def _m(musd: float | None) -> str:
    if musd is None or not math.isfinite(musd):
        return "n/a"
    return f"${musd / 1e3:,.2f} B" if abs(musd) >= 1e3 else f"${musd:,.1f} M"


def _usd(musd: float | None) -> float | None:
    return None if musd is None else musd * 1e6


# ------------------------------------------------------------------------------------------------ tables


def first_stage_table(res: HedgeResult) -> pd.DataFrame:
    """One row per first-stage decision any plan takes: hedged, deterministic plan's, each scenario's own."""
    rows = []
    names = [s.name for s in res.scenarios]
    for name, words, pos in FIRST_STAGE:
        for idx in sorted(res.hedged.first_stage.get(name, {}) or res.ev_first.get(name, {})):
            own = {n: (res.perfect_first[n] or {}).get(name, {}).get(idx, 0.0) for n in names}
            hedged = res.hedged.first_stage.get(name, {}).get(idx, 0.0)
            ev = res.ev_first.get(name, {}).get(idx, 0.0)
            if not (hedged or ev or any(own.values())):
                continue
            lo, hi = min(own.values()), max(own.values())
            rows.append({"decision": name, "what": words, "index": " / ".join(str(x) for x in idx),
                         "year": idx[pos], "hedged": hedged, "deterministic_plan": ev,
                         **{f"own_{n}": x for n, x in own.items()}, "own_min": lo, "own_max": hi,
                         "disagree": bool(hi - lo > 1e-6 * max(1.0, abs(hi))),
                         "hedged_differs_from_every_own": all(abs(hedged - x) > 1e-6 * max(1.0, abs(x))
                                                              for x in own.values())})
    return pd.DataFrame(rows)


def scenarios_table(res: HedgeResult) -> pd.DataFrame:
    rows = []
    for s in res.scenarios:
        h, p, e = res.hedged.outcomes.get(s.name), res.perfect[s.name], res.eev_out[s.name]
        rows.append({"scenario": s.name, "probability": s.probability,
                     "hedged_status": h.status if h else None,
                     "hedged_cost_usd": _usd(h.objective_musd) if h else None,
                     "hedged_usd_per_pflop_day": h.money.get("usd_per_pflop_day") if h and h.ok else None,
                     "hedged_unmet_penalty_usd": h.money.get("npv_penalty_usd") if h and h.ok else None,
                     "perfect_foresight_cost_usd": _usd(p.objective_musd),
                     "perfect_foresight_usd_per_pflop_day": p.money.get("usd_per_pflop_day") if p.ok else None,
                     "deterministic_plan_cost_usd": _usd(e.objective_musd),
                     "deterministic_plan_usd_per_pflop_day": e.money.get("usd_per_pflop_day") if e.ok else None,
                     "hedged_regret_usd": (_usd(h.objective_musd - p.objective_musd)
                                           if h and h.ok and p.ok else None)})
    return pd.DataFrame(rows)


def regret_table(res: HedgeResult) -> pd.DataFrame:
    if res.regret is None:
        return pd.DataFrame()
    rows = []
    for i, row in res.regret.items():
        rows.append({"first_stage_of": i, **{f"in_{j}": _usd(x) for j, x in row.items()},
                     "expected_regret_usd": (_usd(sum(res.probs[j] * x for j, x in row.items()))
                                             if all(x is not None for x in row.values()) else None),
                     "worst_regret_usd": _usd(max(x for x in row.values() if x is not None))})
    for label, outs in (("hedged", res.hedged.outcomes), ("deterministic plan", res.eev_out)):
        row = {j: (outs[j].objective_musd - res.perfect[j].objective_musd
                   if outs.get(j) is not None and outs[j].ok and res.perfect[j].ok else None) for j in res.probs}
        rows.append({"first_stage_of": label, **{f"in_{j}": _usd(x) for j, x in row.items()},
                     "expected_regret_usd": (_usd(sum(res.probs[j] * x for j, x in row.items()))
                                             if all(x is not None for x in row.values()) else None),
                     "worst_regret_usd": _usd(max((x for x in row.values() if x is not None), default=None))})
    return pd.DataFrame(rows)


def totals(first: dict) -> dict[str, float]:
    """First-stage totals in words a board reads: units, site openings, flights, MW, thousand accelerators."""
    return {f"{name}_total": float(sum((first.get(name) or {}).values())) for name, _, _ in FIRST_STAGE}


def risk_table(res: HedgeResult) -> pd.DataFrame:
    base = {"weight": res.risk.weight, "level": res.risk.level, "status": res.hedged.status, "gap": res.hedged.gap,
            "expected_musd": res.hedged.expected_musd, "cvar_musd": res.hedged.cvar_musd,
            "worst_musd": max((o.objective_musd for o in res.hedged.outcomes.values() if o.ok), default=None),
            "first_stage": res.hedged.first_stage}
    rows = []
    for r in sorted([base] + res.risk_sweep, key=lambda r: r["weight"]):
        rows.append({"cvar_weight": r["weight"], "cvar_level": r["level"], "status": r["status"], "gap": r["gap"],
                     "expected_cost_usd": _usd(r["expected_musd"]), "cvar_usd": _usd(r["cvar_musd"]),
                     "worst_cost_usd": _usd(r["worst_musd"]), **totals(r["first_stage"] or {})})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------------ summary


def summarise(problem: Problem, res: HedgeResult, engine: dict, sampling: dict | None) -> dict[str, Any]:
    h = res.hedged
    ok = [o for o in h.outcomes.values() if o.ok]
    e_cost = sum(res.probs[o.scenario] * o.money["npv_cost_usd"] for o in ok)
    e_flop = sum(res.probs[o.scenario] * o.money["npv_delivered_flop"] for o in ok)
    per_flop = {o.scenario: o.money.get("usd_per_pflop_day") for o in ok}
    unc = res.uncertainty_musd()
    out: dict[str, Any] = {
        "name": problem.spec.name, "description": problem.spec.description, "spec": str(problem.path),
        "planner_version": __version__, "engine": engine,
        "window": {"first_year": res.window[0], "last_year": res.window[1]},
        "first_stage_decisions": {name: words for name, words, _ in FIRST_STAGE},
        "scenarios": [{"name": s.name, "probability": s.probability, "scenario": s.rs.name,
                       "overrides": {k: v for k, v in s.rs.overrides.items()}} for s in problem.scenarios],
        "expected_value_plan": {"scenario": problem.ev.name, "how": problem.notes.get("expected_value")},
        "risk": {"cvar_level": res.risk.level, "cvar_weight": res.risk.weight},
        "status": h.status, "mip_gap": h.gap, "objective_usd": _usd(h.objective_musd), "bound_usd": _usd(h.bound_musd),
        "model_size": h.size,
        "expected_cost_usd": _usd(res.rp), "cvar_usd": _usd(h.cvar_musd),
        "expected_npv_cost_usd": e_cost, "expected_npv_delivered_flop": e_flop,
        "expected_usd_per_pflop_day": (e_cost / (e_flop / 1e18) * EFLOP_PER_PFLOP_DAY if e_flop > 0 else None),
        "usd_per_pflop_day_by_scenario": per_flop,
        "usd_per_pflop_day_distribution": _distribution(per_flop, res.probs),
        "wait_and_see_usd": _usd(res.ws), "expected_value_plan_evaluated_usd": _usd(res.eev),
        "vss_usd": _usd(res.vss), "evpi_usd": _usd(res.evpi),
        "gap_uncertainty_usd": {k: _usd(v) for k, v in unc.items()},
        "first_stage_totals": totals(h.first_stage),
        "definitions": {
            "expected_cost": "sum over scenarios of probability x the scenario model's objective (present value: "
                             "every cost, unmet demand at its penalty) under the hedged first stage",
            "expected_usd_per_pflop_day": "expected NPV cost (penalties excluded) over expected NPV delivered FLOP",
            "vss": "expected cost with the deterministic plan's first stage held (recourse re-optimised in each "
                   "scenario) minus the hedged expected cost",
            "evpi": "hedged expected cost minus the expected cost with perfect foresight in every scenario",
            "gap_uncertainty": "incumbent minus proven bound of each figure's solves (in expectation): a difference "
                               "of two figures is exact only to the sum of their uncertainties"},
    }
    if sampling is not None:
        out["sampling"] = {k: v for k, v in sampling.items() if k != "rows"}
    return out


def _distribution(values: dict[str, float | None], probs: dict[str, float]) -> dict[str, float] | None:
    vals = sorted((v, probs[k]) for k, v in values.items() if v is not None)
    if not vals:
        return None

    def q(level):
        acc = 0.0
        for v, p in vals:
            acc += p
            if acc >= level - 1e-12:
                return v
        return vals[-1][0]

    mean = sum(v * p for v, p in vals) / sum(p for _, p in vals)
    return {"min": vals[0][0], "p10": q(0.1), "median": q(0.5), "p90": q(0.9), "max": vals[-1][0],
            "probability_weighted_mean": mean}


# ------------------------------------------------------------------------------------------------ writing


def write(folder: Path, problem: Problem, res: HedgeResult, summary: dict, sampling: dict | None) -> None:
    from planner.hedge.report import write_hedge_report

    tables = {"first_stage": first_stage_table(res), "scenarios": scenarios_table(res),
              "regret": regret_table(res), "risk": risk_table(res)}
    if sampling and sampling.get("rows"):
        tables["out_of_sample"] = pd.DataFrame(sampling["rows"])
    for name, df in tables.items():
        if len(df):
            df.to_csv(folder / f"{name}.csv", index=False)
    for name, o in res.hedged.outcomes.items():
        if not o.tables:
            continue
        d = folder / "recourse" / name
        d.mkdir(parents=True, exist_ok=True)
        for t, df in o.tables.items():
            df.to_csv(d / f"{t}.csv", index=False)
    data, undefined = finite_json(summary)
    if undefined:
        data["undefined_values"] = {"fields": undefined, "reason": "no plan in some scenario (see scenarios.csv)"}
    atomic_write(folder / "summary.json", json.dumps(data, indent=2, default=str, allow_nan=False) + "\n")
    shutil.copyfile(problem.path, folder / "spec.yaml")
    write_hedge_report(folder, summary, tables)
