"""Folders the app tests open: a small run (tests/data/app_whatif.yaml, solved in about 2 s), a 2 x 2 grid sweep of
the toy, a hedge folder as ``planner hedge`` may write it, and a damaged run folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "reports" / "reference"
SMALL = ROOT / "tests" / "data" / "app_whatif.yaml"
TOY = ROOT / "tests" / "data" / "toy.yaml"


def small_run(base: Path) -> Path:
    from planner.api import load_scenario, solve, write_run

    return write_run(solve(load_scenario(SMALL), analysis="off"), base / "small_run")


def small_sweep(base: Path) -> Path:
    from planner.batch.run import run_sweep

    spec = {"name": "app_grid", "base": str(TOY), "kind": "reoptimise",
            "grid": {"parameters": {"trajectories.launch_price_factor": [0.5, 1.0],
                                    "catalog.launch_vehicles.starship.payload_leo_t": [100, 150]}},
            "solver": {"mip_gap": 0.001, "time_limit_s": 60, "threads": 1, "seed": 0}}
    path = base / "app_grid.yaml"
    path.write_text(yaml.safe_dump(spec))
    return run_sweep(path, out=base / "sweeps" / "app_grid", workers=1, progress=False, report=False)


def hedge_folder(base: Path) -> Path:
    """A folder laid out as `planner hedge` writes it (reports/hedge/<name>/: summary.json, tables, each world's
    recourse tables), without its solve: the view must show whatever such a folder holds."""
    h = base / "hedge" / "demo"
    (h / "recourse" / "high").mkdir(parents=True)
    (h / "summary.json").write_text(json.dumps({"name": "demo", "status": "optimal", "expected_usd_per_pflop_day": 9.1,
                                                "vss_usd": 2.5e6, "evpi_usd": 4.3e5, "scenarios": [{"name": "high"}]}))
    (h / "regret.csv").write_text("first_stage_of,in_high,in_low\nhigh,0,1200000\nlow,3400000,0\n")
    (h / "recourse" / "high" / "fleet.csv").write_text("year,architecture,units_in_service\n2030,swarm,3\n")
    return h


def corrupt_run(base: Path, good: Path) -> Path:
    bad = base / "corrupt_run"
    shutil.copytree(good, bad)
    (bad / "summary.json").write_text("{ this is not JSON")
    return bad
