"""docs/scenarios.md is generated from the scenario models and is current; `planner schema` prints a JSON Schema
that describes every field with its meaning and unit."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from planner.cli import app
from planner.scenario.reference import markdown, missing_meanings, models, unit_of

DOC = Path(__file__).resolve().parents[1] / "docs" / "scenarios.md"


def test_every_scenario_field_has_a_meaning():
    assert missing_meanings() == []


def test_the_committed_scenario_reference_is_current():
    assert DOC.read_text() == markdown(), "regenerate: python -m planner.scenario.reference > docs/scenarios.md"


def test_the_reference_lists_every_field_with_type_default_range_and_unit():
    text = markdown()
    for m in models():
        assert f"## {m.__name__}" in text
        for name in m.model_fields:
            assert f"| `{name}` |" in text, (m.__name__, name)
    row = next(line for line in text.splitlines() if line.startswith("| `latency_limit_ms` |"))
    assert row.split(" | ")[1:5] == ["float", "ms", "required", "> 0, <= 1e+07"]
    row = next(line for line in text.splitlines() if line.startswith("| `radiator_temps_k` |"))
    assert "values > 150" in row and "[300.0, 320.0, 340.0, 360.0]" in row
    assert unit_of("penalty_usd_per_pflop_day") == "USD per PFLOP/s-day" and unit_of("queue_yr") == "years"


def test_planner_schema_prints_a_json_schema_with_descriptions():
    res = CliRunner().invoke(app, ["schema"])
    assert res.exit_code == 0, res.output
    schema = json.loads(res.output)
    assert schema["title"] == "planner scenario" and set(schema["required"]) >= {"name", "horizon", "money",
                                                                                   "workloads"}
    described = 0
    for m in models():
        props = (schema if m.__name__ == "Scenario" else schema["$defs"][m.__name__])["properties"]
        assert set(props) == set(m.model_fields)
        described += sum(1 for p in props.values() if p.get("description"))
    assert described == sum(len(m.model_fields) for m in models())
    assert schema["$defs"]["Workload"]["properties"]["latency_limit_ms"]["description"].endswith("Unit: ms.")
