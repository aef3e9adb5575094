"""Sweep folders and the local pool: names stay inside the sweeps folder, a sweep never deletes another's cases,
a crashing case is charged alone, ``--resume`` re-runs what is stale, corrupt, forged or crashed.

Cases here do not solve: ``run_case`` is replaced by a stand-in that returns a record at once (the local pool
forks, so its workers run the stand-in too). The real solving path is covered by tests/test_batch.py.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
import yaml

from planner import outdir
from planner.batch import run as batch_run
from planner.batch import store
from planner.batch.run import run_sweep
from planner.cli import main
from planner.errors import EXIT_BAD_INPUT, InputError

ROOT = Path(__file__).resolve().parents[1]
TOY = ROOT / "tests" / "data" / "toy.yaml"


def spec_file(tmp_path: Path, name: str = "s", n: int = 4, **extra) -> Path:
    doc = {"name": name, "base": str(TOY), "compare_ground": False,
           "grid": {"parameters": {"trajectories.launch_price_factor": [round(0.1 * (i + 1), 3) for i in range(n)]}},
           **extra}
    path = tmp_path / f"spec_{name.replace('.', 'dot').replace('/', '_')}.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def fake_case(job, i, cid, overrides):
    """A finished case without solving: the cost is the launch price factor, so each case is recognisable."""
    x = float(overrides["trajectories.launch_price_factor"])
    return {"case_index": i, "case_id": cid, "overrides": json.dumps(overrides, sort_keys=True), "error": "",
            "worker": f"test:{os.getpid()}", "status": "optimal", "usd_per_pflop_day": 100 * x,
            "space_share": 0.5, "share_ground": 0.5, "share_swarm": 0.5, "share_module": 0.0, "share_station": 0.0}


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setattr(batch_run, "run_case", fake_case)


def sweep(spec, out, **kw):
    kw.setdefault("workers", 1)
    return run_sweep(spec, out=out, progress=False, report=False, **kw)


def cli(capsys, *args) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.mark.parametrize("name", [".", ".."])
def test_a_spec_named_dot_or_dotdot_is_refused(capsys, tmp_path, monkeypatch, fake, name):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reports").mkdir()
    spec = spec_file(tmp_path, name)
    rc, _, err = cli(capsys, "sweep", spec, "--workers", "1", "--no-progress")
    assert rc == EXIT_BAD_INPUT, err
    assert len(err.strip().splitlines()) == 1 and f"{spec}: name:" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["reports", spec.name])
    assert list((tmp_path / "reports").iterdir()) == []


def test_sweep_out_refuses_a_user_folder(capsys, tmp_path, fake):
    docs = tmp_path / "Documents"
    (docs / "cases").mkdir(parents=True)
    (docs / "cases" / "0123456789abcdef.json").write_text("{}")  # looks like a case file, but not a sweep folder
    (docs / "manifest.json").write_text('{"mine": 1}')
    rc, _, err = cli(capsys, "sweep", spec_file(tmp_path), "--out", docs, "--workers", "1", "--no-progress")
    assert rc == EXIT_BAD_INPUT and f"error: --out: {docs}: " in err and "left untouched" in err, err
    assert sorted(str(p.relative_to(docs)) for p in docs.rglob("*")) == ["cases", "cases/0123456789abcdef.json",
                                                                         "manifest.json"]
    assert (docs / "manifest.json").read_text() == '{"mine": 1}'


def test_a_fresh_sweep_does_not_delete_another_sweeps_cases(tmp_path, fake):
    out = tmp_path / "out"
    sweep(spec_file(tmp_path, "first"), out)
    first = {p.name: p.read_bytes() for p in (out / "cases").iterdir()}
    (out / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="holds the cases of sweep 'first', not of 'second'.*--overwrite"):
        sweep(spec_file(tmp_path, "second", n=3), out)
    assert {p.name: p.read_bytes() for p in (out / "cases").iterdir()} == first
    with pytest.raises(InputError, match="holds the cases of sweep 'first'"):
        sweep(spec_file(tmp_path, "second", n=3), out, resume=True)
    sweep(spec_file(tmp_path, "second", n=3), out, overwrite=True)
    assert len(pd.read_parquet(out / "results.parquet")) == 3
    assert (out / "notes.txt").read_text() == "mine"
    assert outdir.owned(out, "sweep")


def test_a_fresh_rerun_of_the_same_sweep_keeps_the_folder_and_reads_only_its_cases(tmp_path, fake):
    out = tmp_path / "out"
    sweep(spec_file(tmp_path, "s", n=4), out)
    assert len(store.case_ids(out)) == 4
    sweep(spec_file(tmp_path, "s", n=2), out)  # fewer cases now: the other two are not results
    df = pd.read_parquet(out / "results.parquet")
    assert len(df) == 2 and sorted(df["usd_per_pflop_day"]) == pytest.approx([10.0, 20.0])
