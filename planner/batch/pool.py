"""The local process pool of a sweep: it knows which case each worker is running.

``concurrent.futures``' pool breaks as a whole when one worker dies: every pending case fails with
BrokenProcessPool and none can be told from the one that killed it. Here each worker has its own pipe and takes
one case at a time, so a worker's death is charged to the case it was running, and only to it; the other cases
go on (a replacement worker starts when there is work for it). Workers start lazily, one per case handed out, up
to the limit, and exit when the parent process dies: PR_SET_PDEATHSIG on Linux, and on every platform a watchdog
thread that checks the parent every second.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Sequence

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
WATCHDOG_S = 1.0


def _die_with_parent(parent: int) -> None:
    """End this worker when its parent dies: the kernel's parent-death signal where there is one, and a watchdog
    thread everywhere (a parent killed with SIGKILL runs no clean-up, so the workers must notice themselves)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):  # pragma: no cover - no prctl: the watchdog alone
            pass
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(WATCHDOG_S)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def _worker(conn: Connection, parent: int, func: Callable[..., Any]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the sweep, which then ends its workers
    _die_with_parent(parent)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        conn.send(func(*task))


@dataclass
class _Worker:
    proc: Any
    conn: Connection
    task: int | None = None  # the number of the task it runs


@dataclass
class Death:
    """A worker died while running ``task``; it was the ``tries``-th death of this task."""

    task: tuple
    tries: int
    exitcode: int | None

    @property
    def why(self) -> str:
        code = self.exitcode
        how = (f"killed by signal {signal.Signals(-code).name}" if code is not None and code < 0 and
               -code in signal.valid_signals() else f"exit code {code}")
        return f"the worker running it died ({how}) {self.tries} time{'s' if self.tries != 1 else ''}"


def run_tasks(func: Callable[..., Any], tasks: Sequence[tuple], workers: int, max_tries: int,
              on_result: Callable[[tuple, Any], None], on_death: Callable[[Death], None],
              on_tick: Callable[[], None] | None = None, tick_s: float = 5.0) -> None:
    """Run ``func(*task)`` for every task on at most ``workers`` forked processes. ``on_result(task, result)``
    gets each result; a task whose worker died is run again (on a new worker) until it has killed ``max_tries``
    workers, then ``on_death`` gets it. ``on_tick`` is called at least every ``tick_s`` seconds while waiting."""
    ctx = mp.get_context("fork")
    queue = deque(range(len(tasks)))  # task numbers
    deaths: dict[int, int] = {}
    idle: list[_Worker] = []
    busy: dict[Any, _Worker] = {}  # connection and process sentinel -> worker
    parent = os.getpid()

    def start() -> _Worker:
        ours, theirs = ctx.Pipe()
        proc = ctx.Process(target=_worker, args=(theirs, parent, func), daemon=True, name="planner-sweep-worker")
        proc.start()
        theirs.close()
        log.info("started worker pid %d", proc.pid)
        return _Worker(proc, ours)

    def retire(w: _Worker) -> None:
        w.proc.join(timeout=5)
        if w.proc.is_alive():
            w.proc.kill()
            w.proc.join()
        w.conn.close()

    try:
        while queue or busy:
            while queue and (idle or len(busy) // 2 + len(idle) < workers):
                w = idle.pop() if idle else start()
                k = queue.popleft()
                try:
                    w.conn.send(tasks[k])
                except OSError:  # it died while idle: the task was not its to fail
                    queue.appendleft(k)
                    retire(w)
                    continue
                w.task = k
                busy[w.conn] = busy[w.proc.sentinel] = w
            ready = wait(list(busy), timeout=tick_s)
            if on_tick is not None:
                on_tick()
            for key in ready:
                w = busy.get(key)
                if w is None:  # its connection and its sentinel were both ready: already handled
                    continue
                del busy[w.conn], busy[w.proc.sentinel]
                k, w.task = w.task, None
                got, result = _take(w)
                if got and w.proc.is_alive():
                    idle.append(w)
                else:
                    retire(w)
                if got:
                    on_result(tasks[k], result)
                    continue
                n = deaths[k] = deaths.get(k, 0) + 1
                log.warning("worker pid %s died (exit code %s) running task %d (death %d of %d)", w.proc.pid,
                            w.proc.exitcode, k, n, max_tries)
                if n >= max_tries:
                    on_death(Death(tasks[k], n, w.proc.exitcode))
                else:
                    queue.append(k)
    finally:
        for w in idle + list({id(w): w for w in busy.values()}.values()):
            try:
                w.conn.send(None)
            except OSError:
                pass
            retire(w)


def _take(w: _Worker) -> tuple[bool, Any]:
    """(True, result) if the worker sent its result; (False, None) when it died instead."""
    try:
        if w.conn.poll():
            return True, w.conn.recv()
    except (EOFError, OSError):
        pass
    return False, None
