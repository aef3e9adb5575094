"""The ground's marginal cost: what one more unit of each workload's demand costs the plan, year by year.

The demand row of workload w in year y (``balance``) has a shadow price in the LP with the plan's integer
decisions fixed (``planner/solver/explain.py``, the constraints table): the PV $ that one more EFLOP/s of w's
demand in that period would add to the plan. Divided by the PV of the FLOP that EFLOP/s delivers over the period,
it is a cost per delivered FLOP at that year's prices, comparable with a unit's levelised cost (vintage_costs):

    marginal[w, y] ($/EFLOP) = dual[w, y] ($ per EFLOP/s) / (flop_weight[y] x seconds per year)

A space unit built in year v serves every year of its life, so what it competes against is the marginal cost over
those years, weighted by the PV of the FLOP it delivers in each (its capacity profile, discounted; a year past
the horizon at the horizon's last marginal cost):

    life_marginal[w, v] = sum_k cap_k df(v+k) marginal[w, period(v+k)] / sum_k cap_k df(v+k)

Where the ground can add capacity at its levelised cost, the two benchmarks agree; where it cannot (a grid crunch,
a build-out limit), the marginal cost is above a new ground unit and it is the one that decides.
"""

from __future__ import annotations

import math

import pandas as pd

from planner.economics import discount_factor
from planner.model.coefficients import Coefficients
from planner.results.plan import EFLOP_PER_PFLOP_DAY, SECONDS_PER_YEAR
from planner.results.schema import TABLES

AGREE = 0.05  # the two benchmarks agree within 5 %: either decides


def demand_duals(constraints: pd.DataFrame) -> dict[tuple[str, int], float]:
    """(workload, year) -> the demand row's shadow price, USD per EFLOP/s (rows absent from the table: 0)."""
    if constraints is None or not len(constraints):
        return {}
    rows = constraints[constraints["constraint"] == "balance"]
    out = {}
    for idx, price in zip(rows["index"], rows["shadow_price"]):
        w, y = str(idx).rsplit("|", 1)
        out[(w, int(y))] = float(price)
    return out


def _period_of(c: Coefficients) -> dict[int, int]:
    return {t: y for y, ts in c.period_years.items() for t in ts}


def marginal_costs(c: Coefficients, constraints: pd.DataFrame, vintage: pd.DataFrame) -> pd.DataFrame:
    """Per workload with demand and year: the ground's marginal cost, a new ground unit's and the best space unit's
    levelised cost, the marginal cost over that space unit's life, and which benchmark decides."""
    duals = demand_duals(constraints)
    period = _period_of(c)
    last = max(c.years)
    s = c.scenario.money
    rows = []
    for w in c.workloads:
        if not any(c.demand.get((w, y), 0.0) > 0 for y in c.years):
            continue
        per_flop = {y: duals.get((w, y), 0.0) / (c.flop_weight[y] * SECONDS_PER_YEAR) for y in c.years}
        v = vintage[vintage["workload"] == w] if len(vintage) else vintage
        for y in c.years:
            ground = v[(v["family"] == "ground") & (v["vintage"] == y)] if len(v) else v
            space = v[(v["family"] != "ground") & (v["vintage"] == y)] if len(v) else v
            row = {"workload": w, "year": y, "shadow_price_usd_per_eflop_s": duals.get((w, y), 0.0),
                   "marginal_usd_per_pflop_day": per_flop[y] * EFLOP_PER_PFLOP_DAY,
                   "ground_unit_usd_per_pflop_day": float(ground["usd_per_pflop_day"].min()) if len(ground)
                   else math.nan,
                   "space_unit_usd_per_pflop_day": math.nan, "space_architecture": "",
                   "life_marginal_usd_per_pflop_day": math.nan}
            if len(space):
                best = space.loc[space["usd_per_pflop_day"].idxmin()]
                d = c.designs[(best["architecture"], best["design"])]
                weights = [(cap * discount_factor(y + k, s.base_year, s.discount_rate),
                            per_flop[period.get(y + k, last if y + k > last else y)])
                           for k, cap in enumerate(d.capacity_profile)]
                total = sum(wt for wt, _ in weights)
                row.update(space_unit_usd_per_pflop_day=float(best["usd_per_pflop_day"]),
                           space_architecture=best["architecture"],
                           life_marginal_usd_per_pflop_day=(sum(wt * x for wt, x in weights) / total
                                                            * EFLOP_PER_PFLOP_DAY if total > 0 else math.nan))
            row["decides"] = deciding(row)
            rows.append(row)
    return pd.DataFrame(rows, columns=list(TABLES["marginal_costs"][1]))


def deciding(row: dict) -> str:
    """Which benchmark decides for a unit built that year: 'marginal' (the ground's marginal cost over the unit's
    life differs from a new ground unit's levelised cost by more than 5 %), else 'either' (they agree)."""
    g = row["ground_unit_usd_per_pflop_day"]
    m = row["life_marginal_usd_per_pflop_day"]
    if math.isnan(m):
        m = row["marginal_usd_per_pflop_day"]
    if math.isnan(g) or g <= 0:
        return "marginal"
    return "marginal" if abs(m / g - 1.0) > AGREE else "either"
