"""Progressive hedging on the two-world toy of tests/test_hedge.py, run under ``mpiexec -n K`` by
tests/test_hedge_ph.py: rank 0 prints the consensus first stage and the bounds as one JSON line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from planner.hedge.ph import rank, run_ph  # noqa: E402
from planner.hedge.solve import ScenarioModels  # noqa: E402
from tests.test_hedge import WINDOW, toy  # noqa: E402


def main() -> None:
    worlds = [toy("high", 30.0, 0.6), toy("low", 10.0, 0.4)]
    models = ScenarioModels(worlds, WINDOW)
    models.check()
    got = run_ph(models, gap=1e-9, time_limit_s=60, iterations=100)
    if rank() == 0:
        units = sum(x for (a, key, v), x in got["first_stage"]["units"].items() if v == 2030)
        print(json.dumps({"units_2030": units, "bound": got["lagrangian_bound_musd"],
                          "trivial": got["trivial_bound_musd"], "iterations": got["iterations"],
                          "ranks": got["ranks"]}))


if __name__ == "__main__":
    main()
