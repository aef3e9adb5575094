"""A fuzzer for bad input: mutated scenarios, sweep specs and command lines, each run in its own process with a
time limit, every outcome classified.

    .venv/bin/python tests/fuzz.py --scenarios 1000 --cli 200          # the issue's done-when run (a few minutes)
    .venv/bin/python tests/fuzz.py --scenarios 40 --cli 15 --seed 3    # what tests/test_fuzz.py runs in CI

What counts as a defect (the exit status says how many there were; each one is saved under ``--keep`` with its
files and command line, to reproduce with ``planner ...``):

- exit code 1 (an internal error) or a Python traceback in the output;
- a hang: more than ``--timeout`` (5) seconds of CPU time, or no answer within ``--wall`` (60) seconds of wall
  clock (CPU time, not wall time, is the measure: on a machine shared by many processes a case that answers at once
  can take ten times longer by the clock);
- a message longer than 10 lines on stderr (progress lines aside), or a line longer than 1,000 characters.

Scenario mutations mutate one of the bundled scenarios (``data/scenarios``) or sweep specs (``data/sweeps``) once,
in its parsed form (delete a key, a value of the wrong type, non-finite or huge numbers, huge lists and strings,
thousands of unknown keys, surrogate characters, deep nesting) or in its text (truncated, stray characters, an alias
bomb, invalid UTF-8); a few are not files at all (a folder, a FIFO, a device). A scenario is checked with
``planner validate``; a sweep spec as ``planner sweep`` checks it before its first case (its cases are not run).
CLI invocations combine the commands with odd options (``--set`` with odd values, odd numbers, odd ``--out`` folders
inside the scratch folder, unknown options, cluster addresses, run folders that are not).

Each case runs in a process forked from this one after the planner is imported (about 0.1 s a case instead of 2 s
to start Python); ``--exec`` runs the installed ``planner`` script instead (sweep specs are then skipped: they would
run their cases). Every path the fuzzer writes is inside a fresh scratch folder: it never points the planner at a
path outside it.
"""

from __future__ import annotations

import argparse
import collections
import copy
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "data" / "scenarios"
SWEEPS = ROOT / "data" / "sweeps"
TIMEOUT_S = 5.0
WALL_S = 60.0
MAX_MESSAGE_LINES = 10
MAX_LINE_CHARS = 1_000
PROGRESS = re.compile(r"^\[\s*[0-9.]+ s\] ")


# ------------------------------------------------------------------------------------------------ outcomes


@dataclass
class Outcome:
    kind: str  # scenario | sweep | cli
    argv: list[str]
    rc: int | None  # None: killed at the wall-clock limit
    seconds: float  # wall clock
    cpu_s: float  # CPU time of the case's process (what it costs on a quiet machine)
    stderr: str
    stdout: str
    note: str = ""
    files: dict[str, str] = field(default_factory=dict)

    @property
    def message_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip() and not PROGRESS.match(line)]

    @property
    def is_help(self) -> bool:
        """`planner` with no command prints its help screen (asked for, not an error message)."""
        return not self.argv and self.stderr.lstrip().startswith("Usage:") and "Commands" in self.stderr

    def defects(self, hang_s: float = TIMEOUT_S) -> list[str]:
        out = []
        if self.rc is None or self.cpu_s > hang_s:
            out.append("hang")
        elif self.rc == 1:
            out.append("exit 1")
        elif self.rc not in (0, 2, 3, 4):
            out.append(f"exit {self.rc}")
        if "Traceback (most recent call last)" in self.stderr + self.stdout:
            out.append("traceback")
        if len(self.message_lines) > MAX_MESSAGE_LINES and not self.is_help:
            out.append("long message")
        if any(len(line) > MAX_LINE_CHARS for line in self.message_lines):
            out.append("long line")
        return out


def run_forked(argv: list[str], timeout: float, cwd: Path, dry_sweep: bool):
    """``planner ARGV`` in a child forked from this process (the planner already imported): rc, wall and CPU
    seconds, stderr, stdout."""
    from planner import cli

    out_f = tempfile.TemporaryFile()
    err_f = tempfile.TemporaryFile()
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        rc = 70
        try:
            os.setsid()
            os.chdir(cwd)
            os.dup2(out_f.fileno(), 1)
            os.dup2(err_f.fileno(), 2)
            sys.stdout = os.fdopen(1, "w", buffering=1, errors="backslashreplace")
            sys.stderr = os.fdopen(2, "w", buffering=1, errors="backslashreplace")
            if dry_sweep:  # check the spec and its cases as `planner sweep` does, then stop before the first case
                import typer

                import planner.batch.run as batch_run

                def stop(*a, **k):
                    raise typer.Exit(0)

                batch_run._run = stop
                batch_run._connect = lambda *a, **k: None
            rc = cli.main(argv)
        except BaseException:  # noqa: BLE001 - anything escaping main is a defect: show it
            import traceback

            traceback.print_exc()
            rc = 1
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(rc if isinstance(rc, int) else 1)
    rc, cpu = _wait(pid, timeout)
    seconds = time.perf_counter() - t0
    return rc, seconds, cpu, _read(err_f), _read(out_f)


def _wait(pid: int, timeout: float) -> tuple[int | None, float]:
    deadline = time.monotonic() + timeout
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime
        if time.monotonic() > deadline:
            try:
                os.killpg(pid, signal.SIGKILL)  # the child and anything it started (its own session)
            except ProcessLookupError:
                pass
            _, _, usage = os.wait4(pid, 0)
            return None, usage.ru_utime + usage.ru_stime
        time.sleep(0.01)


def run_exec(argv: list[str], timeout: float, cwd: Path):
    """The installed console script, as a user runs it."""
    exe = Path(sys.executable).with_name("planner")
    t0 = time.perf_counter()
    before = os.times()
    try:
        p = subprocess.run([str(exe), *argv], cwd=cwd, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL,
                           start_new_session=True)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as exc:
        rc, out, err = None, exc.stdout or b"", exc.stderr or b""
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return rc, time.perf_counter() - t0, cpu, err.decode("utf-8", "replace"), out.decode("utf-8", "replace")


def _read(f) -> str:
    f.seek(0)
    data = f.read(200_000)
    f.close()
    return data.decode("utf-8", "replace")


# ------------------------------------------------------------------------------------------------ mutations


def odd_values(rng: random.Random):
    """Values a hostile or careless user may put anywhere."""
    return rng.choice([
        None, True, False, "", "x" * rng.choice([81, 5000, 200_000]), "2e1", "1e999", ".inf", ".nan", "low", "high",
        -1, 0, 1, 2200, 30000, 10**9, 2**70, -(2**70), 1e308, -1e308, 1e-320, float("inf"), float("-inf"),
        float("nan"), 2e1, [], {}, [1] * rng.choice([3, 1000, 60_000]), {f"k{i}": i for i in range(rng.choice([3, 2000]))},
        {2200: 1.0}, {1990: -1}, {"": 1}, "\udc80", "caf\u00e9 \u2603", "../../../etc/passwd", "/dev/zero",
        _nest(rng.choice([30, 200, 1000])), "*", "?", "[", "a: b", "- x", "{{}}",
    ])


def _nest(depth: int):
    x: object = 1
    for _ in range(depth):
        x = [x]
    return x


def paths_of(doc, prefix=()):
    """Every (path) to a value in a nested document."""
    out = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            out.append(prefix + (k,))
            out += paths_of(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out.append(prefix + (i,))
            out += paths_of(v, prefix + (i,))
    return out


def _parent(doc, path):
    node = doc
    for p in path[:-1]:
        node = node[p]
    return node


def mutate_doc(doc, rng: random.Random) -> tuple[object, str]:
    doc = copy.deepcopy(doc)
    paths = paths_of(doc)
    op = rng.choice(["delete", "value", "value", "value", "rename", "unknown", "many_unknown", "swap", "list_bomb",
                     "deep", "top_type"])
    if op == "top_type":
        return rng.choice([[], "text", 42, None, [doc]]), "top level of another type"
    if op == "many_unknown":
        n = rng.choice([100, 5_000, 30_000])
        target = _parent(doc, rng.choice(paths)) if paths else doc
        if not isinstance(target, dict):
            target = doc
        for i in range(n):
            target[f"unknown_{i}"] = i
        return doc, f"{n} unknown keys"
    if op == "unknown":
        target = _parent(doc, rng.choice(paths)) if paths else doc
        if isinstance(target, dict):
            target[rng.choice(["extra", "\udc80key", "k" * 500, "latency_limit", "Name", "<<"])] = odd_values(rng)
        return doc, "an unknown key"
    if not paths:
        return doc, "empty"
    path = rng.choice(paths)
    parent = _parent(doc, path)
    key = path[-1]
    where = ".".join(map(str, path))
    if op == "delete":
        del parent[key]
        return doc, f"deleted {where}"
    if op == "rename" and isinstance(parent, dict):
        parent[rng.choice(["\udc80", "x" * 300, key.upper() if isinstance(key, str) else "1", 2200, ""])] = \
            parent.pop(key)
        return doc, f"renamed {where}"
    if op == "swap":
        other = rng.choice(paths)
        try:
            parent[key] = copy.deepcopy(_parent(doc, other)[other[-1]])
        except (KeyError, IndexError, TypeError):
            pass
        return doc, f"{where} set to the value at another path"
    if op == "list_bomb":
        parent[key] = ["*"] * rng.choice([1000, 100_000])
        return doc, f"{where} a huge list"
    if op == "deep":
        parent[key] = _nest(rng.choice([45, 500]))
        return doc, f"{where} nested deep"
    value = odd_values(rng)
    parent[key] = value
    shown = f"a list nested {_depth(value)} deep" if isinstance(value, list) and _depth(value) > 20 else \
        repr(value)[:40]
    return doc, f"{where} = {shown}"


def _depth(x) -> int:
    n = 0
    while isinstance(x, list) and x:
        x, n = x[0], n + 1
    return n


BOMB = "bomb:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"  {c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))


def mutate_text(text: str, rng: random.Random) -> tuple[bytes, str]:
    op = rng.choice(["truncate", "insert", "delete_line", "bomb", "numbers", "bytes", "merge", "tabs", "dup"])
    if op == "truncate":
        return text[:rng.randrange(len(text))].encode(), "truncated"
    if op == "insert":
        i = rng.randrange(len(text))
        return (text[:i] + rng.choice([":", "[", "{", "}", "]", "&a ", "*a", "!!python/object:os.system", "- ",
                                       "\t", "'", '"', "%YAML 1.1\n", "---\n", "? "]) + text[i:]).encode(), "stray text"
    if op == "delete_line":
        lines = text.splitlines(keepends=True)
        del lines[rng.randrange(len(lines))]
        return "".join(lines).encode(), "a line deleted"
    if op == "bomb":
        return (text + "\n" + BOMB).encode(), "alias bomb"
    if op == "numbers":
        return re.sub(r"\b\d+(\.\d+)?\b", lambda m: rng.choice([m.group(0), "2e1", "1e999", ".inf", ".nan", "-.inf",
                                                                  "0x1F", "1_000", "0o17", "1e308"]),
                      text).encode(), "numbers rewritten (YAML 1.2, non-finite)"
    if op == "bytes":
        i = rng.randrange(len(text))
        return text[:i].encode() + rng.choice([b"\xff\xfe", b"\x00", b"\xc3", b"\xed\xb2\x80"]) + \
            text[i:].encode(), "invalid UTF-8 / NUL"
    if op == "merge":
        return (text + "\nx-defaults: &d {label: a}\nworkloads_extra:\n  <<: *d\n").encode(), "merge key"
    if op == "tabs":
        return text.replace("  ", "\t", 3).encode(), "tabs"
    lines = text.splitlines(keepends=True)
    i = rng.randrange(len(lines))
    lines.insert(i, lines[i])
    return "".join(lines).encode(), "a line doubled"


def dump(doc) -> bytes:
    try:
        return yaml.safe_dump(doc, sort_keys=False, allow_unicode=False, width=200).encode("utf-8", "surrogatepass")
    except (yaml.YAMLError, RecursionError, UnicodeError, ValueError) as exc:
        return f"# could not dump: {exc.__class__.__name__}\nname: x\n".encode()


# ------------------------------------------------------------------------------------------------ the campaign


class Fuzzer:
    def __init__(self, seed: int, wall_timeout: float, use_exec: bool, scratch: Path):
        self.rng = random.Random(seed)
        self.timeout = wall_timeout
        self.use_exec = use_exec
        self.scratch = scratch
        # the bundled files side by side as in data/, so that `extends:` and `base:` still resolve
        shutil.copytree(SCENARIOS, scratch / "scenarios")
        shutil.copytree(SWEEPS, scratch / "sweeps")
        for spec in (scratch / "sweeps").glob("*.yaml"):  # on the smallest scenario: checking a spec probes cases
            spec.write_text(spec.read_text().replace("../scenarios/reference.yaml",
                                                     "../scenarios/suncatcher_table1.yaml"))
        self.scenarios = sorted((scratch / "scenarios").glob("*.yaml"))
        self.sweeps = sorted((scratch / "sweeps").glob("*.yaml"))
        self.n = 0

    def _file(self, folder: str, data: bytes, suffix: str = ".yaml") -> Path:
        self.n += 1
        path = self.scratch / folder / f"fuzz_{self.n:05d}{suffix}"
        path.write_bytes(data)
        return path

    def run(self, kind: str, argv: list[str], note: str, files: dict[str, str] | None = None) -> Outcome:
        dry = kind == "sweep" or (argv[:1] == ["sweep"])
        if self.use_exec:
            rc, s, cpu, err, out = run_exec(argv, self.timeout, self.scratch)
        else:
            rc, s, cpu, err, out = run_forked(argv, self.timeout, self.scratch, dry)
        return Outcome(kind, argv, rc, s, cpu, err, out, note, files or {})

    # -- scenario and sweep-spec files
    def scenario_case(self) -> Outcome:
        rng = self.rng
        special = rng.random() < 0.04
        if special:
            target = rng.choice(["folder", "fifo", "/dev/zero", "/proc/self/status", "/etc/passwd", "missing",
                                 "long"])
            if target == "folder":
                path = self.scratch / "scenarios" / f"dir_{self.n}"
                path.mkdir(exist_ok=True)
            elif target == "fifo":
                path = self.scratch / f"fifo_{self.n}"
                if not path.exists():
                    os.mkfifo(path)
            elif target == "missing":
                path = self.scratch / "nope.yaml"
            elif target == "long":
                path = self.scratch / ("n" * 300 + ".yaml")
            else:
                path = Path(target)
            self.n += 1
            return self.run("scenario", ["validate", str(path)], f"not a scenario file: {target}")
        is_sweep = rng.random() < 0.2 and not self.use_exec
        source = rng.choice(self.sweeps if is_sweep else self.scenarios)
        text = source.read_text(encoding="utf-8")
        if rng.random() < 0.6:
            data, note = mutate_doc(yaml.safe_load(text), rng)
            data = dump(data)
        else:
            data, note = mutate_text(text, rng)
        path = self._file("sweeps" if is_sweep else "scenarios", data)
        files = {path.name: data.decode("utf-8", "backslashreplace")[:20_000]}
        if is_sweep:
            return self.run("sweep", ["sweep", str(path), "--out", str(self.scratch / "out" / f"s{self.n}"),
                                      "--no-progress"], f"{source.name}: {note}", files)
        return self.run("scenario", ["validate", str(path)], f"{source.name}: {note}", files)

    # -- command lines
    def cli_case(self) -> Outcome:
        rng = self.rng
        tiny = str(self.scratch / "scenarios" / "suncatcher_table1.yaml")
        ref = str(self.scratch / "scenarios" / "reference.yaml")
        out = self.scratch / "out"
        out.mkdir(exist_ok=True)
        if (out / "a_file").is_dir():  # a run replaced it (the planner's old --out behaviour): put the file back
            shutil.rmtree(out / "a_file")
        (out / "a_file").write_text("not a folder")
        (out / "fake_run").mkdir(exist_ok=True)
        (out / "fake_run" / "summary.json").write_text(rng.choice(["{", "[]", '{"status": "optimal"}', "NaN"]))
        odd_out = rng.choice([out / "o" / str(self.n), out / ("y" * 300), out / "a_file" / "x", out / "a_file",
                              out / "fake_run" / "sub", out / ("z" * 200) / ("z" * 200), out / "é\u2603"])
        number = lambda: rng.choice(["0", "-1", "1e-9", "1e400", "nan", "inf", "abc", "", "1", "0.5", "2", "99999999"])
        sets = []
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            path = rng.choice(["horizon.last_year", "horizon.step_years", "carbon.price_usd_per_t",
                               "trajectories.cadence_flights_per_yr.starship", "unmet.allowed",
                               "catalog.launch_vehicles.starship.price_musd_per_flight", "solver.time_limit_s",
                               "workloads.training.latency_limit_ms", "money.discount_rate", "name", "nope.field",
                               "catalog.nope", "extends", "a." * 30 + "b", "workloads", ""])
            value = rng.choice(["{}", "[]", "inf", ".nan", "1e308", "2e1", "low", "high", "x" * 500, "", "{2200: 1}",
                                "30000", "-5", "true", "'\\udc80'", "[1, 2", "2031"])
            sets += ["--set", f"{path}={value}" if rng.random() < 0.95 else path]
        cmd = rng.choice(["validate", "validate", "run", "run", "catalog", "report", "compare", "sweep", "other"])
        if cmd == "validate":
            argv = ["validate", rng.choice([tiny, ref, "/dev/zero", str(out), "missing.yaml"]), *sets]
            if rng.random() < 0.3:
                argv += ["--write-resolved", str(rng.choice([odd_out, out / f"r{self.n}.yaml"]))]
        elif cmd == "run":
            argv = ["run", tiny, "--out", str(odd_out), "--no-report", "--quiet", "--analysis",
                    rng.choice(["off", "off", "quick", "bogus"]), *sets]
            for opt in rng.sample(["--time-limit", "--gap", "--threads", "--mode"], rng.choice([0, 1, 2])):
                argv += [opt, rng.choice(["demand", "ratio", "x"]) if opt == "--mode" else number()]
        elif cmd == "catalog":
            argv = ["catalog", "--filter", rng.choice(["", "starship", "\udc80", "x" * 1000]), "--format",
                    rng.choice(["table", "csv", "json", "xml"])]
        elif cmd == "report":
            argv = ["report", str(rng.choice([out / "fake_run", out / "a_file", out / "missing", self.scratch]))]
        elif cmd == "compare":
            argv = ["compare", str(out / "fake_run"), str(out / "missing"), "--out", str(odd_out)]
        elif cmd == "sweep":
            argv = ["sweep", str(rng.choice(self.sweeps)), "--out", str(odd_out), "--no-progress"]
            for opt in rng.sample(["--workers", "--cluster", "--connect-timeout", "--plan", "--resume"],
                                  rng.choice([1, 2])):
                if opt == "--cluster":
                    argv += [opt, rng.choice(["ucx://127.0.0.1:1", "tcp://", "junk", "", "tcp://127.0.0.1:1",
                                              "inproc://x", "tls://[::1", "tcp://host:99999"])]
                elif opt == "--plan":
                    argv += [opt, str(rng.choice([out / "fake_run", out / "a_file", out / "missing"]))]
                elif opt == "--resume":
                    argv += [opt]
                else:
                    argv += [opt, number()]
            if "--cluster" in argv and "--connect-timeout" not in argv:
                argv += ["--connect-timeout", "1"]
            if self.use_exec:  # a valid spec would run its cases: keep one option bad
                argv += ["--workers", "0"]
        else:
            argv = rng.choice([["--version"], ["nope"], ["run"], ["run", tiny, "--bogus"], ["validate", "--set"],
                               ["--debug", "validate", "missing.yaml"], [], ["run", tiny, "--gap=abc"],
                               ["validate", tiny, "--set", "=1"], ["validate", "x" * 5000]])
        return self.run("cli", argv, "command line")


def campaign(n_scenarios: int, n_cli: int, seed: int = 0, hang_s: float = TIMEOUT_S, wall_s: float = WALL_S,
             use_exec: bool = False, keep: Path | None = None, say=print) -> dict:
    """Run the cases; return the counts and the defective outcomes."""
    from planner import cli  # noqa: F401 - imported once here, shared by every forked case
    import planner.api  # noqa: F401
    import planner.batch.run  # noqa: F401
    import planner.report.compare  # noqa: F401
    import planner.report.render  # noqa: F401

    counts: dict[str, collections.Counter] = {k: collections.Counter() for k in ("scenario", "sweep", "cli")}
    defects: list[tuple[Outcome, list[str]]] = []
    slowest = 0.0
    with tempfile.TemporaryDirectory(prefix="planner-fuzz-") as tmp:
        fz = Fuzzer(seed, wall_s, use_exec, Path(tmp))
        t0 = time.perf_counter()
        for i in range(n_scenarios + n_cli):
            o = fz.scenario_case() if i < n_scenarios else fz.cli_case()
            counts[o.kind]["hang" if o.rc is None else f"exit {o.rc}"] += 1
            slowest = max(slowest, o.cpu_s)
            bad = o.defects(hang_s)
            if bad:
                defects.append((o, bad))
                say(f"DEFECT {', '.join(bad)} ({o.cpu_s:.1f} s CPU, {o.seconds:.1f} s wall): {o.kind} {o.note}: "
                    f"planner {' '.join(a[:80] for a in o.argv)}\n  "
                    + "\n  ".join(o.stderr.strip().splitlines()[-3:])[:600])
            if (i + 1) % 100 == 0:
                say(f"  {i + 1} cases, {len(defects)} defects, {time.perf_counter() - t0:.0f} s")
        if keep is not None and defects:
            keep.mkdir(parents=True, exist_ok=True)
            for j, (o, bad) in enumerate(defects):
                (keep / f"defect_{j:03d}.json").write_text(json.dumps(
                    {"defects": bad, "kind": o.kind, "note": o.note, "argv": o.argv, "rc": o.rc, "seconds": o.seconds,
                     "stderr": o.stderr[-5000:], "files": o.files}, indent=1, ensure_ascii=True))
    kinds = collections.Counter(d for _, bad in defects for d in bad)
    return {"counts": {k: dict(v) for k, v in counts.items() if v}, "defects": dict(kinds),
            "defective": [(o, bad) for o, bad in defects], "slowest_s": slowest,
            "cases": {"scenario files": n_scenarios, "command lines": n_cli}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenarios", type=int, default=1000, help="mutated scenario files and sweep specs")
    ap.add_argument("--cli", type=int, default=200, help="command lines")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=TIMEOUT_S, help="CPU seconds above which a case is a hang")
    ap.add_argument("--wall", type=float, default=WALL_S, help="wall-clock seconds after which a case is killed")
    ap.add_argument("--exec", dest="use_exec", action="store_true", help="run the installed planner script")
    ap.add_argument("--keep", type=Path, default=None, help="folder for the defective cases (JSON each)")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    r = campaign(a.scenarios, a.cli, a.seed, a.timeout, a.wall, a.use_exec, a.keep)
    print(f"\n{a.scenarios} scenario/sweep-spec mutations and {a.cli} command lines, seed {a.seed}, "
          f"{'exec' if a.use_exec else 'fork'} mode, {time.perf_counter() - t0:.0f} s "
          f"(slowest case {r['slowest_s']:.2f} s of CPU)")
    for kind, c in r["counts"].items():
        print(f"  {kind:9s} " + ", ".join(f"{k}: {n}" for k, n in sorted(c.items())))
    print("  defects: " + (", ".join(f"{k}: {n}" for k, n in sorted(r["defects"].items())) or "none"))
    return 1 if r["defects"] else 0


if __name__ == "__main__":
    sys.exit(main())
