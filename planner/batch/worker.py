"""One case of a sweep, run inside a worker process (local pool or Dask).

Each worker process keeps its sessions (the Pyomo model and its HiGHS instance) for the sweep's base scenario: a
case changes parameter values and re-solves; the model is rebuilt only when the case changes the index sets,
and the rebuilds are counted. Nothing here raises: a failing case comes back as a row with its error.

Python's cyclic garbage collector is paused during a case and run once, in the case's first rebuild, before its
new model is built (``Session.collect_replaced``): it frees the models the sessions replaced since (Pyomo models
hold reference cycles through their rules). The base sessions are frozen out of its scans (``gc.freeze``): they
live as long as the worker. Left automatic, the collector rescanned the live models again and again while a case
built its own.
"""

from __future__ import annotations

import gc
import json
import math
import os
import socket
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

from planner.errors import PlannerError
from planner.model.build import gc_paused

_STATE: dict[str, "WorkerState"] = {}


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to rebuild the base of a sweep (picklable)."""

    base_path: str
    base_overrides: tuple[str, ...]
    kind: str  # reoptimise | evaluate
    plan_dir: str | None
    mip_gap: float
    time_limit_s: float
    threads: int
    seed: int
    compare_ground: bool
    regret: bool
    resolve_space: bool = False  # False: each case stops at mip_gap alone (planner/solver/resolution.py)

    @property
    def key(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True, default=str)


TIMINGS = ("update_s", "solve_s", "extract_s", "compare_s", "total_s")  # per case, in the results

GROUND_ONLY = ("architectures.allow=[ground_campus@*]", "architectures.deny=[]", "unmet.allowed=true",
               "unmet.workloads=null")


@dataclass
class WorkerState:
    session: Any
    fixed_session: Any = None
    ground_session: Any = None
    cases: int = 0
    timings: dict = field(default_factory=dict)


def _state(job: Job) -> WorkerState:
    st = _STATE.get(job.key)
    if st is not None:
        return st
    from planner.scenario.load import load_scenario
    from planner.session import Session

    rs = load_scenario(job.base_path, list(job.base_overrides))
    options = dict(mip_gap=job.mip_gap, time_limit_s=job.time_limit_s, threads=job.threads, seed=job.seed,
                   resolve_space=job.resolve_space)
    session = Session(rs, **options) if (job.kind == "reoptimise" or job.regret) else None
    if session is not None:
        session.solve_plan()
    fixed = None
    if job.kind == "evaluate":
        import pandas as pd

        from planner.results.plan import read_decisions

        decisions, sizes = read_decisions(pd.read_csv(os.path.join(job.plan_dir, "tables", "decisions.csv")))
        fixed = Session(rs, fixed=decisions, sizes=sizes, **options)
        fixed.ad.ensure_instance()
    ground = None
    if job.compare_ground and job.kind == "reoptimise":  # the ground-only comparison: an LP of its own
        ground = Session(load_scenario(job.base_path, list(job.base_overrides) + list(GROUND_ONLY)), **options)
        ground.ad.ensure_instance()
    # one collection a case: the case's first rebuild frees the models every session replaced since the last one
    (fixed if job.kind == "evaluate" else session).collect_replaced = True
    st = _STATE[job.key] = WorkerState(session=session, fixed_session=fixed, ground_session=ground)
    gc.collect()
    gc.freeze()
    return st


def _family_shares(sol, c) -> dict[str, float]:
    total = sum(sol.serve.values())
    out = {f"share_{f}": 0.0 for f in ("ground", "swarm", "module", "station")}
    for (w, a, g, y), x in sol.serve.items():
        out[f"share_{c.archs[a]['family']}"] += x / total if total else 0.0
    return out


def _first_decisions(sol, c) -> str:
    """The plan's decisions of its first two build years: what a planner commits to now."""
    years = sorted({v for (_, _, v) in sol.units} | {y for (_, y) in sol.build} | {v for (_, _, v, _) in sol.chips})
    first = set(years[:2])
    parts = [f"{a}:{d}:{v}x{int(n)}" for (a, d, v), n in sorted(sol.units.items()) if v in first]
    parts += [f"{r}:build:{y}:{round(mw)}MW" for (r, y), mw in sorted(sol.build.items()) if y in first and mw > 0.5]
    return "; ".join(parts)


def _solve_record(session, res, prefix: str = "") -> dict[str, Any]:
    out = session.summarise(res)
    rec: dict[str, Any] = {f"{prefix}status": out["status"], f"{prefix}mip_gap": out.get("mip_gap")}
    sol = out.get("solution")
    if sol is None:
        return rec
    c = session.coef
    flights = sum(n * c.routes[k].flights_in(y) for (k, y), n in sol.trips.items())
    space_years = sorted({y for (w, a, g, y), x in sol.serve.items() if c.archs[a]["kind"] == "space" and x > 1e-9})
    rec.update({f"{prefix}usd_per_pflop_day": out["usd_per_pflop_day"], f"{prefix}usd_per_eflop": out["usd_per_eflop"],
                f"{prefix}npv_cost_usd": out["npv_cost_usd"], f"{prefix}npv_penalty_usd": out["npv_penalty_usd"],
                f"{prefix}npv_delivered_flop": out["npv_delivered_flop"]})
    if not prefix:
        rec.update(_family_shares(sol, c))
        rec["space_share"] = 1.0 - rec["share_ground"]
        rec["launch_flights"] = flights
        rec["first_space_year"] = space_years[0] if space_years else None
        rec["first_decisions"] = _first_decisions(sol, c)
        unmet = sum(c.flop_weight[y] * x for (w, y), x in sol.unmet.items())
        demand = sum(c.flop_weight[y] * d * sol.theta for (w, y), d in c.demand.items())
        rec["unmet_share"] = unmet / demand if demand else 0.0
    return rec


def run_case(job: Job, case_index: int, case_id: str, overrides: dict[str, Any]) -> dict[str, Any]:
    t0 = time.perf_counter()
    rec: dict[str, Any] = {"case_index": case_index, "case_id": case_id, "overrides": json.dumps(
        overrides, sort_keys=True, default=str), "worker": f"{socket.gethostname()}:{os.getpid()}", "error": ""}
    for k, v in overrides.items():
        rec[f"set:{k}"] = json.dumps(v, default=str) if isinstance(v, (dict, list)) else v
    try:
        st = _state(job)
        t_state = time.perf_counter()
        st.cases += 1
        with gc_paused():
            t1, t2, t3 = _run(job, st, overrides, rec)
        t4 = time.perf_counter()
        rec.update({"setup_s": t_state - t0, "update_s": t1 - t_state, "solve_s": t2 - t1, "extract_s": t3 - t2,
                    "compare_s": t4 - t3, "total_s": t4 - t0})
    except PlannerError as exc:
        rec.update(status="error", error=str(exc).splitlines()[0], total_s=time.perf_counter() - t0)
    except Exception as exc:  # noqa: BLE001 - a failing case is recorded, the batch goes on
        rec.update(status="error", error=f"{exc.__class__.__name__}: {exc}",
                   traceback=traceback.format_exc(limit=4), total_s=time.perf_counter() - t0)
    return rec


def _run(job: Job, st: WorkerState, overrides: dict[str, Any], rec: dict[str, Any]) -> tuple[float, float, float]:
    """Run one case into ``rec``; returns the times its update, solve and extraction ended."""
    if job.kind == "evaluate":
        ev = st.fixed_session
        rec["model"] = ev.apply(overrides)
        t1 = time.perf_counter()
        res, rec["plan_held"], left_out_musd = ev.evaluate()
        t2 = time.perf_counter()
        rec.update(_solve_record(ev, res))
        rec["plan_units_missing"] = ev.missing_units
        rec["plan_left_out_usd"] = left_out_musd * 1e6
        rec["rebuilds"] = ev.rebuilds
        t3 = time.perf_counter()
        if job.regret:
            rec["model_reoptimised"] = st.session.apply(overrides)
            res2 = st.session.resolve()
            rec.update(_solve_record(st.session, res2, "reoptimised_"))
            fixed_total = rec.get("npv_cost_usd", math.nan) + rec.get("npv_penalty_usd", 0.0) + \
                rec["plan_left_out_usd"]
            best = rec.get("reoptimised_npv_cost_usd", math.nan) + rec.get("reoptimised_npv_penalty_usd", 0.0)
            rec["regret_usd"] = fixed_total - best
            rec["regret"] = rec["regret_usd"] / best if best else math.nan
    else:
        s = st.session
        rec["model"] = s.apply(overrides)
        t1 = time.perf_counter()
        res = s.resolve()
        t2 = time.perf_counter()
        rec.update(_solve_record(s, res))
        rec["rebuilds"] = s.rebuilds
        if res.status == "infeasible":  # say why, as a single plan would
            from planner.solver.explain import infeasibility_reasons

            elastic, binding = s.elastic()
            rec["error"] = " | ".join(infeasibility_reasons(s.coef, elastic, binding)) if elastic else \
                "infeasible"
        t3 = time.perf_counter()
        if st.ground_session is not None and res.has_solution:
            g = st.ground_session
            g.apply(overrides)
            ground = g.summarise(g.ad.solve())
            rec["ground_usd_per_pflop_day"] = ground.get("usd_per_pflop_day")
            rec["ground_status"] = ground.get("status")
            plan_usd = rec.get("usd_per_pflop_day")
            if plan_usd and rec["ground_usd_per_pflop_day"]:
                ratio = plan_usd / rec["ground_usd_per_pflop_day"]
                rec["plan_to_ground"] = ratio
                gap = rec.get("mip_gap") or 0.0
                rec["space_beats_ground"] = bool(ratio < 1 - gap)
                rec["undecided"] = bool(abs(1 - ratio) <= gap) and rec["space_share"] > 0
    return t1, t2, t3
