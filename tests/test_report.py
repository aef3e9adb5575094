"""Reports: the PDF carries the plan's numbers as text, figures exist and are referenced, re-rendering needs no
model, break-even is monotone and right on a hand-solvable case, decisive assumptions follow the catalog ranges,
an infeasible scenario gets its explanatory report."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from pypdf import PdfReader

import planner
from planner.analysis import break_even, decisive_assumptions
from planner.report import model as rm
from planner.report.render import _PDF, break_pieces, layout_table, render_run, wrap_cell
from planner.results.plan import read_solution, money_summary, cost_flows
from planner.results.schema import category_words
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
    for x in (s["usd_per_pflop_day"], s["ground_only"]["usd_per_pflop_day"]):
        assert re.search(re.escape(f"${x:,.2f}") + r"\s+per\s+PFLOP/s-day", text), x
    assert "perfect foresight" in text
    assert re.search(r"page 1 of \d+", text)


def test_one_cost_unit_everywhere(run_dir):
    """Text, tables and figure axes all say PFLOP/s-day (the numbers are per PFLOP/s sustained for a day)."""
    md = (run_dir / "report.md").read_text()
    assert "PFLOP/s-day" in md and "8.64" in md  # defined once in the summary
    assert not re.search(r"PFLOP-day", md)


def test_summary_names_the_plan_to_ground_only_ratio(run_dir):
    s = json.loads((run_dir / "summary.json").read_text())
    assert "space_vs_ground_cost_ratio" not in s
    assert s["plan_vs_ground_only_cost_ratio"] == pytest.approx(
        s["usd_per_eflop"] / s["ground_only"]["usd_per_eflop"])
    assert s["demand_served_share"] == s["theta"]
    md = (run_dir / "report.md").read_text()
    assert f"plan / ground-only = {s['plan_vs_ground_only_cost_ratio']:.3f}" in md


def test_summary_answers_the_open_claim_first(run_dir):
    md = (run_dir / "report.md").read_text()
    first = md.split("## 1. Executive summary", 1)[1].strip().split("\n\n", 1)[0]
    assert first.startswith("**Is compute in space cheaper than on the ground within 2-3 years")
    assert re.search(r"\? (Yes|No)\.\*\*", first), first
    summary = md.split("## 1. Executive summary", 1)[1].split("## 2.", 1)[0]
    assert "{'" not in summary and "e+" not in summary  # no raw dicts, no 2.98e+30
    assert summary.index("MIP gap") > summary.index("Like for like")  # solver detail after the answer


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


def test_break_even_counts_a_saving_only_above_what_its_re_solves_prove():
    """Each row's two objectives are proven within their MIP gaps: a $2 B saving at gaps of 0.1 % on $500 B each
    ($1 B) counts; the same saving at 1 % ($10 B) does not; a missing gap is the one asked for."""
    from planner.analysis import break_even_point, savings_tolerance

    df = pd.DataFrame({"launch_price_factor": [0.5, 1.0, 2.0], "savings_usd": [2e9, 2e9, 2e9],
                       "npv_cost_usd": [500e9] * 3, "ground_npv_cost_usd": [500e9] * 3,
                       "mip_gap": [0.0, 0.001, 0.01], "ground_mip_gap": [0.0, 0.0, math.nan]})
    assert list(savings_tolerance(df, 0.01)) == pytest.approx([0.0, 0.5e9, 10e9])
    info = break_even_point(df, 0.01)
    assert info["factor"] == 1.0 and info["next_factor"] == 2.0 and info["tolerance_usd"] == pytest.approx(10e9)
    assert break_even_point(df.assign(mip_gap=[0.01] * 3), 0.01)["factor"] is None


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


# ------------------------------------------------------------------------------------------- report helpers


def _cuts_ok(text: str, lines: list[str]) -> bool:
    """Every line boundary falls between words or where break_pieces allows one (positions counted without
    spaces), and the lines put together give the text back."""
    squeeze = text.replace(" ", "")
    if "".join(lines).replace(" ", "") != squeeze:
        return False
    allowed, pos = set(), 0
    for word in text.split():
        for piece in break_pieces(word):
            pos += len(piece)
            allowed.add(pos)
    pos = 0
    for line in lines[:-1]:
        pos += len(line.replace(" ", ""))
        if pos not in allowed:
            return False
    return True


@pytest.mark.parametrize("text,width", [
    ("software efficiency", 10), ("real-time coverage", 11), ("single-event resets", 12),
    ("accelerator failures", 12), ("radiation degradation", 11), ("ground_campus@renewables_storage", 15),
    ("ground_campus@us_grid", 15), ("installed peak, FLOP", 9), ("accelerators.gen_2034.price_usd", 14),
    ("cost $188.4 B", 9), ("$188.4 B", 7), ("15,000,000", 12),
])
def test_wrap_cell_breaks_only_between_words_or_at_separators(text, width):
    lines = wrap_cell(text, width, len)
    assert all(len(x) <= width for x in lines), lines
    assert _cuts_ok(text, lines), lines
    for word in ("efficiency", "coverage", "resets", "failures", "degradation"):
        if word in text:
            assert any(word in line for line in lines), lines
    if text == "cost $188.4 B":
        assert lines == ["cost", "$188.4 B"]  # a number keeps its unit when they fit on a line together
    assert _cuts_ok("ground_campus@us_grid", ["ground_campus@u", "s_grid"]) is False  # the old mid-word split


def test_wrap_cell_cuts_an_unbreakable_word_with_an_ellipsis():
    lines = wrap_cell("supercalifragilistic", 8, len)
    assert lines == ["superca\u2026"]
    assert wrap_cell("2.08\u00d710\u00b3\u00b9", 20, len) == ["2.08\u00d710\u00b3\u00b9"]
    assert break_pieces("2.08e+31") == ["2.08e+31"]  # numbers never split


def test_pdf_table_layout_never_splits_words():
    """The section 7 table that used to print 'software efficie|ncy' and 'ground_campus@u|s_grid'."""
    import pandas as pd

    cols = ["factor", "plan", "station_module@eml1", "ground_campus@us_grid", "ground_campus@grid_constrained",
            "ground_campus@onsite_gas", "ground_campus@renewables_storage"]
    rows = [[f] + ["100.0%"] * 6 for f in ("software efficiency", "real-time coverage", "single-event resets",
                                            "accelerator failures", "radiation degradation")]
    rows.append(["installed peak, FLOP"] + [rm.sci(2.08e31)] * 6)
    frame = pd.DataFrame(rows, columns=cols)
    pdf = _PDF("t")
    for total in (180.0, 110.0):  # the page width, and narrow enough that most cells must wrap
        lay = layout_table(pdf, frame, total, 6.5)
        assert sum(lay.widths) == pytest.approx(total)
        wrapped = 0
        for j, (cell, text) in enumerate(zip(lay.header + [c for r in lay.rows for c in r],
                                             cols + [c for r in rows for c in r])):
            assert "\u2026" not in cell, cell
            assert _cuts_ok(text, cell.split("\n")), (text, cell)
            wrapped += "\n" in cell
            width = lay.widths[j % len(cols)]
            pdf.set_font("DejaVu", "B" if j < len(cols) else "", lay.size)
            assert all(pdf.get_string_width(line) <= width for line in cell.split("\n")), cell
        assert wrapped or total == 180.0
    flat = [c for r in lay.rows for c in r]
    assert any(c == "software efficiency" or c.split("\n") == ["software", "efficiency"] for c in flat)


def test_numbers_and_settings_read_without_python_reprs():
    assert rm.qty(15000000.0) == "15,000,000" and rm.qty(50000.0) == "50,000" and rm.qty(0.045) == "0.045"
    assert rm.value_text("50000.0") == "50,000"
    assert rm.value_text(2031.0, "year") == "2031" and rm.value_text("2031.0", "year") == "2031"
    assert rm.signed_pct(-1e-6) == "0.0%" == rm.signed_pct(1e-6) and rm.signed_pct(0.012) == "+1.2%"
    assert rm.sci(2.983e30) == "2.98\u00d710\u00b3\u2070"
    assert rm.readable({"allow": ["*"], "deny": []}) == "allow: *; deny: none"
    assert "{" not in rm._objective_text({"mode": "ratio", "theta_min": 0.5, "theta_max": 2.0,
                                          "dinkelbach_tolerance": 1e-4, "max_iterations": 25})
    assert rm._unmet_text({"allowed": False, "penalty_usd_per_pflop_day": 1000.0, "workloads": None}).startswith(
        "not allowed")
    demand = rm._demand_text({"growth": {"start_year": 2027, "start_eflop_per_s": 200.0,
                                         "growth_per_yr": {"2028": 0.6, "2033": 0.3}}})
    assert demand == "200 EFLOP/s in 2027, growth per year 60% (2028), 30% (2033), linear between those years"
    assert rm.path_label("accelerators.gen_2034.price_usd",
                         {"resolved_catalog": {"accelerators": {"gen_2034": {"label": "Generation 2034"}}}}) == \
        "price of Generation 2034"


def test_cost_categories_and_architectures_read_in_words(run_dir):
    """The money tables name cost categories and architectures as a board reads them; the ids stay where a user
    needs them (costs.csv, the architecture table's id column)."""
    md = (run_dir / "report.md").read_text()
    money = md[md.index("**Discounted cost by category**"):md.index("**Cost per delivered FLOP by architecture**")]
    costs = pd.read_csv(run_dir / "tables" / "costs.csv")
    for cat in set(costs["category"]) - {"unmet_penalty"}:
        assert f"| {category_words(cat)} |" in money
    assert "ground_facility |" not in money and "residual_value |" not in money
    arch = pd.read_csv(run_dir / "tables" / "architectures.csv")
    scenario = yaml.safe_load((run_dir / "scenario.resolved.yaml").read_text())
    for a in arch["architecture"]:
        assert f"| {rm.arch_label(a, scenario)} | {a} |" in md
    assert rm.with_note("Generation 2034 (projected)", "our assumption") == "Generation 2034 (projected; our assumption)"
    assert rm.with_note("Generation 2034", "measured") == "Generation 2034 (measured)"


def test_catalog_csv_prints_year_tables_readably():
    import pandas as pd

    from planner.catalog import catalog_rows, load_catalog

    rows = catalog_rows(load_catalog())
    text = pd.DataFrame(rows).to_csv(index=False)  # what planner catalog --format csv prints
    assert "{" not in text
    year_table = next(r for r in rows if isinstance(r["value"], dict))
    assert str(year_table["value"]).startswith(f"{min(year_table['value'])}: ")
    assert json.loads(json.dumps(year_table["value"]))  # still a mapping for --format json


def _run(summary=None, scenario=None, tables=None, analysis=None):
    import pandas as pd

    return rm.Run(dir=Path("."), summary=summary or {}, explanations={}, scenario=scenario or {},
                  tables={k: pd.DataFrame(v) for k, v in (tables or {}).items()},
                  analysis={k: pd.DataFrame(v) for k, v in (analysis or {}).items()})


def test_ratio_mode_says_the_plan_serves_only_part_of_demand():
    run = _run({"theta": 0.5, "mode": "ratio"}, {"objective": {"theta_min": 0.5, "theta_max": 2.0}})
    text = rm._theta_sentence(run)
    assert "serves 50% of the scenario's demand" in text and "theta_min" in text
    assert rm._theta_sentence(_run({"theta": 1.0, "mode": "demand"})) == ""


def test_break_even_flat_is_one_sentence_and_infeasible_decisions_say_so():
    import pandas as pd

    flat = pd.DataFrame({"launch_price_factor": [0.02, 1.0, 3.0], "status": ["optimal"] * 3,
                         "usd_per_pflop_day": [13.41] * 3, "ground_usd_per_pflop_day": [13.41] * 3,
                         "space_share": [0.0] * 3})
    assert "uses no space" in rm._break_even_flat(flat, {"factor": None})
    assert rm._break_even_flat(flat.assign(space_share=[0.2, 0.0, 0.0]), {"factor": None}) == ""
    run = _run(tables={"ground": {"region": ["colocation", "us_grid"], "year": [2033, 2033],
                                  "facility_mw": [0.0, 800.0]},
                       "constraints": {"constraint": ["power", "power"], "index": ["colocation|2033", "us_grid|2033"],
                                       "meaning": ["facility power at colocation in 2033",
                                                   "facility power at us_grid in 2033"],
                                       "slack": [0.0, 0.0], "shadow_price": [-5e6, -1e6], "unit": ["USD per MW"] * 2}},
               analysis={"marginal_values": {"decision": ["one fewer x unit (d) in 2043"], "kind": ["unit"],
                                             "change_usd": [float("nan")], "status": ["infeasible"],
                                             "method": ["re-solve"]}})
    assert rm.cap_in_use(run, "power", "colocation|2033") is False
    assert rm.cap_in_use(run, "power", "us_grid|2033") is True
    # a downlink cap at an architecture the plan builds nothing at is an option it does not use
    fleet = {"architecture": ["station_module@eml1"], "year": [2033], "units_in_service": [3.0]}
    built = _run(tables={"fleet": fleet})
    assert rm.cap_in_use(built, "bandwidth", "station_module@eml1|2033") is True
    assert rm.cap_in_use(built, "bandwidth", "starship_module@sso_650_dd|2029") is False
    assert rm.cap_in_use(_run(tables={"fleet": {"architecture": [], "year": [], "units_in_service": []}}),
                         "bandwidth", "starship_module@sso_650_dd|2029") is False
    sec = rm.binds_section(run, Path("."))
    tables = [b for b in sec.blocks if isinstance(b, rm.Table)]
    binding = tables[0].frame
    assert list(binding["constraint"]) == ["facility power at us_grid in 2033"]  # the unused option is not leading
    assert any("options the plan does not use" in b for b in sec.blocks if isinstance(b, str))
    mv = next(t for t in tables if t.title.startswith("Value of one integer decision")).frame
    assert mv["change of plan cost"].iloc[0].startswith("infeasible")


def test_stacked_series_look_different_past_the_eighth():
    """The mass budget stacks ten series: the 9th and 10th once repeated the 1st and 2nd (black, grey '//')."""
    from planner.report.figures import _style

    looks = [(_style(i)["color"], _style(i)["hatch"]) for i in range(16)]
    assert len(set(looks)) == 16
