"""Wall time of `planner sweep` (plain entry point) and an instrumented breakdown (sweep_timed.py), alternating.

python measure_sweep.py SPEC REPEATS [WORKERS]  -> prints per-run numbers and medians; writes runs_<spec>.json
"""
import json
import os
import shutil
import statistics as st
import subprocess
import sys
import time

sys.path.insert(0, "/tmp/floorx")
from quiet import Others, wait_quiet  # noqa: E402

MAX_OTHERS_S = 0.15  # a run during which other processes used more CPU than this is discarded and redone


def guarded(f):
    for attempt in range(6):
        wait_quiet()
        with Others() as o:
            r = f()
        if o.cpu_s <= MAX_OTHERS_S:
            return r, o.cpu_s
        print(f"  discarded a run: other processes used {o.cpu_s:.2f} CPU-s during it", flush=True)
    raise RuntimeError("no quiet run")

SPEC, REPEATS = sys.argv[1], int(sys.argv[2])
WORKERS = sys.argv[3] if len(sys.argv) > 3 else "2"
PY = "/work/venv-dev/bin/python"
OUT = "/tmp/floorx/out"
EV = "/tmp/floorx/ev"
tag = os.path.splitext(os.path.basename(SPEC))[0]


def plain():
    shutil.rmtree(OUT, ignore_errors=True)
    t0 = time.perf_counter()
    p = subprocess.run(["/work/venv-dev/bin/planner", "sweep", SPEC, "--out", OUT, "--workers", WORKERS,
                        "--no-progress"], capture_output=True, text=True)
    t1 = time.perf_counter()
    assert p.returncode == 0, p.stderr
    return t1 - t0


def instrumented():
    shutil.rmtree(OUT, ignore_errors=True)
    shutil.rmtree(EV, ignore_errors=True)
    env = dict(os.environ, FLOORX_EV=EV)
    t0 = time.perf_counter()
    env["FLOORX_T_LAUNCH"] = repr(t0)
    p = subprocess.run([PY, "/tmp/floorx/sweep_timed.py", "sweep", SPEC, "--out", OUT, "--workers", WORKERS,
                        "--no-progress"], capture_output=True, text=True, env=env)
    t1 = time.perf_counter()
    assert p.returncode == 0, p.stderr
    evs = []
    for f in os.listdir(EV):
        evs += [json.loads(line) for line in open(os.path.join(EV, f))]
    return t0, t1, evs


def breakdown(t0, t1, evs):
    main = [e for e in evs if e["name"].startswith(("main.", "import", "interpreter"))]
    mpid = next(e["pid"] for e in evs if e["name"] == "import_planner_cli")
    d = {"wall": t1 - t0}
    by = {}
    for e in evs:
        by.setdefault(e["name"], []).append(e)
    one = lambda n: by[n][0]["t1"] - by[n][0]["t0"]
    d["interpreter_startup"] = one("interpreter_startup")
    d["import_planner_cli"] = one("import_planner_cli")
    d["import_batch_run"] = one("import_batch_run")
    pre = by["preimported"][0]
    d["modules_in_main_before_fork"] = {k: v for k, v in pre.items() if k.endswith("_in_main")}
    rs = by["main.run_sweep"][0]
    d["cli_parse_to_run_sweep"] = rs["t0"] - by["main.cli_main"][0]["t0"]
    for n in ("load_spec", "base_scenario", "generate_cases", "check_cases", "_job"):
        d["main." + n] = one("main." + n)
    rl = by["main._run_local"][0]
    d["main.before_pool"] = rl["t0"] - rs["t0"]
    d["pool_total(_run_local)"] = rl["t1"] - rl["t0"]
    firsts = sorted(e["t0"] for e in by["worker.first_run_case_entry"])
    d["pool_start_to_first_worker_entry"] = firsts[0] - rl["t0"]
    d["pool_start_to_last_worker_entry"] = firsts[-1] - rl["t0"]
    states = by["worker._state"]
    d["worker._state(median over workers)"] = st.median(e["t1"] - e["t0"] for e in states)
    for n in ("worker.imports", "worker.load_scenario", "worker.read_csv_decisions", "worker.Session.__init__",
              "worker.Session._hold", "worker.compile_and_passModel", "worker.gc.collect", "worker.gc.freeze"):
        if n in by:
            # per worker sum, median across workers
            per = {}
            for e in by[n]:
                per[e["pid"]] = per.get(e["pid"], 0) + e["t1"] - e["t0"]
            d[n + "(median over workers)"] = st.median(per.values())
    inits = by["worker.Session.__init__"]
    for k in inits[0]["timings"]:
        d[f"worker.Session.__init__.{k}(median)"] = st.median(e["timings"][k] for e in inits)
    cases = by["worker.run_case"]
    for k in ("update_s", "solve_s", "extract_s", "total_s"):
        d[f"case.{k}(median)"] = st.median(e[k] for e in cases)
    d["case.models"] = sorted({e["model"] for e in cases})
    d["case.rebuilds_max"] = max(e["rebuilds"] for e in cases)
    last_case_end = max(e["t1"] for e in cases)
    d["pool_last_case_end_to_return"] = rl["t1"] - last_case_end
    last_manifest = max(e["t1"] for e in by["main.write_manifest"])
    d["main.after_pool_before_report"] = last_manifest - rl["t1"]
    d["main.collect"] = sum(e["t1"] - e["t0"] for e in by["main.collect"])
    d["main.write_results"] = one("main.write_results")
    d["main.report_phase(import report + render_sweep)"] = rs["t1"] - last_manifest
    d["main.outcome"] = one("main.outcome")
    d["main.exit_reached_to_process_end"] = t1 - by["main.exit_reached"][0]["t0"]
    d["main.run_sweep_total"] = one("main.run_sweep")
    return d


runs_plain, runs_inst = [], []
for r in range(REPEATS):
    w, o1 = guarded(plain)
    runs_plain.append(w)
    (t0, t1, evs), o2 = guarded(instrumented)
    d = breakdown(t0, t1, evs)
    d["others_cpu_s"] = o2
    runs_inst.append(d)
    print(f"run {r}: plain {w:.3f} s (others {o1:.2f} CPU-s), instrumented {d['wall']:.3f} s (others {o2:.2f})",
          flush=True)

print(f"\nplain planner sweep wall: median {st.median(runs_plain):.3f} s  runs {[round(x, 3) for x in runs_plain]}")
print("instrumented breakdown (median over runs, ms):")
for k in runs_inst[0]:
    vals = [d[k] for d in runs_inst]
    if isinstance(vals[0], (int, float)):
        print(f"  {k:55s} {1000 * st.median(vals):9.1f}   runs {[round(1000 * v, 1) for v in vals]}")
    else:
        print(f"  {k:55s} {vals[0]}")
json.dump({"plain": runs_plain, "instrumented": runs_inst}, open(f"/tmp/floorx/runs_{tag}.json", "w"), indent=1)
