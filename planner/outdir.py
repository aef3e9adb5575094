"""Output folders: the one place that decides what the planner may write into, replace or lock.

The rule: the planner replaces or writes into a path only if it is a folder the planner wrote, of the same kind.
Such a folder carries a marker file, ``.planner-output`` (JSON: ``kind`` and ``planner_version``), and the kind's
own index file (``summary.json`` for a run, ``manifest.json`` for a sweep, ``report.md`` for a comparison).
Anything else at the path (a folder of the user's, a file, a device such as /dev/null, a symbolic link) is left
untouched and the command stops with one line and exit code 2. Two exceptions, both safe:

- nothing at the path: the folder is created;
- an empty folder (e.g. made by the user for the output): it is written into, never deleted; from then on it
  carries the marker and is a planner folder of that kind.

Folders written before the marker existed are recognised by their contents (see ``_LEGACY``) and get the marker
the next time they are written.

API (every output folder, present and future, goes through it):

- ``check(path, kind)``: raise OutputError (exit 2) unless ``path`` may be written as a ``kind`` folder;
- ``replace(path, kind, write)``: write a whole folder atomically (``write(tmp)`` fills a temporary sibling, which
  is then swapped in; readers see the old folder or the new one, never half); the marker lists every path the
  planner wrote there, and what else the old folder holds, at any depth (a file of the user's, a run's alternatives
  and fronts) is moved into the new one;
- ``writing(path, kind)``: a context for folders written in place, file by file (sweeps, comparisons, re-rendered
  reports): checked, locked, created and marked;
- ``lock(path)``: one writer at a time (a sibling ``.NAME.planner-lock`` file holding the writer's pid); a second
  process gets one line (exit 2) instead of a half-written folder;
- ``write_file(path, data, is_ours)``: a single output file (``--write-resolved``): an existing path is replaced
  only if it is a regular file that ``is_ours`` recognises;
- ``child(parent, name)``: a default output path ``parent/name`` whose name must be one plain path component.

Register a new kind by adding it to ``KINDS`` with its index file.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import re
import shutil
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from planner import __version__
from planner.errors import InputError, problem
from planner.yamlio import _umask, atomic_write

MARKER = ".planner-output"
KINDS = {"run": "summary.json", "sweep": "manifest.json", "compare": "report.md",
         "alternatives": "alternatives.csv", "pareto": "front.csv", "hedge": "summary.json"}
WHAT = {"run": "run folder (planner run)", "sweep": "sweep folder (planner sweep)",
        "compare": "comparison folder (planner compare)",
        "alternatives": "alternatives folder (planner alternatives)", "pareto": "front folder (planner pareto)",
        "hedge": "hedge folder (planner hedge)"}
NAME = re.compile(r"^(?!\.+$)[A-Za-z0-9_.-]{1,80}$")  # one plain path component: no separator, not . or ..
LEGACY_READ_BYTES = 50_000_000  # an index file larger than this is not read to recognise an old folder

log = logging.getLogger(__name__)


class OutputError(InputError):
    """The output path may not be written (exit 2); nothing was changed."""


def _fail(path: Path, reason: str, option: str | None) -> OutputError:
    return OutputError(problem(option, str(path), reason) if option else problem(str(path), MARKER, reason))


def _read_json(path: Path) -> dict | None:
    try:
        if path.stat().st_size > LEGACY_READ_BYTES:
            return None
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def _first_line(path: Path) -> str:
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            return fh.readline(200)
    except OSError:
        return ""


# Folders written before the marker: what their index file says
_LEGACY: dict[str, Callable[[Path], bool]] = {
    "run": lambda p: (p / "scenario.resolved.yaml").is_file() and
    {"planner_version", "scenario_sha256"} <= set(_read_json(p / "summary.json") or {}),
    "sweep": lambda p: {"spec", "base_scenario_sha256"} <= set(_read_json(p / "manifest.json") or {}),
    "compare": lambda p: _first_line(p / "report.md").startswith("# Orbital compute plans compared"),
    "alternatives": lambda p: False,  # born with the marker
    "pareto": lambda p: False,
    "hedge": lambda p: False,
}


def _marker(path: Path) -> dict:
    doc = _read_json(Path(path) / MARKER) or {}
    return doc if isinstance(doc.get("kind"), str) else {}


def marker_kind(path: str | Path) -> str | None:
    """The kind a folder's marker names (None without a readable marker)."""
    return _marker(Path(path)).get("kind")


def owned(path: str | Path, kind: str) -> bool:
    """Whether ``path`` is a folder the planner wrote as a ``kind`` folder (marker and index file, or an old
    folder of that kind written before the marker existed)."""
    p = Path(path)
    if p.is_symlink() or not p.is_dir():
        return False
    mark = _marker(p)
    if mark:  # a finished folder has its index file; one the planner was still writing says so
        return mark["kind"] == kind and ((p / KINDS[kind]).is_file() or mark.get("complete") is False)
    return _LEGACY[kind](p)


def refusal(path: str | Path, kind: str, must_exist: bool = False) -> str | None:
    """Why the planner may not write ``path`` as a ``kind`` folder (None when it may)."""
    if kind not in KINDS:
        raise ValueError(f"unknown output kind {kind!r}")
    p = Path(path)
    what = WHAT[kind]
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        return f"no such {what.split(' (')[0]}" if must_exist else None
    except OSError as exc:
        return f"cannot be used ({exc.strerror or exc})"
    if stat.S_ISLNK(st.st_mode):
        return "is a symbolic link; give the folder itself (the planner does not write through links)"
    if stat.S_ISREG(st.st_mode):
        return f"is a file, not a {what}; left untouched"
    if not stat.S_ISDIR(st.st_mode):
        return f"is a device or special file, not a {what}; left untouched"
    try:
        if not any(p.iterdir()):
            return None if not must_exist else f"is empty, not a {what}"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if owned(p, kind):
        return None
    other = marker_kind(p)
    if other is not None and other != kind:
        return f"is a planner {other} folder, not a {what}; left untouched (choose another folder)"
    return (f"is not a {what}: it has no {MARKER} marker, so the planner will not write into or replace it; "
            f"left untouched (choose a new or empty folder)")


def check(path: str | Path, kind: str, option: str | None = None, must_exist: bool = False) -> Path:
    """``path`` if the planner may write it as a ``kind`` folder; OutputError (exit 2, one line) otherwise."""
    why = refusal(path, kind, must_exist)
    if why:
        raise _fail(Path(path), why, option)
    return Path(path)


def child(parent: str | Path, name: str, what: str = "name") -> Path:
    """``parent/name`` for a default output folder; ``name`` must be one plain path component."""
    if not NAME.match(str(name)):
        raise InputError(problem(what, str(name)[:80], "must be 1-80 letters, digits, '_', '-' or '.', and not "
                                                       "'.' or '..' (it names a folder)"))
    return Path(parent) / name


def _mark(folder: Path, kind: str, complete: bool = True, about: dict | None = None) -> None:
    """The marker: the kind, the version, whether the planner finished writing the folder, and ``about`` (what the
    folder was made from, e.g. the run a front belongs to)."""
    atomic_write(folder / MARKER, json.dumps({"kind": kind, "planner_version": __version__, "complete": complete,
                                              **(about or {})}) + "\n")


def about(path: str | Path) -> dict:
    """The marker of a planner folder (kind, version, what it was made from); {} without one."""
    return _marker(Path(path))


def _prepare_parent(path: Path, option: str | None) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _fail(path, f"cannot create its parent folder ({exc.strerror or exc})", option) from None


# ------------------------------------------------------------------------------------------------ locks

_HELD: dict[str, int] = {}  # lock files this process holds, with their nesting depth


def _lock_file(path: Path) -> Path:
    p = Path(os.path.abspath(path))
    return p.parent / f".{p.name}.planner-lock"


@contextmanager
def lock(path: str | Path, option: str | None = None) -> Iterator[None]:
    """Hold the write lock of an output folder (a sibling ``.NAME.planner-lock`` file, removed afterwards). A second
    process asking for it gets OutputError naming the holder's pid; the same process may nest it."""
    path = Path(path)
    lf = _lock_file(path)
    key = str(lf)
    if key in _HELD:
        _HELD[key] += 1
        try:
            yield
        finally:
            _HELD[key] -= 1
        return
    _prepare_parent(path, option)
    while True:
        try:
            fd = os.open(lf, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666 & ~_umask())
        except OSError as exc:
            raise _fail(path, f"cannot create its lock file {lf.name} ({exc.strerror or exc})", option) from None
        holder = os.pread(fd, 64, 0).decode(errors="replace").strip()
        if holder and not holder.isdigit():  # not a lock file of ours (they hold a pid): leave it alone
            os.close(fd)
            raise _fail(path, f"{lf.name} next to it is not a lock file the planner wrote; left untouched "
                              f"(choose another folder)", option)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
            raise _fail(path, f"another planner process{f' (pid {holder})' if holder else ''} is writing this "
                              f"folder; wait for it to finish or choose another folder", option) from None
        try:  # the holder before us may have removed the file after we opened it: lock the current one
            same = os.fstat(fd).st_ino == os.stat(lf).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    _HELD[key] = 1
    try:
        yield
    finally:
        del _HELD[key]
        try:
            os.unlink(lf)
        except FileNotFoundError:
            pass
        os.close(fd)


# -------------------------------------------------------------------------------------------- writing


@contextmanager
def writing(path: str | Path, kind: str, option: str | None = None, must_exist: bool = False) -> Iterator[Path]:
    """A ``kind`` folder written in place, file by file: checked, locked, created and marked for the block."""
    path = Path(path)
    check(path, kind, option, must_exist)
    with lock(path, option):
        check(path, kind, option, must_exist)  # again, now that no other planner can change it
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _fail(path, f"cannot be created ({exc.strerror or exc})", option) from None
        made = {k: v for k, v in _marker(path).items() if k not in ("kind", "planner_version", "complete")}
        # a folder that lists what the planner wrote (a run's): what the block creates is the planner's too (a
        # sweep's thousands of case files are not walked)
        before = _written(path) if "written" in made else None
        _mark(path, kind, complete=False, about=made)
        yield path
        if before is not None:
            made["written"] = sorted(set(made["written"]) | (_written(path) - before))
        _mark(path, kind, about=made)


def _written(folder: Path) -> set[str]:
    """Every path under ``folder`` (files and folders, relative, '/'-separated; links not followed), but the
    marker."""
    found = set()
    for top, dirs, files in os.walk(folder):
        rel = Path(top).relative_to(folder)
        found.update((rel / name).as_posix() for name in dirs + files)
    return found - {MARKER}


def _mark_written(folder: Path, kind: str, made_from: dict | None, written: set[str]) -> None:
    """The marker of a folder the planner wrote whole: what it was made from and every path it wrote
    (_carry_over)."""
    _mark(folder, kind, about={**(made_from or {}), "written": sorted(written)})


def replace(path: str | Path, kind: str, write: Callable[[Path], None], option: str | None = None,
            made_from: dict | None = None) -> Path:
    """Write a whole ``kind`` folder atomically: ``write(tmp)`` fills a temporary sibling, which replaces the
    previous folder of that kind in one rename (on any failure the previous folder stays as it was). An empty
    folder is written into instead (moved into, file by file, the marker last), never replaced."""
    given = Path(path)
    check(given, kind, option)
    path = Path(os.path.abspath(given))  # '.' and 'x/..' have no name to put a sibling next to
    with lock(path, option):
        check(given, kind, option)
        if path.is_dir() and not any(path.iterdir()):
            _fill_empty(path, kind, write, made_from)
            return given
        try:
            tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
        except OSError as exc:
            raise _fail(path, f"cannot write next to it ({exc.strerror or exc})", option) from None
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700
        old = None
        try:
            write(tmp)
            _mark_written(tmp, kind, made_from, _written(tmp))
            if path.exists():
                old = path.parent / f".{path.name}.old.{os.getpid()}"
                os.replace(path, old)
            os.replace(tmp, path)
            log.info("wrote %s folder %s", kind, path)
        except BaseException:
            if old is not None and not path.exists():
                os.rename(old, path)  # put the previous folder back
                old = None
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        finally:
            if old is not None and _carry_over(old, path):
                shutil.rmtree(old, ignore_errors=True)
    return given


def _carry_over(old: Path, new: Path) -> bool:
    """Move into the new folder what the old one holds that the planner did not write there, at any depth: a file
    of the user's (also one inside the planner's own subfolders), the alternatives and fronts that later commands
    wrote into a run folder. A folder is replaced, not what others put in it. True when the old folder may go.

    The old marker says what the planner wrote: ``written`` lists every path. A marker from before that list names
    top-level ``entries``, and an older one names nothing (then what the new folder also has at its top is taken as
    the planner's): inside such an entry the planner cannot tell its files from the user's, so if it holds a path
    the new folder does not have, the old folder is kept. It is kept too (False, and logged, never deleted) if the
    new folder writes a path where the old one holds a file that is not the planner's, or if something could not be
    moved. The planner's files of the old run that the new one does not make are kept for ``gone``."""
    mark = _marker(old)
    written, whole = set(mark.get("written") or ()), set(mark.get("entries") or ())
    listed = bool(written or whole)
    if not listed:
        whole = {p.name for p in new.iterdir()}
    whole.add(MARKER)
    clash, unsure, dropped = [], [], []

    def walk(src: Path, dst: Path, rel: str) -> None:
        for entry in sorted(src.iterdir()):
            r, target = rel + entry.name, dst / entry.name
            folder = entry.is_dir() and not entry.is_symlink()
            if not rel and entry.name in whole:  # the planner's whole (an old marker): replaced, unless it may hide
                if folder and (not target.is_dir() or _written(entry) - _written(target)):  # a file of the user's
                    unsure.append(r)
                elif not os.path.lexists(target) and entry.name != MARKER:
                    dropped.append(r)
            elif r in written and not folder:  # the planner's: replaced
                if not os.path.lexists(target):
                    dropped.append(r)
            elif folder and (r in written or (target.is_dir() and not target.is_symlink())):
                walk(entry, target, r + "/")  # a folder of the planner's, or in both: what is inside decides
            elif not os.path.lexists(target):
                dst.mkdir(parents=True, exist_ok=True)
                os.replace(entry, target)
            elif listed:
                clash.append(r)

    try:
        walk(old, new, "")
    except OSError as exc:
        log.warning("kept the old folder %s: could not move all of it into %s (%s)", old, new, exc)
        return False
    if clash or unsure:
        why = (f"{_some(clash)}, which the planner did not write, is a path the new run writes too" if clash else
               f"{_some(unsure)} holds files the new run does not make, written before the planner listed its files: "
               f"they may be yours")
        log.warning("kept the old folder %s: %s", old, why)
        return False
    _DROPPED[str(new)] = dropped
    return True


_DROPPED: dict[str, list[str]] = {}  # folder -> the planner's files of its earlier version its last replace left out


def gone(path: str | Path) -> str | None:
    """What a re-written folder lost of the planner's own earlier output, in one line (None if nothing): the files
    its last ``replace`` left out that are still not there, so after the command's later steps (a run's report,
    written after it) have run."""
    p = Path(os.path.abspath(path))
    left = [r for r in _DROPPED.pop(str(p), []) if not os.path.lexists(p / r)]
    return (f"{p}: {len(left)} file(s) the planner wrote in its earlier run are not made by this one and are gone: "
            f"{_some(left)}") if left else None


def _some(paths: list[str], n: int = 3) -> str:
    return ", ".join(paths[:n]) + (f" and {len(paths) - n} more" if len(paths) > n else "")


def _fill_empty(path: Path, kind: str, write: Callable[[Path], None], made_from: dict | None) -> None:
    tmp = Path(tempfile.mkdtemp(prefix=".planner.", suffix=".tmp", dir=path))
    try:
        _mark(path, kind, complete=False)
        write(tmp)
        written = _written(tmp)
        for p in sorted(tmp.iterdir()):
            os.replace(p, path / p.name)
        _mark_written(path, kind, made_from, written)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_file(path: str | Path, data: str | bytes, option: str, is_ours: Callable[[Path], bool],
               what: str = "file") -> Path:
    """Write one output file atomically. An existing path is replaced only if it is a regular file that
    ``is_ours(path)`` recognises as one the planner wrote; anything else is left untouched (OutputError)."""
    path = Path(path)
    why = None
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise OutputError(problem(option, str(path), f"cannot be used ({exc.strerror or exc})")) from None
    if mode is not None:
        if stat.S_ISLNK(mode):
            why = "is a symbolic link; give the file itself (the planner does not write through links)"
        elif stat.S_ISDIR(mode):
            why = f"is a folder, not a {what}; left untouched"
        elif not stat.S_ISREG(mode):
            why = f"is a device or special file, not a {what}; left untouched"
        elif not is_ours(path):
            why = f"is an existing file that is not a {what} the planner wrote; left untouched (choose a new name)"
    if why:
        raise OutputError(problem(option, str(path), why))
    _prepare_parent(path, option)
    try:
        atomic_write(path, data)
    except OSError as exc:
        if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENAMETOOLONG):
            raise
        raise OutputError(problem(option, str(path), f"cannot be written ({exc.strerror or exc})")) from None
    return path
