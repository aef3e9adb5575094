"""Page 1 and section 2 of the report a board bets on (issue 15): the resolution in dollars, the ground's marginal
cost beside its average, which space families are too small rather than unbuildable, the waterfall's largest loss
called a loss, unused options' shadow prices in the appendix, and what the plan does not model. Hand-made run
folders only: nothing here solves a model."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from planner.report import model as rm
from planner.results.waterfall import FACTORS, sentence

RESOLVED = {"gap_usd": 20.1e6, "space_cost_usd": 3.93e9, "cheapest_space_unit_usd": 4.7e6, "target_usd": 39.3e6,
            "share": 0.01, "resolved": True, "re_solves": {"mip_solves": 40, "unresolved": 38}}


def _run(summary=None, scenario=None, tables=None, analysis=None) -> rm.Run:
    return rm.Run(dir=Path("."), summary=summary or {}, explanations={}, scenario=scenario or {},
                  tables={k: pd.DataFrame(v) for k, v in (tables or {}).items()},
                  analysis={k: pd.DataFrame(v) for k, v in (analysis or {}).items()})


def test_how_sure_gives_the_gap_in_dollars_against_the_space_cost():
    text = rm.how_sure({"mip_gap": 4.3e-5, "status": "optimal", "resolution": RESOLVED})
    assert "at most **$20.1 M** more than the best possible plan" in text, text
    assert "space-related cost (capex, launch, operations and site cores" in text and "$3.9 B" in text
    assert "**The space decisions are resolved**" in text and "1 % of its space-related cost ($3.9 B)" in text
    assert "2 resolved their space decisions and 38 did not" in text
    loose = {**RESOLVED, "gap_usd": 114e6, "resolved": False, "re_solves": {}}
    text = rm.how_sure({"mip_gap": 2.4e-4, "status": "optimal", "resolution": loose})
    assert "**The space decisions are not resolved**" in text and "($39.3 M)" in text, text
    assert "differ by less than $114.0 M cannot be told apart" in text
    # a plan without space: the scale is the cheapest unit that could serve the largest workload
    none = {**RESOLVED, "space_cost_usd": 0.0, "cheapest_space_unit_usd": 50e6, "target_usd": 0.5e6,
            "gap_usd": 0.1e6, "re_solves": {}}
    assert "the cheapest space unit that could serve the largest workload" in rm.how_sure(
        {"mip_gap": 1e-9, "status": "optimal", "resolution": none})
    # run folders written before: the relative gap alone
    assert "at most 0.024% more" in rm.how_sure({"mip_gap": 2.4e-4, "status": "optimal"})


def _section2_run() -> rm.Run:
    years = [2027, 2028, 2029, 2031]
    vc = []
    for y in years:
        vc.append({"architecture": "ground_campus@us_grid", "family": "ground", "vintage": y, "workload": "training",
                   "design": "b200", "usd_per_eflop": 0.3, "usd_per_pflop_day": 25.0, "ground_usd_per_eflop": 0.3,
                   "space_to_ground": math.nan})
    vc += [{"architecture": "swarm_satellite@sso", "family": "swarm", "vintage": 2028, "workload": "training",
            "design": "d", "usd_per_eflop": 3.0, "usd_per_pflop_day": 250.0, "ground_usd_per_eflop": 0.3,
            "space_to_ground": 10.0},
           {"architecture": "starship_module@leo", "family": "module", "vintage": 2029, "workload": "training",
            "design": "m", "usd_per_eflop": 1.2, "usd_per_pflop_day": 100.0, "ground_usd_per_eflop": 0.3,
            "space_to_ground": 4.0}]
    reach = [{"workload": "training", "family": "swarm", "vintage": y, "buildable": True, "within_latency": True,
              "holds_cluster": y < 2031} for y in (2028, 2029, 2031)]
    reach += [{"workload": "training", "family": "module", "vintage": 2029, "buildable": True,
               "within_latency": True, "holds_cluster": True}]
    mc = [{"workload": "training", "year": y, "shadow_price_usd_per_eflop_s": 1e6,
           "marginal_usd_per_pflop_day": {2027: 30.0, 2028: 40.0, 2029: 105.0, 2031: 20.0}[y],
           "ground_unit_usd_per_pflop_day": 25.0,
           "space_unit_usd_per_pflop_day": {2028: 250.0, 2029: 100.0}.get(y, math.nan),
           "space_architecture": {2028: "swarm_satellite@sso", 2029: "starship_module@leo"}.get(y, ""),
           "life_marginal_usd_per_pflop_day": {2028: 35.0, 2029: 40.0}.get(y, math.nan),
           "decides": "marginal" if y in (2028, 2029) else "either"} for y in years]
    scenario = {"horizon": {"first_year": 2027, "last_year": 2031},
                "workloads": {"training": {"min_cluster_accelerators": 100000}}}
    return _run({}, scenario, tables={"vintage_costs": vc, "space_reach": reach, "marginal_costs": mc})


def test_section2_says_which_families_are_too_small_and_which_cannot_be_built(tmp_path):
    sec = rm.cheaper_section(_section2_run(), tmp_path)
    table = next(b for b in sec.blocks if isinstance(b, rm.Table) and b.title.startswith("Best cost"))
    frame = table.frame.set_index("built")
    assert frame.loc["2031", "swarm"] == rm.TOO_SMALL  # swarms can be built from 2031 but hold no cluster
    assert frame.loc["2027", "swarm"] == ""  # no swarm can be built in 2027
    assert frame.loc["2029", "module"] == "$100.00"
    assert "A blank cell: no unit of that family can be built that year." in table.note
    assert "'too small': units can be built that year but no unit (nor its formation) holds the training cluster " \
           "of 100,000 accelerators (swarms 2031)." in table.note, table.note


def test_section2_shows_the_marginal_cost_and_which_benchmark_decides(tmp_path):
    sec = rm.cheaper_section(_section2_run(), tmp_path)
    table = next(b for b in sec.blocks if isinstance(b, rm.Table) and b.title.startswith("Ground's marginal"))
    row = table.frame.set_index("year").loc["2029"]
    assert (row["ground marginal"], row["new ground unit"], row["marginal over its life"]) == \
        ("$105.00", "$25.00", "$40.00")
    assert row["space / marginal"] == "2.50x" and row["decides"] == "marginal"
    text = "\n".join(b for b in sec.blocks if isinstance(b, str))
    assert "peaks at $105.00 in 2029, against $25.00 for a new ground unit" in text, text
    assert "above a new ground unit's cost for units built in 2028-2029: there the ground is constrained" in text
    assert "no space unit is cheaper: the closest, built in 2029, costs 2.50x the marginal cost over its life" in text


def test_page1_verdict_rests_on_both_benchmarks():
    text = rm.marginal_verdict(_section2_run(), "training")
    assert text.startswith("Against the ground's marginal cost (what one more PFLOP/s-day of training costs the "
                           "plan: $30.00 in 2027, $40.00 in 2028, $105.00 in 2029; a new ground unit $25.00)"), text
    assert "the best space unit built by 2029 (a module, built in 2029, $100.00) costs 2.50x the marginal cost over " \
           "its life ($40.00), so the answer is No against both benchmarks." in text
    assert text.endswith("The marginal cost decides (section 2).")


def test_the_waterfall_calls_an_input_the_largest_loss_not_binding():
    rows = [{"scope": "plan", "family": "plan", "step": i, "factor": f, "multiplier": 0.37 if f == FACTORS[0] else 1.0,
             "flop_before": 1e30, "flop_after": 1e30 * (0.37 if i >= 1 else 1.0), "lost_flop": 0.0,
             "share_of_peak": 1.0, "explanation": "1: why"} for i, f in enumerate(FACTORS, start=1)]
    text = sentence(pd.DataFrame(rows))
    assert "The largest loss is" in text and "binds first" not in text, text


def test_unused_options_shadow_prices_go_to_the_appendix(tmp_path):
    run = _run(tables={"ground": {"region": ["colocation", "us_grid"], "year": [2033, 2033],
                                  "facility_mw": [0.0, 800.0]},
                       "constraints": {"constraint": ["power", "power"], "index": ["colocation|2033", "us_grid|2033"],
                                       "meaning": ["facility power at colocation in 2033",
                                                   "facility power at us_grid in 2033"],
                                       "slack": [0.0, 0.0], "shadow_price": [-5e6, -1e6], "unit": ["USD per MW"] * 2}})
    sec = rm.binds_section(run, tmp_path)
    text = "\n".join(b for b in sec.blocks if isinstance(b, str))
    assert "listed in the appendix" in text and "$5.0 M" not in text and "-$5.0 M" not in text
    appendix = rm.unused_caps_appendix(run)
    table = next(b for b in appendix.blocks if isinstance(b, rm.Table)).frame
    assert list(table["constraint"]) == ["facility power at colocation in 2033"]
    assert rm.unused_caps_appendix(_run()) is None


def test_what_the_plan_does_not_model_names_each_risk_with_its_direction():
    run = _run({"npv_cost_usd": 467.5e9},
               {"money": {"discount_rate": 0.07, "risk_premium": {"module": 0.02, "station": 0.03, "ground": 0.0}}},
               tables={"designs": {"design_life_yr": [5.0]},
                       "architectures": {"architecture": ["ground_campus@us_grid", "station_module@eml1"],
                                         "family": ["ground", "station"], "npv_cost_usd": [463e9, 3.9e9]}})
    sec = rm.not_modelled_section(run)
    assert sec.title == "14. What this plan does not model"
    frame = next(b for b in sec.blocks if isinstance(b, rm.Table)).frame.set_index("what")
    assert list(frame.index) == ["Tail risk", "Regulation", "Spectrum", "Export control", "Financing detail"]
    assert frame.loc["Tail risk", "would move the answer"].startswith("Against space")
    assert "station_module@eml1) costs $3.9 B in present value, 0.8% of the plan" in \
        frame.loc["Tail risk", "would move the answer"]
    # one point more on a 10 % rate over five years: annuity 0.2706 / 0.2638 = +2.6 %
    assert "(10% now) raises a space unit's capital charge by about 2.6%" in \
        frame.loc["Financing detail", "would move the answer"], frame.loc["Financing detail", "would move the answer"]


def test_a_worlds_unmet_demand_is_never_shown_as_zero():
    """A world that leaves a little demand unserved says so, not '0.0% cannot be served' next to a served share of
    100 % (found reading the committed worlds comparison: chip_stall leaves the off-world demand of 2031-2034,
    3.09 of 244,214 EFLOP/s-years, unserved)."""
    from planner.report.sensitivity import share_text

    assert share_text(3.0935, 3.0935 + 244211.43) == "under 0.1%"
    assert share_text(3.5, 100.0) == "3.5%" and share_text(0.0, 100.0) == "0.0%" and share_text(0.0, 0.0) == "n/a"
    assert share_text(0.05, 100.0) == "0.1%"  # rounds to a figure that is not zero: shown as it is
