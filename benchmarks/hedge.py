"""Benchmarks of the hedge (planner hedge): the extensive form's growth with the number of scenarios, progressive
hedging over MPI ranks, and ranks against scenarios. Prints tables and writes JSON (not committed).

    .venv/bin/python benchmarks/hedge.py [--only ef,ph,ranks] [--sizes 5,10,20,40] [--gap 0.01] [--limit 600]
                                         [--out /tmp/hedge_bench.json]

Scenarios are draws of data/hedges/reference_mc20.yaml (its parameters and correlations, another n), each the
reference with those values; the first stage is build years 2027-2028.

- ef: the extensive form (mpi-sppy create_EF + HiGHS) of n draws to the gap (1 % by default), from no start and
  within the time limit: build, hand-over and solve seconds, gap reached, size.
- ph: progressive hedging on 2 MPI ranks (``mpiexec -n 2``) on the 20 draws: wall seconds of PH, its Lagrangian
  bound, the consensus first stage evaluated in each draw (its exact expected cost) and the gap between them.
- ranks: PH on the same 10 draws with 1 and with 2 ranks for a fixed number of iterations: seconds per iteration.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SPEC = ROOT / "data" / "hedges" / "reference_mc20.yaml"


def scenarios(n: int, seed: int = 2027):
    from planner.hedge.solve import Scenario
    from planner.hedge.spec import base_scenario, draw, load_problem
    from planner.session import with_overrides

    problem = load_problem(SPEC)
    block = problem.spec.random.model_copy(update={"n": n, "seed": seed})
    base = base_scenario(problem)
    draws, _ = draw(problem.spec, problem.path, base, block)
    return [Scenario(f"draw_{i:03d}", with_overrides(base, d), 1.0 / n) for i, d in enumerate(draws)], problem


def load() -> float:
    return os.getloadavg()[0]


def bench_ef(n: int, gap: float, limit: float) -> dict:
    from planner.hedge.solve import ScenarioModels, solve_extensive_form

    t0 = time.perf_counter()
    sc, problem = scenarios(n)
    models = ScenarioModels(sc, problem.window)
    models.check()
    t1 = time.perf_counter()
    sol = solve_extensive_form(models, gap, limit)
    return {"n": n, "status": sol.status, "gap": sol.gap, "check_s": round(t1 - t0, 1),
            "ef_s": round(sol.seconds, 1), "expected_musd": sol.expected_musd, "bound_musd": sol.bound_musd,
            **sol.size, "load_start": None}


PH_SCRIPT = """
import json, sys, time
sys.path.insert(0, {root!r})
from benchmarks.hedge import scenarios
from planner.hedge.ph import rank, run_ph
from planner.hedge.solve import ScenarioModels, Evaluator
sc, problem = scenarios({n})
models = ScenarioModels(sc, problem.window)
got = run_ph(models, gap={gap}, time_limit_s={limit}, iterations={iters})
if rank() == 0:
    out = {{k: v for k, v in got.items() if k != "first_stage"}}
    if {evaluate}:
        t = time.perf_counter()
        costs = []
        for s in sc:
            ev = Evaluator(s, problem.window, {gap}, 120)
            costs.append(ev.solve_fixed(got["first_stage"]).objective_musd)
        out["expected_musd"] = sum(costs) / len(costs)
        out["evaluate_s"] = time.perf_counter() - t
        out["bound_musd"] = max(got["lagrangian_bound_musd"], got["trivial_bound_musd"])  # as planner hedge --ph
        out["gap"] = (out["expected_musd"] - out["bound_musd"]) / abs(out["expected_musd"])
    print("RESULT " + json.dumps(out))
"""


def bench_ph(n: int, ranks: int, gap: float, limit: float, iters: int, evaluate: bool) -> dict:
    from planner.hedge.ph import mpiexec_path

    script = PH_SCRIPT.format(root=str(ROOT), n=n, gap=gap, limit=limit, iters=iters, evaluate=evaluate)
    t0 = time.perf_counter()
    proc = subprocess.run([mpiexec_path(), "-n", str(ranks), sys.executable, "-c", script], capture_output=True,
                          text=True, cwd=ROOT, timeout=limit * 4 + 600)
    wall = time.perf_counter() - t0
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
    if not line:
        return {"n": n, "ranks": ranks, "error": proc.stderr[-500:], "wall_s": wall}
    out = json.loads(line[-1][7:])
    out.update({"n": n, "ranks": ranks, "wall_s": round(wall, 1),
                "s_per_iteration": round(out["seconds"] / max(out["iterations"], 1), 2)})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="ef,ph,ranks")
    ap.add_argument("--sizes", default="5,10,20,40")
    ap.add_argument("--gap", type=float, default=0.01)
    ap.add_argument("--limit", type=float, default=600.0)
    ap.add_argument("--iterations", type=int, default=30)
    ap.add_argument("--ph-n", type=int, default=20, help="scenarios of the PH run")
    ap.add_argument("--out", default="/tmp/hedge_bench.json")
    args = ap.parse_args()
    only = set(args.only.split(","))
    results: dict = {"load_at_start": load(), "gap": args.gap, "limit_s": args.limit}
    if "ef" in only:
        rows = []
        for n in [int(x) for x in args.sizes.split(",")]:
            before = load()
            r = bench_ef(n, args.gap, args.limit)
            r["load_start"], r["load_end"] = before, load()
            rows.append(r)
            print(json.dumps(r), flush=True)
        results["ef"] = rows
    if "ph" in only:
        before = load()
        r = bench_ph(args.ph_n, 2, args.gap, args.limit, args.iterations, evaluate=True)
        r["load_start"], r["load_end"] = before, load()
        print(json.dumps(r), flush=True)
        results["ph"] = r
    if "ranks" in only:
        rows = []
        for k in (1, 2):
            before = load()
            r = bench_ph(10, k, args.gap, args.limit, 5, evaluate=False)
            r["load_start"], r["load_end"] = before, load()
            rows.append(r)
            print(json.dumps(r), flush=True)
        results["ranks"] = rows
    results["load_at_end"] = load()
    Path(args.out).write_text(json.dumps(results, indent=1, default=str))
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
