"""Ground-side fidelity (issue 16): host power on one basis, accelerator life and refresh, the roadmap past 2034,
and learning on the programme's own volume. Hand calculations and toy instances against enumeration."""

from __future__ import annotations

import pytest

import planner
from planner.catalog.load import load_catalog
from planner.model.coefficients import host_fraction
from planner.scenario.schema import Terms


def test_host_fraction_reads_one_catalog_basis_for_ground_and_space():
    cat = load_catalog()
    h = cat.host_overhead
    host_w = h.cpu_w_per_kw.v + h.memory_w_per_kw.v + h.network_w_per_kw.v + h.other_w_per_kw.v
    assert host_w == 265.0  # 90 CPU + 45 memory + 100 network + 30 storage and management
    space, ground = host_fraction(cat, Terms()), host_fraction(cat, Terms(), ground=True)
    assert space == pytest.approx(0.345745, abs=1e-6)
    assert ground == pytest.approx(0.413032, abs=1e-6)
    assert (ground + 1) / (space + 1) == pytest.approx(1 + h.ground_cooling_fraction.v)  # PUE is not in it
    assert host_fraction(cat, Terms(host_power=False), ground=True) == 0.0
    # every part carries a range, and the ends give the catalog's range of the fraction
    lo = load_catalog(overrides={f"host_overhead.{f}": "low" for f in type(h).model_fields})
    hi = load_catalog(overrides={f"host_overhead.{f}": "high" for f in type(h).model_fields})
    assert host_fraction(lo, Terms()) < space
    assert host_fraction(hi, Terms(), ground=True) > ground


def test_ground_chip_power_uses_the_host_basis():
    rs = planner.load_scenario("data/scenarios/reference.yaml", overrides=["horizon.last_year=2030"])
    from planner.model.coefficients import compute
    c = compute(rs)
    cat = rs.catalog
    kw = cat.accelerators["b200"].power_w.v / 1000.0 * (1 + host_fraction(cat, rs.scenario.terms, ground=True))
    assert c.chip_mw[("us_grid", "b200")] == pytest.approx(kw)  # MW per k-acc = kW per accelerator: 1.413
    assert kw == pytest.approx(1.413032, abs=1e-6)


# ------------------------------------------------------------------------------ accelerator life and refresh

import itertools  # noqa: E402
import math  # noqa: E402
from pathlib import Path  # noqa: E402

from planner.model.build import build_model  # noqa: E402
from planner.model.coefficients import chip_life_options, compute, failure_rate_at_age  # noqa: E402
from planner.solver.highs import HighsAdapter  # noqa: E402

TOY_GROUND = Path(__file__).parent / "data" / "toy_ground.yaml"
REGION, CAMPUS, OLD, NEW = "us_grid", "ground_campus@us_grid", "b200", "gen_2030"


def test_failure_rate_and_life_options_by_hand():
    # 7 %/yr, +2 %/yr per year of age past a 5-year onset, taken mid-year: ages 0-4 -> 7 %, age 5 -> 8 %, 6 -> 10 %
    assert [failure_rate_at_age(0.07, 0.02, 5, a) for a in (0, 4, 5, 6, 8)] == pytest.approx(
        [0.07, 0.07, 0.08, 0.10, 0.14])
    # a 2036 vintage in a horizon ending 2045: 3..9 years all end by 2045 (2036 + 9 - 1 = 2044), refresh 5 among them
    assert chip_life_options(2036, 5, 3, 9, 2045) == [3, 4, 5, 6, 7, 8, 9]
    # a 2042 vintage: only 3 and 4 years end inside the horizon; the planned 5 years stays (it runs past 2045)
    assert chip_life_options(2042, 5, 3, 9, 2045) == [3, 4, 5]
    assert chip_life_options(2044, 5.5, 3, 9, 2045) == [5.5]


def _toy_ground(cost: dict[tuple[str, int, int], float], demand: dict[int, float], mw: float = 100.0,
                eff: dict[str, float] | None = None, mw_per_kacc: dict[str, float] | None = None,
                last_year: int | None = None):
    """The toy campus with hand-written numbers: ``cost[(g, v, L)]`` $M per k-acc of g bought in v and kept L years
    (each life serves whole years v .. v+L-1, those up to ``last_year`` inside the horizon), ``eff`` EFLOP/s per
    k-acc, ``mw`` the campus's MW."""
    c = compute(planner.load_scenario(TOY_GROUND, [f"horizon.last_year={last_year}"] if last_year else None))
    eff = eff or {OLD: 1.0, NEW: 2.0}
    mw_per_kacc = mw_per_kacc or {OLD: 1.0, NEW: 1.0}
    c.eff = {("batch", CAMPUS, g): e for g, e in eff.items()}
    c.demand = {("batch", y): demand[y] for y in c.years}
    c.chip_lives, c.chip_cost, c.chip_share = {}, {}, {}
    for (g, v, n), x in cost.items():
        c.chip_lives.setdefault((REGION, g, v), []).append(n)
        c.chip_cost[(REGION, g, v, n)] = x
        for y in range(v, v + n):
            if y in c.years:
                c.chip_share[(REGION, g, v, n, y)] = 1.0
    c.chip_vintages = {(REGION, g): sorted({v for (gg, v, _) in cost if gg == g}) for g in eff}
    c.chip_mw = {(REGION, g): x for g, x in mw_per_kacc.items()}
    c.ground[REGION]["existing_mw"] = mw
    c.build_years, c.build_cum_cap, c.build_cost, c.facility_share = {REGION: []}, {}, {}, {}
    c.existing_cost = 0.0
    return c


def _solve(c):
    pm = build_model(c)
    res = HighsAdapter(pm, mip_gap=1e-9, time_limit_s=60).solve()
    assert res.status == "optimal"
    chosen = {k: pm.m.chips[k].value for k in pm.m.C if pm.m.chips[k].value > 1e-7}
    return float(pm.m.total_cost()), chosen


def _enumerate(cost, demand, eff):
    """Every way to cover the years with whole cohorts (one generation and life per year, no overlap: spare
    capacity only costs), each cohort sized to the largest demand of the years it serves."""
    years = sorted(demand)
    best = (math.inf, None)
    options = sorted(cost)
    for r in range(1, len(years) + 1):
        for combo in itertools.combinations(options, r):
            served = [y for (g, v, n) in combo for y in range(v, v + n)]
            if sorted(served) != years:
                continue
            total = sum(cost[(g, v, n)] * max(demand[y] for y in range(v, v + n)) / eff[g] for (g, v, n) in combo)
            if total < best[0] - 1e-9:
                best = (total, combo)
    return best


OLD_GEN = {(OLD, 2030, 1): 10.0, (OLD, 2030, 2): 15.0, (OLD, 2030, 3): 24.0}


@pytest.mark.parametrize("case, new_gen, verdict", [
    # the new generation delivers twice the FLOP per k-acc at a modest price: retire the old one after a year
    ("replace", {(NEW, 2031, 1): 12.0, (NEW, 2031, 2): 20.0, (NEW, 2032, 1): 12.0}, "replace"),
    # the new generation costs too much for what it adds: keep the old vintage three years
    ("keep", {(NEW, 2031, 1): 30.0, (NEW, 2031, 2): 50.0, (NEW, 2032, 1): 30.0}, "keep"),
])
def test_refresh_decision_equals_enumeration(case, new_gen, verdict):
    cost = {**OLD_GEN, **new_gen}
    demand = {2030: 10.0, 2031: 10.0, 2032: 10.0}
    eff = {OLD: 1.0, NEW: 2.0}
    best, combo = _enumerate(cost, demand, eff)
    # by hand: keep 3 years = 10 x 24 = 240; replace after 1 = 10 x 10 + 5 x 20 = 200 (or 350 at the dear price);
    # replace after 2 = 10 x 15 + 5 x 12 = 210 (or 300)
    assert best == pytest.approx({"replace": 200.0, "keep": 240.0}[case])
    total, chosen = _solve(_toy_ground(cost, demand, eff=eff))
    assert total == pytest.approx(best, rel=1e-9)
    kept = chosen.get((REGION, OLD, 2030, 3), 0.0)
    assert (kept == pytest.approx(10.0)) == (verdict == "keep")
    if verdict == "replace":
        assert chosen == pytest.approx({(REGION, OLD, 2030, 1): 10.0, (REGION, NEW, 2031, 2): 5.0})


def test_an_old_vintage_gives_up_its_megawatts_to_a_newer_one():
    """Keeping the old vintage a third year costs 5 per k-acc for 1 EFLOP/s; the new one costs 12 per k-acc for 2,
    6 per EFLOP/s: keeping is cheaper, unless the campus's MW are short. By hand, with k3 of the 10 old k-acc kept
    a third year and x new k-acc bought in 2032 for its 20 EFLOP/s (1 MW per k-acc each): cost = 10 x 15 + 5 k3
    + 12 x with x = (20 - k3) / 2, i.e. 270 - k3, and k3 + x <= MW gives k3 <= 2 MW - 20. So 100 MW: all 10 kept,
    x = 5, 260; 12 MW: 4 kept, 6 retired, x = 8, 266; 10 MW: the whole old vintage retires after two years,
    x = 10, 270."""
    cost = {**OLD_GEN, (OLD, 2030, 3): 20.0, (NEW, 2032, 1): 12.0}
    demand = {2030: 10.0, 2031: 10.0, 2032: 20.0}
    for mw, total, kept, new in ((100.0, 260.0, 10.0, 5.0), (12.0, 266.0, 4.0, 8.0), (10.0, 270.0, 0.0, 10.0)):
        got, chosen = _solve(_toy_ground(cost, demand, mw=mw))
        assert got == pytest.approx(total), mw
        assert chosen.get((REGION, OLD, 2030, 3), 0.0) == pytest.approx(kept, abs=1e-6), mw
        assert chosen.get((REGION, OLD, 2030, 2), 0.0) == pytest.approx(10.0 - kept, abs=1e-6), mw
        assert chosen[(REGION, NEW, 2032, 1)] == pytest.approx(new), mw


# ------------------------------------------------------------------ learning on the programme's own volume

import numpy as np  # noqa: E402

from planner import economics  # noqa: E402
from planner.model.coefficients import LearningStream  # noqa: E402
from tests.toy import ARCH, enumerate_optimum, solve_toy, toy_coefficients  # noqa: E402

LEARN_CASE = dict(
    designs={"1mm": {"cost": {2030: 10.0, 2031: 9.0}, "cap": 4.0, "mass_t": 2.0, "life_yr": 2},
             "5mm": {"cost": {2030: 5.0, 2031: 4.5}, "cap": 3.0, "mass_t": 1.0, "life_yr": 1}},
    demand={2030: 6.0, 2031: 9.0}, payload_t=4.0, trip_cost={2030: 6.0, 2031: 3.0}, cadence=10)


def _stream(kind: str, name: str, price: dict[int, float], rate: float = 0.3) -> LearningStream:
    breaks = economics.learning_breakpoints(1.0, 20.0)
    return LearningStream(kind=kind, name=name, breaks=tuple(breaks),
                          saving=tuple(economics.learning_saving(x, 1.0, rate) for x in breaks),
                          price={y: [("launch", y, p)] for y, p in price.items()}, price_pv=dict(price))


def _saving(price: dict[int, float], volume: dict[int, float], rate: float = 0.3) -> float:
    """The same saving for the enumeration, from the formula at the breakpoints and numpy's interpolation."""
    breaks = economics.learning_breakpoints(1.0, 20.0)
    h = [economics.learning_saving(x, 1.0, rate) for x in breaks]
    total, cum, before = 0.0, 0.0, 0.0
    for y in sorted(price):
        cum += volume.get(y, 0.0)
        now = float(np.interp(cum, breaks, h))
        total += price[y] * (now - before)
        before = now
    return total


@pytest.mark.parametrize("kind", ["launch", "hardware", "both"])
def test_programme_learning_equals_enumeration(kind):
    # the learnable price is part of what a trip (unit) costs: the bus of a $4.5-10M unit is $3M here
    launch_price, unit_price = {2030: 6.0, 2031: 3.0}, {2030: 3.0, 2031: 3.0}

    def extra(build, flown):
        out = 0.0
        if kind in ("launch", "both"):
            out += _saving(launch_price, flown)
        if kind in ("hardware", "both"):
            units = {y: sum(n for (_, v), n in build.items() if v == y) for y in (2030, 2031)}
            out += _saving(unit_price, units)
        return out

    best, build = enumerate_optimum(**LEARN_CASE, extra=extra)
    plain, plain_build = enumerate_optimum(**LEARN_CASE)
    assert best < plain - 1.0  # learning is worth something here
    c = toy_coefficients(**LEARN_CASE)
    c.learning = {}
    if kind in ("launch", "both"):
        c.learning["launch:starship"] = _stream("launch", "starship", launch_price)
    if kind in ("hardware", "both"):
        c.learning["hardware:swarm_satellite"] = _stream("hardware", "swarm_satellite", unit_price)
    pm, res = solve_toy(c)
    assert res.status == "optimal"
    assert float(pm.m.total_cost()) == pytest.approx(best, abs=1e-4)
    chosen = {(d.split("/")[-1], v): round(x.value) for (a, d, v), x in pm.m.units.items() if round(x.value)}
    assert {k: n for k, n in build.items() if n} == chosen
    assert ARCH.startswith("swarm_satellite")


def test_learning_flows_match_the_objective_term():
    """The saving the results report (cost_flows) is the model's learning term at the solution."""
    from planner.results.plan import read_solution
    c = toy_coefficients(**LEARN_CASE)
    c.learning = {"launch:starship": _stream("launch", "starship", {2030: 6.0, 2031: 3.0})}
    pm, res = solve_toy(c)
    sol = read_solution(pm)
    flows = c.learning_flows(sol)
    assert sum(x * c.df[t] for _, t, x in flows) == pytest.approx(float(pyo_value(pm.m.cost_learning)), abs=1e-6)
    assert sum(x for _, _, x in flows) < 0


def pyo_value(expr):
    import pyomo.environ as pyo
    return pyo.value(expr)


# ------------------------------------------------------------------------------------- the roadmap and a stall

def test_roadmap_generations_by_hand():
    cat = load_catalog()
    base, g38, g42 = (cat.accelerators[n] for n in ("gen_2034", "gen_2038", "gen_2042"))
    # one generation every 4 years after gen_2034: x2 FLOP/s, x1.15 power, x1.1 price per generation
    assert (g38.first_year.v, g38.last_year.v, g42.first_year.v) == (2038, 2041, 2042)
    assert base.last_year.v == 2037  # built until the next generation appears
    assert g38.dense_bf16_tflops.v == pytest.approx(16000 * 2.0)
    assert g42.dense_fp8_tflops.v == pytest.approx(32000 * 2.0 ** 2)
    assert g42.power_w.v == pytest.approx(2600 * 1.15 ** 2)  # 3,438.5 W
    assert g42.price_usd.v == pytest.approx(80000 * 1.1 ** 2)  # $96,800
    # the range of a generation compounds the gains' ends: FLOP/s low 9,000 x 1.2^2, high 24,000 x 2.8^2
    assert (g42.dense_bf16_tflops.low, g42.dense_bf16_tflops.high) == pytest.approx((9000 * 1.44, 24000 * 7.84))
    assert g42.junction_max_k.v == base.junction_max_k.v and g42.dense_bf16_tflops.is_assumption
    last = max(cat.accelerators.values(), key=lambda a: a.first_year.v)
    assert last.last_year.v == 2060  # until_year
    # the roadmap's own values move the generations (a slower one: x1.2 a generation)
    slow = load_catalog(overrides={"accelerator_roadmap.flops_gain_per_generation": "low",
                                   "accelerators.gen_2038.price_usd": 99000})
    assert slow.accelerators["gen_2038"].dense_bf16_tflops.v == pytest.approx(16000 * 1.2)
    assert slow.accelerators["gen_2038"].price_usd.v == 99000  # a generated entry takes overrides by name


def test_a_stalled_roadmap_builds_the_last_generation_to_the_end():
    rs = planner.load_scenario("data/scenarios/reference.yaml",
                               overrides=["trajectories.accelerator_roadmap.stall_after_year=2034",
                                          "horizon.last_year=2040"])
    c = compute(rs)
    built = {g for (_, g) in c.chip_vintages}
    assert "gen_2038" not in built and "gen_2034" in built
    assert c.chip_vintages[("us_grid", "gen_2034")][-1] == 2040  # no longer stops in 2037
    free = compute(planner.load_scenario("data/scenarios/reference.yaml", overrides=["horizon.last_year=2040"]))
    assert free.chip_vintages[("us_grid", "gen_2034")][-1] == 2037
    assert free.chip_vintages[("us_grid", "gen_2038")][0] == 2038


def test_learning_streams_from_the_catalog():
    rs = planner.load_scenario("data/scenarios/reference.yaml",
                               overrides=["trajectories.programme_learning.launch=true", "horizon.last_year=2032"])
    c = compute(rs)
    assert set(c.learning) == {"launch:falcon9", "launch:starship"}
    st = c.learning["launch:starship"]
    # breakpoints at each doubling of Starship's 12 prior flights: 0, 12, 36, 84, ... up to the cadence's total
    assert st.breaks[:4] == (0.0, 12.0, 36.0, 84.0)
    assert st.breaks[-1] == pytest.approx(sum(c.cadence[("starship", y)] for y in c.years))
    # at one doubling, 15 % per doubling: 12 / (1 - b) (2^(1 - b) - 1) - 12, b = -log2(0.85) = 0.234465
    b = -math.log2(0.85)
    assert st.saving[1] == pytest.approx(12 / (1 - b) * (2 ** (1 - b) - 1) - 12)
    assert st.saving_at(24.0) == pytest.approx((st.saving[1] + st.saving[2]) / 2)  # linear between breakpoints
    assert compute(planner.load_scenario("data/scenarios/reference.yaml",
                                         overrides=["horizon.last_year=2032"])).learning == {}  # off by default


def test_a_roadmap_after_no_accelerator_is_bad_input():
    from planner.errors import InputError
    with pytest.raises(InputError) as err:
        load_catalog(overrides={"accelerator_roadmap.after": "gen_2099"})
    assert "accelerator_roadmap.after" in str(err.value) and "gen_2099" in str(err.value)
