"""The first stage: the decisions whose build year (vintage) is inside the commitment window.

Every scenario is built by the project's own model builder (``planner/model/build.py``); the first stage is a
selection of its variables, indexed by year as the model indexes them:

    units[a, d, v]        space units of design d at architecture a launched in v          (v in window)
    open[s, y]            a site's core opened in y                                          (y in window)
    trips[k, y]           trips on route k in y (launches)                                   (y in window)
    build[r, y]           ground facility MW coming online in region r in y                  (y in window)
    chips[r, g, v, L]     thousand accelerators g bought in v for L years in region r        (v in window)

Everything else (later vintages, servicing, payload assignment, which workload runs where, unmet demand) is
recourse, per scenario. Nonanticipativity needs the same variables in every scenario: a scenario whose model has
another index set for any of them (a region whose construction time leaves no facility online in a window year)
is refused, naming the set.
"""

from __future__ import annotations

from typing import Any

# (model variable, what it is called in words, position of the year in its index)
FIRST_STAGE = (("units", "space units", 2), ("open", "site openings", 1), ("trips", "launches", 1),
               ("build", "ground facilities", 1), ("chips", "accelerators", 2))


def first_stage_index(sets, window: tuple[int, int]) -> dict[str, list[tuple]]:
    """{variable: sorted indices with their year in the window} from a model's index sets (``Sets``)."""
    lo, hi = window
    source = {"units": sets.units, "open": sets.openings, "trips": sets.trips, "build": sets.builds,
              "chips": sets.chips}
    return {name: sorted(i for i in source[name] if lo <= i[pos] <= hi) for name, _, pos in FIRST_STAGE}


def first_stage_vars(m, index: dict[str, list[tuple]]) -> list[Any]:
    """The model's first-stage variable data, in one fixed order (the same in every scenario)."""
    return [getattr(m, name)[i] for name, _, _ in FIRST_STAGE for i in index[name]]


def index_difference(base: dict[str, list[tuple]], other: dict[str, list[tuple]]) -> str | None:
    """Why ``other`` cannot share ``base``'s first stage (None when the index sets are equal)."""
    for name, words, _ in FIRST_STAGE:
        a, b = set(base[name]), set(other[name])
        if a != b:
            extra, missing = sorted(b - a), sorted(a - b)
            part = []
            if missing:
                part.append(f"has no {', '.join(map(_fmt, missing[:3]))}{' ...' if len(missing) > 3 else ''}")
            if extra:
                part.append(f"adds {', '.join(map(_fmt, extra[:3]))}{' ...' if len(extra) > 3 else ''}")
            return f"its first-stage {words} ({name}) differ from the base's: {'; '.join(part)}"
    return None


def _fmt(idx: tuple) -> str:
    return "[" + ", ".join(str(x) for x in idx) + "]"


def first_stage_values(m, index: dict[str, list[tuple]]) -> dict[str, dict[tuple, float]]:
    """The first-stage decisions of a solved model, rounded like the plan tables (integers to integers)."""
    out: dict[str, dict[tuple, float]] = {}
    for name, _, _ in FIRST_STAGE:
        comp = getattr(m, name)
        vals = {}
        for i in index[name]:
            v = comp[i]
            x = 0.0 if v.value is None else float(v.value)
            if v.is_integer() or v.is_binary():
                x = float(round(x))
            vals[i] = 0.0 if abs(x) < 1e-7 else x
        out[name] = vals
    return out
