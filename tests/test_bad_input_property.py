"""Property tests: whatever is wrong with a scenario, the loader answers with an InputError whose every line
starts with the file (or ``--set``) and names the field that was broken -- never any other exception.

Each example mutates the reference scenario once (delete a key, wrong type, negative, huge, unknown key,
corrupted YAML text, a bad ``--set``) and loads it from a fresh temporary folder.
"""

from __future__ import annotations

import copy
import math
import os
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import planner.scenario.load as scenario_load
from planner.catalog.load import read_raw_catalog
from planner.errors import InputError
from planner.scenario import Scenario, load_scenario, parse_set
from planner.yamlio import schema_type_at

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "scenarios" / "reference.yaml"
REF_TEXT = REFERENCE.read_text(encoding="utf-8")
REF_DOC = yaml.safe_load(REF_TEXT)

# PLANNER_PROPERTY_EXAMPLES=2000 for a long bug hunt; the default keeps each test to a few seconds
SETTINGS = settings(max_examples=int(os.environ.get("PLANNER_PROPERTY_EXAMPLES", "60")), deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module", autouse=True)
def cached_catalog():
    """Read the catalog YAML once (the slow part); every example still validates and resolves it afresh."""
    raw, origin = read_raw_catalog()

    def cached(directory=None):
        return copy.deepcopy(raw), dict(origin)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(scenario_load, "read_raw_catalog", cached)
        yield


def test_cached_catalog_resolves_like_the_real_one():
    # the cache above changes speed, not answers: same resolved document, same hash
    cached = load_scenario(REFERENCE)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(scenario_load, "read_raw_catalog", read_raw_catalog)
        real = load_scenario(REFERENCE)
    assert cached.sha256 == real.sha256 and cached.resolved == real.resolved


# ------------------------------------------------------------------------------------------- the mutation space


def _walk(node, prefix=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield prefix + (k,), v
            yield from _walk(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield prefix + (i,), v
            yield from _walk(v, prefix + (i,))


ALL_PATHS = [p for p, _ in _walk(REF_DOC)]
KEY_PATHS = [p for p in ALL_PATHS if isinstance(p[-1], str)]  # mapping entries (deletable)
NUMERIC_PATHS = [p for p, v in _walk(REF_DOC) if isinstance(v, (int, float)) and not isinstance(v, bool)]
CONTAINER_PATHS = [()] + [p for p, v in _walk(REF_DOC) if isinstance(v, dict)]


def _get(doc, path):
    for p in path:
        doc = doc[p]
    return doc


def _dotted(path) -> str:
    return ".".join(str(p) for p in path)


junk_scalars = st.one_of(
    st.text(max_size=12), st.booleans(), st.none(), st.integers(min_value=-10**6, max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(["", "-", "2030-01-01", "null", "~", "[", "{}"]))
junk = st.recursive(junk_scalars,
                    lambda inner: st.one_of(st.lists(inner, max_size=3),
                                            st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                    max_leaves=6)
key_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_\-]{0,14}", fullmatch=True)


@st.composite
def mutations(draw):
    """(document, dotted path that was broken, what was done)."""
    doc = copy.deepcopy(REF_DOC)
    kind = draw(st.sampled_from(["delete", "wrong_type", "negative", "huge", "unknown_key"]))
    if kind == "delete":
        path = draw(st.sampled_from(KEY_PATHS))
        del _get(doc, path[:-1])[path[-1]]
    elif kind == "wrong_type":
        path = draw(st.sampled_from(ALL_PATHS))
        old = _get(doc, path)
        value = draw(junk)
        assume(type(value) is not type(old))
        _get(doc, path[:-1])[path[-1]] = value
    elif kind == "negative":
        path = draw(st.sampled_from(NUMERIC_PATHS))
        old = _get(doc, path)
        _get(doc, path[:-1])[path[-1]] = -abs(old) - draw(st.sampled_from([1, 0.5, 1e-9, 1e6]))
    elif kind == "huge":
        path = draw(st.sampled_from(NUMERIC_PATHS))
        _get(doc, path[:-1])[path[-1]] = draw(st.sampled_from([1e300, 10**30, 2**63, 1e9, math.inf, 1e-300]))
    else:
        container = draw(st.sampled_from(CONTAINER_PATHS))
        key = draw(key_names)
        assume(key not in _get(doc, container))
        _get(doc, container)[key] = draw(junk)
        path = container + (key,)
    return doc, _dotted(path), kind


def _field_and_reason(line: str, origin: str) -> tuple[str, str]:
    rest = line[len(origin) + 2:]
    field, _, reason = rest.partition(": ")
    return field, reason


def _names(field: str, reason: str, path: str) -> bool:
    """The problem is about the mutated field: at it, inside it, or a check across fields that contain it."""
    if field == path or field.startswith(path + ".") or path.startswith(field + "."):
        return True
    if field == "(top level)":
        return path in reason or path.rsplit(".", 1)[-1] in reason
    return False


def _load(text: str, overrides=None):
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "scenario.yaml"
        p.write_text(text, encoding="utf-8")
        try:
            return str(p), load_scenario(p, overrides), None
        except InputError as exc:
            return str(p), None, exc


# ------------------------------------------------------------------------------------------------ the properties


@SETTINGS
@given(mutations())
def test_mutated_scenario_fails_cleanly_and_names_the_field(m):
    doc, path, kind = m
    file, result, exc = _load(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    if exc is None:  # e.g. an optional key deleted, or a new workload that happens to be complete
        assert result is not None and len(result.sha256) == 64
        return
    assert exc.problems, "an InputError must say what is wrong"
    for line in exc.problems:
        assert "\n" not in line
        assert line.startswith(file + ": "), (line, path)
        field, reason = _field_and_reason(line, file)
        assert reason, line
        assert _names(field, reason, path), (kind, path, line)


@SETTINGS
@given(st.sampled_from(["training", "realtime_inference", "batch_inference", "offworld"]),
       st.sampled_from(["label", "latency_limit_ms", "precision", "bits_per_flop", "software_efficiency"]))
def test_deleting_a_required_workload_field_is_reported(workload, field):
    doc = copy.deepcopy(REF_DOC)
    del doc["workloads"][workload][field]
    file, result, exc = _load(yaml.safe_dump(doc, sort_keys=False))
    assert exc is not None
    assert exc.problems == [f"{file}: workloads.{workload}.{field}: required field is missing"]


@SETTINGS
@given(st.sampled_from([p for p in CONTAINER_PATHS if p[:1] not in (("workloads",), ("catalog",))
                        and "risk_premium" not in p and "growth_per_yr" not in p]),
       key_names, junk)
def test_unknown_key_in_a_fixed_schema_is_named(container, key, value):
    doc = copy.deepcopy(REF_DOC)
    node = _get(doc, container)
    assume(key not in node)
    tp = schema_type_at(Scenario, [str(c) for c in container])
    assume(hasattr(tp, "model_fields") and key not in tp.model_fields)  # a real unknown field, not an optional one
    node[key] = value
    file, result, exc = _load(yaml.safe_dump(doc, sort_keys=False))
    assert exc is not None
    where = _dotted(container + (key,))
    assert f"{file}: {where}: unknown field" in [line.split(" (did you mean")[0] for line in exc.problems]


YAML_NOISE = st.sampled_from(list(":{}[],-#&*!|>'\"%@`?\t\n ") + ["\x00", "\ufeff", "é", "\\", "  ", "- ", ": "])


@SETTINGS
@given(st.lists(st.tuples(st.integers(min_value=0, max_value=len(REF_TEXT)),
                          st.sampled_from(["insert", "delete", "replace"]),
                          st.one_of(YAML_NOISE, st.text(min_size=1, max_size=3))),
                min_size=1, max_size=4))
def test_corrupted_yaml_text_fails_cleanly(edits):
    text = REF_TEXT
    for pos, op, chars in edits:
        pos = min(pos, len(text))
        if op == "insert":
            text = text[:pos] + chars + text[pos:]
        elif op == "delete":
            text = text[:pos] + text[pos + len(chars):]
        else:
            text = text[:pos] + chars + text[pos + len(chars):]
    file, result, exc = _load(text)
    if exc is not None:
        assert exc.problems
        for line in exc.problems:
            assert "\n" not in line and line.startswith(file + ": "), line


@SETTINGS
@given(st.binary(max_size=200))
def test_arbitrary_bytes_fail_cleanly(data):
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "scenario.yaml"
        p.write_bytes(data)
        with pytest.raises(InputError) as exc:
            load_scenario(p)
        assert all(line.startswith(f"{p}: ") and "\n" not in line for line in exc.value.problems)


CATALOG_PATHS = ["accelerators.b200.power_w", "accelerators.h100_sxm.first_year", "sites.geo.dose_table",
                 "launch_vehicles.starship.price_musd_per_flight", "components.radiator.sides",
                 "platforms.swarm_satellite.sites", "dose_tables.geo.dose_rad_si_per_yr", "sources.nvidia_b200",
                 "ground_regions.us_grid.pue", "accelerators.b200"]


@SETTINGS
@given(st.one_of(st.sampled_from([_dotted(p) for p in ALL_PATHS]),
                 st.sampled_from(["catalog." + p for p in CATALOG_PATHS]),
                 st.builds(lambda a, b: f"{a}.{b}", st.sampled_from([_dotted(p) for p in CONTAINER_PATHS if p]),
                           key_names)),
       st.one_of(junk.map(lambda v: yaml.safe_dump(v, default_flow_style=True).strip().removesuffix("...").strip()),
                 st.text(max_size=10)))
def test_bad_set_is_attributed_to_set_and_names_its_path(path, value_text):
    assume("\n" not in value_text)
    text = f"{path}={value_text}"
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "scenario.yaml"
        p.write_text(REF_TEXT, encoding="utf-8")
        try:
            load_scenario(p, [text])
        except InputError as exc:
            assert exc.problems
            for line in exc.problems:
                # the file is valid: whatever is wrong now came from --set
                assert line.startswith("--set: "), (text, line)
                field, reason = _field_and_reason(line, "--set")
                assert _names(field, reason, path), (text, line)


@SETTINGS
@given(st.text(max_size=30))
def test_parse_set_never_crashes(text):
    try:
        path, _ = parse_set(text)
    except InputError as exc:
        assert all(line.startswith("--set: ") for line in exc.problems)
    else:
        assert path and all(path.split("."))
