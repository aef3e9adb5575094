"""A sweep folder: one JSON file per finished case (written atomically), so that a killed batch loses only the
cases in flight and ``--resume`` skips what is done; ``results.parquet`` gathers them.

A case is one row of some 400 cells (every override of a Monte Carlo draw); as its own Parquet file it cost the
batch's main process 40-90 ms a case, on the cores the workers need, where JSON costs about 1 ms. Folders written
before keep their Parquet cases, which are still read.

``--resume`` trusts nothing it finds (``audit``): each case record carries ``inputs_sha256``, the hash of what
decides its result (the resolved base scenario, the case's overrides, the solver options, the kept plan, the
planner version), and is validated against ``CaseRecord`` when read. A case is run again when its record is
missing, unreadable or not a case record (corrupt), has impossible values such as a negative cost or a share
outside [0, 1] (forged), was computed from other inputs (stale), or crashed or killed its worker (unless
``retry_failed`` is off). Case files of other cases (another spec) are neither read into the results nor
deleted.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from planner.yamlio import atomic_write

CASE_SUFFIXES = (".json", ".parquet")
CASE_FILE = re.compile(r"^[0-9a-f]{16}\.(json|parquet)$")  # what write_case names a case file


def cases_dir(out: Path) -> Path:
    return out / "cases"


def _case_files(out: Path) -> list[Path]:
    d = cases_dir(out)
    return sorted(p for p in d.iterdir() if p.suffix in CASE_SUFFIXES) if d.is_dir() else []


def case_ids(out: Path) -> set[str]:
    """The ids of the case files in a sweep folder."""
    return {p.stem for p in _case_files(out)}


def remove_cases(out: Path) -> int:
    """Remove the case files of a sweep folder one by one (the folder and anything else in it stay)."""
    files = [p for p in _case_files(out) if CASE_FILE.match(p.name)]
    for p in files:
        p.unlink()
    return len(files)


TOLERANCE = 1e-6  # round-off of a solver: a share of 1 + 1e-9 or a cost of -1e-12 is not forged


def _within(low: float, high: float):
    def check(v: float | None) -> float | None:
        if v is not None and not math.isnan(v) and not (low - TOLERANCE <= v <= high + TOLERANCE):
            raise ValueError(f"{v:g} is outside [{low:g}, {high:g}]")
        return v
    return AfterValidator(check)


NonNegative = Annotated[float | None, _within(0.0, math.inf)]
Share = Annotated[float | None, _within(0.0, 1.0)]


class CaseRecord(BaseModel):
    """What a case file must hold: its id and index, a status, and plausible results (costs, counts and gaps are
    not negative, shares lie in [0, 1]; NaN and null mean "not computed"). Other columns (overrides, timings)
    pass through."""

    model_config = ConfigDict(extra="allow")
    case_id: str = Field(pattern=r"^[0-9a-f]{16}$")
    case_index: int = Field(ge=0)
    status: str = Field(min_length=1)
    error: str | None = ""
    inputs_sha256: str | None = None
    usd_per_pflop_day: NonNegative = None
    usd_per_eflop: NonNegative = None
    npv_cost_usd: NonNegative = None
    npv_penalty_usd: NonNegative = None
    npv_delivered_flop: NonNegative = None
    ground_usd_per_pflop_day: NonNegative = None
    reoptimised_usd_per_pflop_day: NonNegative = None
    reoptimised_npv_cost_usd: NonNegative = None
    plan_left_out_usd: NonNegative = None
    launch_flights: NonNegative = None
    mip_gap: NonNegative = None
    plan_to_ground: NonNegative = None
    space_share: Share = None
    share_ground: Share = None
    share_swarm: Share = None
    share_module: Share = None
    share_station: Share = None
    unmet_share: Share = None


BOUNDED = {name for name, f in CaseRecord.model_fields.items() if f.metadata and name not in
           ("case_id", "case_index", "status")}


def crashed(rec: dict[str, Any]) -> bool:
    """A case that ended in a crash (an exception with its traceback) or killed the workers running it."""
    tb, dead = rec.get("traceback"), rec.get("dead")
    return rec.get("status") == "error" and ((isinstance(tb, str) and bool(tb)) or
                                             (isinstance(dead, (bool, np.bool_)) and bool(dead)) or
                                             "worker running it died" in str(rec.get("error")))


def read_case(path: Path) -> tuple[dict[str, Any] | None, str]:
    """A case file as a validated record, and what it is: 'ok', 'corrupt' (unreadable, or not a case record)
    or 'forged' (a case record with impossible values)."""
    try:
        if path.suffix == ".json":
            rec = json.loads(path.read_text(encoding="utf-8"))
        else:
            rows = pd.read_parquet(path).to_dict(orient="records")
            rec = rows[0] if len(rows) == 1 else None
    except (OSError, ValueError, UnicodeDecodeError, ImportError):
        return None, "corrupt"
    except Exception:  # noqa: BLE001 - pyarrow raises its own errors on a damaged file
        return None, "corrupt"
    if not isinstance(rec, dict) or rec.get("case_id") != path.stem:
        return None, "corrupt"
    try:
        CaseRecord.model_validate(rec)
    except ValidationError as exc:
        forged = all(err["loc"] and err["loc"][0] in BOUNDED for err in exc.errors())
        return None, "forged" if forged else "corrupt"
    return rec, "ok"


AUDIT = ("kept", "new", "stale", "corrupt", "forged", "crashed", "other")


def audit(out: Path, keys: dict[str, str], retry_failed: bool = True) -> tuple[set[str], dict[str, int]]:
    """Which of a sweep's cases (``keys``: case id -> inputs hash) are finished and can be kept, and the counts
    of each kind of record found (``AUDIT``): ``kept``, ``new`` (no record), ``stale`` (other inputs),
    ``corrupt``, ``forged``, ``crashed`` (run again only with ``retry_failed``), ``other`` (files of cases
    that are not this spec's: ignored, not deleted)."""
    counts = dict.fromkeys(AUDIT, 0)
    files = {p.stem: p for p in _case_files(out)}
    keep: set[str] = set()
    for cid, key in keys.items():
        path = files.get(cid)
        if path is None:
            counts["new"] += 1
            continue
        rec, what = read_case(path)
        if rec is None:
            counts[what] += 1
        elif rec.get("inputs_sha256") != key:
            counts["stale"] += 1
        elif crashed(rec) and retry_failed:
            counts["crashed"] += 1
        else:
            counts["kept"] += 1
            keep.add(cid)
    counts["other"] = len(set(files) - set(keys))
    return keep, counts


def write_case(out: Path, record: dict[str, Any]) -> None:
    row = {k: _cell(v) for k, v in record.items()}
    atomic_write(cases_dir(out) / f"{record['case_id']}.json", json.dumps(row, default=plain))


def _cell(v):
    if isinstance(v, (dict, list, tuple)):
        return json.dumps(v, default=str, sort_keys=True)
    return v


def plain(v):
    return v.item() if isinstance(v, np.generic) else str(v)


def collect(out: Path, ids: list[str] | None = None) -> pd.DataFrame:
    """Every finished case (of ``ids`` only, when given), one row each (a case written twice keeps its last
    copy)."""
    files = _case_files(out)
    if ids is not None:
        wanted = set(ids)
        files = [f for f in files if f.stem in wanted]
    if not files:
        return pd.DataFrame()
    rows = pd.DataFrame([json.loads(f.read_text()) for f in files if f.suffix == ".json"])
    old = [pd.read_parquet(f) for f in files if f.suffix == ".parquet"]
    frame = pd.concat([rows, *old], ignore_index=True) if old else rows
    frame = frame.drop_duplicates("case_id", keep="last")
    return frame.sort_values("case_index").reset_index(drop=True) if "case_index" in frame else frame


def write_manifest(out: Path, manifest: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "manifest.json", json.dumps(manifest, indent=1, default=str) + "\n")


def _one_type(col: pd.Series) -> pd.Series:
    """A column whose cases mix words and numbers (an override `high` in one case, 1 in another) as text."""
    kinds = {type(v) for v in col.dropna()}
    return col.map(lambda v: v if v is None or (isinstance(v, float) and v != v) else str(v)) \
        if str in kinds and len(kinds) > 1 else col


def write_results(out: Path, frame: pd.DataFrame) -> Path:
    frame = frame.apply(_one_type)
    path = out / "results.parquet"
    atomic_write(path, frame.to_parquet(index=False))
    atomic_write(out / "results.csv", frame.to_csv(index=False))
    return path
