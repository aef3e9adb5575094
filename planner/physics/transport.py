"""Delivery beyond LEO by a refuelled ship, and launch price from a learning curve."""

from __future__ import annotations

import math

from planner.physics.constants import G0_M_S2


def mass_ratio(dv_km_s: float, isp_s: float) -> float:
    """Tsiolkovsky: m0 / m1 = exp(dv / (g0 Isp))."""
    return math.exp(dv_km_s * 1000.0 / (G0_M_S2 * isp_s))


def propellant_needed_t(payload_t: float, dry_mass_t: float, isp_s: float, dv_out_km_s: float,
                        dv_return_km_s: float | None) -> float:
    """Propellant for a full tank-up in LEO to deliver ``payload_t`` and (if given) fly the ship back.

    The ship keeps ``left`` = (R_ret - 1) dry for the way back; leaving LEO it weighs (dry + payload + left) R_out,
    so it burns (R_out - 1)(dry + payload + left) outbound, plus ``left`` to return.
    """
    left = (mass_ratio(dv_return_km_s, isp_s) - 1.0) * dry_mass_t if dv_return_km_s else 0.0
    return (mass_ratio(dv_out_km_s, isp_s) - 1.0) * (dry_mass_t + payload_t + left) + left


def payload_per_trip_t(dry_mass_t: float, propellant_capacity_t: float, isp_s: float, dv_out_km_s: float,
                       dv_return_km_s: float | None, structural_payload_t: float) -> float:
    """Largest payload a fully refuelled ship delivers (0 if it cannot make the trip), capped by its structure."""
    left = (mass_ratio(dv_return_km_s, isp_s) - 1.0) * dry_mass_t if dv_return_km_s else 0.0
    r_out = mass_ratio(dv_out_km_s, isp_s)
    best = (propellant_capacity_t - left) / (r_out - 1.0) - dry_mass_t - left
    return max(0.0, min(structural_payload_t, best))


def tanker_flights_per_trip(propellant_t: float, tanker_payload_t: float) -> int:
    """Tanker flights that bring ``propellant_t`` to the ship in LEO (the ship arrives empty)."""
    return math.ceil(propellant_t / tanker_payload_t - 1e-9)


def learning_curve_price(cumulative: float, start_cumulative: float, start_price: float,
                         learning_rate: float) -> float:
    """Wright's law: price falls by ``learning_rate`` with each doubling of cumulative output.

    p = p0 (Q / Q0)^log2(1 - learning_rate)
    """
    if cumulative <= 0 or start_cumulative <= 0:
        raise ValueError("cumulative quantities must be > 0")
    return start_price * (cumulative / start_cumulative) ** math.log2(1.0 - learning_rate)
