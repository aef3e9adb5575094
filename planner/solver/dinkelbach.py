"""Ratio mode: minimise cost / FLOP over the demand scale theta and the plan by Dinkelbach iterations.

    F(lambda) = min_x cost(x) - lambda FLOP(x);  lambda_{k+1} = cost(x_k) / FLOP(x_k)
Stop when |cost - lambda FLOP| <= tolerance x cost. Each step is a MIP solved to the scenario's gap, so the
ratio is exact up to that gap (Dinkelbach 1967; You, Castro & Grossmann 2009).
"""

from __future__ import annotations

from planner import progress
from planner.model.build import PlanModel
from planner.model.coefficients import PFLOP_DAYS_PER_EFLOP_S_YR
from planner.solver.highs import HighsAdapter, SolveResult, value

USD_PER_PFLOP_DAY = 1e6 / PFLOP_DAYS_PER_EFLOP_S_YR  # $M per discounted EFLOP/s-yr -> $ per PFLOP/s-day


def numerator(pm: PlanModel) -> float:
    return value(pm.m.total_cost + pm.m.cost_unmet)


def _say(it: int, max_iterations: int, cost: float, flop: float, theta: float, rel: float | None = None) -> None:
    ratio = f"${cost / flop * USD_PER_PFLOP_DAY:,.2f} per PFLOP/s-day" if flop > 0 else "n/a (nothing delivered)"
    gap = f", |F(lambda)|/cost {rel:.1e}" if rel is not None else ""
    progress.step(f"Dinkelbach iteration {it}/{max_iterations}: ratio {ratio} (cost incl. unmet penalties / "
                  f"delivered FLOP), demand scale theta {theta:.2f}{gap}")


def dinkelbach(ad: HighsAdapter, pm: PlanModel, tolerance: float, max_iterations: int,
               first: SolveResult) -> tuple[SolveResult, list[dict]]:
    """Iterate from a solved first point (lambda = 0 there); returns the last result and the history."""
    m = pm.m
    res = first
    history = []
    if not res.has_solution:
        return res, history
    cost, flop = numerator(pm), value(m.flop)
    history.append({"iteration": 0, "lambda": 0.0, "cost_musd": cost, "flop": flop, "theta": value(m.theta)})
    _say(0, max_iterations, cost, flop, value(m.theta))
    for it in range(1, max_iterations + 1):
        lam = cost / flop if flop > 0 else 0.0
        ad.save_start()
        m.lam.set_value(lam)
        ad.push_changed([m.lam])
        ad.use_start()
        res = ad.solve()
        if not res.has_solution:
            progress.step(f"Dinkelbach iteration {it}/{max_iterations}: no plan ({res.status}); stopping")
            break
        cost, flop = numerator(pm), value(m.flop)
        gap = cost - lam * flop
        history.append({"iteration": it, "lambda": lam, "cost_musd": cost, "flop": flop, "theta": value(m.theta),
                        "f_lambda": gap})
        _say(it, max_iterations, cost, flop, value(m.theta), abs(gap) / abs(cost) if cost else None)
        if abs(gap) <= tolerance * abs(cost):
            break
    return res, history
