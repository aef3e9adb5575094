"""Carbon and water of a plan: t CO2 and m3 of site water by category and year, and per delivered PFLOP/s-day.

The same per-decision emissions the carbon price and cap use (``Coefficients.*_emissions``), times the plan's
decisions: launches when they fly (tankers included), manufacturing of accelerators, spacecraft (units and site
cores) and ground facilities in their build year, grid electricity and replacement accelerators while in
service. ``beyond_horizon`` is a credit in the last year for the share of manufacturing and launch emissions whose
asset keeps delivering after the horizon (like the residual-value credit of capital), so that emissions per FLOP
compare plans whose assets end at different times. Space units use solar or fission power and no site water.
"""

from __future__ import annotations

import math
from collections import defaultdict

import pandas as pd

from planner.model.coefficients import BEYOND_HORIZON, EMISSION_CATEGORIES, PFLOP_DAYS_PER_EFLOP_S_YR, Coefficients
from planner.results.schema import TABLES


def emission_flows(c: Coefficients, sol) -> dict[tuple[str, int], list[float]]:
    acc: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0.0, 0.0])

    def add(flows, times):
        for cat, t, co2, water in flows:
            acc[(cat, t)][0] += co2 * times
            acc[(cat, t)][1] += water * times

    for flows, n in c.per_decision(sol, "emissions"):
        add(flows, n)
    return acc


def emissions_table(c: Coefficients, sol) -> pd.DataFrame:
    rank = {cat: i for i, cat in enumerate(EMISSION_CATEGORIES)}
    rows = [{"category": cat, "year": t, "t_co2": x[0], "water_m3": x[1]}
            for (cat, t), x in sorted(emission_flows(c, sol).items(), key=lambda kv: (rank[kv[0][0]], kv[0][1]))
            if abs(x[0]) > 1e-9 or abs(x[1]) > 1e-9]
    return pd.DataFrame(rows, columns=list(TABLES["emissions"][1]))


def delivered_pflop_days(c: Coefficients, sol) -> float:
    """Undiscounted PFLOP/s-days delivered over every calendar year of the horizon."""
    return sum(x * len(c.period_years[y]) * PFLOP_DAYS_PER_EFLOP_S_YR for (w, a, g, y), x in sol.serve.items())


def emissions_summary(c: Coefficients, sol, table: pd.DataFrame | None = None) -> dict:
    """Totals and intensities: t CO2 emitted in the horizon, the beyond-horizon credit, their sum (what the plan's
    FLOP carry), site water, and both per delivered PFLOP/s-day."""
    t = emissions_table(c, sol) if table is None else table
    emitted = float(t.loc[t["category"] != BEYOND_HORIZON, "t_co2"].sum())
    credit = float(t.loc[t["category"] == BEYOND_HORIZON, "t_co2"].sum())
    water = float(t["water_m3"].sum())
    days = delivered_pflop_days(c, sol)
    by_cat = {k: float(v) for k, v in t.groupby("category")["t_co2"].sum().items()}
    return {
        "co2_t_emitted": emitted,
        "co2_t_beyond_horizon": credit,
        "co2_t": emitted + credit,
        "water_m3": water,
        "delivered_pflop_days": days,
        "co2_kg_per_pflop_day": (emitted + credit) * 1000.0 / days if days > 0 else math.nan,
        "water_l_per_pflop_day": water * 1000.0 / days if days > 0 else math.nan,
        "co2_t_by_category": by_cat,
    }
