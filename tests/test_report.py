"""Reports: the PDF carries the plan's numbers as text, figures exist and are referenced, re-rendering needs no
model, break-even is monotone and right on a hand-solvable case, decisive assumptions follow the catalog ranges,
an infeasible scenario gets its explanatory report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

import planner
from planner.analysis import break_even, decisive_assumptions
from planner.report.render import render_run
from planner.results.plan import read_solution, money_summary, cost_flows
from planner.session import Session

SCEN = Path(__file__).resolve().parents[1] / "data" / "scenarios"
STARCLOUD = SCEN / "starcloud_2024.yaml"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "starcloud"
    plan = planner.solve(planner.load_scenario(STARCLOUD), analysis="quick")
    planner.write_run(plan, out)
    render_run(out)
    return out


def test_pdf_text_contains_the_cost_per_flop(run_dir):
    s = json.loads((run_dir / "summary.json").read_text())
    text = "".join(page.extract_text() for page in PdfReader(run_dir / "report.pdf").pages)
    assert f"${s['usd_per_pflop_day']:,.2f}/PFLOP-day" in text
    assert f"${s['ground_only']['usd_per_pflop_day']:,.2f}/PFLOP-day" in text
    assert "perfect foresight" in text
    assert re.search(r"page 1 of \d+", text)


def test_every_figure_exists_and_is_referenced(run_dir):
    md = (run_dir / "report.md").read_text()
    referenced = set(re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md))
    assert referenced, "the report shows figures"
    for rel in referenced:
        assert (run_dir / rel).is_file(), rel
    on_disk = {f"figures/{p.name}" for p in (run_dir / "figures").glob("*.png")}
    assert on_disk == referenced


def test_report_rerenders_without_building_a_model(run_dir, monkeypatch):
    import planner.model.build as build
    import planner.model.coefficients as coefficients

    def forbidden(*a, **k):
        raise AssertionError("planner report must not build or compute a model")

    monkeypatch.setattr(build, "build_model", forbidden)
    monkeypatch.setattr(coefficients, "compute", forbidden)
    (run_dir / "report.pdf").unlink()
    md, pdf = render_run(run_dir)
    assert pdf.is_file() and md.is_file()


def test_break_even_is_monotone_and_matches_the_hand_solution():
    # Starcloud case: space = arrays $2M + one launch at 5 $M x factor + shielding $1.2M; ground = $167.27M.
    # Space saves money while 3.2 + 5 f < 167.2688, i.e. up to f* = 32.81.
    rs = planner.load_scenario(STARCLOUD, ["solver.mip_gap=0.0001"])
    session = Session(rs)
    res, _ = session.solve_plan()
    factors = (1.0, 10.0, 30.0, 32.5, 33.0, 40.0, 100.0)
    table, info = break_even(session, 1.0, factors, gap=1e-4)
    savings = list(table["savings_usd"])
    assert all(a >= b - 1e-3 for a, b in zip(savings, savings[1:])), savings
    assert info["factor"] == 32.5 and info["next_factor"] == 33.0
    hand = {f: 167.2688e6 - (3.2e6 + 5e6 * f) for f in factors}
    for f, s in zip(factors, savings):
        assert s == pytest.approx(max(hand[f], 0.0), abs=2e4)


def _top_assumption(overrides):
    rs = planner.load_scenario(STARCLOUD, overrides)
    session = Session(rs)
    session.solve_plan()
    sol = read_solution(session.pm)
    base = money_summary(session.coef, sol, cost_flows(session.coef, sol))
    table = decisive_assumptions(session, sol, base, k=3, gap=1e-4)
    return table.iloc[0]["path"], table


def test_decisive_assumptions_follow_the_catalog_ranges():
    first, table = _top_assumption([])
    assert first != "components.solar_array.cost_usd_per_w", table[["path", "swing"]]
    # the scenario sets the array price without a range; give it a wide one and it decides the answer
    wide = ("catalog.components.solar_array.cost_usd_per_w={value: 0.05, low: 0.01, high: 5, unit: USD/W, "
            "source: starcloud_wp, confidence: our assumption}")
    first_wide, table = _top_assumption([wide])
    assert first_wide == "components.solar_array.cost_usd_per_w", table[["path", "swing"]]


def test_infeasible_scenario_gets_an_explanatory_report(tmp_path):
    rs = planner.load_scenario(STARCLOUD, ["architectures.allow=[ground_campus@us_grid]",
                                           "catalog.ground_regions.us_grid.pipeline_mw=10",
                                           "catalog.ground_regions.us_grid.grid_mw_per_yr=0"])
    plan = planner.solve(rs)
    assert plan.status == "infeasible"
    out = planner.write_run(plan, tmp_path / "x")
    md, pdf = render_run(out)
    text = md.read_text()
    assert "Infeasible" in text and "cluster" in text and "2030" in text
    assert "grid interconnect" in text or "facility power" in text
    assert "Infeasible" in "".join(p.extract_text() for p in PdfReader(pdf).pages)


def test_table_documentation_is_generated_from_the_schema():
    from planner.results.schema import markdown

    docs = Path(__file__).resolve().parents[1] / "docs" / "tables.md"
    assert docs.read_text() == markdown(), "regenerate docs/tables.md from planner.results.schema.markdown()"
