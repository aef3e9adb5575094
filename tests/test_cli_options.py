"""Command-line options a new user trips over: --no-report with --analysis, --verbose; and how a Dask sweep's
results come back (JSON text, not pickles)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.cli import main
from planner.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
STARCLOUD = ROOT / "data" / "scenarios" / "starcloud_2024.yaml"


class Stop(InputError):
    pass


@pytest.mark.parametrize("args, analysis", [([], "quick"), (["--no-report"], "off"),
                                            (["--no-report", "--analysis", "quick"], "quick"),
                                            (["--no-report", "--analysis", "full"], "full"),
                                            (["--analysis", "off"], "off")])
def test_no_report_does_not_override_an_explicit_analysis(capsys, tmp_path, monkeypatch, args, analysis):
    seen = {}

    def solve(rs, **kw):
        seen.update(kw)
        raise Stop("stop: solve: called")

    monkeypatch.setattr("planner.api.solve", solve)
    assert main(["run", str(STARCLOUD), "--out", str(tmp_path / "x"), *args]) == 2
    assert seen["analysis"] == analysis


def test_verbose_logs_to_stderr(capsys):
    assert main(["-v", "validate", str(STARCLOUD)]) == 0
    err = capsys.readouterr().err
    assert "INFO planner: planner " in err
    assert main(["validate", str(STARCLOUD)]) == 0
    assert "INFO" not in capsys.readouterr().err


def test_dask_results_come_back_as_json_text(tmp_path, monkeypatch):
    """The sweep hands Dask run_case_json, and parses what comes back as JSON: nothing it receives is unpickled
    into objects of the scheduler's choosing (a forged or foreign answer becomes an error row)."""
    import dask.distributed

    from planner.batch import run as batch_run
    from planner.batch import store

    def fake_case(job, i, cid, overrides):
        return {"case_index": i, "case_id": cid, "status": "optimal", "error": "", "usd_per_pflop_day": 3.0}

    class Future:
        status = "finished"

        def __init__(self, key, value):
            self.key, self.value = key, value

        def result(self):
            return self.value

    class Client:
        submitted = []

        def submit(self, fn, *args, key, pure, retries):
            self.submitted.append(fn)
            value = fn(*args) if args[1] != 1 else "{not json"
            return Future(key, value)

    monkeypatch.setattr(batch_run, "run_case", fake_case)
    monkeypatch.setattr(dask.distributed, "wait", lambda fs, timeout, return_when: None)
    written = []
    pending = [(0, "a" * 16, {"x": 1}), (1, "b" * 16, {"x": 2})]
    batch_run._run_dask(Client(), None, pending, written.append)
    assert Client.submitted == [batch_run.run_case_json] * 2
    assert isinstance(batch_run.run_case_json(None, 0, "a" * 16, {}), str)
    good, bad = sorted(written, key=lambda r: r["case_index"])
    assert good["status"] == "optimal" and good["usd_per_pflop_day"] == 3.0
    assert bad["status"] == "error" and "JSONDecodeError" in bad["error"] and store.crashed(bad)
    json.dumps(written)
