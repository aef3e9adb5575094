"""Scenario files: the reference loads; ``extends:`` merges; ``--set`` overrides; every bad input is a one-line
``file: field: reason`` InputError naming the file (or ``--set``) that caused it; the resolved document and its
hash are deterministic; demand laws and tables mean what they say."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.errors import EXIT_BAD_INPUT, InputError
from planner.scenario import Scenario, load_scenario, parse_set
from planner.scenario.schema import DemandGrowth, Horizon, Money, Workload

SCEN = Path(__file__).resolve().parents[1] / "data" / "scenarios"
REFERENCE = SCEN / "reference.yaml"
approx = pytest.approx


@pytest.fixture(scope="module")
def ref():
    return load_scenario(REFERENCE)


@pytest.fixture()
def ref_copy(tmp_path: Path) -> Path:
    p = tmp_path / "ref.yaml"
    shutil.copy(REFERENCE, p)
    return p


def write(path: Path, doc: dict | str) -> Path:
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def problems_of(path, overrides=None) -> list[str]:
    with pytest.raises(InputError) as exc:
        load_scenario(path, overrides)
    assert exc.value.exit_code == EXIT_BAD_INPUT
    assert all("\n" not in line for line in exc.value.problems)
    return exc.value.problems


def only(lines: list[str]) -> str:
    assert len(lines) == 1, lines
    return lines[0]


def ref_doc() -> dict:
    return yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))


# -------------------------------------------------------------------------------------------------- reference


def test_reference_loads(ref):
    s = ref.scenario
    assert ref.name == "reference"
    assert s.horizon.years == list(range(2027, 2046))
    assert s.money.base_year == 2026 and s.money.discount_rate == 0.07
    assert s.money.rate("swarm") == approx(0.09) and s.money.rate("ground") == approx(0.07)
    assert set(s.workloads) == {"training", "realtime_inference", "batch_inference", "offworld"}
    assert s.workloads["offworld"].users == "moon"
    assert ref.path == str(REFERENCE)
    assert ref.overrides == {}
    assert len(ref.sha256) == 64 and int(ref.sha256, 16) >= 0
    # the resolved document carries the catalog it can use, with provenance
    rc = ref.resolved["resolved_catalog"]
    assert "b200" in rc["accelerators"] and "starship" in rc["launch_vehicles"]
    assert rc["accelerators"]["b200"]["power_w"]["source"] == "nvidia_b200"
    assert "nvidia_b200" in rc["sources"]
    assert ref.resolved["catalog_overrides_from"] == {}
    assert "extends" not in ref.resolved


def test_resolved_yaml_round_trips(ref):
    assert yaml.safe_load(ref.resolved_yaml()) == json.loads(json.dumps(ref.resolved))


# ---------------------------------------------------------------------------------------------------- extends


def test_extends_merges_deeply(tmp_path, ref_copy):
    child = write(tmp_path / "child.yaml", {
        "extends": "ref.yaml",
        "name": "child",
        "money": {"discount_rate": 0.1},
        "design_space": {"shielding_mm_al": [5, 10]},
        "workloads": {"training": {"growth": {"start_eflop_per_s": 300}}},
    })
    r = load_scenario(child)
    s = r.scenario
    assert s.name == "child" and s.extends == "ref.yaml"
    assert s.money.discount_rate == 0.1
    assert s.money.base_year == 2026  # kept from the parent
    assert s.money.risk_premium["station"] == 0.03  # kept from the parent
    assert s.design_space.shielding_mm_al == [5, 10]  # lists are replaced, not merged
    assert s.design_space.radiator_temps_k == [300, 320, 340, 360]
    g = s.workloads["training"].growth
    assert g.start_eflop_per_s == 300 and g.start_year == 2027 and g.growth_per_yr[2028] == 0.6
    assert set(s.workloads) == {"training", "realtime_inference", "batch_inference", "offworld"}


def test_extends_chain_and_catalog_overrides_merge(tmp_path, ref_copy):
    write(tmp_path / "mid.yaml", {"extends": "ref.yaml", "name": "mid",
                                  "catalog": {"accelerators.b200.power_w": 1100}})
    sub = tmp_path / "sub"
    sub.mkdir()
    leaf = write(sub / "leaf.yaml", {"extends": "../mid.yaml", "name": "leaf",
                                     "catalog": {"accelerators": {"h100_sxm": {"power_w": 750}}}})
    r = load_scenario(leaf)
    assert r.name == "leaf"
    assert r.catalog.accelerators["b200"].power_w.v == 1100
    assert r.catalog.accelerators["h100_sxm"].power_w.v == 750
    assert r.scenario.catalog == {"accelerators.b200.power_w": 1100, "accelerators.h100_sxm.power_w": 750}
    # file names only, so that the hash does not depend on where the files are
    assert r.resolved["catalog_overrides_from"] == {"accelerators.b200.power_w": "mid.yaml",
                                                    "accelerators.h100_sxm.power_w": "leaf.yaml"}


def test_child_overrides_parent_catalog_value(tmp_path, ref_copy):
    write(tmp_path / "mid.yaml", {"extends": "ref.yaml", "catalog": {"accelerators.b200.power_w": 1100}})
    leaf = write(tmp_path / "leaf.yaml", {"extends": "mid.yaml", "catalog": {"accelerators.b200.power_w": "high"}})
    assert load_scenario(leaf).catalog.accelerators["b200"].power_w.v == 1200


def test_errors_name_the_file_that_set_the_field(tmp_path, ref_copy):
    # the parent sets a bad value, the child is fine: the parent is named
    bad_parent = ref_doc()
    bad_parent["solver"]["mip_gap"] = 5
    write(tmp_path / "parent.yaml", bad_parent)
    child = write(tmp_path / "child.yaml", {"extends": "parent.yaml", "name": "child"})
    line = only(problems_of(child))
    assert line.startswith(f"{(tmp_path / 'parent.yaml').resolve()}: solver.mip_gap: ")
    # the child breaks a field of the parent's: the child is named
    child = write(tmp_path / "child.yaml", {"extends": "ref.yaml", "solver": {"mip_gap": 5}})
    assert only(problems_of(child)).startswith(f"{child.resolve()}: solver.mip_gap: ")


def test_check_across_fields_names_the_file_that_changed_one_of_them(tmp_path, ref_copy):
    # the reference sets `horizon` whole; the child moves last_year before first_year
    child = write(tmp_path / "child.yaml", {"extends": "ref.yaml", "horizon": {"last_year": 2020}})
    assert only(problems_of(child)) == f"{child.resolve()}: horizon: last_year 2020 is before first_year 2027"
    # the child adds a demand table to a workload that the parent gave a growth law
    child = write(tmp_path / "child.yaml", {"extends": "ref.yaml",
                                            "workloads": {"training": {"demand_eflop_per_s": {2030: 5}}}})
    line = only(problems_of(child))
    assert line.startswith(f"{child.resolve()}: workloads.training: ") and "exactly one" in line


def test_extends_cycle(tmp_path):
    a = write(tmp_path / "a.yaml", "extends: b.yaml\nname: a\n")
    write(tmp_path / "b.yaml", "extends: a.yaml\nname: b\n")
    line = only(problems_of(a))
    assert line.startswith(f"{(tmp_path / 'b.yaml').resolve()}: extends: extends cycle: ")
    assert "a.yaml -> b.yaml -> a.yaml" in line
    me = write(tmp_path / "me.yaml", "extends: me.yaml\n")
    assert only(problems_of(me)) == f"{me.resolve()}: extends: extends cycle: me.yaml -> me.yaml"


def test_extends_missing_file(tmp_path):
    child = write(tmp_path / "child.yaml", "extends: nope.yaml\nname: c\n")
    assert only(problems_of(child)) == f"{child.resolve()}: extends: file not found: nope.yaml"
    child = write(tmp_path / "child.yaml", "extends: .\nname: c\n")
    assert only(problems_of(child)) == f"{child.resolve()}: extends: is not a file: ."
    child = write(tmp_path / "child.yaml", "extends: [a.yaml]\nname: c\n")
    assert only(problems_of(child)) == f"{child.resolve()}: extends: must be a file path"


def test_missing_scenario_file_and_malformed_yaml(tmp_path):
    missing = tmp_path / "missing.yaml"
    assert only(problems_of(missing)) == f"{missing}: (top level): file not found"
    bad = write(tmp_path / "bad.yaml", "name: x\nhorizon: {first_year: 2027\n")
    assert only(problems_of(bad)) == f"{bad.resolve()}: line 2: malformed YAML: a flow mapping opened here is not " \
                                     f"closed by the end of the file"
    bad = write(tmp_path / "bad.yaml", "name: x\nhorizon: first_year: 2027\n")
    line = only(problems_of(bad))
    assert line.startswith(f"{bad.resolve()}: line 2: malformed YAML: mapping values are not allowed"), line
    listy = write(tmp_path / "list.yaml", "- 1\n- 2\n")
    assert only(problems_of(listy)) == f"{listy.resolve()}: (top level): a scenario must be a mapping of fields"
    dup = write(tmp_path / "dup.yaml", "name: a\nname: b\n")
    assert "duplicate key 'name'" in only(problems_of(dup))


# ------------------------------------------------------------------------------------------------------ --set


@pytest.mark.parametrize("text,expected", [
    ("a.b=1", ("a.b", 1)),
    ("money.discount_rate=0.05", ("money.discount_rate", 0.05)),
    ("x=[1, 2]", ("x", [1, 2])),
    ("x={2030: 5, 2035: 7}", ("x", {2030: 5, 2035: 7})),
    ("x=abc", ("x", "abc")),
    ("x=true", ("x", True)),
    ("x=", ("x", "")),
    ("x=1=2", ("x", "1=2")),
    (" x.y = 0.5 ", ("x.y", 0.5)),
])
def test_parse_set(text, expected):
    assert parse_set(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("novalue", "--set: novalue: expected path.to.field=value"),
    ("a..b=1", "--set: a..b: empty field path"),
    (".a=1", "--set: .a: empty field path"),
    ("=3", "--set: =3: empty field path"),
    ("x=[1", "--set: x: cannot read value '[1'"),
])
def test_parse_set_errors(text, expected):
    with pytest.raises(InputError) as exc:
        parse_set(text)
    assert exc.value.problems == [expected]


def test_set_overrides_scenario_fields(ref):
    r = load_scenario(REFERENCE, ["money.discount_rate=0.1", "horizon.last_year=2040",
                                  "workloads.training.growth.growth_per_yr=0.5"])
    assert r.scenario.money.discount_rate == 0.1
    assert r.scenario.horizon.last_year == 2040
    assert r.scenario.workloads["training"].growth.growth_per_yr == 0.5
    assert r.overrides == {"money.discount_rate": 0.1, "horizon.last_year": 2040,
                           "workloads.training.growth.growth_per_yr": 0.5}
    # a mapping of overrides works like the list of strings
    r2 = load_scenario(REFERENCE, {"money.discount_rate": 0.1, "horizon.last_year": 2040,
                                   "workloads.training.growth.growth_per_yr": 0.5})
    assert r2.sha256 == r.sha256
    # new optional blocks can be created by path
    r3 = load_scenario(REFERENCE, ["trajectories.ground.us_grid.queue_yr=6"])
    assert r3.catalog.ground_regions["us_grid"].queue_yr.v == 6


def test_set_overrides_catalog_paths():
    r = load_scenario(REFERENCE, ["catalog.accelerators.b200.power_w=1100",
                                  "catalog.launch_vehicles.starship.price_musd_per_flight={2030: 50, 2040: 10}",
                                  "catalog.components.battery.max_depth_of_discharge=high"])
    assert r.catalog.accelerators["b200"].power_w.v == 1100
    assert r.catalog.launch_vehicles["starship"].price_musd_per_flight.at(2035) == approx(30)
    assert r.catalog.components.battery.max_depth_of_discharge.v == 0.9
    assert r.resolved["catalog_overrides_from"] == {
        "accelerators.b200.power_w": "--set", "components.battery.max_depth_of_discharge": "--set",
        "launch_vehicles.starship.price_musd_per_flight": "--set"}
    assert r.resolved["resolved_catalog"]["accelerators"]["b200"]["power_w"]["source"] == "scenario_override"


def test_set_wins_over_the_file(tmp_path, ref_copy):
    child = write(tmp_path / "child.yaml", {"extends": "ref.yaml", "money": {"discount_rate": 0.1}})
    assert load_scenario(child, ["money.discount_rate=0.2"]).scenario.money.discount_rate == 0.2


@pytest.mark.parametrize("sets,expected", [
    (["money.discount_rate=0.9"], "--set: money.discount_rate: Input should be less than or equal to 0.5"),
    (["money.discount_ratee=0.1"], "--set: money.discount_ratee: unknown field (did you mean 'discount_rate'?)"),
    (["horizn.first_year=2027"], "--set: horizn: unknown field (did you mean 'horizon'?)"),
    (["workloads.nope.label=x"], "--set: workloads.nope: no entry named 'nope'"),
    (["workloads.trainin.label=x"], "--set: workloads.trainin: no entry named 'trainin' (did you mean 'training'?)"),
    (["horizon.last_year=2020"], "--set: horizon: last_year 2020 is before first_year 2027"),
    (["money.base_year=2030"], "--set: (top level): money.base_year 2030 is after horizon.first_year 2027"),
    (["catalog=5"], "--set: catalog: name a catalog value: catalog.<table>.<entry>.<field>"),
    (["catalog.accelerators.b200.power_w=-1"], "--set: catalog.accelerators.b200.power_w: value -1.0 must be > 0"),
    (["catalog.accelerators.b200.power_wx=1"],
     "--set: catalog.accelerators.b200.power_wx: no catalog value 'power_wx' (did you mean 'power_w'?)"),
    (["catalog.accelerators.b200.first_year=2040"], "--set: catalog.accelerators.b200: last_year is before first_year"),
])
def test_set_errors_are_attributed_to_set(sets, expected):
    assert only(problems_of(REFERENCE, sets)) == expected


def test_set_does_not_take_the_blame_for_the_file(tmp_path, ref_copy):
    doc = ref_doc()
    doc["solver"]["mip_gap"] = 5
    bad = write(tmp_path / "bad.yaml", doc)
    lines = problems_of(bad, ["money.discount_rate=0.9"])
    assert sorted(lines) == sorted([f"{bad.resolve()}: solver.mip_gap: Input should be less than or equal to 1",
                                    "--set: money.discount_rate: Input should be less than or equal to 0.5"])


# ------------------------------------------------------------------------------------------ validation errors


def mutated(tmp_path: Path, change) -> Path:
    doc = ref_doc()
    change(doc)
    return write(tmp_path / "s.yaml", doc)


def test_unknown_keys_suggest_the_closest(tmp_path):
    def change(d):
        d["horizn"] = d.pop("horizon")
        d["workloads"]["training"]["latency_limit"] = d["workloads"]["training"].pop("latency_limit_ms")
        d["solver"]["zzz"] = 1

    p = mutated(tmp_path, change)
    lines = problems_of(p)
    f = p.resolve()
    assert f"{f}: horizn: unknown field (did you mean 'horizon'?)" in lines
    assert f"{f}: horizon: required field is missing" in lines
    assert f"{f}: workloads.training.latency_limit: unknown field (did you mean 'latency_limit_ms'?)" in lines
    assert f"{f}: workloads.training.latency_limit_ms: required field is missing" in lines
    assert f"{f}: solver.zzz: unknown field" in lines
    assert len(lines) == 5


def test_unknown_key_that_looks_like_a_type_name(tmp_path):
    # pydantic puts union member names such as 'int' into error locations; a user's key is not one of them
    p = mutated(tmp_path, lambda d: d["money"].update(int=5))
    assert only(problems_of(p)) == f"{p.resolve()}: money.int: unknown field"


@pytest.mark.parametrize("path,value,expect", [
    (("horizon", "first_year"), "soon", "Input should be a valid integer"),
    (("money", "discount_rate"), [0.07], "Input should be a valid number"),
    (("workloads",), ["training"], "Input should be a valid dictionary"),
    (("workloads", "training", "precision"), "fp4", "Input should be 'bf16' or 'fp8'"),
    (("objective", "mode"), "profit", "Input should be 'demand' or 'ratio'"),
    (("unmet", "allowed"), "perhaps", "Input should be a valid boolean"),
    (("design_space", "radiator_temps_k"), 330, "Input should be a valid list"),
])
def test_wrong_types(tmp_path, path, value, expect):
    def change(d):
        node = d
        for p in path[:-1]:
            node = node[p]
        node[path[-1]] = value

    p = mutated(tmp_path, change)
    line = only(problems_of(p))
    assert line.startswith(f"{p.resolve()}: {'.'.join(path)}: ") and expect in line


@pytest.mark.parametrize("path,value,expect", [
    (("money", "discount_rate"), -0.01, "greater than or equal to 0"),
    (("money", "discount_rate"), 0.9, "less than or equal to 0.5"),
    (("horizon", "step_years"), 0, "greater than or equal to 1"),
    (("horizon", "step_years"), 2, "multi-year periods are not supported yet"),
    (("horizon", "last_year"), 3000, "less than or equal to 2200"),
    (("workloads", "training", "latency_limit_ms"), 0, "greater than 0"),
    (("workloads", "training", "software_efficiency"), 1.5, "less than or equal to 1"),
    (("workloads", "training", "growth", "start_eflop_per_s"), -5, "greater than or equal to 0"),
    (("workloads", "training", "growth", "growth_per_yr", 2028), -0.95, "greater than or equal to -0.9"),
    (("solver", "mip_gap"), 2, "less than or equal to 1"),
    (("design_space", "radiator_temps_k", 1), 700, "less than 600"),
    (("money", "risk_premium", "swarm"), 0.6, "less than or equal to 0.5"),
])
def test_out_of_range_values(tmp_path, path, value, expect):
    def change(d):
        node = d
        for p in path[:-1]:
            node = node[p]
        node[path[-1]] = value

    p = mutated(tmp_path, change)
    line = only(problems_of(p))
    assert line.startswith(f"{p.resolve()}: {'.'.join(map(str, path))}: ") and expect in line


def test_missing_required_fields(tmp_path):
    p = mutated(tmp_path, lambda d: (d["horizon"].pop("first_year"), d.pop("name")))
    lines = problems_of(p)
    assert sorted(lines) == sorted([f"{p.resolve()}: horizon.first_year: required field is missing",
                                    f"{p.resolve()}: name: required field is missing"])


def test_bad_scenario_name(tmp_path):
    p = mutated(tmp_path, lambda d: d.update(name="my scenario!"))
    assert only(problems_of(p)).startswith(f"{p.resolve()}: name: String should match pattern")


def test_inconsistent_years(tmp_path):
    p = mutated(tmp_path, lambda d: d["horizon"].update(last_year=2026))
    assert only(problems_of(p)) == f"{p.resolve()}: horizon: last_year 2026 is before first_year 2027"
    p = mutated(tmp_path, lambda d: d["money"].update(base_year=2028))
    assert only(problems_of(p)) == \
        f"{p.resolve()}: (top level): money.base_year 2028 is after horizon.first_year 2027"
    # base year equal to the first year is fine, and a one-year horizon too
    r = load_scenario(mutated(tmp_path, lambda d: (d["money"].update(base_year=2027),
                                                   d["horizon"].update(last_year=2027))))
    assert r.scenario.horizon.years == [2027]


def test_theta_range_and_learning_curve_block(tmp_path):
    p = mutated(tmp_path, lambda d: d["objective"].update(theta_min=3.0, theta_max=2.0))
    assert only(problems_of(p)) == f"{p.resolve()}: objective: theta_max 2.0 is below theta_min 3.0"
    p = mutated(tmp_path, lambda d: d.update(trajectories={"launch_price_model": "learning_curve"}))
    assert only(problems_of(p)) == \
        f"{p.resolve()}: trajectories: launch_price_model learning_curve needs a learning_curve block"


def test_unknown_architecture_patterns(tmp_path):
    p = mutated(tmp_path, lambda d: d["architectures"].update(allow=["swarm_satelite@*", "ground_campus@*"],
                                                              deny=["nothing_here"]))
    lines = problems_of(p)
    assert len(lines) == 2
    assert lines[0].startswith(f"{p.resolve()}: architectures.allow.0: 'swarm_satelite@*' matches no architecture")
    assert "did you mean 'swarm_satellite@" in lines[0]
    assert lines[1] == f"{p.resolve()}: architectures.deny.0: 'nothing_here' matches no architecture"


def test_architecture_patterns_select(ref):
    r = load_scenario(REFERENCE, ['architectures.allow=["swarm_satellite@*", "ground_campus@us_grid"]'])
    rc = r.resolved["resolved_catalog"]
    assert set(rc["platforms"]) == {"swarm_satellite"}
    assert set(rc["sites"]) == {"leo_550_53", "sso_650_dd"}
    assert set(rc["ground_regions"]) == {"us_grid"}
    assert set(rc["launch_vehicles"]) == {"falcon9", "starship"}
    assert set(rc["dose_tables"]) == {"leo_550_55deg", "sso_650"}


def test_references_to_names(tmp_path):
    lines = problems_of(REFERENCE, ["unmet.workloads=[trainin]"])
    assert lines == ["--set: unmet.workloads: no workload named 'trainin' (did you mean 'training'?)"]
    lines = problems_of(REFERENCE, ["trajectories.launch_price_musd_per_flight.falcon_9=50"])
    assert lines == ["--set: trajectories.launch_price_musd_per_flight.falcon_9: no launch vehicle named 'falcon_9' "
                     "(did you mean 'falcon9'?)"]
    lines = problems_of(REFERENCE, ["trajectories.learning_curve={vehicles: [starshp], start_usd_per_kg: 1800, "
                                    "start_cumulative_t: 400, world_cumulative_t: {2027: 500}}"])
    assert lines == ["--set: trajectories.learning_curve.vehicles: no launch vehicle named 'starshp' "
                     "(did you mean 'starship'?)"]


def test_trajectory_and_catalog_override_of_the_same_value(tmp_path):
    lines = problems_of(REFERENCE, ["trajectories.launch_price_musd_per_flight.falcon9=50",
                                    "catalog.launch_vehicles.falcon9.price_musd_per_flight=40"])
    assert lines == ["--set: trajectories.launch_price_musd_per_flight.falcon9: also set as "
                     "catalog.launch_vehicles.falcon9.price_musd_per_flight: set it once"]
    r = load_scenario(REFERENCE, ["trajectories.launch_price_musd_per_flight.falcon9={2027: 70, 2035: 40}"])
    assert r.catalog.launch_vehicles["falcon9"].price_musd_per_flight.at(2031) == approx(55)


def test_shielding_levels_outside_the_dose_tables(tmp_path):
    p = mutated(tmp_path, lambda d: d["design_space"].update(shielding_mm_al=[0.5, 5]))
    line = only(problems_of(p))
    assert line.startswith(f"{p.resolve()}: design_space.shielding_mm_al: 0.5 mm is outside the dose tables of ")
    assert "leo_550_53 (1-20 mm)" in line
    # levels only have to fit the sites the scenario allows
    load_scenario(REFERENCE, ["design_space.shielding_mm_al=[1, 5]", 'architectures.allow=["ground_campus@*"]'])


# -------------------------------------------------------------------------------------- resolved doc and hash


def test_resolution_is_deterministic(ref, ref_copy):
    again = load_scenario(REFERENCE)
    assert again.sha256 == ref.sha256
    assert again.resolved == ref.resolved
    assert again.resolved_yaml() == ref.resolved_yaml()
    # the same content elsewhere hashes the same: the path is not part of the scenario
    assert load_scenario(ref_copy).sha256 == ref.sha256


def test_hash_ignores_key_order_and_layout(tmp_path, ref):
    doc = ref_doc()
    reordered = {k: doc[k] for k in reversed(list(doc))}
    reordered["money"] = {k: doc["money"][k] for k in reversed(list(doc["money"]))}
    p = write(tmp_path / "reordered.yaml", yaml.safe_dump(reordered, sort_keys=False, default_flow_style=False))
    assert load_scenario(p).sha256 == ref.sha256


def test_hash_changes_when_a_value_changes(ref):
    changed = {
        load_scenario(REFERENCE, ["money.discount_rate=0.08"]).sha256,
        load_scenario(REFERENCE, ["catalog.accelerators.b200.power_w=1100"]).sha256,
        load_scenario(REFERENCE, ["workloads.training.growth.start_eflop_per_s=201"]).sha256,
        load_scenario(REFERENCE, ["solver.seed=1"]).sha256,
    }
    assert ref.sha256 not in changed
    assert len(changed) == 4
    # an override that sets the value it already had changes nothing
    assert load_scenario(REFERENCE, ["money.discount_rate=0.07"]).sha256 == ref.sha256


def test_extends_without_changes_hashes_like_the_parent(tmp_path, ref_copy, ref):
    child = write(tmp_path / "child.yaml", "extends: ref.yaml\n")
    assert load_scenario(child).sha256 == ref.sha256


# ---------------------------------------------------------------------------------------------------- demand


def test_reference_training_demand_growth_law(ref):
    w = ref.scenario.workloads["training"]
    # 200 EFLOP/s in 2027, +60 %/yr through 2032, +30 %/yr 2033-2038, +10 %/yr from 2039
    assert w.demand_at(2026) == 0.0
    assert w.demand_at(2027) == approx(200)
    assert w.demand_at(2028) == approx(320)  # 200 x 1.6
    assert w.demand_at(2032) == approx(200 * 1.6**5)  # 2097.152
    assert w.demand_at(2033) == approx(200 * 1.6**5 * 1.3)  # 2726.298
    assert w.demand_at(2038) == approx(200 * 1.6**5 * 1.3**6)
    assert w.demand_at(2045) == approx(200 * 1.6**5 * 1.3**6 * 1.1**7)


def test_constant_growth_and_start_year(ref):
    w = ref.scenario.workloads["offworld"]
    assert w.demand_at(2030) == 0.0  # before the start year
    assert w.demand_at(2031) == approx(0.5)
    assert w.demand_at(2035) == approx(0.5 * 1.3**4)  # 1.42805


def test_growth_rates_interpolate_between_table_years():
    g = DemandGrowth(start_year=2027, start_eflop_per_s=100, growth_per_yr={2028: 0.6, 2032: 0.2})
    # rates: 2028 0.6, 2029 0.5, 2030 0.4, 2031 0.3, 2032 0.2, then flat 0.2
    assert g.at(2030) == approx(100 * 1.6 * 1.5 * 1.4)
    assert g.at(2034) == approx(100 * 1.6 * 1.5 * 1.4 * 1.3 * 1.2 * 1.2 * 1.2)
    # a negative rate shrinks demand
    assert DemandGrowth(start_year=2027, start_eflop_per_s=100, growth_per_yr=-0.5).at(2029) == approx(25)


def workload(**kw) -> Workload:
    base = dict(label="w", latency_limit_ms=100, precision="fp8", bits_per_flop=1e-9, software_efficiency=0.3)
    base.update(kw)
    return Workload(**base)


def test_per_year_demand_table():
    w = workload(demand_eflop_per_s={2030: 10, 2034: 30})
    assert w.demand_at(2029) == 0.0  # nothing before the table starts
    assert w.demand_at(2030) == 10
    assert w.demand_at(2032) == approx(20)  # linear between entries
    assert w.demand_at(2034) == 30
    assert w.demand_at(2040) == 30  # flat after
    w = load_scenario(REFERENCE, ["workloads.offworld.growth=null",
                                  "workloads.offworld.demand_eflop_per_s={2033: 1, 2035: 3}"]).scenario
    assert w.workloads["offworld"].demand_at(2034) == approx(2)


def test_demand_needs_exactly_one_form():
    with pytest.raises(ValueError, match="exactly one"):
        workload()
    with pytest.raises(ValueError, match="exactly one"):
        workload(demand_eflop_per_s={2030: 1}, growth={"start_year": 2030, "start_eflop_per_s": 1, "growth_per_yr": 0})
    with pytest.raises(ValueError, match="empty"):
        workload(demand_eflop_per_s={})
    with pytest.raises(ValueError):
        workload(demand_eflop_per_s={2030: -1})


def test_schema_defaults_and_helpers():
    assert Horizon(first_year=2027, last_year=2030).years == [2027, 2028, 2029, 2030]
    with pytest.raises(ValueError, match="multi-year periods are not supported yet"):
        Horizon(first_year=2027, last_year=2035, step_years=3)
    assert Money(base_year=2026, discount_rate=0.05).rate("module") == 0.05
    s = Scenario.model_validate(
        {"name": "x", "horizon": {"first_year": 2027, "last_year": 2030}, "money": {"base_year": 2026,
                                                                                     "discount_rate": 0.05},
         "workloads": {"w": {"label": "w", "latency_limit_ms": 100, "precision": "fp8", "bits_per_flop": 0,
                             "software_efficiency": 1, "demand_eflop_per_s": {2027: 1}}}})
    assert s.architectures.allow == ["*"] and s.objective.mode == "demand" and s.money.capital_accounting == "residual"
    assert s.design_space.shielding_mm_al == [1, 2, 5, 10, 20]


@pytest.mark.parametrize("path", sorted(REFERENCE.parent.glob("*.yaml")), ids=lambda p: p.name)
def test_every_bundled_scenario_loads(path):
    r = load_scenario(path)
    assert r.name == path.stem and len(r.sha256) == 64


def test_design_space_names_must_exist():
    assert problems_of(REFERENCE, ["design_space.accelerators=[b2000]"]) == \
        ["--set: design_space.accelerators: no catalog entry named 'b2000' (did you mean 'b200'?)"]
    assert problems_of(REFERENCE, ["design_space.accelerators_per_unit={swarm_satelite: 4}"]) == \
        ["--set: design_space.accelerators_per_unit: no catalog entry named 'swarm_satelite' "
         "(did you mean 'swarm_satellite'?)"]
    r = load_scenario(REFERENCE, ["design_space.accelerators=[b200]", "design_space.accelerators_per_unit.swarm_satellite=4"])
    assert r.scenario.design_space.accelerators == ["b200"]
    assert r.scenario.design_space.accelerators_per_unit == {"swarm_satellite": 4}


def test_hash_does_not_depend_on_where_the_files_are(tmp_path):
    import shutil
    here = load_scenario(SCEN / "early_lunar.yaml")
    for name in ("early_lunar.yaml", "reference.yaml"):
        shutil.copy(SCEN / name, tmp_path / name)
    there = load_scenario(tmp_path / "early_lunar.yaml")
    assert here.sha256 == there.sha256


def test_extends_cannot_be_set_from_the_command_line():
    with pytest.raises(InputError) as e:
        load_scenario(SCEN / "reference.yaml", ["extends=other.yaml"])
    assert e.value.problems == ["--set: extends: cannot be set from the command line: write a scenario file that "
                                "extends the other"]


def test_resolved_scenario_reloads_to_the_same_hash_and_catalog(tmp_path):
    rs = load_scenario(SCEN / "early_lunar.yaml", ["catalog.components.solar_array.cost_usd_per_w=7"])
    path = tmp_path / "scenario.resolved.yaml"
    path.write_text(rs.resolved_yaml())
    again = load_scenario(path)
    assert again.sha256 == rs.sha256
    assert again.catalog.components.solar_array.cost_usd_per_w.v == 7
    assert again.catalog.sites["lunar_south_pole"].first_year.v == 2030
    assert again.resolved["resolved_catalog"] == rs.resolved["resolved_catalog"]


def _origin_by_scanning(loc: str, origins: dict[str, str], default: str) -> str:
    """The field-origin rule written as a scan of every origin (what ``origin_finder`` indexes once)."""
    from planner.scenario.load import SET_ORIGIN

    if any(o == SET_ORIGIN and (k == loc or k.startswith(loc + ".")) for k, o in origins.items()):
        return SET_ORIGIN
    inside = [o for k, o in origins.items() if k.startswith(loc + ".")]
    if inside and any(k == loc or loc.startswith(k + ".") for k in origins):
        return default if default in inside else inside[-1]
    parts = loc.split(".")
    for i in range(len(parts), 0, -1):
        if ".".join(parts[:i]) in origins:
            return origins[".".join(parts[:i])]
    return next((o for k, o in origins.items() if k.startswith(loc + ".")), default)


_PATHS = st.lists(st.sampled_from(["a", "b", "ab", "c"]), min_size=1, max_size=4).map(".".join)


@given(st.dictionaries(_PATHS, st.sampled_from(["base.yaml", "top.yaml", "--set"]), max_size=8), _PATHS,
       st.sampled_from(["base.yaml", "top.yaml"]))
@settings(max_examples=400, deadline=None)
def test_origin_finder_names_the_file_a_scan_of_every_origin_names(origins, loc, default):
    from planner.scenario.load import origin_finder

    assert origin_finder(origins, default)(loc) == _origin_by_scanning(loc, origins, default)
