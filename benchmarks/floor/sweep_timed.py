"""Run `planner sweep ...` with perf_counter timing wrappers (no change to /work/main).

Usage: FLOORX_T_LAUNCH=<perf_counter of the launcher> FLOORX_EV=<dir> python sweep_timed.py sweep SPEC --out ... 
Every timestamp is time.perf_counter() (CLOCK_MONOTONIC on Linux: one clock for all processes), so the launcher,
the main process and the forked workers can be put on one time line. Events go to FLOORX_EV/<pid>.jsonl.
The wrappers add a few microseconds per call; they wrap only calls made a handful of times per run.
"""
import time

T_FIRST_LINE = time.perf_counter()

import json
import os
import sys

EV = os.environ.get("FLOORX_EV", "/tmp/floorx/ev")
os.makedirs(EV, exist_ok=True)


def ev(name, t0, t1, **kw):
    with open(os.path.join(EV, f"{os.getpid()}.jsonl"), "a") as f:
        f.write(json.dumps({"pid": os.getpid(), "name": name, "t0": t0, "t1": t1, **kw}) + "\n")


launch = os.environ.get("FLOORX_T_LAUNCH")
if launch:
    ev("interpreter_startup", float(launch), T_FIRST_LINE)

t = time.perf_counter()
import planner.cli as cli  # noqa: E402
ev("import_planner_cli", t, time.perf_counter())


def wrap(mod, name, label=None, extra=None):
    orig = getattr(mod, name)

    def w(*a, **k):
        t0 = time.perf_counter()
        try:
            return orig(*a, **k)
        finally:
            ev(label or name, t0, time.perf_counter(), **(extra() if extra else {}))
    setattr(mod, name, w)
    return orig


t = time.perf_counter()
import planner.batch.run as run  # noqa: E402  (imported lazily by the sweep command; timed here)
ev("import_batch_run", t, time.perf_counter())
# planner.batch.report is NOT pre-imported: the sweep imports it after the pool, inside the report phase
import planner.batch.store as store  # noqa: E402
import planner.batch.worker as worker  # noqa: E402

MAIN_PID = os.getpid()
ev("preimported", 0, 0, session_in_main="planner.session" in sys.modules, pyomo_in_main="pyomo.environ" in sys.modules,
   highspy_in_main="highspy" in sys.modules, matplotlib_in_main="matplotlib.pyplot" in sys.modules)

for n in ("run_sweep", "load_spec", "base_scenario", "generate_cases", "check_cases", "_job", "_run_local", "outcome"):
    wrap(run, n, f"main.{n}")
wrap(run.store, "write_manifest", "main.write_manifest")
wrap(run.store, "collect", "main.collect")
wrap(run.store, "write_results", "main.write_results")

# ---- worker side (patched before fork, so the forked workers inherit the patches)
orig_state = worker._state


def timed_state(job):
    if job.key in worker._STATE:
        return orig_state(job)
    t0 = time.perf_counter()
    import planner.session  # noqa: F401  (the imports _state would do; timed apart)
    import planner.results.plan  # noqa: F401
    import planner.scenario.load as load
    t1 = time.perf_counter()
    ev("worker.imports", t0, t1)
    import pandas as pd
    import planner.session as sess
    from planner.solver import highs as hs

    o_load = load.load_scenario
    o_read_csv = pd.read_csv
    o_init = sess.Session.__init__
    o_compile = hs.HighsAdapter._compile
    o_hold = sess.Session._hold

    def w(label, f):
        def g(*a, **k):
            s = time.perf_counter()
            try:
                return f(*a, **k)
            finally:
                ev(label, s, time.perf_counter())
        return g
    load.load_scenario = w("worker.load_scenario", o_load)
    pd.read_csv = w("worker.read_csv_decisions", o_read_csv)

    def init(self, *a, **k):
        s = time.perf_counter()
        o_init(self, *a, **k)
        ev("worker.Session.__init__", s, time.perf_counter(), timings=dict(self.timings))
    sess.Session.__init__ = init
    hs.HighsAdapter._compile = w("worker.compile_and_passModel", o_compile)
    import gc
    o_collect, o_freeze = gc.collect, gc.freeze
    gc.collect = w("worker.gc.collect", o_collect)
    gc.freeze = w("worker.gc.freeze", o_freeze)
    sess.Session._hold = w("worker.Session._hold", o_hold)
    try:
        return orig_state(job)
    finally:
        load.load_scenario, pd.read_csv, sess.Session.__init__ = o_load, o_read_csv, o_init
        gc.collect, gc.freeze = o_collect, o_freeze
        hs.HighsAdapter._compile, sess.Session._hold = o_compile, o_hold
        ev("worker._state", t0, time.perf_counter())


worker._state = timed_state
orig_run_case = worker.run_case
_first = {}


def timed_run_case(job, i, cid, c):
    t0 = time.perf_counter()
    if os.getpid() not in _first:
        _first[os.getpid()] = t0
        ev("worker.first_run_case_entry", t0, t0)
    rec = orig_run_case(job, i, cid, c)
    t1 = time.perf_counter()
    ev("worker.run_case", t0, t1, case=i, **{k: rec.get(k) for k in
                                             ("setup_s", "update_s", "solve_s", "extract_s", "total_s", "model",
                                              "status", "rebuilds", "error")})
    return rec


worker.run_case = timed_run_case
run.run_case = timed_run_case  # run.py imported the name; with fork the workers resolve __main__.timed_run_case

if __name__ == "__main__":
    sys.argv = ["planner"] + sys.argv[1:]
    t = time.perf_counter()
    code = 0
    try:
        code = cli.main()
    except SystemExit as e:
        code = e.code
    finally:
        ev("main.cli_main", t, time.perf_counter())
        ev("main.exit_reached", time.perf_counter(), time.perf_counter())
    sys.exit(code)
