"""Myopic (rolling-horizon) foresight: the window schedule, a toy whose myopic pathway and its cost are known by
enumeration, a window as long as the horizon (perfect foresight), and bad windows and steps (one line, exit 2)."""

from __future__ import annotations

import itertools
import math
import re
from pathlib import Path

import pytest

from planner import foresight
from planner.cli import main
from planner.errors import EXIT_BAD_INPUT, InputError
from planner.model.build import build_model
from planner.solver.highs import HighsAdapter
from tests.toy import ARCH, solve_toy, toy_coefficients

TOY = Path(__file__).parent / "data" / "toy.yaml"

# One design of 10 EFLOP/s a unit that serves two years (capex $10 M, no discounting, so half of it is the
# residual value of a unit whose second year is past the horizon), 1 t a unit, 2 t a trip at $1 M, one trip a
# year; demand 10 then 40 EFLOP/s, unmet demand at $3 M per EFLOP/s-year.
DEMAND = {2030: 10.0, 2031: 40.0}
CAPEX, CAP, PENALTY, TRIP, PER_TRIP, CADENCE = 10.0, 10.0, 3.0, 1.0, 2, 1


def unit_cost(v: int, last: int) -> float:
    """$M of a unit built in v in a horizon ending in ``last``: capex less the residual value of its years past."""
    beyond = max(0, v + 2 - 1 - last)
    return CAPEX * (1 - beyond / 2)


def toy_until(last: int, lead_yr: int = 0):
    years = [y for y in DEMAND if y <= last]
    c = toy_coefficients({"5mm": {"cost": {v: unit_cost(v, last) for v in years}, "cap": CAP, "mass_t": 1.0,
                                  "life_yr": 2}}, {y: DEMAND[y] for y in years}, payload_t=float(PER_TRIP),
                         trip_cost={y: TRIP for y in years}, cadence=CADENCE,
                         overrides=[f"horizon.last_year={last}"])
    if lead_yr:  # the order's lead time (the toy's vintages are hand-written: set on a copy of its catalog)
        pf = c.catalog.platforms["swarm_satellite"]
        pf = pf.model_copy(update={"lead_time_yr": pf.lead_time_yr.model_copy(update={"value": lead_yr})})
        c.catalog = c.catalog.model_copy(update={"platforms": {**c.catalog.platforms, "swarm_satellite": pf}})
    c.unmet_allowed = {w: True for w in c.workloads}
    c.unmet_cost = {(w, y): PENALTY for w in c.workloads for y in c.years}
    return c


def enumerated_cost(build: dict[int, int], last: int) -> float:
    """The hand-counted cost of building ``build[v]`` units in v, over the years up to ``last``."""
    cost = 0.0
    for y in (y for y in DEMAND if y <= last):
        n = build.get(y, 0)
        if math.ceil(n / PER_TRIP) > CADENCE:
            return math.inf
        cost += n * unit_cost(y, last) + math.ceil(n / PER_TRIP) * TRIP
        alive = sum(k for v, k in build.items() if v <= y < v + 2)
        cost += PENALTY * max(0.0, DEMAND[y] - CAP * alive)
    return cost


def best(options, last: int, fixed: dict[int, int]) -> tuple[float, dict[int, int]]:
    years = [y for y in DEMAND if y <= last and y not in fixed]
    plans = [{**fixed, **dict(zip(years, n))} for n in itertools.product(options, repeat=len(years))]
    return min(((enumerated_cost(b, last), b) for b in plans), key=lambda cb: cb[0])


def units_by_year(decisions: dict) -> dict[int, int]:
    return {idx[2]: int(round(x)) for idx, x in decisions["units"].items() if x > 0.5}


def full_model_cost(pathway: foresight.Pathway) -> float:
    pm = build_model(toy_until(2031))
    ad = HighsAdapter(pm, mip_gap=1e-9, time_limit_s=60)
    res = foresight.evaluate(pm, ad, pathway)
    assert res.has_solution
    return foresight.plan_cost(pm)


def test_window_schedule():
    years = list(range(2027, 2036))
    assert foresight.windows(years, 3, 1)[0] == (2027, 2029, 2028)
    assert foresight.windows(years, 3, 1)[-1] == (2033, 2035, 2036)  # the last window commits to the end
    assert len(foresight.windows(years, 3, 1)) == 7
    assert foresight.windows(years, 4, 2) == [(2027, 2030, 2029), (2029, 2032, 2031), (2031, 2034, 2033),
                                              (2033, 2035, 2036)]
    assert foresight.windows(years, 9, 1) == [(2027, 2035, 2036)]


def test_myopia_costs_what_enumeration_says():
    """Seeing one year ahead, the planner builds one unit for 2030's demand; in 2031 one trip lifts only two more,
    so 10 EFLOP/s go unmet. Perfect foresight pre-builds two units in 2030. Enumeration: perfect foresight
    2 x 10 + 2 x 5 + 2 trips = $32 M; myopic 10 + 1 + 2 x 5 + 1 + 10 x 3 = $52 M; myopia costs $20 M."""
    options = range(0, 5)
    pf_cost, pf_build = best(options, 2031, {})
    _, first = best(options, 2030, {})  # the first window sees 2030 only
    my_cost, my_build = best(options, 2031, first)  # the second window holds it
    assert (pf_cost, my_cost) == (32.0, 52.0) and pf_build == {2030: 2, 2031: 2} and my_build == {2030: 1, 2031: 2}

    pm, res = solve_toy(toy_until(2031))
    assert foresight.plan_cost(pm) == pytest.approx(pf_cost, abs=1e-6)
    pathway = foresight.roll(toy_until, [2030, 2031], window=1, step=1,
                             solver_options={"mip_gap": 1e-9, "time_limit_s": 60})
    assert pathway.failed is None and len(pathway.windows) == 2
    assert units_by_year(pathway.decisions) == my_build
    assert full_model_cost(pathway) == pytest.approx(my_cost, abs=1e-6)
    assert full_model_cost(pathway) - foresight.plan_cost(pm) == pytest.approx(20.0, abs=1e-6)


def test_an_order_is_committed_its_lead_time_before_launch():
    """With a 1-year lead from order to launch, the unit launched in 2031 is ordered in 2030. Seeing one year ahead,
    the 2030 window does not see 2031's demand, so it orders nothing for it; the 2031 window can only launch what
    was ordered: one unit (from before the horizon) for 40 EFLOP/s, 30 unmet: 10 + 1 + 30 x 3 = $101 M by hand
    (against $52 M with no lead). Seeing both years, the pathway is perfect foresight's ($32 M)."""
    assert foresight.decided(toy_until(2031, lead_yr=1), "units", (ARCH, "any design", 2031)) == 2030
    options = {"mip_gap": 1e-9, "time_limit_s": 60}
    short = foresight.roll(lambda last: toy_until(last, lead_yr=1), [2030, 2031], window=1, step=1,
                           solver_options=options)
    assert units_by_year(short.decisions) == {2030: 1}
    assert full_model_cost(short) == pytest.approx(enumerated_cost({2030: 1}, 2031), abs=1e-6) == 101.0
    whole = foresight.roll(lambda last: toy_until(last, lead_yr=1), [2030, 2031], window=2, step=1,
                           solver_options=options)
    assert units_by_year(whole.decisions) == {2030: 2, 2031: 2} and full_model_cost(whole) == pytest.approx(32.0)


def test_a_window_as_long_as_the_horizon_is_perfect_foresight():
    pm, _ = solve_toy(toy_until(2031))
    pathway = foresight.roll(toy_until, [2030, 2031], window=2, step=1,
                             solver_options={"mip_gap": 1e-9, "time_limit_s": 60})
    assert len(pathway.windows) == 1
    assert units_by_year(pathway.decisions) == {2030: 2, 2031: 2}
    assert full_model_cost(pathway) == pytest.approx(foresight.plan_cost(pm), abs=1e-9)


def test_myopic_run_on_a_scenario_reports_the_cost_of_myopia(tmp_path):
    """Through the API on a real (small) scenario: a full-length window gives back perfect foresight (zero cost of
    myopia within the gap), and the pathway's plan tables have the run's schema."""
    import json

    from planner.api import load_scenario, solve, write_run

    rs = load_scenario(Path(__file__).resolve().parents[1] / "data" / "scenarios" / "starcloud_2024.yaml")
    n = len(rs.scenario.horizon.years)
    plan = solve(rs, explain=False, foresight="myopic", window=n, step=1)
    f = plan.summary["foresight"]
    assert len(f["windows"]) == 1 and plan.summary["perfect_foresight"] is False
    tol = max(abs(f["perfect_foresight"]["gap_usd"] or 0.0), 1e-6 * f["perfect_foresight"]["cost_and_penalty_usd"])
    assert abs(f["cost_of_myopia_usd"]) <= tol + 1.0
    folder = write_run(plan, tmp_path / "run")
    assert json.loads((folder / "summary.json").read_text())["foresight"]["window_years"] == n
    assert "myopic foresight" in plan.explanations["perfect_foresight"]


def test_a_vintage_in_service_is_retired_when_its_window_sees_why():
    """Ground accelerators keep their number across windows, not their life. Toy campus (tests/test_fidelity_ground),
    10 EFLOP/s a year 2030-2032; old generation 1 EFLOP/s per k-acc, bought 2030 and kept 1, 2 or 3 years for $10,
    15, 24 per k-acc over the whole horizon; the new one 2 EFLOP/s per k-acc, 2031 for 1 or 2 years at $12 or 20,
    2032 for 1 year at $12. Perfect foresight (enumerated in that test): old kept 1 year, new 2031 kept 2: 200.
    W = 2, S = 1. Window 1 (2030-2031) prices lives past 2031 net of their residual value: old 3 years $12
    (10 x 12 = 120, serving both years) beats old 2 years (150), old 1 + new 2031 for 1 year (100 + 5 x 12 = 160)
    or 2 years ($14: 170). It commits 10 k-acc of the 2030 vintage. Window 2 (the whole horizon) sees the 2032
    generation: the 10 k-acc still in service are kept 2 or 3 years, split k for 3: 24 k + 15 (10 - k) + 12 (10 - k)
    / 2 for the new 2032 k-acc = 210 + 3 k, so all retire after 2 years: 210, myopia 10. Fixing the life when it
    was bought would have kept them 3 years: 240."""
    from tests.test_fidelity_ground import NEW, OLD, REGION, _toy_ground

    demand = {2030: 10.0, 2031: 10.0, 2032: 10.0}
    full = {(OLD, 2030, 1): 10.0, (OLD, 2030, 2): 15.0, (OLD, 2030, 3): 24.0, (NEW, 2031, 1): 12.0,
            (NEW, 2031, 2): 20.0, (NEW, 2032, 1): 12.0}
    window_1 = {(OLD, 2030, 1): 10.0, (OLD, 2030, 2): 15.0, (OLD, 2030, 3): 12.0, (NEW, 2031, 1): 12.0,
                (NEW, 2031, 2): 14.0}

    def until(last: int):
        return _toy_ground(full, demand) if last == 2032 else _toy_ground(window_1, demand, last_year=last)

    pathway = foresight.roll(until, [2030, 2031, 2032], window=2, step=1,
                             solver_options={"mip_gap": 1e-9, "time_limit_s": 60})
    assert pathway.failed is None and [w["window_cost_usd"] for w in pathway.windows] == pytest.approx([120e6, 210e6])
    chips = {k: x for k, x in pathway.decisions["chips"].items() if x > 1e-7}
    assert chips == pytest.approx({(REGION, OLD, 2030, 2): 10.0, (REGION, NEW, 2032, 1): 5.0})
    pm = build_model(until(2032))
    assert foresight.evaluate(pm, HighsAdapter(pm, mip_gap=1e-9), pathway).has_solution
    assert foresight.plan_cost(pm) == pytest.approx(210.0)


@pytest.mark.parametrize("args, field, reason", [
    (["--window", "5", "--step", "1"], "--window", "from 1 to the horizon's 2"),
    (["--window", "0", "--step", "1"], "--window", "from 1 to the horizon's 2"),
    (["--window", "1", "--step", "2"], "--step", "must not exceed the window"),
    (["--window", "2", "--step", "0"], "--step", "at least 1"),
    (["--window", "2"], "--step", "at least 1"),
])
def test_bad_windows_and_steps_are_one_line_exit_2(capsys, tmp_path, args, field, reason):
    capsys.readouterr()
    rc = main(["run", str(TOY), "--out", str(tmp_path / "run"), "--no-report", "--quiet", "--foresight", "myopic",
               *args])
    err = capsys.readouterr().err
    assert rc == EXIT_BAD_INPUT, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and re.match(rf"^error: --foresight myopic: {re.escape(field)}: .*{re.escape(reason)}",
                                        lines[0]), err
    assert not (tmp_path / "run").exists()


def test_window_without_myopic_and_ratio_mode_are_refused(capsys, tmp_path):
    rc = main(["run", str(TOY), "--out", str(tmp_path / "a"), "--no-report", "--quiet", "--window", "2"])
    assert rc == EXIT_BAD_INPUT and len(capsys.readouterr().err.strip().splitlines()) == 1
    with pytest.raises(InputError, match="demand mode"):
        from planner.api import load_scenario, solve
        solve(load_scenario(TOY, ["objective.mode=ratio"]), foresight="myopic", window=1, step=1)
