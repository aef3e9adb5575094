"""Myopic (rolling-horizon) foresight: the pathway of a planner who sees only ``window`` years ahead.

    for t = first, first + S, first + 2S, ...:
        solve the model of the horizon cut at t + W - 1 (its residual-value convention at that year, as the full
            model's at its own last year), with every decision taken before t held at the pathway's value
        commit the decisions taken in the years [t, t + S) to the pathway (all of the rest in the last window)
    evaluate: the full-horizon model with every decision held at the pathway's value

A decision is taken its lead time before it takes effect (``decided``): a module launched in 2033 with a 2-year
lead was ordered in 2031, by the window that starts then, and ground MW online in 2033 were started in 2031. A
window shorter than a lead time never sees the year such an order would serve, so it never places it.

The decisions carried across windows are the investments: space units, their servicing (by vintage), trips,
site openings, ground facility MW and ground accelerators (by vintage; how long a vintage is kept is decided
when it is retired, see ``hold``). Units, facilities and
accelerators built earlier stay in service in later windows as the vintage stock (each window's model starts at
the horizon's first year, so it holds them with their capacity, lives, spares and cadence use). Operation (which
workload runs where, unmet demand, tonnes per route) is re-optimised, which changes nothing in the years already
committed. The cost of the pathway is its full-horizon cost: the window models price assets past their own end by
the residual-value credit, the evaluation prices them as the full model does, so the two plans compare like for like.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable

import pyomo.environ as pyo

from planner import progress
from planner.errors import InputError, problem
from planner.model.build import PlanModel, build_model
from planner.model.coefficients import Coefficients
from planner.model.heuristic import RECIPES
from planner.solver.highs import HighsAdapter, SolveResult

# each investment decision and the position of its year (build year, vintage) in its index
DECISIONS = {"units": 2, "serviced": 2, "trips": 1, "open": 1, "build": 1, "chips": 2}

MYOPIC_FORESIGHT = ("The plan assumes myopic foresight: it is the pathway of a planner who sees {window} year{s} "
                    "ahead, commits {step} year{s_step} at a time and rolls forward; each window is priced like the "
                    "full horizon (assets that outlive the window earn their residual value). {cost}")


def check(years: list[int], window: int | None, step: int | None, source: str = "--foresight myopic") -> None:
    """A window and step a rolling horizon over ``years`` can use (one line per problem, exit 2)."""
    n = len(years)
    bad = []
    if window is None or not 1 <= window <= n:
        bad.append(problem(source, "--window", f"must be a whole number of years from 1 to the horizon's {n} "
                                                f"({years[0]}-{years[-1]}), got {window}"))
    if step is None or step < 1:
        bad.append(problem(source, "--step", f"must be at least 1 year, got {step}"))
    elif window is not None and 1 <= window <= n and step > window:
        bad.append(problem(source, "--step", f"must not exceed the window ({window} years): the years between "
                                              f"would be committed unseen, got {step}"))
    if bad:
        raise InputError(bad)


def windows(years: list[int], window: int, step: int) -> list[tuple[int, int, int]]:
    """(first year, last year seen, first year not committed) of each window; the last window commits to the end."""
    n, out = len(years), []
    for i in range(0, n, step):
        end = min(i + window, n)
        commit = i + step if end < n else n
        out.append((years[i], years[end - 1], years[commit] if commit < n else years[-1] + 1))
        if end == n:
            break
    return out


def decision_values(pm: PlanModel) -> dict[str, dict]:
    """The current value of every investment decision (integers rounded), zeros included."""
    m, out = pm.m, {}
    for name in DECISIONS:
        vals = {}
        for idx, v in getattr(m, name).items():
            x = v.value if v.value is not None else 0.0
            vals[idx] = float(round(x)) if v.is_integer() or v.is_binary() else float(x)
        out[name] = vals
    return out


def decided(c: Coefficients, name: str, idx: tuple) -> int:
    """The year a decision is taken: its year less its lead time (space units and their servicing: the platform's
    lead from order to launch; ground MW: the region's construction time; launches, site openings and accelerators
    in the year they happen)."""
    year = idx[DECISIONS[name]]
    if name in ("units", "serviced"):
        return year - math.ceil(c.catalog.platforms[c.archs[idx[0]]["platform"]].lead_time_yr.v)
    if name == "build":
        return year - math.ceil(c.catalog.ground_regions[idx[0]].construction_yr.v)
    return year


def hold(pm: PlanModel, pathway: dict[str, dict], before: float) -> list:
    """Hold every decision taken before the year ``before`` at the pathway's value (0 where it has none: what an
    earlier window could not see it never ordered); returns the variables held. A decision of the pathway this
    model has no place for is an error: its plan would be lost.

    Ground accelerators still in service at ``before`` keep their number, not their life: how long a vintage is
    kept is decided when it is retired, so the window holds their sum over the lives still running
    (``myopic_running``) and lets it choose among the lives it can see."""
    m, c, held = pm.m, pm.coef, []
    running: dict[tuple, list] = defaultdict(list)
    for name in DECISIONS:
        comp = getattr(m, name)
        values = pathway.get(name, {})
        lost = [idx for idx, x in values.items()
                if abs(x) > 1e-9 and idx not in comp and decided(c, name, idx) < before]
        if lost:
            raise RuntimeError(f"the myopic pathway's {name} {lost[0]} has no place in the model of a later window")
        for idx, v in comp.items():
            if decided(c, name, idx) >= before:
                continue
            if name == "chips" and in_service(idx, before):
                running[idx[:3]].append(v)
                continue
            x = values.get(idx, 0.0)
            v.setlb(x)
            v.setub(x)
            v.domain = pyo.Reals  # held at one value a decision needs no integrality (an LP column for HiGHS)
            held.append(v)
    if running:
        kept = defaultdict(float)
        for idx, x in pathway.get("chips", {}).items():
            if idx[2] < before and in_service(idx, before):
                kept[idx[:3]] += x
        m.MYOPIC_RUNNING = pyo.Set(initialize=sorted(running), dimen=3, ordered=True)
        m.myopic_running = pyo.Constraint(m.MYOPIC_RUNNING, rule=lambda m_, r, g, v: pyo.quicksum(
            running[(r, g, v)]) == kept[(r, g, v)])
    return held


def in_service(chip: tuple, year: float) -> bool:
    """Whether ground accelerators (region, accelerator, vintage, life) still serve in ``year``."""
    return chip[2] + chip[3] > year


def plan_cost(pm: PlanModel) -> float:
    """What both plans minimise, $M present value: the cost and the penalty of unmet demand (no tie-break)."""
    return float(pyo.value(pm.m.total_cost + pm.m.cost_unmet))


@dataclass
class Pathway:
    decisions: dict[str, dict] = field(default_factory=dict)
    windows: list[dict[str, Any]] = field(default_factory=list)
    failed: dict[str, Any] | None = None  # the window that found no plan


def roll(coef_until: Callable[[int], Coefficients], years: list[int], window: int, step: int,
         solver_options: dict[str, Any]) -> Pathway:
    """The myopic pathway: one model per window (``coef_until(last year)``), decisions committed as it rolls."""
    out = Pathway(decisions={name: {} for name in DECISIONS})
    plan = windows(years, window, step)
    for i, (first, last, commit) in enumerate(plan, 1):
        progress.step(f"myopic window {i}/{len(plan)}: years {first}-{last}, committing {first}-{commit - 1}")
        t0 = time.perf_counter()
        pm = build_model(coef_until(last))
        hold(pm, out.decisions, first if i > 1 else -math.inf)  # (the first window holds nothing)
        ad = HighsAdapter(pm, **solver_options)
        ad.warm_start(RECIPES)
        res = ad.solve()
        row = {"first_year": first, "last_year": last, "committed_to": commit - 1, "status": res.status,
               "mip_gap": res.gap, "seconds": round(time.perf_counter() - t0, 3)}
        out.windows.append(row)
        if not res.has_solution:
            out.failed = row
            return out
        row["window_cost_usd"] = plan_cost(pm) * 1e6
        c = pm.coef
        for name, values in decision_values(pm).items():
            # the decisions this window takes in the years it commits (the first window: and any taken before),
            # and the lives it chose for the ground accelerators still running
            out.decisions[name].update({idx: x for idx, x in values.items() if first <= (d := decided(c, name, idx))
                                        < commit or d < first and (i == 1 or name == "chips")})
    return out


def evaluate(pm: PlanModel, ad: HighsAdapter, pathway: Pathway) -> SolveResult:
    """The pathway on the full-horizon model: every decision held, operation re-optimised."""
    ad.push_variables(hold(pm, pathway.decisions, math.inf))
    return ad.solve()


def failed_reason(pathway: Pathway, window: int) -> str:
    w = pathway.failed
    return (f"the myopic pathway found no plan ({w['status']}) in its window {w['first_year']}-{w['last_year']}: "
            f"what it committed seeing {window} year{'s' if window != 1 else ''} ahead leaves the later demand "
            f"unreachable (launch cadence, caps, or lead times: a window no longer than an order's lead time never "
            f"places it); perfect foresight would build earlier")
