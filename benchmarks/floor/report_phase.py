"""The sweep's report phase apart: import planner.batch.report, then render_sweep(out) (after planner.batch.run is
imported, as in the sweep). python report_phase.py  (one run; call it N times)"""
import sys, time, json
sys.path.insert(0, "/tmp/floorx")
import planner.batch.run  # noqa
t0 = time.perf_counter()
from planner.batch.report import render_sweep
t1 = time.perf_counter()
render_sweep("/tmp/floorx/out")
t2 = time.perf_counter()
print(json.dumps({"import_report_ms": 1000 * (t1 - t0), "render_sweep_ms": 1000 * (t2 - t1)}))
