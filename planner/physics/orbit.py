"""Circular-orbit geometry, drag make-up and the rocket equation for small manoeuvres."""

from __future__ import annotations

import math

from planner.physics.constants import EARTH_MU_KM3_S2, EARTH_RADIUS_KM, G0_M_S2, SECONDS_PER_YEAR


def orbital_period_h(altitude_km: float, body_radius_km: float = EARTH_RADIUS_KM,
                     mu_km3_s2: float = EARTH_MU_KM3_S2) -> float:
    a = body_radius_km + altitude_km
    return 2 * math.pi * math.sqrt(a**3 / mu_km3_s2) / 3600.0


def orbital_speed_km_s(altitude_km: float, body_radius_km: float = EARTH_RADIUS_KM,
                       mu_km3_s2: float = EARTH_MU_KM3_S2) -> float:
    return math.sqrt(mu_km3_s2 / (body_radius_km + altitude_km))


def eclipse_free_beta_deg(altitude_km: float, body_radius_km: float = EARTH_RADIUS_KM) -> float:
    """Beta angle above which a circular orbit never enters the (cylindrical) shadow: arcsin(R/(R+h))."""
    return math.degrees(math.asin(body_radius_km / (body_radius_km + altitude_km)))


def eclipse_fraction(altitude_km: float, beta_deg: float, body_radius_km: float = EARTH_RADIUS_KM) -> float:
    """Share of a circular orbit spent in the planet's (cylindrical) shadow.

    f = arccos( sqrt(h^2 + 2 R h) / ((R + h) cos beta) ) / pi  while |beta| < arcsin(R/(R+h)), else 0.
    At beta = 0 this is 1/2 - arccos(R/(R+h))/pi.
    """
    if altitude_km <= 0:
        raise ValueError("altitude_km must be > 0")
    r = body_radius_km + altitude_km
    beta = math.radians(abs(beta_deg))
    if beta >= math.asin(body_radius_km / r):
        return 0.0
    x = math.sqrt(altitude_km**2 + 2 * body_radius_km * altitude_km) / (r * math.cos(beta))
    return math.acos(min(1.0, x)) / math.pi


def longest_eclipse_h(altitude_km: float, beta_deg: float, body_radius_km: float = EARTH_RADIUS_KM,
                      mu_km3_s2: float = EARTH_MU_KM3_S2) -> float:
    """Duration of one eclipse at this beta (the longest at beta = 0)."""
    return eclipse_fraction(altitude_km, beta_deg, body_radius_km) * \
        orbital_period_h(altitude_km, body_radius_km, mu_km3_s2)


def propellant_for_dv_kg(final_mass_kg: float, dv_m_s: float, isp_s: float) -> float:
    """Propellant that gives ``dv_m_s`` to a vehicle ending at ``final_mass_kg`` (Tsiolkovsky)."""
    return final_mass_kg * (math.exp(dv_m_s / (G0_M_S2 * isp_s)) - 1.0)


def drag_makeup_kg_per_m2_yr(density_kg_m3: float, altitude_km: float, drag_coefficient: float,
                             isp_s: float) -> float:
    """Propellant per m2 of ram-facing area per year to cancel drag: (0.5 rho v^2 Cd) * t / (g0 Isp)."""
    v_m_s = orbital_speed_km_s(altitude_km) * 1000.0
    force_n_per_m2 = 0.5 * density_kg_m3 * v_m_s**2 * drag_coefficient
    return force_n_per_m2 * SECONDS_PER_YEAR / (G0_M_S2 * isp_s)
