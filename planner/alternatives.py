"""Plans almost as cheap: near-optimal alternatives (MGA, SPORES) and trade-off fronts (epsilon constraint).

The optimum is one plan among many near-ties. From a solved run the scenario is rebuilt once, solved to the
resolution the alternatives need (``GAP``), and given

    budget:      cost + penalties <= cap                         cap = (1 + eps) x optimum        (one row)
    bound[k]:    measure_k <= bound_k  (or >= for a share)       loose until a front uses it      (one row each)
    objective:   w_cost (cost + penalties + tie-break) + sum_{a,y} w[a,y] X[a,y] + sum_k w[k] measure_k

    X[a,y]      = share of the horizon's delivered FLOP that architecture a serves in period y (its years counted)
    measures    = flights, launched mass (t), CO2 per PFLOP/s-day (kg), expected launch-failure loss ($M PV)

cap, bound, w_cost, w and w[k] are mutable parameters: every search step changes their values only, so HiGHS keeps
its instance (the rows and objective terms that use them are recompiled in place, ``planner/solver/incremental``)
and the previous plan is the next one's start. Nothing is rebuilt.

Directed search (PyPSA ``optimize_mga``): within each budget, minimise then maximise each family's share of
delivered FLOP, the flights and the launched mass. Spread-out search (Calliope SPORES): minimise the weighted use
of what earlier plans used, X[a,y] weighted by the sum of the earlier plans' X[a,y] / max X (relative deployment),
so each new plan puts its FLOP where the earlier ones put least. In both, a small cost weight (``COST_TIE``)
picks the cheapest of the plans that score the same. Fronts: minimise cost with the measure bounded, the bound
stepped between the cost optimum's value and the measure's own optimum. The latency front bounds the round trip
the real-time workload allows: the model is built once with every architecture allowed to serve it, and each point
closes (upper bound 0) the serve columns of the architectures whose round trip exceeds the point's, in place.
"""

from __future__ import annotations

import json
import math
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pandas as pd
import pyomo.environ as pyo

from planner import outdir, progress
from planner.errors import InputError, problem
from planner.model.coefficients import PFLOP_DAYS_PER_EFLOP_S_YR
from planner.results.emissions import emissions_summary
from planner.results.plan import FAMILY_ORDER, Solution, build_tables, mix_summary, money_summary, read_solution
from planner.results.schema import NEAR_OPTIMAL
from planner.scenario.load import ResolvedScenario, load_scenario
from planner.session import Session

EPS_DEFAULT = (0.01, 0.02, 0.05, 0.10)
SPREAD_EPS = 0.05
SPREAD_N = 10
GAP = 1e-3  # relative MIP gap of the cost optimum and the front points, with their space decisions resolved as in a
# run (the session's resolve_space: HiGHS also stops no later than 1 % of the plan's space-related cost in dollars,
# planner/solver/resolution.py): the space decisions are worth < 0.1 % of the plan's cost, so a relative gap alone
# would not resolve them, and a tighter one than the resolution buys nothing but time
RESOLUTION = 1e-4  # absolute MIP gap of a directed or spread-out plan (or PLAN_GAP), in share of delivered FLOP (0.01
# points; flights and launched mass are counted relative to the optimum's, so 1e-4 of them)
PLAN_GAP = 0.01  # relative MIP gap of a directed or spread-out plan's own objective (a share, a weighted use),
# whichever of it and RESOLUTION is reached first: proving 0.01 points took HiGHS past a minute a plan on the
# reference; within 1 % each plan takes seconds, and the budget row holds exactly in every plan either way
END_RESOLUTION = 0.01  # absolute MIP gap of a front's far end (the measure's own optimum, which sets the front's
# range): 1 point of space share, or 1 % of the optimum's CO2 or loss. On the reference the root's bound proves that
# at once; to 0.01 points HiGHS sat at its 60 s limit in root cuts with the same plan
COST_TIE = 1e-4  # weight of cost / optimum next to a share (0..1): at most 1e-4 x eps of share is traded for cost
MEASURES = ("flights", "mass_t", "co2_kg_per_pflop_day", "risk_musd")
# front measures: the column of alternatives.csv and whether more of it costs (max) or less of it costs (min)
FRONTS = {"space_share": ("space_share", "max"), "co2": ("co2_kg_per_pflop_day", "min"),
          "risk": ("risk_musd", "min"), "latency": ("latency_ms", "min")}
LOOSEST_MS = 1e7  # the latency front's model: the real-time workload's limit loosened so every architecture may serve
PLAN_TIME_LIMIT_S = 60.0  # per alternative or front point (the optimum: the scenario's); a plan stopped there keeps
# its status time_limit and the gap it proved
BUNDLED = {"eps": (0.02, 0.05), "n": 5, "points": 8}  # planner run --alternatives: a smaller search (minutes)
LOOSE = 1e9  # a bound row's value while no front uses it: far above any plan's CO2 per PFLOP/s-day or loss ($M)


# ----------------------------------------------------------------------------------------------- the model


class NearOptimal:
    """A solved session with the budget row, the bound rows and the weighted objective, re-solved in place."""

    def __init__(self, session: Session, gap: float = GAP, time_limit_s: float | None = PLAN_TIME_LIMIT_S,
                 resolution: float = RESOLUTION, optimum_cost: float | None = None, plan_gap: float = PLAN_GAP,
                 end_resolution: float = END_RESOLUTION):
        """Solves the session's plan to ``gap`` (unless solved already) and adds the rows. ``optimum_cost`` ($M): a
        known optimum, not solved again (the benchmark's rebuilt model); the optimum's row is then not described."""
        self.session, self.gap, self.resolution, self.plan_gap = session, gap, resolution, plan_gap
        self.end_resolution = end_resolution
        self.time_limit_s = time_limit_s
        self.solves: list[dict] = []
        t0 = time.perf_counter()
        res = None
        if optimum_cost is None and not session.ad.solves:
            res, _ = session.solve_plan()
            if not res.has_solution:
                raise InputError(problem(str(session.rs.path), "(scenario)", f"no plan to start from ({res.status})"))
        m = session.pm.m
        if session.rs.scenario.objective.mode == "ratio":  # the demand scale the plan chose is kept
            m.theta.fix(m.theta.value)
            m.lam.set_value(0.0)
        self.optimum_cost = float(pyo.value(m.total_cost + m.cost_unmet)) if optimum_cost is None else optimum_cost
        self._add_rows()
        if optimum_cost is not None:
            return
        self.values0 = self.values()
        sol = read_solution(session.pm)
        self.optimum = {"plan": "optimum", "kind": "optimum", "eps": 0.0, "objective": "least cost",
                        "status": res.status if res else "optimal", "mip_gap": res.gap if res else None,
                        "solve_s": time.perf_counter() - t0, **self.describe(sol), "solution": sol}

    # -- the added rows and objective ---------------------------------------------------------------------
    def _add_rows(self) -> None:
        s, c = self.session, self.session.coef
        m, sets = s.pm.m, s.pm.sets
        theta = float(m.theta.value)
        years = {y: len(c.period_years[y]) for y in sets.years}
        total = theta * sum(x * years[y] for (w, y), x in c.demand.items() if y in years)  # EFLOP/s-years
        self.total_pflop_days = total * PFLOP_DAYS_PER_EFLOP_S_YR
        cells = defaultdict(list)
        for w, a, g, y in sets.serve:
            cells[(a, y)].append(m.serve[w, a, g, y])
        self.cells = sorted(cells)
        self.family = {a: c.archs[a]["family"] for a, _ in self.cells}
        m.alt_AY = pyo.Set(initialize=self.cells, dimen=2, ordered=True)
        m.alt_w_cell = pyo.Param(m.alt_AY, initialize=0.0, mutable=True, within=pyo.Reals)
        m.alt_w_cost = pyo.Param(initialize=1.0, mutable=True, within=pyo.Reals)
        self.x = {k: pyo.quicksum(cells[k]) * (years[k[1]] / total) for k in self.cells}
        self.measure = self._measures()
        names = [k for k in MEASURES if self.measure[k] is not None]
        m.alt_K = pyo.Set(initialize=names, ordered=True)
        m.alt_w = pyo.Param(m.alt_K, initialize=0.0, mutable=True, within=pyo.Reals)
        m.alt_cap = pyo.Param(initialize=self.optimum_cost * 10.0, mutable=True, within=pyo.Reals)
        m.alt_budget = pyo.Constraint(expr=m.total_cost + m.cost_unmet <= m.alt_cap)
        # one bound row per front measure, loose until a front sets it
        space = [k for k in self.cells if self.family[k[0]] != "ground"]
        self.bound_expr = {"space_share": pyo.quicksum(self.x[k] for k in space) if space else None,
                           **{k: self.measure[k] for k in ("co2_kg_per_pflop_day", "risk_musd")}}
        rows = [k for k, e in self.bound_expr.items() if e is not None]
        m.alt_B = pyo.Set(initialize=rows, ordered=True)
        loose = {k: -1.0 if k == "space_share" else LOOSE for k in rows}
        m.alt_bound = pyo.Param(m.alt_B, initialize=loose, mutable=True, within=pyo.Reals)
        m.alt_bound_row = pyo.Constraint(m.alt_B, rule=lambda m_, k: self.bound_expr[k] >= m_.alt_bound[k]
                                         if k == "space_share" else self.bound_expr[k] <= m_.alt_bound[k])
        self.loose = loose
        m.obj.deactivate()
        m.alt_obj = pyo.Objective(expr=m.alt_w_cost * m.obj.expr
                                  + pyo.quicksum(m.alt_w_cell[k] * self.x[k] for k in self.cells)
                                  + pyo.quicksum(m.alt_w[k] * self.measure[k] for k in names), sense=pyo.minimize)
        s.ad._uses = None  # the objective changed: the adapter's map of parameter uses is rebuilt at the next update
        s.ad.stale = True  # new rows: one full compile (the model itself is not rebuilt)

    def _measures(self) -> dict[str, Any]:
        """Flights, launched tonnes, CO2 per delivered PFLOP/s-day and the expected PV loss from launch failures,
        as linear expressions (None where the model has no term)."""
        s, c = self.session, self.session.coef
        m, sets = s.pm.m, s.pm.sets
        flights = [m.flights_per_trip[k, y] * m.trips[k, y] for k, y in sets.trips]
        mass = list(m.ship.values())
        co2 = []
        for name, var in (("unit", m.units), ("serviced", m.serviced), ("trip", m.trips), ("open", m.open),
                          ("build", m.build), ("chip", m.chips)):
            per = getattr(c, f"{name}_emissions")
            for idx, v in var.items():
                t = sum(f[2] for f in per(*idx))
                if t:
                    co2.append(t * 1000.0 / self.total_pflop_days * v)
        fail = {k: c.catalog.launch_vehicles[rt.vehicle].failure_rate.v for k, rt in c.routes.items()}
        risk = [fail[k] * m.trip_cost[k, y] * m.trips[k, y] for k, y in sets.trips]
        p_arch = {a: max((fail[k] for k in ks), default=0.0) for a, ks in sets.payload_routes.items()}
        risk += [p_arch.get(a, 0.0) * m.unit_cost[a, d, v] * m.units[a, d, v] for a, d, v in sets.units]
        return {name: pyo.quicksum(terms) if terms else None
                for name, terms in (("flights", flights), ("mass_t", mass), ("co2_kg_per_pflop_day", co2),
                                    ("risk_musd", risk))}

    # -- setting and solving ----------------------------------------------------------------------------
    def set(self, eps: float | None = None, cost: float = 1.0, cells: dict | None = None,
            measures: dict | None = None, bound: tuple[str, float] | None = None) -> None:
        """Set the budget (eps None: none), the objective weights and at most one bound row, in place."""
        m = self.session.pm.m
        changed = []

        def put(comp, idx, x):
            if comp[idx].value != x:
                comp[idx] = x
                changed.append(comp[idx])

        put(m.alt_cap, None, self.optimum_cost * (10.0 if eps is None else 1.0 + eps))
        put(m.alt_w_cost, None, cost)
        cells = cells or {}
        for k in self.cells:
            put(m.alt_w_cell, k, cells.get(k, 0.0))
        for k in m.alt_K:
            put(m.alt_w, k, (measures or {}).get(k, 0.0))
        for k in m.alt_B:
            put(m.alt_bound, k, bound[1] if bound and bound[0] == k else self.loose[k])
        self.session.ad.push_changed(changed)

    def solve(self, label: str, cost: bool = False, relative: float = 1e-9, absolute: float | None = None) -> dict:
        """Solve from a fresh relax-and-fix start of the new objective (the previous plan if none completes);
        returns the plan's row of alternatives.csv (status, cost, shares...). ``cost``: the objective is the cost
        (solved to ``gap``, its space decisions resolved); otherwise a share or a weighted use, solved to the
        ``absolute`` gap (default ``resolution``) or the ``relative`` gap, whichever is reached first."""
        t0 = time.perf_counter()
        gaps = dict(mip_gap=self.gap) if cost else dict(mip_gap=relative, mip_abs_gap=absolute or self.resolution)
        res = self.session.resolve(time_limit_s=self.time_limit_s, **gaps)
        row = {"plan": label, "status": res.status, "mip_gap": res.gap, "solve_s": time.perf_counter() - t0}
        self.solves.append(row)
        if not res.has_solution:
            return row
        sol = read_solution(self.session.pm)
        row.update(self.describe(sol))
        row["solution"] = sol
        return row

    def values(self) -> dict[str, Any]:
        """The loaded solution's X[a,y], its measures and its space share, from the model's expressions."""
        x = {k: float(pyo.value(e)) for k, e in self.x.items()}
        return {"x": x, "space_share": sum(v for k, v in x.items() if self.family[k[0]] != "ground"),
                **{k: float(pyo.value(e)) if e is not None else 0.0 for k, e in self.measure.items()}}

    def describe(self, sol: Solution) -> dict[str, Any]:
        """The loaded plan in the columns of alternatives.csv: cost, shares, flights and emissions from its tables
        (the code of a run's summary), X[a,y] and the launch-failure loss from the model."""
        c = self.session.coef
        tables = build_tables(c, sol)
        money = money_summary(c, sol, tables["costs"])
        mix = mix_summary(c, tables)
        v = self.values()
        m = self.session.pm.m
        out = {"npv_cost_usd": money["npv_cost_usd"], "usd_per_pflop_day": money["usd_per_pflop_day"],
               "cost_over_optimum": float(pyo.value(m.total_cost + m.cost_unmet)) / self.optimum_cost - 1.0,
               **{f"share_{f}": mix["delivered_share_by_family"].get(f, 0.0) for f in FAMILY_ORDER},
               "space_share": mix["space_share"], "flights": mix["launch_flights"],
               "mass_t": float(tables["launches"]["mass_launched_kg"].sum()) / 1000.0 if len(tables["launches"]) else 0.0,
               "co2_kg_per_pflop_day": emissions_summary(c, sol)["co2_kg_per_pflop_day"],
               "risk_musd": v["risk_musd"],
               "sites_opened": " ".join(sorted({site for (site, y), x in sol.open.items() if x > 0.5})),
               "architectures": " ".join(sorted({a for (a, y), x in v["x"].items() if x > 1e-6})),
               "distance": distance(v["x"], self.values0["x"]), "x": v["x"], "tables": tables}
        return out


def distance(x: dict, y: dict) -> float:
    """Share of the delivered FLOP that one plan serves elsewhere (another architecture or year) than the other:
    half the L1 distance of their X[a,y], 0 (the same) to 1 (nothing in common)."""
    return 0.5 * sum(abs(x.get(k, 0.0) - y.get(k, 0.0)) for k in set(x) | set(y))


# ------------------------------------------------------------------------------------------------ searches


def directed(no: NearOptimal, eps_list=EPS_DEFAULT) -> list[dict]:
    """Minimise, then maximise, each family's share, the flights and the launched mass, within each budget."""
    families = [f for f in FAMILY_ORDER if any(no.family[a] == f for a, _ in no.cells)]
    goals = [(f"share_{f}", {k: 1.0 for k in no.cells if no.family[k[0]] == f}, {}) for f in families]
    goals += [(k, {}, {k: 1.0 / max(1.0, no.values0[k])}) for k in ("flights", "mass_t")
              if no.measure[k] is not None]
    rows = []
    for eps in eps_list:
        for name, cells, measures in goals:
            for sense, sign in (("min", 1.0), ("max", -1.0)):
                label = f"{sense} {name} @{eps:g}"
                progress.step(f"alternatives: {label}")
                no.set(eps, cost=COST_TIE / no.optimum_cost, cells={k: sign * w for k, w in cells.items()},
                       measures={k: sign * w for k, w in measures.items()})
                row = no.solve(label, relative=no.plan_gap)
                row.update(kind="directed", eps=eps, objective=f"{sense} {name}")
                rows.append(row)
    return rows


def spread(no: NearOptimal, n: int = SPREAD_N, eps: float = SPREAD_EPS, start: list[dict] | None = None) -> list[dict]:
    """SPORES: each plan minimises the weighted use of what the earlier plans used (relative deployment)."""
    weights: dict = defaultdict(float)

    def add(x: dict) -> None:
        top = max(x.values(), default=0.0)
        if top > 0:
            for k, v in x.items():
                weights[k] += v / top

    add(no.values0["x"])
    for r in start or []:
        if "x" in r:
            add(r["x"])
    rows = []
    for i in range(n):
        label = f"spread {i + 1} @{eps:g}"
        progress.step(f"alternatives: {label}")
        w = dict(weights)
        no.set(eps, cost=COST_TIE / no.optimum_cost, cells=w)
        row = no.solve(label, relative=no.plan_gap)
        row.update(kind="spread", eps=eps, objective="least use of what earlier plans used")
        if "solution" not in row:
            rows.append(row)
            break
        row["weights"] = w
        rows.append(row)
        add(row["x"])
    return rows


def front(no: NearOptimal, objective: str, points: int = 10) -> list[dict]:
    """The epsilon-constraint front of cost against one measure: its two ends are the cost optimum and the
    measure's own optimum (cost its tie-break, so the least cost at it; solved to ``end_resolution``); the points
    between bound the measure at even steps and take the least cost within the bound."""
    column, sense = FRONTS[objective]
    if column not in no.session.pm.m.alt_B:
        raise InputError(problem("--objectives", "objectives", f"{objective}: this scenario's model has no term for it"))
    sign = -1.0 if sense == "max" else 1.0
    # the measure's own optimum (cost as a tie-break), whose value bounds the last point: the least cost at it
    progress.step(f"front {objective}: the measure's own optimum")
    if column == "space_share":
        no.set(None, cost=COST_TIE / no.optimum_cost, cells={k: sign for k in no.cells if no.family[k[0]] != "ground"})
    else:
        no.set(None, cost=COST_TIE / no.optimum_cost, measures={column: sign / max(1e-9, abs(no.values0[column]))})
    end = no.solve(f"{objective} {points - 1}", absolute=no.end_resolution)
    if "solution" not in end:
        return [end]
    start_value, end_value = no.values0[column], no.values()[column]
    rows = [dict(no.optimum, plan=f"{objective} 0", bound=None), dict(end, bound=None)]
    # from the measure's end back to the optimum: each point's bound is looser than the one before, so the plan
    # before is a feasible start
    for i in range(points - 2, 0, -1):
        target = start_value + (end_value - start_value) * i / (points - 1)
        progress.step(f"front {objective}: point {i} of {points - 1} ({column} {'>=' if sign < 0 else '<='} "
                      f"{target:.4g})")
        no.set(None, cost=1.0, bound=(column, target))
        row = no.solve(f"{objective} {i}", cost=True)
        row["bound"] = target
        rows.insert(1, row)
    for r in rows:
        r.update(kind="front", front=objective, measure=column, eps=None, objective=f"least cost at {column}")
    return rows


def realtime_workload(rs: ResolvedScenario) -> str:
    """The workload the latency front is about: the one with the tightest round-trip limit."""
    wl = rs.scenario.workloads
    return min(wl, key=lambda w: (wl[w].latency_limit_ms, w))


def latency_levels(rtt_ms: dict[str, float], limit_ms: float, points: int) -> list[float]:
    """The front's round-trip bounds (ms): every architecture's round trip (the cost can change only there) and the
    scenario's own limit; at most ``points`` of them evenly spread, with both ends and the limit kept."""
    levels = sorted({round(x, 3) for x in rtt_ms.values()} | {float(limit_ms)})
    if len(levels) <= points:
        return levels
    n, limit = len(levels), levels.index(float(limit_ms))
    keep = {round(i * (n - 1) / (points - 1)) for i in range(points)}
    if limit not in keep:  # the limit takes the place of the nearest inner point
        keep.discard(min(keep - {0, n - 1}, key=lambda i: abs(i - limit), default=-1))
        keep.add(limit)
    return [levels[i] for i in sorted(keep)]


def latency_front(no: NearOptimal, w: str, limit_ms: float, points: int = 10) -> list[dict]:
    """Cost against the round trip the workload ``w`` allows: at each bound, the least-cost plan in which only
    architectures within it serve ``w``. From the loosest bound (the cost optimum, every architecture allowed) to
    the tightest (the least round trip, at least cost); each point starts from a relax-and-fix start of its own
    bounds (``Session.resolve``)."""
    s = no.session
    m, c = s.pm.m, s.coef
    users = c.scenario.workloads[w].users
    cols = defaultdict(list)
    for ww, a, g, y in s.pm.sets.serve:
        if ww == w:
            cols[a].append(m.serve[ww, a, g, y])
    rtt = {a: c.archs[a]["rtt_ms"][users] for a in cols}
    levels = latency_levels(rtt, limit_ms, points)
    rows = []
    for i, bound in enumerate(reversed(levels)):
        changed = []
        for a, vs in cols.items():
            ub = 0.0 if rtt[a] > bound + 1e-3 else None  # levels are rounded to 1e-3 ms
            for v in vs:
                if v.ub != ub:
                    v.setub(ub)
                    changed.append(v)
        s.ad.push_variables(changed)
        label = f"latency {bound:g} ms"
        progress.step(f"front latency: {label} ({i + 1} of {len(levels)})")
        if i == 0:  # every architecture allowed: the cost optimum itself
            row = dict(no.optimum, plan=label)
        else:
            no.set(None, cost=1.0)
            row = no.solve(label, cost=True)
        row.update(kind="front", front="latency", measure="latency_ms", eps=None, bound=bound, latency_ms=bound,
                   objective=f"least cost with {w} served within {bound:g} ms",
                   scenario_limit=bool(abs(bound - limit_ms) < 1e-9))
        rows.append(row)
        if "solution" not in row:
            break  # no plan within this round trip: none within a tighter one either
    return rows


# ---------------------------------------------------------------------------------------------- run folder


def run_scenario(run_dir: str | Path, overrides: dict | None = None) -> ResolvedScenario:
    """The scenario of a solved run folder (with ``overrides``); a folder that is not one is bad input."""
    d = Path(run_dir)
    path = d / "scenario.resolved.yaml"
    if not d.is_dir():
        raise InputError(problem(str(d), "(run folder)", "no such folder"))
    if not path.is_file() or not (d / "summary.json").is_file():
        raise InputError(problem(str(d), "scenario.resolved.yaml",
                                 "not a run folder with a model (write one with planner run)"))
    try:
        status = json.loads((d / "summary.json").read_text()).get("status")
    except ValueError as exc:
        raise InputError(problem(str(d / "summary.json"), "(file)", f"unreadable ({exc})")) from None
    if status not in ("optimal", "time_limit"):
        raise InputError(problem(str(d / "summary.json"), "status", f"the run has no plan ({status})"))
    return load_scenario(path, overrides)


def session_of(run_dir: str | Path, gap: float = GAP, time_limit_s: float | None = None,
               threads: int | None = None, overrides: dict | None = None) -> NearOptimal:
    """The run folder's scenario (with ``overrides``) rebuilt once (the project's builder) and solved to ``gap``."""
    rs = run_scenario(run_dir, overrides)
    progress.step(f"rebuilding the model of {rs.name} from {rs.path} and solving it to a {gap:g} gap")
    return NearOptimal(Session(rs, time_limit_s=time_limit_s, mip_gap=gap, threads=threads), gap,
                       PLAN_TIME_LIMIT_S if time_limit_s is None else time_limit_s)


ROW_COLUMNS = list(NEAR_OPTIMAL["alternatives/alternatives.csv"][1])


def frame(rows: list[dict], extra: tuple[str, ...] = ()) -> pd.DataFrame:
    return pd.DataFrame([{k: r.get(k) for k in (*ROW_COLUMNS, *extra)} for r in rows],
                        columns=[*ROW_COLUMNS, *extra])


def robust(rows: list[dict]) -> pd.DataFrame:
    """What every near-optimal plan with a solution agrees on, per budget: each architecture used by all, by
    none, or by some (with its range of share of delivered FLOP), and each site opened by all, none or some."""
    out = []
    plans = [r for r in rows if "solution" in r and r.get("kind") in ("optimum", "directed", "spread")]
    for eps in sorted({r["eps"] for r in plans if r["eps"]}):
        within = [r for r in plans if r["kind"] == "optimum" or r["eps"] <= eps + 1e-12]
        archs = sorted({a for r in within for a in _arch_shares(r)})
        for a in archs:
            shares = [_arch_shares(r).get(a, 0.0) for r in within]
            out.append({"eps": eps, "decision": f"serve from {a}", "plans": len(within),
                        "agreement": _agreement([s > 1e-6 for s in shares]),
                        "low": min(shares), "high": max(shares)})
        sites = sorted({s for r in within for s in str(r.get("sites_opened") or "").split()})
        for site in sites:
            opened = [site in str(r.get("sites_opened") or "").split() for r in within]
            out.append({"eps": eps, "decision": f"open {site}", "plans": len(within),
                        "agreement": _agreement(opened), "low": float(min(opened)), "high": float(max(opened))})
    return pd.DataFrame(out, columns=list(NEAR_OPTIMAL["alternatives/robust.csv"][1]))


def _arch_shares(row: dict) -> dict[str, float]:
    fleet = row["tables"]["fleet"]
    by = fleet.groupby("architecture")["delivered_flop"].sum()
    total = float(by.sum())
    return {a: float(x) / total for a, x in by.items() if total > 0}


def _agreement(flags: list[bool]) -> str:
    return "all" if all(flags) else "none" if not any(flags) else "some"


def write_folder(out: Path, kind: str, files: dict[str, Any], run_dir: Path) -> Path:
    """Write a folder of outputs atomically (``planner/outdir.py``: only a folder of this kind the planner wrote is
    replaced; anything else is refused, exit 2, untouched). Its marker names the scenario of the run it was made
    from, so that a report of the run solved again with other numbers leaves it out (``planner/report``)."""

    def write(tmp: Path) -> None:
        for rel, content in files.items():
            p = tmp / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, pd.DataFrame):
                content.to_csv(p, index=False)
            else:
                p.write_text(content)

    summary = json.loads((Path(run_dir) / "summary.json").read_text())
    return outdir.replace(out, kind, write, "--out", {"run_scenario_sha256": summary.get("scenario_sha256")})


def plan_files(rows: list[dict]) -> dict[str, pd.DataFrame]:
    """Each plan's tables, in the schema of a run: plans/<plan>/tables/<name>.csv."""
    files = {}
    for r in rows:
        if "tables" in r:
            slug = r["plan"].replace(" ", "_").replace("@", "eps")
            for name, df in r["tables"].items():
                files[f"plans/{slug}/tables/{name}.csv"] = df
    return files


def check_eps(values, option: str = "--eps") -> list[float]:
    out = []
    for x in values:
        if not (isinstance(x, (int, float)) and math.isfinite(x) and x >= 0):
            raise InputError(problem(option, option.lstrip("-"), f"must be a fraction >= 0 (0.05 is 5%), got {x}"))
        out.append(float(x))
    return out


def check_objectives(text: str) -> str:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) != 2 or parts[0] != "cost" or parts[1] not in FRONTS:
        raise InputError(problem("--objectives", "objectives",
                                 f"expected cost,<one of {', '.join(FRONTS)}>, got {text!r}"))
    return parts[1]


# ------------------------------------------------------------------------------------------------ commands


def run_alternatives(run_dir: str | Path, eps: tuple[float, ...] = EPS_DEFAULT, n: int = SPREAD_N,
                     spread_eps: float = SPREAD_EPS, out: str | Path | None = None, gap: float = GAP,
                     time_limit_s: float | None = None, threads: int | None = None,
                     no: NearOptimal | None = None) -> tuple[Path, pd.DataFrame]:
    """``planner alternatives``: directed plans at each budget, ``n`` spread-out plans at ``spread_eps``; writes
    alternatives.csv (one row a plan), robust.csv (what they all agree on) and plans/<plan>/tables/."""
    eps = tuple(check_eps(eps))
    (spread_eps,) = check_eps([spread_eps], "--spread-eps")
    if n < 0:
        raise InputError(problem("--n", "n", f"must be >= 0, got {n}"))
    target = outdir.check(Path(out) if out else Path(run_dir) / "alternatives", "alternatives", "--out")
    no = no or session_of(run_dir, gap, time_limit_s, threads)
    t0 = time.perf_counter()
    rows = [no.optimum] + directed(no, eps)
    rows += spread(no, n, spread_eps, start=[r for r in rows if r.get("eps") == spread_eps])
    table = frame(rows)
    progress.step(f"alternatives: {len(rows) - 1} plans in {time.perf_counter() - t0:.1f} s; writing {target}")
    return write_folder(target, "alternatives", {"alternatives.csv": table, "robust.csv": robust(rows),
                                                 **plan_files(rows)}, run_dir), table


def run_pareto(run_dir: str | Path, objectives: str = "cost,space_share", points: int = 10,
               out: str | Path | None = None, gap: float = GAP, time_limit_s: float | None = None,
               threads: int | None = None, no: NearOptimal | None = None) -> tuple[Path, pd.DataFrame]:
    """``planner pareto``: the front of cost against one measure; writes front.csv and plans/<point>/tables/."""
    objective = check_objectives(objectives)
    if not 3 <= points <= 50:
        raise InputError(problem("--points", "points", f"must be between 3 and 50, got {points}"))
    target = outdir.check(Path(out) if out else Path(run_dir) / "pareto" / objective, "pareto", "--out")
    if objective == "latency":  # its own model: every architecture may serve the real-time workload
        rs = run_scenario(run_dir) if no is None else no.session.rs
        w = realtime_workload(rs)
        limit = rs.scenario.workloads[w].latency_limit_ms
        no = session_of(run_dir, gap, time_limit_s, threads, {f"workloads.{w}.latency_limit_ms": LOOSEST_MS})
        rows = latency_front(no, w, limit, points)
    else:
        no = no or session_of(run_dir, gap, time_limit_s, threads)
        rows = front(no, objective, points)
    table = frame(rows, ("front", "measure", "bound", "latency_ms", "scenario_limit"))
    return write_folder(target, "pareto", {"front.csv": table, **plan_files(rows)}, run_dir), table
