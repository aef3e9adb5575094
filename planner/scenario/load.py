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

from planner.catalog.load import DEFAULT_CATALOG_DIR, apply_overrides, read_raw_catalog, validate_catalog
from planner.catalog.schema import Catalog
from planner.errors import InputError, problem
from planner.scenario.schema import Scenario
from planner.yamlio import allowed_fields, closest, dump_yaml, pydantic_problems, read_yaml, schema_type_at

SET_ORIGIN = "--set"


def parse_set(text: str) -> tuple[str, Any]:
    """``a.b.c=value`` -> ("a.b.c", parsed value); the value is read as YAML (numbers, lists, tables)."""
    if "=" not in text:
        raise InputError(problem(SET_ORIGIN, text, "expected path.to.field=value"))
    path, raw = text.split("=", 1)
    path = path.strip()
    if not path or any(not p for p in path.split(".")):
        raise InputError(problem(SET_ORIGIN, path or text, "empty field path"))
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        raise InputError(problem(SET_ORIGIN, path, f"cannot read value {raw!r}")) from None
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
            out[key] = copy.deepcopy(value)
            for stale in [k for k in origins if k.startswith(path + ".")]:
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
        parent = path.parent / parent_ref
        if not parent.is_file():
            reason = "is not a file" if parent.exists() else "file not found"
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
                                         f"no entry named {p!r}{closest(p, node.keys())}"))
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
        for line in pydantic_problems(exc, top, lookup=allowed_fields(Scenario)):
            _, loc, reason = line.split(": ", 2)
            if loc == "(top level)":
                # a check across fields (e.g. base_year vs first_year) names them in its reason
                named_by_set = any(o == SET_ORIGIN and k in reason for k, o in origins.items())
                lines.append(problem(SET_ORIGIN if named_by_set else top, "", reason))
            else:
                lines.append(problem(_origin_of(loc, origins, top), loc, reason))
        raise InputError(lines) from None
    catalog, used = _resolve_catalog(scenario, origins, top, catalog_dir)
    _check_references(scenario, catalog, origins, top)
    resolved = _resolved_document(scenario, catalog, used)
    hashed = {k: v for k, v in resolved.items() if k != "catalog_overrides_from"}  # values, not where they came from
    digest = hashlib.sha256(json.dumps(hashed, sort_keys=True, default=str).encode()).hexdigest()
    return ResolvedScenario(scenario=scenario, catalog=catalog, path=top, overrides=dict(sets),
                            resolved=resolved, sha256=digest)


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
    if scenario.resolved_catalog:  # a scenario.resolved.yaml: its own copy of every catalog entry it used
        for table, entries in scenario.resolved_catalog.items():
            if table == "components":
                raw[table] = {**(raw.get(table) or {}), **entries}
            elif isinstance(entries, dict):
                raw.setdefault(table, {}).update(entries)
            file_of_table.setdefault(table, top)
    problems: list[str] = []
    by_path: dict[str, str] = {}
    # names used by trajectories must exist (reported against the trajectory field, not the catalog path)
    traj = trajectory_overrides(scenario)
    for cat_path, (field_path, _) in traj.items():
        table, entry = cat_path.split(".")[:2]
        if entry not in (raw.get(table) or {}):
            problems.append(problem(_origin_of(field_path, origins, top), ".".join(field_path.split(".")[:3]),
                                    f"no {table.rstrip('s').replace('_', ' ')} named {entry!r}"
                                    f"{closest(entry, raw.get(table) or {})}"))
    if problems:
        raise InputError(sorted(set(problems)))
    origin_of = origin_finder(origins, top)
    for cat_path, value in scenario.catalog.items():
        where = origin_of(f"catalog.{cat_path}")
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
                                        f"{pattern!r} matches no architecture{closest(pattern, archs)}"))
    if s.unmet.workloads:
        for w in s.unmet.workloads:
            if w not in s.workloads:
                problems.append(problem(_origin_of("unmet.workloads", origins, top), "unmet.workloads",
                                        f"no workload named {w!r}{closest(w, s.workloads)}"))
    for key, names, table in (("design_space.accelerators", s.design_space.accelerators or [], cat.accelerators),
                              ("design_space.accelerators_per_unit", list(s.design_space.accelerators_per_unit),
                               cat.platforms)):
        for name in names:
            if name not in table:
                problems.append(problem(_origin_of(key, origins, top), key,
                                        f"no catalog entry named {name!r}{closest(name, table)}"))
    if s.trajectories.learning_curve:
        for v in s.trajectories.learning_curve.vehicles:
            if v not in cat.launch_vehicles:
                fp = "trajectories.learning_curve.vehicles"
                problems.append(problem(_origin_of(fp, origins, top), fp,
                                        f"no launch vehicle named {v!r}{closest(v, cat.launch_vehicles)}"))
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
    doc = s.model_dump(mode="json", exclude={"extends", "resolved_catalog", "catalog_overrides_from"})
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
