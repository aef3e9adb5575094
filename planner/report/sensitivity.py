"""Report sections on space against ground: group moves, what must be true, one value at a time by three measures,
and the worlds' verdicts side by side (``planner compare``). Built from a run folder's analysis/ tables only."""

from __future__ import annotations

import math

import pandas as pd

from planner.report.model import (Run, Section, UNIT, main_workload, path_label, pct, per_pflop_day, signed_pct)

GROUP_WORDS = {"space_hardware": "space hardware", "launch": "launch", "ground_supply": "ground supply",
               "accelerators": "accelerators", "demand": "demand", "space_hardware+launch": "space hardware + launch"}
TITLE = "12. What must be true for space"


def _ok(x) -> bool:
    return x is not None and isinstance(x, (int, float)) and math.isfinite(x)


def ratio(x) -> str:
    return f"{x:.2f}x" if _ok(x) else "n/a"


def _years(run: Run) -> tuple[int, int]:
    h = run.scenario["horizon"]
    return h["first_year"] + 2, h["last_year"]


def base_measures(run: Run) -> dict:
    return ((run.summary.get("analysis") or {}).get("base_measures")) or {}


def measures_sentence(run: Run) -> str:
    b = base_measures(run)
    if not b:
        return ""
    window, last = _years(run)
    return (f"In this plan space carries {pct(b.get('space_share'))} of the delivered FLOP; the cheapest space unit "
            f"built by {window} costs {ratio(b.get('ratio_window'))} as much per FLOP as a ground campus, one built in "
            f"{b.get('last_build_year', last)} {ratio(b.get('ratio_last'))} (below 1: cheaper than the ground).")


def summary_bullets(run: Run) -> list[str]:
    """Page-1 lines: the group moves that take space furthest, and what must be true."""
    g = run.a("groups")
    out = []
    if len(g):
        sp = g[g["end"] == "space"].dropna(subset=["space_share"])
        if len(sp):
            parts = [f"{GROUP_WORDS.get(r['group'], r['group'])} {pct(r['space_share'])}"
                     + (f" at {signed_pct(r['change'])} cost" if _ok(r.get("change")) else "")
                     for _, r in sp.sort_values("space_share", ascending=False).iterrows()]
            out.append(f"Space's share of delivered FLOP with each group of assumptions at its end favouring space "
                       f"(all values together; base {pct(base_measures(run).get('space_share'))}): "
                       + "; ".join(parts) + " (section 12).")
    w = run.a("what_must_be_true")
    if len(w):
        reach = w[(w["target"] == "space share 10%") & w["reachable"].astype(bool)]
        never = w[(w["target"] == "space share 10%") & ~w["reachable"].astype(bool)]
        words = [f"{GROUP_WORDS.get(r['group'], r['group'])} {pct(r['t'], 0)} of the way" for _, r in reach.iterrows()]
        text = "What must be true for space to carry 10% of the FLOP: " + (
            "; ".join(words) if words else "no single group gets there within the catalog ranges")
        if len(never) and words:
            text += "; not reachable by " + ", ".join(GROUP_WORDS.get(x, x) for x in never["group"])
        out.append(text + " (section 12).")
    return out


def _group_table(run: Run, g: pd.DataFrame) -> pd.DataFrame:
    window, last = _years(run)
    return pd.DataFrame({
        "group": g["group"].map(lambda x: GROUP_WORDS.get(x, x)),
        "end favouring": g["end"], "values moved": g["values"].astype(int).astype(str),
        f"cost per {UNIT}": [per_pflop_day(x) if _ok(x) else f"no plan ({st})"
                             for x, st in zip(g["usd_per_pflop_day"], g["status"])],
        "change": g["change"].map(lambda x: signed_pct(x) if _ok(x) else "n/a"),
        "space share": g["space_share"].map(lambda x: pct(x) if _ok(x) else "n/a"),
        f"space unit / ground, built by {window}": g["ratio_window"].map(ratio),
        f"built in {last}": g["ratio_last"].map(ratio),
        "space architectures built": g["space_architectures"].fillna("").map(lambda x: x or "none"),
    })


def _wmbt_cell(r) -> str:
    measure = "share" if r["measure"] == "space_share" else "ratio"
    shown = (lambda x: pct(x)) if measure == "share" else ratio
    if not bool(r["reachable"]):
        limit = r.get("feasible_to", 1.0)
        if _ok(limit) and limit < 1.0:
            return (f"not reachable: no plan beyond {pct(limit, 0)} of the way (there: "
                    f"{shown(r.get('value_at_limit'))})")
        return f"not reachable (at the end: {shown(r['end_value'])})"
    if r["t"] == 0:
        return f"already ({shown(r['base_value'])})"
    return f"{pct(r['t'], 0)} of the way ({shown(r['value_at_t'])}; not at {pct(r['t_below'], 0)})"


def _wmbt_table(run: Run, w: pd.DataFrame) -> pd.DataFrame:
    window, _ = _years(run)
    rows = []
    for g, part in w.groupby("group", sort=False):
        row = {"group": GROUP_WORDS.get(g, g)}
        for _, r in part.iterrows():
            name = {"space share 10%": "space 10% of FLOP", "space share 50%": "space 50% of FLOP",
                    "space unit matches ground": f"space unit matches ground ({window})"}.get(r["target"], r["target"])
            row[name] = _wmbt_cell(r)
        rows.append(row)
    return pd.DataFrame(rows)


def _one_at_a_time(run: Run, da: pd.DataFrame) -> pd.DataFrame:
    """The values that move space's share or its unit-cost ratio most, one at a time."""
    if "share_swing" not in da:
        return pd.DataFrame()
    top = da.assign(_s=da["share_swing"].round(6), _r=da["ratio_swing"].round(6)).sort_values(
        ["_s", "_r"], ascending=False).head(10)
    window, last = _years(run)

    def both(name: str, fmt) -> list[str]:
        return [f"{fmt(lo)} / {fmt(hi)}" for lo, hi in zip(top[f"low_{name}"], top[f"high_{name}"])]

    def share(x, resolved) -> str:
        """A share from a re-solve that stopped before it resolved the space decisions is marked *."""
        return ((pct(x, 3 if abs(x) < 0.01 else 1) if _ok(x) else "n/a")
                + ("*" if resolved is False or resolved == 0.0 else ""))

    def shares() -> list[str]:
        ends = [[share(x, r) for x, r in zip(top[f"{e}_space_share"], top.get(f"{e}_resolved", [None] * len(top)))]
                for e in ("low", "high")]
        return [f"{lo} / {hi}" for lo, hi in zip(*ends)]

    return pd.DataFrame({
        "value": top["path"].map(lambda x: path_label(x, run.scenario)), "catalog path": top["path"],
        "groups (end for space)": [f"{g} ({e})" if isinstance(g, str) and g else "-"
                                   for g, e in zip(top.get("groups", ""), top.get("space_end", ""))],
        "space share at low / high": shares(),
        f"unit ratio {window}, low / high": both("ratio_window", ratio),
        f"unit ratio {last}, low / high": both("ratio_last", ratio),
        "cost at low / high": both("change", lambda x: signed_pct(x) if _ok(x) else "n/a"),
        "rank: cost / share / ratio": [f"{a} / {b} / {c}" for a, b, c in
                                       zip(top["rank_cost"], top["rank_share"], top["rank_ratio"])],
    })


def _contrary(da: pd.DataFrame) -> list[str]:
    """Values whose declared end for space moved the unit ratio against space (a tag to revisit)."""
    out = []
    if "space_end" not in da:
        return out
    for _, r in da.iterrows():
        end = r.get("space_end")
        if end not in ("low", "high"):
            continue
        at, base = r.get(f"{end}_ratio_window"), r.get("base_ratio_window")
        if _ok(at) and _ok(base) and at > base * 1.005:
            out.append(f"{r['path']} ({end}: {ratio(base)} -> {ratio(at)})")
    return out


def section(run: Run) -> Section | None:
    g, w, da = run.a("groups"), run.a("what_must_be_true"), run.a("decisive_assumptions")
    if not len(g) and not len(w) and "share_swing" not in da:
        return None
    sec = Section(TITLE)
    window, last = _years(run)
    sec.p("The plan's cost per FLOP is a poor guide to whether space should be in the plan: accelerator prices, which "
          "space and ground pay alike, dominate it. This section judges every what-if by three measures: the plan's "
          "cost per FLOP, space's share of the delivered FLOP (both re-solved), and the cost per FLOP of the cheapest "
          f"space unit over the ground's for units built by {window} (the 2-3-year question) and in {last} (from the "
          "unit costs, section 2). " + measures_sentence(run))
    if len(g):
        sec.p("Assumptions move together. The catalog tags each value with its groups and with the end of its range "
              "that favours space (`planner catalog --group NAME`); each group is moved as one step to that end for "
              "every one of its values, and to the other end. Demand is the scenario's own demand scale range "
              "(objective theta_min .. theta_max) applied to every workload, high demand favouring space.")
        sec.table("Groups of assumptions moved together", _group_table(run, g), small=True,
                  note="end favouring space: every value of the group at the end of its catalog range that favours "
                       "space; ground: every value at the other end. Re-solved with the plan's own solver settings. "
                       "no plan (infeasible): the demand cannot be served at all, space included (unmet demand is "
                       "not allowed); the unit ratios still hold. analysis/groups.csv lists the values moved.")
        sp = g[(g["end"] == "space")].dropna(subset=["space_share"])
        if len(sp):
            top = sp.sort_values("space_share", ascending=False).iloc[0]
            sec.p(f"Furthest: {GROUP_WORDS.get(top['group'], top['group'])} at its end favouring space takes space to "
                  f"{pct(top['space_share'])} of the delivered FLOP, at {signed_pct(top['change'])} cost per FLOP; its "
                  f"cheapest unit built by {window} then costs {ratio(top['ratio_window'])} the ground's. One value "
                  f"at a time none of this shows: single values move space's share by at most "
                  f"{pct(_max_single_share(da, base_measures(run).get('space_share')), 2)} (points of the delivered FLOP).")
    if not len(g) and not len(w):
        sec.p("Groups of assumptions moved together, and what must be true for space to carry 10 % or 50 % of the "
              "FLOP, come with `planner run --analysis full` (more re-solves); this run re-solved one value at a "
              "time.")
    if len(w):
        sec.p("What must be true. For each group (and space hardware with launch together), the smallest move toward "
              "its favourable end at which space reaches 10% and 50% of the delivered FLOP, and at which the cheapest "
              f"space unit built by {window} matches the ground. A move of t% takes every value of the group t% of "
              "the way from its central value to its favourable end (year tables year by year). Found by bisection "
              "with re-solves (the share) or from unit costs alone (the ratio), to 1/16 of the range; the bisection "
              "assumes the measure moves one way with t. Not reachable: not even with the whole group at its end.")
        sec.table("What must be true", _wmbt_table(run, w), small=True,
                  note="in brackets: the measure at that move, and the largest move tested that fell short.")
    table = _one_at_a_time(run, da)
    if len(table):
        sec.table("One value at a time, by the three measures", table, small=True,
                  note="the values that move space's share (then its unit ratio) most, each alone at its catalog "
                       "low and high, all else central; rank 1 = the largest swing of that measure among the "
                       "values re-solved (chosen by their first-order effect on the plan's cost and on the unit "
                       "ratio). * the re-solve stopped at its time limit before the gap resolved the space "
                       "decisions: that share is as sure as its gap, not as the plan's.")
        contrary = _contrary(da)
        if contrary:
            sec.p("Declared end that moved the unit ratio against space (their tag is a judgement the re-solve does "
                  "not bear out here): " + "; ".join(contrary) + ".")
    sec.p("Coherent worlds (space_bull, grid_crunch, ground_bull, chip_stall in data/scenarios/, each with its sources "
          "in its description) are compared side by side in reports/worlds/ (planner compare).")
    return sec


def _max_single_share(da: pd.DataFrame, base: float | None) -> float:
    if not len(da) or "low_space_share" not in da or not _ok(base):
        return math.nan
    x = pd.concat([da["low_space_share"], da["high_space_share"]]).dropna()
    return float((x - base).abs().max()) if len(x) else math.nan


# ------------------------------------------------------------------------------------------- worlds (compare)


def share_text(part: float, whole: float) -> str:
    """``part`` of ``whole`` as a percentage, never '0.0%' for a part that is not nothing ('under 0.1%')."""
    if whole <= 0:
        return "n/a"
    return "under 0.1%" if 0 < part / whole < 5e-4 else pct(part / whole)


def world_verdict(run: Run) -> dict:
    """One world's answer: space's share, the cheapest space unit against the ground, and the verdict."""
    s = run.summary
    vc = run.t("vintage_costs")
    window, last = _years(run)
    r_window = r_last = math.nan
    if len(vc):
        v = vc[(vc["workload"] == main_workload(run)) & (vc["family"] != "ground") & vc["space_to_ground"].notna()]
        if len(v[v["vintage"] <= window]):
            r_window = float(v[v["vintage"] <= window]["space_to_ground"].min())
        if len(v):
            last = int(v["vintage"].max())
            r_last = float(v[v["vintage"] == last]["space_to_ground"].min())
    soon = _ok(r_window) and r_window <= 1.0
    share = s.get("space_share") or 0.0
    unmet, alloc = run.t("unmet"), run.t("allocation")
    left = float(unmet["eflop_s"].sum()) if len(unmet) else 0.0
    served = float(alloc["eflop_s"].sum()) if len(alloc) else 0.0
    unmet_share = share_text(left, left + served)
    whose = ", ".join(sorted(unmet.loc[unmet["eflop_s"] > 0, "workload"].astype(str).unique())) if left > 0 else ""
    return {"world": s.get("scenario"), "space share": pct(s.get("space_share")),
            "demand unmet": unmet_share,
            f"plan cost, $/{UNIT}": f"{s['usd_per_pflop_day']:,.2f}" if _ok(s.get("usd_per_pflop_day")) else "n/a",
            "space unit / ground, built within 2-3 years": f"{ratio(r_window)} (by {window})",
            "space unit / ground, built in the last year": f"{ratio(r_last)} ({last})",
            "verdict": ("space carries part of the plan" if share >= 0.10 else "space marginal" if share >= 0.005
                        else "ground only") + ("; a space unit is cheaper within 2-3 years" if soon else
                                               "; no space unit is cheaper within 2-3 years")
            + (f"; {unmet_share} of the demand ({whose}) cannot be served at all" if left > 0 else "")}


def worlds_table(runs: list[Run]) -> pd.DataFrame:
    return pd.DataFrame([world_verdict(r) for r in runs if r.summary.get("status") != "infeasible"])
