"""Sweep folders and the local pool: names stay inside the sweeps folder, a sweep never deletes another's cases,
a crashing case is charged alone, ``--resume`` re-runs what is stale, corrupt, forged or crashed.

Cases here do not solve: ``run_case`` is replaced by a stand-in that returns a record at once (the local pool
forks, so its workers run the stand-in too). The real solving path is covered by tests/test_batch.py.
"""

from __future__ import annotations

import json
import os
import sys
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


# ------------------------------------------------------------------------------------- a crashing case


CRASH_AT = 7


def crash_one(job, i, cid, overrides):
    """Case CRASH_AT takes its worker down (as a segfault in a solver would); the others finish."""
    if i == CRASH_AT:
        os._exit(70)
    return fake_case(job, i, cid, overrides)


def test_a_case_that_kills_its_worker_is_charged_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(batch_run, "run_case", crash_one)
    spec = spec_file(tmp_path, "crash", n=20)
    out = sweep(spec, tmp_path / "out", workers=2)
    df = pd.read_parquet(out / "results.parquet").set_index("case_index")
    assert len(df) == 20
    assert (df.drop(index=CRASH_AT)["status"] == "optimal").all(), df[["status", "error"]]
    dead = df.loc[CRASH_AT]
    assert dead["status"] == "error" and "died (exit code 70) 3 times" in dead["error"], dead["error"]
    assert batch_run.outcome(out)["internal"] and not batch_run.outcome(out)["all_failed"]
    # resume runs the dead case again (it finishes now), unless told not to
    monkeypatch.setattr(batch_run, "run_case", fake_case)
    sweep(spec, out, resume=True, retry_failed=False)
    assert pd.read_parquet(out / "results.parquet").set_index("case_index").loc[CRASH_AT, "status"] == "error"
    sweep(spec, out, resume=True)
    df = pd.read_parquet(out / "results.parquet")
    assert len(df) == 20 and (df["status"] == "optimal").all()


# ------------------------------------------------------------------------------------------ resume


class Calls:
    """The cases the (forked) workers ran, through a file they append to."""

    def __init__(self, path: Path):
        self.path = path

    def __call__(self, job, i, cid, overrides):
        with self.path.open("a") as fh:
            fh.write(f"{i}\n")
        return fake_case(job, i, cid, overrides)

    def __iter__(self):
        return iter(int(x) for x in self.path.read_text().split()) if self.path.exists() else iter(())


def test_resume_reruns_what_is_stale_corrupt_forged_or_crashed_and_says_so(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    spec = spec_file(tmp_path, "r", n=6)
    monkeypatch.setattr(batch_run, "run_case", fake_case)
    sweep(spec, out)
    files = sorted((out / "cases").glob("*.json"), key=lambda p: json.loads(p.read_text())["case_index"])
    files[0].write_text(files[0].read_text()[:40])  # truncated
    rec = json.loads(files[1].read_text())
    files[1].write_text(json.dumps({**rec, "usd_per_pflop_day": -1.0}))  # forged cost
    rec = json.loads(files[2].read_text())
    files[2].write_text(json.dumps({**rec, "space_share": 7}))  # forged share
    rec = json.loads(files[3].read_text())
    files[3].write_text(json.dumps({**rec, "status": "error", "error": "ValueError: x", "traceback": "Tb"}))
    stray = out / "cases" / "00000000deadbeef.json"  # a case of another spec
    stray.write_text(json.dumps({**rec, "case_id": "00000000deadbeef", "usd_per_pflop_day": 1e9}))
    calls = Calls(tmp_path / "calls")
    monkeypatch.setattr(batch_run, "run_case", calls)
    capsys.readouterr()
    sweep(spec, out, resume=True)
    err = capsys.readouterr().err
    assert sorted(calls) == [0, 1, 2, 3], err
    assert "resume: 2 cases kept; running 4: 1 corrupt, 2 forged (impossible values), 1 crashed" in err, err
    assert "1 case file of other cases ignored" in err
    df = pd.read_parquet(out / "results.parquet")
    assert len(df) == 6 and (df["status"] == "optimal").all()
    assert (df["usd_per_pflop_day"] >= 0).all() and df["space_share"].between(0, 1).all()
    assert "00000000deadbeef" not in set(df["case_id"]) and stray.exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["last_run"]["resume"]["forged"] == 2


def test_resume_reruns_every_case_when_the_spec_overrides_change(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    monkeypatch.setattr(batch_run, "run_case", fake_case)
    sweep(spec_file(tmp_path, "h", n=3, overrides=["horizon.last_year=2031"]), out)
    calls = Calls(tmp_path / "calls")
    monkeypatch.setattr(batch_run, "run_case", calls)
    sweep(spec_file(tmp_path, "h", n=3, overrides=["horizon.last_year=2031"]), out, resume=True)
    assert list(calls) == []  # nothing changed: nothing runs
    capsys.readouterr()
    sweep(spec_file(tmp_path, "h", n=3, overrides=["horizon.last_year=2032"]), out, resume=True)
    assert sorted(calls) == [0, 1, 2]
    assert "running 3: 3 stale" in capsys.readouterr().err


# ---------------------------------------------------------------------------------- workers and progress


def test_workers_are_capped_by_the_cases_and_the_cores(tmp_path, fake, capsys):
    capsys.readouterr()
    out = sweep(spec_file(tmp_path, "w", n=2), tmp_path / "out", workers=64)
    err = capsys.readouterr().err
    assert "--workers 64 capped at" in err and ("2 cases to run" in err or "core" in err), err
    assert json.loads((out / "manifest.json").read_text())["last_run"]["workers"] <= min(2, os.cpu_count())


def test_progress_lines_when_stderr_is_not_a_terminal(tmp_path, fake, capsys):
    run_sweep(spec_file(tmp_path, "p", n=20), out=tmp_path / "out", workers=1, report=False, progress=True)
    lines = [x for x in capsys.readouterr().err.splitlines() if x.startswith("sweep: ")]
    assert len(lines) >= 10 and lines[-1].startswith("sweep: 20/20 cases done (0 failed)"), lines


ORPHAN = """
import os, sys, time
from planner.batch import run as r
def slow(job, i, cid, c):
    print(f"worker {os.getpid()}", flush=True)
    time.sleep(600)
r.run_case = slow
r.run_sweep(sys.argv[1], out=sys.argv[2], workers=2, progress=False, report=False)
"""


def test_workers_exit_when_the_sweep_is_killed(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    proc = subprocess.Popen([sys.executable, "-c", ORPHAN, str(spec_file(tmp_path, "o", n=4)), str(tmp_path / "o")],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    pids = []
    try:
        while len(pids) < 2:
            line = proc.stdout.readline()
            assert line, "the sweep ended before its workers started"
            pids.append(int(line.split()[1]))
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    def alive(pid):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return not open(f"/proc/{pid}/stat").read().split()[2] == "Z" if os.path.exists(f"/proc/{pid}") else False

    deadline = time.time() + 20
    while any(alive(p) for p in pids) and time.time() < deadline:
        time.sleep(0.2)
    assert not any(alive(p) for p in pids), "workers outlived the killed sweep"


# ---------------------------------------------------------------------------------------------- --cluster


class Listener:
    """A TCP listener on 127.0.0.1 that accepts connections and then says nothing, or sends junk."""

    def __init__(self, junk: bytes | None = None):
        import socket
        import threading

        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.junk, self.conns = junk, []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            if self.junk:
                try:
                    conn.sendall(self.junk)
                except OSError:
                    pass

    def close(self):
        for c in self.conns:
            c.close()
        self.sock.close()


@pytest.mark.parametrize("junk", [None, b"\xff" * 4096, b"HTTP/1.1 200 OK\r\n\r\nhello" * 50],
                         ids=["silent", "ff", "http"])
def test_a_listener_that_is_not_a_scheduler_is_one_line_within_the_timeout(capsys, tmp_path, fake, junk):
    import time

    import dask.distributed  # noqa: F401 - imported before the clock starts

    server = Listener(junk)
    address = f"tcp://127.0.0.1:{server.port}"
    try:
        rc, _, err = cli(capsys, "sweep", spec_file(tmp_path), "--out", tmp_path / "x", "--no-progress",
                         "--cluster", address, "--connect-timeout", "2")
        t0 = time.perf_counter()
        with pytest.raises(InputError):
            batch_run._connect(address, 2)
        took = time.perf_counter() - t0
    finally:
        server.close()
    assert rc == EXIT_BAD_INPUT, err
    line = err.strip().splitlines()
    assert len(line) == 1 and line[0].startswith("error: --cluster: cluster: ") and "Traceback" not in err, err
    assert took < 2 + batch_run.CONNECT_SLACK_S + 3, f"waited {took:.0f} s with a 2 s --connect-timeout"
    assert not (tmp_path / "x").exists()


def test_cluster_without_the_extra_says_how_to_install_it(capsys, tmp_path, monkeypatch, fake):
    for name in ("distributed", "distributed.comm.addressing", "dask.distributed"):
        monkeypatch.setitem(sys.modules, name, None)  # as if planner[cluster] were not installed
    rc, _, err = cli(capsys, "sweep", spec_file(tmp_path), "--out", tmp_path / "x", "--no-progress",
                     "--cluster", "tcp://127.0.0.1:8786")
    assert rc == EXIT_BAD_INPUT and "pip install 'planner[cluster]'" in err and len(err.strip().splitlines()) == 1, err
