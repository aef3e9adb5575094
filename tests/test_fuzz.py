"""The fuzz suite, bounded for CI: 30 mutated scenarios and sweep specs and 12 command lines (tests/fuzz.py; about
10 s on a quiet machine). The issue's done-when run is ``python tests/fuzz.py --scenarios 1000 --cli 200``.

It runs as its own process: the fuzzer forks one child per case, and a pytest-xdist worker has threads of its own.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

FUZZ = Path(__file__).with_name("fuzz.py")


def test_a_bounded_fuzz_run_finds_no_defect(tmp_path):
    p = subprocess.run([sys.executable, str(FUZZ), "--scenarios", "30", "--cli", "12", "--seed", "17",
                        "--keep", str(tmp_path / "defects")], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-4000:]
    assert "defects: none" in p.stdout
    # every case ran and was classified
    counts = [line for line in p.stdout.splitlines() if line.startswith(("  scenario", "  sweep", "  cli"))]
    total = sum(int(part.split(": ")[1]) for line in counts for part in line.split(",") if ": " in part)
    assert total == 42, p.stdout
