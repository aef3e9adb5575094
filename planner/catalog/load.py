"""Load the catalog from ``data/catalog/*.yaml``, apply overrides by name, check cross-references."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from planner.catalog.schema import Catalog
from planner.errors import InputError, clip, problem
from planner.yamlio import allowed_fields, closest, pydantic_problems, read_yaml

DEFAULT_CATALOG_DIR = Path(__file__).resolve().parents[2] / "data" / "catalog"
OVERRIDE_SOURCE = "scenario_override"
RANGE_WORDS = ("low", "value", "high")


def read_raw_catalog(directory: str | Path = DEFAULT_CATALOG_DIR) -> tuple[dict, dict[str, str]]:
    """Merge every YAML file of the catalog folder; return the raw tables and table -> file."""
    directory = Path(directory)
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise InputError(problem(str(directory), "", "no catalog files (*.yaml) found"))
    raw: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for f in files:
        doc = read_yaml(f)
        if not isinstance(doc, dict):
            raise InputError(problem(str(f), "", "a catalog file must be a mapping of tables"))
        for table, body in doc.items():
            if table in raw:
                raise InputError(problem(str(f), table, f"table also defined in {origin[table]}"))
            raw[table] = body
            origin[table] = str(f)
    return raw, origin


def _is_quantity(node: Any) -> bool:
    return isinstance(node, dict) and "value" in node and "unit" in node


def apply_overrides(raw: dict, overrides: dict[str, Any], where: str) -> list[str]:
    """Set catalog values by dotted path in place; return problems (unknown paths, bad values).

    A bare number or year table replaces a quantity's value (recorded as a scenario override, our
    assumption); the words ``low``/``high``/``value`` pick that end of the catalog's own range and keep
    its provenance; a mapping with ``value`` and ``unit`` replaces the whole quantity.
    """
    problems = []
    for path, new in overrides.items():
        parts = str(path).split(".")
        node = raw
        ok = True
        for i, part in enumerate(parts[:-1]):
            if not isinstance(node, dict) or part not in node:
                options = node.keys() if isinstance(node, dict) else []
                entry = clip(repr(".".join(parts[:i + 1])))
                problems.append(problem(where, f"catalog.{path}", f"no catalog entry {entry}{closest(part, options)}"))
                ok = False
                break
            node = node[part]
        if not ok:
            continue
        last = parts[-1]
        if not isinstance(node, dict) or last not in node:
            options = node.keys() if isinstance(node, dict) else []
            problems.append(problem(where, f"catalog.{path}",
                                    f"no catalog value {clip(repr(last))}{closest(last, options)}"))
            continue
        target = node[last]
        if _is_quantity(target):
            node[last] = _override_quantity(target, new, where, f"catalog.{path}", problems)
        elif isinstance(target, (dict, list)) and not isinstance(new, type(target)):
            problems.append(problem(where, f"catalog.{path}", f"expected a {type(target).__name__}"))
        else:
            node[last] = new
    return problems


def _override_quantity(q: dict, new: Any, where: str, field: str, problems: list[str]) -> dict:
    q = dict(q)  # only its own keys change (the raw catalog is a fresh copy per load)
    if isinstance(new, str) and new in RANGE_WORDS and str(q.get("note", "")).startswith(f"{new} end of"):
        return q  # already picked (re-loading a resolved scenario)
    if not isinstance(new, (str, bool)) and new == q.get("value") and q.get("source") == OVERRIDE_SOURCE:
        return q  # already set (re-loading a resolved scenario)
    if isinstance(new, str) and new in RANGE_WORDS:
        q["value"] = q.get(new, q["value"]) if q.get(new) is not None else q["value"]
        q.pop("low", None)
        q.pop("high", None)
        q["note"] = f"{new} end of the catalog range" + (f"; {q['note']}" if q.get("note") else "")
        return q
    if _is_quantity(new):
        return new
    if isinstance(new, bool) or not isinstance(new, (int, float, dict)):
        problems.append(problem(where, field, f"expected a number, a year table or one of {RANGE_WORDS}, "
                                              f"got {clip(repr(new))}"))
        return q
    q["value"] = new
    lo, hi = q.get("low"), q.get("high")
    brackets = isinstance(new, (int, float)) and isinstance(lo, (int, float)) and isinstance(hi, (int, float)) \
        and lo <= new <= hi
    if not brackets:  # the catalog's range belongs to its own value
        q.pop("low", None)
        q.pop("high", None)
    q["source"] = OVERRIDE_SOURCE
    q["confidence"] = "our assumption"
    q["note"] = f"set by {Path(where).name}"
    return q


def validate_catalog(raw: dict, origin: dict[str, str], overridden: dict[str, str] | None = None) -> Catalog:
    """Validate raw tables into a Catalog; every problem names its file and field.

    ``overridden`` maps dotted catalog paths set by a scenario to that scenario's file, so that a bad
    override is reported against the file that set it.
    """
    overridden = overridden or {}
    raw = dict(raw)
    sources = dict(raw.get("sources") or {})
    sources.setdefault(OVERRIDE_SOURCE, {"title": "scenario override", "publisher": "scenario file"})
    raw["sources"] = sources

    def set_by(field: str) -> str | None:
        # an override at, inside or (for a check across fields) under the failing entry set it
        return next((w for p, w in overridden.items()
                     if field == p or field.startswith(p + ".") or p.startswith(field + ".")), None)

    try:
        cat = Catalog.model_validate(raw)
    except ValidationError as exc:
        lines = []
        for line in pydantic_problems(exc, "catalog", lookup=allowed_fields(Catalog)):
            # route each problem to the file that defines its table
            _, field, reason = line.split(": ", 2)
            by = set_by(field)
            if by is not None:
                lines.append(problem(by, f"catalog.{field}", reason))
            else:
                lines.append(problem(origin.get(field.split(".")[0], "catalog"), field, reason))
        raise InputError(lines) from None
    problems = []
    for line in check_references(cat, origin):
        # a reference broken by an override (e.g. a site's dose table renamed) is the override's problem
        file = next((f for f in sorted(set(origin.values()) | {"catalog"}, key=len, reverse=True)
                     if line.startswith(f + ": ")), None)
        field, reason = line[len(file) + 2:].split(": ", 1) if file else (None, None)
        by = set_by(field) if field else None
        problems.append(problem(by, f"catalog.{field}", reason) if by else line)
    if problems:
        raise InputError(problems)
    return cat


def check_references(cat: Catalog, origin: dict[str, str]) -> list[str]:
    out = []
    for path, q in cat.quantities():
        if q.source not in cat.sources:
            table = path.split(".")[0]
            out.append(problem(origin.get(table, "catalog"), f"{path}.source",
                               f"unknown source {q.source!r}{closest(q.source, cat.sources)}"))
    for name, t in cat.dose_tables.items():
        if t.source not in cat.sources:
            out.append(problem(origin.get("dose_tables", "catalog"), f"dose_tables.{name}.source",
                               f"unknown source {t.source!r}"))
    for name, s in cat.sites.items():
        if s.dose_table not in cat.dose_tables:
            out.append(problem(origin.get("sites", "catalog"), f"sites.{name}.dose_table",
                               f"unknown dose table {s.dose_table!r}{closest(s.dose_table, cat.dose_tables)}"))
    if cat.accelerator_roadmap.after not in cat.accelerators:
        after = cat.accelerator_roadmap.after
        out.append(problem(origin.get("accelerator_roadmap", "catalog"), "accelerator_roadmap.after",
                           f"unknown accelerator {after!r}{closest(after, cat.accelerators)}"))
    for name, p in cat.platforms.items():
        for s in p.sites:
            if s not in cat.sites:
                out.append(problem(origin.get("platforms", "catalog"), f"platforms.{name}.sites",
                                   f"unknown site {s!r}{closest(s, cat.sites)}"))
        for v in p.vehicles:
            if v not in cat.launch_vehicles:
                out.append(problem(origin.get("platforms", "catalog"), f"platforms.{name}.vehicles",
                                   f"unknown launch vehicle {v!r}{closest(v, cat.launch_vehicles)}"))
    return out


ROADMAP_SCALED = {"dense_bf16_tflops": "flops", "dense_fp8_tflops": "flops", "power_w": "power", "price_usd": "price"}


def _number(q: Any, which: str = "value") -> float | None:
    x = q.get(which) if isinstance(q, dict) else None
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else None


def extend_roadmap(raw: dict) -> list[str]:
    """Add the generations after ``accelerator_roadmap.after`` to the raw catalog, in place: generation n (first
    year = the base's + n x generation_years, rounded) has the base's FLOP/s, power and price times the roadmap's
    gain to the power n (its low and high ends from the gains' low and high ends) and the base's other values; each
    generation is built until the next appears, the last until ``until_year``. An entry already present (a
    resolved scenario's own copy) is kept. Returns the names of the generations."""
    road = raw.get("accelerator_roadmap")
    accs = raw.get("accelerators")
    if not isinstance(road, dict) or not isinstance(accs, dict) or road.get("after") not in accs:
        return []  # validation reports what is missing
    base = accs[road["after"]]
    step, until = _number(road.get("generation_years")), _number(road.get("until_year"))
    first = _number(base.get("first_year"))
    gains = {k: road.get(f"{k}_gain_per_generation") for k in ("flops", "power", "price")}
    if None in (step, until, first) or step < 1 or any(_number(g) is None for g in gains.values()):
        return []
    years = []
    n = 1
    while (y := int(round(first + n * step))) <= until:
        years.append(y)
        n += 1
    names = []
    for n, y in enumerate(years, 1):
        name = f"gen_{y}"
        names.append(name)
        if name in accs:
            continue
        entry = {"label": f"Generation {y} (roadmap: {road['after']} + {n} generation{'s' if n > 1 else ''})"}
        for field, q in base.items():
            if field == "label" or not isinstance(q, dict):
                continue
            q = dict(q)
            if field in ROADMAP_SCALED:
                g = gains[ROADMAP_SCALED[field]]
                for which in ("value", "low", "high"):
                    x = _number(q, which)
                    if x is not None:
                        q[which] = x * (_number(g, which) or _number(g)) ** n
                q.update(source="planner_team", confidence="our assumption",
                         note=f"{road['after']} x accelerator_roadmap.{ROADMAP_SCALED[field]}_gain_per_generation^{n}")
            elif field == "first_year":
                q.update(value=y, source="planner_team", confidence="our assumption", note="accelerator_roadmap")
            elif field == "last_year":
                q.update(value=years[n] - 1 if n < len(years) else int(until), source="planner_team",
                         confidence="our assumption", note="until the next generation (accelerator_roadmap)")
            entry[field] = q
        accs[name] = entry
    if years and _number(base.get("last_year")) != years[0] - 1:
        base["last_year"] = {**base["last_year"], "value": years[0] - 1,
                             "note": f"until {names[0]} (accelerator_roadmap)"}
    return names


def roadmap_first(raw: dict, overrides: dict[str, Any], where: str) -> tuple[dict[str, Any], list[str]]:
    """Apply the overrides of the roadmap itself, then extend it; returns the other overrides (which may name a
    generated generation) and the problems."""
    own = {p: v for p, v in overrides.items() if str(p).startswith("accelerator_roadmap.")}
    problems = apply_overrides(raw, own, where)
    extend_roadmap(raw)
    return {p: v for p, v in overrides.items() if p not in own}, problems


def load_catalog(directory: str | Path = DEFAULT_CATALOG_DIR, overrides: dict[str, Any] | None = None,
                 where: str = "overrides") -> Catalog:
    raw, origin = read_raw_catalog(directory)
    overrides = overrides or {}
    rest, problems = roadmap_first(raw, overrides, where)
    problems += apply_overrides(raw, rest, where)
    if problems:
        raise InputError(problems)
    return validate_catalog(raw, origin, {str(p): where for p in overrides})


class YearValues(dict):
    """A year table in a catalog row: still a dict (JSON output, code), but printed as ``2027: 90, 2030: 40``
    wherever it becomes text (``planner catalog --format csv``, tables) instead of a Python dict repr."""

    def __str__(self) -> str:
        return ", ".join(f"{y}: {v:g}" if isinstance(v, (int, float)) else f"{y}: {v}"
                         for y, v in sorted(self.items(), key=lambda kv: int(kv[0])))


def _row_value(v: Any) -> Any:
    return YearValues(v) if isinstance(v, dict) else v


def catalog_rows(cat: Catalog) -> list[dict[str, Any]]:
    """One row per catalog number: path, value, low, high, unit, source, date, confidence, the groups it moves
    with in the sensitivity analysis and the end of its range that favours space. A year table is a
    :class:`YearValues` (a dict that prints readably)."""
    rows = []
    for path, q in cat.quantities():
        src = cat.sources.get(q.source)
        rows.append({
            "path": path,
            "value": _row_value(q.value),
            "low": _row_value(q.low),
            "high": _row_value(q.high),
            "unit": q.unit,
            "source": q.source,
            "source_title": src.title if src else "",
            "date": q.date or (str(src.year) if src and src.year else ""),
            "confidence": q.confidence,
            "assumption": q.is_assumption,
            "note": q.note or "",
            "groups": ", ".join(q.groups),
            "space_end": q.space_end or "",
        })
    return rows

