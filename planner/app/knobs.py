"""The what-if sliders: each moves catalog values within their ranges and becomes ``--set`` overrides.

A slider stands at a position ``t`` in [-1, 1]:

- a *value* slider moves every catalog value its patterns name (``launch_vehicles.*.price_musd_per_flight``) from
  its central value (0) toward the catalog's low (-1) or high (+1) end, year tables year by year
  (``planner.sensitivity.toward``);
- a *group* slider moves a whole assumption group as the sensitivity analysis does (``planner.sensitivity.
  group_overrides``): -1 every value at the end favouring the ground, +1 at the end favouring space; ``demand``
  scales every workload's demand within the scenario's demand-scale range.

The overrides are plain ``path=value`` pairs: ``planner run SCENARIO --set path=value`` with the same values solves
the same problem (``as_set_options``). Where two sliders move the same value, the value slider wins over the group.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pandas as pd

from planner.catalog.schema import GROUPS
from planner.scenario.load import ResolvedScenario
from planner.sensitivity import DEMAND, GROUP_LABELS, group_overrides, toward


@dataclass(frozen=True)
class Knob:
    key: str
    label: str
    kind: str  # value | group
    patterns: tuple[str, ...] = ()  # value: catalog paths (fnmatch) it moves
    group: str = ""  # group: the group it moves

    @property
    def help(self) -> str:
        if self.kind == "group":
            return (f"Moves every value of the {GROUP_LABELS.get(self.group, self.group)} group together: -1 all at "
                    f"the end of their ranges favouring the ground, +1 favouring space.")
        return f"Moves {', '.join(self.patterns)} from the central value (0) to the catalog's low (-1) or high (+1)."


# The decisive assumptions the issue names, then the assumption groups.
NAMED = (
    Knob("launch_price", "launch price", "value", ("launch_vehicles.*.price_musd_per_flight",)),
    Knob("payload", "payload to LEO", "value", ("launch_vehicles.*.payload_leo_t",)),
    Knob("cadence", "launch cadence", "value", ("launch_vehicles.*.cadence_flights_per_yr",)),
    Knob("ground_power_price", "ground power price", "value", ("ground_regions.*.energy_usd_per_kwh",)),
    Knob("accelerator_price", "accelerator price", "value", ("accelerators.*.price_usd",)),
)
GROUP_KNOBS = tuple(Knob(f"group:{g}", GROUP_LABELS.get(g, g), "group", group=g) for g in GROUPS + (DEMAND,))


def members(rs: ResolvedScenario, knob: Knob) -> list[tuple[str, Any]]:
    """The catalog values (path, Quantity) a value slider moves: those its patterns match that have a range."""
    return [(p, q) for p, q in rs.catalog.quantities()
            if any(fnmatch.fnmatchcase(p, pat) for pat in knob.patterns) and (q.low is not None or q.high is not None)]


def decisive_knobs(decisive: pd.DataFrame, top: int = 5) -> list[Knob]:
    """One slider for each of the run's most decisive assumptions (analysis/decisive_assumptions.csv, ranked by
    the swing of cost per FLOP), those a named slider does not already move."""
    if decisive is None or decisive.empty or "path" not in decisive:
        return []
    named = [pat for k in NAMED for pat in k.patterns]
    out = []
    for path in decisive["path"].astype(str):
        if any(fnmatch.fnmatchcase(path, pat) for pat in named):
            continue
        out.append(Knob(f"value:{path}", path_label(path), "value", (path,)))
        if len(out) == top:
            break
    return out


UNIT_WORDS = {"usd": "USD", "musd": "$M", "w": "W", "kw": "kW", "kwh": "kWh", "kg": "kg", "t": "t", "yr": "year",
              "pct": "%", "krad": "krad", "mm": "mm", "k": "K"}


def path_label(path: str) -> str:
    """A slider's words for a catalog path: ``components.solar_array.cost_usd_per_w`` -> 'solar array: cost USD per W'
    (the whole path is in its help)."""
    *_, entry, field = (["", ""] + path.split("."))
    words = " ".join(UNIT_WORDS.get(w, w) for w in field.split("_"))
    return f"{entry.replace('_', ' ')}: {words}" if entry else words


def available(rs: ResolvedScenario, knobs: list[Knob] | tuple[Knob, ...]) -> list[Knob]:
    """The sliders that move something in this scenario (a value slider needs a value with a range)."""
    return [k for k in knobs if k.kind == "group" or members(rs, k)]


def overrides(rs: ResolvedScenario, positions: dict[Knob, float]) -> dict[str, Any]:
    """Scenario overrides (``catalog.<path>`` -> value) for the sliders at their positions (0: left alone)."""
    out: dict[str, Any] = {}
    holder = SimpleNamespace(base_rs=rs)  # what group_overrides reads: the scenario's catalog and demand
    for knob, t in sorted(positions.items(), key=lambda kv: kv[0].kind != "group"):  # groups first
        if not t:
            continue
        if knob.kind == "group":
            out.update(group_overrides(holder, knob.group, abs(t), "space" if t > 0 else "ground"))
        else:
            end = "high" if t > 0 else "low"
            out.update({f"catalog.{p}": toward(q, end, abs(t)) for p, q in members(rs, knob)})
    return out


def as_set_options(ov: dict[str, Any]) -> list[str]:
    """The same overrides as ``planner run --set`` arguments (YAML flow values: a year table as ``{2027: 50}``)."""
    def text(v: Any) -> str:
        if isinstance(v, dict):
            return "{" + ", ".join(f"{k}: {text(x)}" for k, x in v.items()) + "}"
        return json.dumps(v) if isinstance(v, str) else repr(float(v)) if isinstance(v, float) else str(v)

    return [f"{k}={text(v)}" for k, v in ov.items()]
