"""Physics and economics against hand calculations.

Every expected value is written out with literal numbers (the arithmetic is in the expression or the comment);
nothing here calls planner code to compute what planner code should return. Constants used by hand:
R_earth = 6371 km, mu = 398600.4418 km3/s2, g0 = 9.80665 m/s2, sigma = 5.670374419e-8 W/m2/K4,
c = 299792.458 km/s, 1 yr = 365.25 d = 8766 h = 31,557,600 s.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from pathlib import Path

import pytest

from planner import economics
from planner.physics import constants, emissions, links, orbit, power, radiation, thermal, transport, unit

approx = pytest.approx


# --------------------------------------------------------------------------------------------------- constants


def test_constants_are_the_published_values():
    assert constants.SIGMA_W_M2_K4 == 5.670374419e-8
    assert constants.G0_M_S2 == 9.80665
    assert constants.C_KM_S == 299_792.458
    assert constants.EARTH_RADIUS_KM == 6371.0
    assert constants.SECONDS_PER_YEAR == 31_557_600.0  # 365.25 * 86400
    assert constants.HOURS_PER_YEAR == 8766.0  # 365.25 * 24
    assert constants.DEEP_SPACE_K == 3.0


# ------------------------------------------------------------------------------------------------------- orbit


def test_orbital_period_550km():
    # a = 6371 + 550 = 6921 km; T = 2 pi sqrt(a^3 / mu) = 5730.1 s = 95.50 min
    expected_h = 2 * math.pi * math.sqrt(6921.0**3 / 398600.4418) / 3600.0
    assert orbit.orbital_period_h(550) == approx(expected_h, rel=1e-12)
    assert orbit.orbital_period_h(550) * 60 == approx(95.502, abs=1e-3)


def test_orbital_period_geo_is_a_sidereal_day():
    # independent physical check: GEO (35,786 km) circles once per sidereal day, 86,164 s.
    # With the mean radius 6371 km (not the equatorial 6378 km) a is 7 km short: -0.025 %.
    assert orbit.orbital_period_h(35_786) * 3600 == approx(86_164.0, rel=1e-3)


def test_orbital_speed_550km():
    # v = sqrt(mu / a) = sqrt(398600.4418 / 6921) = 7.5890 km/s
    assert orbit.orbital_speed_km_s(550) == approx(math.sqrt(398600.4418 / 6921.0), rel=1e-12)
    assert orbit.orbital_speed_km_s(550) == approx(7.5890, abs=1e-4)


def test_eclipse_free_beta_550km():
    # arcsin(6371 / 6921) = arcsin(0.920532) = 67.004 deg
    assert orbit.eclipse_free_beta_deg(550) == approx(math.degrees(math.asin(6371 / 6921)), rel=1e-12)
    assert orbit.eclipse_free_beta_deg(550) == approx(67.004, abs=1e-3)


def test_eclipse_fraction_beta0_550km():
    # f = 1/2 - arccos(R/(R+h))/pi = 0.5 - arccos(6371/6921)/pi = 0.5 - 0.40106/pi = 0.37224
    f = orbit.eclipse_fraction(550, 0)
    assert f == approx(0.5 - math.acos(6371 / 6921) / math.pi, rel=1e-12)
    assert f == approx(0.3722, abs=1e-4)


def test_eclipse_fraction_general_beta():
    # f = arccos( sqrt(h^2 + 2 R h) / ((R + h) cos beta) ) / pi
    # h = 550: sqrt(550^2 + 2*6371*550) = sqrt(302500 + 7008100) = sqrt(7310600) = 2703.81
    # beta 30: 2703.81 / (6921 * 0.866025) = 0.451104 -> arccos = 1.10280 rad -> f = 0.35103
    assert orbit.eclipse_fraction(550, 30) == approx(
        math.acos(math.sqrt(7_310_600) / (6921 * math.cos(math.radians(30)))) / math.pi, rel=1e-12)
    assert orbit.eclipse_fraction(550, 30) == approx(0.35103, abs=1e-5)
    # beta 60: 2703.81 / (6921 * 0.5) = 0.781336 -> f = 0.21454
    assert orbit.eclipse_fraction(550, 60) == approx(0.21454, abs=1e-5)
    # the sign of beta does not matter
    assert orbit.eclipse_fraction(550, -60) == orbit.eclipse_fraction(550, 60)
    # the shadow shrinks monotonically as beta grows
    fs = [orbit.eclipse_fraction(550, b) for b in (0, 20, 40, 60, 66)]
    assert all(a > b for a, b in zip(fs, fs[1:]))


def test_eclipse_fraction_is_zero_above_the_critical_beta():
    # beta* = 67.004 deg at 550 km: no eclipse at or above it, some eclipse just below it
    assert orbit.eclipse_fraction(550, 67.1) == 0.0
    assert orbit.eclipse_fraction(550, 75) == 0.0
    assert orbit.eclipse_fraction(550, 90) == 0.0
    assert orbit.eclipse_fraction(550, 66.9) > 0.0
    # dawn-dusk SSO at 650 km with beta 75: arcsin(6371/7021) = 65.15 deg < 75 -> eclipse free
    assert orbit.eclipse_fraction(650, 75) == 0.0


def test_eclipse_fraction_rejects_non_positive_altitude():
    with pytest.raises(ValueError):
        orbit.eclipse_fraction(0, 0)
    with pytest.raises(ValueError):
        orbit.eclipse_fraction(-100, 0)


def test_longest_eclipse_hours_550km():
    # f T = 0.372244 * 1.591702 h = 0.59250 h = 35.55 min (the familiar ~35 min of a 550 km orbit)
    assert orbit.longest_eclipse_h(550, 0) == approx(0.372244 * 1.591702, rel=1e-5)
    assert orbit.longest_eclipse_h(550, 0) * 60 == approx(35.55, abs=0.01)
    assert orbit.longest_eclipse_h(550, 80) == 0.0


def test_propellant_for_dv_tsiolkovsky():
    # 1000 kg final, 100 m/s, Isp 1500 s: 1000 (exp(100 / (9.80665 * 1500)) - 1) = 1000 (e^0.0067980 - 1) = 6.8213 kg
    assert orbit.propellant_for_dv_kg(1000, 100, 1500) == approx(1000 * (math.exp(100 / 14_709.975) - 1), rel=1e-12)
    assert orbit.propellant_for_dv_kg(1000, 100, 1500) == approx(6.8213, abs=1e-4)
    assert orbit.propellant_for_dv_kg(1000, 0, 1500) == 0.0


def test_drag_makeup_propellant():
    # 0.5 rho v^2 Cd t / (g0 Isp) at 550 km: rho 2.5e-13 kg/m3, v = 7589.0 m/s, Cd 2.2, Isp 1500 s
    # force per m2 = 0.5 * 2.5e-13 * 7589.0^2 * 2.2 = 1.5838e-5 N/m2
    # per year: * 31,557,600 s = 499.81 N s / m2;  / (9.80665 * 1500) = 0.033978 kg/m2/yr
    v = 7588.998  # m/s, sqrt(398600.4418 / 6921) * 1000
    expected = 0.5 * 2.5e-13 * v**2 * 2.2 * 31_557_600 / (9.80665 * 1500)
    got = orbit.drag_makeup_kg_per_m2_yr(2.5e-13, 550, 2.2, 1500)
    assert got == approx(expected, rel=1e-6)
    assert got == approx(0.033978, abs=1e-6)
    # linear in density and Cd, inverse in Isp, nothing without atmosphere
    assert orbit.drag_makeup_kg_per_m2_yr(5e-13, 550, 2.2, 1500) == approx(2 * got, rel=1e-12)
    assert orbit.drag_makeup_kg_per_m2_yr(2.5e-13, 550, 2.2, 3000) == approx(got / 2, rel=1e-12)
    assert orbit.drag_makeup_kg_per_m2_yr(0.0, 550, 2.2, 1500) == 0.0


# ------------------------------------------------------------------------------------------------------- power


def test_end_of_life_factor():
    # (1 - 0.005)^10 = 0.995^10 = 0.951110
    assert power.end_of_life_factor(0.005, 10) == approx(0.951110, abs=1e-6)
    assert power.end_of_life_factor(0.02, 5) == approx(0.98**5, rel=1e-12)  # 0.903921
    assert power.end_of_life_factor(0.0, 20) == 1.0


def test_eclipse_recharge_factor():
    # f / ((1 - f) eta): 0.4 / (0.6 * 0.8) = 0.83333
    assert power.eclipse_recharge_factor(0.4, 0.8) == approx(0.4 / 0.48, rel=1e-12)
    assert power.eclipse_recharge_factor(0.0, 0.9) == 0.0
    for bad in (1.0, 1.2, -0.1):
        with pytest.raises(ValueError):
            power.eclipse_recharge_factor(bad, 0.9)


def test_array_power_bol():
    # S eta fill = 1361 * 0.30 * 0.90 = 367.47 W/m2
    assert power.array_power_bol_w_per_m2(1361, 0.30, 0.90) == approx(367.47, rel=1e-12)


def test_array_area_for_load_through_eclipse_at_eol():
    # load 9 kW, S 1000 W/m2, 25 % cells, fill 0.8 -> 200 W/m2 at BOL; EOL factor 0.9 -> 180 W/m2
    # eclipse 0.4, round trip 0.8 -> recharge 0.4 / (0.6 * 0.8) = 0.8333 -> factor 1.8333
    # A = 9000 * 1.8333 / 180 = 91.667 m2
    assert power.array_area_m2(9000, 1000, 0.25, 0.8, 0.9, 0.4, 0.8) == approx(9000 * (1 + 0.4 / 0.48) / 180, rel=1e-12)
    assert power.array_area_m2(9000, 1000, 0.25, 0.8, 0.9, 0.4, 0.8) == approx(91.6667, abs=1e-4)
    # no eclipse: just load / EOL power density = 9000 / 180 = 50 m2
    assert power.array_area_m2(9000, 1000, 0.25, 0.8, 0.9, 0.0, 0.8) == approx(50.0, rel=1e-12)


def test_array_area_550km_reference_numbers():
    # 10 kW at 550 km beta 0 (f = 0.372244), S 1361, 30 % cells, fill 0.9, 0.5 %/yr for 10 yr, round trip 0.9
    # per m2 at EOL: 367.47 * 0.951110 = 349.504 W/m2
    # factor: 1 + 0.372244 / (0.627756 * 0.9) = 1 + 0.658858 = 1.658858
    # A = 10000 * 1.658858 / 349.504 = 47.463 m2
    got = power.array_area_m2(10_000, 1361, 0.30, 0.90, 0.951110, 0.372244, 0.9)
    assert got == approx(10_000 * (1 + 0.372244 / (0.627756 * 0.9)) / (367.47 * 0.951110), rel=1e-9)
    assert got == approx(47.463, abs=1e-3)


def test_array_mass():
    # 91.667 m2 at 200 W/m2 BOL = 18,333 W; / 100 W/kg = 183.33 kg
    assert power.array_mass_kg(91.6667, 1000, 0.25, 0.8, 100) == approx(91.6667 * 200 / 100, rel=1e-12)


def test_battery_sizing():
    # 9 kW through a 0.6 h eclipse at 50 % depth of discharge: 9000 * 0.6 / 0.5 / 1000 = 10.8 kWh
    assert power.battery_capacity_kwh(9000, 0.6, 0.5) == approx(10.8, rel=1e-12)
    # 10.8 kWh at 200 Wh/kg = 54 kg
    assert power.battery_mass_kg(10.8, 200) == approx(54.0, rel=1e-12)
    # 10 kW through the 550 km eclipse (0.5925 h) at DoD 0.6: 10000 * 0.5925 / 0.6 / 1000 = 9.875 kWh
    assert power.battery_capacity_kwh(10_000, 0.5925, 0.6) == approx(9.875, rel=1e-12)
    assert power.battery_capacity_kwh(10_000, 0.0, 0.6) == 0.0


def test_fission_mass():
    # NASA's 2021 ask: 40 kWe in 6 t -> 150 kg/kWe: 40,000 W / 1000 * 150 = 6000 kg
    assert power.fission_mass_kg(40_000, 150) == approx(6000.0, rel=1e-12)


# ----------------------------------------------------------------------------------------------------- thermal


def test_coatings_at_age():
    # eps 0.88 - 0.001 * 10 = 0.87; alpha 0.15 + 0.007 * 10 = 0.22
    eps, alpha = thermal.coatings_at_age(0.88, 0.15, 0.001, 0.007, 10)
    assert eps == approx(0.87, abs=1e-12)
    assert alpha == approx(0.22, abs=1e-12)
    # clamped: eps 0.5 - 0.1 * 10 = -0.5 -> 0.01; alpha 0.9 + 0.1 * 10 = 1.9 -> 1.0
    assert thermal.coatings_at_age(0.5, 0.9, 0.1, 0.1, 10) == (0.01, 1.0)
    assert thermal.coatings_at_age(0.88, 0.15, 0.001, 0.007, 0) == (0.88, 0.15)


def test_absorbed_environment_leo_hot_case():
    # sides F (eps IR + alpha a S) + alpha S f_sun
    # = 2 * 0.25 * (0.88 * 237 + 0.15 * 0.30 * 1361) + 0.15 * 1361 * 0.05
    # = 0.5 * (208.56 + 61.245) + 10.2075 = 134.9025 + 10.2075 = 145.11 W/m2
    got = thermal.absorbed_environment_w_m2(0.88, 0.15, 2, 1361, 0.05, 237, 0.30, 0.25)
    assert got == approx(145.11, abs=1e-9)
    # one side sees half the planet load
    one = thermal.absorbed_environment_w_m2(0.88, 0.15, 1, 1361, 0.05, 237, 0.30, 0.25)
    assert one == approx(0.25 * (208.56 + 61.245) + 10.2075, abs=1e-9)


def test_radiator_net_flux_effective_sink_one_and_two_sided():
    # one side, eps 0.9, 300 K to a 0 K sink: 0.9 * 5.670374419e-8 * 300^4 = 0.9 * 5.670374419e-8 * 8.1e9 = 413.370 W/m2
    one = thermal.radiator_net_flux_w_m2(300, 0.9, 1, sink_k=0.0)
    assert one == approx(0.9 * 5.670374419e-8 * 8.1e9, rel=1e-12)
    assert one == approx(413.370, abs=1e-3)
    # two sides emit twice as much per m2 of panel
    assert thermal.radiator_net_flux_w_m2(300, 0.9, 2, sink_k=0.0) == approx(826.740, abs=1e-3)
    # effective sink 250 K: 0.9 sigma (300^4 - 250^4) = 0.9 sigma (8.1e9 - 3.90625e9) = 214.021 W/m2
    assert thermal.radiator_net_flux_w_m2(300, 0.9, 1, sink_k=250) == approx(214.021, abs=1e-3)
    # fin efficiency multiplies the emission: 0.8 * 214.021 = 171.217
    assert thermal.radiator_net_flux_w_m2(300, 0.9, 1, 0.8, sink_k=250) == approx(0.8 * 214.0212, abs=1e-3)


def test_radiator_net_flux_deep_space_with_absorbed_loads():
    # 0.9 sigma (300^4 - 3^4) - 100 = 0.9 * 5.670374419e-8 * (8.1e9 - 81) - 100 = 313.370 W/m2
    got = thermal.radiator_net_flux_w_m2(300, 0.9, 1, absorbed_w_m2=100.0)
    assert got == approx(0.9 * 5.670374419e-8 * (8.1e9 - 81) - 100, rel=1e-12)
    assert got == approx(313.370, abs=1e-3)
    # two sides, fin 0.9: 0.9 * 2 * 0.9 * sigma * (8.1e9 - 81) - 145.11 = 744.07 - 145.11 = 598.96
    assert thermal.radiator_net_flux_w_m2(300, 0.9, 2, 0.9, absorbed_w_m2=145.11) == approx(598.96, abs=0.01)
    # a cold radiator in a hot environment rejects nothing: net flux <= 0
    assert thermal.radiator_net_flux_w_m2(200, 0.9, 1, absorbed_w_m2=100.0) < 0


def test_radiator_net_flux_needs_exactly_one_environment_method():
    with pytest.raises(ValueError):
        thermal.radiator_net_flux_w_m2(300, 0.9, 2, sink_k=250, absorbed_w_m2=100)
    with pytest.raises(ValueError):
        thermal.radiator_net_flux_w_m2(300, 0.9, 2)
    # a zero is a value, not "absent": sink_k=0 and absorbed=0 together is still both
    with pytest.raises(ValueError):
        thermal.radiator_net_flux_w_m2(300, 0.9, 2, sink_k=0.0, absorbed_w_m2=0.0)


def test_effective_sink_temperature_is_equivalent_to_absorbed_load():
    # T_s = (q_abs / (eta sides eps sigma) + 3^4)^(1/4) = (100 / (0.9 * 5.670374419e-8) + 81)^0.25 = 210.395 K
    ts = thermal.effective_sink_temp_k(100.0, 0.9, 1)
    assert ts == approx((100 / (0.9 * 5.670374419e-8) + 81) ** 0.25, rel=1e-12)
    assert ts == approx(210.395, abs=1e-3)
    # both methods give the same flux (313.370 W/m2) -- either one, never both
    assert thermal.radiator_net_flux_w_m2(300, 0.9, 1, sink_k=ts) == approx(313.370, abs=1e-3)
    # two sides, fin 0.9: (145.11 / (0.9 * 2 * 0.88 * sigma) + 81)^0.25 = 206.05 K
    assert thermal.effective_sink_temp_k(145.11, 0.88, 2, 0.9) == approx(
        (145.11 / (0.9 * 2 * 0.88 * 5.670374419e-8) + 81) ** 0.25, rel=1e-12)


def test_radiator_area():
    # 10 kW at 413.370 W/m2 = 24.191 m2 of panel
    assert thermal.radiator_area_m2(10_000, 413.370) == approx(24.1914, abs=1e-4)
    for bad in (0.0, -5.0):
        with pytest.raises(ValueError):
            thermal.radiator_area_m2(10_000, bad)


def test_radiator_temperature_cap_and_binding_part():
    # min(358 K junction, 363 K HBM) - (10 + 8 + 5) = 358 - 23 = 335 K, set by the junction
    assert thermal.radiator_temp_cap_k(358, 363, 10, 8, 5) == (335, "junction")
    # an HBM limit below the junction binds: min(370, 360) - 23 = 337 K, set by HBM
    assert thermal.radiator_temp_cap_k(370, 360, 10, 8, 5) == (337, "HBM")
    # no drops: the limit itself
    assert thermal.radiator_temp_cap_k(358, 363, 0, 0, 0) == (358, "junction")


def test_heat_pump_cop_and_power():
    # COP = 0.42 * 335 / (360 - 335) = 0.42 * 13.4 = 5.628
    assert thermal.heat_pump_cop(335, 360, 0.42) == approx(5.628, rel=1e-12)
    # Bennett & Lim anchor: COP 2.4 at ~60 K lift from ~343 K: 0.42 * 343 / 60 = 2.401
    assert thermal.heat_pump_cop(343, 403, 0.42) == approx(2.401, abs=1e-3)
    # work to lift 10 kW: 10000 / 5.628 = 1776.8 W
    assert thermal.heat_pump_power_w(10_000, 335, 360, 0.42) == approx(1776.83, abs=0.01)
    # no lift needed: no work, infinite COP
    assert thermal.heat_pump_power_w(10_000, 335, 335, 0.42) == 0.0
    assert thermal.heat_pump_power_w(10_000, 335, 320, 0.42) == 0.0
    assert thermal.heat_pump_cop(335, 335, 0.42) == math.inf


def test_b200_radiator_cap_by_hand_from_the_catalog():
    """The B200's cap with the catalog's numbers: min(358 K junction, 363 K HBM) - (10 cold plate + 8 coolant
    + 5 fin) = 335 K, set by the junction."""
    from planner.catalog.load import load_catalog

    cat = load_catalog()
    g, rad = cat.accelerators["b200"], cat.components.radiator
    numbers = (g.junction_max_k.v, g.hbm_max_k.v, rad.cold_plate_drop_k.v, rad.coolant_drop_k.v, rad.fin_drop_k.v)
    assert numbers == (358, 363, 10, 8, 5)
    assert thermal.radiator_temp_cap_k(*numbers) == (335, "junction")


def test_rejection_margin_closes_at_end_of_life():
    # 24.1914 m2 x 413.370 W/m2 = 10,000 W: sized exactly, margin 0
    assert thermal.rejection_margin(24.1914, 413.370, 10_000) == approx(0.0, abs=1e-5)
    # the same panel with fresh coatings rejecting 440 W/m2: 24.1914 x 440 / 10000 - 1 = 0.06442
    assert thermal.rejection_margin(24.1914, 440.0, 10_000) == approx(0.064422, abs=1e-6)
    # end-of-life coatings that reject 10 % less than the sizing flux leave the heat unrejected: -0.1
    assert thermal.rejection_margin(10.0, 900.0, 10_000) == approx(-0.1, rel=1e-12)
    with pytest.raises(ValueError):
        thermal.rejection_margin(10.0, 900.0, 0.0)


def test_limiting_link_rules_in_order():
    # the radiator-area cap binds first, whatever else holds
    assert thermal.limiting_link("radiator area", True, "HBM", 900, 1000) == "radiator"
    # absorbed 500 of 1000 W/m2 emitted: the environment takes half
    assert thermal.limiting_link("mass", True, "junction", 500, 1000) == "orientation/environment"
    assert thermal.limiting_link("mass", False, "junction", 499, 1000) == "chip junction"
    # above the chip's cap with a heat pump: the coolant loop's lift
    assert thermal.limiting_link("mass", True, "junction", 100, 1000) == "coolant"
    # otherwise the chip part that sets the cap
    assert thermal.limiting_link("array area", False, "HBM", 100, 1000) == "HBM"
    assert thermal.limiting_link("fixed by the scenario", False, "junction", 0, 1000) == "chip junction"
    # a custom share
    assert thermal.limiting_link("mass", False, "junction", 300, 1000, environment_share=0.25) == \
        "orientation/environment"


# --------------------------------------------------------------------------------------------------- emissions


def test_facility_energy_and_grid_co2_by_hand():
    # 40 MW x 1.0 x 1.05 x 8766 h = 368,172 MWh a year
    assert emissions.facility_energy_mwh_per_yr(40, 1.0, 1.05) == approx(368_172.0, rel=1e-12)
    # 1 kW per accelerator = 1 MW per thousand; 0.8 draw, PUE 1.3: 1 x 0.8 x 1.3 x 8766 = 9116.64 MWh
    assert emissions.facility_energy_mwh_per_yr(1.0, 0.8, 1.3) == approx(9116.64, rel=1e-12)
    # 9116.64 MWh x 0.367 kg/kWh = 9116.64 x 1000 kWh x 0.367 kg / 1000 kg/t = 3345.807 t
    assert emissions.grid_co2_t(9116.64, 0.367) == approx(3345.80688, rel=1e-12)


def test_site_water_follows_it_energy():
    # 7012.8 MWh of IT energy x 0.5 L/kWh = 7,012,800 kWh x 0.5 L = 3,506,400 L = 3506.4 m3
    assert emissions.site_water_m3(7012.8, 0.5) == approx(3506.4, rel=1e-12)
    assert emissions.site_water_m3(7012.8, 0.0) == 0.0


def test_embodied_and_launch_co2():
    # 40,000 accelerators x 318 kg = 12,720,000 kg = 12,720 t; embodied_co2_t takes mass x factor
    assert emissions.embodied_co2_t(40_000, 318) == approx(12_720.0, rel=1e-12)
    # 15 t of spacecraft hardware at 80 kgCO2e/kg = 1,200 t
    assert emissions.embodied_co2_t(15_000, 80) == approx(1200.0, rel=1e-12)
    # a lunar trip: 1 ship + 9 tankers = 10 flights x 2750 t
    assert emissions.launch_co2_t(10, 2750) == approx(27_500.0, rel=1e-12)


def test_carbon_cost():
    # 2750 t at $100/t = $275,000 = $0.275M
    assert emissions.carbon_cost_musd(2750, 100) == approx(0.275, rel=1e-12)
    assert emissions.carbon_cost_musd(2750, 0) == 0.0


def test_share_beyond_horizon():
    # built 2043, flat 5-year life, horizon ends 2045: 2043-2045 inside, 2046-2047 beyond: 2/5
    assert emissions.share_beyond_horizon([1, 1, 1, 1, 1], 2043, 2045) == approx(0.4, rel=1e-12)
    # decaying output [1, 0.5, 0.25] built 2045: (0.5 + 0.25) / 1.75 = 0.428571
    assert emissions.share_beyond_horizon([1, 0.5, 0.25], 2045, 2045) == approx(0.75 / 1.75, rel=1e-12)
    # entirely inside, and an empty profile
    assert emissions.share_beyond_horizon([1, 1], 2030, 2045) == 0.0
    assert emissions.share_beyond_horizon([], 2030, 2045) == 0.0


# --------------------------------------------------------------------------------------------------- radiation

# 550 km, 55 deg column of the Pfandzelter & Bermbach table (rad(Si)/yr)
MM = [1, 2, 3, 5, 10, 20]
RAD = [5248, 1909, 921, 320, 153, 110]


def test_dose_at_table_points():
    for mm, d in zip(MM, RAD):
        assert radiation.dose_behind_shielding_rad_per_yr(MM, RAD, mm) == approx(d, rel=1e-12)


def test_dose_log_linear_interpolation():
    # half way between 5 mm (320) and 10 mm (153) in log space: sqrt(320 * 153) = 221.269 rad/yr
    assert radiation.dose_behind_shielding_rad_per_yr(MM, RAD, 7.5) == approx(221.269, abs=1e-3)
    # linear interpolation would give (320 + 153) / 2 = 236.5: it is not that
    assert radiation.dose_behind_shielding_rad_per_yr(MM, RAD, 7.5) != approx(236.5, abs=1)
    # a quarter of the way from 3 mm (921) to 5 mm (320) at 3.5 mm: 921^0.75 * 320^0.25 = 705.8
    assert radiation.dose_behind_shielding_rad_per_yr(MM, RAD, 3.5) == approx(921**0.75 * 320**0.25, rel=1e-9)


def test_dose_margin_and_unshielded_term():
    # 2 x 221.269 + 2 = 444.538 rad/yr
    assert radiation.dose_behind_shielding_rad_per_yr(MM, RAD, 7.5, margin=2, unshielded_term_rad_per_yr=2) == \
        approx(2 * math.sqrt(320 * 153) + 2, rel=1e-12)
    # the margin does not multiply the unshielded term: 3 * 153 + 11.6 = 470.6
    assert radiation.dose_behind_shielding_rad_per_yr(MM, RAD, 10, 3, 11.6) == approx(470.6, rel=1e-12)


def test_dose_outside_the_table_is_an_error():
    for mm in (0.5, 20.01, 50):
        with pytest.raises(ValueError, match="outside"):
            radiation.dose_behind_shielding_rad_per_yr(MM, RAD, mm)


def test_tid_life_and_onset():
    # 15 krad(Si) at 150 rad/yr: 15000 / 150 = 100 yr; onset 2 krad at 444.538 rad/yr: 2000 / 444.538 = 4.499 yr
    assert radiation.tid_life_yr(15, 150) == approx(100.0, rel=1e-12)
    assert radiation.degradation_onset_yr(2, 444.538) == approx(4.4991, abs=1e-4)
    # 2 x 5248 + 2 = 10,498 rad/yr behind 1 mm in LEO: 15 krad lasts 15000 / 10498 = 1.429 yr
    assert radiation.tid_life_yr(15, 10_498) == approx(1.4288, abs=1e-4)
    assert radiation.tid_life_yr(15, 0) == math.inf
    assert radiation.degradation_onset_yr(2, 0) == math.inf


def test_single_event_availability_single_chip():
    # 153 rad/yr = 0.153 krad/yr; SDC 58.8/krad x 0.05 h + crash 2.35/krad x 0.25 h = 2.94 + 0.5875 = 3.5275 h per krad
    # lost = 0.153 * 3.5275 = 0.53971 h/yr -> availability 1 - 0.53971 / 8766 = 0.99993843
    got = radiation.single_event_availability(153, 58.8, 2.35, 0.05, 0.25)
    assert got == approx(1 - 0.153 * 3.5275 / 8766, rel=1e-12)
    assert got == approx(0.99993843, abs=1e-8)


def test_single_event_availability_scales_with_cluster_size():
    # 2048 chips stall together: 2048 * 0.53971 = 1105.33 h/yr lost -> 1 - 1105.33 / 8766 = 0.87391
    got = radiation.single_event_availability(153, 58.8, 2.35, 0.05, 0.25, cluster_accelerators=2048)
    assert got == approx(0.87391, abs=1e-5)
    one = radiation.single_event_availability(153, 58.8, 2.35, 0.05, 0.25, cluster_accelerators=1)
    assert 1 - got == approx(2048 * (1 - one), rel=1e-9)
    # 100,000 chips would lose 53,971 h > a year: floored at 0
    assert radiation.single_event_availability(153, 58.8, 2.35, 0.05, 0.25, cluster_accelerators=100_000) == 0.0
    # no flux, no loss
    assert radiation.single_event_availability(0, 58.8, 2.35, 0.05, 0.25, cluster_accelerators=2048) == 1.0


def test_shielding_mass():
    # 0.14 m2 enclosure x 10 mm x 2.7 kg/m2/mm = 3.78 kg
    assert radiation.shielding_mass_kg(0.14, 10, 2.7) == approx(3.78, rel=1e-12)


# --------------------------------------------------------------------------------------------------- transport

# Starship analysis set (Handmer 2021): 120 t dry, 1200 t propellant, Isp 380 s; LEO -> lunar surface 6.18 km/s.
# g0 Isp = 9.80665 * 380 = 3726.527 m/s; dv / (g0 Isp) = 6180 / 3726.527 = 1.658381; R = e^1.658381 = 5.250801


def test_mass_ratio():
    assert transport.mass_ratio(6.18, 380) == approx(math.exp(6180 / 3726.527), rel=1e-9)
    assert transport.mass_ratio(6.18, 380) == approx(5.250801, abs=1e-6)
    assert transport.mass_ratio(0.0, 380) == 1.0


def test_payload_per_trip_expended():
    # fully refuelled, no return: payload = P / (R - 1) - dry = 1200 / 4.250801 - 120 = 282.300 - 120 = 162.300 t
    assert transport.payload_per_trip_t(120, 1200, 380, 6.18, None, 1e9) == approx(1200 / 4.250801 - 120, rel=1e-6)
    assert transport.payload_per_trip_t(120, 1200, 380, 6.18, None, 1e9) == approx(162.300, abs=1e-3)
    # the structure caps it at 100 t
    assert transport.payload_per_trip_t(120, 1200, 380, 6.18, None, 100) == 100
    # a trip the ship cannot make delivers nothing: 20 km/s -> R = e^5.367 = 214; 1200 / 213 < 120
    assert transport.payload_per_trip_t(120, 1200, 380, 20.0, None, 100) == 0.0


def test_propellant_and_tankers_for_100t_to_the_lunar_surface():
    # (R - 1)(dry + payload) = 4.250801 * (120 + 100) = 935.176 t of propellant
    prop = transport.propellant_needed_t(100, 120, 380, 6.18, None)
    assert prop == approx(4.250801 * 220, rel=1e-6)
    assert prop == approx(935.176, abs=1e-3)
    # the ship reaches LEO empty with its 100 t payload: 935.2 / 100 t per tanker = 9.35 -> 10 tanker flights
    assert transport.tanker_flights_per_trip(prop, 100) == 10
    # with the 150 t tanker class: 935.2 / 150 = 6.23 -> 7
    assert transport.tanker_flights_per_trip(prop, 150) == 7


def test_propellant_with_return_flight():
    # return 1.0 km/s: R_ret = e^(1000 / 3726.527) = e^0.268347 = 1.307800; keep (1.3078 - 1) * 120 = 36.936 t
    # outbound: (5.250801 - 1)(120 + 100 + 36.936) + 36.936 = 4.250801 * 256.936 + 36.936 = 1129.120 t
    assert transport.propellant_needed_t(100, 120, 380, 6.18, 1.0) == approx(
        4.250801 * (220 + 36.936) + 36.936, rel=1e-5)
    assert transport.propellant_needed_t(100, 120, 380, 6.18, 1.0) == approx(1129.12, abs=0.01)
    # more than the 1200 t tank? no -- but the payload a full tank carries round trip:
    # (1200 - 36.936) / 4.250801 - 120 - 36.936 = 273.608 - 156.936 = 116.67 t
    assert transport.payload_per_trip_t(120, 1200, 380, 6.18, 1.0, 1e9) == approx(116.67, abs=0.01)
    # and the two functions invert each other
    assert transport.payload_per_trip_t(120, 1129.12, 380, 6.18, 1.0, 1e9) == approx(100.0, abs=1e-3)


def test_tanker_flights_rounding():
    assert transport.tanker_flights_per_trip(1000, 100) == 10  # exactly 10, not 11
    assert transport.tanker_flights_per_trip(1000.5, 100) == 11
    assert transport.tanker_flights_per_trip(0.0, 100) == 0
    assert transport.tanker_flights_per_trip(300 * 0.1 / 0.1, 30) == 10  # float noise does not add a flight


def test_learning_curve_20_percent_per_doubling():
    # Suncatcher: $1,800/kg at 400 t cumulative, 20 % per doubling
    assert transport.learning_curve_price(400, 400, 1800, 0.2) == approx(1800, rel=1e-12)
    assert transport.learning_curve_price(800, 400, 1800, 0.2) == approx(1800 * 0.8, rel=1e-12)  # 1440
    assert transport.learning_curve_price(1600, 400, 1800, 0.2) == approx(1800 * 0.64, rel=1e-12)  # 1152
    assert transport.learning_curve_price(200, 400, 1800, 0.2) == approx(1800 / 0.8, rel=1e-12)  # 2250
    # 10 doublings (409,600 t): 1800 * 0.8^10 = 193.27
    assert transport.learning_curve_price(409_600, 400, 1800, 0.2) == approx(193.27, abs=0.01)
    # no learning: flat
    assert transport.learning_curve_price(409_600, 400, 1800, 0.0) == approx(1800, rel=1e-12)
    for bad in ((0, 400), (400, 0), (-1, 400)):
        with pytest.raises(ValueError):
            transport.learning_curve_price(bad[0], bad[1], 1800, 0.2)


# ------------------------------------------------------------------------------------------------------- links


def test_round_trip_light_time():
    # Moon: 2 * 384400 / 299792.458 = 2.5644 s
    assert links.round_trip_light_ms(384_400) == approx(2 * 384_400 / 299_792.458 * 1000, rel=1e-12)
    assert links.round_trip_light_ms(384_400) == approx(2564.44, abs=0.01)
    # GEO: 2 * 35786 / 299792.458 = 238.74 ms
    assert links.round_trip_light_ms(35_786) == approx(238.74, abs=0.01)
    # 550 km straight up plus 20 ms of routing: 3.669 + 20 = 23.669 ms
    assert links.round_trip_ms(550, 20) == approx(23.669, abs=1e-3)


def test_gbps_per_eflop():
    # 1e-9 bit/FLOP x 1e18 FLOP/s = 1e9 bit/s = 1 Gbit/s
    assert links.gbps_per_eflop_s(1e-9) == approx(1.0, rel=1e-12)
    # real-time inference 1e-7 bit/FLOP: 100 Gbit/s per EFLOP/s; training 2e-11: 0.02 Gbit/s
    assert links.gbps_per_eflop_s(1e-7) == approx(100.0, rel=1e-12)
    assert links.gbps_per_eflop_s(2e-11) == approx(0.02, rel=1e-12)


def test_downlink_rate():
    # 4 terminals x 100 Gbit/s x 0.5 distance factor x 0.9 availability = 180 Gbit/s
    assert links.downlink_gbps(4, 100, 0.5, 0.9) == approx(180.0, rel=1e-12)
    assert links.downlink_gbps(0, 100, 1.0, 1.0) == 0.0


# -------------------------------------------------------------------------------------------------------- unit

# A hand-sized unit. Per accelerator: 1000 W x (1 + 0.5 host) = 1500 W, 20 kg packaged, 5 kg shielding.
# Fixed: bus 100 kg / 500 W, 2 terminals x (10 kg, 250 W) -> 1000 W and 120 kg at n = 0.
# Array: 1000 W/m2 x 0.25 x 0.8 = 200 W/m2 BOL, x 0.8 EOL = 160 W/m2; eclipse 0.2, round trip 0.8
#        -> factor 1 + 0.2 / (0.8 x 0.8) = 1.3125; area = load x 1.3125 / 160; mass = area x 200 / 100 = 2 area.
# Battery: load x 0.5 h / 0.5 DoD = load Wh -> load / 1000 kWh; 100 Wh/kg -> load / 100 kg.
# Radiator: at its cap (no heat pump), 500 W/m2 -> area = load / 500; 4 kg/m2 -> load / 125 kg.
SPEC = unit.UnitSpec(
    accel_power_w=1000, host_power_fraction=0.5, accel_mass_kg=20, shielding_mass_kg_per_accel=5,
    bus_mass_kg=100, bus_power_w=500, terminals=2, terminal_mass_kg=10, terminal_power_w=250, structure_margin=0.1,
    power_source="solar", solar_flux_w_m2=1000, cell_efficiency=0.25, fill_factor=0.8, array_eol_factor=0.8,
    eclipse_fraction=0.2, recharge_efficiency=0.8, array_specific_power_w_per_kg=100, longest_eclipse_h=0.5,
    depth_of_discharge=0.5, battery_wh_per_kg=100, fission_kg_per_kwe=150,
    radiator_temp_k=300, radiator_cap_k=300, radiator_net_flux_w_m2=500, radiator_kg_per_m2=4,
    heat_pump_carnot_fraction=0.5, heat_pump_kg_per_kw=10,
    drag_kg_per_m2_yr=0.0, life_yr=5, manoeuvre_dv_m_s=0.0, thruster_isp_s=1500,
    max_mass_kg=1000, max_array_m2=100, max_radiator_m2=40, max_volume_m3=12, stowed_density_kg_m3=100,
)


def test_unit_budget_two_accelerators_by_hand():
    b = unit.unit_budget(SPEC, 2)
    # power: IT 2 x 1500 = 3000 W; terminals 500 W; load 3000 + 500 + 500 = 4000 W
    assert b.it_power_w == 3000
    assert b.terminal_power_w == 500
    assert b.heat_pump_power_w == 0
    assert b.load_w == 4000
    assert b.heat_rejected_w == 4000
    # areas: array 4000 x 1.3125 / 160 = 32.8125 m2; radiator 4000 / 500 = 8 m2; battery 4 kWh
    assert b.array_area_m2 == approx(32.8125, rel=1e-12)
    assert b.radiator_area_m2 == approx(8.0, rel=1e-12)
    assert b.battery_kwh == approx(4.0, rel=1e-12)
    # masses: accel 40, shield 10, bus 100, terminals 20, array 65.625, radiator 32, battery 40 -> 307.625 kg
    assert b.accelerator_mass_kg == 40
    assert b.shielding_mass_kg == 10
    assert b.terminal_mass_kg == 20
    assert b.array_mass_kg == approx(65.625, rel=1e-12)
    assert b.radiator_mass_kg == approx(32.0, rel=1e-12)
    assert b.battery_mass_kg == approx(40.0, rel=1e-12)
    assert b.fission_mass_kg == 0 and b.heat_pump_mass_kg == 0 and b.propellant_mass_kg == 0
    # structure 10 % = 30.7625; total 338.3875 kg; stowed 338.3875 / 100 = 3.383875 m3
    assert b.structure_mass_kg == approx(30.7625, rel=1e-12)
    assert b.mass_kg == approx(338.3875, rel=1e-12)
    assert b.volume_m3 == approx(3.383875, rel=1e-12)
    assert b.as_dict()["mass_kg"] == b.mass_kg
    assert set(b.as_dict()) == {f.name for f in dataclasses.fields(unit.UnitBudget)}


def test_unit_budget_is_affine_in_accelerators():
    # mass(n) = 1.1 x (154.40625 + 76.609375 n) = 169.846875 + 84.2703125 n
    #   fixed 100 + 20 + 2 x 8.203125 (array) + 10 (battery) + 4 x 2 (radiator) = 154.40625
    #   per accelerator 20 + 5 + 2 x 12.3046875 + 15 + 4 x 3 = 76.609375
    for n in (0, 1, 5, 13):
        b = unit.unit_budget(SPEC, n)
        assert b.mass_kg == approx(169.846875 + 84.2703125 * n, rel=1e-12)
        assert b.array_area_m2 == approx(8.203125 + 12.3046875 * n, rel=1e-12)
        assert b.radiator_area_m2 == approx(2 + 3 * n, rel=1e-12)


def test_max_accelerators_binding_cap():
    # room per cap: mass (1000 - 169.846875) / 84.2703125 = 9.85;  array (100 - 8.203125) / 12.3046875 = 7.46
    #               radiator (40 - 2) / 3 = 12.67;  volume (12 - 1.69846875) / 0.842703125 = 12.22
    assert unit.max_accelerators(SPEC) == (7, "array area")
    # a bigger array: mass binds at 9
    assert unit.max_accelerators(dataclasses.replace(SPEC, max_array_m2=1000)) == (9, "mass")
    # a smaller radiator: (20 - 2) / 3 = 6 exactly -> 6 fit (the cap is reached, not exceeded)
    assert unit.max_accelerators(dataclasses.replace(SPEC, max_array_m2=1000, max_radiator_m2=20)) == \
        (6, "radiator area")
    # a tight fairing: (5 - 1.69846875) / 0.842703125 = 3.92 -> 3
    assert unit.max_accelerators(dataclasses.replace(SPEC, max_volume_m3=5)) == (3, "stowed volume")
    # the answer really fits and one more does not
    s = dataclasses.replace(SPEC, max_array_m2=1000)
    assert unit.unit_budget(s, 9).mass_kg <= 1000 < unit.unit_budget(s, 10).mass_kg


def test_max_accelerators_when_the_empty_unit_is_over_a_cap():
    # bus alone 1200 kg > 1000 kg cap: nothing fits, and mass is the reason
    assert unit.max_accelerators(dataclasses.replace(SPEC, bus_mass_kg=1200)) == (0, "mass")


def test_unit_budget_with_heat_pump():
    # radiator at 360 K above a 300 K chip cap: COP = 0.5 x 300 / 60 = 2.5 -> work = 0.4 x heat
    s = dataclasses.replace(SPEC, radiator_temp_k=360)
    b = unit.unit_budget(s, 2)
    # heat 4000 W; pump 1600 W; load and rejected heat 5600 W
    assert b.heat_pump_power_w == approx(1600, rel=1e-12)
    assert b.load_w == approx(5600, rel=1e-12)
    assert b.heat_rejected_w == approx(5600, rel=1e-12)
    assert b.radiator_area_m2 == approx(5600 / 500, rel=1e-12)
    assert b.array_area_m2 == approx(5600 * 1.3125 / 160, rel=1e-12)
    # pump mass: 4 kW lifted x 10 kg/kW = 40 kg
    assert b.heat_pump_mass_kg == approx(40, rel=1e-12)


def test_unit_budget_with_propellant():
    # drag 0.1 kg/m2/yr on (32.8125 + 8) m2 for 5 yr = 20.40625 kg
    # manoeuvres 100 m/s at 1500 s on the 338.3875 kg dry unit: 338.3875 (e^(100 / 14709.975) - 1) = 2.30824 kg
    s = dataclasses.replace(SPEC, drag_kg_per_m2_yr=0.1, manoeuvre_dv_m_s=100)
    b = unit.unit_budget(s, 2)
    manoeuvre = 338.3875 * (math.exp(100 / 14_709.975) - 1)
    assert manoeuvre == approx(2.30824, abs=1e-5)
    assert b.propellant_mass_kg == approx(20.40625 + manoeuvre, rel=1e-9)
    assert b.mass_kg == approx(338.3875 + 20.40625 + manoeuvre, rel=1e-9)


def test_unit_budget_fission_power():
    # no array, no battery; reactor 4 kW x 150 kg/kWe = 600 kg
    s = dataclasses.replace(SPEC, power_source="fission")
    b = unit.unit_budget(s, 2)
    assert b.array_area_m2 == 0 and b.battery_kwh == 0 and b.array_mass_kg == 0 and b.battery_mass_kg == 0
    assert b.fission_mass_kg == approx(600, rel=1e-12)
    # hardware 40 + 10 + 100 + 20 + 32 + 600 = 802 kg; x 1.1 = 882.2 kg
    assert b.mass_kg == approx(882.2, rel=1e-12)
    with pytest.raises(ValueError):
        unit.unit_budget(dataclasses.replace(SPEC, power_source="nuclear-ish"), 1)


def test_unit_budget_bus_mass_only():
    # a published whole-spacecraft mass: the unit weighs its bus mass (100 kg) whatever it carries,
    # while power and areas are still sized (array 32.8125 m2 for 2 accelerators, as above)
    s = dataclasses.replace(SPEC, bus_mass_only=True)
    b = unit.unit_budget(s, 2)
    assert b.mass_kg == 100 and b.volume_m3 == approx(1.0)
    assert b.accelerator_mass_kg == 0 and b.array_mass_kg == 0 and b.structure_mass_kg == 0
    assert b.propellant_mass_kg == 0
    assert b.array_area_m2 == approx(32.8125, rel=1e-12) and b.load_w == 4000
    # mass no longer grows with n, so the array (7) binds
    assert unit.max_accelerators(s) == (7, "array area")


def test_max_accelerators_without_any_cap():
    inf = math.inf
    s = dataclasses.replace(SPEC, max_mass_kg=inf, max_array_m2=inf, max_radiator_m2=inf, max_volume_m3=inf)
    n, binding = unit.max_accelerators(s)
    assert binding == "none" and n >= 10**9


# --------------------------------------------------------------------------------------------------- economics


def test_discount_factor():
    # 1.07^-4 = 1 / 1.31080 = 0.762895
    assert economics.discount_factor(2030, 2026, 0.07) == approx(1 / 1.31079601, rel=1e-9)
    assert economics.discount_factor(2026, 2026, 0.07) == 1.0
    assert economics.discount_factor(2025, 2026, 0.07) == approx(1.07, rel=1e-12)
    assert economics.discount_factor(2040, 2026, 0.0) == 1.0


def test_annuity_per_capex():
    # annuity due over 10 years at 7 %: sum_{k=0..9} 1.07^-k = (1 - 1.07^-10) / (1 - 1/1.07) = 7.515232
    assert economics.annuity_per_capex(0.07, 10) == approx(1 / 7.515232, rel=1e-6)
    assert economics.annuity_per_capex(0.07, 10) == approx(0.133063, abs=1e-6)
    # no discounting: 1 / life
    assert economics.annuity_per_capex(0.0, 5) == approx(0.2, rel=1e-12)
    # a fractional life pays a fractional last year: r = 0, life 2.5 -> 1 / (1 + 1 + 0.5) = 0.4
    assert economics.annuity_per_capex(0.0, 2.5) == approx(0.4, rel=1e-12)
    # r = 10 %, life 2.5: 1 / (1 + 1/1.1 + 0.5/1.21) = 1 / 2.322314 = 0.430605
    assert economics.annuity_per_capex(0.1, 2.5) == approx(1 / (1 + 1 / 1.1 + 0.5 / 1.21), rel=1e-12)
    for bad in (0, -1):
        with pytest.raises(ValueError):
            economics.annuity_per_capex(0.07, bad)


@pytest.mark.parametrize("rate,life", [(0.07, 10), (0.0, 5), (0.12, 2.5), (0.05, 18), (0.3, 1)])
def test_annuities_have_pv_one_at_the_build_year(rate, life):
    pv = sum(economics.annuity_share(rate, life, k) * (1 + rate) ** -k for k in range(40))
    assert pv == approx(1.0, rel=1e-12)


def test_annuity_share():
    a = 0.133063  # 10 yr at 7 %
    assert economics.annuity_share(0.07, 10, 0) == approx(a, abs=1e-6)
    assert economics.annuity_share(0.07, 10, 9) == approx(a, abs=1e-6)
    assert economics.annuity_share(0.07, 10, 10) == 0.0
    assert economics.annuity_share(0.07, 10, -1) == 0.0
    # life 2.5 at r = 0: 0.4, 0.4, then half a year's 0.2
    assert [economics.annuity_share(0.0, 2.5, k) for k in range(4)] == approx([0.4, 0.4, 0.2, 0.0])


def test_residual_fraction_life_10_horizon_4():
    # built 2040, horizon ends 2043: 4 years served inside; the 6 annuities of 2044-2049 remain
    # a (1.07^-4 + 1.07^-5 + ... + 1.07^-9) = 0.133063 * (0.762895 + 0.712986 + 0.666342 + 0.622750 + 0.582009 + 0.543934)
    #   = 0.133063 * 3.890916 = 0.517737
    expected = 0.133063 * (0.762895 + 0.712986 + 0.666342 + 0.622750 + 0.582009 + 0.543934)
    assert economics.residual_fraction(0.07, 10, 2040, 2043) == approx(expected, rel=1e-5)
    assert economics.residual_fraction(0.07, 10, 2040, 2043) == approx(0.517737, abs=1e-5)
    # no discounting: 6 of 10 years left
    assert economics.residual_fraction(0.0, 10, 2040, 2043) == approx(0.6, rel=1e-12)


def test_residual_fraction_edges():
    # life ends inside the horizon: nothing left
    assert economics.residual_fraction(0.07, 5, 2030, 2045) == 0.0
    assert economics.residual_fraction(0.07, 5, 2030, 2034) == 0.0  # 2030..2034 is exactly 5 years
    # built after the horizon: all of it is beyond
    assert economics.residual_fraction(0.07, 5, 2046, 2045) == approx(1.0, rel=1e-12)
    # half a year left at r = 0, life 4.5, built 2042, last 2045: 0.5 / 4.5
    assert economics.residual_fraction(0.0, 4.5, 2042, 2045) == approx(0.5 / 4.5, rel=1e-12)


@pytest.mark.parametrize("rate,life,build,last", [(0.07, 10, 2040, 2043), (0.09, 18, 2030, 2045),
                                                  (0.0, 5, 2027, 2045), (0.12, 7.5, 2044, 2045)])
def test_capex_minus_residual_equals_pv_of_in_horizon_annuities(rate, life, build, last):
    base, capex = 2026, 100.0
    capex_way = capex * economics.discount_factor(build, base, rate) * \
        (1 - economics.residual_fraction(rate, life, build, last))
    annuity_way = sum(capex * economics.annuity_share(rate, life, y - build) * economics.discount_factor(y, base, rate)
                      for y in range(build, last + 1))
    assert capex_way == approx(annuity_way, rel=1e-12)


def test_capital_payments_follow_the_profile():
    # a flat profile is the ordinary annuity: 10 x 0.133063 at 7 %
    assert economics.capital_payments(0.07, [1.0] * 10) == approx([0.133063] * 10, abs=1e-6)
    # r = 10 %, profile [1, 0.5]: PV of the profile = 1 + 0.5 / 1.1 = 1.454545 -> [0.6875, 0.34375]
    assert economics.capital_payments(0.1, [1.0, 0.5]) == approx([0.6875, 0.34375], rel=1e-12)
    # and their PV is $1: 0.6875 + 0.34375 / 1.1 = 0.6875 + 0.3125 = 1
    # no discounting: [2, 1, 1] / 4
    assert economics.capital_payments(0.0, [2.0, 1.0, 1.0]) == approx([0.5, 0.25, 0.25], rel=1e-12)
    # decaying capacity e^-0.07 k over 5 years at 7 %: PV is 1 and later years are charged less
    prof = [math.exp(-0.07 * k) for k in range(5)]
    pay = economics.capital_payments(0.07, prof)
    assert sum(p * 1.07**-k for k, p in enumerate(pay)) == approx(1.0, rel=1e-12)
    assert all(a > b for a, b in zip(pay, pay[1:]))
    for bad in ([], [0.0, 0.0]):
        with pytest.raises(ValueError):
            economics.capital_payments(0.07, bad)


def test_host_power_fraction_by_hand():
    """Issue 16: one basis for the host on the ground and in space (W per kW of accelerator, then conversion)."""
    # 265 W of host per kW of accelerator, 94 % conversion: 1.265 / 0.94 - 1 = 0.345745
    assert power.host_power_fraction(265.0, 0.94) == pytest.approx(1.265 / 0.94 - 1, rel=1e-12)
    assert power.host_power_fraction(265.0, 0.94) == pytest.approx(0.345745, abs=1e-6)
    # the ground's in-server cooling (5 %) multiplies the whole draw: 1.345745 x 1.05 - 1 = 0.413032
    assert power.host_power_fraction(265.0, 0.94, 0.05) == pytest.approx(0.413032, abs=1e-6)
    assert power.host_power_fraction(0.0, 1.0) == 0.0  # nothing beside the chip, lossless conversion


def test_learning_saving_by_hand():
    """Issue 16: Wright's law on the programme's own volume, integrated (the saving the MILP represents)."""
    # 20 % per doubling: b = -log2(0.8) = 0.32193; from prior 1, volume 1 (one doubling):
    # 1 / 0.67807 x (2^0.67807 - 1) - 1 = 1.47477 x 0.60000 - 1 = -0.11514 (the integral of (1 + n)^-b over
    # [0, 1] is 0.88486: the first unit costs 0.885 of the price on average)
    b = -math.log2(0.8)
    assert economics.learning_saving(1.0, 1.0, 0.2) == pytest.approx((2 ** (1 - b) - 1) / (1 - b) - 1, rel=1e-12)
    assert economics.learning_saving(1.0, 1.0, 0.2) == pytest.approx(-0.11514, abs=1e-5)
    assert economics.learning_saving(5.0, 1.0, 0.0) == 0.0  # no learning, no saving
    assert economics.learning_saving(0.0, 3.0, 0.2) == 0.0
    # the saving grows ever more slowly: concave (what needs the binaries)
    h = [economics.learning_saving(x, 1.0, 0.2) for x in (0, 1, 2, 3)]
    assert h[1] - h[0] > h[2] - h[1] > h[3] - h[2]
    assert economics.learning_breakpoints(1.0, 20.0) == [0.0, 1.0, 3.0, 7.0, 15.0, 20.0]
    assert economics.learning_breakpoints(10.0, 5.0) == [0.0, 5.0]
    with pytest.raises(ValueError):
        economics.learning_saving(1.0, 0.0, 0.2)


def test_galactic_heavy_ions_from_the_proton_test_by_hand():
    """Petersen's figure of merit: a krad of 67 MeV protons (8.5 MeV cm2/g in Si) is 1e3 / (1.602e-8 x 8.5) =
    7.34e9 protons/cm2, so 58.8 corruptions per krad is a cross-section of 8.0e-9 cm2 a chip; FOM = 45,000 x that;
    free space gives 200 x FOM events a day: 26.3 a year, as 0.448 krad/yr of test protons would."""
    sigma = 58.8 / (1e3 / (1.602e-8 * 8.5))
    assert sigma == pytest.approx(8.01e-9, rel=1e-3)
    per_yr = 200 * 45_000 * sigma * 365.25
    assert per_yr == pytest.approx(26.3, rel=1e-2)
    free = radiation.gcr_proton_equivalent_krad_per_yr(1.0, 200, 45_000, 8.5)
    assert 58.8 * free == pytest.approx(per_yr, rel=1e-9)
    assert free == pytest.approx(0.4476, rel=1e-3)
    assert radiation.gcr_proton_equivalent_krad_per_yr(0.5, 200, 45_000, 8.5) == pytest.approx(free / 2)
    # a 2,048-accelerator cluster at Earth-Moon L1: 40 rad/yr of solar protons plus the heavy ions
    lost_h = 2048 * (0.040 + free) * (58.8 * 0.05 + 2.35 * 0.25)
    got = radiation.single_event_availability(40, 58.8, 2.35, 0.05, 0.25, 2048, gcr_krad_per_yr=free)
    assert got == pytest.approx(1 - lost_h / 8766, rel=1e-6)
    assert got == pytest.approx(0.598, abs=1e-3)  # 0.967 on the protons alone
    assert radiation.single_event_availability(40, 58.8, 2.35, 0.05, 0.25, 2048) == pytest.approx(0.967, abs=1e-3)


def test_spe_onset_probability_by_hand():
    """Events above the onset come (event dose / onset)^slope times as often as the design event: 16.7 krad over a
    2 krad onset at slope 0.4 is 2.34x; 0.025 a year x 2.34 over 5 years gives 1 - exp(-0.292) = 25 %."""
    rate = 0.025 * (16.7 / 2.0) ** 0.4
    assert rate == pytest.approx(0.0584, rel=1e-3)
    assert radiation.spe_onset_probability(5.0, 0.025, 1.0, 16.7, 2.0, 0.4) == pytest.approx(1 - math.exp(-5 * rate))
    assert radiation.spe_onset_probability(5.0, 0.025, 0.5, 16.7, 2.0, 0.4) == pytest.approx(1 - math.exp(-2.5 * rate))
    assert radiation.spe_onset_probability(0.0, 0.025, 1.0, 16.7, 2.0, 0.4) == 0.0
    assert radiation.spe_onset_probability(5.0, 0.025, 1.0, 1.0, 2.0, 0.4) < 1 - math.exp(-5 * 0.025)  # rarer


# ----------------------------------------------------------------------------------------------- completeness


PHYSICS_MODULES = [orbit, power, thermal, radiation, transport, links, unit, emissions, economics]


@pytest.mark.parametrize("module", PHYSICS_MODULES, ids=lambda m: m.__name__)
def test_every_public_function_is_tested_here(module):
    """Adding a physics function without a hand-calculated test here fails this test."""
    source = Path(__file__).read_text(encoding="utf-8")
    short = module.__name__.rsplit(".", 1)[-1]
    public = [name for name, fn in inspect.getmembers(module, inspect.isfunction)
              if fn.__module__ == module.__name__ and not name.startswith("_")]
    assert public, module.__name__
    untested = [name for name in public if f"{short}.{name}(" not in source]
    assert not untested, f"{module.__name__}: no test calls {untested}"


def test_thermal_loop_mass_by_hand():
    # ISS EATCS-like loop: 35 kW rejected at 55 kg/kW = 1,925 kg (pump module, tanks, coupler, exchangers, lines)
    assert thermal.thermal_loop_mass_kg(35_000, 55) == approx(1925.0, rel=1e-12)
    # the hand unit at n = 2 rejects 4000 W: a 10 kg/kW loop adds 40 kg of hardware, 44 kg with the 10 % structure
    s = dataclasses.replace(SPEC, thermal_loop_kg_per_kw=10)
    b = unit.unit_budget(s, 2)
    assert b.thermal_loop_mass_kg == approx(40.0, rel=1e-12)
    assert b.mass_kg == approx(338.3875 + 44.0, rel=1e-12)
    # it grows with the heat: 3 accelerators reject 5500 W -> 55 kg
    assert unit.unit_budget(s, 3).thermal_loop_mass_kg == approx(55.0, rel=1e-12)
    # a published whole-spacecraft mass (bus mass only) carries no loop of its own
    assert unit.unit_budget(dataclasses.replace(s, bus_mass_only=True), 2).thermal_loop_mass_kg == 0.0


def test_survival_years_by_hand():
    # capacity averaged through the year: (1 - e^-0.04) / 0.04 = 0.980264 of the first year; e^-0.04 x that in the
    # second; half a year from age 1: (e^-0.04 - e^-0.06) / 0.04 = 0.475623
    assert power.survival_years(0.04, 0, 1) == approx(0.980264, abs=1e-6)
    assert power.survival_years(0.04, 1, 2) == approx(math.exp(-0.04) * 0.980264, abs=1e-6)
    assert power.survival_years(0.04, 1, 1.5) == approx(0.475623, abs=1e-6)
    assert power.survival_years(0.0, 2, 3.5) == 1.5 and power.survival_years(0.04, 3, 3) == 0.0


def test_beta_angle_by_hand():
    # equatorial orbit: beta is the sun's declination, 23.44 deg at the June solstice (sun longitude 90)
    assert orbit.beta_angle_deg(0, 0, 90) == approx(23.44, abs=1e-9)
    # dawn-dusk SSO (i = 97.9, node 90 deg east of the sun) at the June solstice: the node is at 180, so
    # beta = asin(cos e sin i + sin e cos i) = asin(sin(i + e)) = 180 - 121.34 = 58.66 deg
    assert orbit.beta_angle_deg(97.9, 90, 90) == approx(58.66, abs=1e-9)
    # at the equinox the plane faces the sun within 90 - 82.1: beta = asin(sin 90 sin 97.9) = 82.1 deg
    assert orbit.beta_angle_deg(97.9, 90, 0) == approx(82.1, abs=1e-9)
    # a precessing plane sees every node: |beta| reaches i + e = 76.44 deg at 53 deg inclination
    betas = orbit.betas_over_year_deg(53, None)
    assert len(betas) == 72 * 72 and max(betas) == approx(76.44, abs=0.01) and min(betas) == approx(-76.44, abs=0.01)


def test_eclipse_seasons_by_hand():
    # GEO: eclipse-free beta asin(6371 / 42157) = 8.69 deg; |beta| = |asin(sin G sin e)| < 8.69 deg while
    # |sin G| < 0.15112 / 0.39777 = 0.37993, G within 22.33 deg of the equinoxes: 4 x 22.33 / 360 = 24.8 % of the
    # year (two seasons of ~45 days); the worst day's eclipse at beta 0 = acos(41672 / 42157) / pi = 4.83 % of
    # 23.93 h = 1.155 h; orbits a year 8766 / 23.934 = 366.25, so ~91 eclipses
    geo = orbit.eclipse_seasons(35786, orbit.betas_over_year_deg(0, 0))
    assert geo["eclipse_fraction"] == approx(0.0483, abs=1e-4)
    assert geo["longest_eclipse_h"] == approx(1.155, abs=2e-3)
    assert geo["season_share"] == approx(0.248, abs=0.005)  # 18 of the 72 grid days
    assert geo["eclipses_per_yr"] == approx(0.248 * 366.25, abs=2.0)
    assert geo["mean_eclipse_fraction"] < 0.012  # ~1 % of the year in shadow
    # dawn-dusk SSO 650 km: the worst beta 58.66 deg (June); sqrt(650^2 + 2 x 6371 x 650) = 2950.4 over
    # 7021 cos 58.66 = 3652 -> acos(0.8079) / pi = 0.2006 of a 97.7 min orbit (19.6 min)
    sso = orbit.eclipse_seasons(650, orbit.betas_over_year_deg(97.9, 90))
    assert sso["eclipse_fraction"] == approx(0.2006, abs=5e-4)
    assert sso["longest_eclipse_h"] * 60 == approx(19.6, abs=0.1)
    assert 0.2 < sso["season_share"] < 0.27 and sso["mean_eclipse_fraction"] < 0.05  # >95 % sunlit (Starcloud)
    # LEO 550 km at 53 deg: beta 0 some day (37.2 % of an orbit), eclipses on all but the high-beta days
    leo = orbit.eclipse_seasons(550, orbit.betas_over_year_deg(53, None))
    assert leo["eclipse_fraction"] == approx(orbit.eclipse_fraction(550, 0), rel=1e-12)
    assert 0.9 < leo["season_share"] < 1.0 and 5000 < leo["eclipses_per_yr"] < 5500  # ~5,500 orbits a year


def test_depth_of_discharge_follows_the_cycle_count_by_hand():
    dod, cycles = [0.1, 0.2, 0.3, 0.4, 0.6, 0.8, 1.0], [200_000, 70_000, 35_000, 20_000, 7_000, 3_000, 1_500]
    # 26,000 cycles (5 years in LEO): between 35,000 at 0.3 and 20,000 at 0.4; w = ln(35/26) / ln(35/20) = 0.53117,
    # depth = 0.3^0.46883 x 0.4^0.53117 = 0.3495
    assert power.depth_of_discharge_for_cycles(26_000, dod, cycles, 0.8) == approx(0.3495, abs=1e-4)
    # a curve point exactly; few cycles (GEO, a halo orbit) stop at the cap
    assert power.depth_of_discharge_for_cycles(7_000, dod, cycles, 0.8) == approx(0.6, rel=1e-12)
    assert power.depth_of_discharge_for_cycles(900, dod, cycles, 0.8) == 0.8
    assert power.depth_of_discharge_for_cycles(0, dod, cycles, 0.8) == 0.8
    with pytest.raises(ValueError, match="more than the cycle-life curve covers"):
        power.depth_of_discharge_for_cycles(300_000, dod, cycles, 0.8)


def test_network_availability_by_hand():
    # one site clear 60 % of the time, RF at a tenth of the rate otherwise: 0.6 + 0.4 x 0.1 = 0.64
    assert links.network_availability(0.6, 1, 0.1) == approx(0.64, rel=1e-12)
    # two independent sites in view (the Moon from a worldwide network): 1 - 0.16 x 0.9 = 0.856
    assert links.network_availability(0.6, 2, 0.1) == approx(0.856, rel=1e-12)
    # ten gateways through a mesh: 1 - 0.4^10 x 0.9 = 0.99990563
    assert links.network_availability(0.6, 10, 0.1) == approx(1 - 0.4 ** 10 * 0.9, rel=1e-12)
    # no fallback: only the clear sky counts
    assert links.network_availability(0.95, 1, 0.0) == approx(0.95, rel=1e-12)
