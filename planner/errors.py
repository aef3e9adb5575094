"""Errors the planner raises on purpose, with the exit code the CLI maps each to.

Exit codes (documented in the README):
    0  success: a plan (optimal, or stopped at the time limit with its gap)
    1  internal error (a bug: please report it with the traceback from ``--debug``)
    2  bad input (scenario, catalog, sweep spec, command line)
    3  infeasible scenario (the plan cannot meet what the scenario requires)
    4  no plan within the time limit (the solver stopped before it found any plan: raise the time limit)
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_INFEASIBLE = 3
EXIT_NO_PLAN = 4

MAX_FILE_CHARS = 200  # a path (the system's own limit is 4,096)
MAX_FIELD_CHARS = 120  # a field path in a problem line (a hostile key can be a million characters)
MAX_REASON_CHARS = 400


class PlannerError(Exception):
    """Base class: an error whose message is meant for the user, one line per problem."""

    exit_code = EXIT_INTERNAL


class InputError(PlannerError):
    """Bad input. ``problems`` holds one ``file: field: reason`` line per problem."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class InfeasibleError(PlannerError):
    """The scenario has no feasible plan; ``reasons`` says what cannot be met and why."""

    exit_code = EXIT_INFEASIBLE

    def __init__(self, reasons: list[str], plan=None):
        self.reasons = list(reasons)
        self.plan = plan
        super().__init__("\n".join(self.reasons))


def problem(file: str, field: str, reason: str) -> str:
    """Format one problem as the one-line ``file: field: reason`` the CLI prints (long fields and reasons cut)."""
    return (f"{clip(file, MAX_FILE_CHARS)}: {clip(field, MAX_FIELD_CHARS) or '(top level)'}: "
            f"{clip(reason, MAX_REASON_CHARS)}")


def clip(text: object, limit: int = 80) -> str:
    """``text`` on one line, cut to about ``limit`` characters with how long it was."""
    s = " ".join(str(text).split()) if "\n" in str(text) else str(text)
    if len(s) <= limit:
        return s
    return f"{s[:limit]}... ({len(s):,} characters)"
