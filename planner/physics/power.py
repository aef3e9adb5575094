"""Solar arrays, batteries and fission power sized for a load through eclipse at end of life."""

from __future__ import annotations

import math
from collections.abc import Sequence


def end_of_life_factor(degradation_per_yr: float, life_yr: float) -> float:
    """Array output left after ``life_yr`` years of compound degradation: (1 - d)^life."""
    return (1.0 - degradation_per_yr) ** life_yr


def eclipse_recharge_factor(eclipse_fraction: float, recharge_efficiency: float) -> float:
    """Extra array power, as a share of the load, that recharges the battery during sunlight.

    Energy drawn in eclipse (load x f) is put back during the sunlit (1 - f) through a round trip eta:
    extra = f / ((1 - f) eta).
    """
    if not 0 <= eclipse_fraction < 1:
        raise ValueError("eclipse_fraction must be in [0, 1)")
    return eclipse_fraction / ((1.0 - eclipse_fraction) * recharge_efficiency)


def array_power_bol_w_per_m2(solar_flux_w_m2: float, cell_efficiency: float, fill_factor: float) -> float:
    return solar_flux_w_m2 * cell_efficiency * fill_factor


def array_area_m2(load_w: float, solar_flux_w_m2: float, cell_efficiency: float, fill_factor: float,
                  eol_factor: float, eclipse_fraction: float, recharge_efficiency: float,
                  eclipse_load_w: float | None = None) -> float:
    """Array area that carries ``load_w`` in sunlight at end of life, recharging the battery for the eclipse's load
    (``eclipse_load_w``, the full load unless given: a unit that switches compute off in eclipse carries less):

    A = (load + eclipse_load f / ((1 - f) eta)) / (S eta_cell fill eol).
    """
    per_m2 = array_power_bol_w_per_m2(solar_flux_w_m2, cell_efficiency, fill_factor) * eol_factor
    dark = load_w if eclipse_load_w is None else eclipse_load_w
    return (load_w + dark * eclipse_recharge_factor(eclipse_fraction, recharge_efficiency)) / per_m2


def array_mass_kg(area_m2: float, solar_flux_w_m2: float, cell_efficiency: float, fill_factor: float,
                  specific_power_w_per_kg: float) -> float:
    """Array mass from its beginning-of-life power and specific power (W/kg)."""
    return area_m2 * array_power_bol_w_per_m2(solar_flux_w_m2, cell_efficiency, fill_factor) / \
        specific_power_w_per_kg


def battery_capacity_kwh(load_w: float, longest_eclipse_h: float, depth_of_discharge: float) -> float:
    """Nameplate energy that carries the load through the longest eclipse within the depth of discharge."""
    return load_w * longest_eclipse_h / depth_of_discharge / 1000.0


def depth_of_discharge_for_cycles(cycles: float, table_dod: Sequence[float], table_cycles: Sequence[float],
                                  max_dod: float) -> float:
    """Deepest discharge a battery may take each cycle to last ``cycles`` cycles, from a cycle-life curve (cycles to
    end of life at each depth of discharge, depths increasing): log-log interpolation (cycle life falls roughly as a
    power of the depth), capped at ``max_dod``. Needing more cycles than the curve's shallowest point gives is an
    error: the curve says nothing there."""
    if cycles <= 0:
        return max_dod
    pts = list(zip(table_dod, table_cycles))
    if cycles > pts[0][1]:
        raise ValueError(f"{cycles:.0f} cycles is more than the cycle-life curve covers ({pts[0][1]:.0f} at "
                         f"{pts[0][0]:g} depth of discharge)")
    if cycles <= pts[-1][1]:
        return min(max_dod, pts[-1][0])
    for (d0, n0), (d1, n1) in zip(pts, pts[1:]):
        if n1 <= cycles <= n0:
            w = math.log(n0 / cycles) / math.log(n0 / n1)
            return min(max_dod, math.exp(math.log(d0) * (1 - w) + math.log(d1) * w))
    raise AssertionError("unreachable")


def battery_mass_kg(capacity_kwh: float, specific_energy_wh_per_kg: float) -> float:
    return capacity_kwh * 1000.0 / specific_energy_wh_per_kg


def survival_years(failure_rate_per_yr: float, t0_yr: float, t1_yr: float) -> float:
    """Years of service one unit of hardware gives between ages t0 and t1 when it fails at a constant rate:
    integral of e^(-lambda t) dt = (e^(-lambda t0) - e^(-lambda t1)) / lambda (t1 - t0 without failures; 0 for an empty
    span). Over one year this is the year's average surviving share: capacity averaged through the year."""
    if t1_yr <= t0_yr:
        return 0.0
    lam = failure_rate_per_yr
    return (math.exp(-lam * t0_yr) - math.exp(-lam * t1_yr)) / lam if lam > 0 else t1_yr - t0_yr


def fission_mass_kg(load_w: float, specific_mass_kg_per_kwe: float) -> float:
    return load_w / 1000.0 * specific_mass_kg_per_kwe


def host_power_fraction(host_w_per_kw: float, conversion_efficiency: float, cooling_fraction: float = 0.0) -> float:
    """Power drawn beside the accelerators, as a fraction of their power: the host (CPU, memory, network, storage:
    ``host_w_per_kw`` W per kW of accelerator power) and the accelerators themselves pass through power conversion
    of efficiency eta, and in-server cooling adds its share of that:
    (1 + host/1000) / eta x (1 + cooling) - 1."""
    return (1.0 + host_w_per_kw / 1000.0) / conversion_efficiency * (1.0 + cooling_fraction) - 1.0
