"""Mass, power, area and volume budget of one unit (satellite, module or station) carrying n accelerators.

Every budget line is linear in n, so the most accelerators a unit can carry is found from the budget at n = 0
and n = 1 against each cap; the first cap reached is reported as the binding one.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from planner.physics import power, thermal
from planner.physics.orbit import propellant_for_dv_kg


@dataclass(frozen=True)
class UnitSpec:
    """Everything that sizes one unit, in SI-ish units (W, kg, m2, K)."""

    # per accelerator
    accel_power_w: float
    host_power_fraction: float
    accel_mass_kg: float  # packaged for flight, space packaging included
    shielding_mass_kg_per_accel: float
    # fixed per unit
    bus_mass_kg: float
    bus_power_w: float
    terminals: float
    terminal_mass_kg: float
    terminal_power_w: float
    structure_margin: float
    # power system
    power_source: str  # "solar" or "fission"
    solar_flux_w_m2: float
    cell_efficiency: float
    fill_factor: float
    array_eol_factor: float
    eclipse_fraction: float
    recharge_efficiency: float
    array_specific_power_w_per_kg: float
    longest_eclipse_h: float
    depth_of_discharge: float
    battery_wh_per_kg: float
    fission_kg_per_kwe: float
    # thermal
    radiator_temp_k: float
    radiator_cap_k: float
    radiator_net_flux_w_m2: float  # at end of life, at radiator_temp_k
    radiator_kg_per_m2: float
    heat_pump_carnot_fraction: float
    heat_pump_kg_per_kw: float
    # propellant
    drag_kg_per_m2_yr: float  # per m2 of array + radiator (ram fraction applied)
    life_yr: float
    manoeuvre_dv_m_s: float  # station keeping over the life + disposal
    thruster_isp_s: float
    # caps
    max_mass_kg: float
    max_array_m2: float
    max_radiator_m2: float
    max_volume_m3: float
    stowed_density_kg_m3: float
    bus_mass_only: bool = False  # the unit weighs its bus mass only (a published whole-spacecraft mass)
    thermal_loop_kg_per_kw: float = 0.0  # pumps, lines, manifolds, coolant, heat exchangers per kW rejected
    throttle_in_eclipse: bool = False  # compute off in eclipse: the battery carries the bus and terminals only


@dataclass(frozen=True)
class UnitBudget:
    accelerators: float
    it_power_w: float
    bus_power_w: float
    terminal_power_w: float
    heat_pump_power_w: float
    load_w: float
    heat_rejected_w: float
    array_area_m2: float
    radiator_area_m2: float
    battery_kwh: float
    accelerator_mass_kg: float
    shielding_mass_kg: float
    bus_mass_kg: float
    terminal_mass_kg: float
    array_mass_kg: float
    radiator_mass_kg: float
    battery_mass_kg: float
    fission_mass_kg: float
    heat_pump_mass_kg: float
    thermal_loop_mass_kg: float
    structure_mass_kg: float
    propellant_mass_kg: float
    mass_kg: float
    volume_m3: float

    def as_dict(self) -> dict:
        return asdict(self)


def unit_budget(s: UnitSpec, n: float) -> UnitBudget:
    """The budget of a unit carrying ``n`` accelerators."""
    it_w = n * s.accel_power_w * (1.0 + s.host_power_fraction)
    terminal_w = s.terminals * s.terminal_power_w
    heat_w = it_w + s.bus_power_w + terminal_w
    hp_w = thermal.heat_pump_power_w(heat_w, s.radiator_cap_k, s.radiator_temp_k, s.heat_pump_carnot_fraction)
    load_w = heat_w + hp_w
    rejected_w = heat_w + hp_w
    if s.power_source == "solar":
        dark_w = load_w  # what the battery carries through an eclipse
        if s.throttle_in_eclipse:  # accelerators and their hosts off: the bus, the terminals and their heat pump
            dark_heat_w = s.bus_power_w + terminal_w
            dark_w = dark_heat_w + thermal.heat_pump_power_w(dark_heat_w, s.radiator_cap_k, s.radiator_temp_k,
                                                             s.heat_pump_carnot_fraction)
        array_m2 = power.array_area_m2(load_w, s.solar_flux_w_m2, s.cell_efficiency, s.fill_factor,
                                       s.array_eol_factor, s.eclipse_fraction, s.recharge_efficiency, dark_w)
        array_kg = power.array_mass_kg(array_m2, s.solar_flux_w_m2, s.cell_efficiency, s.fill_factor,
                                       s.array_specific_power_w_per_kg)
        battery_kwh = power.battery_capacity_kwh(dark_w, s.longest_eclipse_h, s.depth_of_discharge)
        fission_kg = 0.0
    elif s.power_source == "fission":
        array_m2 = array_kg = battery_kwh = 0.0
        fission_kg = power.fission_mass_kg(load_w, s.fission_kg_per_kwe)
    else:
        raise ValueError(f"unknown power source {s.power_source!r}")
    battery_kg = power.battery_mass_kg(battery_kwh, s.battery_wh_per_kg)
    radiator_m2 = thermal.radiator_area_m2(rejected_w, s.radiator_net_flux_w_m2)
    radiator_kg = radiator_m2 * s.radiator_kg_per_m2
    loop_kg = thermal.thermal_loop_mass_kg(rejected_w, s.thermal_loop_kg_per_kw)
    hp_kg = (heat_w / 1000.0) * s.heat_pump_kg_per_kw if hp_w > 0 else 0.0
    accel_kg = n * s.accel_mass_kg
    shield_kg = n * s.shielding_mass_kg_per_accel
    terminal_kg = s.terminals * s.terminal_mass_kg
    hardware_kg = (accel_kg + shield_kg + s.bus_mass_kg + terminal_kg + array_kg + radiator_kg + battery_kg
                   + fission_kg + hp_kg + loop_kg)
    structure_kg = hardware_kg * s.structure_margin
    dry_kg = hardware_kg + structure_kg
    drag_kg = s.drag_kg_per_m2_yr * (array_m2 + radiator_m2) * s.life_yr
    manoeuvre_kg = propellant_for_dv_kg(dry_kg, s.manoeuvre_dv_m_s, s.thruster_isp_s)
    mass_kg = dry_kg + drag_kg + manoeuvre_kg
    if s.bus_mass_only:
        accel_kg = shield_kg = terminal_kg = array_kg = radiator_kg = battery_kg = fission_kg = hp_kg = loop_kg = 0.0
        structure_kg = drag_kg = manoeuvre_kg = 0.0
        mass_kg = s.bus_mass_kg
    return UnitBudget(
        accelerators=n, it_power_w=it_w, bus_power_w=s.bus_power_w, terminal_power_w=terminal_w,
        heat_pump_power_w=hp_w, load_w=load_w, heat_rejected_w=rejected_w, array_area_m2=array_m2,
        radiator_area_m2=radiator_m2, battery_kwh=battery_kwh, accelerator_mass_kg=accel_kg,
        shielding_mass_kg=shield_kg, bus_mass_kg=s.bus_mass_kg, terminal_mass_kg=terminal_kg,
        array_mass_kg=array_kg, radiator_mass_kg=radiator_kg, battery_mass_kg=battery_kg,
        fission_mass_kg=fission_kg, heat_pump_mass_kg=hp_kg, thermal_loop_mass_kg=loop_kg,
        structure_mass_kg=structure_kg,
        propellant_mass_kg=drag_kg + manoeuvre_kg, mass_kg=mass_kg, volume_m3=mass_kg / s.stowed_density_kg_m3)


CAPS = (("mass", "mass_kg", "max_mass_kg"), ("array area", "array_area_m2", "max_array_m2"),
        ("radiator area", "radiator_area_m2", "max_radiator_m2"), ("stowed volume", "volume_m3", "max_volume_m3"))


def max_accelerators(s: UnitSpec) -> tuple[int, str]:
    """Most accelerators a unit carries within its caps, and the cap that binds first.

    Each budget line is affine in n: n_max = floor(min_k (cap_k - b_k(0)) / (b_k(1) - b_k(0))).
    """
    b0, b1 = unit_budget(s, 0.0), unit_budget(s, 1.0)
    best, binding = math.inf, "none"
    if all(math.isinf(getattr(s, cap)) for _, _, cap in CAPS):
        return 2**62, "none"
    for name, field, cap_field in CAPS:
        base, slope, cap = getattr(b0, field), getattr(b1, field) - getattr(b0, field), getattr(s, cap_field)
        if slope <= 0:
            if base > cap:
                return 0, name
            continue
        room = (cap - base) / slope
        if room < best:
            best, binding = room, name
    return max(0, math.floor(best + 1e-9)), binding
