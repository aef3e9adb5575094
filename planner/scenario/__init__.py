"""Scenario files: schema (pydantic), loading with ``extends:`` and ``--set``, resolution against the catalog."""

from planner.scenario.schema import Scenario
from planner.scenario.load import ResolvedScenario, load_scenario, parse_set

__all__ = ["Scenario", "ResolvedScenario", "load_scenario", "parse_set"]
