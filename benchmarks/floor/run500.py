"""Plain `planner sweep` of a spec, REPEATS times, on a quiet machine (runs where other processes used more than
MAX CPU-s are redone). python run500.py SPEC REPEATS MAX"""
import json, shutil, statistics as st, subprocess, sys, time
import pandas as pd
sys.path.insert(0, "/tmp/floorx")
from quiet import Others, wait_quiet
SPEC, N, MAX = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
OUT = "/tmp/floorx/out500"
rows = []
while len(rows) < N:
    shutil.rmtree(OUT, ignore_errors=True)
    wait_quiet()
    with Others() as o:
        t0 = time.perf_counter()
        p = subprocess.run(["/work/venv-dev/bin/planner", "sweep", SPEC, "--out", OUT, "--workers", "2", "--no-progress"],
                           capture_output=True, text=True)
        wall = time.perf_counter() - t0
    assert p.returncode == 0, p.stderr
    if o.cpu_s > MAX:
        print(f"discarded: others used {o.cpu_s:.2f} CPU-s", flush=True)
        continue
    man = json.load(open(f"{OUT}/manifest.json"))["last_run"]
    df = pd.read_parquet(f"{OUT}/results.parquet")
    r = {"wall_s": wall, "pool_wall_s(manifest)": man["wall_s"], "others_cpu_s": o.cpu_s,
         **{f"median_{k}_ms": 1000 * df[k].median() for k in ("update_s", "solve_s", "extract_s", "total_s")},
         "sum_total_s": df["total_s"].sum(), "models": df["model"].value_counts().to_dict(),
         "plan_held": df["plan_held"].value_counts().to_dict(), "status": df["status"].value_counts().to_dict(),
         "workers": df["worker"].nunique()}
    rows.append(r)
    print(json.dumps(r), flush=True)
print("median wall", round(st.median(r["wall_s"] for r in rows), 3), "median pool", round(st.median(r["pool_wall_s(manifest)"] for r in rows), 3))
json.dump(rows, open("/tmp/floorx/run500.json", "w"), indent=1)
