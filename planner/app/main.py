"""The Streamlit script of ``planner app`` (run by Streamlit, not imported by the planner)."""

from planner.app.ui import main

main()
