"""Sweep specs: a base scenario and the cases to run, each case a set of ``path=value`` overrides.

Case generators: ``grid`` (cartesian product), ``oat`` (one at a time, catalog low and high), ``random`` (Monte
Carlo or Latin hypercube with named distributions and optional rank correlations), ``sobol`` (Saltelli samples
for SALib's Sobol indices) and ``csv`` (an explicit table of overrides). A catalog low/base/high range is not a
probability: every draw names the distribution it used (default: triangular on low, base, high).
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from scipy import stats
from scipy.stats import qmc

from planner.batch.sampling import iman_conover, rank_correlation_matrix
from planner.catalog.schema import Quantity
from planner.errors import InputError, problem
from planner.scenario.load import ResolvedScenario, load_scenario
from planner.yamlio import allowed_fields, parse_yaml, pydantic_problems, read_yaml

DistName = Literal["triangular", "uniform", "pert", "normal", "lognormal"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Distribution(Strict):
    """A distribution over a value's range; low/base/high default to the catalog's."""

    dist: DistName = "triangular"
    low: float | None = None
    base: float | None = None
    high: float | None = None


class GridCases(Strict):
    parameters: dict[str, list[Any]] = Field(min_length=1)


class OatCases(Strict):
    parameters: list[str] | Literal["catalog"] = "catalog"
    ends: list[Literal["low", "high"]] = ["low", "high"]


class RandomCases(Strict):
    n: int = Field(ge=1, le=1_000_000)
    method: Literal["lhs", "mc"] = "lhs"
    seed: int = Field(0, ge=0)
    parameters: dict[str, Distribution | None] | Literal["catalog"] = "catalog"
    correlations: list[tuple[str, str, Annotated[float, Field(ge=-0.99, le=0.99)]]] = []


class SobolCases(Strict):
    n: int = Field(ge=2, le=100_000)  # base sample; Saltelli gives n * (d + 2) cases
    seed: int = Field(0, ge=0)
    parameters: dict[str, Distribution | None] = Field(min_length=2)


class CsvCases(Strict):
    file: str


class SolverOptions(Strict):
    mip_gap: float = Field(0.01, ge=0, le=1)
    time_limit_s: float = Field(60.0, gt=0)
    threads: int = Field(1, ge=0, le=64)
    seed: int = Field(0, ge=0)
    resolve_space: bool = False  # true: each case also resolves its space decisions in dollars (slower)


def folder_name(name: str, what: str) -> str:
    """A spec's ``name`` names its output folder: not a path such as '.' or '..' (ValueError)."""
    if not name.strip("."):
        raise ValueError(f"{name!r} cannot name the {what}'s folder (it is not a folder name but a path)")
    return name


class SweepSpec(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", max_length=80)  # names the sweep's folder
    description: str = ""
    base: str
    overrides: list[str] = []
    kind: Literal["reoptimise", "evaluate"] = "reoptimise"
    plan: str | None = None  # run folder whose decisions an 'evaluate' sweep keeps
    regret: bool = True  # evaluate: also re-optimise each case to report the fixed plan's regret
    compare_ground: bool = True
    grid: GridCases | None = None
    oat: OatCases | None = None
    random: RandomCases | None = None
    sobol: SobolCases | None = None
    csv: CsvCases | None = None
    solver: SolverOptions = SolverOptions()

    @field_validator("name")
    @classmethod
    def _one_folder(cls, name: str) -> str:
        return folder_name(name, "sweep")

    @model_validator(mode="after")
    def _one_generator(self):
        given = [k for k in ("grid", "oat", "random", "sobol", "csv") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of grid, oat, random, sobol or csv (got {given or 'none'})")
        return self

    @property
    def generator(self) -> str:
        return next(k for k in ("grid", "oat", "random", "sobol", "csv") if getattr(self, k) is not None)


def load_spec(path: str | Path) -> tuple[SweepSpec, Path]:
    path = Path(path)
    doc = read_yaml(path)
    if not isinstance(doc, dict):
        raise InputError(problem(str(path), "", "a sweep spec must be a mapping of fields"))
    try:
        spec = SweepSpec.model_validate(doc)
    except ValidationError as exc:
        raise InputError(pydantic_problems(exc, str(path), lookup=allowed_fields(SweepSpec))) from None
    base = (path.parent / spec.base)
    if not base.is_file():
        raise InputError(problem(str(path), "base", f"file not found: {spec.base}"))
    return spec, path


def base_scenario(spec: SweepSpec, spec_path: Path, extra: list[str] | None = None) -> ResolvedScenario:
    return load_scenario(spec_path.parent / spec.base, list(spec.overrides) + list(extra or []))


def case_id(overrides: dict[str, Any]) -> str:
    """A stable id of a case: the hash of its overrides (so --resume recognises it)."""
    return hashlib.sha256(json.dumps(overrides, sort_keys=True, default=str).encode()).hexdigest()[:16]


# ------------------------------------------------------------------------------------------- ranges


def uncertain_values(rs: ResolvedScenario) -> list[str]:
    """Catalog paths with a low/high range among the entries the scenario can use, in catalog order."""
    used = rs.resolved["resolved_catalog"]
    out = []
    for path, q in rs.catalog.quantities():
        table, entry = path.split(".")[:2]
        in_use = entry in used.get(table, {}) if table != "components" else True
        if in_use and (q.low is not None or q.high is not None):
            out.append(path)
    return out


def _quantity(rs: ResolvedScenario, path: str, where: str) -> Quantity:
    q = dict(rs.catalog.quantities()).get(path.removeprefix("catalog."))
    if q is None:
        raise InputError(problem(where, path, "not a catalog value of this scenario"))
    return q


def _ppf(d: Distribution, q: np.ndarray, low: float, base: float, high: float) -> np.ndarray:
    """Inverse CDF of the named distribution on [low, high] with mode/centre ``base``."""
    if high <= low:
        return np.full_like(q, base, dtype=float)
    if d.dist == "uniform":
        return low + q * (high - low)
    if d.dist == "triangular":
        c = min(1.0, max(0.0, (base - low) / (high - low)))
        return stats.triang.ppf(q, c, loc=low, scale=high - low)
    if d.dist == "pert":
        a = 1 + 4 * (base - low) / (high - low)
        b = 1 + 4 * (high - base) / (high - low)
        return low + stats.beta.ppf(q, a, b) * (high - low)
    if d.dist == "normal":  # low/high read as the 5th and 95th percentiles, clipped to them
        sd = (high - low) / (2 * 1.6449)
        return np.clip(stats.norm.ppf(q, loc=base, scale=sd), low, high)
    if d.dist == "lognormal":
        if low <= 0:
            raise ValueError("lognormal needs a positive range")
        mu, sd = math.log(base), (math.log(high) - math.log(low)) / (2 * 1.6449)
        return np.clip(np.exp(stats.norm.ppf(q, loc=mu, scale=sd)), low, high)
    raise ValueError(d.dist)


WHOLE_UNITS = {"year", "units", "terminals"}


def draw_values(q: Quantity, d: Distribution, u: np.ndarray) -> list[Any]:
    """Values (numbers, or year tables drawn at the same quantile every year) for uniform quantiles ``u``; a
    calendar year or a count is drawn as a whole number."""
    if isinstance(q.value, dict):
        years = sorted(q.value)
        per_year = {y: _ppf(d, u, q.at(y, "low"), q.at(y), q.at(y, "high")) for y in years}
        return [{y: float(per_year[y][i]) for y in years} for i in range(len(u))]
    low = d.low if d.low is not None else q.at(None, "low")
    high = d.high if d.high is not None else q.at(None, "high")
    base = d.base if d.base is not None else q.v
    if q.unit in WHOLE_UNITS:  # calendar years and counts stay whole numbers
        return [int(round(x)) for x in _ppf(d, u, low, base, high)]
    return [float(x) for x in _ppf(d, u, low, base, high)]


def _correlated_uniforms(n: int, names: list[str], correlations, method: str, seed: int) -> np.ndarray:
    """n x d uniforms: Latin hypercube or plain Monte Carlo, reordered (Iman-Conover) for rank correlations."""
    d = len(names)
    rng = np.random.default_rng(seed)
    u = qmc.LatinHypercube(d=d, seed=rng).random(n) if method == "lhs" else rng.random((n, d))
    if not correlations:
        return u
    pairs = [(a.removeprefix("catalog."), b.removeprefix("catalog."), rho) for a, b, rho in correlations]
    return iman_conover(u, rank_correlation_matrix(names, pairs), rng)


def _check_correlations(correlations, names: list[str], where: str) -> None:
    """Each correlation pairs two values that are drawn, and together they form a valid correlation matrix."""
    if not correlations:
        return
    drawn = set(names)
    for i, (a, b, _) in enumerate(correlations):
        for name in (a, b):
            if name not in drawn:
                raise InputError(problem(where, f"random.correlations.{i}",
                                         f"{name!r} is not among the values drawn (the scenario does not use it, or "
                                         f"it has no range)"))
    corr = np.eye(len(names))
    idx = {p: i for i, p in enumerate(names)}
    for a, b, rho in correlations:
        corr[idx[a], idx[b]] = corr[idx[b], idx[a]] = rho
    if not np.all(np.isfinite(corr)) or np.linalg.eigvalsh(corr).min() <= 0:
        raise InputError(problem(where, "random.correlations", "not a valid correlation matrix (it must be positive "
                                                               "definite: no set of values can be correlated so)"))


def generate_cases(spec: SweepSpec, spec_path: Path, rs: ResolvedScenario) -> tuple[list[dict[str, Any]], dict]:
    """The cases of a sweep as override dicts, and notes on how they were drawn."""
    where = str(spec_path)
    gen = spec.generator
    notes: dict[str, Any] = {"generator": gen}
    if gen == "grid":
        names = list(spec.grid.parameters)
        cases = [dict(zip(names, combo)) for combo in _product([spec.grid.parameters[n] for n in names])]
    elif gen == "oat":
        paths = uncertain_values(rs) if spec.oat.parameters == "catalog" else \
            [p.removeprefix("catalog.") for p in spec.oat.parameters]
        cases = [{}]
        for p in paths:
            q = _quantity(rs, p, where)
            for end in spec.oat.ends:
                if q.pick(end) != q.value:
                    cases.append({f"catalog.{p}": q.pick(end)})
        notes["parameters"] = paths
    elif gen in ("random", "sobol"):
        block = getattr(spec, gen)
        params = block.parameters
        if params == "catalog":
            params = {p: None for p in uncertain_values(rs)}
        names = [p.removeprefix("catalog.") for p in params]
        dists = {n: (params.get(n) or params.get(f"catalog.{n}") or Distribution()) for n in names}
        quantities = {n: _quantity(rs, n, where) for n in names}
        notes["distributions"] = {n: dists[n].model_dump(exclude_none=True) for n in names}
        if gen == "random":
            _check_correlations(block.correlations, names, where)
            try:
                u = _correlated_uniforms(block.n, names, block.correlations, block.method, block.seed)
            except ValueError as exc:
                raise InputError(problem(where, "random.correlations", str(exc))) from None
            notes["method"] = block.method
        else:
            from SALib.sample import sobol as sobol_sample

            problem_ = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
            u = sobol_sample.sample(problem_, block.n, calc_second_order=False, seed=block.seed)
            u = np.clip(u, 1e-9, 1 - 1e-9)
            notes["salib_problem"] = problem_
        columns = {n: draw_values(quantities[n], dists[n], u[:, j]) for j, n in enumerate(names)}
        cases = [{f"catalog.{n}": columns[n][i] for n in names} for i in range(len(u))]
        notes["quantiles"] = u.tolist() if gen == "sobol" else None
    else:
        file = spec_path.parent / spec.csv.file
        frame = _read_cases_csv(file, where, spec.csv.file)
        cases = [{k: _cell(v) for k, v in row.items() if not (isinstance(v, float) and math.isnan(v))}
                 for row in frame.to_dict(orient="records")]
    return cases, notes


def _read_cases_csv(file: Path, where: str, given: str) -> pd.DataFrame:
    """The CSV of a spec's cases: a regular UTF-8 file of at most 50 MB that pandas reads as a table, or one line."""
    import io

    from planner.yamlio import read_text_file

    try:
        text = read_text_file(file, max_bytes=50_000_000)
    except InputError as exc:
        raise InputError(problem(where, "csv.file", f"{exc.problems[0].split(': ', 2)[-1]}: {given}")) from None
    try:
        return pd.read_csv(io.StringIO(text))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise InputError(problem(where, "csv.file", f"{given}: not a CSV table of overrides ({first})")) from None


def _cell(v):
    if isinstance(v, str):
        import yaml
        try:
            return parse_yaml(v)
        except yaml.YAMLError:
            return v
    return v.item() if hasattr(v, "item") else v


def _product(lists):
    if not lists:
        yield ()
        return
    for x in lists[0]:
        for rest in _product(lists[1:]):
            yield (x,) + rest
