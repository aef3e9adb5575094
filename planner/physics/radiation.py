"""Total ionising dose behind shielding, the life it sets, and single-event availability.

Total dose sets a life (hard-failure dose / dose rate) and a degradation onset. Single-event upsets and
resets are rates driven by the particle flux at the site (trapped or solar protons, and galactic heavy ions on
the figure-of-merit basis): they cost availability (recovery time per event), do not grow with accumulated dose,
and are not failure rates. A solar particle event large enough to cross the degradation onset is a risk over a
unit's life, shown beside each design.
"""

from __future__ import annotations

import math
from typing import Sequence

from planner.physics.constants import HOURS_PER_YEAR


def dose_behind_shielding_rad_per_yr(table_mm: Sequence[float], table_rad_per_yr: Sequence[float],
                                     shielding_mm: float, margin: float = 1.0,
                                     unshielded_term_rad_per_yr: float = 0.0) -> float:
    """Dose rate behind ``shielding_mm`` of aluminium.

    Log-linear interpolation in the dose-depth table (dose falls roughly exponentially with depth), times the
    model margin, plus a term that shielding barely changes (galactic cosmic rays, secondaries).
    Outside the table's range is an error: the table says nothing there.
    """
    if not table_mm[0] <= shielding_mm <= table_mm[-1]:
        raise ValueError(f"shielding {shielding_mm} mm is outside the dose table's range "
                         f"{table_mm[0]}-{table_mm[-1]} mm")
    for (x0, d0), (x1, d1) in zip(zip(table_mm, table_rad_per_yr), zip(table_mm[1:], table_rad_per_yr[1:])):
        if x0 <= shielding_mm <= x1:
            w = (shielding_mm - x0) / (x1 - x0)
            dose = math.exp(math.log(d0) * (1 - w) + math.log(d1) * w)
            return margin * dose + unshielded_term_rad_per_yr
    raise AssertionError("unreachable")


def tid_life_yr(hard_failure_krad: float, dose_rad_per_yr: float) -> float:
    """Years until the total dose reaches the hard-failure level."""
    if dose_rad_per_yr <= 0:
        return math.inf
    return hard_failure_krad * 1000.0 / dose_rad_per_yr


def degradation_onset_yr(onset_krad: float, dose_rad_per_yr: float) -> float:
    """Years until the total dose reaches the degradation onset (e.g. HBM irregularities)."""
    return tid_life_yr(onset_krad, dose_rad_per_yr)


def single_event_availability(seu_dose_rad_per_yr: float, sdc_per_krad: float, crash_per_krad: float,
                              sdc_recovery_h: float, crash_recovery_h: float, cluster_accelerators: float = 1,
                              gcr_krad_per_yr: float = 0.0) -> float:
    """Share of time a cluster computes, given silent-data-corruption and crash rates per chip.

    Events hit each chip at (rate per krad x (the protons' dose rate + the galactic heavy ions' proton-equivalent
    ``gcr_krad_per_yr``)); one event stalls the whole synchronous cluster for its recovery time, so the loss grows
    with the cluster size: availability = 1 - N (r_sdc t_sdc + r_crash t_crash) / hours_per_year, floored at 0.
    """
    krad_per_yr = seu_dose_rad_per_yr / 1000.0 + gcr_krad_per_yr
    lost_h = cluster_accelerators * krad_per_yr * (sdc_per_krad * sdc_recovery_h + crash_per_krad * crash_recovery_h)
    return max(0.0, 1.0 - lost_h / HOURS_PER_YEAR)


RAD_PER_MEV_PER_G = 1.602e-8  # 1 MeV deposited per gram is 1.602e-8 rad


def gcr_proton_equivalent_krad_per_yr(transmission: float, rate_coefficient_per_day: float,
                                      fom_per_proton_cross_section: float, proton_stopping_mev_cm2_g: float) -> float:
    """Galactic heavy ions at a site, as the dose of the test protons that causes as many single events.

    A chip's proton test gives events per krad; a krad is 1e3 / (1.602e-8 S) protons per cm2 (S their stopping power
    in silicon), so its proton cross-section is sigma_p = events_per_krad x 1.602e-11 S. Petersen's figure of merit
    FOM = k sigma_p gives the heavy-ion event rate C x FOM a day in free space; at the site, times its transmission.
    Events a year = events_per_krad x (this), which is therefore transmission C k 365.25 x 1.602e-11 S krad/yr.
    """
    return transmission * rate_coefficient_per_day * fom_per_proton_cross_section * 365.25 \
        * RAD_PER_MEV_PER_G * proton_stopping_mev_cm2_g / 1000.0


def spe_onset_probability(life_yr: float, design_event_rate_per_yr: float, exposure: float, event_krad: float,
                          onset_krad: float, size_slope: float) -> float:
    """Chance that at least one solar particle event in a unit's life crosses the degradation onset behind its
    shielding. Events come as a Poisson process whose sizes follow a power law: those above a dose D come at
    rate x (D / event_krad)^-slope, ``event_krad`` the design event's dose behind the shielding; so those above the
    onset at rate x (event_krad / onset)^slope, and P = 1 - exp(-exposure x that x life)."""
    if onset_krad <= 0:
        return 1.0
    rate = exposure * design_event_rate_per_yr * (event_krad / onset_krad) ** size_slope
    return 1.0 - math.exp(-rate * life_yr)


def shielding_mass_kg(enclosure_area_m2: float, shielding_mm: float, density_kg_per_m2_mm: float) -> float:
    """Aluminium around an enclosure: area x thickness x areal density per mm."""
    return enclosure_area_m2 * shielding_mm * density_kg_per_m2_mm
