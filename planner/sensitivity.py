"""Space against ground: how far assumptions must move before space earns a place in the plan.

Three measures judge every what-if, not the plan's cost alone (which accelerator prices that space and ground share
dominate):

- ``usd_per_pflop_day``: the plan's cost per delivered FLOP (re-solved);
- ``space_share``: the share of delivered FLOP that space carries (re-solved);
- ``ratio_window`` / ``ratio_last``: the cheapest space unit's full-life cost per FLOP over the ground's (the
  ``vintage_costs`` comparison, of the Earth workload with the most demand) for units built by the 2-3-year
  window (first year + 2) and in the last build year. Below 1 the space unit is cheaper. No solve needed.

Groups of values move together. The catalog tags each value with the groups it belongs to and the end of its range
that favours space (``groups``, ``space_end``; ``planner catalog --group NAME`` lists them). A group move takes
every value of the group to that end (``space``), or every value to the other end (``ground``), as one step; a
multiplier ``t`` in [0, 1] interpolates each value from its central value to its end (year tables year by year).
``demand`` is not a catalog group: it scales every workload's demand between the scenario's own demand-scale range
(``objective.theta_min`` .. ``theta_max``), high demand being the end that favours space (the ground's supply
caps bind first).

What must be true: for each group, and for space hardware with launch, the smallest ``t`` at which space reaches a
target (10 % and 50 % of delivered FLOP, a space unit matching the ground in the window), found by bisection with
re-solves of the same session (the share targets) or with coefficients alone (the unit-cost target). The bisection
assumes the measure moves one way with ``t``; where the group at its favourable end (``t`` = 1) does not reach the
target, the target is unreachable within the catalog ranges.
"""

from __future__ import annotations

import math
import time
from typing import Any, Callable

import pandas as pd

from planner import progress
from planner.catalog.schema import GROUPS, Quantity, table_at
from planner.model.coefficients import Coefficients
from planner.results.vintage import vintage_costs
from planner.session import Session

DEMAND = "demand"
COMBINED = "space_hardware+launch"
ALL_GROUPS: tuple[str, ...] = GROUPS + (DEMAND, COMBINED)
GROUP_LABELS = {"space_hardware": "space hardware", "launch": "launch", "ground_supply": "ground supply",
                "accelerators": "accelerators", DEMAND: "demand", COMBINED: "space hardware + launch"}
TARGETS: tuple[tuple[str, str, float], ...] = (  # name, measure, threshold
    ("space share 10%", "space_share", 0.10),
    ("space share 50%", "space_share", 0.50),
    ("space unit matches ground", "ratio_window", 1.0),
)


# ------------------------------------------------------------------------------------------- measures


def earth_workload(c: Coefficients) -> str:
    """The Earth workload with the most demand over the horizon: the one the unit-cost comparison is made for."""
    earth = [w for w in c.workloads if c.scenario.workloads[w].users == "earth"] or list(c.workloads)
    return max(earth, key=lambda w: sum(x for (ww, y), x in c.demand.items() if ww == w))


def unit_ratios(c: Coefficients) -> dict[str, float]:
    """Cheapest space unit over the ground's cost per FLOP: built by first year + 2, and in the last build year."""
    h = c.scenario.horizon
    v = vintage_costs(c, [earth_workload(c)])
    space = v[(v["family"] != "ground") & v["space_to_ground"].notna()]
    window = space[space["vintage"] <= h.first_year + 2]["space_to_ground"]
    last = space[space["vintage"] == space["vintage"].max()] if len(space) else space
    return {"ratio_window": float(window.min()) if len(window) else math.nan,
            "ratio_last": float(last["space_to_ground"].min()) if len(last) else math.nan,
            "last_build_year": int(space["vintage"].max()) if len(space) else h.last_year}


def space_share(sol, c: Coefficients) -> float:
    """Share of the delivered FLOP (EFLOP/s-yr served, every workload) that space carries."""
    space = sum(x for (w, a, g, y), x in sol.serve.items() if c.archs[a]["kind"] == "space")
    total = sum(sol.serve.values())
    return space / total if total else 0.0


def space_archs(sol) -> list[str]:
    return sorted({a for (a, d, v), n in sol.units.items() if n > 0.5})


def solved_measures(session: Session, gap: float | None, base_usd: float | None = None) -> dict[str, Any]:
    """Re-solve the session as it stands and read the three measures (and the plan's space architectures)."""
    t0 = time.perf_counter()
    res = session.resolve() if gap is None else session.resolve(mip_gap=gap)
    out = session.summarise(res)
    row: dict[str, Any] = {"status": res.status, "mip_gap": res.gap,
                           "resolved": bool(res.resolution.resolved) if res.resolution is not None else None}
    if res.has_solution:
        sol = out["solution"]
        row.update(usd_per_pflop_day=out["usd_per_pflop_day"], space_share=space_share(sol, session.coef),
                   space_architectures=", ".join(space_archs(sol)))
        if base_usd:
            row["change"] = out["usd_per_pflop_day"] / base_usd - 1.0
    else:
        row.update(usd_per_pflop_day=math.nan, space_share=math.nan, space_architectures="", change=math.nan)
    row.update(unit_ratios(session.coef))
    row["seconds"] = time.perf_counter() - t0
    return row


# ------------------------------------------------------------------------------------------- groups


def members(session: Session, group: str) -> list[tuple[str, Quantity]]:
    """The catalog values of a group that have a range to move in (``space_hardware+launch``: both groups)."""
    wanted = set(group.split("+"))
    return [(p, q) for p, q in session.base_rs.catalog.quantities()
            if wanted & set(q.groups) and (q.low is not None or q.high is not None)]


def toward(q: Quantity, end: str, t: float) -> Any:
    """The value a fraction ``t`` of the way from the central value to ``end`` of its range (year by year for a
    year table; a year rounded to a whole year)."""
    def mix(a: float, b: float) -> float:
        x = a + t * (b - a)
        return float(round(x)) if q.unit == "year" else x

    if isinstance(q.value, dict):
        other = q.pick(end)
        years = sorted(set(q.value) | set(other))
        return {y: mix(table_at(q.value, y), table_at(other, y)) for y in years}
    return mix(float(q.value), float(q.pick(end)))


def opposite(end: str) -> str:
    return "high" if end == "low" else "low"


def group_overrides(session: Session, group: str, t: float, side: str = "space") -> dict[str, Any]:
    """Scenario overrides that move ``group`` a fraction ``t`` toward the end favouring ``side`` (space|ground)."""
    if group == DEMAND:
        s = session.base_rs.scenario
        end = s.objective.theta_max if side == "space" else s.objective.theta_min
        f = 1.0 + t * (end - 1.0)
        out: dict[str, Any] = {}
        for w, wl in s.workloads.items():
            if wl.growth is not None:
                out[f"workloads.{w}.growth.start_eflop_per_s"] = wl.growth.start_eflop_per_s * f
            else:
                out[f"workloads.{w}.demand_eflop_per_s"] = {y: x * f for y, x in wl.demand_eflop_per_s.items()}
        return out
    return {f"catalog.{p}": toward(q, q.space_end if side == "space" else opposite(q.space_end), t)
            for p, q in members(session, group)}


def describe(session: Session, group: str, side: str = "space") -> str:
    """The group's values and the end each moves to, for the report and groups.csv."""
    if group == DEMAND:
        o = session.base_rs.scenario.objective
        return f"every workload's demand x {o.theta_max if side == 'space' else o.theta_min:g}"
    return "; ".join(f"{p} {q.space_end if side == 'space' else opposite(q.space_end)}"
                     for p, q in members(session, group))


def group_moves(session: Session, base: dict[str, Any], gap: float | None = None,
                groups: tuple[str, ...] = ALL_GROUPS) -> pd.DataFrame:
    """Each group at the end favouring space and at the end favouring the ground, one re-solve each."""
    rows = []
    for i, g in enumerate(groups, 1):
        for side in ("space", "ground"):
            progress.step(f"groups {i}/{len(groups)}: {GROUP_LABELS.get(g, g)} at the end favouring {side}")
            ov = group_overrides(session, g, 1.0, side)
            how = session.apply(ov)
            row = {"group": g, "label": GROUP_LABELS.get(g, g), "end": side, "values": len(ov), "model": how,
                   **solved_measures(session, gap, base["usd_per_pflop_day"]), "moved": describe(session, g, side)}
            rows.append(row)
    session.apply({})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------- what must be true


def bisect(reached: Callable[[float], bool], lo: float = 0.0, hi: float = 1.0, steps: int = 5) -> tuple[float, float]:
    """Smallest t in (lo, hi] with ``reached(t)``, given not reached at lo and reached at hi, to (hi-lo)/2^steps.
    Returns the bracket (largest t tested not reaching, smallest t tested reaching)."""
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        if reached(mid):
            hi = mid
        else:
            lo = mid
    return lo, hi


def _met(measure: str, x: float, threshold: float) -> bool:
    if x is None or not math.isfinite(x):
        return False
    return x <= threshold if measure.startswith("ratio") else x >= threshold


def what_must_be_true(session: Session, base_row: dict[str, Any], moves: pd.DataFrame, gap: float | None = None,
                      groups: tuple[str, ...] = ALL_GROUPS, steps: int = 4) -> pd.DataFrame:
    """For each group and target, the smallest move toward the group's space end at which the target is met."""
    from planner.model.coefficients import compute
    from planner.session import with_overrides

    rows = []
    for gi, g in enumerate(groups, 1):
        solved: dict[float, dict] = {0.0: base_row}  # t -> measures of a re-solve
        at_end = moves[(moves["group"] == g) & (moves["end"] == "space")]
        if len(at_end):
            solved[1.0] = at_end.iloc[0].to_dict()
        ratios: dict[float, float] = {t: r["ratio_window"] for t, r in solved.items()}

        def share_at(t: float) -> dict:
            if t not in solved:
                progress.step(f"what must be true {gi}/{len(groups)}: {GROUP_LABELS.get(g, g)} at t = {t:.3f}")
                session.apply(group_overrides(session, g, t))
                solved[t] = solved_measures(session, gap)
                ratios[t] = solved[t]["ratio_window"]
            return solved[t]

        def ratio_at(t: float) -> float:
            if t not in ratios:
                ratios[t] = unit_ratios(compute(with_overrides(session.base_rs, group_overrides(session, g, t))))[
                    "ratio_window"]
            return ratios[t]

        limit: dict[str, float] = {}

        def feasible_to() -> float:
            """The largest move tested at which the re-solve still finds a plan (1: the whole range)."""
            if "t" not in limit:
                ok = lambda t: math.isfinite(share_at(t)["space_share"])  # noqa: E731
                limit["t"] = 1.0 if ok(1.0) else bisect(ok, 0.0, 1.0, steps - 1)[0]
            return limit["t"]

        for name, measure, threshold in TARGETS:
            t0, n0 = time.perf_counter(), len(solved) + len(ratios)
            value = (lambda t: share_at(t)[measure]) if measure == "space_share" else ratio_at
            known = solved if measure == "space_share" else ratios
            top = feasible_to() if measure == "space_share" else 1.0
            row: dict[str, Any] = {"group": g, "label": GROUP_LABELS.get(g, g), "target": name, "measure": measure,
                                   "threshold": threshold, "base_value": value(0.0), "end_value": value(1.0),
                                   "feasible_to": top, "value_at_limit": value(top)}
            if _met(measure, value(0.0), threshold):
                row.update(reachable=True, t=0.0, t_below=0.0, value_at_t=value(0.0),
                           meaning="already true at the central values")
            elif not _met(measure, value(top), threshold):
                row.update(reachable=False, t=math.nan, t_below=top, value_at_t=math.nan,
                           meaning="not reached with every value of the group at its favourable end" if top == 1.0
                           else f"not reached before the demand can no longer be served (beyond "
                                f"{pct_words(top)} of the way the re-solve finds no plan)")
            else:
                # start from the tightest bracket already known (earlier targets' re-solves)
                pts = sorted(t for t in known if t <= top)
                lo = max((t for t in pts if not _met(measure, value(t), threshold)), default=0.0)
                hi = min((t for t in pts if t > lo and _met(measure, value(t), threshold)), default=top)
                n = max(0, steps - round(math.log2(1.0 / (hi - lo))) if hi > lo else 0)
                lo, hi = bisect(lambda t: _met(measure, value(t), threshold), lo, hi, n)
                row.update(reachable=True, t=hi, t_below=lo, value_at_t=value(hi),
                           meaning=f"reached {pct_words(hi)} of the way to the favourable end")
            row["evaluations"] = len(solved) + len(ratios) - n0
            row["seconds"] = time.perf_counter() - t0
            rows.append(row)
    session.apply({})
    return pd.DataFrame(rows)


def pct_words(t: float) -> str:
    return f"{100 * t:.0f}%"
