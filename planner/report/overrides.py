"""What a run changed from its scenario file, named wherever the run is named.

Two runs of the same scenario with different ``--set`` values must not both be called by the scenario's name: the
run's label is the name plus the number of its overrides ("reference + 2 overrides"), the title and page 1 list them,
and ``planner compare`` labels each run so. Overrides are the ``--set`` values (``set_overrides`` in the resolved
scenario) and catalog values that a resolved scenario's own catalog copy changed (``catalog_overrides_from`` entries
naming its ``resolved_catalog``). Catalog values the scenario files themselves set are part of the scenario: they
are counted on page 1 and listed in the appendix.
"""

from __future__ import annotations

from typing import Any

from planner.report.text import safe_text
from planner.scenario.provenance import FROM_COPY

SET = "--set"


def _value_text(v: Any) -> str:
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_value_text(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_value_text(x) for x in v) + "]"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _catalog_value(scenario: dict, path: str) -> Any:
    node: Any = scenario.get("resolved_catalog") or {}
    for p in path.split("."):
        node = node.get(p) if isinstance(node, dict) else None
    return node.get("value") if isinstance(node, dict) and "value" in node else node


def overrides(scenario: dict) -> list[dict[str, str]]:
    """The run's overrides: ``{"path", "value", "origin"}`` (origin ``--set`` or the file whose catalog copy set it),
    values cut to 60 characters and safe for every output."""
    sets = scenario.get("set_overrides") or {}
    out = [{"path": p, "value": _value_text(v), "origin": SET} for p, v in sets.items()]
    for path, origin in (scenario.get("catalog_overrides_from") or {}).items():
        if f"catalog.{path}" not in sets and (origin == SET or str(origin).endswith(f"({FROM_COPY})")):
            out.append({"path": f"catalog.{path}", "value": _value_text(_catalog_value(scenario, path)),
                        "origin": str(origin)})
    for o in out:
        o.update({k: safe_text(v if len(v) <= 60 else v[:59] + "\u2026") for k, v in o.items() if k != "origin"})
        o["origin"] = o["origin"] if o["origin"] == SET else safe_text(o["origin"])
    return out


def file_catalog_values(scenario: dict) -> int:
    """How many catalog values the scenario files themselves set (not overrides of the run)."""
    items = {o["path"] for o in overrides(scenario)}
    return sum(1 for p in (scenario.get("catalog_overrides_from") or {}) if f"catalog.{p}" not in items)


def run_label(scenario: dict, name: str | None = None) -> str:
    """'reference' or 'reference + 2 overrides'."""
    name = name or scenario.get("name") or ""  # a scenario name is letters, digits, _ . - only
    n = len(overrides(scenario))
    return name if n == 0 else f"{name} + {n} override{'s' if n != 1 else ''}"


def overrides_text(scenario: dict) -> str:
    """'path = value (origin); ...' or '' when the run has none."""
    return "; ".join(f"{o['path']} = {o['value']}" + ("" if o["origin"] == SET else f" (from {o['origin']})")
                     for o in overrides(scenario))


def page_one(scenario: dict) -> str | None:
    """The sentence page 1 gives about what the run changed, or None for a run of the scenario as written."""
    items = overrides(scenario)
    converted = " ".join(f"Converted: {safe_text(c)}." for c in scenario.get("unit_conversions") or [])
    own = file_catalog_values(scenario)
    own_text = (f" The scenario files set {own} catalog value{'s' if own != 1 else ''} themselves (listed in the "
                f"appendix as scenario_override).") if own else ""
    if not items:  # the scenario as written: its own catalog values are in the appendix already
        return converted or None
    copied = [o for o in items if o["origin"] != SET]
    warn = (f" {len(copied)} of them come from a resolved scenario's own catalog copy, not from the shipped catalog: "
            f"they are our assumptions, not catalog data." if copied else "")
    return (f"**This run departs from its scenario file: {len(items)} override{'s' if len(items) != 1 else ''}.** "
            f"{overrides_text(scenario)}.{warn}{own_text}" + (" " + converted if converted else ""))
