"""How well a solve resolves the plan's space decisions, in dollars.

A MIP gap relative to the whole objective cannot tell plans apart that differ in space decisions worth less than
that share of the total: on the reference, 0.1 % of $467 B is $467 M, more than every space launch of the plan.
The rule here is absolute and scaled by what space is worth in the plan:

    gap_usd = incumbent - bound                                       (the solver's proof, in dollars)
    scale   = max(space-related cost of the plan, cost of the cheapest space unit that could serve the largest
                  workload)
    resolved  <=>  gap_usd <= space_resolution x scale                  (space_resolution: 1 % by default)

The space-related cost is the fleet and launch part of the objective (``m.cost_fleet + m.cost_launch``: capex,
operations, servicing, site cores and their yearly cost, and launches of every space architecture; present values),
read from the one place costs are summed. The cheapest unit is a unit's own objective cost (its capital and
operations) plus its share of a trip at the cheapest route in its year, over the units whose formation holds the
cluster of the workload with the most present-value demand: the smallest space decision that could matter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from pyomo.repn.linear import LinearRepnVisitor

RULE = ("the gap in dollars (incumbent minus bound) is at most {share:g} % of the larger of the plan's space-related "
        "cost and the cost of the cheapest space unit that could serve the largest workload")


@dataclass
class Resolution:
    """One solve's resolution ($M, as the objective is)."""

    gap_musd: float | None  # incumbent - bound (None: no bound)
    space_cost_musd: float  # fleet + launch part of the objective at the plan
    unit_musd: float  # cheapest space unit that could serve the largest workload (0: none exists)
    share: float  # the resolution asked for, a fraction of the scale

    @property
    def scale_musd(self) -> float:
        return max(self.space_cost_musd, self.unit_musd)

    @property
    def target_musd(self) -> float:
        return self.share * self.scale_musd

    @property
    def resolved(self) -> bool:
        return self.gap_musd is not None and self.gap_musd <= self.target_musd + 1e-9

    def as_dict(self) -> dict:
        """The summary's ``resolution`` block, in USD."""
        return {"gap_usd": None if self.gap_musd is None else self.gap_musd * 1e6,
                "space_cost_usd": self.space_cost_musd * 1e6, "cheapest_space_unit_usd": self.unit_musd * 1e6,
                "target_usd": self.target_musd * 1e6, "share": self.share, "resolved": self.resolved,
                "rule": RULE.format(share=self.share * 100)}


def largest_workload(c) -> str | None:
    """The workload with the most present-value demand."""
    load: dict[str, float] = {}
    for (w, y), x in c.demand.items():
        load[w] = load.get(w, 0.0) + c.flop_weight.get(y, 0.0) * x
    return max(load, key=lambda w: load[w]) if load else None


def cheapest_unit_musd(c) -> float:
    """PV $M of the cheapest space unit (its own cost and its share of a trip at the cheapest route of its year)
    whose formation holds the largest workload's cluster; 0 when no space unit can serve it."""
    w = largest_workload(c)
    best = None
    for (a, key, v), own in c.unit_cost.items():
        if w is None or not c.cluster_ok.get((w, a, key), False):
            continue
        k = c.cheapest_route(a, key, v)
        launch = c.pv(c.trip_flows(k, v)) * c.trip_share(a, key, k, v) if k else 0.0
        cost = own + launch
        if best is None or cost < best:
            best = cost
    return float(best) if best is not None else 0.0


class SpaceCost:
    """The space-related part of the objective as a vector over HiGHS's columns, compiled once per matrix: its
    value at any column vector (an incumbent before it is loaded into the model) is one dot product."""

    def __init__(self, m, col: dict[int, int], n: int):
        repn = LinearRepnVisitor({}).walk_expression(m.cost_fleet + m.cost_launch)
        self.c = np.zeros(n)
        self.const = float(repn.constant)
        for vid, a in repn.linear.items():
            j = col.get(vid)
            if j is not None:
                self.c[j] += float(a)

    def __call__(self, x: np.ndarray) -> float:
        return float(self.c @ x) + self.const


def space_cost_now(m) -> float:
    """The space-related cost ($M) at the values the model holds."""
    return float(pyo.value(m.cost_fleet + m.cost_launch))


def _usd(x: float) -> str:
    a = abs(x)
    return (f"${x / 1e9:,.2f} B" if a >= 1e9 else f"${x / 1e6:,.1f} M" if a >= 1e6 else f"${x / 1e3:,.0f} k"
            if a >= 1e3 else f"${x:,.0f}")


def describe(block: dict | None) -> str:
    """One line on a summary's ``resolution`` block: the gap in dollars against the space scale, and the verdict."""
    if not block or block.get("gap_usd") is None:
        return "space decisions: resolution unknown (the solver proved no bound)"
    scale = max(block["space_cost_usd"], block["cheapest_space_unit_usd"])
    against = ("the plan's space-related cost" if block["space_cost_usd"] >= block["cheapest_space_unit_usd"]
               else "the cheapest space unit that could serve the largest workload")
    verdict = "resolved" if block["resolved"] else "NOT resolved"
    return (f"space decisions {verdict}: gap {_usd(block['gap_usd'])} (incumbent minus bound) against "
            f"{_usd(block['space_cost_usd'])} of space-related cost; resolved means at most "
            f"{block['share'] * 100:g} % of {_usd(scale)} ({against}) = {_usd(block['target_usd'])}")
