"""Progress of long runs: which stage is running, each Dinkelbach iteration and its ratio.

The library reports what it is doing through :func:`step`; nothing is printed unless someone listens (the CLI
listens while ``planner run`` works and writes each message to stderr).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

_LISTENERS: list[Callable[[str], None]] = []


def step(message: str) -> None:
    """Tell every listener what the planner is doing now (one short line)."""
    for listener in list(_LISTENERS):
        listener(message)


@contextmanager
def listening(listener: Callable[[str], None]) -> Iterator[None]:
    """Call ``listener(message)`` for every progress message while the block runs."""
    _LISTENERS.append(listener)
    try:
        yield
    finally:
        _LISTENERS.remove(listener)
