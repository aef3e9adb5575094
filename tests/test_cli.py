"""The command line: exit codes, one-line errors without tracebacks, the catalog listing, the run folder.

Most cases run ``planner.cli.main`` in-process (capsys); a few run the installed console script in a subprocess
to check what a shell sees. Exit codes: 0 ok, 1 internal error, 2 bad input, 3 infeasible.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import planner
from planner.catalog import load_catalog
from planner.cli import main
from planner.errors import EXIT_BAD_INPUT, EXIT_INFEASIBLE, EXIT_INTERNAL, EXIT_OK
from planner.physics import links
from planner.results.schema import TABLES

ROOT = Path(__file__).resolve().parents[1]
SCEN = ROOT / "data" / "scenarios"
SCENARIOS = sorted(SCEN.glob("*.yaml"))
STARCLOUD = SCEN / "starcloud_2024.yaml"
REFERENCE = SCEN / "reference.yaml"
PLANNER_EXE = Path(sys.executable).with_name("planner")  # the console script of this environment
SHELL_CMD = [str(PLANNER_EXE)] if PLANNER_EXE.exists() else [sys.executable, "-m", "planner.cli"]
ERROR_LINE = re.compile(r"^error: (?P<file>[^:]+): (?P<field>[^:]+): (?P<reason>.+)$")


def cli(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def no_crash(err: str) -> bool:
    return "Traceback (most recent call last)" not in err and "internal error:" not in err


def assert_one_line_error(err: str, file: str, field: str | None = None, reason: str | None = None) -> re.Match:
    assert no_crash(err), err
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got:\n{err}"
    m = ERROR_LINE.match(lines[0])
    assert m, f"not 'error: <file>: <field>: <reason>': {lines[0]!r}"
    assert m["file"] == file, lines[0]
    if field is not None:
        assert m["field"] == field, lines[0]
    if reason is not None:
        assert reason in m["reason"], lines[0]
    return m


# ----------------------------------------------------------------------------------------------- validate


def test_every_bundled_scenario_is_found():
    names = {p.stem for p in SCENARIOS}
    assert {"reference", "optimistic_starship", "starcloud_2024", "suncatcher_table1", "ground_only",
            "early_lunar", "latency_heavy"} <= names


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_validate_every_bundled_scenario(capsys, path):
    rc, out, err = cli(capsys, "validate", path)
    assert rc == EXIT_OK, err
    assert "valid scenario" in out
    sha = re.search(r"scenario_sha256 ([0-9a-f]{64})", out)
    assert sha and sha[1] == planner.load_scenario(path).sha256


def test_validate_writes_the_resolved_scenario(capsys, tmp_path):
    target = tmp_path / "resolved.yaml"
    rc, _, err = cli(capsys, "validate", STARCLOUD, "--write-resolved", target)
    assert rc == EXIT_OK, err
    assert target.read_text() == planner.load_scenario(STARCLOUD).resolved_yaml()


# -------------------------------------------------------------------------------------------- bad input


def test_missing_file(capsys, tmp_path):
    missing = tmp_path / "nope.yaml"
    rc, _, err = cli(capsys, "validate", missing)
    assert rc == EXIT_BAD_INPUT
    assert_one_line_error(err, str(missing), reason="not found")


def test_malformed_yaml(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nhorizon: {first_year: 2027, last_year: [2045\n", encoding="utf-8")
    rc, _, err = cli(capsys, "validate", bad)
    assert rc == EXIT_BAD_INPUT
    assert_one_line_error(err, str(bad), reason="YAML")


def test_unknown_key(capsys, tmp_path):
    bad = tmp_path / "unknown.yaml"
    bad.write_text(REFERENCE.read_text(encoding="utf-8") + "\nbogus_key: 1\n", encoding="utf-8")
    rc, _, err = cli(capsys, "validate", bad)
    assert rc == EXIT_BAD_INPUT
    assert_one_line_error(err, str(bad), field="bogus_key", reason="unknown field")


@pytest.mark.parametrize("setting, field, reason", [
    ("horizon.first_year", "horizon.first_year", "path.to.field=value"),  # no '='
    ("horizon.first_year=abc", "horizon.first_year", "integer"),  # bad value
    ("nosuch.field=1", "nosuch", "unknown field"),  # unknown field
    ("catalog.sites.atlantis.first_year=2040", "catalog.sites.atlantis.first_year", "no catalog entry"),
    ("catalog.accelerators.b200.warp_factor=9", "catalog.accelerators.b200.warp_factor", "no catalog value"),
])
def test_bad_set(capsys, setting, field, reason):
    rc, _, err = cli(capsys, "validate", REFERENCE, "--set", setting)
    assert rc == EXIT_BAD_INPUT
    assert_one_line_error(err, "--set", field=field, reason=reason)


def test_bad_mode_and_format(capsys):
    rc, _, err = cli(capsys, "run", STARCLOUD, "--mode", "cheapest", "--no-report")
    assert rc == EXIT_BAD_INPUT
    assert_one_line_error(err, "--mode", reason="demand or ratio")
    rc, _, err = cli(capsys, "catalog", "--format", "xml")
    assert rc == EXIT_BAD_INPUT
    assert_one_line_error(err, "--format", reason="table, csv or json")


def test_usage_errors_exit_2_without_internal_error(capsys):
    for args in (["no-such-command"], ["run", "--no-such-option", "x"], []):
        rc, _, err = cli(capsys, *args)
        assert rc == EXIT_BAD_INPUT, (args, err)
        assert no_crash(err), (args, err)


def test_console_script_bad_input_in_a_shell(tmp_path):
    missing = tmp_path / "missing.yaml"
    p = subprocess.run([*SHELL_CMD, "validate", str(missing)], capture_output=True, text=True, timeout=120,
                       check=False)
    assert p.returncode == EXIT_BAD_INPUT
    assert_one_line_error(p.stderr, str(missing), reason="not found")
    p = subprocess.run([*SHELL_CMD, "validate", str(REFERENCE), "--set", "catalog.sites.atlantis.first_year=1"],
                       capture_output=True, text=True, timeout=120,
                       check=False)
    assert p.returncode == EXIT_BAD_INPUT
    assert_one_line_error(p.stderr, "--set", reason="no catalog entry")


# ----------------------------------------------------------------------------------------------- catalog


def _csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_catalog_filter_csv_prints_only_matching_rows(capsys):
    rc, out, err = cli(capsys, "catalog", "--filter", "b200", "--format", "csv")
    assert rc == EXIT_OK, err
    rows = _csv(out)
    assert rows and all("b200" in r["path"].lower() for r in rows)
    expected = {p for p, _ in load_catalog().quantities() if "b200" in p.lower()}
    assert {r["path"] for r in rows} == expected
    assert {"path", "value", "unit", "source", "confidence"} <= set(rows[0])


def test_catalog_assumptions_are_all_our_assumptions(capsys):
    rc, out, err = cli(capsys, "catalog", "--assumptions", "--format", "csv")
    assert rc == EXIT_OK, err
    rows = _csv(out)
    assert rows
    assert {r["confidence"] for r in rows} == {"our assumption"}
    assert {r["assumption"] for r in rows} == {"True"}
    expected = {p for p, q in load_catalog().quantities() if q.confidence == "our assumption"}
    assert {r["path"] for r in rows} == expected


def test_catalog_table_marks_assumptions(capsys):
    rc, out, err = cli(capsys, "catalog", "--filter", "starship_module.bus_mass")
    assert rc == EXIT_OK, err
    assert "platforms.starship_module.bus_mass_kg" in out and "*" in out


# --------------------------------------------------------------------------------------------------- run

SUMMARY_KEYS = {"status", "mip_gap", "mode", "npv_cost_usd", "npv_delivered_flop", "usd_per_eflop",
                "usd_per_pflop_day", "ground_only", "timings_s", "model_size", "solver", "planner_version",
                "scenario_sha256"}


@pytest.fixture(scope="module")
def starcloud_run(tmp_path_factory):
    """``planner run starcloud_2024 --out .../x --no-report`` once (in-process), its exit code and output."""
    out = tmp_path_factory.mktemp("run") / "x"
    mp = pytest.MonkeyPatch()
    buf_out, buf_err = io.StringIO(), io.StringIO()
    mp.setattr(sys, "stdout", buf_out)
    mp.setattr(sys, "stderr", buf_err)
    try:
        rc = main(["run", str(STARCLOUD), "--out", str(out), "--no-report"])
    finally:
        mp.undo()
    return rc, buf_out.getvalue(), buf_err.getvalue(), out


def test_run_exits_0_and_writes_the_run_folder(starcloud_run):
    rc, out, err, folder = starcloud_run
    assert rc == EXIT_OK, err
    assert "starcloud_2024: optimal" in out and str(folder) in out
    assert "NPV cost $8.20 M" in out, out  # Starcloud's published $8.2M, printed at a readable scale
    for name in ("summary.json", "scenario.resolved.yaml"):
        assert (folder / name).is_file()
    assert not (folder / "report.md").exists() and not (folder / "report.pdf").exists()
    assert (folder / "scenario.resolved.yaml").read_text() == planner.load_scenario(STARCLOUD).resolved_yaml()


def test_run_tables_have_exactly_the_documented_columns(starcloud_run):
    folder = starcloud_run[3] / "tables"
    csvs = {p.stem for p in folder.glob("*.csv")}
    parquets = {p.stem for p in folder.glob("*.parquet")}
    assert csvs == set(TABLES), f"missing {set(TABLES) - csvs}, undocumented {csvs - set(TABLES)}"
    assert parquets == set(TABLES)
    for name, (_, cols) in TABLES.items():
        assert list(pd.read_csv(folder / f"{name}.csv").columns) == list(cols), name
        assert list(pd.read_parquet(folder / f"{name}.parquet").columns) == list(cols), name


def test_run_summary_has_the_required_keys(starcloud_run):
    s = json.loads((starcloud_run[3] / "summary.json").read_text())
    assert SUMMARY_KEYS <= set(s), SUMMARY_KEYS - set(s)
    assert s["status"] == "optimal" and s["mode"] == "demand"
    assert 0 <= s["mip_gap"] <= 1e-4
    for k in ("npv_cost_usd", "npv_delivered_flop", "usd_per_eflop", "usd_per_pflop_day"):
        assert isinstance(s[k], float) and math.isfinite(s[k]) and s[k] > 0, k
    assert s["usd_per_pflop_day"] == pytest.approx(86.4 * s["usd_per_eflop"])
    go = s["ground_only"]
    assert go["status"] == "optimal"
    for k in ("npv_cost_usd", "usd_per_eflop", "usd_per_pflop_day"):
        assert isinstance(go[k], float) and go[k] > 0, k
    assert {"build", "solve", "total"} <= set(s["timings_s"])
    assert all(v >= 0 for v in s["timings_s"].values())
    assert s["timings_s"]["total"] >= s["timings_s"]["solve"]
    ms = s["model_size"]
    assert {"variables", "integer_variables", "constraints"} <= set(ms)
    assert ms["variables"] >= ms["integer_variables"] >= 1 and ms["constraints"] >= 1
    assert s["solver"]["name"] == "highs" and s["solver"]["version"] and "mip_gap" in s["solver"]["options"]
    assert s["planner_version"] == planner.__version__
    assert s["scenario_sha256"] == planner.load_scenario(STARCLOUD).sha256


# --------------------------------------------------------------------------------------------- infeasible

LATE_SITES = ["--set", "unmet.allowed=false", "--set", "catalog.sites.eml1.first_year=2040",
              "--set", "catalog.sites.eml2.first_year=2040", "--set", "catalog.sites.lunar_south_pole.first_year=2040"]


def test_the_late_sites_case_really_is_infeasible():
    """Independently of the solver: off-world demand starts in 2031, and every site within its latency limit
    of users on the Moon opens in 2040."""
    rs = planner.load_scenario(REFERENCE, [s for s in LATE_SITES if s != "--set"])
    cat, s = rs.catalog, rs.scenario
    w = s.workloads["offworld"]
    assert w.users == "moon" and w.demand_at(2030) == 0 and w.demand_at(2031) > 0
    assert not s.unmet.allowed
    close = {name for name, st in cat.sites.items()
             if links.round_trip_ms(st.distance_to_moon_users_km.v, st.routing_ms.v) <= w.latency_limit_ms}
    assert close == {"eml1", "eml2", "lunar_south_pole"}
    assert all(cat.sites[name].first_year.v >= 2040 for name in close)
    assert all(links.round_trip_ms(384_400.0, g.routing_ms.v) > w.latency_limit_ms
               for g in cat.ground_regions.values())


def test_infeasible_run_exits_3_and_says_what_is_missing(capsys, tmp_path):
    out = tmp_path / "infeasible"
    rc, _, err = cli(capsys, "run", REFERENCE, "--out", out, "--no-report", *LATE_SITES)
    assert rc == EXIT_INFEASIBLE, err
    assert no_crash(err)
    first = next(line for line in err.splitlines() if "offworld" in line)
    assert "2031" in first, err
    # what is missing: a site close enough to the Moon, and when the earliest one can serve
    assert re.search(r"needs a site within 1000 ms", first), first
    assert re.search(r"(eml1|eml2|lunar_south_pole).*2040", first), first
    assert not any(f"in {y}:" in err for y in range(2040, 2046)), "from 2040 a site can serve"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "infeasible" and any("2031" in r for r in summary["infeasible_reasons"])
    # HiGHS's IIS as evidence under the reasons: nothing can serve offworld in 2031 (no serve variable exists), so
    # the demand row alone, with unmet demand held at 0, cannot hold
    assert "evidence (HiGHS irreducible infeasible subsystem" in err, err
    assert "demand of offworld in 2031 must be met (balance)" in err and "unmet demand of offworld in 2031" in err
    assert summary["infeasible_evidence"] and "balance" in summary["infeasible_evidence"][0]


def test_infeasible_because_every_design_was_dropped_names_the_reason(capsys, tmp_path):
    physics = [f"terms.{t}=true" for t in ("unit_caps", "total_dose", "failures", "eclipse")]
    args = [a for s in physics + ["design_space.accelerators_per_unit={}",
                                  "architectures.allow=[starship_module@sso_650_dd]"] for a in ("--set", s)]
    rc, _, err = cli(capsys, "run", STARCLOUD, "--out", tmp_path / "x", "--no-report", *args)
    assert rc == EXIT_INFEASIBLE, err
    first = next(line for line in err.splitlines() if "2030" in line)
    assert "total dose" in first, first


# ------------------------------------------------------------------------------------------ atomic writes


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _run_into(capsys, out: Path) -> tuple[int, str]:
    rc, _, err = cli(capsys, "run", STARCLOUD, "--out", out, "--no-report")
    return rc, err


def test_rerun_replaces_the_folder_without_leftovers(capsys, tmp_path):
    out = tmp_path / "x"
    assert _run_into(capsys, out)[0] == EXIT_OK
    # a file the first run wrote and the second does not (its marker lists it as the planner's), and one of the user's
    marker = json.loads((out / ".planner-output").read_text())
    (out / ".planner-output").write_text(json.dumps({**marker, "written": marker["written"] + ["old_table.csv"]}))
    (out / "old_table.csv").write_text("from the first run")
    (out / "my_notes.txt").write_text("mine")
    rc, err = _run_into(capsys, out)
    assert rc == EXIT_OK, err
    assert not (out / "old_table.csv").exists(), "the folder was merged into, not replaced"
    assert (out / "my_notes.txt").read_text() == "mine", "a file the planner did not write was deleted"
    assert (out / "summary.json").is_file() and len(list((out / "tables").glob("*.csv"))) == len(TABLES)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x"], "temporary or old folders left behind"


def test_crash_while_writing_keeps_the_old_folder(capsys, tmp_path, monkeypatch):
    from planner.results import plan as plan_mod

    out = tmp_path / "x"
    assert _run_into(capsys, out)[0] == EXIT_OK
    before = _snapshot(out)
    real = plan_mod.Plan._write_into

    def crash(self, folder):
        real(self, folder)  # everything written ... then the process dies before the swap
        (Path(folder) / "summary.json").write_text("{half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(plan_mod.Plan, "_write_into", crash)
    rc, err = _run_into(capsys, out)
    assert rc == EXIT_INTERNAL and "No space left" in err and "Traceback (most recent" not in err
    assert _snapshot(out) == before, "the old run folder changed"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x"], "temporary folders left behind"


def test_crash_during_the_swap_keeps_the_old_folder(capsys, tmp_path, monkeypatch):
    from planner import outdir

    out = tmp_path / "x"
    assert _run_into(capsys, out)[0] == EXIT_OK
    before = _snapshot(out)
    real_replace = os.replace

    def failing_replace(src, dst):
        if Path(dst) == out and Path(src).is_dir():  # the swap of the new folder into place
            raise OSError(5, "Input/output error")
        return real_replace(src, dst)

    monkeypatch.setattr(outdir.os, "replace", failing_replace)
    rc, _ = _run_into(capsys, out)
    assert rc == EXIT_INTERNAL
    assert out.is_dir() and _snapshot(out) == before, "the old run folder is gone"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x"]


def test_report_on_a_broken_run_folder_is_bad_input(capsys, tmp_path, starcloud_run):
    import shutil

    half = tmp_path / "half"  # a summary.json and nothing else
    half.mkdir()
    (half / "summary.json").write_text("{}")
    rc, _, err = cli(capsys, "report", half)
    assert rc == EXIT_BAD_INPUT
    assert_one_line_error(err, str(half), field=".planner-output", reason="not a run folder")
    torn = tmp_path / "torn"  # a real run folder whose summary.json was cut short
    shutil.copytree(starcloud_run[3], torn)
    (torn / "summary.json").write_text("{bad")
    rc, _, err = cli(capsys, "report", torn)
    assert rc == EXIT_BAD_INPUT
    assert_one_line_error(err, str(torn), field="summary.json", reason="unreadable")


def test_report_on_a_missing_folder_says_so(capsys, tmp_path):
    rc, _, err = cli(capsys, "report", tmp_path / "nowhere")
    assert rc == EXIT_BAD_INPUT
    assert_one_line_error(err, str(tmp_path / "nowhere"), reason="no such run folder")
