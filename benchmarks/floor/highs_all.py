"""Part 3 over every draw: HiGHS alone on each draw's held-plan model(s).

python highs_all.py SPEC K REPEATS
For each of the first K draws: apply the draw as the worker does (Session.apply), write the model HiGHS has at the
start of Session.evaluate (writeModel), and time a fresh highspy instance on it: readModel, run (median of
REPEATS). When that LP is infeasible (the plan is then held as a ceiling, 'capped'), the capped model (integer
units) is written and timed too: the second solve Session.evaluate does. Then the draw is evaluated through the
adapter (so the session follows the worker's path) and its adapter-side h.run time kept for comparison.
Only highspy calls are inside the timed spans.
"""
import gc
import json
import os
import statistics as st
import sys
import time

sys.path.insert(0, "/tmp/floorx")
from quiet import Others, wait_quiet  # noqa: E402

SPEC, K, REPEATS = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

import highspy  # noqa: E402
import pandas as pd  # noqa: E402

import planner.session as sess  # noqa: E402
from planner.batch.run import _job  # noqa: E402
from planner.batch.spec import base_scenario, generate_cases, load_spec  # noqa: E402
from planner.model.build import gc_paused  # noqa: E402
from planner.results.plan import read_decisions  # noqa: E402
from planner.scenario.load import load_scenario  # noqa: E402
from planner.solver import highs as hs  # noqa: E402

spec, sp = load_spec(SPEC)
cases, _ = generate_cases(spec, sp, base_scenario(spec, sp))
job = _job(spec, sp, None)
rs = load_scenario(job.base_path, list(job.base_overrides))
options = dict(mip_gap=job.mip_gap, time_limit_s=job.time_limit_s, threads=job.threads, seed=job.seed)
decisions, sizes = read_decisions(pd.read_csv(os.path.join(job.plan_dir, "tables", "decisions.csv")))
ev = sess.Session(rs, fixed=decisions, sizes=sizes, **options)
ev.ad.ensure_instance()
ev.collect_replaced = True
gc.collect()
gc.freeze()

OPTS = (("time_limit", 60.0), ("mip_rel_gap", 0.01), ("random_seed", 0), ("mip_abs_gap", 1e-6), ("threads", 1),
        ("output_flag", False))
MPS = "/tmp/floorx/cur.mps"

adapter_run = []
_solve = hs.HighsAdapter.solve


def solve(self, *a, **k):
    res = _solve(self, *a, **k)
    adapter_run.append(res.solve_s)
    return res


hs.HighsAdapter.solve = solve


def alone(path):
    reads, runs = [], []
    for _ in range(REPEATS):
        h = highspy.Highs()
        for k, v in OPTS:
            h.setOptionValue(k, v)
        t0 = time.perf_counter()
        h.readModel(path)
        t1 = time.perf_counter()
        h.run()
        t2 = time.perf_counter()
        reads.append(t1 - t0)
        runs.append(t2 - t1)
    return st.median(reads), st.median(runs), h.modelStatusToString(h.getModelStatus())


rows = []
wait_quiet()
with Others() as o:
    for i, c in enumerate(cases[:K]):
        with gc_paused():
            ev.apply(c)
            ev.ad.ensure_instance()
            ev.ad.h.writeModel(MPS)
            r1, run1, s1 = alone(MPS)
            row = {"draw": i, "exact_read": r1, "exact_run": run1, "exact_status": s1}
            if s1 != "Optimal":
                ev._hold(capped=True)
                ev.ad.ensure_instance()
                ev.ad.h.writeModel(MPS)
                r2, run2, s2 = alone(MPS)
                row.update(capped_read=r2, capped_run=run2, capped_status=s2)
                ev._hold()
            adapter_run.clear()
            res, held, _ = ev.evaluate()
            row.update(held=held, adapter_runs=list(adapter_run), adapter_status=res.status)
        rows.append(row)
print(f"other processes used {o.cpu_s:.2f} CPU-s during the {o.wall:.1f} s")


def ms(x):
    return round(1000 * x, 2)


lp_alone = [r["exact_run"] + r.get("capped_run", 0.0) for r in rows]
adapter = [sum(r["adapter_runs"]) for r in rows]
exact = [r for r in rows if "capped_run" not in r]
capped = [r for r in rows if "capped_run" in r]
print(f"{len(rows)} draws: {len(exact)} held exactly (one LP), {len(capped)} capped (infeasible LP + MIP); "
      f"held as reported by evaluate: {pd.Series([r['held'] for r in rows]).value_counts().to_dict()}")
print(f"exact LP run alone, ms: median {ms(st.median(r['exact_run'] for r in exact))}, mean "
      f"{ms(st.mean(r['exact_run'] for r in exact))}")
if capped:
    print(f"capped draws: infeasible-LP run median {ms(st.median(r['exact_run'] for r in capped))}, capped MIP run "
          f"median {ms(st.median(r['capped_run'] for r in capped))}, mean {ms(st.mean(r['capped_run'] for r in capped))}")
print(f"HiGHS alone per draw (all solves of the draw), ms: median {ms(st.median(lp_alone))}, mean "
      f"{ms(st.mean(lp_alone))}, sum over draws {sum(lp_alone):.3f} s")
print(f"adapter h.run per draw (same draws, through the planner), ms: median {ms(st.median(adapter))}, mean "
      f"{ms(st.mean(adapter))}, sum {sum(adapter):.3f} s")
print(f"readModel (MPS parse) median {ms(st.median(r['exact_read'] for r in rows))} ms")
json.dump({"others_cpu_s": o.cpu_s, "rows": rows}, open(f"/tmp/floorx/highs_all_{K}.json", "w"), indent=1)
