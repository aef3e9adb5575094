"""A sweep folder: one JSON file per finished case (written atomically), so that a killed batch loses only the
cases in flight and ``--resume`` skips what is done; ``results.parquet`` gathers them.

A case is one row of some 400 cells (every override of a Monte Carlo draw); as its own Parquet file it cost the
batch's main process 40-90 ms a case, on the cores the workers need, where JSON costs about 1 ms. Folders written
before keep their Parquet cases, which are still read.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

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


def write_case(out: Path, record: dict[str, Any]) -> None:
    row = {k: _cell(v) for k, v in record.items()}
    atomic_write(cases_dir(out) / f"{record['case_id']}.json", json.dumps(row, default=_plain))


def _cell(v):
    if isinstance(v, (dict, list, tuple)):
        return json.dumps(v, default=str, sort_keys=True)
    return v


def _plain(v):
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
