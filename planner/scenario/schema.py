"""The scenario schema. Units are in field names; every number has bounds.

Demand is in EFLOP/s of dense FLOP at the workload's precision, sustained over the year (1 EFLOP/s for a
year = 3.156e25 FLOP). Money is in real USD of ``money.base_year``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from planner.catalog.schema import table_at

Family = Literal["swarm", "module", "station", "ground"]
FAMILIES: tuple[str, ...] = ("swarm", "module", "station", "ground")
Year = Annotated[int, Field(ge=1990, le=2200)]
# sizes of lists: far above any real scenario, low enough that a hostile file is answered at once
MAX_NAMES = 200  # architecture patterns, accelerators, vehicles (the catalog has about 40 architectures)
MAX_GRID = 50  # candidate radiator temperatures or shielding thicknesses (each multiplies the designs)
MAX_WORKLOADS = 1_000
NonNeg = Annotated[float, Field(ge=0)]
YearTable = dict[Year, NonNeg]

COST_CATEGORIES: tuple[str, ...] = (
    "accelerators", "bus", "arrays", "radiators", "batteries", "shielding", "terminals", "heat_pumps",
    "fission_power", "propellant", "integration", "launch", "insurance", "site_fixed", "site_opex", "operations",
    "servicing", "ground_facility", "ground_lease", "ground_opex", "ground_energy", "ground_replacements",
    "carbon", "unmet_penalty",
)
CostCategory = Literal[COST_CATEGORIES]  # type: ignore[valid-type]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)  # .inf, .nan, 1e999: "must be finite"


MULTI_YEAR_REFUSED = ("multi-year periods are not supported yet (a period's units, launches, site openings and ground "
                      "builds would all happen in its first year, at that year's prices: the reference has no plan "
                      "at 3-year steps); use 1")


def _table_years_ok(table: dict[int, float] | None, what: str):
    if table is not None and len(table) == 0:
        raise ValueError(f"{what} table is empty")


class Horizon(Strict):
    first_year: Year
    last_year: Year
    step_years: int = Field(1, ge=1, le=1)

    @field_validator("step_years", mode="before")
    @classmethod
    def _yearly(cls, v):
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 1:
            raise ValueError(MULTI_YEAR_REFUSED + f", got {v}")
        return v

    @model_validator(mode="after")
    def _order(self):
        if self.last_year < self.first_year:
            raise ValueError(f"last_year {self.last_year} is before first_year {self.first_year}")
        return self

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1, self.step_years))


class Money(Strict):
    base_year: Year
    discount_rate: float = Field(ge=0, le=0.5)
    risk_premium: dict[Family, Annotated[float, Field(ge=0, le=0.5)]] = {}
    capital_accounting: Literal["residual", "annuity"] = "residual"

    def rate(self, family: str) -> float:
        return self.discount_rate + self.risk_premium.get(family, 0.0)


class Objective(Strict):
    mode: Literal["demand", "ratio"] = "demand"
    theta_min: float = Field(0.5, gt=0, le=100)
    theta_max: float = Field(2.0, gt=0, le=100)
    dinkelbach_tolerance: float = Field(1e-4, gt=0, le=0.1)
    max_iterations: int = Field(25, ge=1, le=200)

    @model_validator(mode="after")
    def _theta(self):
        if self.theta_max < self.theta_min:
            raise ValueError(f"theta_max {self.theta_max} is below theta_min {self.theta_min}")
        return self


class DemandGrowth(Strict):
    start_year: Year
    start_eflop_per_s: NonNeg
    growth_per_yr: Annotated[float, Field(ge=-0.9, le=10)] | dict[Year, Annotated[float, Field(ge=-0.9, le=10)]]

    @field_validator("growth_per_yr")
    @classmethod
    def _nonempty(cls, v):
        _table_years_ok(v if isinstance(v, dict) else None, "growth_per_yr")
        return v

    def at(self, year: int) -> float:
        if year < self.start_year:
            return 0.0
        level = self.start_eflop_per_s
        for y in range(self.start_year + 1, year + 1):
            g = self.growth_per_yr
            level *= 1.0 + (table_at(g, y) if isinstance(g, dict) else g)
        return level


class Workload(Strict):
    label: str
    users: Literal["earth", "moon"] = "earth"
    latency_limit_ms: float = Field(gt=0, le=1e7)
    precision: Literal["bf16", "fp8"]
    bits_per_flop: float = Field(ge=0, le=1e-3)
    min_cluster_accelerators: int = Field(1, ge=1, le=10_000_000)
    needs_coverage: bool = False
    software_efficiency: float = Field(gt=0, le=1)
    demand_eflop_per_s: YearTable | None = None
    demand_it_mw: YearTable | None = None  # converted to EFLOP/s with the accelerator in use each year (units.py)
    growth: DemandGrowth | None = None
    source: str = "scenario assumption"

    @model_validator(mode="after")
    def _one_demand(self):
        given = [k for k in ("demand_eflop_per_s", "demand_it_mw", "growth") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give demand_eflop_per_s or demand_it_mw (a per-year table) or growth (a growth law), "
                             f"exactly one (got {', '.join(given) or 'none'})")
        _table_years_ok(self.demand_eflop_per_s, "demand_eflop_per_s")
        _table_years_ok(self.demand_it_mw, "demand_it_mw")
        return self

    def demand_at(self, year: int) -> float:
        """EFLOP/s demanded in ``year``: 0 before the table starts, linear between entries, flat after."""
        if self.growth is not None:
            return self.growth.at(year)
        table = self.demand_eflop_per_s
        if year < min(table):
            return 0.0
        return table_at(table, year)


class Architectures(Strict):
    allow: list[str] = Field(default_factory=lambda: ["*"], min_length=1, max_length=MAX_NAMES)
    deny: list[str] = Field([], max_length=MAX_NAMES)


class DesignSpace(Strict):
    radiator_temps_k: list[Annotated[float, Field(gt=150, lt=600)]] = Field(
        default_factory=lambda: [300.0, 320.0, 340.0, 360.0], min_length=1, max_length=MAX_GRID)
    shielding_mm_al: list[Annotated[float, Field(gt=0, le=100)]] = Field(
        default_factory=lambda: [1.0, 2.0, 5.0, 10.0, 20.0], min_length=1, max_length=MAX_GRID)
    servicing: bool = True
    accelerators: list[str] | None = Field(None, max_length=MAX_NAMES)  # catalog accelerators allowed (None: all)
    accelerators_per_unit: dict[str, Annotated[int, Field(ge=1, le=100_000_000)]] = {}  # platform -> fixed size
    eclipse_throttling: bool = True  # solar designs may also switch compute off in eclipse (the optimiser chooses)
    space_unit_lives_yr: list[Annotated[float, Field(gt=0, le=50)]] = Field(default_factory=list,
                                                                           max_length=MAX_GRID)  # keep or retire
    space_swap_ages_yr: list[Annotated[int, Field(ge=1, le=50)]] = Field(default_factory=list,
                                                                        max_length=MAX_GRID)  # on-orbit swap


class LearningCurve(Strict):
    vehicles: list[str] = Field(min_length=1, max_length=MAX_NAMES)
    learning_rate: float = Field(0.2, ge=0, lt=1)
    start_usd_per_kg: float = Field(gt=0)
    start_cumulative_t: float = Field(gt=0)
    world_cumulative_t: dict[Year, Annotated[float, Field(gt=0)]]


class GroundTrajectory(Strict):
    grid_mw_per_yr: NonNeg | YearTable | None = None
    queue_yr: float | None = Field(None, ge=0, le=20)
    construction_yr: float | None = Field(None, ge=0, le=10)


class AcceleratorYears(Strict):
    first_year: Year | None = None
    last_year: Year | None = None


class RoadmapKnob(Strict):
    """What the scenario does to the catalog's accelerator roadmap."""

    stall_after_year: int | None = Field(None, ge=1990, le=2200)  # no generation that appears after this year


class ProgrammeLearningSwitch(Strict):
    """Learning on the programme's own volume (catalog programme_learning): launch prices with its cumulative
    flights per vehicle, bus and integration prices with its cumulative units per platform. Off by default."""

    launch: bool = False
    hardware: bool = False


class Trajectories(Strict):
    launch_price_model: Literal["per_year", "learning_curve"] = "per_year"
    launch_price_musd_per_flight: dict[str, NonNeg | YearTable] = {}
    launch_price_usd_per_kg: dict[str, NonNeg | YearTable] = {}  # to LEO; converted with the vehicle's payload
    learning_curve: LearningCurve | None = None
    launch_price_factor: float = Field(1.0, gt=0, le=1000)
    cadence_flights_per_yr: dict[str, NonNeg | YearTable] = {}
    accelerator_years: dict[str, AcceleratorYears] = {}
    accelerator_roadmap: RoadmapKnob = RoadmapKnob()
    programme_learning: ProgrammeLearningSwitch = ProgrammeLearningSwitch()
    ground: dict[str, GroundTrajectory] = {}
    budget_musd_per_yr: YearTable | None = None

    @model_validator(mode="after")
    def _curve(self):
        if self.launch_price_model == "learning_curve" and self.learning_curve is None:
            raise ValueError("launch_price_model learning_curve needs a learning_curve block")
        both = sorted(set(self.launch_price_musd_per_flight) & set(self.launch_price_usd_per_kg))
        if both:
            raise ValueError(f"launch price of {', '.join(both)} given both per flight and per kg: give one")
        return self


class Unmet(Strict):
    allowed: bool = False
    penalty_usd_per_pflop_day: float = Field(1000.0, gt=0, le=1e9)
    workloads: list[str] | None = Field(None, max_length=MAX_WORKLOADS)


class Carbon(Strict):
    """A carbon price the plan pays (cost category ``carbon``) and an optional cap on its yearly emissions.

    Emissions are t CO2 (CO2e where the catalog's source gives it): launches, manufacturing of accelerators,
    spacecraft and ground facilities, and grid electricity. A number or a per-year table (linear between years).
    """

    price_usd_per_t: NonNeg | YearTable = 0.0
    cap_t_per_yr: NonNeg | YearTable | None = None

    @field_validator("price_usd_per_t", "cap_t_per_yr")
    @classmethod
    def _nonempty(cls, v):
        _table_years_ok(v if isinstance(v, dict) else None, "carbon")
        return v

    def price_at(self, year: int) -> float:
        p = self.price_usd_per_t
        return table_at(p, year) if isinstance(p, dict) else float(p)

    def cap_at(self, year: int) -> float | None:
        c = self.cap_t_per_yr
        if c is None:
            return None
        return table_at(c, year) if isinstance(c, dict) else float(c)


class Terms(Strict):
    """Switches for the published cases and what-ifs: leave out cost categories or physics terms."""

    exclude_costs: list[CostCategory] = Field([], max_length=len(COST_CATEGORIES))
    eclipse: bool = True
    array_degradation: bool = True
    coating_degradation: bool = True
    failures: bool = True
    total_dose: bool = True
    single_events: bool = True
    drag: bool = True
    unit_caps: bool = True
    coverage: bool = True
    bandwidth: bool = True
    shell_capacity: bool = True
    cadence: bool = True
    integer_trips: bool = True
    host_power: bool = True  # False: accelerators draw their own power only (no CPU, memory, network, conversion)
    subsystem_masses: bool = True  # False: a unit weighs its bus mass only (a published whole-spacecraft mass)


class SolverSettings(Strict):
    time_limit_s: float = Field(120.0, gt=0, le=1e6)
    mip_gap: float = Field(1e-3, ge=0, le=1)
    threads: int = Field(0, ge=0, le=256)
    seed: int = Field(0, ge=0, le=2**31 - 1)
    # the space decisions are resolved when the gap in dollars is at most this share of the plan's space scale
    # (planner/solver/resolution.py); resolve_space: false solves to mip_gap alone and only reports it
    space_resolution: float = Field(0.01, gt=0, le=1)
    resolve_space: bool = True


class Scenario(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", max_length=80)
    description: str = ""
    extends: str | None = None
    horizon: Horizon
    money: Money
    objective: Objective = Objective()
    workloads: dict[str, Workload] = Field(min_length=1, max_length=MAX_WORKLOADS)
    architectures: Architectures = Architectures()
    design_space: DesignSpace = DesignSpace()
    trajectories: Trajectories = Trajectories()
    unmet: Unmet = Unmet()
    carbon: Carbon = Carbon()
    terms: Terms = Terms()
    solver: SolverSettings = SolverSettings()
    catalog: dict[str, Any] = Field({}, max_length=5_000)  # a Monte Carlo draw overrides about 370
    # written by planner into scenario.resolved.yaml: loading it uses exactly these catalog entries
    resolved_catalog: dict[str, Any] | None = None
    catalog_overrides_from: dict[str, str] | None = None
    set_overrides: dict[str, Any] | None = None  # written by planner: the --set values of the run (path -> value)
    unit_conversions: list[str] | None = None  # written by planner: demand_it_mw and launch_price_usd_per_kg converted

    @model_validator(mode="after")
    def _years(self):
        if self.money.base_year > self.horizon.first_year:
            raise ValueError(f"money.base_year {self.money.base_year} is after horizon.first_year "
                             f"{self.horizon.first_year}")
        return self
