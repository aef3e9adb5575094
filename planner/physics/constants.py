"""Physical constants (CODATA 2018 / IAU). Catalog data lives in data/catalog; these are not assumptions."""

SIGMA_W_M2_K4 = 5.670374419e-8  # Stefan-Boltzmann constant
G0_M_S2 = 9.80665  # standard gravity
C_KM_S = 299_792.458  # speed of light
EARTH_RADIUS_KM = 6_371.0  # mean radius
EARTH_MU_KM3_S2 = 398_600.4418  # gravitational parameter
SECONDS_PER_YEAR = 365.25 * 86_400.0  # Julian year
HOURS_PER_YEAR = 365.25 * 24.0
DEEP_SPACE_K = 3.0  # cosmic background as a radiative sink
