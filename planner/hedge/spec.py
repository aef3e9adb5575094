"""Hedge specs (``data/hedges/*.yaml``): a base scenario, a commitment window and a scenario set.

    name: reference_worlds
    base: ../scenarios/reference.yaml          # the deterministic plan's scenario (and the horizon)
    overrides: ["unmet.allowed=true"]          # applied to the base and every scenario
    window: {first_year: 2027, last_year: 2028}  # build years of the first stage
    worlds:                                    # named worlds with probabilities (summing to 1) ...
      - {name: reference, file: ../scenarios/reference.yaml, probability: 0.4}
    random: {n: 20, method: lhs, seed: 7, parameters: catalog, correlations: [...]}   # ... or correlated draws
    expected_value: base | mean                # the deterministic plan: the base, or the draws' mean values
    risk: {level: 0.9, weight: 0.0, sweep: [0.25, 0.5]}   # CVaR of cost, and weights the report re-solves at
    out_of_sample: {n: 20, seed: 8}            # sampled sets: fresh draws the hedged first stage is judged on
    solver: {mip_gap: 1.0e-4, time_limit_s: 600, scenario_time_limit_s: 120, threads: 0}

The draws reuse the sweep specs' sampling (planner/batch/spec.py: Latin hypercube or Monte Carlo over the catalog
ranges, rank correlations by Iman-Conover).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from planner.batch.spec import RandomCases, SweepSpec, folder_name, generate_cases
from planner.errors import InputError, problem
from planner.hedge.solve import Risk, Scenario
from planner.scenario.load import ResolvedScenario, load_scenario
from planner.session import with_overrides
from planner.yamlio import allowed_fields, pydantic_problems, read_yaml

PROBABILITY_TOLERANCE = 1e-6


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Window(Strict):
    first_year: int
    last_year: int

    @model_validator(mode="after")
    def _ordered(self):
        if self.last_year < self.first_year:
            raise ValueError(f"last_year {self.last_year} is before first_year {self.first_year}")
        return self


class World(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", max_length=80)
    file: str
    probability: float = Field(gt=0, le=1)
    overrides: list[str] = []


class RiskSpec(Strict):
    level: float = Field(0.9, gt=0, lt=1)
    weight: float = Field(0.0, ge=0, le=1)
    sweep: list[float] = [0.25, 0.5]

    @field_validator("sweep")
    @classmethod
    def _weights(cls, ws: list[float]) -> list[float]:
        for w in ws:
            if not (math.isfinite(w) and 0 <= w <= 1):
                raise ValueError(f"every weight must be between 0 and 1, got {w}")
        return ws


class OutOfSample(Strict):
    n: int = Field(20, ge=2, le=10_000)
    seed: int = Field(1, ge=0)


class HedgeSolver(Strict):
    mip_gap: float = Field(1e-4, ge=0, le=1)
    time_limit_s: float = Field(600.0, gt=0)
    scenario_time_limit_s: float = Field(120.0, gt=0)
    threads: int = Field(0, ge=0, le=64)
    regret_max_scenarios: int = Field(12, ge=0, le=100)


class HedgeSpec(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", max_length=80)
    description: str = ""
    base: str
    overrides: list[str] = []
    window: Window
    worlds: list[World] | None = None
    random: RandomCases | None = None
    expected_value: Literal["base", "mean"] | None = None
    risk: RiskSpec = RiskSpec()
    out_of_sample: OutOfSample | None = None
    solver: HedgeSolver = HedgeSolver()

    @field_validator("name")
    @classmethod
    def _one_folder(cls, name: str) -> str:
        return folder_name(name, "hedge")

    @model_validator(mode="after")
    def _one_set(self):
        given = [k for k in ("worlds", "random") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one scenario set, worlds or random (got {given or 'none'})")
        if self.worlds is not None:
            if len(self.worlds) < 2:
                raise ValueError("worlds: a hedge needs at least two worlds")
            names = [w.name for w in self.worlds]
            if len(set(names)) != len(names):
                raise ValueError(f"worlds: names must differ (got {names})")
        if self.random is not None and self.random.n < 2:
            raise ValueError("random.n: a hedge needs at least two draws")
        if self.expected_value == "mean" and self.worlds is not None:
            raise ValueError("expected_value: 'mean' needs sampled draws (random); named worlds use 'base'")
        return self


class Problem:
    """A loaded spec: the scenarios, the deterministic plan's scenario, the window and the risk."""

    def __init__(self, spec: HedgeSpec, path: Path, scenarios: list[Scenario], ev: Scenario, notes: dict):
        self.spec, self.path, self.scenarios, self.ev, self.notes = spec, path, scenarios, ev, notes

    @property
    def window(self) -> tuple[int, int]:
        return (self.spec.window.first_year, self.spec.window.last_year)

    @property
    def risk(self) -> Risk:
        return Risk(level=self.spec.risk.level, weight=self.spec.risk.weight)

    @property
    def sampled(self) -> bool:
        return self.spec.random is not None


def load_spec(path: str | Path) -> tuple[HedgeSpec, Path]:
    path = Path(path)
    doc = read_yaml(path)
    if not isinstance(doc, dict):
        raise InputError(problem(str(path), "", "a hedge spec must be a mapping of fields"))
    try:
        spec = HedgeSpec.model_validate(doc)
    except ValidationError as exc:
        raise InputError(pydantic_problems(exc, str(path), lookup=allowed_fields(HedgeSpec))) from None
    if not (path.parent / spec.base).is_file():
        raise InputError(problem(str(path), "base", f"file not found: {spec.base}"))
    for i, w in enumerate(spec.worlds or []):
        if not (path.parent / w.file).is_file():
            raise InputError(problem(str(path), f"worlds.{i}.file", f"file not found: {w.file}"))
    if spec.worlds is not None:
        total = sum(w.probability for w in spec.worlds)
        if abs(total - 1.0) > PROBABILITY_TOLERANCE:
            raise InputError(problem(str(path), "worlds.probability", f"the probabilities sum to {total:.6g}, not 1"))
    return spec, path


def load_problem(path: str | Path) -> Problem:
    """Read a spec and resolve its scenarios (each a full scenario the model builder builds)."""
    spec, path = load_spec(path)
    where = str(path)
    base = load_scenario(path.parent / spec.base, list(spec.overrides))
    _check_window(spec, base, where)
    notes: dict[str, Any] = {}
    if spec.worlds is not None:
        scenarios = [Scenario(w.name, load_scenario(path.parent / w.file, list(spec.overrides) + list(w.overrides)),
                              w.probability) for w in spec.worlds]
        for s in scenarios:
            _check_window(spec, s.rs, where, f"worlds.{s.name}")
        ev = Scenario(f"{base.name} (base)", base, 1.0)
        notes["expected_value"] = "base"
    else:
        draws, notes = draw(spec, path, base, spec.random)
        p = 1.0 / len(draws)
        scenarios = [Scenario(f"draw_{i:03d}", with_overrides(base, d), p) for i, d in enumerate(draws)]
        if (spec.expected_value or "mean") == "mean":
            ev = Scenario("mean of the draws", with_overrides(base, mean_overrides(draws)), 1.0)
        else:
            ev = Scenario(f"{base.name} (base)", base, 1.0)
        notes["expected_value"] = spec.expected_value or "mean"
        notes["draws"] = draws
    return Problem(spec, path, scenarios, ev, notes)


def base_scenario(problem: Problem) -> ResolvedScenario:
    """The spec's base scenario with its overrides (the scenario the draws change)."""
    return load_scenario(problem.path.parent / problem.spec.base, list(problem.spec.overrides))


def draw(spec: HedgeSpec, path: Path, base: ResolvedScenario, block: RandomCases) -> tuple[list[dict], dict]:
    """``block.n`` correlated draws of the catalog ranges, by the sweep specs' own sampler."""
    sweep = SweepSpec(name=spec.name, base=spec.base, overrides=spec.overrides, random=block)
    cases, notes = generate_cases(sweep, path, base)
    return cases, {k: v for k, v in notes.items() if k != "quantiles"}


def mean_overrides(draws: list[dict]) -> dict[str, Any]:
    """Each drawn value's mean (year tables year by year; whole numbers stay whole): the expected-value scenario."""
    out: dict[str, Any] = {}
    n = len(draws)
    for key in draws[0]:
        vals = [d[key] for d in draws]
        if isinstance(vals[0], dict):
            out[key] = {y: sum(v[y] for v in vals) / n for y in vals[0]}
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
            out[key] = int(round(sum(vals) / n))
        elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
            out[key] = sum(vals) / n
        else:
            out[key] = vals[0]
    return out


def _check_window(spec: HedgeSpec, rs: ResolvedScenario, where: str, field: str = "window") -> None:
    h = rs.scenario.horizon
    w = spec.window
    if w.first_year < h.first_year or w.last_year > h.last_year:
        raise InputError(problem(where, "window" if field == "window" else field,
                                 f"the window {w.first_year}-{w.last_year} is outside the horizon "
                                 f"{h.first_year}-{h.last_year} of {rs.name}"))
    if w.last_year >= h.last_year:
        raise InputError(problem(where, "window", f"the window {w.first_year}-{w.last_year} leaves no year after it "
                                                  f"in the horizon {h.first_year}-{h.last_year}: nothing would be "
                                                  f"recourse"))
