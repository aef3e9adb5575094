"""Radiators: net flux per m2 of panel, area for a heat load, the temperature cap from the chip, heat pumps.

Areas are panel planform (m2 of panel); with two sides both faces emit. The environment enters in exactly one
of two ways: an effective sink temperature that already contains planet IR and albedo, or a deep-space sink
(3 K) with the absorbed sun, planet IR and albedo subtracted. Passing both is an error.
"""

from __future__ import annotations

from planner.physics.constants import DEEP_SPACE_K, SIGMA_W_M2_K4


def coatings_at_age(emissivity_bol: float, absorptivity_bol: float, emissivity_loss_per_yr: float,
                    absorptivity_rise_per_yr: float, age_yr: float) -> tuple[float, float]:
    """(emissivity, absorptivity) after ``age_yr`` years: linear drift, clamped to [0.01, 1]."""
    eps = min(1.0, max(0.01, emissivity_bol - emissivity_loss_per_yr * age_yr))
    alpha = min(1.0, max(0.0, absorptivity_bol + absorptivity_rise_per_yr * age_yr))
    return eps, alpha


def absorbed_environment_w_m2(emissivity: float, absorptivity: float, sides: float, solar_flux_w_m2: float,
                              sun_fraction: float, planet_ir_w_m2: float, albedo: float,
                              planet_view_factor: float) -> float:
    """Heat absorbed per m2 of panel: planet IR and albedo on every face that sees the planet, plus direct sun.

    q_abs = sides F (eps q_IR + alpha a S) + alpha S f_sun   (hot case: full albedo, worst sun angle).
    """
    planet = sides * planet_view_factor * (emissivity * planet_ir_w_m2 + absorptivity * albedo * solar_flux_w_m2)
    return planet + absorptivity * solar_flux_w_m2 * sun_fraction


def radiator_net_flux_w_m2(temp_k: float, emissivity: float, sides: float, fin_efficiency: float = 1.0, *,
                           sink_k: float | None = None, absorbed_w_m2: float | None = None) -> float:
    """Net heat rejected per m2 of panel at ``temp_k``.

    Effective sink:  q = eta_fin sides eps sigma (T^4 - T_sink^4)
    Deep space:      q = eta_fin sides eps sigma (T^4 - 3^4) - q_abs
    """
    if (sink_k is None) == (absorbed_w_m2 is None):
        raise ValueError("give sink_k (effective sink) or absorbed_w_m2 (deep-space sink), exactly one")
    if sink_k is not None:
        return fin_efficiency * sides * emissivity * SIGMA_W_M2_K4 * (temp_k**4 - sink_k**4)
    emitted = fin_efficiency * sides * emissivity * SIGMA_W_M2_K4 * (temp_k**4 - DEEP_SPACE_K**4)
    return emitted - absorbed_w_m2


def radiator_area_m2(heat_w: float, net_flux_w_m2: float) -> float:
    if net_flux_w_m2 <= 0:
        raise ValueError("the radiator cannot reject heat at this temperature (net flux <= 0)")
    return heat_w / net_flux_w_m2


def effective_sink_temp_k(absorbed_w_m2: float, emissivity: float, sides: float, fin_efficiency: float = 1.0) -> float:
    """The sink temperature equivalent to an absorbed load (for reporting: same flux either way)."""
    return (absorbed_w_m2 / (fin_efficiency * sides * emissivity * SIGMA_W_M2_K4) + DEEP_SPACE_K**4) ** 0.25


def radiator_temp_cap_k(junction_max_k: float, hbm_max_k: float, cold_plate_drop_k: float,
                        coolant_drop_k: float, fin_drop_k: float) -> tuple[float, str]:
    """Highest radiator temperature the chip allows without a heat pump, and the part that sets it.

    T_cap = min(T_junction, T_HBM) - (cold plate + coolant + fin drops).

    The radiator temperature is the fin root's; the fin drop is the coolant-to-root drop (tube wall and saddle).
    The gradient along the fin from root to tip is not a drop here: the fin efficiency in the net flux carries it.
    """
    drops = cold_plate_drop_k + coolant_drop_k + fin_drop_k
    limit, part = (junction_max_k, "junction") if junction_max_k <= hbm_max_k else (hbm_max_k, "HBM")
    return limit - drops, part


def heat_pump_cop(cold_k: float, hot_k: float, carnot_fraction: float) -> float:
    """COP of a heat pump lifting heat from ``cold_k`` to ``hot_k``: carnot_fraction x T_c / (T_h - T_c)."""
    if hot_k <= cold_k:
        return float("inf")
    return carnot_fraction * cold_k / (hot_k - cold_k)


def heat_pump_power_w(heat_lifted_w: float, cold_k: float, hot_k: float, carnot_fraction: float) -> float:
    """Work to lift ``heat_lifted_w`` from cold to hot (0 when no lift is needed)."""
    if hot_k <= cold_k:
        return 0.0
    return heat_lifted_w / heat_pump_cop(cold_k, hot_k, carnot_fraction)


def thermal_loop_mass_kg(heat_rejected_w: float, kg_per_kw: float) -> float:
    """Mass of the coolant loop between the cold plates and the radiator panels (pumps, lines, manifolds, coolant,
    heat exchangers, accumulators) for the heat it carries: kW rejected x kg per kW. The panels are not in it."""
    return heat_rejected_w / 1000.0 * kg_per_kw


def rejection_margin(area_m2: float, net_flux_w_m2: float, heat_w: float) -> float:
    """Closure of a radiator: area x net flux / heat - 1 (>= 0: it rejects the heat; 0: sized exactly)."""
    if heat_w <= 0:
        raise ValueError("heat_w must be > 0")
    return area_m2 * net_flux_w_m2 / heat_w - 1.0


def limiting_link(binding_cap: str, heat_pump: bool, cap_part: str, absorbed_w_m2: float, emitted_w_m2: float,
                  environment_share: float = 0.5) -> str:
    """The link of the heat path chip -> cold plate -> coolant loop -> fin -> panel -> space that limits a design.

    First match: ``radiator`` when the unit's radiator-area cap limits its accelerators; ``orientation/environment``
    when the absorbed sun, planet IR and albedo take away at least ``environment_share`` of what the panel emits;
    ``coolant`` when the loop lifts the heat above the chip's cap with a heat pump (its COP costs power);
    otherwise the chip part whose limit, less the chain drops, sets the radiator temperature (``chip junction``
    or ``HBM``).
    """
    if binding_cap == "radiator area":
        return "radiator"
    if emitted_w_m2 > 0 and absorbed_w_m2 >= environment_share * emitted_w_m2:
        return "orientation/environment"
    if heat_pump:
        return "coolant"
    return "HBM" if cap_part == "HBM" else "chip junction"
