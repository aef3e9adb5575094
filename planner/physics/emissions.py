"""Carbon and water: grid electricity, site water, manufacturing (embodied) and launch emissions.

Emissions are in t CO2 (CO2e where the source of a factor gives CO2e); water is site water in m3. Energy of a
ground campus is IT power x utilisation x PUE x hours; site water follows the IT energy (WUE is litres per kWh of
IT energy); grid CO2 follows the facility energy (IT x PUE).
"""

from __future__ import annotations

from collections.abc import Sequence

from planner.physics.constants import HOURS_PER_YEAR


def facility_energy_mwh_per_yr(it_mw: float, utilisation: float, pue: float) -> float:
    """Energy a campus draws from the grid in a year: IT MW x average draw share x PUE x hours."""
    return it_mw * utilisation * pue * HOURS_PER_YEAR


def grid_co2_t(energy_mwh: float, kg_per_kwh: float) -> float:
    """CO2 of grid energy: MWh x 1000 kWh/MWh x kg/kWh / 1000 kg/t = MWh x kg/kWh."""
    return energy_mwh * kg_per_kwh


def site_water_m3(it_energy_mwh: float, litres_per_kwh: float) -> float:
    """Site water of a campus: IT MWh x 1000 kWh/MWh x L/kWh / 1000 L/m3 = MWh x L/kWh."""
    return it_energy_mwh * litres_per_kwh


def embodied_co2_t(mass_kg: float, kg_co2_per_kg: float) -> float:
    """Manufacturing emissions of hardware from its mass and an emission factor per kg."""
    return mass_kg * kg_co2_per_kg / 1000.0


def launch_co2_t(flights: float, t_per_flight: float) -> float:
    """Combustion CO2 of launches (tanker flights count as flights)."""
    return flights * t_per_flight


def carbon_cost_musd(t_co2: float, usd_per_t: float) -> float:
    """What emitting ``t_co2`` costs at a carbon price, in $M."""
    return t_co2 * usd_per_t / 1e6


def share_beyond_horizon(profile: Sequence[float], build_year: int, last_year: int) -> float:
    """Share of an asset's lifetime output (``profile``: what it delivers in each year of life from the build
    year) that falls after ``last_year``: sum_{build+k > last} p_k / sum_k p_k (0 for an empty profile)."""
    total = sum(profile)
    if total <= 0:
        return 0.0
    return sum(p for k, p in enumerate(profile) if build_year + k > last_year) / total
