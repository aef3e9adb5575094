import json, statistics as st, subprocess, sys
sys.path.insert(0, "/tmp/floorx")
from quiet import Others, wait_quiet
rows = []
while len(rows) < 5:
    wait_quiet(need=2)
    with Others() as o:
        p = subprocess.run(["/work/venv-dev/bin/python", "/tmp/floorx/report_phase.py"], capture_output=True, text=True)
    if o.cpu_s <= 0.1:
        rows.append(json.loads(p.stdout.strip().splitlines()[-1]))
for k in rows[0]:
    print(k, round(st.median(r[k] for r in rows), 1), [round(r[k], 1) for r in rows])
