"""Output folders (planner.outdir): the planner writes into or replaces only folders it wrote, of the same kind.

Anything else at an output path (a folder of the user's, a file, a device or FIFO, a symbolic link, a planner
folder of another kind) gives one line, exit 2, and is left exactly as it was; a second writer of one folder is
refused with one line. The refusals of ``planner run`` come before solving, so most cases here cost no solve.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from planner import outdir
from planner.cli import main
from planner.errors import EXIT_BAD_INPUT, EXIT_OK

ROOT = Path(__file__).resolve().parents[1]
STARCLOUD = ROOT / "data" / "scenarios" / "starcloud_2024.yaml"


def cli(capsys, *args) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    return lines[0]


def snapshot(path: Path) -> dict:
    """Everything observable about a path: type, mode, inode, and every file below it with its bytes."""
    st = os.lstat(path)
    out = {"mode": st.st_mode, "ino": st.st_ino}
    if path.is_dir() and not path.is_symlink():
        out["files"] = {str(p.relative_to(path)): (p.read_bytes() if p.is_file() else None)
                        for p in sorted(path.rglob("*"))}
    elif path.is_file() and not path.is_symlink():
        out["bytes"] = path.read_bytes()
    return out


def no_solve(*args, **kwargs):
    raise AssertionError("solved before refusing the output path")


def user_things(tmp_path: Path) -> dict[str, Path]:
    """What a user may have at an output path."""
    docs = tmp_path / "Documents"
    (docs / "taxes").mkdir(parents=True)
    (docs / "taxes" / "2025.pdf").write_bytes(b"%PDF precious")
    (docs / "summary.json").write_text('{"mine": true}')  # a look-alike index file is not enough
    note = tmp_path / "note.txt"
    note.write_text("keep me")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # a special file, like /dev/null
    link = tmp_path / "link"
    link.symlink_to(docs)
    sweep = tmp_path / "a_sweep"  # a planner folder of another kind
    sweep.mkdir()
    (sweep / "manifest.json").write_text("{}")
    (sweep / outdir.MARKER).write_text(json.dumps({"kind": "sweep", "planner_version": "0", "complete": True}))
    return {"user folder": docs, "file": note, "fifo": fifo, "symlink": link, "sweep folder": sweep}


@pytest.mark.parametrize("what", ["user folder", "file", "fifo", "symlink", "sweep folder"])
def test_run_out_refuses_what_it_did_not_write(capsys, tmp_path, monkeypatch, what):
    target = user_things(tmp_path)[what]
    before = snapshot(target)
    monkeypatch.setattr("planner.api.solve", no_solve)
    rc, _, err = cli(capsys, "run", STARCLOUD, "--out", target, "--no-report")
    assert rc == EXIT_BAD_INPUT, err
    line = one_line(err)
    assert line.startswith(f"error: --out: {target}: ") and "left untouched" in line or "link" in line, line
    assert snapshot(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["Documents", "note.txt", "fifo", "link",
                                                                 "a_sweep"]), "left something behind"


def test_api_write_refuses_a_user_folder(tmp_path):
    import planner

    docs = user_things(tmp_path)["user folder"]
    before = snapshot(docs)
    plan = planner.solve(planner.load_scenario(STARCLOUD), compare_ground=False)
    with pytest.raises(outdir.OutputError, match="no .planner-output marker"):
        planner.write_run(plan, docs)
    assert snapshot(docs) == before
    out = planner.write_run(plan, tmp_path / "new")  # a new folder, then the same folder again: replaced
    assert outdir.marker_kind(out) == "run" and outdir.owned(out, "run")
    (out / "notes.txt").write_text("x")  # the user's: kept (see test_a_run_solved_again_keeps_...)
    (out / "tables" / "costs.csv").unlink()  # the planner's: written again
    planner.write_run(plan, out)
    assert (out / "notes.txt").read_text() == "x" and (out / "tables" / "costs.csv").is_file()


def test_an_empty_folder_is_written_into_not_replaced(capsys, tmp_path):
    empty = tmp_path / "mine"
    empty.mkdir()
    ino = os.stat(empty).st_ino
    rc, _, err = cli(capsys, "run", STARCLOUD, "--out", empty, "--no-report")
    assert rc == EXIT_OK, err
    assert os.stat(empty).st_ino == ino, "the user's folder was replaced"
    assert (empty / "summary.json").is_file() and outdir.owned(empty, "run")
    assert json.loads((empty / outdir.MARKER).read_text())["complete"] is True
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_a_run_folder_written_before_the_marker_is_still_replaced(tmp_path):
    legacy = tmp_path / "old"
    legacy.mkdir()
    (legacy / "summary.json").write_text(json.dumps({"planner_version": "0.1.0", "scenario_sha256": "ab"}))
    (legacy / "scenario.resolved.yaml").write_text("name: x\n")
    assert outdir.refusal(legacy, "run") is None
    assert outdir.refusal(legacy, "sweep") is not None


def test_report_and_compare_refuse_a_user_folder(capsys, tmp_path):
    docs = user_things(tmp_path)["user folder"]
    before = snapshot(docs)
    rc, _, err = cli(capsys, "report", docs)
    assert rc == EXIT_BAD_INPUT and "no .planner-output marker" in one_line(err)
    rc, _, err = cli(capsys, "compare", ROOT / "reports" / "reference", "--out", docs)
    assert rc == EXIT_BAD_INPUT and one_line(err).startswith(f"error: --out: {docs}: ")
    assert snapshot(docs) == before


@pytest.mark.parametrize("what", ["file", "fifo", "symlink", "user folder"])
def test_write_resolved_refuses_what_it_did_not_write(capsys, tmp_path, what):
    target = user_things(tmp_path)[what]
    before = snapshot(target)
    rc, _, err = cli(capsys, "validate", STARCLOUD, "--write-resolved", target)
    assert rc == EXIT_BAD_INPUT, err
    assert one_line(err).startswith(f"error: --write-resolved: {target}: ")
    assert snapshot(target) == before


def test_write_resolved_replaces_its_own_file(capsys, tmp_path):
    path = tmp_path / "resolved.yaml"
    assert cli(capsys, "validate", STARCLOUD, "--write-resolved", path)[0] == EXIT_OK
    first = path.read_bytes()
    rc, _, err = cli(capsys, "validate", STARCLOUD, "--set", "horizon.last_year=2040", "--write-resolved", path)
    assert rc == EXIT_OK, err
    assert path.read_bytes() != first and b"\nresolved_catalog:" in path.read_bytes()


@pytest.mark.parametrize("out", ["x" * 300, "."])
def test_unusable_out_paths_are_bad_input(capsys, tmp_path, monkeypatch, out):
    monkeypatch.setattr("planner.api.solve", no_solve)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.txt").write_text("keep")
    rc, _, err = cli(capsys, "run", STARCLOUD, "--out", out, "--no-report")
    assert rc == EXIT_BAD_INPUT, err
    one_line(err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.txt"]


HOLD = """
import sys, time
from planner import outdir
with outdir.lock(sys.argv[1]):
    print("held", flush=True)
    time.sleep(60)
"""


def test_a_second_writer_is_refused_with_one_line(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr("planner.api.solve", no_solve)
    out = tmp_path / "run"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(out)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        rc, _, err = cli(capsys, "run", STARCLOUD, "--out", out, "--no-report")
        assert rc == EXIT_BAD_INPUT, err
        assert f"another planner process (pid {holder.pid})" in one_line(err)
        rc, _, err = cli(capsys, "compare", ROOT / "reports" / "reference", "--out", out)
        assert rc == EXIT_BAD_INPUT and "another planner process" in one_line(err)
    finally:
        holder.kill()
        holder.wait()
    assert not out.exists()
    with outdir.lock(out):  # free again once the holder is gone; nested in one process
        with outdir.lock(out):
            pass
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "the lock file was left behind"


@pytest.mark.parametrize("name", [".", "..", "a/b", "", "x" * 81])
def test_default_folder_names_stay_one_path_component(name):
    with pytest.raises(outdir.InputError):
        outdir.child("reports", name)
    assert outdir.child("reports", "ok.name-1") == Path("reports/ok.name-1")


def test_a_file_of_the_users_where_the_lock_goes_is_left_alone(tmp_path):
    mine = tmp_path / ".run.planner-lock"
    mine.write_text("my notes")
    with pytest.raises(outdir.OutputError, match="not a lock file the planner wrote"):
        with outdir.lock(tmp_path / "run"):
            pass
    assert mine.read_text() == "my notes"
    mine.write_text("12345\n")  # one left by a planner killed with SIGKILL: taken over, then removed
    with outdir.lock(tmp_path / "run"):
        assert mine.read_text().strip() == str(os.getpid())
    assert not mine.exists()


def test_a_run_solved_again_keeps_what_the_run_does_not_write(capsys, tmp_path):
    """A run folder is replaced whole, but not what is in it that the run does not write: a file of the user's and
    the alternatives that later commands wrote stay, byte for byte. Alternatives made from another scenario stay
    too, and the report leaves them out and says so."""
    out = tmp_path / "run"
    rc, _, err = cli(capsys, "run", STARCLOUD, "--out", out, "--no-report")
    assert rc == EXIT_OK, err
    (out / "notes.txt").write_text("my notes")
    alts = out / "alternatives"
    alts.mkdir()
    (alts / "alternatives.csv").write_text("plan,kind\noptimum,optimum\n")
    (alts / outdir.MARKER).write_text(json.dumps({"kind": "alternatives", "planner_version": "0", "complete": True,
                                                  "run_scenario_sha256": "another scenario"}))
    before = snapshot(alts)["files"]
    rc, _, err = cli(capsys, "run", STARCLOUD, "--out", out)
    assert rc == EXIT_OK, err
    assert (out / "notes.txt").read_text() == "my notes"
    assert snapshot(alts)["files"] == before
    assert not [p for p in tmp_path.iterdir() if p.name != "run"], "the replaced folder was left behind"
    report = (out / "report.md").read_text()
    assert "Left out: alternatives, made from this folder's run before it was solved again" in report


def _writer(files: dict[str, str]):
    def write(tmp: Path) -> None:
        for rel, text in files.items():
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp / rel).write_text(text)
        (tmp / "summary.json").write_text("{}")
    return write


def test_a_file_of_the_users_inside_the_planners_subfolders_survives_a_rewrite(tmp_path):
    """The marker lists every path the planner wrote; a re-write drops the planner's old files that it no longer
    writes, at any depth, and keeps the user's, at any depth."""
    out = tmp_path / "run"
    outdir.replace(out, "run", _writer({"tables/a.csv": "1", "tables/b.csv": "1", "analysis/groups.csv": "1"}))
    assert {"tables/a.csv", "tables/b.csv", "analysis", "analysis/groups.csv"} <= \
        set(json.loads((out / outdir.MARKER).read_text())["written"])
    (out / "tables" / "mine.csv").write_text("mine")
    (out / "analysis" / "deep").mkdir()
    (out / "analysis" / "deep" / "notes.txt").write_text("notes")
    outdir.replace(out, "run", _writer({"tables/a.csv": "2"}))
    assert (out / "tables" / "a.csv").read_text() == "2"
    assert not (out / "tables" / "b.csv").exists() and not (out / "analysis" / "groups.csv").exists()
    assert (out / "tables" / "mine.csv").read_text() == "mine"
    assert (out / "analysis" / "deep" / "notes.txt").read_text() == "notes"
    assert [p.name for p in tmp_path.iterdir()] == ["run"], "the replaced folder was left behind"
    # the user's files are still the user's: a third write keeps them again
    outdir.replace(out, "run", _writer({"tables/a.csv": "3"}))
    assert (out / "tables" / "mine.csv").read_text() == "mine"


def test_a_users_file_where_the_planner_now_writes_is_kept_in_the_old_folder(tmp_path, caplog):
    out = tmp_path / "run"
    outdir.replace(out, "run", _writer({"tables/a.csv": "1"}))
    (out / "tables" / "c.csv").write_text("mine")
    outdir.replace(out, "run", _writer({"tables/a.csv": "2", "tables/c.csv": "planner"}))
    assert (out / "tables" / "c.csv").read_text() == "planner"
    kept = [p for p in tmp_path.iterdir() if p.name != "run"]
    assert len(kept) == 1 and (kept[0] / "tables" / "c.csv").read_text() == "mine"
    assert "tables/c.csv" in caplog.text and str(kept[0]) in caplog.text


def test_a_marker_listing_top_level_entries_keeps_its_meaning(tmp_path, caplog):
    """A marker written before the full list names top-level entries, each the planner's whole: replaced when the new
    run has all they hold; a file of the user's next to them is carried over."""
    out = tmp_path / "run"
    outdir.replace(out, "run", _writer({"tables/a.csv": "1"}))
    mark = json.loads((out / outdir.MARKER).read_text())
    del mark["written"]
    (out / outdir.MARKER).write_text(json.dumps({**mark, "entries": ["summary.json", "tables"]}))
    (out / "notes.txt").write_text("mine")
    outdir.replace(out, "run", _writer({"tables/a.csv": "2"}))
    assert (out / "tables" / "a.csv").read_text() == "2" and (out / "notes.txt").read_text() == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["run"] and "kept" not in caplog.text


@pytest.mark.parametrize("marker", ["entries", "none"])
def test_an_old_marker_cannot_tell_a_users_file_inside_its_folders_so_the_old_folder_is_kept(tmp_path, caplog,
                                                                                             marker):
    """Inside a folder an old marker names whole (or, with no list, one the new folder also has), the planner cannot
    tell its files from the user's: if it holds a path the new run does not make, the old folder is kept (logged, by
    name) and nothing of the old run mixes into the new one; what is outside such folders is carried over."""
    out = tmp_path / "run"
    outdir.replace(out, "run", _writer({"analysis/groups.csv": "old run", "alternatives/a.csv": "later command"}))
    mark = json.loads((out / outdir.MARKER).read_text())
    del mark["written"]
    if marker == "entries":
        mark["entries"] = ["summary.json", "analysis"]
    (out / outdir.MARKER).write_text(json.dumps(mark))
    outdir.replace(out, "run", _writer({"analysis/quick.csv": "new run"}))
    assert not (out / "analysis" / "groups.csv").exists()
    assert (out / "alternatives" / "a.csv").read_text() == "later command"
    kept = [p for p in tmp_path.iterdir() if p.name != "run"]
    assert len(kept) == 1 and (kept[0] / "analysis" / "groups.csv").read_text() == "old run"
    assert f"kept the old folder {kept[0]}" in caplog.text and "analysis" in caplog.text


def test_the_planners_files_a_rewrite_no_longer_makes_are_named_once_the_command_is_done(tmp_path):
    """A re-run names the planner's files of the earlier run it did not make again, counted after its later steps
    (a run's report is written into the folder after it is replaced), once."""
    out = tmp_path / "run"

    def report() -> None:  # as planner report writes a run's report: in place, after the folder
        with outdir.writing(out, "run"):
            (out / "figures").mkdir(exist_ok=True)
            (out / "figures" / "a.png").write_text("figure")

    outdir.replace(out, "run", _writer({"analysis/groups.csv": "1", "analysis/x.csv": "1"}))
    report()
    assert outdir.gone(out) is None  # nothing was there before
    outdir.replace(out, "run", _writer({"analysis/x.csv": "2"}))
    report()
    assert outdir.gone(out) == (f"{out}: 1 file(s) the planner wrote in its earlier run are not made by this one and "
                                f"are gone: analysis/groups.csv")
    assert outdir.gone(out) is None  # said once


def test_an_old_markers_folder_the_new_run_does_not_make_at_all_is_kept(tmp_path, caplog):
    out = tmp_path / "run"
    outdir.replace(out, "run", _writer({"analysis/groups.csv": "old run"}))
    mark = json.loads((out / outdir.MARKER).read_text())
    del mark["written"]
    (out / outdir.MARKER).write_text(json.dumps({**mark, "entries": ["summary.json", "analysis"]}))
    outdir.replace(out, "run", _writer({}))  # e.g. --analysis off
    kept = [p for p in tmp_path.iterdir() if p.name != "run"]
    assert len(kept) == 1 and (kept[0] / "analysis" / "groups.csv").read_text() == "old run"
