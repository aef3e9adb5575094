"""A sweep folder: one Parquet file per finished case (written atomically), so that a killed batch loses only
the cases in flight and ``--resume`` skips what is done; ``results.parquet`` gathers them."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from planner.yamlio import atomic_write


def cases_dir(out: Path) -> Path:
    return out / "cases"


def done_ids(out: Path) -> set[str]:
    d = cases_dir(out)
    return {p.stem for p in d.glob("*.parquet")} if d.is_dir() else set()


def write_case(out: Path, record: dict[str, Any]) -> None:
    d = cases_dir(out)
    d.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame([{k: _cell(v) for k, v in record.items()}])
    fd, tmp = tempfile.mkstemp(dir=d, prefix=f".{record['case_id']}.", suffix=".tmp")
    os.close(fd)
    try:
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, d / f"{record['case_id']}.parquet")
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _cell(v):
    if isinstance(v, (dict, list, tuple)):
        return json.dumps(v, default=str, sort_keys=True)
    return v


def collect(out: Path) -> pd.DataFrame:
    """Every finished case, one row each (a case written twice keeps its last copy)."""
    files = sorted(cases_dir(out).glob("*.parquet")) if cases_dir(out).is_dir() else []
    if not files:
        return pd.DataFrame()
    frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
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
    fd, tmp = tempfile.mkstemp(dir=out, prefix=".results.", suffix=".tmp")
    os.close(fd)
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)
    atomic_write(out / "results.csv", frame.to_csv(index=False))
    return path
