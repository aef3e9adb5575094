"""The report section "Other plans almost as cheap": what ``planner alternatives`` and ``planner pareto`` wrote
into the run folder (alternatives/, pareto/<measure>/), read back without solving."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from planner import outdir
from planner.report import figures as fig
from planner.report.model import Run, Section, arch_short_names, money, pct

FAMILIES = ("ground", "swarm", "module", "station")
FRONT_WORDS = {"space_share": ("space share of delivered FLOP", pct),
               "co2_kg_per_pflop_day": ("kg CO2 per PFLOP/s-day", lambda x: f"{x:,.1f}"),
               "risk_musd": ("expected loss from launch failures (PV)", lambda x: money(x * 1e6)),
               "latency_ms": ("real-time round trip allowed (ms)", lambda x: f"{x:,.1f} ms")}


def _read(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except (OSError, ValueError):
        return pd.DataFrame()


def _of_another_run(run: Run, folder: Path) -> bool:
    """Whether an alternatives or front folder was made from another scenario than the run's (the run was solved
    again with other numbers after it: ``planner run`` keeps it in the folder, the report leaves it out)."""
    made_from = outdir.about(folder).get("run_scenario_sha256")
    return made_from is not None and made_from != run.summary.get("scenario_sha256")


def near_optimal_section(run: Run, figdir: Path) -> Section | None:
    """None when the run folder has neither alternatives nor a front of this run's scenario."""
    folders = [run.dir / "alternatives"] + sorted(p.parent for p in (run.dir / "pareto").glob("*/front.csv"))
    stale = [f for f in folders if f.is_dir() and _of_another_run(run, f)]
    alts = pd.DataFrame() if run.dir / "alternatives" in stale else _read(run.dir / "alternatives" / "alternatives.csv")
    fronts = {p.name: _read(p / "front.csv") for p in folders[1:] if p not in stale}
    fronts = {k: f for k, f in fronts.items() if len(f)}
    if alts.empty and not fronts and not stale:
        return None
    sec = Section("16. Other plans almost as cheap")
    if stale:
        sec.p(f"Left out: {', '.join(str(f.relative_to(run.dir)) for f in stale)}, made from this folder's run before "
              f"it was solved again with other numbers (run planner alternatives or planner pareto again).")
    if len(alts):
        _alternatives(sec, run, alts, _read(run.dir / "alternatives" / "robust.csv"), figdir)
    for name, f in fronts.items():
        _front(sec, f, figdir / f"front_{name}.png")
    return sec


def _alternatives(sec: Section, run: Run, alts: pd.DataFrame, robust: pd.DataFrame, figdir: Path) -> None:
    ok = alts[alts["status"].isin(["optimal", "time_limit"])].copy()
    opt = alts.iloc[0]
    budgets = sorted(e for e in ok["eps"].dropna().unique() if e > 0)
    n_spread = int((ok["kind"] == "spread").sum())
    sec.p(f"The least-cost plan is one of many near-ties. Holding the plan's cost within a budget of the optimum "
          f"({', '.join(pct(e, 0) for e in budgets)} above it), the planner looked for the most different plans: "
          f"it minimised and maximised each family's share of delivered FLOP, the flights and the launched mass "
          f"(directed search, as PyPSA's optimize_mga), and {n_spread} times put the FLOP where the plans before "
          f"had put least (spread-out search, as Calliope's SPORES). The optimum that sets the budget is solved to "
          f"a {pct(opt['mip_gap'], 4) if pd.notna(opt['mip_gap']) else 'n/a'} MIP gap, each alternative to 0.01 "
          f"points of share; {len(ok) - 1} of {len(alts) - 1} searches returned a plan.")
    band = _bands(ok, budgets)
    sec.figure(fig.share_bands(band, opt, figdir / "near_optimal_bands.png"), "Range of each family's share",
               "Least and most share of delivered FLOP each family has in plans within each budget; the dot is "
               "the least-cost plan.")
    table = pd.DataFrame({"budget": [f"within {pct(e, 0)}" for e in budgets]})
    for f in FAMILIES:
        if band[(f, "high")].max() > 0:
            table[f] = [f"{pct(band.loc[e, (f, 'low')])} to {pct(band.loc[e, (f, 'high')])}" for e in budgets]
    sec.table("Share of delivered FLOP by family in plans almost as cheap", table,
              note=f"the least-cost plan: " + ", ".join(f"{f} {pct(opt[f'share_{f}'])}" for f in FAMILIES
                                                        if opt[f"share_{f}"] > 0) + ".")
    sec.table("The most different plans, side by side", _side_by_side(run, ok), small=True,
              note="The least-cost plan and the plans farthest from it and from each other at the largest budget; "
                   "'moved' is the share of delivered FLOP served by another architecture or in another year than "
                   "in the least-cost plan. Every plan's tables: alternatives/plans/.")
    sec.bullets(_robust_words(run, robust))


def _bands(ok: pd.DataFrame, budgets: list[float]) -> pd.DataFrame:
    """(budget) x (family, low|high): the range of each family's share over the plans within the budget."""
    rows = {}
    for e in budgets:
        within = ok[(ok["kind"] == "optimum") | (ok["eps"] <= e + 1e-12)]
        rows[e] = {(f, end): getattr(within[f"share_{f}"], fn)() for f in FAMILIES
                   for end, fn in (("low", "min"), ("high", "max"))}
    return pd.DataFrame.from_dict(rows, orient="index")


def _side_by_side(run: Run, ok: pd.DataFrame, k: int = 3) -> pd.DataFrame:
    """The optimum and ``k`` plans chosen farthest-first (by distance from the optimum, then from those chosen)."""
    top = ok["eps"].max()
    pool = ok[(ok["kind"] != "optimum") & (ok["eps"] >= top - 1e-12)]
    chosen = [ok.iloc[0]]
    shares = [f"share_{f}" for f in FAMILIES]
    while len(chosen) <= k and len(pool):
        far = pool.apply(lambda r: min(0.5 * sum(abs(r[c] - q[c]) for c in shares) for q in chosen) + r["distance"],
                         axis=1)
        i = far.idxmax()
        if far[i] < 1e-4:  # the rest repeat a plan already shown
            break
        chosen.append(pool.loc[i])
        pool = pool.drop(index=i)
    names = arch_short_names(run, [a for r in chosen for a in str(r["architectures"]).split() if a != "nan"])
    out = {}
    for r in chosen:
        out[r["plan"]] = {
            "how": str(r["objective"]), "cost above the optimum": pct(r["cost_over_optimum"], 2),
            **{f"{f} share": pct(r[f"share_{f}"]) for f in FAMILIES},
            "flights": f"{r['flights']:,.0f}", "launched mass": f"{r['mass_t']:,.0f} t",
            "sites opened": str(r["sites_opened"]) if pd.notna(r["sites_opened"]) else "none",
            "moved": pct(r["distance"]),
            "space architectures": "; ".join(names.get(a, a) for a in str(r["architectures"]).split()
                                             if not a.startswith("ground_campus")) or "none"}
    frame = pd.DataFrame(out)
    frame.insert(0, "", frame.index)
    return frame.reset_index(drop=True)


def _robust_words(run: Run, robust: pd.DataFrame) -> list[str]:
    """The decisions every plan within the largest budget agrees on: the robust ones."""
    if robust.empty:
        return []
    top = robust["eps"].max()
    r = robust[robust["eps"] == top]
    names = arch_short_names(run, [d.removeprefix("serve from ") for d in r["decision"] if d.startswith("serve")])
    always = [names[d[11:]] for d in r.loc[(r["agreement"] == "all") & r["decision"].str.startswith("serve"),
                                           "decision"]]
    some = [f"{names[row.decision[11:]]} ({pct(row.low)} to {pct(row.high)})" for row in r.itertuples()
            if row.agreement == "some" and row.decision.startswith("serve")]
    sites_all = [d[5:] for d in r.loc[(r["agreement"] == "all") & r["decision"].str.startswith("open"), "decision"]]
    sites_some = [d[5:] for d in r.loc[(r["agreement"] == "some") & r["decision"].str.startswith("open"), "decision"]]
    n = int(r["plans"].iloc[0])
    out = [f"Robust: every one of the {n} plans within {pct(top, 0)} of the optimum serves FLOP from "
           + (", ".join(always) if always else "no single architecture") + "."]
    if sites_all:
        out.append(f"Robust: every plan opens {', '.join(sites_all)}.")
    if some:
        out.append("Open: the plans disagree on " + "; ".join(some) + " (share of delivered FLOP, least to most).")
    if sites_some:
        out.append(f"Open: some plans open {', '.join(sites_some)} and others do not.")
    return out


def _front(sec: Section, f: pd.DataFrame, path: Path) -> None:
    col = f["measure"].iloc[0]
    words, fmt = FRONT_WORDS.get(col, (col, lambda x: f"{x:.4g}"))
    ok = f[f["status"].isin(["optimal", "time_limit"])]
    if len(ok) and ok[col].max() - ok[col].min() < 1e-6 * max(1.0, abs(ok[col].max())):
        sec.p(f"Trade-off between cost and the {words}: none. Every plan has the same {words} "
              f"({fmt(ok[col].iloc[0])}), so the least-cost plan is also the best for it.")
        return
    sec.p(f"Trade-off between cost and the {words}: each point is the least-cost plan with the {words} bounded "
          f"(epsilon constraint), from the least-cost plan to the plan with the best {words} at least cost; "
          f"{len(ok)} of {len(f)} points solved.")
    sec.figure(fig.front(ok, col, words, path), f"Cost against the {words}",
               f"NPV cost of the least-cost plan at each bound on the {words}.")
    sec.table(f"Front: cost against the {words}", pd.DataFrame({
        words: ok[col].map(fmt), "NPV cost": ok["npv_cost_usd"].map(money),
        "above the optimum": ok["cost_over_optimum"].map(lambda x: pct(x, 2)),
        **{f"{fam} share": ok[f"share_{fam}"].map(pct) for fam in FAMILIES if (ok[f"share_{fam}"] > 0).any()}}))
