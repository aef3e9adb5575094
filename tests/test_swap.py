"""On-orbit accelerator swap (issue 16, accelerator life and refresh): a serviced unit's accelerators replaced by a
newer generation at a chosen age, keeping its bus, arrays and radiators; a design option the optimiser chooses.

Tiny real instances of the toy scenario (tests/data/toy.yaml): one Starship module architecture, b200 units that may
swap to gen_2034 (built from 2032 here) at age 2, 2030-2034, no discounting, failures and total dose off, so every
number is checked by hand or by enumeration.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest

from planner.api import load_scenario
from planner.model.coefficients import compute
from tests.toy import solve_toy

TOY = Path(__file__).parent / "data" / "toy.yaml"
ARCH = "starship_module@sso_650_dd"
ROUTE = "starship>sso_650_dd"
BASE = "b200/320K/1mm"
SWAP = "b200/320K/1mm/swap@2y"
NEW = "gen_2034/320K/1mm"
DEMAND = {2030: 5, 2031: 5, 2032: 20, 2033: 20, 2034: 20}


def options(swap: bool = True, swap_cost: float | None = None, bus_usd: float | None = None) -> list[str]:
    out = [f"architectures.allow=[{ARCH}]", "horizon.last_year=2034", "design_space.servicing=true",
           "design_space.accelerators=[b200,gen_2034]", "design_space.shielding_mm_al=[1]",
           "trajectories.accelerator_years={b200: {last_year: 2031}, gen_2034: {first_year: 2032}}",
           "catalog.platforms.starship_module.lead_time_yr=0",
           "workloads.batch.demand_eflop_per_s={" + ", ".join(f"{y}: {x}" for y, x in DEMAND.items()) + "}",
           "workloads.realtime.demand_eflop_per_s={2030: 0, 2034: 0}"]
    if swap:
        out.append("design_space.space_swap_ages_yr=[2]")
    if swap_cost is not None:
        out.append(f"catalog.components.servicing.swap_cost_musd_per_unit={swap_cost}")
    if bus_usd is not None:
        out.append(f"catalog.platforms.starship_module.bus_cost_usd={bus_usd}")
    return out


def coefficients(*args, **kwargs):
    return compute(load_scenario(TOY, options(*args, **kwargs)))


def _by_category(flows, year=None) -> dict[str, float]:
    out: dict[str, float] = {}
    for cat, t, x in flows:
        if year is None or t == year:
            out[cat] = out.get(cat, 0.0) + x
    return out


def test_a_swapped_units_capacity_and_cost_flows_by_hand():
    """A b200 module built in 2030 swapped at age 2: 2030-31 its b200, from 2032 gen_2034 in the count its power
    envelope carries (n x 1000 W / 2600 W), supplying gen_2034's pool. Costs, at a 0 % rate: the new accelerators at
    their 2032 price with the space adder, and the swap mission in 2032; the b200 leave no residual value, the new
    accelerators a residual for the 5 of their 8 years past 2034, the bus, arrays and radiators the same as
    without the swap (5 of 10 years past 2034). Launch: the new accelerators' mass in 2032; embodied CO2 in 2032."""
    c = coefficients()
    cat = c.catalog
    assert c.archs[ARCH]["rate"] == 0.0 and c.scenario.money.discount_rate == 0.0
    base, swap = c.designs[(ARCH, BASE)], c.designs[(ARCH, SWAP)]
    assert (base.life_yr, swap.swap_age_yr, swap.accelerators_per_unit) == (10.0, 2, base.accelerators_per_unit)
    sw = c.swaps[(ARCH, SWAP, 2030)]
    b200, new = cat.accelerators["b200"], cat.accelerators["gen_2034"]
    pk = cat.components.space_packaging
    n_old = base.accelerators_per_unit
    n_new = n_old * 1000.0 / 2600.0
    assert (b200.power_w.v, new.power_w.v) == (1000.0, 2600.0)
    assert (sw.year, sw.accelerator, sw.accelerators) == (2032, "gen_2034", pytest.approx(n_new, rel=1e-12))
    # capacity (failures and dose off: every accelerator serves the whole year) and the pool it supplies
    for y in (2030, 2031):
        assert c.unit_cap[(ARCH, SWAP, 2030, y)] == pytest.approx(n_old / 1000.0)
        assert c.generation(ARCH, SWAP, 2030, y) == "b200"
    for y in (2032, 2033, 2034):
        assert c.unit_cap[(ARCH, SWAP, 2030, y)] == pytest.approx(n_new / 1000.0)
        assert c.generation(ARCH, SWAP, 2030, y) == "gen_2034"
        assert c.accelerators_in(ARCH, SWAP, 2030, y) == pytest.approx(n_new)
    # cost flows against the design without the swap
    new_acc = n_new * (new.price_usd.v + pk.cost_usd_per_accelerator.v) / 1e6
    old_acc = n_old * (b200.price_usd.v + pk.cost_usd_per_accelerator.v) / 1e6
    mission = cat.components.servicing.swap_cost_musd_per_unit.v
    assert mission == 25.0
    flows = c.unit_flows(ARCH, SWAP, 2030)
    at_swap = _by_category(flows, 2032)
    assert at_swap["accelerators"] == pytest.approx(new_acc)
    assert at_swap["servicing"] == pytest.approx(mission)
    assert sum(c.unit_capex(ARCH, SWAP, 2030).values()) == pytest.approx(sum(c.unit_capex(ARCH, BASE, 2030).values()))
    assert _by_category(flows, 2030)["accelerators"] == pytest.approx(old_acc)
    base_flows = c.unit_flows(ARCH, BASE, 2030)
    residual = _by_category(flows)["residual_value"]
    base_residual = _by_category(base_flows)["residual_value"]
    assert base_residual - residual == pytest.approx(-0.5 * old_acc + 5 / 8 * (new_acc + mission))
    assert c.unit_cost[(ARCH, SWAP, 2030)] - c.unit_cost[(ARCH, BASE, 2030)] == pytest.approx(
        0.5 * old_acc + 3 / 8 * (new_acc + mission))
    # launch mass and embodied emissions of the new accelerators, in the swap year
    assert sw.mass_t == pytest.approx(n_new * (new.mass_kg_packaged.v + pk.mass_kg_per_accelerator.v) / 1000.0)
    embodied = [(t, x) for cat_, t, x, _ in c.unit_emissions(ARCH, SWAP, 2030)
                if cat_ == "accelerators_embodied" and t == 2032]
    assert embodied == [(2032, pytest.approx(n_new * new.embodied_co2_kg.v / 1000.0))]


def test_a_swap_design_exists_only_where_it_can_be_made():
    """No swap design without servicing, on a platform that may not be serviced (swarm satellites), nor for
    vintages with no newer generation built at the swap (b200 built 2031 swaps in 2033: gen_2034 is built then,
    so it has one; swapped at 4 years from 2031 falls past the horizon)."""
    assert set(coefficients().swaps) == {(ARCH, SWAP, 2030), (ARCH, SWAP, 2031)}
    off = compute(load_scenario(TOY, options() + ["design_space.servicing=false"]))
    assert not off.swaps and not [k for (_, k) in off.designs if "swap@" in k]
    late = compute(load_scenario(TOY, options() + ["design_space.space_swap_ages_yr=[4]"]))
    assert set(late.swaps) == {(ARCH, "b200/320K/1mm/swap@4y", 2030)}
    swarm = compute(load_scenario(TOY, ["design_space.servicing=true", "design_space.space_swap_ages_yr=[1]"]))
    assert not swarm.swaps


def _enumerate(c, most: int = 3) -> tuple[float, dict]:
    """Brute force over unit counts per (design, vintage) on the planner's own coefficients: each year's demand is
    met by the capacity of each generation in service at its rate (a swapped unit counts in the new generation's
    pool from the swap); trips are the fewest that carry the year's modules (one trip each) and swapped
    accelerators; the site's core opens with the first unit. Serviced units add nothing here (failures off) and
    cost more, so none are serviced."""
    slots = sorted(k for k in c.unit_cost if c.unit_ub.get(k, 0) > 0)
    payload = {y: c.routes[ROUTE].payload_in(y) for y in c.years}
    best = (math.inf, None)
    for counts in itertools.product(range(most + 1), repeat=len(slots)):
        build = {s: n for s, n in zip(slots, counts) if n}
        cost = sum(c.unit_cost[s] * n for s, n in build.items())
        ok = True
        for y in c.years:
            served = sum(c.unit_cap.get((a, k, v, y), 0.0) * n * c.eff[("batch", a, c.generation(a, k, v, y))]
                         for (a, k, v), n in build.items())
            if served < DEMAND[y] - 1e-9:
                ok = False
                break
            mass = sum(c.designs[(a, k)].trip_mass_t * n for (a, k, v), n in build.items() if v == y)
            mass += sum(c.swaps[s].mass_t * n for s, n in build.items() if s in c.swaps and c.swaps[s].year == y)
            cost += math.ceil(mass / payload[y] - 1e-9) * c.trip_cost[(ROUTE, y)]
        if build:  # the site's core opens with the first unit: its capital, and its opex every year after
            first, site = min(v for (_, _, v) in build), c.archs[ARCH]["site"]
            cost += c.open_cost[(site, first)] + sum(c.open_opex[(site, y)] for y in c.years if y >= first)
        if ok and cost < best[0] - 1e-9:
            best = (cost, build)
    return best


@pytest.mark.parametrize("swap_cost, swaps", [(1.0, True), (1e4, False)])
def test_swap_or_not_is_the_enumerations_and_never_worse_than_without_the_option(swap_cost, swaps):
    """Demand quadruples in 2032, when gen_2034 (7x b200's FLOP per accelerator) appears, and a new module costs a
    $2 B bus. With a $1M swap mission the optimum swaps the 2030 modules instead of launching a new one; with a $10 B
    swap it builds what it builds without the option, at the same cost. Either way the model's plan and cost are
    the enumeration's."""
    c = coefficients(swap_cost=swap_cost, bus_usd=2e9)
    best, build = _enumerate(c)
    pm, res = solve_toy(c)
    assert res.status == "optimal"
    assert float(pm.m.total_cost()) == pytest.approx(best, rel=1e-9)
    plan = {k: round(x.value) for k, x in pm.m.units.items() if round(x.value)}
    assert plan == build
    assert any("swap@" in k for (_, k, _) in plan) is swaps
    pm_off, res_off = solve_toy(compute(load_scenario(TOY, options(swap=False, bus_usd=2e9))))
    off = float(pm_off.m.total_cost())
    if swaps:
        assert float(pm.m.total_cost()) < off - 100.0  # the swap saves the second module's bus
    else:
        assert float(pm.m.total_cost()) == pytest.approx(off, rel=1e-9)


def _cli(capsys, *args: str) -> tuple[int, str]:
    from planner.cli import main
    capsys.readouterr()
    rc = main([str(a) for a in args])
    return rc, capsys.readouterr().err


def test_a_negative_swap_age_is_a_one_line_error(tmp_path, capsys):
    import yaml
    from tests.test_cli import assert_one_line_error
    doc = yaml.safe_load(TOY.read_text())
    doc["design_space"]["space_swap_ages_yr"] = [-5]
    path = tmp_path / "bad_swap.yaml"
    path.write_text(yaml.safe_dump(doc))
    rc, err = _cli(capsys, "validate", path)
    assert rc == 2
    assert_one_line_error(err, str(path), "design_space.space_swap_ages_yr.0", "greater than or equal to 1")


def test_a_run_that_swaps_writes_its_tables_and_report(tmp_path, capsys):
    """The cheap-swap toy through the command line: the designs table names the swap, the fleet counts the new
    accelerators from the swap year, and the report's design sheet says what was swapped (no crash)."""
    import pandas as pd
    out = tmp_path / "run"
    sets = [x for o in options(swap_cost=1.0, bus_usd=2e9) for x in ("--set", o)]
    rc, err = _cli(capsys, "run", TOY, "--out", out, "--analysis", "off", "--quiet", *sets)
    assert rc == 0, err
    designs = pd.read_csv(out / "tables" / "designs.csv")
    row = designs.set_index("design").loc[SWAP]
    assert (row["swap_year"], row["swap_accelerator"]) == (2032, "gen_2034")
    assert row["swap_accelerators_per_unit"] == pytest.approx(row["accelerators_per_unit"] / 2.6)
    fleet = pd.read_csv(out / "tables" / "fleet.csv").set_index("year")
    n = row["units"]
    assert fleet.loc[2031, "accelerators"] == pytest.approx(n * row["accelerators_per_unit"])
    assert fleet.loc[2032, "accelerators"] == pytest.approx(n * row["swap_accelerators_per_unit"])
    report = (out / "report.md").read_text()
    assert "accelerators swapped on orbit at 2 years" in report
    assert "| on-orbit swap | in 2032 to " in report
