"""Coefficients computed the quick way agree with their definitions computed the direct way."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from planner.model.coefficients import compute, unit_bounds
from planner.scenario.load import load_scenario

SCEN = Path(__file__).resolve().parents[1] / "data" / "scenarios"


def _bounds_by_definition(c) -> dict:
    """Per unit vintage: enough units to serve the peak demand its architecture may serve (+1), no more than its
    shell holds, no more than the launch cadence lifts to its site that year."""
    theta = c.scenario.objective.theta_max if c.scenario.objective.mode == "ratio" else 1.0
    out = {}
    for (a, key), d in c.designs.items():
        rates = [e for (w, aa, g), e in c.eff.items() if aa == a and g == d.accelerator]
        eligible = [w for w in c.workloads if a in c.eligible[w]]
        peak = theta * max(sum(c.demand[(w, y)] for w in eligible) for y in c.years)
        for v in c.unit_vintages[(a, key)]:
            caps = [c.unit_cap.get((a, key, v, y), 0.0) for y in c.years]
            caps += [c.unit_cap_serviced.get((a, key, v, y), 0.0) for y in c.years]
            per_unit = (max(rates) if rates else 0.0) * max(caps)
            ub = math.ceil(peak / per_unit) + 1 if per_unit > 0 else 0
            site = c.archs[a]["site"]
            if site in c.shells:
                ub = min(ub, math.ceil(c.shells[site]))
            if c.scenario.terms.cadence and d.trip_mass_t > 0:
                lift = sum(c.cadence.get((c.routes[k].vehicle, v), 0.0) / c.routes[k].flights_per_trip
                           * c.routes[k].payload_t for k in c.arch_routes.get(a, []) if v in c.trip_years[k])
                ub = min(ub, math.floor(lift / d.trip_mass_t + 1e-9))
            out[(a, key, v)] = float(max(0, ub))
    return out


@pytest.mark.parametrize("name, overrides", [
    ("reference", []),
    ("optimistic_starship", []),
    ("reference", ["catalog.launch_vehicles.starship.cadence_flights_per_yr=low", "objective.mode=ratio"]),
])
def test_unit_bounds_follow_their_definition(name, overrides):
    c = compute(load_scenario(SCEN / f"{name}.yaml", overrides))
    bounds = unit_bounds(c)
    assert bounds == _bounds_by_definition(c)
    assert len(bounds) > 1000 and len(set(bounds.values())) > 10
