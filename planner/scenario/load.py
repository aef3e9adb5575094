"""Load a scenario: ``extends:`` chains, ``--set`` overrides, validation, resolution against the catalog.

Every problem becomes one ``file: field: reason`` line (an InputError, exit code 2). The resolved scenario
(every scenario field plus every catalog value it can use, with provenance) hashes to ``scenario_sha256``.
"""

from __future__ import annotations

import copy
import fnmatch
import hashlib
import json
import typing
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml
from pydantic import ValidationError

from planner.catalog.load import (DEFAULT_CATALOG_DIR, apply_overrides, extend_roadmap, read_raw_catalog,
                                  validate_catalog)
from planner.catalog.schema import Catalog, table_at
from planner.errors import InputError, clip, problem
from planner.scenario.provenance import copy_departures, set_departure
from planner.scenario.schema import Scenario
from planner.scenario.units import convert_demand, convert_launch_prices
from planner.yamlio import (allowed_fields, closest, dump_yaml, parse_yaml, pydantic_problems, read_yaml,
                            schema_type_at)

SET_ORIGIN = "--set"
MAX_EXTENDS = 20  # files in one ``extends:`` chain (the bundled scenarios use at most 2)
MAX_SET_DEPTH = 12  # parts of a --set path (the deepest real field, a catalog year table entry, has 6)


def parse_set(text: str) -> tuple[str, Any]:
    """``a.b.c=value`` -> ("a.b.c", parsed value); the value is read as YAML (numbers, lists, tables)."""
    if "=" not in text:
        raise InputError(problem(SET_ORIGIN, text, "expected path.to.field=value"))
    path, raw = text.split("=", 1)
    path = path.strip()
    if not path or any(not p for p in path.split(".")):
        raise InputError(problem(SET_ORIGIN, path or text, "empty field path"))
    if path.count(".") >= MAX_SET_DEPTH:
        raise InputError(problem(SET_ORIGIN, path, f"more than {MAX_SET_DEPTH} parts: no field is that deep"))
    try:
        value = parse_yaml(raw) if raw.strip() else ""
    except yaml.YAMLError:
        raise InputError(problem(SET_ORIGIN, path, f"cannot read value {clip(repr(raw))}")) from None
    return path, value


def _merge(base: dict, over: dict, origin: str, origins: dict[str, str], prefix: str = "") -> dict:
    """Deep-merge ``over`` into a copy of ``base``; record which file set each leaf."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if key == "catalog" and not prefix and isinstance(value, dict):
            below = out.get("catalog")
            merged = dict(below) if isinstance(below, dict) else {}
            for k, v in _flatten_catalog(value).items():
                merged[k] = v
                origins[f"catalog.{k}"] = origin
            out["catalog"] = merged
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value, origin, origins, path)
        else:
            had = isinstance(out.get(key), dict)  # only then can an earlier file have set something inside it
            out[key] = copy.deepcopy(value)
            for stale in [k for k in origins if k.startswith(path + ".")] if had else ():
                del origins[stale]  # replaced as a whole: nothing inside it comes from an earlier file
            origins[path] = origin
    return out


def _flatten_catalog(tree: dict, prefix: str = "") -> dict[str, Any]:
    """Catalog overrides may be nested or dotted; a mapping with ``value`` is one quantity."""
    out = {}
    for k, v in tree.items():
        path = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict) and "value" not in v and not all(isinstance(x, int) for x in v):
            out.update(_flatten_catalog(v, path))
        else:
            out[path] = v
    return out


def _read_chain(path: Path, origins: dict[str, str], seen: tuple[Path, ...] = ()) -> dict:
    """Read a scenario and the files it extends; files are named as the user gave them (parents relative)."""
    resolved = path.resolve()
    if resolved in [p for p, _ in seen]:
        chain = " -> ".join(Path(name).name for _, name in seen + ((resolved, str(path)),))
        raise InputError(problem(seen[-1][1], "extends", f"extends cycle: {chain}"))
    name = str(path)
    doc = read_yaml(path)
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise InputError(problem(name, "", "a scenario must be a mapping of fields"))
    parent_ref = doc.get("extends")
    base: dict = {}
    if parent_ref is not None:
        if not isinstance(parent_ref, str) or not parent_ref.strip():
            raise InputError(problem(name, "extends", "must be a file path"))
        if len(seen) + 1 >= MAX_EXTENDS:
            raise InputError(problem(name, "extends", f"a chain of more than {MAX_EXTENDS} files extending each "
                                                      f"other (from {seen[0][1] if seen else name})"))
        parent = path.parent / parent_ref
        try:
            is_file, exists = parent.is_file(), parent.exists()
        except (OSError, ValueError) as exc:  # a name too long, a NUL byte
            reason = getattr(exc, "strerror", None) or str(exc)
            raise InputError(problem(name, "extends", f"cannot read {clip(parent_ref)}: {reason}")) from None
        if not is_file:
            reason = "is not a file" if exists else "file not found"
            raise InputError(problem(name, "extends", f"{reason}: {parent_ref}"))
        base = _read_chain(parent, origins, seen + ((resolved, name),))
    mine = {k: v for k, v in doc.items() if k != "extends"}
    merged = _merge(base, mine, name, origins)
    merged["extends"] = parent_ref
    return merged


def _set_path(doc: dict, path: str, value: Any, origins: dict[str, str]) -> None:
    parts = path.split(".")
    if parts[0] == "extends":
        raise InputError(problem(SET_ORIGIN, path, "cannot be set from the command line: write a scenario file "
                                                   "that extends the other"))
    if parts[0] == "catalog":
        if len(parts) < 2:
            raise InputError(problem(SET_ORIGIN, path, "name a catalog value: catalog.<table>.<entry>.<field>"))
        if doc.get("catalog") is None:
            doc["catalog"] = {}
        if not isinstance(doc["catalog"], dict):
            raise InputError(problem(origins.get("catalog", SET_ORIGIN), "catalog",
                                     "must be a mapping of catalog paths to values"))
        doc["catalog"][".".join(parts[1:])] = value
        origins[path] = SET_ORIGIN
        return
    node = doc
    for i, p in enumerate(parts[:-1]):
        if not isinstance(node.get(p), dict):
            container = schema_type_at(Scenario, parts[:i])
            entry = schema_type_at(Scenario, parts[:i + 1])
            keyed = container is not None and typing.get_origin(container) is dict
            needs_all = hasattr(entry, "model_fields") and any(f.is_required() for f in entry.model_fields.values())
            if keyed and needs_all:
                raise InputError(problem(SET_ORIGIN, ".".join(parts[:i + 1]),
                                         f"no entry named {clip(repr(p))}{closest(p, node.keys())}"))
            node[p] = {}
        node = node[p]
    node[parts[-1]] = value
    origins[path] = SET_ORIGIN


def _origin_of(loc: str, origins: dict[str, str], default: str) -> str:
    """The file (or --set) that set the field at ``loc``; a --set inside it wins (it is the latest)."""
    return origin_finder(origins, default)(loc)


def origin_finder(origins: dict[str, str], default: str) -> Callable[[str], str]:
    """``_origin_of`` for many fields of the same origins: the dotted paths are indexed once (a Monte Carlo draw
    overrides about 370 catalog values, and scanning every origin for each took half of the scenario's loading)."""
    inside: dict[str, list[str]] = defaultdict(list)  # a path -> origins of the keys strictly inside it, in order
    holds_set: set[str] = set()  # paths that are, or hold, a --set key
    for key, origin in origins.items():
        parts = key.split(".")
        for i in range(1, len(parts)):
            inside[".".join(parts[:i])].append(origin)
        if origin == SET_ORIGIN:
            holds_set.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))

    def of(loc: str) -> str:
        if loc in holds_set:
            return SET_ORIGIN
        parts = loc.split(".")
        up = [".".join(parts[:i]) for i in range(len(parts), 0, -1)]  # loc, then the mappings that hold it
        within = inside.get(loc, [])
        # a file that changed part of a mapping an earlier file set whole is the later one: it wins too
        if within and any(k in origins for k in up):
            return default if default in within else within[-1]
        for key in up:
            if key in origins:
                return origins[key]
        # a field inside a mapping that one file set as a whole
        return within[0] if within else default

    return of


@dataclass
class ResolvedScenario:
    """A validated scenario with the catalog it resolves against."""

    scenario: Scenario
    catalog: Catalog
    path: str
    overrides: dict[str, Any] = field(default_factory=dict)
    resolved: dict = field(default_factory=dict)
    sha256: str = ""
    warnings: list[str] = field(default_factory=list)  # values that validate but are implausible, one line each

    @property
    def name(self) -> str:
        return self.scenario.name

    def resolved_yaml(self) -> str:
        return dump_yaml(self.resolved)


def load_scenario(path: str | Path, overrides: list[str] | dict[str, Any] | None = None,
                  catalog_dir: str | Path = DEFAULT_CATALOG_DIR) -> ResolvedScenario:
    """Read, merge, override, validate and resolve a scenario file."""
    path = Path(path)
    origins: dict[str, str] = {}
    doc = _read_chain(path, origins)
    sets = overrides.items() if isinstance(overrides, dict) else [parse_set(s) for s in (overrides or [])]
    sets = list(sets)
    for p, v in sets:
        _set_path(doc, p, v, origins)
    top = str(path)
    try:
        scenario = Scenario.model_validate(doc)
    except ValidationError as exc:
        lines = []
        origin_of = origin_finder(origins, top)  # once: 50,000 unknown keys made 50,000 indexes of 50,000 origins
        for line in pydantic_problems(exc, top, lookup=allowed_fields(Scenario)):
            _, loc, reason = line.split(": ", 2)
            if loc == "(top level)":
                # a check across fields (e.g. base_year vs first_year) names them in its reason
                named_by_set = any(o == SET_ORIGIN and k in reason for k, o in origins.items())
                lines.append(problem(SET_ORIGIN if named_by_set else top, "", reason))
            else:
                lines.append(problem(origin_of(loc), loc, reason))
        raise InputError(lines) from None
    catalog, used = _resolve_catalog(scenario, origins, top, catalog_dir)
    scenario, price_notes = convert_launch_prices(scenario, catalog, top)  # units users think in (units.py)
    if price_notes:  # the prices per flight are trajectories of the catalog: resolve again with them
        catalog, used = _resolve_catalog(scenario, origins, top, catalog_dir)
    scenario, demand_notes = convert_demand(scenario, catalog, top)
    _check_references(scenario, catalog, origins, top)
    resolved = _resolved_document(scenario, catalog, used)
    peaks = peak_demands(scenario)
    _check_magnitudes(scenario, resolved, peaks, origins, top)
    conversions = (scenario.unit_conversions or []) + price_notes + demand_notes
    if conversions:
        resolved["unit_conversions"] = conversions
    resolved["set_overrides"] = {**(scenario.set_overrides or {}), **{p: v for p, v in sets}}  # a re-run keeps them
    where_from = ("catalog_overrides_from", "set_overrides", "unit_conversions")  # hashed: values, not their origin
    hashed = {k: v for k, v in resolved.items() if k not in where_from}
    # a lone surrogate (a key written "\udc80" in YAML) is not UTF-8: hash it escaped
    digest = hashlib.sha256(json.dumps(hashed, sort_keys=True, default=str).encode("utf-8", "backslashreplace"))
    return ResolvedScenario(scenario=scenario, catalog=catalog, path=top, overrides=dict(sets),
                            resolved=resolved, sha256=digest.hexdigest(),
                            warnings=plausibility_warnings(scenario, peaks, origins, top))


def trajectory_overrides(scenario: Scenario) -> dict[str, tuple[str, Any]]:
    """Scenario trajectories as catalog overrides: catalog path -> (scenario field, value)."""
    t = scenario.trajectories
    out: dict[str, tuple[str, Any]] = {}
    for v, table in t.launch_price_musd_per_flight.items():
        out[f"launch_vehicles.{v}.price_musd_per_flight"] = (f"trajectories.launch_price_musd_per_flight.{v}", table)
    for v, table in t.cadence_flights_per_yr.items():
        out[f"launch_vehicles.{v}.cadence_flights_per_yr"] = (f"trajectories.cadence_flights_per_yr.{v}", table)
    for a, years in t.accelerator_years.items():
        for k in ("first_year", "last_year"):
            if getattr(years, k) is not None:
                out[f"accelerators.{a}.{k}"] = (f"trajectories.accelerator_years.{a}.{k}", getattr(years, k))
    for r, g in t.ground.items():
        for k in ("grid_mw_per_yr", "queue_yr", "construction_yr"):
            if getattr(g, k) is not None:
                out[f"ground_regions.{r}.{k}"] = (f"trajectories.ground.{r}.{k}", getattr(g, k))
    return out


def _resolve_catalog(scenario: Scenario, origins: dict[str, str], top: str,
                     catalog_dir: str | Path) -> tuple[Catalog, dict[str, str]]:
    raw, file_of_table = read_raw_catalog(catalog_dir)
    problems: list[str] = []
    by_path: dict[str, str] = {}
    origin_of = origin_finder(origins, top)
    # the roadmap's own values first: the generations it adds can then be named by trajectories and overrides
    for cat_path, value in scenario.catalog.items():
        if cat_path.startswith("accelerator_roadmap."):
            where = origin_of(f"catalog.{cat_path}")
            problems += apply_overrides(raw, {cat_path: value}, where)
            by_path[cat_path] = where
    extend_roadmap(raw)
    if scenario.resolved_catalog:  # a scenario.resolved.yaml: what differs from the shipped catalog is an override
        shipped = validate_catalog(copy.deepcopy(raw), file_of_table).model_dump(mode="json", exclude_none=True)
        values, where_set, copied = copy_departures(shipped, scenario.resolved_catalog,
                                                      scenario.catalog_overrides_from or {}, top)
        problems += copied
        for cat_path, value in values.items():
            if cat_path not in scenario.catalog:  # a catalog: entry of the file itself is applied below
                if not set_departure(raw, cat_path, value):
                    problems += apply_overrides(raw, {cat_path: value}, where_set[cat_path])
                by_path[cat_path] = where_set[cat_path]
        if problems:
            raise InputError(problems)
    # names used by trajectories must exist (reported against the trajectory field, not the catalog path)
    traj = trajectory_overrides(scenario)
    for cat_path, (field_path, _) in traj.items():
        table, entry = cat_path.split(".")[:2]
        if entry not in (raw.get(table) or {}):
            problems.append(problem(_origin_of(field_path, origins, top), ".".join(field_path.split(".")[:3]),
                                    f"no {table.rstrip('s').replace('_', ' ')} named {clip(repr(entry))}"
                                    f"{closest(entry, raw.get(table) or {})}"))
    if problems:
        raise InputError(sorted(set(problems)))
    declared = (scenario.catalog_overrides_from or {}) if scenario.resolved_catalog else {}
    for cat_path, value in scenario.catalog.items():
        if cat_path in by_path and cat_path.startswith("accelerator_roadmap."):
            continue
        where = declared.get(cat_path) or origin_of(f"catalog.{cat_path}")  # a resolved file keeps who set it
        problems += apply_overrides(raw, {cat_path: value}, where)
        by_path[cat_path] = where
    for cat_path, (field_path, value) in traj.items():
        where = origin_of(field_path)
        if cat_path in scenario.catalog:
            problems.append(problem(where, field_path, f"also set as catalog.{cat_path}: set it once"))
            continue
        if isinstance(value, dict):
            value = {int(k): v for k, v in value.items()}
        problems += apply_overrides(raw, {cat_path: value}, where)
        by_path[cat_path] = where
    if problems:
        raise InputError(problems)
    return validate_catalog(raw, file_of_table, by_path), by_path


def _check_references(s: Scenario, cat: Catalog, origins: dict[str, str], top: str) -> None:
    problems = []
    archs = cat.architectures()
    for key in ("allow", "deny"):
        for i, pattern in enumerate(getattr(s.architectures, key)):
            if not any(fnmatch.fnmatchcase(a, pattern) for a in archs):
                field_path = f"architectures.{key}"
                problems.append(problem(_origin_of(field_path, origins, top), f"{field_path}.{i}",
                                        f"{clip(repr(pattern))} matches no architecture{closest(pattern, archs)}"))
    if s.unmet.workloads:
        for w in s.unmet.workloads:
            if w not in s.workloads:
                problems.append(problem(_origin_of("unmet.workloads", origins, top), "unmet.workloads",
                                        f"no workload named {clip(repr(w))}{closest(w, s.workloads)}"))
    for key, names, table in (("design_space.accelerators", s.design_space.accelerators or [], cat.accelerators),
                              ("design_space.accelerators_per_unit", list(s.design_space.accelerators_per_unit),
                               cat.platforms)):
        for name in names:
            if name not in table:
                problems.append(problem(_origin_of(key, origins, top), key,
                                        f"no catalog entry named {clip(repr(name))}{closest(name, table)}"))
    if s.trajectories.learning_curve:
        for v in s.trajectories.learning_curve.vehicles:
            if v not in cat.launch_vehicles:
                fp = "trajectories.learning_curve.vehicles"
                problems.append(problem(_origin_of(fp, origins, top), fp,
                                        f"no launch vehicle named {clip(repr(v))}{closest(v, cat.launch_vehicles)}"))
    allowed_sites = {archs[a][1] for a in allowed_architectures(s, cat) if archs[a][2] != "ground"}
    for mm in s.design_space.shielding_mm_al:
        outside = []
        for site in sorted(allowed_sites):
            table = cat.dose_tables[cat.sites[site].dose_table]
            if not table.shielding_mm_al[0] <= mm <= table.shielding_mm_al[-1]:
                outside.append(f"{site} ({table.shielding_mm_al[0]:g}-{table.shielding_mm_al[-1]:g} mm)")
        if outside:
            fp = "design_space.shielding_mm_al"
            problems.append(problem(_origin_of(fp, origins, top), fp,
                                    f"{mm:g} mm is outside the dose tables of {', '.join(outside)}"))
    if problems:
        raise InputError(problems)


MAX_MAGNITUDE = 1e15  # the largest number in the shipped catalog is 1.5e8 (a station bus, USD)


def peak_demands(s: Scenario) -> dict[str, float]:
    """Each workload's largest yearly demand over the horizon, EFLOP/s (a growth law compounded once, not once a
    year: 300 workloads over 200 years would otherwise take seconds)."""
    years = range(s.horizon.first_year, s.horizon.last_year + 1)
    out = {}
    for name, w in s.workloads.items():
        g = w.growth
        if g is None:
            out[name] = max(w.demand_at(y) for y in years)
            continue
        level = g.start_eflop_per_s
        peak = level if years[0] <= g.start_year <= years[-1] else 0.0
        for y in range(g.start_year + 1, years[-1] + 1):
            rate = g.growth_per_yr
            level *= 1.0 + (table_at(rate, y) if isinstance(rate, dict) else rate)
            if y >= years[0]:
                peak = max(peak, level)
        out[name] = peak
    return out


def _check_magnitudes(s: Scenario, resolved: dict, peaks: dict[str, float], origins: dict[str, str],
                      top: str) -> None:
    """Every number the model computes with must be finite and far from overflow: a carbon price of 1e308 $/t, or a
    growth law compounding for 170 years, turns costs into inf and NaN. One line per field, naming it."""
    problems = []
    for path, x in _numbers(resolved):
        if abs(x) > MAX_MAGNITUDE:
            if path.startswith("resolved_catalog."):  # resolved_catalog.<table>.<entry>.<field>.value[.<year>]
                parts = path.split(".")[1:]
                cut = next((i for i, p in enumerate(parts) if p in ("value", "low", "high")), len(parts))
                path = "catalog." + ".".join(parts[:cut])
            problems.append(problem(_origin_of(path, origins, top), path,
                                    f"{x:g} is too large to compute with (at most {MAX_MAGNITUDE:g} in magnitude)"))
    for name, peak in peaks.items():
        w = s.workloads[name]
        if not peak <= MAX_MAGNITUDE:  # also NaN
            fp = f"workloads.{name}.growth" if w.growth is not None else f"workloads.{name}.demand_eflop_per_s"
            problems.append(problem(_origin_of(fp, origins, top), fp,
                                    f"the demand grows to {peak:g} EFLOP/s by {s.horizon.last_year}: too large to "
                                    f"compute with (at most {MAX_MAGNITUDE:g})"))
    if problems:
        raise InputError(list(dict.fromkeys(problems)))


def _numbers(tree: Any, prefix: str = ""):
    """(dotted path, number) for every number in a nested document (an iterative walk: no recursion limit)."""
    stack = [(prefix, tree)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            stack.extend((f"{path}.{k}" if path else str(k), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((f"{path}.{i}" if path else str(i), v) for i, v in enumerate(node))
        elif isinstance(node, (int, float)) and not isinstance(node, bool):
            yield path, node


# (low, high, what is typical): a value outside validates (a what-if may want it) but gets a one-line warning
_DEMAND_TYPICAL_EFLOP_S = 1e6  # the bundled scenarios peak at 45,000 EFLOP/s (a workload in 2045)
_YEARS_TYPICAL = (2020, 2100)


def plausibility_warnings(s: Scenario, peaks: dict[str, float], origins: dict[str, str], top: str) -> list[str]:
    """Values that validate but are implausible: one ``file: field: value ...; typical ...`` line each."""
    out = []

    def warn(fp: str, text: str) -> None:
        out.append(problem(_origin_of(fp, origins, top), fp, text))

    for key, year in (("horizon.first_year", s.horizon.first_year), ("horizon.last_year", s.horizon.last_year),
                      ("money.base_year", s.money.base_year)):
        if not _YEARS_TYPICAL[0] <= year <= _YEARS_TYPICAL[1]:
            warn(key, f"{year} is far outside the catalog's years (typical {_YEARS_TYPICAL[0]}-{_YEARS_TYPICAL[1]}): "
                      f"trajectories are flat beyond their last year")
    for name, w in s.workloads.items():
        lat = w.latency_limit_ms
        if lat < 1:
            warn(f"workloads.{name}.latency_limit_ms",
                 f"{lat:g} ms is below any network round trip (typical 1-10,000 ms; 100,000 or more for no limit)")
        elif 10_000 < lat < 100_000:
            warn(f"workloads.{name}.latency_limit_ms",
                 f"{lat:g} ms is unusual: typical limits are 1-10,000 ms for latency-bound work, or 100,000 ms "
                 f"or more for none (as the reference's training)")
        peak = peaks[name]
        if peak > _DEMAND_TYPICAL_EFLOP_S:
            fp = f"workloads.{name}.growth" if w.growth is not None else f"workloads.{name}.demand_eflop_per_s"
            warn(fp, f"demand reaches {peak:,.0f} EFLOP/s: typical up to {_DEMAND_TYPICAL_EFLOP_S:,.0f} (the bundled "
                     f"scenarios peak at 45,000)")
    return out


def allowed_architectures(s: Scenario, cat: Catalog) -> list[str]:
    """Architectures the scenario allows (allow patterns minus deny patterns), in catalog order."""
    out = []
    for a in cat.architectures():
        if any(fnmatch.fnmatchcase(a, p) for p in s.architectures.allow) and \
                not any(fnmatch.fnmatchcase(a, p) for p in s.architectures.deny):
            out.append(a)
    return out


def _resolved_document(s: Scenario, cat: Catalog, overridden: dict[str, str]) -> dict:
    """The scenario with every catalog value it can use, provenance included."""
    archs = cat.architectures()
    allowed = allowed_architectures(s, cat)
    platforms = sorted({archs[a][0] for a in allowed if archs[a][2] != "ground"})
    sites = sorted({archs[a][1] for a in allowed if archs[a][2] != "ground"})
    regions = sorted({archs[a][1] for a in allowed if archs[a][2] == "ground"})
    vehicles = sorted({v for p in platforms for v in cat.platforms[p].vehicles})
    used = {
        "accelerators": {k: v for k, v in cat.accelerators.items()},
        "launch_vehicles": {k: cat.launch_vehicles[k] for k in vehicles},
        "sites": {k: cat.sites[k] for k in sites},
        "dose_tables": {cat.sites[k].dose_table: cat.dose_tables[cat.sites[k].dose_table] for k in sites},
        "platforms": {k: cat.platforms[k] for k in platforms},
        "components": cat.components,
        "ground_regions": {k: cat.ground_regions[k] for k in regions},
    }
    dumped = {k: (v.model_dump(mode="json", exclude_none=True) if hasattr(v, "model_dump")
                  else {n: e.model_dump(mode="json", exclude_none=True) for n, e in v.items()})
              for k, v in used.items()}
    sources = _sources_in(dumped)
    dumped["sources"] = {k: cat.sources[k].model_dump(mode="json", exclude_none=True)
                         for k in sorted(sources) if k in cat.sources}
    doc = s.model_dump(mode="json", exclude={"extends", "resolved_catalog", "catalog_overrides_from", "set_overrides",
                                          "unit_conversions"})
    doc["resolved_catalog"] = dumped
    doc["catalog_overrides_from"] = {k: Path(v).name for k, v in sorted(overridden.items())}
    return doc


def _sources_in(tree: Any) -> set[str]:
    """Every ``source`` id named anywhere in a nested document."""
    if isinstance(tree, dict):
        found = {tree["source"]} if isinstance(tree.get("source"), str) else set()
        for v in tree.values():
            found |= _sources_in(v)
        return found
    if isinstance(tree, list):
        return set().union(*(_sources_in(v) for v in tree)) if tree else set()
    return set()
