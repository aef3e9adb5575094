"""What-if re-solves behind the sliders: one solver session per browser session, in a thread of its own.

A ``WhatIf`` owns one ``planner.session.Session`` (the run's scenario, built once) and a worker thread that solves
the requests it is given, one at a time under a lock. A slider change re-targets the same model in place
(``Session.apply``: no rebuild unless the index sets change) and re-solves it (``Session.resolve``). Before the
re-solve, a *preview* is answered at once: the plan shown last (its units, trips and site openings) held and the rest
re-optimised under the new values (``Session.holding``: an LP, the fixed-plan evaluation of ``planner sweep --plan``);
the full re-solve then replaces it. Where the plan cannot be held as it is (infeasible under the new values, or its
units resized or gone), the preview says why instead. A request made
while another is solving waits as the *pending* one: it is not lost. A newer request replaces a pending one that
has not started (only the sliders' latest state is worth solving), and the replaced one is answered as superseded.
Each browser session (tab) has its own ``WhatIf``, so tabs never share a model. A model of the reference holds 1-2 GB,
so a server keeps at most ``PLANNER_APP_MAX_WHATIF`` (default 3) of them alive: a tab that opens one more drops the
least recently used idle one, whose tab is told so and rebuilds it when it is used again.
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from planner import progress
from planner.api import explain_no_plan, plan_summary, plan_tables
from planner.errors import PlannerError
from planner.results.plan import read_decisions
from planner.scenario.load import load_scenario
from planner.session import Session
from planner.solver.explain import iis_lines

MAX_WHATIF_ENV = "PLANNER_APP_MAX_WHATIF"
MAX_WHATIF = 3  # live solver sessions per server (each tab has its own; the least recently used idle one is dropped)
KEEP = 24  # outcomes kept (each holds a plan's tables): asking again for a forgotten one re-solves it
IDLE_S = 900.0  # a solver session asked nothing for this long is dropped (its tab may be gone); the next ask rebuilds


_LIVE: dict[int, "WhatIf"] = {}  # the server's live solver sessions, least recently used first
_LIVE_LOCK = threading.Lock()


def max_live() -> int:
    """Live what-if solver sessions a server keeps (``PLANNER_APP_MAX_WHATIF``, default 3, at least 1)."""
    try:
        return max(1, int(os.environ.get(MAX_WHATIF_ENV, MAX_WHATIF)))
    except ValueError:
        return MAX_WHATIF


@dataclass
class Outcome:
    request: int
    overrides: dict[str, Any]
    status: str  # optimal | time_limit | infeasible | ... | superseded | error
    how: str = ""  # first solve | update | rebuild | preview
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

    def __init__(self, scenario_file: str | Path, explain: bool = True, preview: bool = True):
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
        self._previews: dict[int, Outcome] = {}  # request -> its preview (status 'skipped': why there is none)
        self.preview = preview
        self.latest: Outcome | None = None
        self.base: Outcome | None = None  # the run's own plan, solved first in this session
        self._closed = False
        self.evicted = ""  # why this solver session was dropped to free memory (its tab is told)
        self._thread: threading.Thread | None = None
        self._start()
        self.touch()

    def _start(self) -> None:
        """(Re)start the worker thread (called with the condition held, or before anyone else can submit)."""
        self._thread = threading.Thread(target=self._loop, name=f"what-if {self.scenario_file.parent.name}",
                                        daemon=True)
        self._thread.start()

    # -- asking ----------------------------------------------------------------------------------------------
    def submit(self, overrides: dict[str, Any]) -> int:
        """Queue a re-solve with these overrides (on the run's scenario); returns its request id. A closed session
        answers at once that it is closed."""
        with self._cv:
            self._next_id += 1
            req = _Request(self._next_id, dict(overrides))
            if self._closed:
                self._results[req.id] = Outcome(req.id, req.overrides, "error",
                                                error=self.evicted or "this what-if session is closed")
                self._cv.notify_all()
                return req.id
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

    def preview_of(self, request: int) -> Outcome | None:
        """The request's preview (``how == 'preview'``), or why it has none (status 'skipped', ``error``), once
        known; None before then, or when the request needs none (the first solve)."""
        with self._cv:
            return self._previews.get(request)

    def wait_preview(self, request: int, timeout: float | None = None) -> Outcome | None:
        """The request's preview, or its final outcome if that comes first (None if neither by ``timeout``)."""
        end = None if timeout is None else time.monotonic() + timeout
        with self._cv:
            while request not in self._previews and request not in self._results:
                left = None if end is None else end - time.monotonic()
                if left is not None and left <= 0:
                    return None
                self._cv.wait(left)
            return self._previews.get(request) or self._results[request]

    def state(self) -> dict[str, Any]:
        """What the worker does now: the running request, its stage and seconds so far, the pending request."""
        with self._cv:
            return {"running": self._running.id if self._running else None, "stage": self._stage,
                    "seconds": time.monotonic() - self._started if self._running else 0.0,
                    "pending": self._pending.id if self._pending else None}

    def close(self) -> None:
        with _LIVE_LOCK:
            _LIVE.pop(id(self), None)
        with self._cv:
            self._closed = True
            self._cv.notify_all()

    # -- the server's memory: at most max_live() solver sessions -------------------------------------------
    def touch(self) -> None:
        """Mark this solver session as used now; beyond ``max_live()`` live sessions, drop the least recently used
        idle ones (never one that solves or has a request waiting)."""
        with _LIVE_LOCK:
            _LIVE.pop(id(self), None)
            _LIVE[id(self)] = self
            over = len(_LIVE) - max_live()
            dropped = []
            for other in list(_LIVE.values())[:-1]:
                if len(dropped) >= over:
                    break
                if other._evict(max_live()):
                    del _LIVE[id(other)]
                    dropped.append(other)

    def _evict(self, most: int) -> bool:
        """Close this session and free its model if it is idle; False (left alive) if it is busy."""
        with self._cv:
            if self._running is not None or self._pending is not None:
                return False
            self._closed = True
            self.evicted = (f"This tab's what-if solver session was closed to free memory for another tab: the "
                            f"server keeps at most {most} live what-if sessions (each holds the run's model, 1-2 GB "
                            f"on the reference) and drops the least recently used. It is rebuilt now; the sliders "
                            f"are kept.")
            self._cv.notify_all()
        self.session = None  # idle: no solve holds it (a request now finds the session closed)
        return True

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
                    for old in sorted(self._previews)[:-KEEP]:
                        del self._previews[old]
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
                s.ad.map_uses()  # ready for the first slider move
                if self.base is None:
                    self.base = self._outcome(_Request(0, {}), res, "first solve", t0)
                if not req.overrides:
                    return replace(self.base, request=req.id)
            shown = self.latest if self.latest is not None and self.latest.has_plan else self.base
            self._set_stage("updating the model")
            how = s.apply(req.overrides)
            if self.preview and shown is not None and shown.has_plan:
                self._preview(req, shown, t0)
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

    def _preview(self, req: _Request, shown: Outcome, t0: float) -> None:
        """Answer the request's preview: the plan shown (``shown``) held on the re-targeted model and the rest
        re-optimised, or why it cannot be held as it is (then the page waits for the full re-solve)."""
        self._set_stage("preview: today's plan under the new values")
        s = self.session
        plan, built = read_decisions(shown.tables["decisions"])  # what `planner sweep --plan` reads
        m, designs = s.pm.m, s.coef.designs
        gone = sorted({f"{a} {key}" for (a, key, v), n in plan.units.items() if n > 0.5 and (a, key, v) not in m.units})
        resized = sorted({f"{a} {key}" for (a, key), n in built.items()
                          if (a, key) in designs and designs[(a, key)].accelerators_per_unit != n})
        why = ""
        if gone:
            why = f"the new values leave no place for today's units of {', '.join(gone[:3])}"
        elif resized:
            why = f"the new values resize today's units of {', '.join(resized[:3])} (accelerators per unit)"
        if not why:
            with s.holding(plan):
                res = s.ad.solve()
                if res.has_solution:  # the plan's own tables: the units' costs come with the re-solve
                    out = self._outcome(req, res, "preview", t0, units=False)
                else:
                    why = (f"today's plan cannot be carried out under the new values (its units, trips and site "
                           f"openings held, the model is {res.status})")
        if why:
            out = Outcome(req.id, req.overrides, "skipped", how="preview", error=why,
                          seconds=time.perf_counter() - t0)
        with self._cv:
            self._previews[req.id] = out
            self._cv.notify_all()

    def _outcome(self, req: _Request, res, how: str, t0: float, units: bool = True) -> Outcome:
        """The plan of the session's last solve (its tables and summary; ``units``: with each unit's cost per FLOP,
        its split and the binding constraints), or why there is none."""
        s = self.session
        out = Outcome(req.id, req.overrides, res.status, how=how, solve_seconds=time.perf_counter() - t0)
        if res.has_solution:
            self._set_stage("reading the plan")
            sol, out.tables = plan_tables(s, self.explain, units)
            out.summary = plan_summary(s, res, sol, out.tables, {}, t0, [])
        else:
            self._set_stage("explaining why there is no plan")
            out.reasons, iis, _ = explain_no_plan(s, res)
            out.evidence = iis_lines(iis)
            out.status = "infeasible" if res.status in ("infeasible", "error") else res.status
        out.seconds = time.perf_counter() - t0
        return out
