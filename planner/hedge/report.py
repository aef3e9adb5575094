"""The hedge's report: "What to commit now" (Markdown and PDF through the report pipeline, planner/report)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from planner.report.model import Report, Section, money, num, pct
from planner.report.render import write_report

UNITS = {"units": "units", "open": "site opened", "trips": "trips", "build": "MW online",
         "chips": "thousand accelerators"}


def _amount(decision: str, x: float) -> str:
    if decision == "open":
        return "opened" if x > 0.5 else "not opened"
    digits = 0 if decision in ("units", "trips") or abs(x) >= 100 else 1
    return f"{num(x, digits)} {UNITS[decision]}"


def _index_words(decision: str, index: str) -> str:
    parts = index.split(" / ")
    if decision == "chips":  # region / accelerator / bought / years kept
        return f"{parts[1]} in {parts[0]}, bought {parts[2]}, kept {parts[3]} years"
    if decision == "units":
        return f"{parts[0]} ({parts[1]}), launched {parts[2]}"
    if decision == "build":
        return f"ground facility in {parts[0]}, online {parts[1]}"
    if decision == "trips":
        return f"trips on {parts[0]} in {parts[1]}"
    return f"{parts[0]} core, {parts[1]}"


def commit_section(summary: dict, tables: dict[str, pd.DataFrame]) -> Section:
    w = summary["window"]
    names = [s["name"] for s in summary["scenarios"]]
    sec = Section("What to commit now")
    sec.p(f"The decisions with a build year in {w['first_year']}-{w['last_year']} are taken now, before it is known "
          f"which of {len(names)} scenarios comes true ({', '.join(names[:8])}{' ...' if len(names) > 8 else ''}); "
          f"everything later is decided once it is known. The hedged plan minimises the expected cost"
          + (f" with a weight of {summary['risk']['cvar_weight']:g} on the CVaR of cost at "
             f"{summary['risk']['cvar_level']:g}" if summary["risk"]["cvar_weight"] > 0 else "")
          + f" ({summary['engine']['name']}; {summary['status']}, gap {pct(summary.get('mip_gap'), 3)}).")
    fs = tables["first_stage"]
    if len(fs):
        commit = fs[fs["hedged"].abs() > 1e-9]
        items = [f"**{_amount(r.decision, r.hedged)}**: {_index_words(r.decision, r.index)}"
                 for r in commit.itertuples()]
        sec.p("**Commit:**" if items else "**Commit nothing in the window**: every first-stage decision is zero.")
        sec.bullets(items[:25] + ([f"... and {len(items) - 25} more (first_stage.csv)"] if len(items) > 25 else []))
        dis = fs[fs["disagree"]]
        if len(dis):
            rows = []
            for r in dis.itertuples():
                own = {n: getattr(r, f"own_{n}") for n in names if hasattr(r, f"own_{n}")}
                rows.append({"decision": _index_words(r.decision, r.index), "hedged": _amount(r.decision, r.hedged),
                             "deterministic plan": _amount(r.decision, r.deterministic_plan),
                             "perfect foresight": f"{num(r.own_min, 1)} to {num(r.own_max, 1)}",
                             "at the low end": ", ".join(n for n, x in own.items() if abs(x - r.own_min) < 1e-9)[:60],
                             "hedge differs from all": "yes" if r.hedged_differs_from_every_own else "no"})
            sec.table("What is hedged: the decisions the perfect-foresight plans disagree on",
                      pd.DataFrame(rows[:30]), small=True,
                      note="perfect foresight: the range of each scenario's own optimum for this decision; at the "
                           "low end: the scenarios that want the least of it. first_stage.csv has every decision.")
        else:
            sec.p("The perfect-foresight plans agree on every first-stage decision: in this scenario set there is "
                  "nothing to hedge in the window, and the hedged plan is every scenario's own.")
    unc = summary.get("gap_uncertainty_usd") or {}
    vss, evpi = summary.get("vss_usd"), summary.get("evpi_usd")
    vss_unc = (unc.get("hedged") or 0) + (unc.get("expected_value_plan") or 0)
    evpi_unc = (unc.get("hedged") or 0) + (unc.get("wait_and_see") or 0)
    sec.p("**The value of flexibility, in dollars (present value):**")
    sec.bullets([
        f"Hedging instead of committing to the deterministic plan ({summary['expected_value_plan']['scenario']}) "
        f"saves {money(vss)} in expectation (VSS; exact to {money(vss_unc)}, the solves' gaps).",
        f"Knowing which scenario comes true before committing would be worth {money(evpi)} (EVPI; exact to "
        f"{money(evpi_unc)}): the most worth paying to learn more before the window closes.",
        f"Expected cost {money(summary.get('expected_cost_usd'))}; expected cost per FLOP "
        f"${num(summary.get('expected_usd_per_pflop_day'), 2)} per PFLOP/s-day "
        + _spread(summary.get("usd_per_pflop_day_distribution")) + ".",
    ])
    reg = tables.get("regret")
    if reg is not None and len(reg):
        cols = [c for c in reg.columns if c.startswith("in_")]
        frame = pd.DataFrame({"first stage of": reg["first_stage_of"],
                              **{c[3:]: reg[c].map(money) for c in cols},
                              "expected": reg["expected_regret_usd"].map(money),
                              "worst": reg["worst_regret_usd"].map(money)})
        sec.table("Regret: each plan's first stage evaluated in every scenario", frame, small=True,
                  note="cost in the column's scenario with the row's first stage held (later decisions "
                       "re-optimised), minus that scenario's own optimum. A row of zeros would be a first stage "
                       "that is never wrong. A negative regret means the scenario's own solve stopped at its time "
                       "limit with a plan worse than this one (within its gap): the regrets are exact only to "
                       "the solves' gaps.")
    risk = tables.get("risk")
    if risk is not None and len(risk) > 1:
        rows = []
        for r in risk.itertuples():
            rows.append({"CVaR weight": f"{r.cvar_weight:g}", "status": f"{r.status}, gap {pct(r.gap, 2)}",
                         "expected cost": money(r.expected_cost_usd),
                         f"CVaR {r.cvar_level:g}": money(r.cvar_usd), "worst case": money(r.worst_cost_usd),
                         "MW online": num(r.build_total, 0), "k accelerators": num(r.chips_total, 1),
                         "space units": num(r.units_total, 0), "trips": num(r.trips_total, 0),
                         "sites": num(r.open_total, 0)})
        sec.table("How the commitment changes with the risk weight", pd.DataFrame(rows), small=True,
                  note="the hedge re-solved at each weight on the CVaR of cost (the mean of the worst "
                       f"{pct(1 - risk['cvar_level'].iloc[0], 0)} of outcomes); the columns on the right are the "
                       "first stage's totals. Each solve is exact only to its gap: an expected cost below the "
                       "risk-neutral one at a higher weight means the risk-neutral solve stopped at its time limit.")
    return sec


def _spread(dist: dict | None) -> str:
    if not dist:
        return ""
    return (f"(over the scenarios: ${num(dist['min'], 2)} to ${num(dist['max'], 2)}, median "
            f"${num(dist['median'], 2)})")


def scenarios_section(summary: dict, tables: dict[str, pd.DataFrame]) -> Section:
    sec = Section("The scenarios under the hedged plan")
    sc = tables["scenarios"]
    frame = pd.DataFrame({"scenario": sc["scenario"], "probability": sc["probability"].map(lambda p: f"{p:.3f}"),
                          "hedged cost": sc["hedged_cost_usd"].map(money),
                          "$/PFLOP/s-day": sc["hedged_usd_per_pflop_day"].map(lambda x: num(x, 2)),
                          "perfect foresight": sc["perfect_foresight_cost_usd"].map(money),
                          "deterministic plan": sc["deterministic_plan_cost_usd"].map(money),
                          "regret": sc["hedged_regret_usd"].map(money)})
    sec.table("Cost in each scenario", frame, small=True,
              note="costs are present values (unmet demand at its penalty); each scenario's recourse is in "
                   "recourse/<scenario>/.")
    s = summary.get("sampling")
    if s:
        sec.p(f"**Sampling error.** The {s['n']} scenarios are draws: the hedged plan's expected cost is "
              f"{money(s['in_sample_mean_musd'] * 1e6)} ± {money((s['in_sample_half_width_musd'] or 0) * 1e6)} "
              f"(95 % interval, in sample). {s['enough'][0].upper() + s['enough'][1:]}.")
    return sec


def write_hedge_report(folder: Path, summary: dict, tables: dict[str, pd.DataFrame]) -> tuple[Path, Path]:
    method = Section("How this was computed")
    size = summary.get("model_size") or {}
    shape = ", ".join(f"{num(v)} {k.replace('_', ' ')}" for k, v in size.items())
    engine = summary["engine"]
    bound = (f" Progressive hedging's Lagrangian lower bound: {money(engine['lagrangian_bound_usd'])} (the trivial, "
             f"wait-and-see bound: {money(engine.get('trivial_bound_usd'))}); the hedged plan's expected cost is "
             f"within {pct(summary.get('mip_gap'), 2)} of the larger of the two." if engine.get("lagrangian_bound_usd") is not None
             else "")
    method.bullets([
        f"Engine: {engine['name']} ({engine['how']}); {shape}.{bound}",
        "Each scenario is the planner's own model of that scenario (planner/model/build.py); the first stage is "
        "every space unit, site opening, launch, ground facility and accelerator purchase with its year in the "
        "window, shared by all scenarios.",
        "VSS, EVPI and regret come from re-solving each scenario with a first stage held and every later decision "
        "re-optimised; each is a difference of MIP optima and carries their gaps (gap_uncertainty_usd in "
        "summary.json).",
        "Within each scenario the plan still has perfect foresight of that scenario after the window: the hedge "
        "is two-stage (commit now, then learn everything at once), not a rolling decision.",
    ])
    report = Report(title=f"Hedge: {summary['name']}", subtitle=summary.get("description") or summary["spec"],
                    sections=[commit_section(summary, tables), scenarios_section(summary, tables), method],
                    run_dir=folder)
    return write_report(report, folder)


def render_hedge(folder: str | Path) -> tuple[Path, Path]:
    """Re-render report.md and report.pdf of a hedge folder from its summary.json and tables (no solving)."""
    import json

    folder = Path(folder)
    summary = json.loads((folder / "summary.json").read_text())
    tables = {name: pd.read_csv(folder / f"{name}.csv") if (folder / f"{name}.csv").is_file() else pd.DataFrame()
              for name in ("first_stage", "scenarios", "regret", "risk", "out_of_sample")}
    return write_hedge_report(folder, summary, tables)
