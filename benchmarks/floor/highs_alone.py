"""Part 3: HiGHS alone on the held-plan model of a draw.

python highs_alone.py SPEC REPEATS
For the first draw whose plan is held exactly (an LP) and the first draw held as a ceiling ('capped': the exact LP
is infeasible, then a MIP), apply the draw as the worker does (Session.apply), export the model HiGHS has at the
start of Session.evaluate (writeModel), then time highspy alone:
  cold:  Highs() + options + readModel + run     (and, apart, passModel of the in-memory HighsLp + run)
  warm:  on the same instance after a cold run, changeColsCost on 5 columns (+1 %), run again
with the adapter's solver options (threads 1, mip_rel_gap 0.01, time_limit 60, random_seed 0, mip_abs_gap 1e-6),
output_flag off. Median over REPEATS.
"""
import gc
import json
import os
import statistics as st
import sys
import time

sys.path.insert(0, "/tmp/floorx")
from quiet import Others, wait_quiet  # noqa: E402

SPEC, REPEATS = sys.argv[1], int(sys.argv[2])

import highspy  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import planner.session as sess  # noqa: E402
from planner.batch import worker  # noqa: E402
from planner.batch.run import _job  # noqa: E402
from planner.batch.spec import base_scenario, generate_cases, load_spec  # noqa: E402
from planner.model.build import gc_paused  # noqa: E402
from planner.results.plan import read_decisions  # noqa: E402
from planner.scenario.load import load_scenario  # noqa: E402

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

exported = {}
for i, c in enumerate(cases):
    with gc_paused():
        ev.apply(c)
        ev.ad.ensure_instance()
        path = f"/tmp/floorx/draw{i}_held.mps"
        ev.ad.h.writeModel(path)
        lp_mem = ev.ad.h.getLp()
        res, held, _ = ev.evaluate()
    if held not in exported:
        exported[held] = {"draw": i, "mps": path, "lp": lp_mem, "adapter_status": res.status,
                          "adapter_objective": res.objective}
        if held == "capped":  # also the capped model (plan as a ceiling, integer units): what the second solve sees
            with gc_paused():
                ev._hold(capped=True)
                ev.ad.ensure_instance()
                cpath = f"/tmp/floorx/draw{i}_capped.mps"
                ev.ad.h.writeModel(cpath)
                exported["capped_second_solve"] = {"draw": i, "mps": cpath, "lp": ev.ad.h.getLp(),
                                                   "adapter_status": res.status, "adapter_objective": res.objective}
                ev._hold()
    if "exact" in exported and "capped" in exported:
        break


def new_highs():
    h = highspy.Highs()
    for k, v in OPTS:
        h.setOptionValue(k, v)
    return h


def status(h):
    return h.modelStatusToString(h.getModelStatus())


def one_cold(path):
    t0 = time.perf_counter()
    h = new_highs()
    t1 = time.perf_counter()
    h.readModel(path)
    t2 = time.perf_counter()
    h.run()
    t3 = time.perf_counter()
    return h, {"new+options": t1 - t0, "readModel": t2 - t1, "run": t3 - t2, "total": t3 - t0,
               "iters": h.getInfo().simplex_iteration_count, "status": status(h),
               "obj": h.getInfo().objective_function_value}


def one_pass(lp):
    h = new_highs()
    t1 = time.perf_counter()
    h.passModel(lp)
    t2 = time.perf_counter()
    h.run()
    t3 = time.perf_counter()
    return {"passModel": t2 - t1, "run": t3 - t2, "status": status(h)}


def one_warm_all(path, seed):
    """Cold solve, then every nonzero cost times U(0.9, 1.1) and a warm re-solve on the same instance."""
    h, _ = one_cold(path)
    cost = np.asarray(h.getLp().col_cost_)
    cols = np.nonzero(cost)[0].astype(np.int32)
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    h.changeColsCost(len(cols), cols, cost[cols] * rng.uniform(0.9, 1.1, len(cols)))
    t1 = time.perf_counter()
    h.run()
    t2 = time.perf_counter()
    return {"changeColsCost": t1 - t0, "run": t2 - t1, "iters": h.getInfo().simplex_iteration_count,
            "status": status(h), "ncols": len(cols)}


def one_warm(h, k=5):
    lp = h.getLp()
    cost = np.asarray(lp.col_cost_)
    cols = np.nonzero(cost)[0][:: max(1, len(np.nonzero(cost)[0]) // k)][:k].astype(np.int32)
    t0 = time.perf_counter()
    h.changeColsCost(len(cols), cols, cost[cols] * 1.01)
    t1 = time.perf_counter()
    h.run()
    t2 = time.perf_counter()
    out = {"changeColsCost": t1 - t0, "run": t2 - t1, "iters": h.getInfo().simplex_iteration_count,
           "status": status(h)}
    t3 = time.perf_counter()
    h.run()  # again, nothing changed
    out["rerun_unchanged"] = time.perf_counter() - t3
    return out


wait_quiet()
report = {}
with Others() as o:
    for name, e in exported.items():
        cold, warm, passed, warm_all = [], [], [], []
        for r in range(REPEATS):
            h, d = one_cold(e["mps"])
            cold.append(d)
            if d["status"] == "Optimal" and not h.getLp().integrality_:
                warm.append(one_warm(h))
                warm_all.append(one_warm_all(e["mps"], r))
            passed.append(one_pass(e["lp"]))
        h = new_highs()
        h.readModel(e["mps"])
        lp = h.getLp()
        med = lambda rows, k: 1000 * st.median(r[k] for r in rows)
        report[name] = {"draw": e["draw"], "mps": e["mps"], "cols": lp.num_col_, "rows": lp.num_row_,
                        "nnz": h.getNumNz(), "integer_cols": int(sum(1 for t in lp.integrality_ if int(t) == 1)),
                        "adapter_status": e["adapter_status"], "adapter_objective": e["adapter_objective"],
                        "cold_status": cold[0]["status"], "cold_obj": cold[0]["obj"], "cold_iters": cold[0]["iters"],
                        **{f"cold.{k}_ms": med(cold, k) for k in ("new+options", "readModel", "run", "total")},
                        "cold.run_ms_all": [round(1000 * r["run"], 2) for r in cold],
                        **{f"passModel.{k}_ms": med(passed, k) for k in ("passModel", "run")}}
        if warm:
            report[name].update({f"warm.{k}_ms": med(warm, k) for k in ("changeColsCost", "run", "rerun_unchanged")})
            report[name]["warm.iters"] = warm[0]["iters"]
            report[name]["warm.run_ms_all"] = [round(1000 * r["run"], 2) for r in warm]
            report[name].update({f"warm_all_costs.{k}_ms": med(warm_all, k) for k in ("changeColsCost", "run")})
            report[name]["warm_all_costs.ncols"] = warm_all[0]["ncols"]
            report[name]["warm_all_costs.iters_all"] = [r["iters"] for r in warm_all]
            report[name]["warm_all_costs.run_ms_all"] = [round(1000 * r["run"], 2) for r in warm_all]
print(f"other processes used {o.cpu_s:.2f} CPU-s during the {o.wall:.1f} s of timing")
print(f"highspy {highspy.Highs().versionMajor()}.{highspy.Highs().versionMinor()}.{highspy.Highs().versionPatch()}")
for name, d in report.items():
    print(f"\n== {name} (draw {d['draw']})")
    for k, v in d.items():
        print(f"  {k:28s} {round(v, 3) if isinstance(v, float) else v}")
json.dump({"others_cpu_s": o.cpu_s, "report": report}, open("/tmp/floorx/highs_alone.json", "w"), indent=1,
          default=str)
