"""Issue 17, 'Bad input that still crashes or hangs': one regression test per defect the fuzzer found (each failed
before the fix: a RecursionError, OSError, IndexError, OverflowError or KeyError with exit 1, a hang, a flood of
lines, NaN in summary.json), the YAML 1.2 conventions and the warnings on implausible values.

Everything runs in-process on small inputs; the three that solve use the smallest scenarios.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest
import yaml

from planner.errors import EXIT_BAD_INPUT, EXIT_NO_PLAN, EXIT_OK, InputError
from planner.scenario import load_scenario
from planner.yamlio import MAX_YAML_DEPTH, MAX_YAML_VALUES, finite_json, parse_yaml

from test_cli import assert_one_line_error, cli, no_crash  # noqa: E402  (same helpers as the CLI tests)

ROOT = Path(__file__).resolve().parents[1]
SCEN = ROOT / "data" / "scenarios"
REFERENCE = SCEN / "reference.yaml"
STARCLOUD = SCEN / "starcloud_2024.yaml"
REF_TEXT = REFERENCE.read_text(encoding="utf-8")


def problems(path, overrides=None) -> list[str]:
    with pytest.raises(InputError) as exc:
        load_scenario(path, overrides)
    return exc.value.problems


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------ nesting, chains, size


def test_deep_nesting_is_one_line_not_a_recursion_error(tmp_path):
    f = write(tmp_path / "deep.yaml", "name: x\nfoo: " + "[" * 600 + "]" * 600 + "\n")
    [line] = problems(f)
    assert line == f"{f}: (top level): malformed YAML: nested more than {MAX_YAML_DEPTH} levels deep (line 2)"


def test_a_long_extends_chain_is_one_line(tmp_path):
    write(tmp_path / "c0.yaml", REF_TEXT)
    for i in range(1, 60):
        write(tmp_path / f"c{i}.yaml", f"extends: c{i - 1}.yaml\n")
    [line] = problems(tmp_path / "c59.yaml")
    assert ": extends: a chain of more than 20 files extending each other" in line
    # a chain within the limit still loads
    assert load_scenario(tmp_path / "c15.yaml").name == "reference"


def test_a_too_long_file_name_in_extends_is_one_line(tmp_path):
    f = write(tmp_path / "long.yaml", "extends: " + "x" * 300 + ".yaml\n")
    [line] = problems(f)
    assert line.startswith(f"{f}: extends: cannot read xxxx") and "(305 characters): File name too long" in line


@pytest.mark.parametrize("what, text", [
    ("a huge list", yaml.safe_dump({**yaml.safe_load(REF_TEXT), "architectures": {"allow": ["*"] * 100_000}})),
    ("50,000 unknown keys", REF_TEXT + "".join(f"k{i}: {i}\n" for i in range(50_000))),
])
def test_huge_input_is_refused_before_it_is_read_whole(tmp_path, what, text):
    f = write(tmp_path / "big.yaml", text)
    [line] = problems(f)
    assert line == f"{f}: (top level): malformed YAML: more than {MAX_YAML_VALUES:,} values", what


def test_an_alias_bomb_is_refused(tmp_path):
    bomb = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
    f = write(tmp_path / "bomb.yaml", REF_TEXT + "\nbomb:\n" + "".join(f"  {ln}\n" for ln in bomb.splitlines()))
    [line] = problems(f)
    assert "more than 50,000 values (counting what aliases expand to)" in line


def test_a_long_list_within_the_size_limit_is_refused_by_its_field(tmp_path):
    doc = yaml.safe_load(REF_TEXT)
    doc["architectures"] = {"allow": ["*"] * 20_000}
    [line] = problems(write(tmp_path / "list.yaml", yaml.safe_dump(doc)))
    assert ": architectures.allow: List should have at most 200 items" in line


def test_many_unknown_keys_within_the_limit_are_answered_quickly(tmp_path, capsys):
    """20,000 unknown keys: every problem is found (the origin of each field is looked up in one index, not in all
    20,000 origins for each: that made it hang), and the CLI prints 10 lines."""
    f = write(tmp_path / "keys.yaml", REF_TEXT + "".join(f"k{i}: {i}\n" for i in range(20_000)))
    assert len(problems(f)) == 20_000
    rc, _, err = cli(capsys, "validate", f)
    assert rc == EXIT_BAD_INPUT and no_crash(err)
    lines = err.strip().splitlines()
    assert len(lines) == 10 and lines[-1] == "error: ... and 19991 more problems"


# ------------------------------------------------------------------------------------ not files


def test_special_files_are_refused_at_once(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer for ever
    assert problems(fifo) == [f"{fifo}: (top level): is a FIFO, not a regular file"]
    assert problems("/dev/zero") == ["/dev/zero: (top level): is a device, not a regular file"]
    assert problems(tmp_path) == [f"{tmp_path}: (top level): is a folder, not a file"]
    big = tmp_path / "big.yaml"
    with open(big, "wb") as fh:
        fh.truncate(3_000_000)  # sparse: costs no disk
    assert problems(big) == [f"{big}: (top level): file too large: 3,000,000 bytes (at most 2,000,000)"]


def test_validate_dev_zero_returns_one_line(capsys):
    rc, _, err = cli(capsys, "validate", "/dev/zero")
    assert rc == EXIT_BAD_INPUT
    assert_one_line_error(err, "/dev/zero", "(top level)", "is a device")


# ------------------------------------------------------------------------------------ numbers


@pytest.mark.parametrize("override, field", [
    ("carbon.price_usd_per_t=inf", "carbon.price_usd_per_t"),
    ("carbon.price_usd_per_t=.nan", "carbon.price_usd_per_t"),
    ("trajectories.cadence_flights_per_yr.starship=inf", "trajectories.cadence_flights_per_yr.starship"),
    ("catalog.launch_vehicles.starship.price_musd_per_flight=.inf",
     "catalog.launch_vehicles.starship.price_musd_per_flight.value"),
])
def test_non_finite_numbers_must_be_finite(override, field):
    [line] = problems(REFERENCE, [override])
    assert line.startswith(f"--set: {field}: must be a finite number, got "), line


@pytest.mark.parametrize("override, field", [
    ("carbon.price_usd_per_t=1e308", "carbon.price_usd_per_t"),
    ("catalog.platforms.station_module.bus_cost_usd=1e300", "catalog.platforms.station_module.bus_cost_usd"),
])
def test_overflowing_numbers_are_refused_with_their_field(override, field):
    """1e308 $/t is finite, but a cost built on it is not (the coefficients were NaN and the run exited 1)."""
    [line] = problems(REFERENCE, [override])
    assert line.startswith(f"--set: {field}: ") and "too large to compute with (at most 1e+15" in line


def test_a_demand_that_compounds_to_overflow_is_refused():
    lines = problems(REFERENCE, ["horizon.last_year=2200", "workloads.training.growth.growth_per_yr=10"])
    assert any(line.startswith("--set: workloads.training.growth: the demand grows to 2.897") for line in lines), lines


def test_the_coefficients_of_every_allowed_extreme_are_finite():
    """The largest values the limits let through still give finite coefficients (no inf or NaN reaches HiGHS)."""
    from planner.model.coefficients import compute

    rs = load_scenario(REFERENCE, ["horizon.last_year=2030", "carbon.price_usd_per_t=1e15",
                                   "catalog.launch_vehicles.starship.price_musd_per_flight=1e15"])
    c = compute(rs)
    bad = [(name, k) for name, table in vars(c).items() if isinstance(table, dict)
           for k, v in table.items() if isinstance(v, float) and not math.isfinite(v)]
    assert not bad, bad[:5]


def test_an_empty_year_table_is_bad_input_not_an_index_error():
    [line] = problems(REFERENCE, ["catalog.launch_vehicles.starship.price_musd_per_flight={}"])
    assert line == ("--set: catalog.launch_vehicles.starship.price_musd_per_flight: value: a year table needs at "
                    "least one year")


# ------------------------------------------------------------------------------------ YAML conventions


def test_yaml_1_2_numbers_and_merge_keys():
    doc = parse_yaml("a: 2e1\nb: 1E-3\nc: .5\nd: -.inf\ne: 1_000.5\nf: 3\ng: e1\n"
                     "base: &b {x: 1, y: 2}\nh:\n  <<: *b\n  y: 3\n")
    assert doc["a"] == 20.0 and isinstance(doc["a"], float) and doc["b"] == 0.001 and doc["c"] == 0.5
    assert doc["d"] == -math.inf and doc["e"] == 1000.5 and doc["f"] == 3 and isinstance(doc["f"], int)
    assert doc["g"] == "e1"
    assert doc["h"] == {"x": 1, "y": 3}  # the merge key, and a key of the mapping itself wins
    with pytest.raises(yaml.YAMLError, match="duplicate key 'x'"):
        parse_yaml("x: 1\nx: 2\n")  # a mapping's own keys still may not repeat


def test_merge_keys_and_1_2_numbers_in_a_scenario(tmp_path):
    text = REF_TEXT.replace("  realtime_inference:\n    label: Real-time inference (driving, drones, disaster "
                            "monitoring)\n", "  realtime_inference:\n    <<: *training\n    label: Real-time\n")
    text = text.replace("  training:\n", "  training: &training\n", 1).replace("discount_rate: 0.07",
                                                                                 "discount_rate: 7e-2")
    rs = load_scenario(write(tmp_path / "merge.yaml", text))
    assert rs.scenario.money.discount_rate == 0.07
    assert rs.scenario.workloads["realtime_inference"].label == "Real-time"
    assert rs.scenario.workloads["realtime_inference"].latency_limit_ms == 50  # its own key wins over the merge


def test_nan_gets_a_finite_number_error_not_a_range_error(tmp_path):
    f = write(tmp_path / "nan.yaml", REF_TEXT.replace("discount_rate: 0.07", "discount_rate: .nan"))
    assert problems(f) == [f"{f}: money.discount_rate: must be a finite number, got nan"]


# ------------------------------------------------------------------------------------ floods, odd characters


def test_error_floods_are_capped_at_ten_lines_and_values_cut(tmp_path, capsys):
    doc = yaml.safe_load(REF_TEXT)
    doc["design_space"]["radiator_temps_k"] = [-1] * 40  # 40 problems
    doc["architectures"] = {"allow": ["x" * 1_000_000]}
    f = write(tmp_path / "flood.yaml", yaml.safe_dump(doc, width=10**7))
    rc, _, err = cli(capsys, "validate", f)
    lines = err.strip().splitlines()
    assert rc == EXIT_BAD_INPUT and no_crash(err)
    assert len(lines) == 10 and lines[-1] == "error: ... and 31 more problems", lines
    rc, _, err = cli(capsys, "validate", REFERENCE, "--set", "architectures.allow=['" + "y" * 1_000_000 + "']")
    [line] = err.strip().splitlines()
    assert len(line) < 300 and "(1,000,002 characters)" in line, line


def test_a_lone_surrogate_in_a_key_is_one_line(tmp_path, capsys):
    f = write(tmp_path / "s.yaml", REF_TEXT + '"\\udc80": 1\n')
    rc, _, err = cli(capsys, "validate", f)
    assert rc == EXIT_BAD_INPUT and no_crash(err)
    [line] = err.strip().splitlines()
    assert line.startswith(f"error: {f}: ")


# ------------------------------------------------------------------------------------ sweep specs


@pytest.mark.parametrize("target", ["/proc/self/status", "passwd"])
def test_csv_file_that_is_not_a_csv_table_is_one_line(tmp_path, target):
    from planner.batch.spec import generate_cases, load_spec

    if target == "passwd":  # a colon-separated file with ragged rows
        target = str(write(tmp_path / "passwd", "root:x:0:0:root:/root:/bin/bash\nbin,x\n,,,\n"))
    spec_file = write(tmp_path / "spec.yaml", yaml.safe_dump({"name": "s", "base": str(STARCLOUD),
                                                              "csv": {"file": target}}))
    spec, path = load_spec(spec_file)
    with pytest.raises(InputError) as exc:
        generate_cases(spec, path, load_scenario(STARCLOUD))
    [line] = exc.value.problems
    assert line.startswith(f"{spec_file}: csv.file: {target}: not a CSV table of overrides (Error tokenizing"), line


def test_a_correlation_of_a_value_not_drawn_is_one_line(tmp_path):
    from planner.batch.spec import generate_cases, load_spec

    spec_file = write(tmp_path / "mc.yaml", yaml.safe_dump({
        "name": "mc", "base": str(STARCLOUD), "random": {"n": 4, "parameters": "catalog", "correlations": [
            ["launch_vehicles.nope.price_musd_per_flight", "launch_vehicles.starship.price_musd_per_flight", 0.5]]}}))
    spec, path = load_spec(spec_file)
    with pytest.raises(InputError) as exc:
        generate_cases(spec, path, load_scenario(STARCLOUD))
    assert exc.value.problems == [f"{spec_file}: random.correlations.0: 'launch_vehicles.nope.price_musd_per_flight' "
                                  f"is not among the values drawn (the scenario does not use it, or it has no range)"]


def test_a_ucx_cluster_address_is_one_line(capsys, tmp_path):
    rc, _, err = cli(capsys, "sweep", ROOT / "data" / "sweeps" / "tornado_reference.yaml", "--cluster",
                     "ucx://127.0.0.1:1", "--connect-timeout", "1", "--out", tmp_path / "s")
    assert rc == EXIT_BAD_INPUT
    assert_one_line_error(err, "--cluster", "cluster", "ucx://127.0.0.1:1")


# ------------------------------------------------------------------------------------ warnings


def test_implausible_values_warn_with_the_typical_range(capsys):
    rs = load_scenario(REFERENCE, ["workloads.training.latency_limit_ms=30000",
                                   "workloads.batch_inference.growth.start_eflop_per_s=1e6"])
    assert rs.warnings == [
        "--set: workloads.training.latency_limit_ms: 30000 ms is unusual: typical limits are 1-10,000 ms for "
        "latency-bound work, or 100,000 ms or more for none (as the reference's training)",
        "--set: workloads.batch_inference.growth: demand reaches 98,629,952 EFLOP/s: typical up to 1,000,000 (the "
        "bundled scenarios peak at 45,000)",
    ]
    assert load_scenario(STARCLOUD, ["horizon.last_year=2200"]).warnings == [
        "--set: horizon.last_year: 2200 is far outside the catalog's years (typical 2020-2100): trajectories are "
        "flat beyond their last year"]
    rc, out, err = cli(capsys, "validate", REFERENCE, "--set", "workloads.training.latency_limit_ms=30000")
    assert rc == EXIT_OK and "valid scenario" in out  # a warning, not a refusal
    assert err.strip().splitlines() == [f"warning: {rs.warnings[0]}"]


def test_the_bundled_scenarios_raise_no_warning():
    for f in sorted(SCEN.glob("*.yaml")):
        assert load_scenario(f).warnings == [], f


# ------------------------------------------------------------------------------------ outputs and solver status


def test_summary_json_has_null_not_nan_and_says_why(tmp_path, capsys):
    """A plan that serves nothing (unmet demand is cheaper) has no cost per FLOP: summary.json held a bare NaN (not
    JSON); it holds null, names the fields and says why, and so does the command line."""
    rc, out, err = cli(capsys, "run", STARCLOUD, "--set", "unmet.allowed=true", "--set",
                       "unmet.penalty_usd_per_pflop_day=1e-9", "--analysis", "off", "--no-report", "--quiet",
                       "--out", tmp_path / "r")
    assert rc == EXIT_OK, err
    text = (tmp_path / "r" / "summary.json").read_text()
    s = json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in summary.json"))
    assert s["usd_per_pflop_day"] is None
    assert "usd_per_pflop_day" in s["undefined_values"]["fields"]
    assert s["undefined_values"]["reason"].startswith("the plan delivers no FLOP")
    assert "cost per delivered FLOP: undefined (the plan delivers no FLOP" in out
    assert finite_json({"a": [1.0, math.nan], "b": {"c": math.inf}}) == ({"a": [1.0, None], "b": {"c": None}},
                                                                        ["a.1", "b.c"])


def test_no_plan_within_the_time_limit_has_its_own_exit_code(tmp_path, capsys, monkeypatch):
    """HiGHS stopped at its time limit before it found any plan (300 workloads, --time-limit 1): the run exited 1
    with KeyError 'usd_per_pflop_day'. It says so in one line and exits 4."""
    from planner.session import Session
    from planner.solver.highs import SolveResult

    def no_plan(self):
        return SolveResult(status="time_limit", termination="Time limit reached", objective=None, bound=None,
                           gap=None, solve_s=1.0, handoff_s=0.0, has_solution=False, options={}, log=""), []

    monkeypatch.setattr(Session, "solve_plan", no_plan)
    rc, _, err = cli(capsys, "run", STARCLOUD, "--time-limit", "1", "--analysis", "off", "--no-report", "--quiet",
                     "--out", tmp_path / "r")
    assert rc == EXIT_NO_PLAN == 4
    assert_one_line_error(err, str(STARCLOUD), "solver.time_limit_s",
                          "no plan within the time limit of 1 s: HiGHS found no feasible plan before it stopped")
    assert not (tmp_path / "r").exists()


def test_a_tiny_time_limit_reports_the_gap_it_proved():
    """The time limit holds for the relax-and-fix start and HiGHS together. At 1e-9 s neither gets anywhere: no plan,
    said as such (the CLI's exit 4), not 'optimal'. At 1 s the start gives a plan and its LP relaxation bounds the
    optimum: the status is optimal within the requested gap, or time_limit with a gap no wider than that bound
    allows (HiGHS's own bound may only tighten it), never an unknown gap."""
    from planner.api import solve

    rs = load_scenario(REFERENCE, ["horizon.last_year=2030", "solver.time_limit_s=1e-9"])
    s = solve(rs, explain=False, compare_ground=False).summary
    assert s["status"] == "time_limit" and s.get("objective_usd") is None
    assert "no plan" in " ".join(s["infeasible_reasons"])

    rs = load_scenario(REFERENCE, ["horizon.last_year=2030", "solver.time_limit_s=1"])
    s = solve(rs, explain=False, compare_ground=False).summary
    if s["status"] == "time_limit" and s.get("objective_usd") is None:
        pytest.skip("the machine is too loaded for the start to finish within 1 s")
    assert s["mip_gap"] is not None and s["mip_gap"] >= 0
    if s["status"] == "optimal":
        assert s["mip_gap"] <= rs.scenario.solver.mip_gap
    else:
        assert s["status"] == "time_limit"
        warm = s["warm_start"]
        assert s["mip_gap"] <= (s["objective_usd"] - warm["lp_bound_usd"]) / s["objective_usd"] + 1e-9


def test_an_output_path_the_system_refuses_is_one_line(tmp_path, capsys, monkeypatch):
    """A 300-character --out (a name too long for the file system) and a read-only parent folder (as root no
    folder is read-only, so the write is made to fail as it would) gave OSError / PermissionError, exit 1."""
    from planner.results.plan import Plan

    long_out = tmp_path / ("y" * 300)
    rc, _, err = cli(capsys, "run", STARCLOUD, "--analysis", "off", "--no-report", "--quiet", "--out", long_out)
    assert rc == EXIT_BAD_INPUT and no_crash(err)
    [line] = err.strip().splitlines()
    assert "File name too long" in line and len(line) < 400

    def refused(self, out_dir):
        raise PermissionError(13, "Permission denied", str(Path(out_dir).parent))

    monkeypatch.setattr(Plan, "write", refused)
    rc, _, err = cli(capsys, "run", STARCLOUD, "--analysis", "off", "--no-report", "--quiet", "--out",
                     tmp_path / "ro" / "run")
    assert rc == EXIT_BAD_INPUT
    assert_one_line_error(err, str(tmp_path / "ro"), "(top level)", "cannot use this path: Permission denied")


def test_thousands_of_bad_entries_in_a_table_are_each_reported(tmp_path):
    """5,000 entries of workloads that are not workloads (found by the fuzzer: 7.4 s of CPU, each problem compared
    with every other to drop a union's noise): every one is reported, from one pass over the problems."""
    doc = yaml.safe_load(REF_TEXT)
    doc["workloads"].update({f"w{i}": i for i in range(5_000)})
    lines = problems(write(tmp_path / "w.yaml", yaml.safe_dump(doc)))
    assert len(lines) == 5_000
    assert lines[0] == f"{tmp_path / 'w.yaml'}: workloads.w0: Input should be a valid dictionary or instance of Workload"
