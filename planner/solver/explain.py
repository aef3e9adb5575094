"""Explanations: binding constraints with LP shadow prices, infeasibility in words, re-solve marginal values.

Shadow prices come from the LP with every integer decision fixed at the plan's value, so they are conditional on
the chosen architecture. The value of an integer decision (one more flight, one more unit) comes from a
re-solve with the decision changed by one, and is labelled so.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd
import pyomo.environ as pyo

from planner.model.build import PlanModel
from planner.results.schema import TABLES
from planner.solver.highs import HighsAdapter

# constraint family -> (sentence template over the index, unit of the right-hand side)
MEANINGS = {
    "balance": ("demand of {0} in {1} must be met", "EFLOP/s"),
    "capacity": ("{1} accelerators at {0} in {2} (clusters of at least {3})", "thousand accelerators"),
    "cadence_row": ("flights of {0} in {1} within the cadence cap", "flights"),
    "interconnect": ("grid interconnect of {0} cleared by {1}", "MW"),
    "power": ("facility power at {0} in {1}", "MW"),
    "shell": ("satellites in the {0} shell in {1}", "satellites"),
    "bandwidth": ("downlink from {0} in {1}", "Gbit/s"),
    "route_mass": ("payload of {0} trips in {1}", "t"),
    "route_volume_row": ("stowed volume of {0} trips in {1}", "m3"),
    "budget_row": ("capital budget of {0}", "$M"),
    "carbon_cap_row": ("CO2 emitted in {0} within the carbon cap", "t CO2"),
    "unit_bound": ("units of {0} ({1}) built in {2}: at most as many as launch cadence, shell and demand allow",
                   "units"),
}


@contextmanager
def integers_fixed(ad: HighsAdapter, pm: PlanModel):
    """Fix every integer variable at its current value and make it continuous (an LP with duals)."""
    m = pm.m
    saved = []
    for comp in (m.units, m.trips, m.open):
        for v in comp.values():
            x = 0.0 if v.value is None else float(round(v.value))
            saved.append((v, v.domain, v.lb, v.ub))
            v.domain = pyo.Reals
            v.setlb(x)
            v.setub(x)
    ad.push_variables(v for v, *_ in saved)
    try:
        yield
    finally:
        for v, dom, lb, ub in saved:
            v.domain = dom
            v.setlb(lb)
            v.setub(ub)
        ad.push_variables(v for v, *_ in saved)


def _slack(con) -> float:
    body = pyo.value(con.body)
    slacks = []
    if con.has_ub():
        slacks.append(pyo.value(con.upper) - body)
    if con.has_lb():
        slacks.append(body - pyo.value(con.lower))
    return min(slacks) if slacks else math.inf


def binding_constraints(ad: HighsAdapter, pm: PlanModel, tol: float = 1e-7) -> pd.DataFrame:
    """Rows that bind in the plan, with their shadow prices (USD per unit of right-hand side)."""
    m = pm.m
    rows = []
    with integers_fixed(ad, pm):
        res = ad.solve()
        if not res.has_solution:
            return pd.DataFrame(columns=list(TABLES["constraints"][1]))
        for family, (template, unit) in MEANINGS.items():
            comp = getattr(m, family, None)
            if comp is None:
                continue
            cons = list(comp.values())
            duals = ad.duals(cons)
            for con in cons:
                dual = duals.get(con, 0.0)
                slack = _slack(con)
                if abs(dual) <= tol or slack > 1e-6 * max(1.0, abs(pyo.value(con.upper) if con.has_ub() else 0.0)):
                    continue
                idx = con.index()
                idx = idx if isinstance(idx, tuple) else (idx,)
                rows.append({"constraint": family, "index": "|".join(str(i) for i in idx),
                             "meaning": template.format(*idx), "slack": slack,
                             "shadow_price": dual * 1e6, "unit": f"USD per {unit}"})
        # unit counts held at their upper bound (cadence, shell or demand): bounds, not rows, so reduced costs
        template, unit = MEANINGS["unit_bound"]
        at_ub = [(idx, v) for idx, v in m.units.items() if v.ub and v.value is not None and v.ub > 0
                 and abs(v.value - v.ub) <= 1e-6 and abs(v.ub - pm.coef.unit_ub.get(idx, -1)) <= 1e-9]
        reduced = ad.reduced_costs([v for _, v in at_ub])
        for idx, v in at_ub:
            rc = reduced.get(id(v), 0.0)
            if rc < -tol:
                rows.append({"constraint": "unit_bound", "index": "|".join(str(i) for i in idx),
                             "meaning": template.format(*idx), "slack": 0.0, "shadow_price": rc * 1e6,
                             "unit": f"USD per {unit}"})
    return pd.DataFrame(rows, columns=list(TABLES["constraints"][1]))


@dataclass
class Change:
    """A temporary change of one parameter value (or variable bound) for a what-if re-solve."""

    component: object
    index: object
    value: float


def resolve_with(ad: HighsAdapter, pm: PlanModel, changes: list[Change], objective) -> float | None:
    """Objective value after applying the changes and re-solving (then everything is restored)."""
    old = [(ch, ch.component[ch.index].value) for ch in changes]
    try:
        for ch in changes:
            ch.component[ch.index] = ch.value
        ad.push_parameters()
        ad.use_start()
        res = ad.solve()
        return pyo.value(objective) if res.has_solution else None
    finally:
        for ch, v in old:
            ch.component[ch.index] = v
        ad.push_parameters()


def build_years(c, a: str) -> list[int]:
    """Years in which architecture ``a`` can add capacity (units, or ground accelerators)."""
    info = c.archs[a]
    if info["kind"] == "ground":
        return sorted({y for (rr, g), vs in c.chip_vintages.items() if rr == info["site"] for y in vs})
    return sorted({v for (aa, key), vs in c.unit_vintages.items() if aa == a for v in vs})


def earliest_service(c, a: str) -> int | None:
    """First year architecture ``a`` can deliver anything (lead times, site availability, accelerators)."""
    info = c.archs[a]
    if info["kind"] == "ground":
        r = info["site"]
        years = [y for (rr, g), vs in c.chip_vintages.items() if rr == r for y in vs]
        return min(years) if years else None
    years = [v for (aa, key), vs in c.unit_vintages.items() if aa == a for v in vs]
    return min(years) if years else None


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


CAPS = {"interconnect": "grid interconnect", "power": "facility power", "cadence_row": "launch cadence",
        "shell": "orbital shell capacity", "budget_row": "capital budget", "bandwidth": "downlink",
        "route_mass": "payload per trip", "unit_bound": "units per year (cadence, shell)",
        "carbon_cap_row": "carbon cap"}


def _caps_binding_in(binding: pd.DataFrame | None, year: int) -> list[str]:
    """Caps that bind in ``year`` (interconnect: the latest clearance up to that year), grouped by kind."""
    if binding is None or not len(binding):
        return []
    where: dict[str, list[str]] = {}
    for _, row in binding[binding["constraint"].isin(list(CAPS))].iterrows():
        parts = str(row["index"]).split("|")
        years = [int(p) for p in parts if p.isdigit() and len(p) == 4]
        names = [p for p in parts if not p.isdigit() and "/" not in p]
        # interconnect clears for good; a carbon cap met by building less earlier leaves less capacity later
        applies = (min(years) <= year) if row["constraint"] in ("interconnect", "carbon_cap_row") else \
            (year in years)
        if applies and years:
            where.setdefault(CAPS[row["constraint"]], [])
            for n in names:
                if n not in where[CAPS[row["constraint"]]]:
                    where[CAPS[row["constraint"]]].append(n)
    return [f"{kind} ({', '.join(names[:4])}{', ...' if len(names) > 4 else ''})" if names else kind
            for kind, names in where.items()]


def infeasibility_reasons(c, elastic, binding: pd.DataFrame | None = None) -> list[str]:
    """One sentence per workload and year the least-unmet plan still cannot serve, with what is missing.

    ``binding`` are the rows that bind in the least-unmet plan (its LP with integers fixed): the caps named
    for a capacity shortfall are those of that year or earlier.
    """
    wl = c.scenario.workloads
    reasons = []
    for (w, y), x in sorted(elastic.unmet.items()):
        if x <= 1e-6:
            continue
        spec = wl[w]
        demand = c.demand[(w, y)] * elastic.theta
        head = (f"{spec.label} ({w}) in {y}: {x:.3g} of {demand:.3g} EFLOP/s cannot be served")
        eligible = c.eligible[w]
        if not eligible:
            reasons.append(f"{head}: no allowed architecture is within its {spec.latency_limit_ms:g} ms round trip "
                           f"of users on the {'Moon' if spec.users == 'moon' else 'Earth'}")
            continue
        starts = {a: earliest_service(c, a) for a in eligible}
        ready = [a for a, s in starts.items() if s is not None and s <= y]
        if not ready:
            later = sorted((s, a) for a, s in starts.items() if s is not None)
            kinds = sorted({c.archs[a]["site"] if c.archs[a]["kind"] == "space" else "ground" for a in eligible})
            none_built = [a for a in eligible if starts[a] is None and c.archs[a]["kind"] == "space"]
            dropped = {}
            for row in c.dropped:
                if row["architecture"] in none_built:
                    dropped.setdefault(row["architecture"], row["reason"])
            if later:
                s0, a0 = later[0]
                reasons.append(f"{head}: it needs a site within {spec.latency_limit_ms:g} ms of its users "
                               f"({_join(kinds)}); the earliest, {a0}, can serve from {s0}")
            elif dropped:
                why = "; ".join(f"{a}: {r}" for a, r in list(dropped.items())[:3])
                reasons.append(f"{head}: no design of {_join(list(dropped))} works ({why})")
            else:
                reasons.append(f"{head}: none of {_join(eligible)} can be built within the horizon "
                               f"(lead times, site availability or accelerator years)")
            continue
        last_build = max((max(build_years(c, a), default=0) for a in ready), default=0)
        if last_build < y:
            reasons.append(f"{head}: nothing can be built after {last_build} (the last year of every available "
                           f"accelerator or site in the catalog), so capacity only shrinks from then on")
            continue
        caps = _caps_binding_in(binding, y)
        missing = f"what binds that year: {'; '.join(caps)}" if caps else \
            "capacity arriving by then is capped (lead times, launch cadence, grid interconnect, shells, budget " \
            "or carbon cap)"
        shown = _join(ready) if len(ready) <= 3 else f"all {len(ready)} architectures within its latency"
        reasons.append(f"{head}: {shown} could serve it, but {missing}")
    if not reasons:
        reasons.append("the model is infeasible for a reason other than demand (check budget caps and fixed values)")
    return reasons
