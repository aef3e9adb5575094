"""Sparse index sets: only valid tuples, computed in Python before any Pyomo component exists."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from planner.model.coefficients import Coefficients


@dataclass
class Sets:
    years: list[int]
    units: list[tuple[str, str, int]]  # (a, d, v): space units of design d built (launched) in v
    serviced: list[tuple[str, str, int]]  # units that may be serviced
    in_service: dict[tuple[str, int], list[tuple[str, int]]]  # (a, y) -> [(d, v)] units serving in y
    trips: list[tuple[str, int]]  # (route, y)
    ships: list[tuple[str, str, int]]  # (payload, route, y): tonnes of a payload on a route; payload = arch or core
    openings: list[tuple[str, int]]  # (site, y)
    serve: list[tuple[str, str, str, int]]  # (w, a, g, y)
    pools: dict[tuple[str, str, int], list[int]]  # (a, g, y) -> cluster thresholds with a capacity row
    covered_pools: list[tuple[str, str, int, int]]  # (a, g, y, t) capacity rows with a real-time coverage row
    clusters: list[tuple[str, str, int]]  # (a, d, t): a formation of design d in service reaches cluster size t
    partial: list[tuple[str, str, str]]  # (w, a, d): design d's formation reaches w's cluster, one unit does not
    builds: list[tuple[str, int]]  # (region, y) MW online in y
    chips: list[tuple[str, str, int, float]]  # (region, g, v, L) k-acc bought in v and kept L years
    unmet: list[tuple[str, int]]
    vehicles_years: list[tuple[str, int]]
    bandwidth: list[tuple[str, int]]  # (a, y) space architectures with earth-user service
    covered_bandwidth: list[tuple[str, int]]  # (a, y) of those with real-time earth-user traffic
    shells: list[tuple[str, int]]
    payload_routes: dict[str, list[str]] = field(default_factory=dict)
    carbon_years: list[int] = field(default_factory=list)  # periods with a carbon cap row


def build_sets(c: Coefficients) -> Sets:
    years = c.years
    units, serviced = [], []
    in_service: dict[tuple[str, int], list[tuple[str, int]]] = defaultdict(list)
    launchable = {a: {y for k in ks for y in c.trip_years[k]} for a, ks in c.arch_routes.items()}
    for (a, key), vint in c.unit_vintages.items():
        for v in vint:
            if v not in launchable.get(a, ()) or c.unit_ub.get((a, key, v), 0) <= 0:
                continue
            units.append((a, key, v))
            if any((a, key, v, y) in c.unit_cap_serviced for y in years):
                serviced.append((a, key, v))
            for y in years:
                if (a, key, v, y) in c.unit_cap:
                    in_service[(a, y)].append((key, v))
    built_years = defaultdict(set)  # years something of a is launched: its units, and the accelerators of swaps
    for a, key, v in units:
        built_years[a].add(v)
        if (a, key, v) in c.swaps:
            built_years[a].add(c.swaps[(a, key, v)].year)

    trips = [(k, y) for k in c.routes for y in c.trip_years[k]]
    payload_routes = {a: ks for a, ks in c.arch_routes.items() if built_years.get(a)}
    for site, e in c.site_open.items():
        if e["mass_t"] > 0:
            payload_routes[f"core:{site}"] = [k for k, rt in c.routes.items() if rt.site == site]
    ships = []
    for p, ks in payload_routes.items():
        wanted = built_years[p] if not p.startswith("core:") else set(years)
        for k in ks:
            ships += [(p, k, y) for y in c.trip_years[k] if y in wanted]

    openings = [(s, y) for s, e in c.site_open.items() for y in years if y >= e["first_year"]]

    space_g = {(a, c.generation(a, key, v, y), y) for (a, y), lst in in_service.items() for key, v in lst}
    ground_g = set()
    for (r, g, v, _, y) in c.chip_share:
        ground_g.add((c.ground[r]["arch"], g, y))
    serve = _serve_index(c, space_g | ground_g)
    pools: dict[tuple[str, str, int], list[int]] = defaultdict(list)
    thresholds = sorted({c.scenario.workloads[w].min_cluster_accelerators for w in c.workloads})
    served_at = defaultdict(set)
    for w, a, g, y in serve:
        served_at[(a, g, y)].add(c.scenario.workloads[w].min_cluster_accelerators)
    for key, needs in served_at.items():
        lo = min(needs)
        pools[key] = [t for t in thresholds if t >= lo and any(n >= t for n in needs)]
    designs_in = sorted({(a, key) for (a, _), lst in in_service.items() for key, _ in lst})
    clusters = [(a, key, t) for a, key in designs_in for t in thresholds
                if c.designs[(a, key)].cluster_accelerators >= t]
    reach = set(clusters)
    partial = [(w, a, key) for (w, a, key) in sorted(c.cluster_ok)
               if (a, key, need := c.scenario.workloads[w].min_cluster_accelerators) in reach
               and c.designs[(a, key)].accelerators_per_unit < need]
    covered_needs = defaultdict(set)
    for w, a, g, y in serve:
        if c.covered(w, a):
            covered_needs[(a, g, y)].add(c.scenario.workloads[w].min_cluster_accelerators)
    covered_pools = sorted((a, g, y, t) for (a, g, y), needs in covered_needs.items() for t in pools[(a, g, y)]
                           if any(n >= t for n in needs))

    builds = [(r, y) for r, ys in c.build_years.items() for y in ys]
    chips = [(r, g, v, n) for (r, g, v), lives in c.chip_lives.items() for n in lives]
    unmet = [(w, y) for w in c.workloads for y in years]
    vehicles_years = sorted(c.cadence)
    bandwidth = sorted({(a, y) for (w, a, g, y) in serve if c.archs[a]["kind"] == "space" and c.earth_users[w]
                        and c.gbps_per_eflop[w] > 0 and c.scenario.terms.bandwidth})
    linked = set(bandwidth)
    covered_bandwidth = sorted({(a, y) for (w, a, g, y) in serve if (a, y) in linked and c.earth_users[w]
                                and c.gbps_per_eflop[w] > 0 and c.covered(w, a)})
    shells = sorted({(c.archs[a]["site"], y) for (a, y) in in_service if c.archs[a]["site"] in c.shells})
    return Sets(years=years, units=units, serviced=serviced, in_service=dict(in_service), trips=trips, ships=ships,
                openings=openings, serve=serve, pools=dict(pools), covered_pools=covered_pools, clusters=clusters,
                partial=partial, builds=builds,
                chips=chips, unmet=unmet, vehicles_years=vehicles_years, bandwidth=bandwidth,
                covered_bandwidth=covered_bandwidth, shells=shells, payload_routes=payload_routes,
                carbon_years=sorted(c.carbon_cap))


def _serve_index(c: Coefficients, alive: set[tuple[str, str, int]]) -> list[tuple[str, str, str, int]]:
    """(w, a, g, y) where workload w may run on accelerator g at architecture a in year y."""
    by_a = defaultdict(list)
    for a, g, y in sorted(alive):
        by_a[a].append((g, y))
    out = []
    for w in c.workloads:
        for a in c.eligible[w]:
            for g, y in by_a.get(a, ()):
                if (w, a, g) in c.eff and c.demand[(w, y)] > 0:
                    out.append((w, a, g, y))
    return out
