"""Physics and prices -> the numbers of the MILP. The only bridge between ``planner.physics`` and the model.

Units inside the model: money in $M (present value at the base year unless named ``_undiscounted``), compute in
EFLOP/s sustained over a year, accelerators in thousands (k-acc), mass in t, power in MW, link rates in Gbit/s.
Everything here is a plain number keyed by a tuple; ``planner.model.build`` turns them into Pyomo parameters.
"""

from __future__ import annotations

import functools
import itertools
from collections import defaultdict
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from planner.catalog.schema import Catalog
from planner import economics
from planner.economics import capital_payments, discount_factor
from planner.physics import emissions, links, orbit, power, radiation, thermal, transport
from planner.physics.unit import UnitBudget, UnitSpec, max_accelerators, unit_budget
from planner.scenario.load import ResolvedScenario, allowed_architectures
from planner.scenario.schema import Scenario

EFLOP_S_YR_IN_FLOP = 1e18 * 365.25 * 86_400.0  # one EFLOP/s sustained for a (Julian) year
PFLOP_DAYS_PER_EFLOP_S_YR = 1000.0 * 365.25
TFLOPS_TO_EFLOPS_PER_KACC = 1e-3  # 1 TFLOP/s per accelerator = 1e-3 EFLOP/s per thousand accelerators
INF = float("inf")

SPACE_CAPEX = ("accelerators", "bus", "arrays", "radiators", "batteries", "shielding", "terminals", "heat_pumps",
               "fission_power", "propellant", "integration", "insurance")


@dataclass(frozen=True)
class Design:
    """One unit design at one architecture: accelerator x radiator temperature x shielding."""

    arch: str
    accelerator: str
    radiator_temp_k: float
    shielding_mm: float
    accelerators_per_unit: int
    binding_cap: str
    radiator_cap_k: float
    radiator_cap_part: str
    heat_pump: bool
    sink_temp_k: float
    emissivity_eol: float
    absorptivity_eol: float
    net_flux_w_m2: float
    dose_rad_per_yr: float
    life_yr: float
    life_limit: str
    degradation_onset_yr: float
    budget: UnitBudget
    capex_musd: dict[str, float]  # per unit, undiscounted, by category, at the catalog's price year
    direct_capex_musd: dict[str, float]  # the same before integration and insurance
    integration_fraction: float
    insurance_rate: float
    trip_mass_t: float  # what one unit takes of a trip (a whole-trip unit takes the payload)
    volume_m3: float
    downlink_gbps: float
    cluster_accelerators: float
    ops_musd_per_yr: float
    servicing_musd_per_yr: float
    spares_t_per_yr: float
    failure_rate: float  # permanent hardware loss per year
    repair_fraction: float
    deployment_loss: float  # share of accelerators lost at launch, deployment and burn-in (never serves)
    tid_degraded_fraction: float
    # thermal chain (end of life unless named otherwise)
    fin_efficiency: float
    chain_drop_k: float  # cold plate + coolant loop + fin
    heat_pump_cop: float  # nan without a heat pump
    emitted_w_m2: float  # what the panel emits per m2 (deep-space sink)
    absorbed_w_m2: float  # what the environment puts back per m2 (sun, planet IR, albedo; or the effective sink)
    limiting_link: str
    depth_of_discharge: float  # the battery's, from its cycles over the life
    planned_life_yr: float | None  # retired after this many years (a keep-or-retire choice), else its full life
    spe_onset_risk: float  # chance a solar particle event in its life crosses the accelerators' degradation onset
    throttled: bool  # compute off in eclipse (battery and arrays for the bus alone), else sized for full compute
    compute_duty: float  # share of the time the accelerators compute: 1 - the year's mean eclipse share if throttled
    eol_margin: float  # radiator area x net flux at end of life / heat - 1 (0: sized exactly)
    bol_margin: float  # the same at beginning-of-life coatings
    # emissions per unit (t CO2e)
    embodied_accelerators_t: float
    embodied_spacecraft_t: float
    serviced_co2_t_per_yr: float  # replacement accelerators a serviced unit receives per year
    swap_age_yr: int | None = None  # its accelerators are swapped on orbit at this age (``Swap``, per vintage)

    @property
    def key(self) -> str:
        return design_key(self.accelerator, self.radiator_temp_k, self.shielding_mm, self.throttled,
                          self.planned_life_yr, self.swap_age_yr)

    def delivered(self, age: float, span: float, serviced: bool = False, dose: bool = True) -> float:
        """Accelerator-years one of the unit's accelerators delivers from ``age`` to ``age + span`` years: the share
        that survived deployment (1 - deployment loss) and has not failed since, while it computes (``compute_duty``), e^(-lambda t) (lambda the permanent
        loss rate, less the repaired share if serviced), integrated over the time, and past the total-dose onset
        only the degraded share of it (``dose``). Accounting convention: failures happen through a year, so a year
        delivers its average capacity, not its first day's."""
        lam = self.failure_rate * ((1 - self.repair_fraction) if serviced else 1.0)
        alive = (1.0 - self.deployment_loss) * self.compute_duty

        def surviving(t0: float, t1: float) -> float:
            return alive * power.survival_years(lam, t0, t1)

        end = age + span
        if not dose:
            return surviving(age, end)
        onset = self.degradation_onset_yr
        return surviving(age, min(end, onset)) + self.tid_degraded_fraction * surviving(max(age, onset), end)

    @functools.cached_property
    def capacity_profile(self) -> tuple[float, ...]:
        """Accelerator-years delivered per accelerator in each year of life (unserviced; the last year partly)."""
        return tuple(self.delivered(k, sh) for k, sh in enumerate(service_profile(self.life_yr)))


@dataclass(frozen=True)
class Swap:
    """A unit of a swap design built in one vintage: at ``age_yr`` (in calendar ``year``) a servicing mission replaces
    its accelerators by ``accelerators`` of the newest generation built that year (continuous: the old count x the
    old accelerator's power / the new one's, host power being the same share of both), which its power and heat
    envelope carries; bus, arrays and radiators stay and keep their age. ``fresh`` is the unit after the swap seen
    from the swap: the new accelerator's count, failure rate, dose onset, repairs and emissions, its remaining life."""

    age_yr: int
    year: int
    accelerator: str
    accelerators: float
    fresh: Design
    capex_musd: dict[str, float]  # the new accelerators (their price that year) and the swap mission, undiscounted
    mass_t: float  # what the swap launches that year: the new accelerators with their space packaging


@dataclass(frozen=True)
class LearningStream:
    """Learning on the programme's own volume of one launch vehicle (its flights) or one platform (its units)."""

    kind: str  # 'launch' or 'hardware'
    name: str  # the vehicle or the platform
    breaks: tuple[float, ...]  # cumulative volume at each breakpoint, 0 first
    saving: tuple[float, ...]  # economics.learning_saving at each breakpoint (<= 0, in prices of one)
    price: dict[int, list]  # y -> cash flows of the learnable price of one flight or unit bought in y
    price_pv: dict[int, float]  # y -> their PV

    def saving_at(self, volume: float) -> float:
        """The piecewise-linear saving at a cumulative volume (what the model's fill variables represent)."""
        b, h = self.breaks, self.saving
        volume = min(max(volume, 0.0), b[-1])
        for i in range(1, len(b)):
            if volume <= b[i]:
                return h[i - 1] + (h[i] - h[i - 1]) * (volume - b[i - 1]) / (b[i] - b[i - 1])
        return h[-1]


@dataclass(frozen=True)
class Route:
    """A vehicle's trip to a site. ``payload_t`` and ``tankers`` are its design trip's: the ship of the vehicle's
    first year in service, what a whole-trip unit (a module) is sized to. ``by_year`` holds each model year's
    (payload t, tanker flights) as the vehicle's payload to LEO grows (``payload_leo_t`` as a year table)."""

    vehicle: str
    site: str
    payload_t: float
    volume_m3: float
    tankers: int
    flights_per_trip: int
    expended: bool
    by_year: dict[int, tuple[float, int]] = field(default_factory=dict, compare=False, hash=False)

    def payload_in(self, y: int) -> float:
        """Tonnes one trip delivers in model year ``y``."""
        return self.by_year[y][0] if y in self.by_year else self.payload_t

    def tankers_in(self, y: int) -> int:
        return self.by_year[y][1] if y in self.by_year else self.tankers

    def flights_in(self, y: int) -> int:
        """Flights of one trip in ``y``: the ship and its tankers."""
        return 1 + self.tankers_in(y)


@dataclass
class Coefficients:
    """Every number the model needs, keyed by sparse index tuples."""

    scenario: Scenario
    catalog: Catalog
    years: list[int]
    period_years: dict[int, list[int]]
    df: dict[int, float]  # discount factor per calendar year (base rate)
    weight: dict[int, float]  # sum of df over a period: PV of $1 per year during the period
    archs: dict[str, dict[str, Any]]  # name -> platform, site, family, kind ('space'|'ground'), rtt_ms
    workloads: list[str]
    demand: dict[tuple[str, int], float]  # (w, y) -> EFLOP/s
    designs: dict[tuple[str, str], Design]  # (a, d) -> Design
    dropped: list[dict[str, Any]]  # designs left out and why
    unit_vintages: dict[tuple[str, str], list[int]]
    unit_cap: dict[tuple[str, str, int, int], float]  # (a, d, v, y) -> k-acc effective per unit
    unit_cap_serviced: dict[tuple[str, str, int, int], float]
    unit_cost: dict[tuple[str, str, int], float]  # (a, d, v) -> PV $M per unit (capital, ops)
    serviced_cost: dict[tuple[str, str, int], float]  # PV $M per serviced unit on top of unit_cost
    unit_capex_undiscounted: dict[tuple[str, str, int], float]
    spares_t: dict[tuple[str, str, int, int], float]  # (a, d, v, y) -> t per serviced unit in year y
    unit_ub: dict[tuple[str, str, int], float]
    routes: dict[str, Route]
    arch_routes: dict[str, list[str]]
    trip_years: dict[str, list[int]]
    trip_cost: dict[tuple[str, int], float]  # PV $M per trip
    trip_cost_undiscounted: dict[tuple[str, int], float]
    trip_parts: dict[tuple[str, int], dict[str, float]]  # launch and insurance $M per trip, undiscounted
    flight_price: dict[tuple[str, int], float]  # $M per flight, undiscounted
    cadence: dict[tuple[str, int], float]  # flights per period
    site_open: dict[str, dict[str, Any]]  # sites with a core: first_year, fixed_cost, opex, mass, arch list
    open_cost: dict[tuple[str, int], float]  # PV $M if the core opens in y
    open_opex: dict[tuple[str, int], float]  # PV $M per period the core is open
    shells: dict[str, float]  # site -> capacity in units
    eff: dict[tuple[str, str, str], float]  # (w, a, g) -> EFLOP/s per k-acc effective while it runs
    eligible: dict[str, list[str]]  # w -> archs within latency and location
    cluster_ok: dict[tuple[str, str, str], bool]  # (w, a, d) -> design meets the minimum cluster size
    gbps_per_eflop: dict[str, float]
    earth_users: dict[str, bool]
    ground: dict[str, dict[str, Any]]  # region -> facility and energy numbers
    build_years: dict[str, list[int]]
    build_cum_cap: dict[tuple[str, int], float]  # cumulative MW that may be online by year y
    build_cost: dict[tuple[str, int], float]  # PV $M per MW coming online in y
    facility_share: dict[tuple[str, int, int], float]  # (r, v, y) -> share of MW built in v in service at y
    chip_vintages: dict[tuple[str, str], list[int]]  # (r, g) -> vintages
    chip_cost: dict[tuple[str, str, int, float], float]  # (r, g, v, L) PV $M per k-acc bought in v kept L years
    chip_share: dict[tuple[str, str, int, float, int], float]  # (r, g, v, L, y) -> share in service
    chip_mw: dict[tuple[str, str], float]  # MW of IT per k-acc
    existing_cost: float  # PV $M of costs that no decision changes (opex of existing facilities)
    unmet_cost: dict[tuple[str, int], float]  # PV $M per EFLOP/s unmet for a period
    unmet_penalty_musd: float  # $M per EFLOP/s-year unmet
    unmet_allowed: dict[str, bool]
    budget: dict[int, float]  # undiscounted $M per period
    flop_weight: dict[int, float]  # PV weight of 1 EFLOP/s served in a period (EFLOP/s-yr, discounted)
    notes: list[str] = field(default_factory=list)
    # (w, a, g) -> the factors whose product is eff: peak TFLOP/s at the workload's precision, software efficiency,
    # single-event availability
    eff_parts: dict[tuple[str, str, str], dict[str, float]] = field(default_factory=dict)
    # a -> share of the time a unit at a is over its real-time users: real-time work (``needs_coverage``) runs on
    # a's capacity only then, and the rest of that time is free for other work
    coverage: dict[str, float] = field(default_factory=dict)
    carbon_price: dict[int, float] = field(default_factory=dict)  # USD per t CO2 by calendar year (0: none)
    carbon_cap: dict[int, float] = field(default_factory=dict)  # t CO2 per period (only periods with a cap)
    trip_co2_t: dict[tuple[str, int], float] = field(default_factory=dict)  # t CO2 per trip (tankers included)
    _price_factors: dict[int, dict[str, float]] = field(default_factory=dict, repr=False)
    # (r, g, v) -> the lives (years) a vintage of ground accelerators may be kept: the refresh is a decision
    chip_lives: dict[tuple[str, str, int], list[float]] = field(default_factory=dict)
    learning: dict[str, LearningStream] = field(default_factory=dict)  # 'launch:<vehicle>', 'hardware:<platform>'
    swaps: dict[tuple[str, str, int], Swap] = field(default_factory=dict)  # (a, d, v) of swap designs -> its swap

    def swapped(self, a: str, key: str, v: int, y: int) -> Swap | None:
        """The swap of unit (a, d, v) if it has happened by year ``y`` (the new generation serves y), else None."""
        sw = self.swaps.get((a, key, v))
        return sw if sw is not None and y >= sw.year else None

    def generation(self, a: str, key: str, v: int, y: int) -> str:
        """The accelerator unit (a, d, v) computes with in year ``y``: its design's, or after a swap the new one."""
        sw = self.swapped(a, key, v, y)
        return sw.accelerator if sw is not None else self.designs[(a, key)].accelerator

    def accelerators_in(self, a: str, key: str, v: int, y: int) -> float:
        """Accelerators one unit (a, d, v) carries in year ``y``."""
        sw = self.swapped(a, key, v, y)
        return sw.accelerators if sw is not None else self.designs[(a, key)].accelerators_per_unit

    def first_accelerators_profile(self, a: str, key: str, v: int) -> tuple[float, ...]:
        """The profile over which a swap unit's first accelerators are paid back (``capital_flows``): its design's
        delivered capacity up to the swap, so they leave no residual value. Its bus, arrays and radiators keep the
        design's whole profile (a swap changes nothing in their charge); the new accelerators are paid back over
        their own years (``Swap.fresh``)."""
        return self.designs[(a, key)].capacity_profile[:self.swaps[(a, key, v)].age_yr]

    def covered(self, w: str, a: str) -> bool:
        """Real-time workload w at an architecture whose units serve its users only part of the time."""
        return a in self.coverage and self.scenario.workloads[w].needs_coverage

    def rate_alone(self, w: str, a: str, g: str) -> float:
        """EFLOP/s per k-acc a fleet delivers when it runs workload w alone (real-time work: only while covered)."""
        return self.eff[(w, a, g)] * (self.coverage[a] if self.covered(w, a) else 1.0)

    # -- cash flows: the single definition of what every decision costs; objective coefficients are their PV --
    def pv(self, flows: list[Flow]) -> float:
        return sum(x * self.df[t] for _, t, x in flows)

    def capital_flows(self, amounts: dict[str, float], build_year: int, profile: float | Sequence[float],
                      rate: float) -> list[Flow]:
        """Cash flows of capex by category; ``profile`` is a life in years (flat service) or the delivered
        capacity per year of life."""
        m = self.scenario.money
        profile = tuple(profile) if isinstance(profile, (list, tuple)) else tuple(service_profile(profile))
        cash = _unit_charge(build_year, profile, rate, m.discount_rate, m.base_year,
                            self.scenario.horizon.last_year, m.capital_accounting)
        names = {"residual": "residual_value", "financing": "financing"}
        return [(names.get(kind, cat), t, x * capex) for cat, capex in amounts.items() if capex
                for t, x, kind in cash]

    def running_flows(self, category: str, per_year: float, build_year: int, life_yr: float) -> list[Flow]:
        if per_year == 0:
            return []
        return [(category, t, per_year * f) for t, f in _served_years(build_year, life_yr,
                                                                       self.scenario.horizon.last_year)]

    def period_flows(self, category: str, per_year: float, period: int) -> list[Flow]:
        return [(category, t, per_year) for t in self.period_years[period]] if per_year else []

    def unit_capex(self, a: str, key: str, v: int) -> dict[str, float]:
        """Capex of one unit built in ``v`` by category ($M, undiscounted): its bus and terminals at that year's
        price (``price_factors``), integration and insurance on them."""
        d = self.designs[(a, key)]
        f = self.price_factor(v)
        direct = {k: x * f.get(k, 1.0) for k, x in d.direct_capex_musd.items()}
        return with_integration_and_insurance(direct, d.integration_fraction, d.insurance_rate)

    def price_factor(self, year: int) -> dict[str, float]:
        if year not in self._price_factors:
            self._price_factors[year] = price_factors(self.catalog, year)
        return self._price_factors[year]

    def ops_flows(self, a: str, key: str, v: int, whole_life: bool = False) -> list[Flow]:
        """Operations of one unit built in ``v``, each calendar year at that year's price (to the horizon's end, or
        over its ``whole_life``)."""
        d = self.designs[(a, key)]
        last = v + math.ceil(d.life_yr) if whole_life else self.scenario.horizon.last_year
        return [("operations", t, d.ops_musd_per_yr * f * self.price_factor(t)["operations"])
                for t, f in _served_years(v, d.life_yr, last)] if d.ops_musd_per_yr else []

    def unit_flows(self, a: str, key: str, v: int) -> list[Flow]:
        rate, profile = self.archs[a]["rate"], self.designs[(a, key)].capacity_profile
        capex = self.unit_capex(a, key, v)
        sw = self.swaps.get((a, key, v))
        if sw is None:
            capital = self.capital_flows(capex, v, profile, rate)
        else:  # the first accelerators are paid back over their years to the swap, the rest over the unit's life
            capital = (self.capital_flows({"accelerators": capex["accelerators"]}, v,
                                          self.first_accelerators_profile(a, key, v), rate)
                       + self.capital_flows({k: x for k, x in capex.items() if k != "accelerators"}, v, profile, rate)
                       + self.capital_flows(sw.capex_musd, sw.year, sw.fresh.capacity_profile, rate))
        return (capital
                + self.ops_flows(a, key, v)
                + self.launch_credit_flows(a, key, v)
                + self.unit_carbon_flows(a, key, v))

    def trip_share(self, a: str, key: str, k: str, v: int) -> float:
        """The share of a trip on route ``k`` in year ``v`` one unit takes: its mass over that year's payload; a
        whole trip for a whole-trip unit (sized to the route's design trip, it fills the ship's volume)."""
        if self.catalog.platforms[self.archs[a]["platform"]].whole_trip:
            return 1.0
        return self.designs[(a, key)].trip_mass_t / self.routes[k].payload_in(v)

    def cheapest_route(self, a: str, key: str, v: int) -> str | None:
        """The route that launches one unit cheapest in year ``v`` (None if no route flies that year)."""
        d = self.designs[(a, key)]
        best, route = math.inf, None
        for k in self.arch_routes.get(a, []):
            if (k, v) in self.trip_parts:
                cost = sum(self.trip_parts[(k, v)].values()) * self.trip_share(a, key, k, v)
                if cost < best:
                    best, route = cost, k
        return route

    def launch_cost_per_unit(self, a: str, key: str, v: int) -> float:
        """Launch cost of one unit at the cheapest route that year ($M, undiscounted): a share of a trip by mass,
        a whole trip for a whole-trip unit."""
        k = self.cheapest_route(a, key, v)
        if k is None:
            return 0.0
        return sum(self.trip_parts[(k, v)].values()) * self.trip_share(a, key, k, v)

    def launch_co2_per_unit(self, a: str, key: str, v: int) -> float:
        """One unit's share of its launch's CO2 (t) at the cheapest route that year, by mass like its cost."""
        k = self.cheapest_route(a, key, v)
        if k is None:
            return 0.0
        return self.trip_co2_t.get((k, v), 0.0) * self.trip_share(a, key, k, v)

    def launch_credit_flows(self, a: str, key: str, v: int) -> list[Flow]:
        """Launch is capital like any capex: trips are paid in full when flown, and each unit's share of its launch
        (at the cheapest route that year) is re-timed as the same capital charge as its hardware (family rate,
        residual credit or annuities), minus the price already paid with the trip."""
        d = self.designs[(a, key)]
        cost = self.launch_cost_per_unit(a, key, v)
        if not cost:
            return []
        return self.capital_flows({"launch": cost}, v, d.capacity_profile, self.archs[a]["rate"]) + [("launch", v, -cost)]

    def serviced_flows(self, a: str, key: str, v: int) -> list[Flow]:
        d = self.designs[(a, key)]
        flows = [("servicing", t, self._after_swap(a, key, v, t).servicing_musd_per_yr * f)
                 for t, f in _served_years(v, d.life_yr, self.scenario.horizon.last_year)]
        return [f for f in flows if f[2]] + self.carbon_running_flows(self.serviced_emissions, a, key, v)

    def _after_swap(self, a: str, key: str, v: int, t: int) -> Design:
        """What unit (a, d, v) is in year ``t``: its design, or after its swap the unit with the new accelerators."""
        sw = self.swapped(a, key, v, t)
        return sw.fresh if sw is not None else self.designs[(a, key)]

    def trip_flows(self, k: str, y: int) -> list[Flow]:
        return [(cat, y, x) for cat, x in self.trip_parts[(k, y)].items() if x] + \
            self.carbon_running_flows(self.trip_emissions, k, y)

    def open_flows(self, site: str, y: int) -> list[Flow]:
        e = self.site_open[site]
        return (self.capital_flows({"site_fixed": e["fixed_cost_musd"]}, y, e["life_yr"], e["rate"])
                + self.carbon_capital_flows(e["embodied_t"], y, service_profile(e["life_yr"]), e["rate"]))

    def opened_flows(self, site: str, y: int) -> list[Flow]:
        return self.period_flows("site_opex", self.site_open[site]["opex_musd_per_yr"], y)

    def build_flows(self, r: str, v: int) -> list[Flow]:
        g = self.ground[r]
        return (self.capital_flows({"ground_facility": g["capex_musd_per_mw"]}, v, g["life_yr"], g["rate"])
                + self.running_flows("ground_opex", g["opex_musd_per_mw_yr"], v, g["life_yr"])
                + self.running_flows("ground_lease", g["lease_musd_per_mw_yr"], v, g["life_yr"])
                + self.carbon_capital_flows(g["embodied_t_per_mw"], v, service_profile(g["life_yr"]), g["rate"]))

    def chip_failure_rate(self, r: str, gname: str, age: int) -> float:
        """Annual failure rate of a region's accelerators in the year of life starting at ``age``."""
        g = self.ground[r]
        return failure_rate_at_age(g["chips"][gname]["failure_rate"], g["wear_out_per_yr"], g["wear_out_onset_yr"],
                                   age)

    def chip_replacement_flows(self, r: str, gname: str, v: int, life: float) -> list[Flow]:
        """Failed accelerators replaced at the model's price, at the failure rate of each year's age."""
        price = self.ground[r]["chips"][gname]["replacement_price_musd_per_kacc"]
        if not price:
            return []
        return [("ground_replacements", t, price * self.chip_failure_rate(r, gname, t - v) * f)
                for t, f in _served_years(v, life, self.scenario.horizon.last_year)]

    def chip_parts(self, r: str, gname: str, v: int, life: float) -> dict[str, list[Flow]]:
        """Cash flows of one k-acc of ground accelerators bought in v and kept ``life`` years, by what drives them."""
        g, chip = self.ground[r], self.ground[r]["chips"][gname]
        return {
            "accelerators": self.capital_flows({"accelerators": chip["price_musd_per_kacc"]}, v, life, g["rate"]),
            "ground_energy": self.running_flows("ground_energy", chip["energy_musd_per_kacc_yr"], v, life),
            "ground_replacements": self.chip_replacement_flows(r, gname, v, life),
            "carbon": self.carbon_capital_flows(chip["embodied_t_per_kacc"], v, service_profile(life), g["rate"])
            + self.carbon_running_flows(self.chip_running_emissions, r, gname, v, life)}

    def chip_flows(self, r: str, gname: str, v: int, life: float) -> list[Flow]:
        return [f for flows in self.chip_parts(r, gname, v, life).values() for f in flows]

    def learning_volume(self, stream: LearningStream, sol, year: int) -> float:
        """Flights of a vehicle (units of a platform) the solution buys in ``year``."""
        if stream.kind == "launch":
            return sum(n * self.routes[k].flights_in(y) for (k, y), n in sol.trips.items()
                       if y == year and self.routes[k].vehicle == stream.name)
        return sum(n for (a, _, v), n in sol.units.items()
                   if v == year and self.archs[a]["platform"] == stream.name)

    def learning_parts(self, sol) -> list[tuple[LearningStream, int, list[Flow]]]:
        """What learning on the programme's own volume saves, per stream and year (negative flows, in the learnable
        categories): the price of that year times the growth of the cumulative saving, which that year's volume
        bought."""
        out = []
        for stream in self.learning.values():
            cum, before = 0.0, 0.0
            for y in self.years:
                cum += self.learning_volume(stream, sol, y)
                now = stream.saving_at(cum)
                flows = [(cat, t, x * (now - before)) for cat, t, x in stream.price.get(y, [])]
                if any(x for _, _, x in flows):
                    out.append((stream, y, flows))
                before = now
        return out

    def learning_flows(self, sol) -> list[Flow]:
        """The saving of every stream and year together (what the objective's cost_learning is at ``sol``)."""
        return [f for _, _, flows in self.learning_parts(sol) for f in flows]

    def learning_buyers(self, stream: LearningStream, sol, y: int) -> dict[str, float]:
        """Who bought a stream's volume in year ``y``, as weights that split its saving: the tonnes each payload
        (an architecture or 'core:<site>') put on the vehicle's trips (the rule that splits a trip's cost), or
        the units of each architecture of the platform."""
        out: dict[str, float] = defaultdict(float)
        if stream.kind == "launch":
            for (p, k, t), tonnes in sol.ship.items():
                if t == y and self.routes[k].vehicle == stream.name:
                    out[p] += tonnes
        else:
            for (a, _, v), n in sol.units.items():
                if v == y and self.archs[a]["platform"] == stream.name:
                    out[a] += n
        return dict(out)

    def existing_flows(self) -> list[Flow]:
        out = []
        for r, g in self.ground.items():
            per_year = g["existing_mw"] * (g["opex_musd_per_mw_yr"] + g["lease_musd_per_mw_yr"])
            out += [("ground_opex", t, per_year) for y in self.years for t in self.period_years[y]] if per_year else []
        return out

    def unmet_flows(self, w: str, y: int) -> list[Flow]:
        return self.period_flows("unmet_penalty", self.unmet_penalty_musd, y)

    # -- carbon price: emissions x price through the same cash flows (category 'carbon') ----------------------
    def price(self, year: int) -> float:
        """Carbon price in USD per t CO2 in a calendar year (0 without one)."""
        return self.carbon_price.get(year, 0.0)

    def carbon_capital_flows(self, t_co2: float, build_year: int, profile: float | Sequence[float],
                             rate: float) -> list[Flow]:
        """Manufacturing emissions are paid for like the capital that caused them (residual credit or annuities)."""
        cost = emissions.carbon_cost_musd(t_co2, self.price(build_year))
        return self.capital_flows({"carbon": cost}, build_year, profile, rate) if cost else []

    @functools.cached_property
    def carbon_priced(self) -> bool:
        """Whether any year has a carbon price (without one, no emission is listed for the cost flows)."""
        return any(p > 0 for p in self.carbon_price.values())

    def carbon_running_flows(self, emitted: Callable[..., list[Emission]], *args) -> list[Flow]:
        """Emissions as they happen (launches, energy, replacements: ``emitted(*args)``), priced in their year."""
        if not self.carbon_priced:
            return []
        out = []
        for cat, t, co2, _ in emitted(*args):
            if cat != BEYOND_HORIZON and (cost := emissions.carbon_cost_musd(co2, self.price(t))):
                out.append(("carbon", t, cost))
        return out

    def unit_carbon_flows(self, a: str, key: str, v: int) -> list[Flow]:
        """A unit's manufacturing emissions as capital, and its share of its launch's CO2 re-timed like its launch
        cost (the trip pays the price when it flies; the unit's share is charged as capital, minus that)."""
        if not self.carbon_priced:
            return []
        d = self.designs[(a, key)]
        rate = self.archs[a]["rate"]
        launch = emissions.carbon_cost_musd(self.launch_co2_per_unit(a, key, v), self.price(v))
        sw = self.swaps.get((a, key, v))
        if sw is None:
            out = self.carbon_capital_flows(d.embodied_accelerators_t + d.embodied_spacecraft_t, v, d.capacity_profile,
                                            rate)
        else:  # the first accelerators over their years to the swap, the new ones from the swap
            out = (self.carbon_capital_flows(d.embodied_accelerators_t, v, self.first_accelerators_profile(a, key, v),
                                             rate)
                   + self.carbon_capital_flows(d.embodied_spacecraft_t, v, d.capacity_profile, rate)
                   + self.carbon_capital_flows(sw.fresh.embodied_accelerators_t, sw.year, sw.fresh.capacity_profile,
                                               rate))
        if launch:
            out += self.capital_flows({"carbon": launch}, v, d.capacity_profile, rate)
            out.append(("carbon", v, -launch))
        return out

    # -- emissions: t CO2 and m3 of site water per decision, in the year they happen -------------------------
    def _embodied(self, parts: dict[str, float], build_year: int, profile: Sequence[float],
                  credit_extra_t: float = 0.0) -> list[Emission]:
        """Manufacturing emissions in the build year, and a credit in the last year for the share of the asset's
        output beyond the horizon (like the residual-value credit of its capital); ``credit_extra_t`` adds the
        asset's launch CO2 to what the credit covers."""
        out = [(cat, build_year, t, 0.0) for cat, t in parts.items() if t]
        last = self.scenario.horizon.last_year
        beyond = emissions.share_beyond_horizon(profile, build_year, last)
        credit = (sum(parts.values()) + credit_extra_t) * beyond
        if credit:
            out.append((BEYOND_HORIZON, last, -credit, 0.0))
        return out

    def unit_emissions(self, a: str, key: str, v: int) -> list[Emission]:
        d = self.designs[(a, key)]
        sw = self.swaps.get((a, key, v))
        if sw is None:
            return self._embodied({"accelerators_embodied": d.embodied_accelerators_t,
                                   "spacecraft_embodied": d.embodied_spacecraft_t}, v, d.capacity_profile,
                                  self.launch_co2_per_unit(a, key, v))
        first = self.first_accelerators_profile(a, key, v)  # they serve no year past the horizon
        return (self._embodied({"accelerators_embodied": d.embodied_accelerators_t}, v, first)
                + self._embodied({"spacecraft_embodied": d.embodied_spacecraft_t}, v, d.capacity_profile,
                                 self.launch_co2_per_unit(a, key, v))
                + self._embodied({"accelerators_embodied": sw.fresh.embodied_accelerators_t}, sw.year,
                                 sw.fresh.capacity_profile))

    def serviced_emissions(self, a: str, key: str, v: int) -> list[Emission]:
        d = self.designs[(a, key)]
        out = []
        for t, f in _served_years(v, d.life_yr, self.scenario.horizon.last_year):
            if co2 := self._after_swap(a, key, v, t).serviced_co2_t_per_yr:
                out.append(("accelerators_embodied", t, co2 * f, 0.0))
        return out

    def trip_emissions(self, k: str, y: int) -> list[Emission]:
        x = self.trip_co2_t.get((k, y), 0.0)
        return [("launch", y, x, 0.0)] if x else []

    def open_emissions(self, site: str, y: int) -> list[Emission]:
        e = self.site_open[site]
        return self._embodied({"spacecraft_embodied": e["embodied_t"]}, y, service_profile(e["life_yr"]))

    def build_emissions(self, r: str, v: int) -> list[Emission]:
        g = self.ground[r]
        return self._embodied({"ground_facility_embodied": g["embodied_t_per_mw"]}, v, service_profile(g["life_yr"]))

    def chip_running_emissions(self, r: str, gname: str, v: int, life: float) -> list[Emission]:
        chip = self.ground[r]["chips"][gname]
        out = []
        for t, f in _served_years(v, life, self.scenario.horizon.last_year):
            if chip["co2_t_per_kacc_yr"] or chip["water_m3_per_kacc_yr"]:
                out.append(("ground_energy", t, chip["co2_t_per_kacc_yr"] * f, chip["water_m3_per_kacc_yr"] * f))
            if chip["replacement_t_per_kacc"]:
                out.append(("accelerators_embodied", t,
                            chip["replacement_t_per_kacc"] * self.chip_failure_rate(r, gname, t - v) * f, 0.0))
        return out

    def chip_emissions(self, r: str, gname: str, v: int, life: float) -> list[Emission]:
        chip = self.ground[r]["chips"][gname]
        return (self._embodied({"accelerators_embodied": chip["embodied_t_per_kacc"]}, v, service_profile(life))
                + self.chip_running_emissions(r, gname, v, life))

    def per_decision(self, sol, kind: str):
        """(per-decision list, count) for every decision of a solution: units, serviced units, trips, site
        openings, ground MW and ground accelerators. ``kind``: 'flows' (money) or 'emissions' (carbon, water)."""
        for name, decisions in (("unit", sol.units), ("serviced", sol.serviced), ("trip", sol.trips),
                                ("open", sol.open), ("build", sol.build), ("chip", sol.chips)):
            per = getattr(self, f"{name}_{kind}")
            for key, n in decisions.items():
                yield per(*key), n


# ----------------------------------------------------------------------------------------------- time


def _periods(s: Scenario) -> dict[int, list[int]]:
    ys = s.horizon.years
    out = {}
    for i, y in enumerate(ys):
        end = ys[i + 1] if i + 1 < len(ys) else s.horizon.last_year + 1
        out[y] = list(range(y, end))
    return out


def service_profile(life_yr: float) -> list[float]:
    """Share of each year k = 0, 1, ... of its life an asset serves (fractional last year)."""
    return [min(1.0, life_yr - k) for k in range(math.ceil(life_yr))]


def capital_charge(capex: float, build_year: int, profile: list[float], rate_family: float, rate_base: float,
                   base_year: int, last_year: int, accounting: str) -> tuple[float, list[tuple[int, float, str]]]:
    """PV (base rate) of a capex charged the scenario's way, and its cash flows (year, amount, kind).

    The capex is paid back by payments proportional to ``profile`` (what the asset delivers in each year of
    its life) at the family's rate. ``annuity``: those payments for the years inside the horizon (kind
    'capex'). ``residual``: the capex in the build year ('capex'), the premium of the family's rate over the base
    rate as a financing charge that year ('financing'), and the PV of the payments beyond the horizon as a
    credit in the last year ('residual'). Both give the same PV by construction.
    """
    flows = [(build_year + k, capex * a) for k, a in enumerate(capital_payments(rate_family, profile))]
    inside = [(y, x) for y, x in flows if y <= last_year]
    pv_inside = sum(x * discount_factor(y, base_year, rate_base) for y, x in inside)
    if accounting == "annuity":
        return pv_inside, [(y, x, "capex") for y, x in inside]
    marked = sum(x * (1 + rate_base) ** -(y - build_year) for y, x in flows)  # = capex at equal rates
    credit_pv = marked * discount_factor(build_year, base_year, rate_base) - pv_inside
    cash = [(build_year, capex, "capex")]
    if abs(marked - capex) > 1e-12 * max(1.0, abs(capex)):
        cash.append((build_year, marked - capex, "financing"))
    if credit_pv > 1e-12:
        cash.append((last_year, -credit_pv / discount_factor(last_year, base_year, rate_base), "residual"))
    return pv_inside, cash


@functools.lru_cache(maxsize=65536)
def _unit_charge(build_year: int, profile: tuple[float, ...], rate_family: float, rate_base: float, base_year: int,
                 last_year: int, accounting: str) -> tuple[tuple[int, float], ...]:
    """Cash flows of $1 of capex (capital_charge is linear in the capex), cached across categories and units."""
    return tuple(capital_charge(1.0, build_year, list(profile), rate_family, rate_base, base_year, last_year,
                                accounting)[1])


def failure_rate_at_age(base: float, wear_out_per_yr: float, onset_yr: float, age: float) -> float:
    """Annual failure rate in the year of life starting at ``age``: the base rate plus ``wear_out_per_yr`` for every
    year of age past the wear-out onset, taken at the middle of the year."""
    return base + wear_out_per_yr * max(0.0, age + 0.5 - onset_yr)


def chip_life_options(build_year: int, refresh_yr: float, life_min_yr: float, life_max_yr: float,
                      last_year: int) -> list[float]:
    """The lives a vintage of ground accelerators may be kept: every whole number of years from the shortest to
    the longest that ends inside the horizon, and the region's planned refresh (the only one for lives that would
    run past the horizon, where the model cannot weigh keeping against replacing)."""
    lives = {float(refresh_yr)}
    lives |= {float(n) for n in range(math.ceil(life_min_yr), math.floor(life_max_yr) + 1)
              if build_year + n - 1 <= last_year}
    return [int(n) if n.is_integer() else n for n in sorted(lives)]


def accelerator_build_years(s: Scenario, cat: Catalog) -> dict[str, tuple[float, float]]:
    """First and last year each accelerator can be built. With a roadmap stall
    (``trajectories.accelerator_roadmap.stall_after_year``) no generation that appears after the stall year, and
    the newest one before it is built until the end."""
    out = {g: (acc.first_year.v, acc.last_year.v) for g, acc in cat.accelerators.items()}
    stall = s.trajectories.accelerator_roadmap.stall_after_year
    if stall is None:
        return out
    out = {g: span for g, span in out.items() if span[0] <= stall}
    if out:
        newest = max(out, key=lambda g: out[g][0])
        out[newest] = (out[newest][0], INF)
    return out


def served_fraction(build_year: int, life_yr: float, year: int) -> float:
    """Share of calendar ``year`` an asset built in ``build_year`` with ``life_yr`` years of life serves."""
    return max(0.0, min(1.0, build_year + life_yr - year)) if year >= build_year else 0.0


@functools.lru_cache(maxsize=65536)
def _served_years(build_year: int, life_yr: float, last_year: int) -> tuple[tuple[int, float], ...]:
    """(year, served fraction) for the years up to ``last_year`` an asset built in ``build_year`` serves."""
    return tuple((t, f) for t in range(build_year, last_year + 1) if (f := served_fraction(build_year, life_yr, t)) > 0)


def served_spans(build_year: int, life_yr: float, periods: dict[int, list[int]]) -> dict[int, list[tuple[int, float]]]:
    """For each period an asset built in ``build_year`` serves: (age at the start of each of its years, share of
    that year served)."""
    out: dict[int, list[tuple[int, float]]] = {}
    for y, years in periods.items():
        spans = [(t - build_year, f) for t in years if (f := served_fraction(build_year, life_yr, t)) > 0]
        if spans:
            out[y] = spans
    return out


def service_shares(build_year: int, life_yr: float, periods: dict[int, list[int]]) -> dict[int, float]:
    """Share of each period's years an asset built in ``build_year`` serves (fractional last year)."""
    return {y: sum(f for _, f in spans) / len(periods[y])
            for y, spans in served_spans(build_year, life_yr, periods).items()}


Flow = tuple[str, int, float]  # (cost category, calendar year, $M undiscounted)
Emission = tuple[str, int, float, float]  # (emission category, calendar year, t CO2, m3 site water)
BEYOND_HORIZON = "beyond_horizon"  # credit for the share of manufacturing and launch emissions past the horizon
EMISSION_CATEGORIES = ("launch", "spacecraft_embodied", "accelerators_embodied", "ground_facility_embodied",
                       "ground_energy", BEYOND_HORIZON)


# ---------------------------------------------------------------------------------------- environment


def site_environment(cat: Catalog, site: str, terms) -> dict[str, float]:
    """A site's eclipses (the worst orbit's share and eclipse, the eclipses a year, the year's mean share in shadow:
    a typed site's own share) and its drag make-up."""
    st = cat.sites[site]
    if st.eclipse_fraction is not None:
        f, longest, cycles = st.eclipse_fraction.v, st.longest_eclipse_h.v, st.eclipses_per_yr.v
        mean = f
    else:
        node = st.node_from_sun_deg.v if st.node_from_sun_deg is not None else None
        seasons = eclipse_seasons(st.altitude_km.v, st.inclination_deg.v, node)
        f, longest, cycles = seasons["eclipse_fraction"], seasons["longest_eclipse_h"], seasons["eclipses_per_yr"]
        mean = seasons["mean_eclipse_fraction"]
    if not terms.eclipse:
        f, longest, cycles, mean = 0.0, 0.0, 0.0, 0.0
    drag = 0.0
    if terms.drag and st.altitude_km is not None and st.atmospheric_density_kg_m3.v > 0:
        p = cat.components.propellant
        drag = orbit.drag_makeup_kg_per_m2_yr(st.atmospheric_density_kg_m3.v, st.altitude_km.v,
                                              p.drag_coefficient.v, p.isp_s.v) * p.ram_area_fraction.v
    return {"eclipse_fraction": f, "longest_eclipse_h": longest, "eclipses_per_yr": cycles,
            "mean_eclipse_fraction": mean, "drag_kg_per_m2_yr": drag}


def design_key(accelerator: str, radiator_temp_k: float, shielding_mm: float, throttled: bool = False,
               planned_life_yr: float | None = None, swap_age_yr: int | None = None) -> str:
    return (f"{accelerator}/{radiator_temp_k:g}K/{shielding_mm:g}mm" + ("/throttled" if throttled else "")
            + (f"/retire@{planned_life_yr:g}y" if planned_life_yr is not None else "")
            + (f"/swap@{swap_age_yr:g}y" if swap_age_yr is not None else ""))


def serviceable(s: Scenario, cat: Catalog, a: str, archs: dict[str, dict[str, Any]]) -> bool:
    """Units at space architecture ``a`` may be serviced: its platform allows it, the scenario switches servicing
    on, and its site is within a servicer's reach."""
    info = archs[a]
    return (cat.platforms[info["platform"]].servicing_allowed and s.design_space.servicing
            and cat.sites[info["site"]].serviceable)


def can_throttle(s: Scenario, cat: Catalog, platform: str, site: str) -> bool:
    """A design may switch compute off in eclipse instead of carrying it through (the scenario's
    ``design_space.eclipse_throttling``): solar units at a site with eclipses."""
    return (s.design_space.eclipse_throttling and cat.platforms[platform].power_source == "solar"
            and site_environment(cat, site, s.terms)["eclipse_fraction"] > 0)


@functools.lru_cache(maxsize=64)
def eclipse_seasons(altitude_km: float, inclination_deg: float, node_from_sun_deg: float | None) -> dict[str, float]:
    """The eclipses of a circular orbit over the year (``planner.physics.orbit.eclipse_seasons``)."""
    return orbit.eclipse_seasons(altitude_km, orbit.betas_over_year_deg(inclination_deg, node_from_sun_deg))


def host_fraction(cat: Catalog, terms, ground: bool = False) -> float:
    """Host power beside each accelerator as a fraction of its power, on the catalog's one basis (host_overhead);
    the ground adds its in-server cooling. 0 with ``terms.host_power`` off (published cases)."""
    if not terms.host_power:
        return 0.0
    h = cat.host_overhead
    return power.host_power_fraction(h.cpu_w_per_kw.v + h.memory_w_per_kw.v + h.network_w_per_kw.v + h.other_w_per_kw.v,
                                     h.conversion_efficiency.v, h.ground_cooling_fraction.v if ground else 0.0)


def site_dose_rad_per_yr(cat: Catalog, site: str, shielding_mm: float) -> float:
    st = cat.sites[site]
    table = cat.dose_tables[st.dose_table]
    return radiation.dose_behind_shielding_rad_per_yr(table.shielding_mm_al, table.dose_rad_si_per_yr, shielding_mm,
                                                      st.dose_margin.v, st.gcr_spe_rad_per_yr.v)


def gcr_krad_per_yr(cat: Catalog, site: str) -> float:
    """The site's galactic heavy ions as the test-proton dose that causes as many single events."""
    se = cat.components.single_events
    return radiation.gcr_proton_equivalent_krad_per_yr(cat.sites[site].gcr_transmission.v, se.gcr_rate_coefficient_per_day.v,
                                                       se.fom_per_proton_cross_section.v,
                                                       se.proton_stopping_power_mev_cm2_per_g.v)


def spe_onset_risk(cat: Catalog, site: str, shielding_mm: float, accelerator: str, life_yr: float) -> float:
    """Chance that a solar particle event in the unit's life crosses its accelerators' degradation onset behind the
    shielding; the design event's dose follows the catalog's event dose table with depth."""
    spe = cat.components.solar_particle_events
    table = cat.dose_tables[spe.dose_table]

    def shape(mm: float) -> float:
        mm = min(max(mm, table.shielding_mm_al[0]), table.shielding_mm_al[-1])
        return radiation.dose_behind_shielding_rad_per_yr(table.shielding_mm_al, table.dose_rad_si_per_yr, mm)

    event = spe.design_event_krad.v * shape(shielding_mm) / shape(spe.design_event_shielding_mm.v)
    return radiation.spe_onset_probability(life_yr if math.isfinite(life_yr) else 0.0, spe.design_event_rate_per_yr.v,
                                           cat.sites[site].spe_exposure.v, event,
                                           cat.accelerators[accelerator].tid_onset_krad.v, spe.size_slope.v)


def rtt_ms(cat: Catalog, arch_info: dict, users: str) -> float:
    if arch_info["kind"] == "ground":
        g = cat.ground_regions[arch_info["site"]]
        d = g.distance_to_users_km.v if users == "earth" else 384_400.0
        return links.round_trip_ms(d, g.routing_ms.v)
    st = cat.sites[arch_info["site"]]
    d = st.distance_to_earth_users_km.v if users == "earth" else st.distance_to_moon_users_km.v
    return links.round_trip_ms(d, st.routing_ms.v)


def trip_capacity(lv, st, payload_leo_t: float) -> tuple[float, int] | None:
    """(payload t, tanker flights) of one trip to site ``st`` by a ship that lifts ``payload_leo_t`` to LEO:
    direct to LEO-class orbits, refuelled in LEO beyond (None if a full tank cannot make the trip)."""
    if st.dv_from_leo_km_s is None:
        return payload_leo_t * st.direct_payload_fraction.v, 0
    ret = st.return_dv_km_s.v if st.return_dv_km_s is not None else None
    payload = transport.payload_per_trip_t(lv.dry_mass_t.v, lv.propellant_t.v, lv.isp_s.v, st.dv_from_leo_km_s.v,
                                           ret, payload_leo_t)
    if payload <= 0:
        return None
    prop = transport.propellant_needed_t(payload, lv.dry_mass_t.v, lv.isp_s.v, st.dv_from_leo_km_s.v, ret)
    return payload, transport.tanker_flights_per_trip(prop, payload_leo_t)


def routes_for(cat: Catalog, site: str, vehicles: list[str],
               periods: dict[int, list[int]] | None = None) -> dict[str, Route]:
    """Delivery routes to ``site``: direct to LEO-class orbits, refuelled ship beyond LEO. With ``periods`` (model
    year -> its calendar years) each year's trips fly the period's average payload to LEO; the design trip is the
    one of the vehicle's first year in service (or the horizon's first year, if later)."""
    st = cat.sites[site]
    out = {}
    for v in vehicles:
        lv = cat.launch_vehicles[v]
        if st.dv_from_leo_km_s is not None and not lv.refuelable:
            continue
        first = max([lv.first_year.v] + ([min(periods)] if periods else []))
        design = trip_capacity(lv, st, lv.payload_leo_t.at(first))
        if design is None:
            continue
        by_year = {}
        for y, cal in (periods or {}).items():
            got = trip_capacity(lv, st, sum(lv.payload_leo_t.at(t) for t in cal) / len(cal))
            by_year[y] = got if got is not None else (0.0, design[1])
        out[f"{v}>{site}"] = Route(v, site, design[0], lv.volume_m3.v, design[1], 1 + design[1],
                                   st.dv_from_leo_km_s is not None and st.return_dv_km_s is None, by_year)
    return out


def launch_risk(lv) -> float:
    """Share of what a launch carries that its insurance costs: the vehicle's insurance rate, else its failure
    rate."""
    return lv.insurance_fraction.v if lv.insurance_fraction.v > 0 else lv.failure_rate.v


def insuring_vehicle(cat: Catalog, platform: str) -> str:
    """The vehicle a unit's hardware is insured for: the riskiest its platform may fly (the unit's launch is priced
    at the cheapest route of its year, which can be either)."""
    return max(cat.platforms[platform].vehicles, key=lambda v: launch_risk(cat.launch_vehicles[v]))


def flight_price_musd(s: Scenario, cat: Catalog, vehicle: str, year: int) -> float:
    lv = cat.launch_vehicles[vehicle]
    t = s.trajectories
    if t.launch_price_model == "learning_curve" and vehicle in t.learning_curve.vehicles:
        lc = t.learning_curve
        cum = _table(lc.world_cumulative_t, year)
        usd_per_kg = transport.learning_curve_price(cum, lc.start_cumulative_t, lc.start_usd_per_kg, lc.learning_rate)
        price = usd_per_kg * lv.payload_leo_t.at(year) * 1000.0 / 1e6
    else:
        price = lv.price_musd_per_flight.at(year)
    return price * t.launch_price_factor


def _table(table: dict[int, float], year: int) -> float:
    from planner.catalog.schema import table_at
    return table_at(table, year)


# -------------------------------------------------------------------------------------------- designs


def size_design(s: Scenario, cat: Catalog, arch: str, platform: str, site: str, accelerator: str,
                radiator_temp_k: float, shielding_mm: float, route: Route | None,
                fixed_accelerators: int | None = None, throttled: bool = False,
                planned_life_yr: float | None = None) -> tuple[Design | None, str]:
    """Size one unit of a design; (None, reason) when the design cannot work. ``throttled``: compute switches off
    in every eclipse (the battery and the arrays' recharge carry the bus and terminals only) and the accelerators
    compute 1 - the year's mean eclipse share of the time; else the unit computes through every eclipse.
    ``planned_life_yr``: the unit is retired (deorbited, its operations stop) after that many years instead of
    keeping its accelerators for its full life (design life or total dose); it is sized for that life."""
    terms = s.terms
    pf, st, g, comp = cat.platforms[platform], cat.sites[site], cat.accelerators[accelerator], cat.components
    env = site_environment(cat, site, terms)
    dose = site_dose_rad_per_yr(cat, site, shielding_mm)
    life, limit = pf.design_life_yr.v, "design life"
    onset = INF
    if terms.total_dose:
        tid_life = radiation.tid_life_yr(g.tid_hard_krad.v, dose)
        if tid_life < life:
            life, limit = tid_life, "total dose"
        onset = radiation.degradation_onset_yr(g.tid_onset_krad.v, dose)
    if planned_life_yr is not None:
        if planned_life_yr >= life:
            return None, f"retiring at {planned_life_yr:g} years is its full life ({life:.3g} years, {limit})"
        life, limit = planned_life_yr, "retired (keep or retire)"
    if life < 1.0:
        return None, f"total dose ends its life in {life:.2f} years"
    rad = comp.radiator
    age = life if terms.coating_degradation else 0.0
    eps, alpha = thermal.coatings_at_age(rad.emissivity_bol.v, rad.absorptivity_bol.v, rad.emissivity_loss_per_yr.v,
                                         rad.absorptivity_rise_per_yr.v, age)
    if st.effective_sink_k is not None:
        sink = st.effective_sink_k.v
        q = thermal.radiator_net_flux_w_m2(radiator_temp_k, eps, rad.sides.v, rad.fin_efficiency.v, sink_k=sink)
    else:
        absorbed = thermal.absorbed_environment_w_m2(eps, alpha, rad.sides.v, st.solar_flux_w_m2.v,
                                                     st.sun_on_radiator_fraction.v, st.planet_ir_w_m2.v,
                                                     st.albedo.v, st.planet_view_factor.v)
        sink = thermal.effective_sink_temp_k(absorbed, eps, rad.sides.v, rad.fin_efficiency.v)
        q = thermal.radiator_net_flux_w_m2(radiator_temp_k, eps, rad.sides.v, rad.fin_efficiency.v,
                                           absorbed_w_m2=absorbed)
    if q <= 0:
        return None, f"a {radiator_temp_k:g} K radiator absorbs more than it emits here (net flux {q:.0f} W/m2)"
    cap_k, cap_part = thermal.radiator_temp_cap_k(g.junction_max_k.v, g.hbm_max_k.v, rad.cold_plate_drop_k.v,
                                                  rad.coolant_drop_k.v, rad.fin_drop_k.v)
    # the same panel with fresh coatings, and what it emits against what the environment puts back (end of life)
    eps0, alpha0 = rad.emissivity_bol.v, rad.absorptivity_bol.v
    if st.effective_sink_k is not None:
        q_bol = thermal.radiator_net_flux_w_m2(radiator_temp_k, eps0, rad.sides.v, rad.fin_efficiency.v, sink_k=sink)
    else:
        q_bol = thermal.radiator_net_flux_w_m2(
            radiator_temp_k, eps0, rad.sides.v, rad.fin_efficiency.v,
            absorbed_w_m2=thermal.absorbed_environment_w_m2(eps0, alpha0, rad.sides.v, st.solar_flux_w_m2.v,
                                                            st.sun_on_radiator_fraction.v, st.planet_ir_w_m2.v,
                                                            st.albedo.v, st.planet_view_factor.v))
    emitted = thermal.radiator_net_flux_w_m2(radiator_temp_k, eps, rad.sides.v, rad.fin_efficiency.v, absorbed_w_m2=0.0)
    sa, bat, term, pk = comp.solar_array, comp.battery, comp.optical_terminal, comp.space_packaging
    eol = power.end_of_life_factor(st.array_degradation_per_yr.v, life) if terms.array_degradation else 1.0
    caps_on = terms.unit_caps
    if pf.whole_trip:
        max_mass = route.payload_t * 1000.0 if route else 0.0
        max_vol = route.volume_m3 if route else 0.0
    else:
        max_mass, max_vol = pf.max_mass_kg.v, INF
    manoeuvre = st.station_keeping_dv_m_s_per_yr.v * life + st.disposal_dv_m_s.v
    try:  # the battery cycles once an eclipse: its depth of discharge is what its cycle life allows over the life
        dod = power.depth_of_discharge_for_cycles(env["eclipses_per_yr"] * life, bat.cycle_life.depth_of_discharge,
                                                  bat.cycle_life.cycles, bat.max_depth_of_discharge.v)
    except ValueError as e:
        return None, f"the battery cannot last: {e}"
    spec = UnitSpec(
        accel_power_w=g.power_w.v, host_power_fraction=host_fraction(cat, terms),
        accel_mass_kg=g.mass_kg_packaged.v + pk.mass_kg_per_accelerator.v,
        shielding_mass_kg_per_accel=radiation.shielding_mass_kg(g.enclosure_area_m2.v, shielding_mm,
                                                                comp.shielding.density_kg_per_m2_mm.v),
        bus_mass_kg=pf.bus_mass_kg.v, bus_power_w=pf.bus_power_w.v, terminals=pf.terminals_per_unit.v,
        terminal_mass_kg=term.mass_kg.v, terminal_power_w=term.power_w.v, structure_margin=pf.structure_margin.v,
        power_source=pf.power_source, solar_flux_w_m2=st.solar_flux_w_m2.v, cell_efficiency=sa.cell_efficiency.v,
        fill_factor=sa.fill_factor.v, array_eol_factor=eol, eclipse_fraction=env["eclipse_fraction"],
        recharge_efficiency=sa.recharge_efficiency.v, array_specific_power_w_per_kg=sa.specific_power_w_per_kg.v,
        longest_eclipse_h=env["longest_eclipse_h"], depth_of_discharge=dod,
        battery_wh_per_kg=bat.specific_energy_wh_per_kg.v,
        fission_kg_per_kwe=comp.fission_power.specific_mass_kg_per_kwe.v,
        radiator_temp_k=radiator_temp_k, radiator_cap_k=cap_k, radiator_net_flux_w_m2=q,
        radiator_kg_per_m2=rad.areal_mass_kg_per_m2.v, heat_pump_carnot_fraction=comp.heat_pump.carnot_fraction.v,
        heat_pump_kg_per_kw=comp.heat_pump.mass_kg_per_kw_lifted.v, drag_kg_per_m2_yr=env["drag_kg_per_m2_yr"],
        life_yr=life, manoeuvre_dv_m_s=manoeuvre, thruster_isp_s=comp.propellant.isp_s.v,
        max_mass_kg=max_mass if caps_on else INF, max_array_m2=pf.max_array_m2.v if caps_on else INF,
        max_radiator_m2=pf.max_radiator_m2.v if caps_on else INF, max_volume_m3=max_vol if caps_on else INF,
        stowed_density_kg_m3=pf.stowed_density_kg_m3.v, bus_mass_only=not terms.subsystem_masses,
        thermal_loop_kg_per_kw=rad.loop_mass_kg_per_kw.v, throttle_in_eclipse=throttled)
    most, binding = max_accelerators(spec)
    if fixed_accelerators is None and platform in s.design_space.accelerators_per_unit:
        n = s.design_space.accelerators_per_unit[platform]
        if n > most:
            return None, f"a unit of {n} accelerators breaks the {binding} cap (at most {most})"
        binding = "fixed by the scenario"
    elif fixed_accelerators is not None:
        n, binding = fixed_accelerators, "fixed by the plan"
    else:
        n = most
        if n < 1:
            return None, f"not one accelerator fits (the {binding} cap binds first)"
        if n > 10_000_000:
            return None, "no cap limits the unit: switch unit_caps on or fix its size"
    b = unit_budget(spec, n)
    excluded = set(terms.exclude_costs)
    bol_w = b.array_area_m2 * power.array_power_bol_w_per_m2(st.solar_flux_w_m2.v, sa.cell_efficiency.v,
                                                             sa.fill_factor.v)
    capex = {
        "accelerators": n * (g.price_usd.v + pk.cost_usd_per_accelerator.v) / 1e6,
        "bus": pf.bus_cost_usd.v / 1e6,
        "arrays": bol_w * sa.cost_usd_per_w.v / 1e6,
        "radiators": b.radiator_area_m2 * rad.cost_usd_per_m2.v / 1e6,
        "batteries": b.battery_kwh * bat.cost_usd_per_kwh.v / 1e6,
        "shielding": b.shielding_mass_kg * comp.shielding.cost_usd_per_kg.v / 1e6,
        "terminals": pf.terminals_per_unit.v * term.cost_usd.v / 1e6,
        "heat_pumps": (b.heat_rejected_w - b.heat_pump_power_w) / 1000.0 * comp.heat_pump.cost_usd_per_kw_lifted.v / 1e6
        if b.heat_pump_power_w > 0 else 0.0,
        "fission_power": b.load_w / 1000.0 * comp.fission_power.cost_usd_per_kwe.v / 1e6
        if pf.power_source == "fission" else 0.0,
        "propellant": b.propellant_mass_kg * comp.propellant.cost_usd_per_kg.v / 1e6,
    }
    direct = {k: (0.0 if k in excluded else v) for k, v in capex.items()}
    integration = 0.0 if "integration" in excluded else pf.integration_cost_fraction.v
    risk = 0.0 if "insurance" in excluded else launch_risk(cat.launch_vehicles[insuring_vehicle(cat, platform)])
    capex = with_integration_and_insurance(direct, integration, risk)
    trip_mass = route.payload_t if (pf.whole_trip and route) else b.mass_kg / 1000.0
    volume = route.volume_m3 if (pf.whole_trip and route) else b.volume_m3
    serv = comp.servicing
    lam = g.annual_failure_rate.v if terms.failures else 0.0
    heat_pump = radiator_temp_k > cap_k
    heat_w = b.heat_rejected_w
    spacecraft_kg = (b.shielding_mass_kg + b.bus_mass_kg + b.terminal_mass_kg + b.array_mass_kg
                     + b.radiator_mass_kg + b.battery_mass_kg + b.fission_mass_kg + b.heat_pump_mass_kg
                     + b.thermal_loop_mass_kg                     + b.structure_mass_kg) if terms.subsystem_masses else b.mass_kg
    acc_co2_t = g.embodied_co2_kg.v / 1000.0
    design = Design(
        arch=arch, accelerator=accelerator, radiator_temp_k=radiator_temp_k, shielding_mm=shielding_mm,
        accelerators_per_unit=n, binding_cap=binding, radiator_cap_k=cap_k, radiator_cap_part=cap_part,
        heat_pump=heat_pump, sink_temp_k=sink, emissivity_eol=eps, absorptivity_eol=alpha,
        net_flux_w_m2=q, dose_rad_per_yr=dose, life_yr=life, life_limit=limit, degradation_onset_yr=onset,
        budget=b, capex_musd=capex, direct_capex_musd=direct, integration_fraction=integration, insurance_rate=risk,
        trip_mass_t=trip_mass, volume_m3=volume,
        downlink_gbps=links.downlink_gbps(pf.terminals_per_unit.v, term.rate_gbps.v, st.terminal_rate_factor.v,
                                          links.network_availability(
                                              comp.ground_stations.clear_sky_probability.v,
                                              st.optical_stations_in_view.v,
                                              comp.ground_stations.rf_fallback_rate_share.v)),
        cluster_accelerators=n * pf.formation_units_max.v,
        ops_musd_per_yr=0.0 if "operations" in excluded else pf.ops_cost_musd_per_unit_yr.v,
        servicing_musd_per_yr=0.0 if "servicing" in excluded else
        serv.cost_musd_per_unit_yr.v + n * lam * serv.repair_fraction.v * (g.price_usd.v + pk.cost_usd_per_accelerator.v)
        / 1e6,
        spares_t_per_yr=n * lam * serv.repair_fraction.v * spec.accel_mass_kg * serv.spares_mass_factor.v / 1000.0,
        failure_rate=lam, repair_fraction=serv.repair_fraction.v,
        deployment_loss=comp.accelerator_failures.deployment_loss_fraction.v if terms.failures else 0.0,
        tid_degraded_fraction=g.degraded_capacity_fraction.v,
        fin_efficiency=rad.fin_efficiency.v,
        chain_drop_k=rad.cold_plate_drop_k.v + rad.coolant_drop_k.v + rad.fin_drop_k.v,
        heat_pump_cop=thermal.heat_pump_cop(cap_k, radiator_temp_k, comp.heat_pump.carnot_fraction.v)
        if heat_pump else math.nan,
        emitted_w_m2=emitted, absorbed_w_m2=emitted - q,
        limiting_link=thermal.limiting_link(binding, heat_pump, cap_part, emitted - q, emitted),
        depth_of_discharge=dod, throttled=throttled, planned_life_yr=planned_life_yr,
        spe_onset_risk=spe_onset_risk(cat, site, shielding_mm, accelerator, life),
        compute_duty=1.0 - env["mean_eclipse_fraction"] if throttled else 1.0,
        eol_margin=thermal.rejection_margin(b.radiator_area_m2, q, heat_w) if heat_w > 0 else math.nan,
        bol_margin=thermal.rejection_margin(b.radiator_area_m2, q_bol, heat_w) if heat_w > 0 else math.nan,
        embodied_accelerators_t=n * acc_co2_t,
        embodied_spacecraft_t=emissions.embodied_co2_t(spacecraft_kg,
                                                       comp.emissions.spacecraft_co2_kg_per_kg.v),
        serviced_co2_t_per_yr=n * lam * serv.repair_fraction.v * acc_co2_t)
    return design, ""


def swap_for(s: Scenario, cat: Catalog, d: Design, v: int, built_years: dict[str, tuple[float, float]],
             price_factor: dict[str, float]) -> Swap | None:
    """The swap of a unit of swap design ``d`` built in ``v`` (``d.swap_age_yr``), or None where there is none to make:
    the swap falls inside the horizon and the unit's life, and a newer generation than the unit's is built that
    year. The newest such one is taken, if its accelerators stand the unit's cold loop (the radiator's temperature,
    or the heat pump's cold side) and their total dose lasts the unit's remaining life. ``price_factor``: the swap
    year's price factors (``price_factors``)."""
    age = d.swap_age_yr
    year = v + age
    if age >= d.life_yr or year > s.horizon.last_year:
        return None
    old = cat.accelerators[d.accelerator]
    allowed = s.design_space.accelerators
    newer = [g for g, (g_first, g_last) in built_years.items() if g_first <= year <= g_last
             and (allowed is None or g in allowed) and cat.accelerators[g].first_year.v > old.first_year.v]
    if not newer:
        return None
    g = max(newer, key=lambda x: cat.accelerators[x].first_year.v)
    new, comp, terms = cat.accelerators[g], cat.components, s.terms
    rad = comp.radiator
    cap_new, _ = thermal.radiator_temp_cap_k(new.junction_max_k.v, new.hbm_max_k.v, rad.cold_plate_drop_k.v,
                                             rad.coolant_drop_k.v, rad.fin_drop_k.v)
    if cap_new < (d.radiator_cap_k if d.heat_pump else d.radiator_temp_k):
        return None
    remaining = d.life_yr - age
    onset = INF
    if terms.total_dose:
        if radiation.tid_life_yr(new.tid_hard_krad.v, d.dose_rad_per_yr) < remaining:
            return None
        onset = radiation.degradation_onset_yr(new.tid_onset_krad.v, d.dose_rad_per_yr)
    n = d.accelerators_per_unit * old.power_w.v / new.power_w.v
    excluded = set(terms.exclude_costs)
    pk, serv = comp.space_packaging, comp.servicing
    lam = new.annual_failure_rate.v if terms.failures else 0.0
    each_musd = (new.price_usd.v + pk.cost_usd_per_accelerator.v) / 1e6
    each_t = (new.mass_kg_packaged.v + pk.mass_kg_per_accelerator.v) / 1000.0
    acc_co2_t = new.embodied_co2_kg.v / 1000.0
    fresh = replace(
        d, accelerator=g, accelerators_per_unit=n, life_yr=remaining, degradation_onset_yr=onset,
        failure_rate=lam, tid_degraded_fraction=new.degraded_capacity_fraction.v, swap_age_yr=None,
        servicing_musd_per_yr=0.0 if "servicing" in excluded else
        serv.cost_musd_per_unit_yr.v + n * lam * serv.repair_fraction.v * each_musd,
        spares_t_per_yr=n * lam * serv.repair_fraction.v * each_t * serv.spares_mass_factor.v,
        embodied_accelerators_t=n * acc_co2_t, serviced_co2_t_per_yr=n * lam * serv.repair_fraction.v * acc_co2_t)
    capex = {"accelerators": 0.0 if "accelerators" in excluded else
             n * each_musd * price_factor.get("accelerators", 1.0),
             "servicing": 0.0 if "servicing" in excluded else serv.swap_cost_musd_per_unit.v}
    return Swap(age_yr=age, year=year, accelerator=g, accelerators=n, fresh=fresh, capex_musd=capex, mass_t=n * each_t)


def with_integration_and_insurance(direct: dict[str, float], integration_fraction: float,
                                   insurance_rate: float) -> dict[str, float]:
    """A unit's capex by category: its direct hardware and propellant, integration (a share of the hardware other
    than accelerators and propellant) and insurance (a share of all of it)."""
    capex = dict(direct)
    capex["integration"] = integration_fraction * sum(v for k, v in direct.items()
                                                      if k not in ("accelerators", "propellant"))
    capex["insurance"] = insurance_rate * sum(capex.values())
    return capex


def price_factors(cat: Catalog, year: int) -> dict[str, float]:
    """What a bus, an optical terminal and a year of operations cost in ``year`` against the catalog's price year:
    buses and operations fall at a rate per year, terminals down their learning curve on the world's cumulative
    production (Wright's law)."""
    tr, term = cat.components.cost_trends, cat.components.optical_terminal
    dt = year - tr.price_year.v
    start = term.world_units_cumulative.at(tr.price_year.v)
    return {"bus": (1.0 - tr.bus_decline_per_yr.v) ** dt,
            "operations": (1.0 - tr.operations_decline_per_yr.v) ** dt,
            "terminals": transport.learning_curve_price(term.world_units_cumulative.at(year), start, 1.0,
                                                        term.learning_rate.v)}


def design_levels(s: Scenario, cat: Catalog, accelerator: str) -> list[float]:
    """Radiator levels worth building for an accelerator: the highest at or below its cap (a colder loop only
    adds radiator at equal accelerator count) and every level above the cap (with a heat pump)."""
    g, rad = cat.accelerators[accelerator], cat.components.radiator
    cap, _ = thermal.radiator_temp_cap_k(g.junction_max_k.v, g.hbm_max_k.v, rad.cold_plate_drop_k.v,
                                         rad.coolant_drop_k.v, rad.fin_drop_k.v)
    levels = sorted(s.design_space.radiator_temps_k)
    below = [t for t in levels if t <= cap]
    above = [t for t in levels if t > cap]
    return ([below[-1]] if below else []) + above


# ---------------------------------------------------------------------------------------------- main


def compute(rs: ResolvedScenario, fixed_accelerators: dict[tuple[str, str], int] | None = None) -> Coefficients:
    """All coefficients of a resolved scenario.

    ``fixed_accelerators`` keeps the accelerator count of given (architecture, design key) pairs, so a fixed
    plan can be re-evaluated under other numbers (its units stay as built).
    """
    # the charge caches serve one computation (on the reference: 595 keys, 9,475 hits). Kept across a batch worker's
    # draws they grew to 65,536 keys, and the collection of each replaced model with them (12 -> 32 ms a draw)
    _unit_charge.cache_clear()
    _served_years.cache_clear()
    s, cat = rs.scenario, rs.catalog
    terms = s.terms
    years = s.horizon.years
    periods = _periods(s)
    first, last = s.horizon.first_year, s.horizon.last_year
    base, r = s.money.base_year, s.money.discount_rate
    df = {t: discount_factor(t, base, r) for t in range(first, last + 1)}
    weight = {y: sum(df[t] for t in periods[y]) for y in years}
    excluded = set(terms.exclude_costs)
    shares = functools.lru_cache(maxsize=None)(lambda v, life: service_shares(v, life, periods))
    spans = functools.lru_cache(maxsize=None)(lambda v, life: served_spans(v, life, periods))

    arch_table = cat.architectures()
    archs: dict[str, dict[str, Any]] = {}
    for a in allowed_architectures(s, cat):
        platform, site, family = arch_table[a]
        kind = "ground" if family == "ground" else "space"
        archs[a] = {"platform": platform, "site": site, "family": family, "kind": kind}
    for a, info in archs.items():
        info["rtt_ms"] = {u: rtt_ms(cat, info, u) for u in ("earth", "moon")}
        info["rate"] = s.money.rate(info["family"])

    # ---- demand and eligibility
    wl = s.workloads
    demand = {(w, y): sum(wl[w].demand_at(t) for t in periods[y]) / len(periods[y])  # the period's average
              for w in wl for y in years}
    eligible = {w: [a for a, info in archs.items() if info["rtt_ms"][wl[w].users] <= wl[w].latency_limit_ms]
                for w in wl}
    gbps_per_eflop = {w: links.gbps_per_eflop_s(wl[w].bits_per_flop) for w in wl}
    earth_users = {w: wl[w].users == "earth" for w in wl}

    # ---- routes
    routes: dict[str, Route] = {}
    arch_routes: dict[str, list[str]] = {}
    for a, info in archs.items():
        if info["kind"] != "space":
            continue
        pf = cat.platforms[info["platform"]]
        vehicles = pf.vehicles[:1] if pf.whole_trip else pf.vehicles
        found = routes_for(cat, info["site"], vehicles, periods)
        routes.update(found)
        arch_routes[a] = list(found)
    trip_years = {k: [y for y in years if y >= cat.launch_vehicles[rt.vehicle].first_year.v] for k, rt in routes.items()}
    flight_price, trip_parts, trip_co2 = {}, {}, {}
    for k, rt in routes.items():
        lv = cat.launch_vehicles[rt.vehicle]
        risk = launch_risk(lv)
        for y in trip_years[k]:
            price = flight_price_musd(s, cat, rt.vehicle, y)
            flight_price[(rt.vehicle, y)] = price
            launch_musd = 0.0 if "launch" in excluded else rt.flights_in(y) * price
            if rt.expended and "launch" not in excluded and lv.expended_ship_cost_musd is not None:
                launch_musd += lv.expended_ship_cost_musd.at(y)
            trip_parts[(k, y)] = {"launch": launch_musd,
                                  "insurance": 0.0 if "insurance" in excluded else risk * launch_musd}
            trip_co2[(k, y)] = emissions.launch_co2_t(rt.flights_in(y), lv.co2_t_per_flight.v)
    cadence = {}
    if terms.cadence:
        for v in {rt.vehicle for rt in routes.values()}:
            for y in years:
                cadence[(v, y)] = sum(cat.launch_vehicles[v].cadence_flights_per_yr.at(t) for t in periods[y])

    # ---- space designs
    built_years = accelerator_build_years(s, cat)
    designs: dict[tuple[str, str], Design] = {}
    dropped: list[dict[str, Any]] = []
    unit_vintages: dict[tuple[str, str], list[int]] = {}
    swaps: dict[tuple[str, str, int], Swap] = {}
    for a, info in archs.items():
        if info["kind"] != "space":
            continue
        pf, st = cat.platforms[info["platform"]], cat.sites[info["site"]]
        route = routes[arch_routes[a][0]] if arch_routes[a] else None
        if pf.whole_trip and route is None:
            dropped.append({"architecture": a, "design": "*", "reason": "no launch route reaches the site"})
            continue
        earliest = max(first + math.ceil(pf.lead_time_yr.v), int(st.first_year.v))
        for g, (g_first, g_last) in built_years.items():
            if s.design_space.accelerators is not None and g not in s.design_space.accelerators:
                continue
            vint = [y for y in years if earliest <= y and g_first <= y <= g_last]
            if not vint:
                continue
            modes = (False, True) if can_throttle(s, cat, info["platform"], info["site"]) else (False,)
            lives = [None] + [float(x) for x in s.design_space.space_unit_lives_yr]
            swap_ages = sorted(set(s.design_space.space_swap_ages_yr)) if serviceable(s, cat, a, archs) else []
            for temp, mm, throttled, keep in itertools.product(design_levels(s, cat, g), s.design_space.shielding_mm_al,
                                                               modes, lives):
                key = design_key(g, temp, mm, throttled, keep)
                variants = {key: None} | {design_key(g, temp, mm, throttled, keep, age): age for age in swap_ages}
                if fixed_accelerators is not None:
                    variants = {k: age for k, age in variants.items() if (a, k) in fixed_accelerators}
                    if not variants:
                        continue
                fixed = (fixed_accelerators or {}).get((a, next(iter(variants))))
                d, why = size_design(s, cat, a, info["platform"], info["site"], g, temp, mm, route, fixed,
                                     throttled, keep)
                if d is None and keep is not None:
                    continue  # a planned life at or past the full life is the full-life design itself
                if d is None:
                    if key in variants:
                        dropped.append({"architecture": a, "design": key, "reason": why})
                    continue
                for k, age in variants.items():
                    if age is None:
                        designs[(a, k)], unit_vintages[(a, k)] = d, vint
                        continue
                    sd = replace(d, swap_age_yr=age)  # the same unit, sized for its first accelerators
                    found = {v: sw for v in vint
                             if (sw := swap_for(s, cat, sd, v, built_years, price_factors(cat, v + age)))}
                    if found:  # vintages with no newer generation to swap to are the design without a swap
                        fewest = min([d.accelerators_per_unit] + [sw.accelerators for sw in found.values()])
                        # a formation reaches a cluster with the fewer accelerators its units carry, before or after
                        sd = replace(sd, cluster_accelerators=fewest * pf.formation_units_max.v)
                        designs[(a, k)], unit_vintages[(a, k)] = sd, sorted(found)
                        swaps.update({(a, k, v): sw for v, sw in found.items()})

    unit_cap, unit_cap_serviced, spares = {}, {}, {}
    serviceable_units = set()
    for (a, key), d in designs.items():
        can_service = serviceable(s, cat, a, archs)
        per_year = {}  # (age, share served) -> k-acc-years per unit, unserviced and serviced
        for v in unit_vintages[(a, key)]:
            if can_service:
                serviceable_units.add((a, key, v))
            sw = swaps.get((a, key, v))
            for y, served in spans(v, d.life_yr).items():
                now = sw.fresh if sw is not None and y >= sw.year else d  # the new accelerators from the swap
                since = sw.age_yr if now is not d else 0
                for span in served:
                    if (id(now), span) not in per_year:
                        kacc = now.accelerators_per_unit / 1000.0
                        at = (span[0] - since, span[1])
                        per_year[(id(now), span)] = (kacc * now.delivered(*at),
                                                     kacc * now.delivered(*at, serviced=True))
                n_years = len(periods[y])  # capacity is the period's average
                unit_cap[(a, key, v, y)] = sum(per_year[(id(now), span)][0] for span in served) / n_years
                if can_service:
                    unit_cap_serviced[(a, key, v, y)] = sum(per_year[(id(now), span)][1] for span in served) / n_years
                    spares[(a, key, v, y)] = now.spares_t_per_yr * sum(f for _, f in served)

    # ---- sites with a core, shells
    site_open = {}
    for a, info in archs.items():
        if info["kind"] != "space":
            continue
        st = cat.sites[info["site"]]
        if st.fixed_cost_musd.v > 0 or st.fixed_opex_musd_per_yr.v > 0 or st.fixed_mass_t.v > 0:
            entry = site_open.setdefault(info["site"], {
                "first_year": int(st.first_year.v), "fixed_cost_musd": st.fixed_cost_musd.v,
                "opex_musd_per_yr": st.fixed_opex_musd_per_yr.v, "mass_t": st.fixed_mass_t.v,
                "life_yr": st.fixed_life_yr.v, "archs": [], "rate": info["rate"],
                "embodied_t": emissions.embodied_co2_t(st.fixed_mass_t.v * 1000.0,
                                                       cat.components.emissions.spacecraft_co2_kg_per_kg.v)})
            entry["archs"].append(a)
            entry["rate"] = max(entry["rate"], info["rate"])
    for e in site_open.values():
        if "site_fixed" in excluded:
            e["fixed_cost_musd"] = 0.0
        if "site_opex" in excluded:
            e["opex_musd_per_yr"] = 0.0
    shells = {}
    if terms.shell_capacity:
        for a, info in archs.items():
            st = cat.sites[info["site"]] if info["kind"] == "space" else None
            if st is not None and st.shell_capacity_units is not None:
                shells[info["site"]] = st.shell_capacity_units.v

    # ---- throughput per k-acc, cluster eligibility
    se = cat.components.single_events
    interruptions = cat.components.accelerator_failures.interruption_availability.v if terms.failures else 1.0
    eff, cluster_ok, eff_parts, coverage = {}, {}, {}, {}
    for w, spec in wl.items():
        for a in eligible[w]:
            info = archs[a]
            covered = info["kind"] == "space" and spec.needs_coverage and terms.coverage
            for g, acc in cat.accelerators.items():
                tflops = acc.dense_bf16_tflops.v if spec.precision == "bf16" else acc.dense_fp8_tflops.v
                e = tflops * TFLOPS_TO_EFLOPS_PER_KACC * spec.software_efficiency * interruptions
                parts = {"peak_tflops": tflops, "software_efficiency": spec.software_efficiency, "single_events": 1.0,
                         "interruptions": interruptions}
                if info["kind"] == "space":
                    st = cat.sites[info["site"]]
                    if terms.single_events:
                        avail = radiation.single_event_availability(
                            st.seu_dose_rad_per_yr.v, acc.sdc_per_krad.v, acc.crash_per_krad.v,
                            se.sdc_recovery_h.v, se.crash_recovery_h.v, spec.min_cluster_accelerators,
                            gcr_krad_per_yr(cat, info["site"]))
                        e *= avail
                        parts["single_events"] = avail
                if e > 0:
                    eff[(w, a, g)] = e
                    eff_parts[(w, a, g)] = parts
                    if covered:
                        coverage[a] = cat.sites[info["site"]].coverage_share_realtime.v
        for (a, key), d in designs.items():
            if a in eligible[w]:
                cluster_ok[(w, a, key)] = d.cluster_accelerators >= spec.min_cluster_accelerators

    # ---- ground
    ground, build_years, build_cum_cap, facility_share = {}, {}, {}, {}
    chip_vintages, chip_share, chip_mw, chip_lives = {}, {}, {}, {}
    for a, info in archs.items():
        if info["kind"] != "ground":
            continue
        reg = info["site"]
        gr = cat.ground_regions[reg]
        g_entry = ground[reg] = {
            "arch": a, "existing_mw": gr.existing_mw.v, "life_yr": gr.facility_life_yr.v, "rate": info["rate"],
            "refresh_yr": gr.accelerator_refresh_yr.v,
            "wear_out_per_yr": cat.accelerator_life.wear_out_failure_rate_per_yr.v,
            "wear_out_onset_yr": cat.accelerator_life.wear_out_onset_yr.v,
            "capex_musd_per_mw": 0.0 if "ground_facility" in excluded else gr.facility_capex_musd_per_mw.v,
            "opex_musd_per_mw_yr": 0.0 if "ground_opex" in excluded else
            gr.facility_opex_fraction_per_yr.v * gr.facility_capex_musd_per_mw.v,
            "lease_musd_per_mw_yr": 0.0 if "ground_lease" in excluded else gr.lease_musd_per_mw_yr.v,
            "embodied_t_per_mw": gr.facility_embodied_co2_t_per_mw.v,
            "chips": {}}
        start = max(first, int(gr.first_year.v))
        pipeline_from = start + math.ceil(gr.construction_yr.v)
        grid_from = start + math.ceil(gr.construction_yr.v + gr.queue_yr.v)
        build_years[reg] = [y for y in years if y >= pipeline_from]
        cum = gr.pipeline_mw.v
        for y in years:
            # the grid connects facility MW: the IT it carries is that / PUE (pipeline and existing MW are IT MW)
            cum += sum(gr.grid_mw_per_yr.at(t) for t in periods[y] if t >= grid_from) / gr.pue.v
            if y in build_years[reg]:
                build_cum_cap[(reg, y)] = cum
        for v in build_years[reg]:
            for y, sh in shares(v, gr.facility_life_yr.v).items():
                facility_share[(reg, v, y)] = sh
        energy_price = 0.0 if "ground_energy" in excluded else gr.energy_usd_per_kwh.v
        for g, (g_first, g_last) in built_years.items():
            acc = cat.accelerators[g]
            if s.design_space.accelerators is not None and g not in s.design_space.accelerators:
                continue
            vint = [y for y in years if y >= start and g_first <= y <= g_last]
            if not vint:
                continue
            chip_vintages[(reg, g)] = vint
            kw_per_acc = acc.power_w.v * (1 + host_fraction(cat, terms, ground=True)) / 1000.0
            chip_mw[(reg, g)] = kw_per_acc  # MW per k-acc = kW per accelerator
            mwh = emissions.facility_energy_mwh_per_yr(kw_per_acc, gr.utilisation.v, gr.pue.v)  # per k-acc
            g_entry["chips"][g] = {
                "energy_musd_per_kacc_yr": mwh * energy_price / 1000.0,
                "price_musd_per_kacc": 0.0 if "accelerators" in excluded else acc.price_usd.v / 1000.0,
                "replacement_price_musd_per_kacc": 0.0 if "ground_replacements" in excluded else
                acc.price_usd.v / 1000.0,
                "co2_t_per_kacc_yr": emissions.grid_co2_t(mwh, gr.grid_co2_kg_per_kwh.v),
                "water_m3_per_kacc_yr": emissions.site_water_m3(mwh / gr.pue.v, gr.water_l_per_kwh.v),
                "embodied_t_per_kacc": acc.embodied_co2_kg.v,  # 1000 accelerators x kg / 1000 kg per t
                "replacement_t_per_kacc": acc.embodied_co2_kg.v,  # per k-acc replaced
                "failure_rate": acc.annual_failure_rate.v,  # permanent loss, replaced (before wear-out)
            }
            life = cat.accelerator_life
            for v in vint:
                lives = chip_lives[(reg, g, v)] = chip_life_options(v, gr.accelerator_refresh_yr.v, life.life_min_yr.v,
                                                                    life.life_max_yr.v, last)
                for n in lives:
                    for y, sh in shares(v, n).items():
                        chip_share[(reg, g, v, n, y)] = sh

    # ---- unmet, budget, FLOP weights
    allowed_unmet = set(s.unmet.workloads or wl) if s.unmet.allowed else set()
    unmet_allowed = {w: w in allowed_unmet for w in wl}
    penalty = 0.0 if "unmet_penalty" in excluded else \
        s.unmet.penalty_usd_per_pflop_day * PFLOP_DAYS_PER_EFLOP_S_YR / 1e6
    budget = {}
    if s.trajectories.budget_musd_per_yr:
        budget = {y: sum(_table(s.trajectories.budget_musd_per_yr, t) for t in periods[y]) for y in years}

    coef = Coefficients(
        scenario=s, catalog=cat, years=years, period_years=periods, df=df, weight=weight, archs=archs,
        workloads=list(wl), demand=demand, designs=designs, dropped=dropped, unit_vintages=unit_vintages,
        unit_cap=unit_cap, unit_cap_serviced=unit_cap_serviced, unit_cost={}, serviced_cost={},
        unit_capex_undiscounted={}, spares_t=spares, unit_ub={}, routes=routes,
        arch_routes=arch_routes, trip_years=trip_years, trip_cost={}, trip_cost_undiscounted={},
        trip_parts=trip_parts, flight_price=flight_price, cadence=cadence,
        site_open=site_open, open_cost={}, open_opex={}, shells=shells, eff=eff, eligible=eligible,
        cluster_ok=cluster_ok, gbps_per_eflop=gbps_per_eflop, earth_users=earth_users, ground=ground,
        build_years=build_years, build_cum_cap=build_cum_cap, build_cost={},
        facility_share=facility_share, chip_vintages=chip_vintages, chip_cost={}, chip_share=chip_share,
        chip_mw=chip_mw, existing_cost=0.0, unmet_cost={}, unmet_penalty_musd=penalty,
        unmet_allowed=unmet_allowed, budget=budget, flop_weight=dict(weight), eff_parts=eff_parts,
        coverage=coverage, chip_lives=chip_lives, swaps=swaps,
        carbon_price=carbon_prices(s, first, last), carbon_cap=carbon_caps(s, periods), trip_co2_t=trip_co2)
    # objective coefficients: the present value of each decision's cash flows
    for (a, key), vint in unit_vintages.items():
        for v in vint:
            coef.unit_cost[(a, key, v)] = coef.pv(coef.unit_flows(a, key, v))
            coef.unit_capex_undiscounted[(a, key, v)] = sum(coef.unit_capex(a, key, v).values())
            if (a, key, v) in serviceable_units:
                coef.serviced_cost[(a, key, v)] = coef.pv(coef.serviced_flows(a, key, v))
    for (k, y), parts in trip_parts.items():
        coef.trip_cost_undiscounted[(k, y)] = sum(parts.values())
        coef.trip_cost[(k, y)] = coef.pv(coef.trip_flows(k, y))
    for site, e in site_open.items():
        for y in years:
            if y >= e["first_year"]:
                coef.open_cost[(site, y)] = coef.pv(coef.open_flows(site, y))
                coef.open_opex[(site, y)] = coef.pv(coef.opened_flows(site, y))
    for reg, ys in build_years.items():
        for v in ys:
            coef.build_cost[(reg, v)] = coef.pv(coef.build_flows(reg, v))
    for (reg, g, v), lives in chip_lives.items():
        for n in lives:
            coef.chip_cost[(reg, g, v, n)] = coef.pv(coef.chip_flows(reg, g, v, n))
    coef.existing_cost = coef.pv(coef.existing_flows())
    coef.unmet_cost = {(w, y): coef.pv(coef.unmet_flows(w, y)) for w in wl for y in years}
    coef.unit_ub = unit_bounds(coef)
    coef.learning = learning_streams(coef)
    return coef


def learning_streams(c: Coefficients) -> dict[str, LearningStream]:
    """The streams of learning on the programme's own volume the scenario switches on: per launch vehicle the
    model can fly (flight price and its insurance), per platform with units (bus and its integration, charged as
    capital like the unit's). Breakpoints at each doubling of experience up to the most the plan could buy."""
    s, cat = c.scenario, c.catalog
    on, pl = s.trajectories.programme_learning, cat.programme_learning
    excluded = set(s.terms.exclude_costs)
    out: dict[str, LearningStream] = {}

    def add(kind: str, name: str, prior: float, rate: float, most: float, price: dict[int, list]):
        if most <= 0 or rate <= 0 or not any(x for flows in price.values() for _, _, x in flows):
            return
        breaks = economics.learning_breakpoints(prior, most)
        out[f"{kind}:{name}"] = LearningStream(
            kind=kind, name=name, breaks=tuple(breaks),
            saving=tuple(economics.learning_saving(x, prior, rate) for x in breaks),
            price=price, price_pv={y: c.pv(flows) for y, flows in price.items()})

    if on.launch:
        for v in sorted({rt.vehicle for rt in c.routes.values()}):
            lv = cat.launch_vehicles[v]
            price = {}
            for y in c.years:
                if (v, y) not in c.flight_price:
                    continue
                p = 0.0 if "launch" in excluded else c.flight_price[(v, y)]
                ins = 0.0 if "insurance" in excluded else launch_risk(lv) * p
                price[y] = [(k, y, x) for k, x in (("launch", p), ("insurance", ins)) if x]
            most = sum(c.cadence.get((v, y), 0.0) for y in c.years) if s.terms.cadence else \
                sum(c.unit_ub.values()) + len(c.years)
            prior = pl.prior_flights[v].v if v in pl.prior_flights else 1.0
            add("launch", v, prior, pl.launch_learning_rate.v, most, price)
    if on.hardware:
        platforms = sorted({c.archs[a]["platform"] for (a, _) in c.designs})
        for p in platforms:
            pf = cat.platforms[p]
            bus = 0.0 if "bus" in excluded else pf.bus_cost_usd.v / 1e6
            integration = 0.0 if "integration" in excluded else pf.integration_cost_fraction.v * bus
            rate = max(c.archs[a]["rate"] for a in c.archs if c.archs[a]["platform"] == p)
            price = {y: c.capital_flows({"bus": bus, "integration": integration}, y, pf.design_life_yr.v, rate)
                     for y in c.years}
            most = 0.0
            for y in c.years:
                per_arch: dict[str, float] = {}
                for (a, key, v), ub in c.unit_ub.items():
                    if v == y and c.archs[a]["platform"] == p:
                        per_arch[a] = max(per_arch.get(a, 0.0), ub)
                most += sum(per_arch.values())
            prior = pl.prior_units[p].v if p in pl.prior_units else 1.0
            add("hardware", p, prior, pl.hardware_learning_rate.v, most, price)
    return out


def carbon_prices(s: Scenario, first: int, last: int) -> dict[int, float]:
    """Carbon price by calendar year ($/t); empty when there is none or the category is excluded."""
    if "carbon" in s.terms.exclude_costs:
        return {}
    prices = {t: s.carbon.price_at(t) for t in range(first, last + 1)}
    return prices if any(prices.values()) else {}


def carbon_caps(s: Scenario, periods: dict[int, list[int]]) -> dict[int, float]:
    """Emissions allowed per period (t CO2): the yearly cap summed over the period's years."""
    if s.carbon.cap_t_per_yr is None:
        return {}
    return {y: sum(s.carbon.cap_at(t) for t in ts) for y, ts in periods.items()}


def unit_bounds(c: Coefficients) -> dict[tuple[str, str, int], float]:
    """Upper bounds on units that no optimal plan exceeds: enough units of the vintage, at its largest capacity, to
    serve alone the peak-year demand of every workload it may run (each at its own rate: a real-time workload's
    coverage share counts) and to carry that demand's downlink, plus one; never more than the shell holds or the
    launch cadence lifts that year."""
    s = c.scenario
    theta = s.objective.theta_max if s.objective.mode == "ratio" else 1.0
    peak_kacc: dict[tuple[str, str], float] = {}  # (a, g) -> k-acc effective to serve the peak year's demand on g
    peak_gbps: dict[str, float] = {}  # a -> downlink the peak year's demand through a needs
    for a in c.archs:
        runs = [(w, g, c.rate_alone(w, a, g)) for (w, aa, g) in c.eff if aa == a]  # eff: eligible workloads only
        for g in {g for _, g, _ in runs}:
            peak_kacc[(a, g)] = theta * max(sum(c.demand[(w, y)] / e for w, gg, e in runs if gg == g)
                                            for y in c.years)
        if s.terms.bandwidth:
            users = {w for w, _, _ in runs if c.earth_users[w]}
            peak_gbps[a] = theta * max(sum(c.demand[(w, y)] * c.gbps_per_eflop[w] for w in users) for y in c.years)
    # (a, d, v) -> {generation: its largest capacity in a period} (two generations for a swap design)
    most_cap: dict[tuple[str, str, int], dict[str, float]] = defaultdict(dict)
    for caps in (c.unit_cap, c.unit_cap_serviced):
        for (a, key, v, y), x in caps.items():
            g = c.generation(a, key, v, y)
            most_cap[(a, key, v)][g] = max(most_cap[(a, key, v)].get(g, 0.0), x)
    out = {}
    for (a, key), d in c.designs.items():
        site = c.archs[a]["site"]
        links = peak_gbps.get(a, 0.0) / d.downlink_gbps if d.downlink_gbps > 0 else 0.0
        for v in c.unit_vintages[(a, key)]:
            ub = max([math.ceil(need / cap + links) + 1 for g, cap in most_cap.get((a, key, v), {}).items()
                      if cap > 0 and (need := peak_kacc.get((a, g), 0.0)) > 0], default=0)
            if site in c.shells:
                ub = min(ub, math.ceil(c.shells[site]))
            if c.scenario.terms.cadence and d.trip_mass_t > 0:  # the units the year's launch cadence can lift
                lift = sum(c.cadence.get((c.routes[k].vehicle, v), 0.0) / c.routes[k].flights_in(v)
                           / c.trip_share(a, key, k, v) for k in c.arch_routes.get(a, []) if (k, v) in c.trip_parts)
                ub = min(ub, math.floor(lift + 1e-9))
            out[(a, key, v)] = float(max(0, ub))
    return out
