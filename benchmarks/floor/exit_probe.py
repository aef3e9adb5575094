import time, sys, os, json
t0=time.perf_counter()
mods=sys.argv[1].split(",")
import importlib
for m in mods:
    if m: importlib.import_module(m)
t1=time.perf_counter()
print(json.dumps({"import":t1-t0,"at_exit_line":time.perf_counter()}))
