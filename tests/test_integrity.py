"""A resolved scenario's catalog copy is checked against the shipped catalog; overrides are shown; text is escaped."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from planner.errors import InputError
from planner.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[1]
STARCLOUD = ROOT / "data" / "scenarios" / "starcloud_2024.yaml"


@pytest.fixture(scope="module")
def resolved_doc():
    return yaml.safe_load(load_scenario(STARCLOUD).resolved_yaml())


def _write(tmp_path: Path, doc: dict) -> Path:
    path = tmp_path / "scenario.resolved.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def test_a_spoofed_measured_value_in_the_catalog_copy_becomes_an_override(tmp_path, resolved_doc):
    doc = yaml.safe_load(yaml.safe_dump(resolved_doc))
    acc = next(a for a in doc["resolved_catalog"]["accelerators"] if f"accelerators.{a}.power_w" not in doc["catalog"])
    q = doc["resolved_catalog"]["accelerators"][acc]["power_w"]
    shipped_value = q["value"]
    q.update(value=1.0, confidence="measured", source="nvidia_h100_ds", note="measured in our lab")
    rs = load_scenario(_write(tmp_path, doc))
    got = rs.catalog.accelerators[acc].power_w
    assert got.v == 1.0
    assert got.source == "scenario_override" and got.confidence == "our assumption"  # not catalog data
    path = f"accelerators.{acc}.power_w"
    assert rs.resolved["catalog_overrides_from"][path] == "scenario.resolved.yaml (resolved_catalog)"
    assert rs.resolved["resolved_catalog"]["accelerators"][acc]["power_w"]["confidence"] == "our assumption"
    assert shipped_value != 1.0


def test_same_value_with_spoofed_provenance_keeps_the_shipped_provenance(tmp_path, resolved_doc):
    doc = yaml.safe_load(yaml.safe_dump(resolved_doc))
    acc = next(a for a in doc["resolved_catalog"]["accelerators"] if f"accelerators.{a}.price_usd" not in doc["catalog"])
    q = doc["resolved_catalog"]["accelerators"][acc]["price_usd"]
    shipped = dict(q)
    q.update(confidence="measured", source="nvidia_h100_ds", low=q["value"], high=q["value"])
    doc["resolved_catalog"]["sources"]["nvidia_h100_ds"]["title"] = "Independent audit"
    rs = load_scenario(_write(tmp_path, doc))
    got = rs.catalog.accelerators[acc].price_usd
    assert (got.confidence, got.source) == (shipped["confidence"], shipped["source"])
    assert (got.low, got.high) == (shipped.get("low"), shipped.get("high"))
    assert rs.catalog.sources["nvidia_h100_ds"].title != "Independent audit"
    assert f"accelerators.{acc}.price_usd" not in rs.resolved["catalog_overrides_from"]


def test_a_value_at_a_catalog_range_end_keeps_its_provenance(tmp_path):
    rs = load_scenario(STARCLOUD, ["catalog.components.battery.max_depth_of_discharge=high"])
    path = _write(tmp_path, yaml.safe_load(rs.resolved_yaml()))
    again = load_scenario(path)
    assert again.sha256 == rs.sha256
    q = again.catalog.components.battery.max_depth_of_discharge
    assert q.source != "scenario_override" and q.note.startswith("high end of")


def test_an_entry_the_shipped_catalog_lacks_is_refused(tmp_path, resolved_doc):
    doc = yaml.safe_load(yaml.safe_dump(resolved_doc))
    acc = next(iter(doc["resolved_catalog"]["accelerators"]))
    doc["resolved_catalog"]["accelerators"]["tpu_x"] = doc["resolved_catalog"]["accelerators"][acc]
    with pytest.raises(InputError) as e:
        load_scenario(_write(tmp_path, doc))
    assert e.value.problems == ["scenario.resolved.yaml: resolved_catalog.accelerators.tpu_x: not in the shipped "
                                "catalog (written by another catalog version?)".replace(
                                    "scenario.resolved.yaml", str(tmp_path / "scenario.resolved.yaml"))]


# ------------------------------------------------------------------------ overrides named; user text made safe

NASTY = "**bold** __it__ <script>x</script> [link](http://e.x) | cell ~~s~~ --u-- \\ `c`\n# heading"
GROUND_ONLY_TOO_SMALL = {"architectures.allow": ["ground_campus@us_grid"],
                         "catalog.ground_regions.us_grid.pipeline_mw": 10,
                         "catalog.ground_regions.us_grid.grid_mw_per_yr": 0}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """Two quick (infeasible) runs of the same scenario with different overrides, rendered, and their comparison."""
    import planner
    from planner.report.compare import compare_runs
    from planner.report.render import render_run

    base = tmp_path_factory.mktemp("runs")
    outs = []
    for i, extra in enumerate(({"description": NASTY, "workloads.cluster.label": NASTY},
                               {"catalog.ground_regions.us_grid.pue": 1.2})):
        plan = planner.solve(planner.load_scenario(STARCLOUD, {**GROUND_ONLY_TOO_SMALL, **extra}), analysis="off")
        out = planner.write_run(plan, base / f"run{i}")
        render_run(out)
        outs.append(out)
    md, pdf = compare_runs(outs, base / "compare")
    return outs, md, pdf


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "".join(p.extract_text() for p in PdfReader(path).pages)


def test_overrides_are_named_in_the_title_on_page_one_and_in_compare(two_runs):
    (a, b), md, _ = two_runs
    text_a = (a / "report.md").read_text()
    text_b = (b / "report.md").read_text()
    assert text_a.splitlines()[0] == "# Orbital compute plan: starcloud_2024 + 5 overrides"
    assert text_b.splitlines()[0] == "# Orbital compute plan: starcloud_2024 + 4 overrides"
    first_section_b = text_b.split("## ")[1]  # page 1
    assert "This run departs from its scenario file: 4 overrides" in first_section_b
    assert "catalog.ground_regions.us_grid.pue = 1.2" in first_section_b
    assert "(from" not in first_section_b and "catalog copy" not in first_section_b  # --set, said once
    assert "catalog.ground_regions.us_grid.pue = 1.2" in text_b.split("## Appendix")[1]
    assert "overrides: " in text_b.splitlines()[2]  # the subtitle
    cmp = md.read_text()
    assert "starcloud_2024 + 5 overrides" in cmp and "starcloud_2024 + 4 overrides" in cmp
    assert "catalog.ground_regions.us_grid.pue = 1.2" in cmp


def test_two_runs_with_the_same_number_of_overrides_are_still_told_apart(two_runs):
    from planner.report.compare import labels
    from planner.report.model import Run

    (a, b), _, _ = two_runs
    assert labels([Run.read(a), Run.read(b)]) == ["starcloud_2024 + 5 overrides", "starcloud_2024 + 4 overrides"]
    # the same label twice: the run folders tell them apart
    assert labels([Run.read(a), Run.read(a)]) == [f"starcloud_2024 + 5 overrides ({a.name})"] * 2


def test_descriptions_and_labels_cannot_inject_markup(two_runs):
    (a, _), md, _ = two_runs
    text = (a / "report.md").read_text()
    for bad in ("**bold**", "__it__", "<script>", "[link](", "~~s~~", "--u--", "`c`", "\n# heading"):
        assert bad not in text, bad
    assert "\u2217\u2217bold\u2217\u2217" in text and "\u2039script\u203a" in text  # shown, as look-alikes
    assert "**bold**" not in md.read_text()
    pdf = _pdf_text(a / "report.pdf")
    assert "bold" in pdf and "script" in pdf


def test_safe_text_keeps_plain_words_and_one_line():
    from planner.report.text import safe_text

    assert safe_text("Frontier training (users on the Moon), 2030-2040") == \
        "Frontier training (users on the Moon), 2030-2040"
    assert "\n" not in safe_text("a\n# b\r\n- c") and safe_text("# x").startswith("\u266f")


def test_page_one_names_set_values_and_catalog_copy_values_apart():
    from planner.report.overrides import page_one, run_label

    scenario = {"name": "x", "set_overrides": {"horizon.last_year": 2040},
                "catalog_overrides_from": {"accelerators.b200.power_w": "scenario.resolved.yaml (resolved_catalog)",
                                           "sites.geo.first_year": "x.yaml"},
                "resolved_catalog": {"accelerators": {"b200": {"power_w": {"value": 1.0, "unit": "W"}}}}}
    assert run_label(scenario) == "x + 2 overrides"
    text = page_one(scenario)
    assert "horizon.last_year = 2040;" in text
    assert "catalog.accelerators.b200.power_w = 1 (from scenario.resolved.yaml (resolved" in text
    assert "1 of them come from a resolved scenario's own catalog copy" in text
    assert "The scenario files set 1 catalog value themselves" in text
    assert run_label({"name": "x"}) == "x" and page_one({"name": "x"}) is None
