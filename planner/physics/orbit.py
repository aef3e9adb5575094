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


OBLIQUITY_DEG = 23.44  # tilt of the Earth's axis to the ecliptic


def beta_angle_deg(inclination_deg: float, node_from_sun_deg: float, sun_longitude_deg: float,
                   obliquity_deg: float = OBLIQUITY_DEG) -> float:
    """Angle between the sun line and an orbit's plane, for a node ``node_from_sun_deg`` east of the sun's ecliptic
    longitude (the node measured from the vernal equinox is that plus the longitude, to within the ~2 deg between
    longitude and right ascension):

    beta = asin(cos G sin O sin i - sin G cos e cos O sin i + sin G sin e cos i), G the sun's longitude, O the node.
    """
    i, e, g = (math.radians(x) for x in (inclination_deg, obliquity_deg, sun_longitude_deg))
    o = g + math.radians(node_from_sun_deg)
    x = (math.cos(g) * math.sin(o) * math.sin(i) - math.sin(g) * math.cos(e) * math.cos(o) * math.sin(i)
         + math.sin(g) * math.sin(e) * math.cos(i))
    return math.degrees(math.asin(max(-1.0, min(1.0, x))))


def betas_over_year_deg(inclination_deg: float, node_from_sun_deg: float | None, steps: int = 72) -> list[float]:
    """The beta angles an orbit sees over a year, on a grid of the sun's longitude: a sun-synchronous plane keeps its
    node at ``node_from_sun_deg`` from the sun (dawn-dusk: 90), any other plane precesses through every node
    relative to the sun (``None``: each node equally often), an equatorial one has beta = the sun's declination."""
    suns = [360.0 * k / steps for k in range(steps)]
    nodes = [node_from_sun_deg] if node_from_sun_deg is not None else [360.0 * k / steps for k in range(steps)]
    return [beta_angle_deg(inclination_deg, n, g) for g in suns for n in nodes]


def eclipse_seasons(altitude_km: float, betas_deg: list[float], body_radius_km: float = EARTH_RADIUS_KM,
                    mu_km3_s2: float = EARTH_MU_KM3_S2) -> dict[str, float]:
    """What the year's beta angles mean for power: the worst orbit's eclipse fraction and eclipse (the beta closest to
    0: it sizes the arrays and the battery), the share of the year with eclipses at all (|beta| below the eclipse-free
    beta), the eclipses a year (orbits a year x that share: the battery's cycles) and the year's mean eclipse
    fraction."""
    worst = min(abs(b) for b in betas_deg)
    fractions = [eclipse_fraction(altitude_km, b, body_radius_km) for b in betas_deg]
    season = sum(1 for f in fractions if f > 0) / len(fractions)
    orbits = SECONDS_PER_YEAR / 3600.0 / orbital_period_h(altitude_km, body_radius_km, mu_km3_s2)
    return {"eclipse_fraction": eclipse_fraction(altitude_km, worst, body_radius_km),
            "longest_eclipse_h": longest_eclipse_h(altitude_km, worst, body_radius_km, mu_km3_s2),
            "season_share": season, "eclipses_per_yr": orbits * season,
            "mean_eclipse_fraction": sum(fractions) / len(fractions)}


def propellant_for_dv_kg(final_mass_kg: float, dv_m_s: float, isp_s: float) -> float:
    """Propellant that gives ``dv_m_s`` to a vehicle ending at ``final_mass_kg`` (Tsiolkovsky)."""
    return final_mass_kg * (math.exp(dv_m_s / (G0_M_S2 * isp_s)) - 1.0)


def drag_makeup_kg_per_m2_yr(density_kg_m3: float, altitude_km: float, drag_coefficient: float,
                             isp_s: float) -> float:
    """Propellant per m2 of ram-facing area per year to cancel drag: (0.5 rho v^2 Cd) * t / (g0 Isp)."""
    v_m_s = orbital_speed_km_s(altitude_km) * 1000.0
    force_n_per_m2 = 0.5 * density_kg_m3 * v_m_s**2 * drag_coefficient
    return force_n_per_m2 * SECONDS_PER_YEAR / (G0_M_S2 * isp_s)
