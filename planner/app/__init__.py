"""``planner app``: a local web app over run, sweep, comparison and hedge folders (Streamlit with Altair
(Vega-Lite) charts; Plotly for the parallel coordinates).

Install with the ``planner[app]`` extra. ``serve`` runs ``planner/app/main.py`` under Streamlit on 127.0.0.1 with
the folders to open in ``PLANNER_APP_PATHS``; the pages are in ``ui.py``.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import NoReturn

from planner.errors import InputError, problem

MAIN = Path(__file__).with_name("main.py")
HOST = "127.0.0.1"
DEFAULT_PORT = 8501


def missing_extra() -> str | None:
    """None when the app's libraries are installed, else the line that says how to install them."""
    try:
        import plotly  # noqa: F401
        import streamlit  # noqa: F401
    except ImportError as exc:
        return f"planner app needs the [app] extra ({exc.name} is missing): pip install -e '.[app]'"
    return None


def port_free(port: int) -> bool:
    """Whether a server may listen on 127.0.0.1:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return False
        return True


def free_port(start: int = DEFAULT_PORT, tries: int = 50) -> int:
    """The first port from ``start`` that nothing listens on at 127.0.0.1."""
    for port in range(start, start + tries):
        if port_free(port):
            return port
    raise InputError(problem("--port", str(start), f"no free port in {start}-{start + tries - 1}"))


def command(paths: list[str], port: int) -> tuple[list[str], dict[str, str]]:
    """The Streamlit command line and environment that serve the app on 127.0.0.1:port."""
    cmd = [sys.executable, "-m", "planner.app", "run", str(MAIN), "--server.address", HOST, "--server.port",
           str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none", "--global.developmentMode", "false",
           "--client.toolbarMode", "minimal", "--server.runOnSave", "false"]
    env = {**os.environ, "PLANNER_APP_PATHS": os.pathsep.join(paths),
           "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    return cmd, env


def serve(paths: list[str], port: int) -> NoReturn:
    """Become the Streamlit server (exec: the ``planner app`` process is the server, so stopping it stops the app
    and leaves no orphan behind)."""
    cmd, env = command(paths, port)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execvpe(cmd[0], cmd, env)
