"""Part 2: the cost of one draw in evaluate mode, in one process (no pool), with timing wrappers around the real
code (planner/batch/worker.py _run -> Session.apply, Session.evaluate, _solve_record).

python perdraw.py SPEC K   (the first K draws of SPEC, in order, on one worker-like session)
Writes perdraw_<spec>_<K>.json with one dict of timings per draw.
"""
import gc
import json
import os
import statistics as st
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, "/tmp/floorx")
from quiet import Others, _busy_s, _mine_s, wait_quiet  # noqa: E402

SPEC, K = sys.argv[1], int(sys.argv[2])

import pandas as pd  # noqa: E402

import planner.session as sess  # noqa: E402
from planner.batch import worker  # noqa: E402
from planner.batch.spec import base_scenario, generate_cases, load_spec  # noqa: E402
from planner.batch.run import _job  # noqa: E402
from planner.model.build import gc_paused  # noqa: E402
from planner.results.plan import read_decisions  # noqa: E402
from planner.scenario.load import load_scenario  # noqa: E402
from planner.solver import highs as hs  # noqa: E402

spec, sp = load_spec(SPEC)
rs_main = base_scenario(spec, sp)
cases, _ = generate_cases(spec, sp, rs_main)
job = _job(spec, sp, None)
cases = cases[:K]

# the worker's base session, as worker._state builds it (evaluate, no regret)
rs = load_scenario(job.base_path, list(job.base_overrides))
options = dict(mip_gap=job.mip_gap, time_limit_s=job.time_limit_s, threads=job.threads, seed=job.seed)
decisions, sizes = read_decisions(pd.read_csv(os.path.join(job.plan_dir, "tables", "decisions.csv")))
ev = sess.Session(rs, fixed=decisions, sizes=sizes, **options)
ev.ad.ensure_instance()
ev.collect_replaced = True
gc.collect()
gc.freeze()

T = defaultdict(float)  # timings of the current draw


def timer(label, f):
    def g(*a, **k):
        t0 = time.perf_counter()
        try:
            return f(*a, **k)
        finally:
            T[label] += time.perf_counter() - t0
    return g


# wrap the pieces of Session.apply / _rebuild / evaluate (module attributes and class methods they call)
sess.with_overrides = timer("a.with_overrides", sess.with_overrides)
sess.Session._compute = timer("b.coefficients.compute", sess.Session._compute)
sess.build_sets = timer("c.build_sets", sess.build_sets)
sess.build_model = timer("d.rebuild.build_model", sess.build_model)
sess.HighsAdapter = timer("d.rebuild.HighsAdapter()", sess.HighsAdapter)
sess.gc = type("G", (), {"collect": staticmethod(timer("d.rebuild.gc.collect", gc.collect))})
hs.HighsAdapter._compile = timer("e.compile+passModel", hs.HighsAdapter._compile)
hs.HighsAdapter._update_in_place = timer("e.update_in_place", hs.HighsAdapter._update_in_place)
sess.Session._hold = timer("f._hold", sess.Session._hold)
sess.Session.evaluate = timer("g.evaluate(total)", sess.Session.evaluate)
sess.Session.apply = timer("apply(total)", sess.Session.apply)
hs.HighsAdapter._load = timer("g.evaluate.load_solution_into_pyomo", hs.HighsAdapter._load)
_solve = hs.HighsAdapter.solve


def solve(self, *a, **k):
    res = _solve(self, *a, **k)
    T["g.evaluate.solve.h.run(HiGHS)"] += res.solve_s
    T["g.evaluate.solve.handoff(ensure_instance+start)"] += res.handoff_s
    T["g.evaluate.solves"] += 1.0
    return res


hs.HighsAdapter.solve = solve
worker._solve_record = timer("h.extract(_solve_record)", worker._solve_record)

rows = []
print(f"{len(cases)} draws of {SPEC}; waiting for a quiet machine ...", flush=True)
wait_quiet()
with Others() as o:
    for i, c in enumerate(cases):
        T.clear()
        rec = {}
        if i % 50 == 0:
            ntracked = len(gc.get_objects())  # outside the timed part
        b0, m0 = _busy_s(), _mine_s()
        t0 = time.perf_counter()
        with gc_paused():  # as run_case
            worker._run(job, worker.WorkerState(session=None, fixed_session=ev), c, rec)
        T["total(_run)"] = time.perf_counter() - t0
        others = (_busy_s() - b0) - (_mine_s() - m0)
        rows.append({**T, "model": rec["model"], "status": rec.get("status"), "plan_held": rec.get("plan_held"),
                     "cols": len(ev.ad.columns), "rows": int(ev.ad.h.getNumRow()),
                     "others_cpu_s": others, "gc_tracked_objects": ntracked if i % 50 == 0 else None})
print(f"other processes used {o.cpu_s:.2f} CPU-s during the {o.wall:.1f} s of draws", flush=True)

keys = sorted({k for r in rows for k in r if isinstance(r.get(k), float)})
print(f"\nper draw, ms (median / min / max over {len(rows)} draws; first draw listed apart)")
print(f"  models: {dict((m, sum(r['model'] == m for r in rows)) for m in {r['model'] for r in rows})}, "
      f"status: {dict((s, sum(r['status'] == s for r in rows)) for s in {r['status'] for r in rows})}, "
      f"held: {dict((s, sum(r['plan_held'] == s for r in rows)) for s in {r['plan_held'] for r in rows})}")
for k in keys:
    v = [r.get(k, 0.0) for r in rows]
    print(f"  {k:42s} {1000 * st.median(v):8.2f} {1000 * min(v):8.2f} {1000 * max(v):8.2f}   first {1000 * v[0]:8.2f}")
clean = [r for r in rows if r["others_cpu_s"] <= 0.02]  # /proc/stat counts 10 ms ticks
print(f"  draws with no CPU used by other processes during them: {len(clean)} of {len(rows)}; their median total "
      f"{1000 * st.median(r['total(_run)'] for r in clean):.2f} ms" if clean else "  no clean draw")
print("  gc-tracked objects (not frozen) every 50 draws: " + str([r["gc_tracked_objects"] for r in rows
                                                                 if r["gc_tracked_objects"] is not None]))
print("  median per 50 draws, ms: gc.collect " + str([round(1000 * st.median(r["d.rebuild.gc.collect"] for r in
      rows[a:a + 50]), 1) for a in range(0, len(rows), 50)]) + "; total " + str([round(1000 * st.median(
      r["total(_run)"] for r in rows[a:a + 50]), 1) for a in range(0, len(rows), 50)]))
for held in sorted({r["plan_held"] for r in rows}):
    g = [r for r in rows if r["plan_held"] == held]
    print(f"  held {held}: {len(g)} draws; median ms: total {1000 * st.median(r['total(_run)'] for r in g):.2f}, "
          f"h.run {1000 * st.median(r['g.evaluate.solve.h.run(HiGHS)'] for r in g):.2f}, "
          f"evaluate {1000 * st.median(r['g.evaluate(total)'] for r in g):.2f}, "
          f"solves {st.median(r['g.evaluate.solves'] for r in g):.0f}")
print(f"  sums over all draws, s: " + ", ".join(f"{k} {sum(r.get(k, 0.0) for r in rows):.2f}" for k in keys
                                                if k != "g.evaluate.solves"))
print(f"  LP size (last draw): {rows[-1]['cols']} columns, {rows[-1]['rows']} rows")
json.dump({"spec": SPEC, "others_cpu_s": o.cpu_s, "rows": rows},
          open(f"/tmp/floorx/perdraw_{Path(SPEC).stem}_{K}.json", "w"), indent=1)
