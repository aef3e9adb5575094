"""What-if re-solves behind the sliders: one solver session per browser session, in a thread of its own.

A ``WhatIf`` owns one ``planner.session.Session`` (the run's scenario, built once) and a worker thread that solves
the requests it is given, one at a time under a lock. A slider change re-targets the same model in place
(``Session.apply``: no rebuild unless the index sets change) and re-solves it (``Session.resolve``). A request made
while another is solving waits as the *pending* one: it is not lost. A newer request replaces a pending one that
has not started (only the sliders' latest state is worth solving), and the replaced one is answered as superseded.
Each browser session (tab) has its own ``WhatIf``, so tabs never share a model.
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from planner import progress
from planner.api import explain_no_plan, plan_summary, plan_tables
from planner.errors import PlannerError
from planner.scenario.load import load_scenario
from planner.session import Session
from planner.solver.explain import iis_lines

KEEP = 24  # outcomes kept (each holds a plan's tables): asking again for a forgotten one re-solves it
IDLE_S = 900.0  # a solver session asked nothing for this long is dropped (its tab may be gone); the next ask rebuilds


@dataclass
class Outcome:
    request: int
    overrides: dict[str, Any]
    status: str  # optimal | time_limit | infeasible | ... | superseded | error
    how: str = ""  # first solve | update | rebuild
    seconds: float = 0.0  # from the request's start to its answer: update, re-solve, tables
    solve_seconds: float = 0.0  # the update and the re-solve alone
    summary: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, Any] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)  # why there is no plan
    evidence: list[str] = field(default_factory=list)  # the irreducible infeasible subsystem, in words
    error: str = ""

    @property
    def has_plan(self) -> bool:
        return self.status in ("optimal", "time_limit") and bool(self.tables)


@dataclass
class _Request:
    id: int
    overrides: dict[str, Any]


class WhatIf:
    """A run's scenario kept in a solver session for re-solves, behind a worker thread."""

    def __init__(self, scenario_file: str | Path, explain: bool = True):
        self.scenario_file = Path(scenario_file)
        self.explain = explain
        self.session: Session | None = None
        self.lock = threading.Lock()  # held while the session solves: one solve at a time
        self._cv = threading.Condition()
        self._next_id = 0
        self._pending: _Request | None = None
        self._running: _Request | None = None
        self._stage, self._started = "", 0.0
        self._results: dict[int, Outcome] = {}
        self.latest: Outcome | None = None
        self.base: Outcome | None = None  # the run's own plan, solved first in this session
        self._closed = False
        self._thread: threading.Thread | None = None
        self._start()

    def _start(self) -> None:
        """(Re)start the worker thread (called with the condition held, or before anyone else can submit)."""
        self._thread = threading.Thread(target=self._loop, name=f"what-if {self.scenario_file.parent.name}",
                                        daemon=True)
        self._thread.start()

    # -- asking ----------------------------------------------------------------------------------------------
    def submit(self, overrides: dict[str, Any]) -> int:
        """Queue a re-solve with these overrides (on the run's scenario); returns its request id."""
        with self._cv:
            self._next_id += 1
            req = _Request(self._next_id, dict(overrides))
            if self._pending is not None:
                old = self._pending
                self._results[old.id] = Outcome(old.id, old.overrides, "superseded")
            self._pending = req
            if self._thread is None:  # it ended after a long idle time
                self._start()
            self._cv.notify_all()
            return req.id

    def wait(self, request: int, timeout: float | None = None) -> Outcome | None:
        """The outcome of a request, waiting at most ``timeout`` seconds (None if not done by then)."""
        end = None if timeout is None else time.monotonic() + timeout
        with self._cv:
            while request not in self._results:
                left = None if end is None else end - time.monotonic()
                if left is not None and left <= 0:
                    return None
                self._cv.wait(left)
            return self._results[request]

    def alive(self, request: int | None) -> bool:
        """Whether a request is pending, running or answered with a plan or its absence (not superseded, not
        forgotten): asking again for its overrides is then not needed."""
        with self._cv:
            if request is None:
                return False
            if self._pending and self._pending.id == request or self._running and self._running.id == request:
                return True
            out = self._results.get(request)
            return out is not None and out.status != "superseded"

    def outcome(self, request: int) -> Outcome | None:
        with self._cv:
            return self._results.get(request)

    def state(self) -> dict[str, Any]:
        """What the worker does now: the running request, its stage and seconds so far, the pending request."""
        with self._cv:
            return {"running": self._running.id if self._running else None, "stage": self._stage,
                    "seconds": time.monotonic() - self._started if self._running else 0.0,
                    "pending": self._pending.id if self._pending else None}

    def close(self) -> None:
        with self._cv:
            self._closed = True
            self._cv.notify_all()

    # -- working ---------------------------------------------------------------------------------------------
    def _set_stage(self, text: str) -> None:
        with self._cv:
            self._stage = text

    def _loop(self) -> None:
        me = threading.get_ident()

        def heard(message: str) -> None:  # progress messages of this thread only (e.g. Dinkelbach iterations)
            if threading.get_ident() == me:
                self._set_stage(message)

        with progress.listening(heard):
            while True:
                with self._cv:
                    while self._pending is None and not self._closed:
                        if not self._cv.wait(IDLE_S) and self._pending is None:  # idle: free the model
                            self.session, self._thread = None, None
                            return
                    if self._closed:
                        return
                    req, self._pending = self._pending, None
                    self._running, self._started, self._stage = req, time.monotonic(), "starting"
                with self.lock:
                    out = self._solve(req)
                with self._cv:
                    self._results[req.id] = out
                    self.latest = out
                    for old in sorted(self._results)[1:-KEEP]:  # the first (the run's own plan) and the last KEEP
                        del self._results[old]
                    self._running = None
                    self._cv.notify_all()

    def _solve(self, req: _Request) -> Outcome:
        t0 = time.perf_counter()
        try:
            s = self.session
            if s is None:
                self._set_stage("reading the scenario and building the model")
                s = self.session = Session(load_scenario(self.scenario_file))
                self._set_stage("solving the run's own plan")
                res, _ = s.solve_plan()
                if self.base is None:
                    self.base = self._outcome(_Request(0, {}), res, "first solve", t0)
                if not req.overrides:
                    return replace(self.base, request=req.id)
            self._set_stage("updating the model")
            how = s.apply(req.overrides)
            self._set_stage("re-solving")
            res = s.resolve()
            return self._outcome(req, res, how, t0)
        except PlannerError as exc:  # bad overrides: the scenario does not validate with them
            out = Outcome(req.id, req.overrides, "bad input", error=str(exc))
        except Exception as exc:  # noqa: BLE001 - shown on the page; the session is rebuilt next time
            self.session = None
            out = Outcome(req.id, req.overrides, "error", error="".join(
                traceback.format_exception_only(type(exc), exc)).strip())
        out.seconds = time.perf_counter() - t0
        return out

    def _outcome(self, req: _Request, res, how: str, t0: float) -> Outcome:
        """The plan of the session's last solve (its tables and summary), or why there is none."""
        s = self.session
        out = Outcome(req.id, req.overrides, res.status, how=how, solve_seconds=time.perf_counter() - t0)
        if res.has_solution:
            self._set_stage("reading the plan")
            sol, out.tables = plan_tables(s, self.explain)
            out.summary = plan_summary(s, res, sol, out.tables, {}, t0, [])
        else:
            self._set_stage("explaining why there is no plan")
            out.reasons, iis, _ = explain_no_plan(s, res)
            out.evidence = iis_lines(iis)
            out.status = "infeasible" if res.status in ("infeasible", "error") else res.status
        out.seconds = time.perf_counter() - t0
        return out
