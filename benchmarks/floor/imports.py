"""Bare import times in fresh interpreters (guarded: quiet machine), median of N; and interpreter exit time.
python imports.py N"""
import json, statistics as st, subprocess, sys, time
sys.path.insert(0, "/tmp/floorx")
from quiet import Others, wait_quiet
N = int(sys.argv[1])
PY = "/work/venv-dev/bin/python"
SETS = [
    ("(nothing: python -c pass)", []),
    ("planner.cli", ["planner.cli"]),
    ("planner.cli + planner.batch.run (what the sweep command imports before the pool)", ["planner.cli", "planner.batch.run"]),
    ("  + planner.batch.report (imported in the report phase)", ["planner.cli", "planner.batch.run", "planner.batch.report"]),
    ("planner.batch.run + planner.session + highspy (main + worker modules, no report)", ["planner.batch.run", "planner.session", "highspy"]),
    ("evaluation path only: planner.session, planner.scenario.load, planner.results.plan, planner.batch.worker", ["planner.session", "planner.scenario.load", "planner.results.plan", "planner.batch.worker"]),
    ("planner.batch.report alone", ["planner.batch.report"]),
    ("scipy.stats alone", ["scipy.stats"]),
    ("pyomo.environ alone", ["pyomo.environ"]),
    ("highspy alone", ["highspy"]),
]
out = {}
for label, mods in SETS:
    imp, ex, wall = [], [], []
    for i in range(N):
        for attempt in range(10):
            wait_quiet(need=2)
            with Others() as o:
                t0 = time.perf_counter()
                p = subprocess.run([PY, "/tmp/floorx/exit_probe.py", ",".join(mods)], capture_output=True, text=True)
                t1 = time.perf_counter()
            if o.cpu_s <= 0.05:
                break
        d = json.loads(p.stdout)
        imp.append(d["import"]); ex.append(t1 - d["at_exit_line"]); wall.append(t1 - t0)
    out[label] = {"import_ms": 1000 * st.median(imp), "exit_ms": 1000 * st.median(ex), "process_wall_ms": 1000 * st.median(wall),
                  "import_runs": [round(1000 * x, 1) for x in imp]}
    print(f"{label:100s} import {out[label]['import_ms']:7.1f}  exit {out[label]['exit_ms']:6.1f}  process wall {out[label]['process_wall_ms']:7.1f} ms  runs {out[label]['import_runs']}", flush=True)
json.dump(out, open("/tmp/floorx/imports.json", "w"), indent=1)
