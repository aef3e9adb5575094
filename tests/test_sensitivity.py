"""Space against ground (planner/sensitivity.py): the three measures, group moves and what must be true, on a toy
solvable by hand.

The toy is the Starcloud case (one 40 MW cluster for 10 years, undiscounted; tests/test_published_cases.py):
ground $167.2688 M; space = solar array (40 MW x $/W) + shielding (40,000 kg x $/kg) + one $5 M launch. Here the
array costs $3.00/W (range down to $2.90) and shielding $1,200/kg (down to $1,100), both tagged space hardware
(the module's 10-year life loses its range, which the group would otherwise move too):
space = 120 + 48 + 5 = $173 M > ground. Either value alone at its low saves $4 M (space $169 M, still dearer);
both together save $8 M (space $165 M, cheaper). Moving the group a fraction t of the way: space = 173 - 8 t, equal
to the ground at t* = (173 - 167.2688) / 8 = 0.7164.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import planner
from planner.analysis import base_measures, decisive_assumptions
from planner.catalog.schema import Quantity
from planner.results.plan import cost_flows, money_summary, read_solution
from planner.sensitivity import (bisect, group_moves, group_overrides, space_share, toward, unit_ratios,
                                 what_must_be_true)
from planner.session import Session

STARCLOUD = Path(__file__).resolve().parents[1] / "data" / "scenarios" / "starcloud_2024.yaml"
GROUND = 167.2688
ARRAY = ("catalog.components.solar_array.cost_usd_per_w={value: 3.0, low: 2.9, high: 3.1, unit: USD/W, "
         "source: starcloud_wp, confidence: our assumption, groups: [space_hardware], space_end: low}")
SHIELD = ("catalog.components.shielding.cost_usd_per_kg={value: 1200, low: 1100, high: 1300, unit: USD/kg, "
          "source: starcloud_wp, confidence: our assumption, groups: [space_hardware], space_end: low}")
LIFE = ("catalog.platforms.starship_module.design_life_yr={value: 10, unit: yr, source: starcloud_wp, "
        "confidence: our assumption}")  # without the catalog's range: the group would move it too
T_STAR = (173.0 - GROUND) / 8.0


@pytest.fixture(scope="module")
def toy():
    rs = planner.load_scenario(STARCLOUD, [ARRAY, SHIELD, LIFE, "solver.mip_gap=0"])
    session = Session(rs)
    session.solve_plan()
    sol = read_solution(session.pm)
    base = money_summary(session.coef, sol, cost_flows(session.coef, sol))
    return session, sol, base


def test_three_measures_by_hand(toy):
    session, sol, base = toy
    b = base_measures(session, sol, base)
    assert b["space_share"] == 0.0  # the ground is cheaper: $167.27 M against $173 M
    assert b["ratio_window"] == pytest.approx(173.0 / GROUND, rel=1e-4)
    assert b["ratio_last"] == pytest.approx(173.0 / GROUND, rel=1e-4)  # undiscounted: every vintage the same
    moves = group_moves(session, base, gap=0.0, groups=("space_hardware",)).set_index("end")
    at = moves.loc["space"]
    assert at["space_share"] == 1.0
    assert at["ratio_window"] == pytest.approx(165.0 / GROUND, rel=1e-4)
    assert at["change"] == pytest.approx(165.0 / GROUND - 1.0, rel=1e-3)  # the plan is now the space unit
    ground_end = moves.loc["ground"]
    assert ground_end["space_share"] == 0.0 and ground_end["ratio_window"] == pytest.approx(181.0 / GROUND, rel=1e-4)


def test_a_group_move_flips_what_single_moves_do_not(toy):
    session, sol, base = toy
    da = decisive_assumptions(session, sol, base, k=3, k_ratio=4, gap=0.0).set_index("path")
    # the ground-only plan's cost carries neither value: only the unit-ratio screen brings them in
    for path in ("components.solar_array.cost_usd_per_w", "components.shielding.cost_usd_per_kg"):
        assert da.loc[path, "low_space_share"] == 0.0, path
        assert da.loc[path, "low_ratio_window"] == pytest.approx(169.0 / GROUND, rel=1e-4)
        assert da.loc[path, "rank_ratio"] <= 2
    moves = group_moves(session, base, gap=0.0, groups=("space_hardware",))
    assert moves.set_index("end").loc["space", "space_architectures"] == "starship_module@sso_650_dd"


def test_bisection_finds_the_smallest_move_enumeration_finds(toy):
    session, sol, base = toy
    moves = group_moves(session, base, gap=0.0, groups=("space_hardware",))
    table = what_must_be_true(session, base_measures(session, sol, base), moves, gap=0.0,
                              groups=("space_hardware",), steps=5).set_index("target")
    # enumeration over the same grid of 1/32
    first = None
    for i in range(33):
        session.apply(group_overrides(session, "space_hardware", i / 32))
        res = session.resolve(mip_gap=0.0)
        if space_share(read_solution(session.pm), session.coef) >= 0.10:
            first = i / 32
            break
    session.apply({})
    assert first == math.ceil(T_STAR * 32) / 32
    for target in ("space share 10%", "space share 50%", "space unit matches ground"):
        row = table.loc[target]
        assert bool(row["reachable"]) and row["t"] == first, target
        assert row["t_below"] == first - 1 / 32
    assert res.has_solution


def test_bisect_brackets_a_threshold():
    lo, hi = bisect(lambda t: t >= 0.3, steps=10)
    assert lo < 0.3 <= hi and hi - lo == pytest.approx(1 / 1024)


def test_toward_interpolates_numbers_and_year_tables():
    q = Quantity(value={2027: 90, 2030: 40}, low={2027: 50, 2030: 15}, unit="MUSD", source="s", confidence="vendor",
                 groups=["launch"], space_end="low")
    assert toward(q, "low", 0.5) == {2027: 70.0, 2030: 27.5}
    y = Quantity(value=2031, low=2029, high=2035, unit="year", source="s", confidence="vendor")
    assert toward(y, "low", 0.4) == 2030.0  # a year stays whole


def test_demand_moves_within_the_scenario_demand_scale(toy):
    session, _, _ = toy
    ov = group_overrides(session, "demand", 1.0, "space")
    assert ov == {"workloads.cluster.demand_eflop_per_s": {2030: 40 * 2.0}}  # objective.theta_max = 2 by default
    assert group_overrides(session, "demand", 0.5, "ground") == {"workloads.cluster.demand_eflop_per_s": {2030: 30.0}}


def test_unit_ratios_read_the_cheapest_space_unit_of_the_window(toy):
    session, _, _ = toy
    r = unit_ratios(session.coef)
    assert r["last_build_year"] == 2030  # the cluster is demanded from 2030: the only year a unit is built
    assert r["ratio_window"] == pytest.approx(173.0 / GROUND, rel=1e-4)


# ------------------------------------------------------------------------------------------- catalog tags


def test_group_tags_are_validated():
    from pydantic import ValidationError

    base = dict(value=1.0, low=0.5, high=2.0, unit="USD", source="s", confidence="vendor")
    with pytest.raises(ValidationError, match="needs space_end"):
        Quantity(**base, groups=["launch"])
    with pytest.raises(ValidationError, match="no groups"):
        Quantity(**base, space_end="low")
    with pytest.raises(ValidationError):
        Quantity(**base, groups=["rockets"], space_end="low")


def test_bad_group_tag_in_a_scenario_is_one_line_naming_the_field():
    from planner.errors import InputError

    bad = ("catalog.components.shielding.cost_usd_per_kg={value: 30, unit: USD/kg, source: starcloud_wp, "
           "confidence: vendor, groups: [rockets], space_end: low}")
    with pytest.raises(InputError) as exc:
        planner.load_scenario(STARCLOUD, [bad])
    assert any("components.shielding.cost_usd_per_kg.groups" in p for p in exc.value.problems), exc.value.problems


def test_every_group_has_values_and_planner_catalog_lists_them(capsys):
    from planner.catalog import catalog_rows, load_catalog
    from planner.catalog.schema import GROUPS
    from planner.cli import main

    rows = catalog_rows(load_catalog())
    for g in GROUPS:
        tagged = [r for r in rows if g in r["groups"].split(", ")]
        assert len(tagged) >= 5 and all(r["space_end"] in ("low", "high") for r in tagged), g
    by_path = {r["path"]: r for r in rows}
    assert by_path["launch_vehicles.starship.payload_leo_t"]["space_end"] == "high"
    assert by_path["ground_regions.us_grid.queue_yr"]["groups"] == "ground_supply"
    assert main(["catalog", "--group", "launch", "--format", "csv"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 + sum("launch" in r["groups"].split(", ") for r in rows)
    assert main(["catalog", "--group", "rockets"]) == 2


# ------------------------------------------------------------------------------------------- report words


def _report_run():
    import pandas as pd

    from planner.report import model as rm

    scenario = {"horizon": {"first_year": 2027, "last_year": 2045}, "workloads": {"training": {"users": "earth"}}}
    groups = {"group": ["space_hardware", "space_hardware", "ground_supply"], "end": ["space", "ground", "space"],
              "values": [49, 49, 33], "status": ["optimal", "optimal", "infeasible"],
              "usd_per_pflop_day": [12.35, 13.72, math.nan], "change": [-0.088, 0.013, math.nan],
              "space_share": [0.488, 0.0004, math.nan], "ratio_window": [1.18, 20.5, 2.35],
              "ratio_last": [0.71, 6.8, 1.16], "space_architectures": ["starship_module@leo_550_53", "", ""]}
    wmbt = {"group": ["space_hardware"] * 3 + ["ground_supply"],
            "target": ["space share 10%", "space share 50%", "space unit matches ground", "space share 10%"],
            "measure": ["space_share", "space_share", "ratio_window", "space_share"],
            "reachable": [True, False, False, False], "t": [0.625, math.nan, math.nan, math.nan],
            "t_below": [0.5625, 1.0, 1.0, 0.5], "value_at_t": [0.127, math.nan, math.nan, math.nan],
            "base_value": [0.0007, 0.0007, 2.62, 0.0007], "end_value": [0.488, 0.488, 1.18, math.nan],
            "feasible_to": [1.0, 1.0, 1.0, 0.5], "value_at_limit": [0.488, 0.488, 1.18, 0.004]}
    summary = {"scenario": "reference", "space_share": 0.0007, "usd_per_pflop_day": 13.54,
               "analysis": {"base_measures": {"space_share": 0.0007, "ratio_window": 2.62, "ratio_last": 1.31,
                                              "last_build_year": 2045}}}
    vc = {"workload": ["training"] * 3, "family": ["module", "module", "ground"], "vintage": [2029, 2045, 2029],
          "architecture": ["m@x", "m@x", "g@y"], "space_to_ground": [2.62, 1.31, 1.0]}
    return rm.Run(dir=Path("."), summary=summary, explanations={}, scenario=scenario,
                  tables={"vintage_costs": pd.DataFrame(vc)},
                  analysis={"groups": pd.DataFrame(groups), "what_must_be_true": pd.DataFrame(wmbt)})


def test_report_section_and_page_one_say_what_groups_do():
    from planner.report import sensitivity as rs

    run = _report_run()
    sec = rs.section(run)
    text = " ".join(b for b in sec.blocks if isinstance(b, str))
    assert "space hardware at its end favouring space takes space to 48.8% of the delivered FLOP" in text
    assert "costs 2.62x as much per FLOP as a ground campus" in text
    tables = {b.title: b.frame for b in sec.blocks if hasattr(b, "frame")}
    wmbt = tables["What must be true"].set_index("group")
    assert wmbt.loc["space hardware", "space 10% of FLOP"] == "62% of the way (12.7%; not at 56%)"
    assert wmbt.loc["space hardware", "space 50% of FLOP"] == "not reachable (at the end: 48.8%)"
    assert wmbt.loc["ground supply", "space 10% of FLOP"].startswith("not reachable: no plan beyond 50% of the way")
    assert "no plan (infeasible)" in set(tables["Groups of assumptions moved together"].iloc[:, 3])
    bullets = rs.summary_bullets(run)
    assert bullets[0].startswith("Space's share of delivered FLOP with each group") and "48.8%" in bullets[0]
    assert "space hardware 62% of the way" in bullets[1] and "not reachable by ground supply" in bullets[1]
    verdict = rs.world_verdict(run)
    assert verdict["space unit / ground, built within 2-3 years"] == "2.62x (by 2029)"
    assert verdict["verdict"] == "ground only; no space unit is cheaper within 2-3 years"


def test_quick_analysis_shows_the_three_measures_and_marks_unresolved_re_solves():
    """Without groups (``--analysis quick``) the section still shows the one-at-a-time table by the three measures;
    a share from a re-solve that stopped before it resolved the space decisions carries a *."""
    import pandas as pd

    from planner.report import sensitivity as rs

    run = _report_run()
    run.analysis = {"decisive_assumptions": pd.DataFrame({
        "path": ["a.price_usd", "b.cost_usd_per_w"], "groups": ["accelerators", "space_hardware"],
        "space_end": ["high", "low"], "low_space_share": [0.00067, 0.0007], "high_space_share": [0.00082, 0.0007],
        "low_resolved": [True, True], "high_resolved": [True, False],
        "low_ratio_window": [2.6, 2.0], "high_ratio_window": [2.6, 4.0], "low_ratio_last": [1.3, 1.0],
        "high_ratio_last": [1.3, 2.0], "low_change": [-0.08, 0.0], "high_change": [0.1, 0.002],
        "share_swing": [0.00015, 0.0], "ratio_swing": [0.0, 3.0], "rank_cost": [1, 2], "rank_share": [1, 2],
        "rank_ratio": [2, 1]})}
    sec = rs.section(run)
    text = " ".join(b for b in sec.blocks if isinstance(b, str))
    assert "--analysis full" in text
    table = {b.title: b.frame for b in sec.blocks if hasattr(b, "frame")}["One value at a time, by the three measures"]
    shares = dict(zip(table["catalog path"], table["space share at low / high"]))
    assert shares == {"a.price_usd": "0.067% / 0.082%", "b.cost_usd_per_w": "0.070% / 0.070%*"}
