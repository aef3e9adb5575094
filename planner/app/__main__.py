"""``python -m planner.app run MAIN [options]``: Streamlit's command line, with the app's modules imported first.

Streamlit imports a page's modules when the first browser session runs the script; imported here, before the
server starts, they are ready for the first visitor (the plan view's modules: about 3 s on 2 cores). The solver's
modules (the what-if view) are imported in the background meanwhile, and the first run and sweep folders given are
read and their charts drawn into the server's caches (``ui.warm``): the first visitor finds them ready.
"""

import sys
import threading

import planner.app.charts  # noqa: F401 - imported for what it loads (the plan view's modules)
import planner.app.folders  # noqa: F401


def _background() -> None:
    """The batch and solver modules imported, then the first run and sweep folders read and drawn (``ui.warm``)."""
    import planner.app.batch  # noqa: F401
    import planner.app.whatif  # noqa: F401
    from planner.app import ui

    ui.warm(ui.given_paths())


threading.Thread(target=_background, name="warm-up", daemon=True).start()

from streamlit.web import cli  # noqa: E402

sys.exit(cli.main())
