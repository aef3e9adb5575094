"""A resolved scenario's own copy of the catalog, checked against the shipped catalog.

``scenario.resolved.yaml`` carries every catalog entry the run used (``resolved_catalog``), with provenance, so that
re-running it reproduces the run. That copy is not trusted: the shipped catalog stays the source of every value and
label, and each value of the copy that differs from the shipped one becomes an override of the file that carries it
(source ``scenario_override``, confidence "our assumption"), listed like any other. A spoofed value labelled
"measured" is thus reported as what it is. A value at the shipped catalog's low or high end is taken as that end of
the range (as ``--set path=low`` writes it), keeping the catalog's provenance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from planner.errors import problem

FROM_COPY = "resolved_catalog"


def _year_keys(v: Any) -> Any:
    """A year table read back from JSON-style YAML has string keys: compare it with int keys."""
    if isinstance(v, dict) and v and all(isinstance(k, (int, str)) and str(k).lstrip("-").isdigit() for k in v):
        return {int(k): x for k, x in v.items()}
    return v


def _is_quantity(node: Any) -> bool:
    return isinstance(node, dict) and "value" in node and "unit" in node


def copy_departures(shipped_tables: dict, copy: dict, declared: dict[str, str], where: str) -> tuple[
        dict[str, Any], dict[str, str], list[str]]:
    """Differences between a resolved scenario's catalog copy and the shipped catalog ``shipped_tables`` (validated
    and dumped as the copy was: fields left at their defaults are filled in).

    Returns (catalog path -> value to set, catalog path -> where it is set, problems). ``declared`` is the copy's own
    ``catalog_overrides_from`` (path -> the file or ``--set`` that set it in the run that wrote it); an undeclared
    difference is set by ``where`` (the resolved file) and named as coming from its catalog copy.
    """
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    problems: list[str] = []
    copied_by = f"{Path(where).name} ({FROM_COPY})"

    def walk(path: str, shipped: Any, mine: Any) -> None:
        if _is_quantity(shipped):
            if not isinstance(mine, dict) or "value" not in mine:
                problems.append(problem(where, f"{FROM_COPY}.{path}", "expected a catalog quantity with a value"))
                return
            new = _year_keys(mine["value"])
            if new == _year_keys(shipped["value"]):
                return  # same value: the shipped provenance stands, whatever the copy says about it
            for end in ("low", "high"):
                if shipped.get(end) is not None and new == _year_keys(shipped[end]):
                    new = end
                    break
            values[path] = new
        elif isinstance(shipped, dict):
            if not isinstance(mine, dict):
                problems.append(problem(where, f"{FROM_COPY}.{path}", "expected a mapping, as in the catalog"))
                return
            for k, v in mine.items():
                if k not in shipped:
                    problems.append(problem(where, f"{FROM_COPY}.{path}.{k}",
                                            "not in the shipped catalog (written by another catalog version?)"))
                    continue
                walk(f"{path}.{k}", shipped[k], v)
            return
        elif _year_keys(mine) != _year_keys(shipped):
            values[path] = mine
        else:
            return
        origins[path] = declared.get(path) or copied_by

    if not isinstance(copy, dict):
        return values, origins, [problem(where, FROM_COPY, "expected a mapping of catalog tables")]
    for table, entries in copy.items():
        if table == "sources":  # the shipped source list is the one that counts
            continue
        if table not in shipped_tables:
            problems.append(problem(where, f"{FROM_COPY}.{table}", "not a table of the shipped catalog"))
            continue
        walk(table, shipped_tables[table], entries)
    return values, origins, problems


def set_departure(raw: dict, path: str, value: Any) -> bool:
    """Set a field the raw catalog leaves at its schema default (absent from its file); False if it is there."""
    *parents, last = path.split(".")
    node = raw
    for p in parents:
        node = node.get(p) if isinstance(node, dict) else None
    if isinstance(node, dict) and last not in node:
        node[last] = value
        return True
    return False
