"""Which planner folders the app was given, and reading them with the planner's own readers.

A path named on the command line is a run, sweep, comparison or hedge folder, or a folder holding some (``reports/``
holds runs, ``reports/sweeps/<name>`` and ``reports/hedge/<name>``). A folder is recognised by its marker
(``planner.outdir``) or, for folders written before the marker, by its index file. What cannot be read becomes a
one-line problem naming the folder and the reason, shown on the page (never a traceback).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from planner import outdir
from planner.batch import store
from planner.errors import InputError, PlannerError
from planner.report.model import Run

KINDS = ("run", "sweep", "hedge", "compare")
SCAN_DEPTH = 3  # reports/ -> reports/hedge/<name>/


@dataclass(frozen=True)
class Folder:
    path: Path
    kind: str  # run | sweep | hedge | compare | problem
    problem: str = ""

    @property
    def label(self) -> str:
        return str(self.path)


def kind_of(path: Path) -> str | None:
    """The planner kind of a folder, or None. A hedge folder (``planner hedge``) is any folder whose marker says
    so, or a folder under a ``hedge/`` folder holding a summary.json."""
    if not path.is_dir() or path.is_symlink():
        return None
    marked = outdir.marker_kind(path)
    if marked in KINDS:
        return marked
    if marked is None:
        for kind in ("run", "sweep", "compare"):
            if outdir.owned(path, kind):
                return kind
    if path.parent.name == "hedge" and (path / "summary.json").is_file():
        return "hedge"
    return None


def discover(paths: list[str | Path]) -> list[Folder]:
    """Every planner folder at or under ``paths`` (in the order given, each folder's children sorted)."""
    found: list[Folder] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            found.append(Folder(p, "problem", f"{p}: no such folder"))
            continue
        if not p.is_dir():
            found.append(Folder(p, "problem", f"{p}: not a folder (give a run, sweep or hedge folder)"))
            continue
        kind = kind_of(p)
        if kind:
            found.append(Folder(p, kind))
            continue
        inside = _scan(p, SCAN_DEPTH)
        found += inside or [Folder(p, "problem", f"{p}: no run, sweep, comparison or hedge folder in it "
                                                 f"(a run folder holds summary.json, a sweep folder manifest.json)")]
    seen: set[Path] = set()
    return [f for f in found if not (f.path.resolve() in seen or seen.add(f.path.resolve()))]


def _scan(folder: Path, depth: int) -> list[Folder]:
    out: list[Folder] = []
    try:
        children = sorted(c for c in folder.iterdir() if c.is_dir() and not c.name.startswith("."))
    except OSError as exc:
        return [Folder(folder, "problem", f"{folder}: cannot be read ({exc.strerror})")]
    for c in children:
        kind = kind_of(c)
        if kind:
            out.append(Folder(c, kind))
        elif depth > 1:
            out += _scan(c, depth - 1)
    return out


# ------------------------------------------------------------------------------------------- readers


def read_run(path: str | Path) -> Run:
    """A run folder (``Run.read``); raises PlannerError with one line naming the file and the reason."""
    try:
        return Run.read(path)
    except PlannerError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged table pandas cannot parse
        raise InputError(f"{path}: unreadable run folder ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})"
                           if str(exc) else f"{path}: unreadable run folder ({type(exc).__name__})") from None


@dataclass
class Sweep:
    path: Path
    manifest: dict
    results: pd.DataFrame

    @property
    def generator(self) -> str:
        return str((self.manifest.get("notes") or {}).get("generator") or "")

    def solved(self) -> pd.DataFrame:
        df = self.results
        if df.empty or "status" not in df:
            return df.iloc[0:0]
        ok = df[df["status"].isin(["optimal", "time_limit"])].copy()
        for c in ("usd_per_pflop_day", "space_share", "plan_to_ground", "first_space_year"):
            if c in ok:
                ok[c] = pd.to_numeric(ok[c], errors="coerce")
        return ok


def read_sweep(path: str | Path) -> Sweep:
    """A sweep folder: its manifest and its results (``results.parquet``, or the finished cases gathered by
    ``planner.batch.store.collect`` while the batch still runs)."""
    p = Path(path)
    try:
        manifest = json.loads((p / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{p}: not a sweep folder (no manifest.json)") from None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{p}: manifest.json: unreadable ({str(exc).splitlines()[0][:120]})") from None
    if not isinstance(manifest, dict):
        raise InputError(f"{p}: manifest.json: not a sweep manifest (expected a JSON object)")
    try:
        results = pd.read_parquet(p / "results.parquet") if (p / "results.parquet").is_file() else store.collect(p)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises its own errors on a damaged file
        raise InputError(f"{p}: results.parquet: unreadable ({type(exc).__name__})") from None
    return Sweep(p, manifest, results)


@dataclass
class Hedge:
    """A hedge folder (``planner hedge``): whatever it holds, read without assuming its layout."""

    path: Path
    summary: dict | None
    problem: str
    tables: dict[str, Path]
    images: list[Path]
    texts: list[Path]


def read_hedge(path: str | Path) -> Hedge:
    p = Path(path)
    summary, problem = None, ""
    try:
        doc = json.loads((p / "summary.json").read_text(encoding="utf-8"))
        summary = doc if isinstance(doc, dict) else {"summary": doc}
    except FileNotFoundError:
        problem = f"{p}: no summary.json"
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        problem = f"{p}: summary.json: unreadable ({str(exc).splitlines()[0][:120]})"
    files = sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith("."))
    return Hedge(p, summary, problem, tables={str(f.relative_to(p)): f for f in files if f.suffix == ".csv"},
                 images=[f for f in files if f.suffix == ".png"],
                 texts=[f for f in files if f.suffix == ".md"])
