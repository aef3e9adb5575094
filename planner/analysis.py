"""What a plan's report explains by re-solving: decisive assumptions, break-even launch price, the value of one
more integer decision, near-optimal alternatives. Each returns a table written to ``analysis/`` in the run folder,
so that ``planner report`` re-renders without solving.
"""

from __future__ import annotations

import math
import time
from typing import Any

import pandas as pd

from planner import progress
from planner.results.attribution import cost_drivers
from planner.results.plan import Solution
from planner.sensitivity import group_moves, space_archs, space_share, solved_measures, unit_ratios, \
    what_must_be_true
from planner.session import Session

# values that always get a sensitivity re-solve: they decide space against ground
ALWAYS = ("launch_vehicles.starship.price_musd_per_flight", "launch_vehicles.starship.cadence_flights_per_yr")
MEASURES = ("usd_per_pflop_day", "space_share", "ratio_window", "ratio_last")
GROUND_DRIVERS = {"accelerators": "accelerators.{g}.price_usd", "energy": "ground_regions.{r}.energy_usd_per_kwh",
                  "facility": "ground_regions.{r}.facility_capex_musd_per_mw",
                  "replacements": "ground_regions.{r}.accelerator_failure_rate"}


def _ranged(q) -> bool:
    return q is not None and (q.low is not None or q.high is not None)


def _candidates(session: Session, sol: Solution, k: int, k_ratio: int) -> list[tuple[str, float]]:
    """Catalog values with a low/high range to re-solve at both ends, chosen by two screens, not by cost alone.

    By cost: a value that prices a cost item moves the plan's cost by (PV of the item) x (end / value - 1); the k
    largest. By space against ground: the first-order change of the cheapest space unit's cost per FLOP over the
    ground's (``_ratio_screen``); the k_ratio largest. Starship's price and cadence (``ALWAYS``) always.
    """
    drivers = cost_drivers(session.coef, sol)
    quantities = dict(session.coef.catalog.quantities())
    score: dict[str, float] = {}
    y0 = session.rs.scenario.horizon.first_year
    for _, row in drivers.iterrows():
        q = quantities.get(row["driver"])
        if not _ranged(q):
            continue
        first = [abs(row["pv_usd"] * (q.at(y0, end) / q.at(y0) - 1.0)) for end in ("low", "high") if q.at(y0)]
        score[row["driver"]] = score.get(row["driver"], 0.0) + max(first, default=0.0)
    chosen = dict(sorted(score.items(), key=lambda kv: -kv[1])[:k])
    ratio = _ratio_screen(session.coef)
    for path, _ in sorted(ratio.items(), key=lambda kv: -kv[1])[:k_ratio]:
        chosen.setdefault(path, score.get(path, 0.0))
    for path in ALWAYS:
        if _ranged(quantities.get(path)):
            chosen.setdefault(path, score.get(path, 0.0))
    return list(chosen.items())


def _ratio_screen(c) -> dict[str, float]:
    """First-order change of the space-to-ground unit-cost ratio, per catalog value, summed over the window year
    and the last build year: each value moves the part of the unit's cost per FLOP it prices (space part by its share
    of the space unit, ground part by its share of the ground unit: a value that prices both, an accelerator,
    moves the ratio by the difference); a payload moves the launch part by value / end - 1."""
    from planner.results.attribution import UNIT_DRIVERS
    from planner.results.vintage import vintage_tables
    from planner.sensitivity import earth_workload

    quantities = dict(c.catalog.quantities())
    v, parts = vintage_tables(c, [earth_workload(c)])
    space = v[(v["family"] != "ground") & v["space_to_ground"].notna()]
    if space.empty:
        return {}
    first = c.scenario.horizon.first_year
    picks = [space[space["vintage"] <= first + 2], space[space["vintage"] == space["vintage"].max()]]
    score: dict[str, float] = {}
    for pick in picks:
        if pick.empty:
            continue
        best = pick.loc[pick["space_to_ground"].idxmin()]
        year = int(best["vintage"])
        unit = parts[(parts["vintage"] == year) & (parts["family"] == best["family"])]
        ground = parts[(parts["vintage"] == year) & (parts["family"] == "ground")]
        if unit.empty or ground.empty:
            continue
        a, key = best["architecture"], best["design"]
        route = c.cheapest_route(a, key, year)
        names = {"g": c.designs[(a, key)].accelerator, "p": c.archs[a]["platform"],
                 "v": c.routes[route].vehicle if route else ""}
        g_row = ground.iloc[0]
        g_names = {"g": g_row["design"], "r": g_row["architecture"].split("@")[-1]}
        weights: dict[str, float] = {}
        for _, r in unit.iterrows():
            if r["part"] in UNIT_DRIVERS:
                path = UNIT_DRIVERS[r["part"]].format(**names)
                weights[path] = weights.get(path, 0.0) + r["usd_per_pflop_day"] / unit["usd_per_pflop_day"].sum()
        for _, r in ground.iterrows():
            if r["part"] in GROUND_DRIVERS:
                path = GROUND_DRIVERS[r["part"]].format(**g_names)
                weights[path] = weights.get(path, 0.0) - r["usd_per_pflop_day"] / ground["usd_per_pflop_day"].sum()
        launch = unit.loc[unit["part"] == "launch", "usd_per_pflop_day"].sum() / unit["usd_per_pflop_day"].sum()
        for path, w in list(weights.items()) + [(f"launch_vehicles.{names['v']}.payload_leo_t", None)]:
            q = quantities.get(path)
            if not _ranged(q) or not q.at(year):
                continue
            moves = [(w * (q.at(year, end) / q.at(year) - 1.0) if w is not None else
                      launch * (q.at(year) / q.at(year, end) - 1.0)) for end in ("low", "high") if q.at(year, end)]
            score[path] = score.get(path, 0.0) + max((abs(x) for x in moves), default=0.0)
    return score


def decisive_assumptions(session: Session, sol: Solution, base: dict[str, Any], k: int = 8, k_ratio: int = 4,
                         gap: float | None = 0.01, base_row: dict[str, Any] | None = None) -> pd.DataFrame:
    """One-at-a-time re-solves at each candidate's catalog low and high value, judged by three measures: the plan's
    cost per FLOP, space's share of delivered FLOP and the space-to-ground unit-cost ratio (window, last year)."""
    quantities = dict(session.coef.catalog.quantities())
    base_row = base_row or base_measures(session, sol, base)
    base_archs = space_archs(sol)
    rows = []
    candidates = _candidates(session, sol, k, k_ratio)
    for i, (path, first_order) in enumerate(candidates, 1):
        q = quantities[path]
        row: dict[str, Any] = {"path": path, "unit": q.unit, "confidence": q.confidence, "source": q.source,
                               "groups": ", ".join(q.groups), "space_end": q.space_end or "",
                               "first_order_usd": first_order}
        for end in ("low", "high"):
            progress.step(f"decisive assumptions {i}/{len(candidates)}: {path} at its {end} value")
            how = session.apply({f"catalog.{path}": q.pick(end)})  # the resolved range (the scenario's own)
            out = solved_measures(session, gap, base["usd_per_pflop_day"])
            row[f"{end}_value"] = q.pick(end) if not isinstance(q.pick(end), dict) else str(q.pick(end))
            for name in ("usd_per_pflop_day", "change", "space_share", "ratio_window", "ratio_last",
                         "space_architectures", "seconds", "resolved"):
                row[f"{end}_{name}"] = out.get(name, math.nan)
            if out["status"] in ("optimal", "time_limit") and math.isfinite(out["usd_per_pflop_day"]):
                row[f"{end}_decision_changes"] = out["space_architectures"].split(", ") != base_archs \
                    if out["space_architectures"] else bool(base_archs)
            else:
                row[f"{end}_status"] = out["status"]
            row[f"{end}_model"] = how
        row["value"] = q.pick("value") if not isinstance(q.value, dict) else str(q.value)
        for name in ("space_share", "ratio_window", "ratio_last"):
            row[f"base_{name}"] = base_row[name]
        row["swing"] = _swing(row, "change", 0.0)
        row["share_swing"] = _swing(row, "space_share", base_row["space_share"])
        row["ratio_swing"] = _swing(row, "ratio_window", base_row["ratio_window"]) \
            + _swing(row, "ratio_last", base_row["ratio_last"])
        rows.append(row)
    session.apply({})
    df = pd.DataFrame(rows)
    if not len(df):
        return df
    for name, col in (("cost", "swing"), ("share", "share_swing"), ("ratio", "ratio_swing")):
        # ties (e.g. values that leave space's share where it is) share a rank: round off the solver's noise
        df[f"rank_{name}"] = df[col].round(6).rank(ascending=False, method="min").astype(int)
    return df.sort_values("swing", ascending=False).reset_index(drop=True)


def _swing(row: dict, name: str, base: float) -> float:
    """|low - base| + |high - base| of a measure (a missing end counts nothing)."""
    out = 0.0
    for end in ("low", "high"):
        x = row.get(f"{end}_{name}")
        if x is not None and isinstance(x, float) and math.isfinite(x) and base is not None and math.isfinite(base):
            out += abs(x - base)
    return out


def base_measures(session: Session, sol: Solution, base: dict[str, Any]) -> dict[str, Any]:
    """The three measures of the plan itself (no re-solve)."""
    return {"status": "base", "usd_per_pflop_day": base["usd_per_pflop_day"], "change": 0.0,
            "space_share": space_share(sol, session.coef), "space_architectures": ", ".join(space_archs(sol)),
            **unit_ratios(session.coef)}


def break_even(session: Session, base_theta: float, factors=(0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 3.0),
               gap: float = 0.01) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Cost per FLOP of the Earth-servable demand against a multiplier on every launch price, with and without
    space. Savings (ground-only cost minus plan cost) fall as launches get dearer; break-even is where they end.
    """
    bounds, params = session.servable_changes()
    m = session.pm.m
    with session.changed(bounds + session.space_closed_bounds(), params + [(m.lam, None, 0.0)], base_theta):
        ground = session.summarise(session.ad.solve(mip_gap=gap), base_theta)
    base_factor = session.base_rs.scenario.trajectories.launch_price_factor
    rows = []
    for i, f in enumerate(factors, 1):
        progress.step(f"break-even {i}/{len(factors)}: launch prices x {f:g}")
        session.apply({"trajectories.launch_price_factor": base_factor * f})
        bounds, params = session.servable_changes()
        with session.changed(bounds, params + [(session.pm.m.lam, None, 0.0)], base_theta):
            out = session.summarise(session.resolve(mip_gap=gap), base_theta)
        sol = out.get("solution")
        rows.append({"launch_price_factor": f, "status": out["status"],
                     "usd_per_pflop_day": out.get("usd_per_pflop_day", math.nan),
                     "ground_usd_per_pflop_day": ground.get("usd_per_pflop_day", math.nan),
                     "npv_cost_usd": out.get("npv_cost_usd", math.nan),
                     "ground_npv_cost_usd": ground.get("npv_cost_usd", math.nan),
                     "savings_usd": ground.get("npv_cost_usd", math.nan) - out.get("npv_cost_usd", math.nan),
                     "space_share": space_share(sol, session.coef) if sol else math.nan,
                     "mip_gap": out.get("mip_gap"), "ground_mip_gap": ground.get("mip_gap")})
    session.apply({})
    df = pd.DataFrame(rows)
    df["tolerance_usd"] = savings_tolerance(df, gap)
    return df, break_even_point(df, gap, session)


def savings_tolerance(df: pd.DataFrame, gap: float) -> pd.Series:
    """The saving below which a row's two re-solves cannot tell space from ground, USD: each objective is proven
    within its MIP gap of its optimum (the gap asked for where the solver reports none)."""
    def within(col: str, npv: str) -> pd.Series:
        return pd.to_numeric(df[col], errors="coerce").fillna(gap).clip(lower=0.0) * df[npv].abs()

    return within("mip_gap", "npv_cost_usd") + within("ground_mip_gap", "ground_npv_cost_usd")


def break_even_point(df: pd.DataFrame, gap: float, session: Session | None = None) -> dict[str, Any]:
    """The largest launch-price multiplier at which space saves more than its re-solves can tell apart."""
    tol = savings_tolerance(df, gap)
    saving = df[df["savings_usd"] > tol]
    info: dict[str, Any] = {"tolerance_usd": float(tol.max()) if len(tol) else 0.0, "asked_gap": gap}
    if saving.empty:
        info.update(factor=None, meaning="space does not save money at any tested launch price "
                                         f"(down to {df['launch_price_factor'].min():g}x the scenario's prices)")
    else:
        f_save = float(saving["launch_price_factor"].max())
        above = df[df["launch_price_factor"] > f_save]
        f_next = float(above["launch_price_factor"].min()) if len(above) else None
        info.update(factor=f_save, next_factor=f_next,
                    meaning=(f"space saves money up to {f_save:g}x the scenario's launch prices"
                             + (f" and not at {f_next:g}x" if f_next else " (the highest price tested)")))
    if session is not None and info.get("factor") is not None:
        s, cat = session.base_rs.scenario, session.coef.catalog
        v = "starship" if "starship" in cat.launch_vehicles else next(iter(cat.launch_vehicles))
        lv = cat.launch_vehicles[v]
        info["vehicle"] = v
        info["usd_per_kg_by_year"] = {y: lv.price_musd_per_flight.at(y) * s.trajectories.launch_price_factor
                                      * info["factor"] * 1e6 / (lv.payload_leo_t.at(y) * 1000.0)
                                      for y in s.horizon.years}
    return info


def marginal_values(session: Session, sol: Solution, top: int = 3) -> pd.DataFrame:
    """The value of one more (or one fewer) unit of the plan's main space designs, and of one more flight where
    the cadence binds: a re-solve with that decision changed by one and the other unit decisions held (the
    trips and continuous decisions re-optimised), labelled so."""
    m = session.pm.m
    held_units = [(m.units[u], n, n) for u, n in ((u, sol.units.get(u, 0.0)) for u in session.pm.sets.units)]
    held_open = [(m.open[o], sol.open.get(o, 0.0), sol.open.get(o, 0.0)) for o in session.pm.sets.openings]
    with session.changed(held_units + held_open):  # the plan itself under the same re-solve
        res = session.ad.solve()
        base_cost = float(m.total_cost()) if res.has_solution else math.nan
    rows = []
    main = sorted(((n, u) for u, n in sol.units.items()), reverse=True)[:top]
    for n, (a, d, v) in main:
        for delta in (+1, -1):
            if n + delta < 0:
                continue
            bounds = [b if b[0] is not m.units[a, d, v] else (b[0], n + delta, n + delta) for b in held_units]
            with session.changed(bounds + held_open):
                res = session.ad.solve()
                cost = float(m.total_cost()) if res.has_solution else math.nan
            rows.append({"decision": f"{'one more' if delta > 0 else 'one fewer'} {a} unit ({d}) in {v}",
                         "kind": "unit", "change_usd": (cost - base_cost) * 1e6,
                         "status": res.status, "method": "re-solve, other unit decisions held"})
    flights = {}
    for (k, y), n in sol.trips.items():
        rt = session.coef.routes[k]
        flights[(rt.vehicle, y)] = flights.get((rt.vehicle, y), 0.0) + n * rt.flights_in(y)
    cadence = [key for key, f in sorted(flights.items()) if key in m.cadence and f >= m.cadence[key].value - 0.5]
    if cadence:
        res = session.resolve()
        base_full = float(m.total_cost()) if res.has_solution else math.nan
    for v, y in cadence[:top]:
        with session.changed(params=[(m.cadence, (v, y), m.cadence[v, y].value + 1)]):
            res = session.resolve()
            cost = float(m.total_cost()) - base_full + base_cost if res.has_solution else math.nan
        rows.append({"decision": f"one more {v} flight in {y}", "kind": "flight",
                     "change_usd": (cost - base_cost) * 1e6, "status": res.status,
                     "method": "re-solve of the whole plan with the cadence cap raised by one"})
    return pd.DataFrame(rows, columns=["decision", "kind", "change_usd", "status", "method"])


def alternatives(session: Session, sol: Solution, base: dict[str, Any], top: int = 2,
                 gap: float | None = None) -> pd.DataFrame:
    """Near-optimal alternatives: the best plan without each of the plan's main space architectures."""
    m, c = session.pm.m, session.coef
    delivered: dict[str, float] = {}
    for (w, a, g, y), x in sol.serve.items():
        if c.archs[a]["kind"] == "space":
            delivered[a] = delivered.get(a, 0.0) + x
    rows = []
    for a, _ in sorted(delivered.items(), key=lambda kv: -kv[1])[:top]:
        bounds = [(m.units[u], 0.0, 0.0) for u in session.pm.sets.units if u[0] == a]
        with session.changed(bounds):
            res = session.resolve(mip_gap=gap)
            out = session.summarise(res)
        s = out.get("solution")
        rows.append({"without": a, "status": out["status"],
                     "usd_per_pflop_day": out.get("usd_per_pflop_day", math.nan),
                     "change": out.get("usd_per_pflop_day", math.nan) / base["usd_per_pflop_day"] - 1.0,
                     "space_architectures": ", ".join(space_archs(s)) if s else ""})
    return pd.DataFrame(rows, columns=["without", "status", "usd_per_pflop_day", "change", "space_architectures"])



def analyse(session: Session, sol: Solution, base: dict[str, Any], depth: str = "full") -> tuple[dict, dict]:
    """Every analysis at the given depth ('full' or 'quick'): tables for analysis/ and a summary."""
    full = depth == "full"
    k, k_ratio, factors = (8, 4, (0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 3.0)) if full else \
        (3, 2, (0.05, 0.2, 0.5, 1.0, 2.0))
    tables: dict[str, pd.DataFrame] = {}
    timings: dict[str, float] = {}

    def timed(name, fn):
        progress.step(f"analysis ({depth}): {name.replace('_', ' ')}")
        t0 = time.perf_counter()
        out = fn()
        timings[name] = round(time.perf_counter() - t0, 3)
        return out

    drivers = cost_drivers(session.coef, sol)
    tables["cost_drivers"] = drivers
    tables["marginal_values"] = timed("marginal_values", lambda: marginal_values(session, sol))
    tables["alternatives"] = timed("alternatives", lambda: alternatives(session, sol, base))
    be, info = timed("break_even", lambda: break_even(session, sol.theta, factors))
    tables["break_even"] = be
    # space's share means something only where the re-solves resolve the space decisions: the session's own gap
    base_row = base_measures(session, sol, base)
    tables["decisive_assumptions"] = timed("decisive_assumptions", lambda: decisive_assumptions(
        session, sol, base, k, k_ratio, gap=None, base_row=base_row))
    if full:  # the group moves and their bisections re-solve most: only at full depth
        tables["groups"] = timed("groups", lambda: group_moves(session, base))
        tables["what_must_be_true"] = timed("what_must_be_true", lambda: what_must_be_true(
            session, base_row, tables["groups"]))
    share = float(drivers.loc[drivers["confidence"] == "our assumption", "pv_usd"].sum() / drivers["pv_usd"].sum()) \
        if len(drivers) and drivers["pv_usd"].sum() else 0.0
    da = tables["decisive_assumptions"]
    summary = {"depth": depth, "assumption_cost_share": share, "break_even": info,
               "decisive_assumptions": list(da["path"][:3]) if len(da) else [], "timings_s": timings,
               "base_measures": {k_: v for k_, v in base_row.items() if k_ != "status"},
               "rebuilds": session.rebuilds}
    return tables, summary
