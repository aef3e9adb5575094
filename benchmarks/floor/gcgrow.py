"""Does the replaced model's collection grow with draws, and do the module-level caches explain it?"""
import gc, os, sys, time, statistics as st
import pandas as pd
import planner.session as sess
from planner.batch import worker
from planner.batch.spec import base_scenario, generate_cases, load_spec
from planner.batch.run import _job
from planner.results.plan import read_decisions
from planner.scenario.load import load_scenario
from planner.model import coefficients as co
CLEAR = sys.argv[1] == "clear"
spec, sp = load_spec("/tmp/floorx/eval500.yaml")
rs_main = base_scenario(spec, sp)
cases, _ = generate_cases(spec, sp, rs_main)
job = _job(spec, sp, None)
rs = load_scenario(job.base_path, list(job.base_overrides))
decisions, sizes = read_decisions(pd.read_csv(os.path.join(job.plan_dir, "tables", "decisions.csv")))
ev = sess.Session(rs, fixed=decisions, sizes=sizes, mip_gap=0.01, time_limit_s=60, threads=1)
ev.ad.ensure_instance(); ev.collect_replaced = True
gc.collect(); gc.freeze()
orig = gc.collect
times = []
def timed_collect(*a):
    t = time.perf_counter(); r = orig(*a); times.append(time.perf_counter() - t); return r
sess.gc.collect = timed_collect
gc.disable()
for i, case in enumerate(cases[:240]):
    if CLEAR:
        co._unit_charge.cache_clear(); co._served_years.cache_clear()
    ev.apply(case)
    if i % 40 == 39:
        print(i + 1, f"{st.median(times[-40:]) * 1000:.1f} ms", co._unit_charge.cache_info().currsize, len(gc.get_objects()))
