"""Which catalog values carry the plan's cost.

Every cash flow of the plan is attributed to the catalog value that prices it (a unit's arrays to
``components.solar_array.cost_usd_per_w``, a trip to its vehicle's ``price_musd_per_flight``, ...). The table says
how much of the plan's present-value cost rests on each value, hence on values that are our own assumptions,
and ranks candidates for the one-at-a-time sensitivity re-solves.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from planner.model.coefficients import Coefficients, insuring_vehicle, service_profile
from planner.results.plan import Solution

UNIT_DRIVERS = {
    "accelerators": "accelerators.{g}.price_usd",
    "bus": "platforms.{p}.bus_cost_usd",
    "arrays": "components.solar_array.cost_usd_per_w",
    "radiators": "components.radiator.cost_usd_per_m2",
    "batteries": "components.battery.cost_usd_per_kwh",
    "shielding": "components.shielding.cost_usd_per_kg",
    "terminals": "components.optical_terminal.cost_usd",
    "heat_pumps": "components.heat_pump.cost_usd_per_kw_lifted",
    "fission_power": "components.fission_power.cost_usd_per_kwe",
    "propellant": "components.propellant.cost_usd_per_kg",
    "integration": "platforms.{p}.integration_cost_fraction",
    "insurance": "launch_vehicles.{v}.failure_rate",
    "launch": "launch_vehicles.{v}.price_musd_per_flight",
    "operations": "platforms.{p}.ops_cost_musd_per_unit_yr",
    "servicing": "components.servicing.cost_musd_per_unit_yr",
}
CARBON_DRIVER = "scenario.carbon.price_usd_per_t"  # a scenario setting, not a catalog value
LEARNING_DRIVER = "programme_learning.{kind}_learning_rate"  # learning on the programme's own volume


def cost_drivers(c: Coefficients, sol: Solution) -> pd.DataFrame:
    """PV of the plan's cost by (category, catalog value that prices it), in USD."""
    acc: dict[tuple[str, str], float] = defaultdict(float)

    def add(category: str, driver: str, pv_musd: float):
        if pv_musd:
            acc[(category, driver)] += pv_musd * 1e6

    for (a, key, v), n in sol.units.items():
        d = c.designs[(a, key)]
        info = c.archs[a]
        names = {"g": d.accelerator, "p": info["platform"], "v": insuring_vehicle(c.catalog, info["platform"])}
        for cat, capex in c.unit_capex(a, key, v).items():
            add(cat, UNIT_DRIVERS[cat].format(**names), n * c.pv(c.capital_flows({cat: capex}, v, d.capacity_profile,
                                                                                  info["rate"])))
        add("operations", UNIT_DRIVERS["operations"].format(**names),
            n * c.pv(c.ops_flows(a, key, v)))
        route = c.cheapest_route(a, key, v)  # the unit's launch share is priced on it
        add("launch", UNIT_DRIVERS["launch"].format(v=c.routes[route].vehicle if route else names["v"]),
            n * c.pv(c.launch_credit_flows(a, key, v)))
        add("carbon", CARBON_DRIVER, n * c.pv(c.unit_carbon_flows(a, key, v)))
    for (a, key, v), n in sol.serviced.items():
        d = c.designs[(a, key)]
        add("servicing", UNIT_DRIVERS["servicing"],
            n * c.pv(c.running_flows("servicing", d.servicing_musd_per_yr, v, d.life_yr)))
        add("carbon", CARBON_DRIVER, n * c.pv(c.carbon_running_flows(c.serviced_emissions, a, key, v)))
    for (k, y), n in sol.trips.items():
        vehicle = c.routes[k].vehicle
        for cat, x in c.trip_parts[(k, y)].items():
            add(cat, UNIT_DRIVERS[cat].format(v=vehicle), n * x * c.df[y])
        add("carbon", CARBON_DRIVER, n * c.pv(c.carbon_running_flows(c.trip_emissions, k, y)))
    for (site, y), n in sol.open.items():
        e = c.site_open[site]
        add("site_fixed", f"sites.{site}.fixed_cost_musd",
            n * c.pv(c.capital_flows({"site_fixed": e["fixed_cost_musd"]}, y, e["life_yr"], e["rate"])))
        add("carbon", CARBON_DRIVER,
            n * c.pv(c.carbon_capital_flows(e["embodied_t"], y, service_profile(e["life_yr"]), e["rate"])))
        for y2 in c.years:
            if y2 >= y:
                add("site_opex", f"sites.{site}.fixed_opex_musd_per_yr", n * c.pv(c.opened_flows(site, y2)))
    for (r, v), mw in sol.build.items():
        g = c.ground[r]
        add("ground_facility", f"ground_regions.{r}.facility_capex_musd_per_mw",
            mw * c.pv(c.capital_flows({"ground_facility": g["capex_musd_per_mw"]}, v, g["life_yr"], g["rate"])))
        add("ground_opex", f"ground_regions.{r}.facility_opex_fraction_per_yr",
            mw * c.pv(c.running_flows("ground_opex", g["opex_musd_per_mw_yr"], v, g["life_yr"])))
        add("ground_lease", f"ground_regions.{r}.lease_musd_per_mw_yr",
            mw * c.pv(c.running_flows("ground_lease", g["lease_musd_per_mw_yr"], v, g["life_yr"])))
        add("carbon", CARBON_DRIVER,
            mw * c.pv(c.carbon_capital_flows(g["embodied_t_per_mw"], v, service_profile(g["life_yr"]), g["rate"])))
    for (r, gname, v, n), k in sol.chips.items():
        parts = c.chip_parts(r, gname, v, n)
        for cat, driver in (("accelerators", f"accelerators.{gname}.price_usd"),
                            ("ground_energy", f"ground_regions.{r}.energy_usd_per_kwh"),
                            ("ground_replacements", f"accelerators.{gname}.annual_failure_rate"),
                            ("carbon", CARBON_DRIVER)):
            add(cat, driver, k * c.pv(parts[cat]))
    for stream, _, flows in c.learning_parts(sol):  # a saving (negative), priced by the programme's learning rate
        for cat, t, x in flows:
            add(cat, LEARNING_DRIVER.format(kind=stream.kind), x * c.df[t])
    for cat, t, x in c.existing_flows():
        region = next(iter(c.ground)) if len(c.ground) == 1 else None
        add(cat, f"ground_regions.{region}.facility_opex_fraction_per_yr" if region else "ground_regions.*.existing",
            x * c.df[t])
    rows = [{"category": cat, "driver": drv, "pv_usd": x} for (cat, drv), x in acc.items()]
    df = pd.DataFrame(rows, columns=["category", "driver", "pv_usd"])
    if not len(df):
        return df.assign(confidence=[], share=[])
    quantities = dict(c.catalog.quantities())
    df["confidence"] = [quantities[d].confidence if d in quantities else
                        "scenario setting" if d.startswith("scenario.") else "our assumption" for d in df["driver"]]
    total = df["pv_usd"].sum()
    df["share"] = df["pv_usd"] / total if total else 0.0
    return df.sort_values("pv_usd", ascending=False, key=abs).reset_index(drop=True)


def assumption_share(drivers: pd.DataFrame) -> float:
    """Share of the plan's PV cost priced by values that are our own assumptions."""
    if not len(drivers):
        return 0.0
    total = drivers["pv_usd"].sum()
    return float(drivers.loc[drivers["confidence"] == "our assumption", "pv_usd"].sum() / total) if total else 0.0
