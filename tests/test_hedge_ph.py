"""Progressive hedging (mpi-sppy PH over 2 MPI ranks) against the extensive form on the two-world toy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from planner.hedge.ph import mpiexec_path
from planner.hedge.solve import ScenarioModels, solve_extensive_form
from tests.test_hedge import WINDOW, toy, units_2030

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(mpiexec_path() is None, reason="mpiexec is not installed (pip install -e '.[mpi]' brings the "
                                                   "mpich wheel and its mpiexec)")
def test_progressive_hedging_on_two_ranks_agrees_with_the_extensive_form():
    proc = subprocess.run([mpiexec_path(), "-n", "2", sys.executable, str(ROOT / "tests" / "ph_toy.py")],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads([line for line in proc.stdout.splitlines() if line.startswith("{")][-1])
    assert got["ranks"] == 2
    ef = solve_extensive_form(ScenarioModels([toy("high", 30.0, 0.6), toy("low", 10.0, 0.4)], WINDOW), 1e-9, 60)
    assert ef.status == "optimal"
    assert got["units_2030"] == units_2030(ef.first_stage)  # the same first stage (an integer: exactly)
    assert got["bound"] <= ef.objective_musd + 1e-6  # PH's Lagrangian bound is a lower bound
    assert got["trivial"] <= got["bound"] + 1e-6  # and no weaker than wait-and-see
