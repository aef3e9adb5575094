"""Schemas of the catalog tables.

Every number is a :class:`Quantity`: a base value (a number, or a year table for trajectories) with
an optional low/high range, its unit, the id of its source (``sources.yaml``), a date and a confidence.
Each field declares the unit it expects; a catalog file in another unit is rejected, never converted.
"""

from __future__ import annotations

import bisect
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

Confidence = Literal["measured", "vendor", "published estimate", "our assumption"]
# Groups of catalog values that move together in the sensitivity analysis (planner/sensitivity.py): a value tagged
# with a group moves with it, to the end of its range that favours space (``space_end``) or the other one.
GROUPS: tuple[str, ...] = ("space_hardware", "launch", "ground_supply", "accelerators")
Group = Literal[GROUPS]  # type: ignore[valid-type]
CONFIDENCES: tuple[str, ...] = ("measured", "vendor", "published estimate", "our assumption")
Scalar = float | dict[int, float]


def table_at(table: dict[int, float], year: float) -> float:
    """Linear interpolation in a year table, flat beyond its ends."""
    years = sorted(table)
    if year <= years[0]:
        return float(table[years[0]])
    if year >= years[-1]:
        return float(table[years[-1]])
    i = bisect.bisect_right(years, year)
    y0, y1 = years[i - 1], years[i]
    w = (year - y0) / (y1 - y0)
    return float(table[y0] * (1 - w) + table[y1] * w)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Source(Strict):
    title: str
    publisher: str
    year: int | None = None
    url: str | None = None
    note: str | None = None


class Quantity(Strict):
    """One catalog number with its provenance."""

    value: Scalar
    low: Scalar | None = None
    high: Scalar | None = None
    unit: str
    source: str
    date: str | None = None
    confidence: Confidence
    note: str | None = None
    groups: list[Group] = []
    space_end: Literal["low", "high"] | None = None  # the end of the range that favours space over the ground

    @model_validator(mode="after")
    def _tables_not_empty(self):
        for which in ("value", "low", "high"):
            if getattr(self, which) == {}:
                raise ValueError(f"{which}: a year table needs at least one year")
        return self

    def pick(self, which: str = "value") -> Scalar:
        if which == "value":
            return self.value
        got = getattr(self, which)
        return self.value if got is None else got

    def at(self, year: float | None = None, which: str = "value") -> float:
        """The number (``which`` = value, low or high) in ``year`` (tables are interpolated)."""
        v = self.pick(which)
        if isinstance(v, dict):
            if year is None:
                raise ValueError("a year table needs a year")
            return table_at(v, year)
        return float(v)

    @property
    def v(self) -> float:
        """The base value of a scalar quantity (read some 50,000 times a scenario: no detour through ``at``)."""
        v = self.value
        return self.at() if isinstance(v, dict) else float(v)

    @property
    def is_assumption(self) -> bool:
        return self.confidence == "our assumption"

    @model_validator(mode="after")
    def _range_brackets_value(self):
        for which in ("low", "high"):
            other = getattr(self, which)
            if other is None:
                continue
            if isinstance(other, dict) != isinstance(self.value, dict):
                raise ValueError(f"{which} must have the same form (number or year table) as value")
        if isinstance(self.value, (int, float)) and self.low is not None and self.high is not None:
            if not (self.low <= self.value <= self.high):
                raise ValueError(f"low {self.low} <= value {self.value} <= high {self.high} does not hold")
        if self.groups and self.space_end is None:
            raise ValueError("a value tagged with groups needs space_end (low or high: the end that favours space)")
        if self.space_end is not None and not self.groups:
            raise ValueError("space_end is given but no groups: tag the value with the groups it moves with")
        if len(set(self.groups)) != len(self.groups):
            raise ValueError(f"groups {self.groups} name a group twice")
        return self


def _numbers(x: Scalar | None) -> list[float]:
    if x is None:
        return []
    return list(x.values()) if isinstance(x, dict) else [x]


def Q(unit: str, *, gt: float | None = None, ge: float | None = None,
      le: float | None = None, lt: float | None = None):
    """A Quantity field that must carry ``unit`` and whose numbers respect the bounds."""

    def check(q: Quantity) -> Quantity:
        if q.unit != unit:
            raise ValueError(f"unit is {q.unit!r}, expected {unit!r}")
        for which in ("value", "low", "high"):
            for x in _numbers(getattr(q, which)):
                if gt is not None and not x > gt:
                    raise ValueError(f"{which} {x} must be > {gt}")
                if ge is not None and not x >= ge:
                    raise ValueError(f"{which} {x} must be >= {ge}")
                if le is not None and not x <= le:
                    raise ValueError(f"{which} {x} must be <= {le}")
                if lt is not None and not x < lt:
                    raise ValueError(f"{which} {x} must be < {lt}")
        return q

    return Annotated[Quantity, AfterValidator(check), Field(json_schema_extra={"unit": unit})]


Year = Q("year", ge=1990, le=2200)
Fraction = Q("1", ge=0, le=1)
Positive = lambda unit: Q(unit, gt=0)  # noqa: E731
NonNeg = lambda unit: Q(unit, ge=0)  # noqa: E731


class Accelerator(Strict):
    label: str
    dense_bf16_tflops: Positive("TFLOP/s")
    dense_fp8_tflops: Positive("TFLOP/s")
    power_w: Positive("W")
    mass_kg_packaged: Positive("kg")
    enclosure_area_m2: Positive("m2")
    price_usd: Positive("USD")
    first_year: Year
    last_year: Year
    junction_max_k: Q("K", gt=250, lt=500)
    hbm_max_k: Q("K", gt=250, lt=500)
    tid_onset_krad: Positive("krad(Si)")
    tid_hard_krad: Positive("krad(Si)")
    degraded_capacity_fraction: Fraction
    annual_failure_rate: Fraction
    sdc_per_krad: NonNeg("1/krad(Si)")
    crash_per_krad: NonNeg("1/krad(Si)")
    embodied_co2_kg: NonNeg("kgCO2e")  # manufacturing emissions per accelerator, server share included

    @model_validator(mode="after")
    def _years(self):
        if self.last_year.v < self.first_year.v:
            raise ValueError("last_year is before first_year")
        if self.tid_hard_krad.v < self.tid_onset_krad.v:
            raise ValueError("tid_hard_krad is below tid_onset_krad")
        return self


class LaunchVehicle(Strict):
    label: str
    payload_leo_t: Positive("t")
    volume_m3: Positive("m3")
    price_musd_per_flight: Positive("MUSD")
    cadence_flights_per_yr: NonNeg("1/yr")
    first_year: Year
    refuelable: bool = False
    dry_mass_t: Positive("t") | None = None
    propellant_t: Positive("t") | None = None
    isp_s: Positive("s") | None = None
    failure_rate: Fraction
    insurance_fraction: Fraction
    co2_t_per_flight: NonNeg("t")
    expended_ship_cost_musd: NonNeg("MUSD") | None = None

    @model_validator(mode="after")
    def _refuel_needs_rocket(self):
        if self.refuelable and None in (self.dry_mass_t, self.propellant_t, self.isp_s):
            raise ValueError("a refuelable vehicle needs dry_mass_t, propellant_t and isp_s")
        return self


def _check_curve(table: BaseModel, x: str, y: str) -> None:
    """A curve given as two lists: as long as each other, its x increasing."""
    xs, ys = getattr(table, x), getattr(table, y)
    if len(xs) != len(ys):
        raise ValueError(f"{x} and {y} differ in length")
    if any(b <= a for a, b in zip(xs, xs[1:])):
        raise ValueError(f"{x} must increase")


class SourcedCurve(Strict):
    """A sourced table of points (the points are the subclass's fields)."""

    source: str
    confidence: Confidence
    note: str | None = None


class DoseTable(SourcedCurve):
    label: str
    shielding_mm_al: list[float] = Field(min_length=2)
    dose_rad_si_per_yr: list[float] = Field(min_length=2)

    @model_validator(mode="after")
    def _shape(self):
        _check_curve(self, "shielding_mm_al", "dose_rad_si_per_yr")
        if any(d <= 0 for d in self.dose_rad_si_per_yr):
            raise ValueError("doses must be > 0")
        return self


SiteKind = Literal["leo", "geo", "lagrange", "lunar_surface"]


class Site(Strict):
    label: str
    kind: SiteKind
    altitude_km: NonNeg("km") | None = None
    inclination_deg: Q("deg", ge=0, le=180) | None = None  # with altitude_km: eclipses from the year's beta angles
    node_from_sun_deg: Q("deg", ge=-180, le=180) | None = None  # sun-synchronous: node east of the sun (dawn-dusk 90)
    eclipse_fraction: Fraction | None = None  # shadowed share of the worst orbit or lunar day (sizes the array)
    longest_eclipse_h: NonNeg("h") | None = None  # the longest single eclipse (sizes the battery)
    eclipses_per_yr: NonNeg("1/yr") | None = None  # eclipses a year (the battery's cycles)
    solar_flux_w_m2: Positive("W/m2")
    array_degradation_per_yr: Q("1/yr", ge=0, lt=1)  # solar-array output lost per year at this site
    effective_sink_k: Q("K", ge=0, lt=400) | None = None
    planet_ir_w_m2: NonNeg("W/m2") | None = None
    albedo: Fraction | None = None
    planet_view_factor: Fraction | None = None
    sun_on_radiator_fraction: Fraction | None = None
    dose_table: str
    dose_margin: Q("1", ge=1)
    gcr_spe_rad_per_yr: NonNeg("rad(Si)/yr")
    seu_dose_rad_per_yr: NonNeg("rad(Si)/yr")  # the protons' (trapped or solar) single-event dose
    gcr_transmission: Fraction  # share of free space's galactic heavy ions that reach the site (field, planet)
    spe_exposure: Fraction  # share of free space's solar-particle-event protons that reach the site
    distance_to_earth_users_km: NonNeg("km")
    distance_to_moon_users_km: NonNeg("km")
    routing_ms: NonNeg("ms")
    coverage_share_realtime: Fraction
    atmospheric_density_kg_m3: NonNeg("kg/m3")
    disposal_dv_m_s: NonNeg("m/s")
    station_keeping_dv_m_s_per_yr: NonNeg("m/s/yr")
    shell_capacity_units: Positive("units") | None = None
    first_year: Year
    fixed_cost_musd: NonNeg("MUSD")
    fixed_opex_musd_per_yr: NonNeg("MUSD/yr")
    fixed_mass_t: NonNeg("t")
    fixed_life_yr: Positive("yr")
    dv_from_leo_km_s: NonNeg("km/s") | None = None
    return_dv_km_s: NonNeg("km/s") | None = None
    terminal_rate_factor: Q("1", gt=0, le=1)
    direct_payload_fraction: Fraction
    optical_stations_in_view: Q("stations", ge=1)  # ground sites (or mesh gateways) a unit can send to at once
    serviceable: bool = True

    @model_validator(mode="after")
    def _one_thermal_method(self):
        planet = [self.planet_ir_w_m2, self.albedo, self.planet_view_factor, self.sun_on_radiator_fraction]
        has_sink = self.effective_sink_k is not None
        has_planet = any(p is not None for p in planet)
        if has_sink == has_planet:
            raise ValueError(
                "give either effective_sink_k (planet IR and albedo included) or planet_ir_w_m2, albedo, "
                "planet_view_factor and sun_on_radiator_fraction (deep-space sink) - exactly one, never both")
        if has_planet and any(p is None for p in planet):
            raise ValueError("the deep-space sink method needs planet_ir_w_m2, albedo, planet_view_factor "
                             "and sun_on_radiator_fraction")
        typed = [self.eclipse_fraction, self.longest_eclipse_h, self.eclipses_per_yr]
        if all(x is None for x in typed) == (self.altitude_km is None or self.inclination_deg is None):
            raise ValueError("give eclipse_fraction, longest_eclipse_h and eclipses_per_yr, or altitude_km and "
                             "inclination_deg to derive them from the year's beta angles - one, never both")
        if any(x is None for x in typed) and not all(x is None for x in typed):
            raise ValueError("eclipse_fraction, longest_eclipse_h and eclipses_per_yr go together")
        return self


PlatformFamily = Literal["swarm", "module", "station"]


class Platform(Strict):
    label: str
    family: PlatformFamily
    sites: list[str] = Field(min_length=1)
    vehicles: list[str] = Field(min_length=1)
    whole_trip: bool
    power_source: Literal["solar", "fission"] = "solar"
    bus_mass_kg: NonNeg("kg")
    bus_power_w: NonNeg("W")
    bus_cost_usd: NonNeg("USD")
    max_mass_kg: Positive("kg") | None = None
    max_array_m2: Positive("m2")
    max_radiator_m2: Positive("m2")
    stowed_density_kg_m3: Positive("kg/m3")
    structure_margin: Q("1", ge=0, le=1)
    integration_cost_fraction: Q("1", ge=0, le=5)
    terminals_per_unit: NonNeg("terminals")
    design_life_yr: Positive("yr")
    lead_time_yr: NonNeg("yr")
    ops_cost_musd_per_unit_yr: NonNeg("MUSD/yr")
    formation_units_max: Positive("units")
    servicing_allowed: bool = False

    @model_validator(mode="after")
    def _caps(self):
        if not self.whole_trip and self.max_mass_kg is None:
            raise ValueError("a platform that shares trips needs max_mass_kg")
        return self


class SolarArray(Strict):
    cell_efficiency: Q("1", gt=0, le=1)
    fill_factor: Q("1", gt=0, le=1)
    specific_power_w_per_kg: Positive("W/kg")
    cost_usd_per_w: Positive("USD/W")
    recharge_efficiency: Q("1", gt=0, le=1)


class Radiator(Strict):
    emissivity_bol: Q("1", gt=0, le=1)
    absorptivity_bol: Q("1", ge=0, le=1)
    emissivity_loss_per_yr: Q("1/yr", ge=0, lt=1)
    absorptivity_rise_per_yr: Q("1/yr", ge=0, lt=1)
    sides: Q("1", ge=1, le=2)
    fin_efficiency: Q("1", gt=0, le=1)
    areal_mass_kg_per_m2: Positive("kg/m2")
    loop_mass_kg_per_kw: NonNeg("kg/kW")  # pumps, lines, manifolds, coolant, heat exchangers per kW rejected
    cost_usd_per_m2: Positive("USD/m2")
    cold_plate_drop_k: NonNeg("K")
    coolant_drop_k: NonNeg("K")
    fin_drop_k: NonNeg("K")


class CycleLife(SourcedCurve):
    """Cycles to end of life at each depth of discharge (depths increasing, cycles falling)."""

    depth_of_discharge: list[float] = Field(min_length=2)
    cycles: list[float] = Field(min_length=2)

    @model_validator(mode="after")
    def _shape(self):
        _check_curve(self, "depth_of_discharge", "cycles")
        if any(not 0 < d <= 1 for d in self.depth_of_discharge):
            raise ValueError("depths of discharge must be in (0, 1]")
        if any(b >= a for a, b in zip(self.cycles, self.cycles[1:])) or self.cycles[-1] <= 0:
            raise ValueError("cycles must fall as the depth grows, and stay > 0")
        return self


class Battery(Strict):
    specific_energy_wh_per_kg: Positive("Wh/kg")
    max_depth_of_discharge: Q("1", gt=0, le=1)  # deepest discharge allowed however few the cycles
    cycle_life: CycleLife
    cost_usd_per_kwh: Positive("USD/kWh")


class Shielding(Strict):
    density_kg_per_m2_mm: Positive("kg/m2/mm")
    cost_usd_per_kg: Positive("USD/kg")


class OpticalTerminal(Strict):
    mass_kg: Positive("kg")
    power_w: NonNeg("W")
    rate_gbps: Positive("Gbit/s")
    cost_usd: Positive("USD")  # at the cost trends' price year
    learning_rate: Q("1", ge=0, lt=1)  # price fall per doubling of the world's cumulative production
    world_units_cumulative: Positive("units")  # terminals built worldwide by each year (year table)


class HeatPump(Strict):
    carnot_fraction: Q("1", gt=0, le=1)
    mass_kg_per_kw_lifted: NonNeg("kg/kW")
    cost_usd_per_kw_lifted: NonNeg("USD/kW")


class FissionPower(Strict):
    specific_mass_kg_per_kwe: Positive("kg/kWe")
    cost_usd_per_kwe: Positive("USD/kWe")


class Propellant(Strict):
    isp_s: Positive("s")
    cost_usd_per_kg: NonNeg("USD/kg")
    drag_coefficient: Positive("1")
    ram_area_fraction: Fraction


class SpacePackaging(Strict):
    mass_kg_per_accelerator: NonNeg("kg")
    cost_usd_per_accelerator: NonNeg("USD")  # qualification and packaging added to the ground price


class CostTrends(Strict):
    price_year: Year  # the year the catalog's bus, terminal and operations prices hold
    bus_decline_per_yr: Q("1/yr", ge=0, lt=1)
    operations_decline_per_yr: Q("1/yr", ge=0, lt=1)


class Servicing(Strict):
    repair_fraction: Fraction
    cost_musd_per_unit_yr: NonNeg("MUSD/yr")
    spares_mass_factor: Q("1", ge=0)
    swap_cost_musd_per_unit: NonNeg("MUSD")


class AcceleratorFailures(Strict):
    interruption_availability: Fraction  # share of time a cluster computes between transient interruptions
    deployment_loss_fraction: Fraction  # share of accelerators lost at launch, deployment and burn-in


class GroundStations(Strict):
    clear_sky_probability: Fraction  # share of the time one optical ground site has a cloud-free line of sight
    rf_fallback_rate_share: Fraction  # the RF link's rate as a share of the optical rate, used when every site is cloudy


class SingleEvents(Strict):
    sdc_recovery_h: NonNeg("h")
    crash_recovery_h: NonNeg("h")
    # galactic heavy ions from the accelerators' proton test (Petersen's figure of merit)
    proton_stopping_power_mev_cm2_per_g: Positive("MeV cm2/g")  # of the test protons in silicon
    fom_per_proton_cross_section: Positive("1/cm2")  # heavy-ion figure of merit over the proton cross-section
    gcr_rate_coefficient_per_day: Positive("1/day")  # free-space events per day per unit of figure of merit


class SolarParticleEvents(Strict):
    """How often a solar particle event crosses a chip's degradation onset (shown, not priced)."""

    design_event_rate_per_yr: Positive("1/yr")  # events as large as the design event, in free space
    design_event_krad: Positive("krad(Si)")  # its dose behind design_event_shielding_mm of aluminium
    design_event_shielding_mm: Positive("mm")
    size_slope: Positive("1")  # events above a dose D: rate x (D / design dose)^-slope
    dose_table: str  # the dose table whose shape with depth an event follows


class Emissions(Strict):
    spacecraft_co2_kg_per_kg: NonNeg("kgCO2e/kg")  # manufacturing emissions per kg of spacecraft hardware


class Components(Strict):
    solar_array: SolarArray
    radiator: Radiator
    battery: Battery
    shielding: Shielding
    optical_terminal: OpticalTerminal
    heat_pump: HeatPump
    fission_power: FissionPower
    propellant: Propellant
    space_packaging: SpacePackaging
    servicing: Servicing
    single_events: SingleEvents
    solar_particle_events: SolarParticleEvents
    accelerator_failures: AcceleratorFailures
    cost_trends: CostTrends
    ground_stations: GroundStations
    emissions: Emissions


class GroundRegion(Strict):
    label: str
    facility_capex_musd_per_mw: NonNeg("MUSD/MW")
    lease_musd_per_mw_yr: NonNeg("MUSD/MW/yr")
    facility_life_yr: Positive("yr")
    facility_opex_fraction_per_yr: Q("1/yr", ge=0, le=1)
    construction_yr: NonNeg("yr")
    queue_yr: NonNeg("yr")
    grid_mw_per_yr: NonNeg("MW/yr")
    existing_mw: NonNeg("MW")
    pipeline_mw: NonNeg("MW")
    energy_usd_per_kwh: Positive("USD/kWh")
    pue: Q("1", ge=1, le=3)
    water_l_per_kwh: NonNeg("L/kWh")
    grid_co2_kg_per_kwh: NonNeg("kg/kWh")
    facility_embodied_co2_t_per_mw: NonNeg("tCO2e/MW")  # construction and M&E emissions per MW of IT capacity
    accelerator_refresh_yr: Positive("yr")
    # average power draw as a share of nameplate IT power: sets the energy bill (and grid CO2, site water) only; not
    # the waterfall's "capacity in use" (its factor id utilisation), which is capacity used over capacity built
    utilisation: Q("1", gt=0, le=1)
    routing_ms: NonNeg("ms")
    distance_to_users_km: NonNeg("km")
    first_year: Year


class HostOverhead(Strict):
    """What runs beside each accelerator (W per kW of accelerator power) and the power conversion: one basis for
    the ground and space (``planner.physics.power.host_power_fraction``)."""

    cpu_w_per_kw: NonNeg("W/kW")
    memory_w_per_kw: NonNeg("W/kW")
    network_w_per_kw: NonNeg("W/kW")
    other_w_per_kw: NonNeg("W/kW")
    conversion_efficiency: Q("1", gt=0, le=1)
    ground_cooling_fraction: Q("1", ge=0, le=1)  # in-server fans and rack pumps (facility cooling is in PUE)


class AcceleratorRoadmap(Strict):
    """Generations after the catalog's last projected one (``planner.catalog.load.extend_roadmap``)."""

    after: str
    until_year: Year
    generation_years: Q("yr", ge=1, le=20)
    flops_gain_per_generation: Q("1", gt=0, le=100)
    power_gain_per_generation: Q("1", gt=0, le=100)
    price_gain_per_generation: Q("1", gt=0, le=100)


class AcceleratorLife(Strict):
    """How long the plan may keep a vintage of ground accelerators, and how failures grow with age."""

    life_min_yr: Q("yr", ge=1, le=30)
    life_max_yr: Q("yr", ge=1, le=30)
    wear_out_onset_yr: NonNeg("yr")
    wear_out_failure_rate_per_yr: Q("1/yr2", ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self):
        if self.life_max_yr.v < self.life_min_yr.v:
            raise ValueError(f"life_max_yr {self.life_max_yr.v:g} is below life_min_yr {self.life_min_yr.v:g}")
        return self


class ProgrammeLearning(Strict):
    """Prices that fall with the plan's own cumulative volume (used when a scenario switches it on)."""

    launch_learning_rate: Q("1", ge=0, lt=0.5)
    hardware_learning_rate: Q("1", ge=0, lt=0.5)
    prior_flights: dict[str, Q("flights", gt=0)]  # per launch vehicle: its experience before the programme
    prior_units: dict[str, Q("units", gt=0)]  # per platform


GROUND_PLATFORM = "ground_campus"


class Catalog(Strict):
    """The whole catalog: one attribute per table."""

    sources: dict[str, Source]
    accelerators: dict[str, Accelerator]
    launch_vehicles: dict[str, LaunchVehicle]
    dose_tables: dict[str, DoseTable]
    sites: dict[str, Site]
    platforms: dict[str, Platform]
    components: Components
    ground_regions: dict[str, GroundRegion]
    host_overhead: HostOverhead
    accelerator_roadmap: AcceleratorRoadmap
    accelerator_life: AcceleratorLife
    programme_learning: ProgrammeLearning

    def architectures(self) -> dict[str, tuple[str, str, str]]:
        """Every valid architecture ``platform@site`` -> (platform, site, family); ground campuses included."""
        out = {}
        for pname, p in self.platforms.items():
            for site in p.sites:
                out[f"{pname}@{site}"] = (pname, site, p.family)
        for region in self.ground_regions:
            out[f"{GROUND_PLATFORM}@{region}"] = (GROUND_PLATFORM, region, "ground")
        return out

    def quantities(self) -> list[tuple[str, Quantity]]:
        """Every ``(dotted.path, Quantity)`` in the catalog."""
        out: list[tuple[str, Quantity]] = []

        def walk(prefix: str, obj: Any):
            if isinstance(obj, Quantity):
                out.append((prefix, obj))
            elif isinstance(obj, BaseModel):
                for name in type(obj).model_fields:
                    walk(f"{prefix}.{name}" if prefix else name, getattr(obj, name))
            elif isinstance(obj, dict):
                for k, v in obj.items():
                    walk(f"{prefix}.{k}" if prefix else str(k), v)

        for table in ("accelerators", "launch_vehicles", "sites", "platforms", "components", "ground_regions",
                      "host_overhead", "accelerator_roadmap", "accelerator_life", "programme_learning"):
            walk(table, getattr(self, table))
        return out
