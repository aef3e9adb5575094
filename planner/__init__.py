"""planner: an optimisation-based architecture planner for orbital AI compute.

Public API::

    import planner
    scenario = planner.load_scenario("data/scenarios/reference.yaml", overrides=["horizon.last_year=2035"])
    plan = planner.solve(scenario)
    plan.summary["usd_per_pflop_day"], plan.tables["designs"]
"""

__version__ = "0.1.0"
__all__ = ["__version__", "load_scenario", "solve", "write_run"]


def __getattr__(name):  # lazy: importing planner stays cheap (the CLI's --help, the catalog)
    if name in ("load_scenario", "solve", "write_run"):
        from planner import api

        return getattr(api, name)
    raise AttributeError(name)
