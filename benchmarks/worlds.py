"""Regenerate reports/worlds/: the reference and the four coherent worlds solved and compared side by side.

    .venv/bin/python benchmarks/worlds.py [--gap G] [--analysis off|quick|full] [--out reports/worlds] [--runs reports/worlds-runs]

Each world (data/scenarios/{space_bull,grid_crunch,ground_bull,chip_stall}.yaml, their sources in their
descriptions) is run like ``planner run`` into RUNS/<name>/ (default reports/worlds-runs/, not committed), then
``planner compare`` writes OUT/report.md and OUT/report.pdf with the verdict in each world. Prints each run's time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORLDS = ("reference", "space_bull", "grid_crunch", "ground_bull", "chip_stall")


def main() -> None:
    import planner
    from planner.report.compare import compare_runs

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gap", type=float, default=None, help="MIP gap for every world (default: the scenario's)")
    ap.add_argument("--analysis", default="off", choices=("off", "quick", "full"))
    ap.add_argument("--out", default="reports/worlds", help="the comparison, relative to the repository root")
    ap.add_argument("--runs", default="reports/worlds-runs", help="the five run folders (outside --out)")
    ap.add_argument("--only", default="", help="comma-separated worlds to re-solve; the others' run folders are "
                                               "reused")
    args = ap.parse_args()
    os.chdir(ROOT)  # run folders named relative to the repository in the compare report
    out = Path(args.out)
    runs = []
    only = {x for x in args.only.split(",") if x}
    for name in WORLDS:
        if only and name not in only:
            runs.append(Path(args.runs) / name)
            continue
        t0 = time.perf_counter()
        plan = planner.solve(planner.load_scenario(f"data/scenarios/{name}.yaml"), gap=args.gap,
                             analysis=args.analysis)
        runs.append(planner.write_run(plan, Path(args.runs) / name))
        s = plan.summary
        print(f"{name:12s} {s.get('status'):10s} space share {100 * (s.get('space_share') or 0):6.2f}%  "
              f"${s.get('usd_per_pflop_day', float('nan')):.2f} per PFLOP/s-day  {time.perf_counter() - t0:6.1f} s",
              flush=True)
    md, pdf = compare_runs(runs, out)
    print(f"written {md} and {pdf}")


if __name__ == "__main__":
    main()
