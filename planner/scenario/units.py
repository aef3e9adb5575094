"""Units users think in, converted to the model's: demand in IT megawatts, launch prices in dollars per kg.

* ``workloads.<w>.demand_it_mw`` (a year table): megawatts of accelerator board power. Each year is converted with
  the accelerator in use that year, the newest the scenario allows that can be built then (catalog first and last
  years, ``design_space.accelerators``): EFLOP/s = MW x 1e6 / board W x dense TFLOP/s at the workload's precision x
  1e-6 x the workload's software efficiency. Host and cooling power are not counted in IT MW here.
* ``trajectories.launch_price_usd_per_kg.<vehicle>`` (a number or year table): dollars per kg to LEO. Converted
  with the vehicle's payload to LEO (``launch_vehicles.<v>.payload_leo_t``): $M per flight = USD/kg x payload t x
  1000 / 1e6.

Every conversion is stated in one line (``planner validate`` prints them; the resolved scenario keeps them in
``unit_conversions`` and the report shows them on page 1), and the resolved scenario holds the converted values.
"""

from __future__ import annotations

from planner.catalog.schema import Catalog, table_at
from planner.errors import InputError, problem
from planner.scenario.schema import Scenario


def accelerator_in_use(scenario: Scenario, cat: Catalog, year: int) -> str | None:
    """The newest accelerator the scenario allows that can be built in ``year``."""
    allowed = scenario.design_space.accelerators
    ok = [(a.first_year.v, k) for k, a in cat.accelerators.items()
          if (allowed is None or k in allowed) and a.first_year.v <= year <= a.last_year.v]
    return max(ok)[1] if ok else None


def _flops(cat: Catalog, acc: str, precision: str) -> float:
    a = cat.accelerators[acc]
    return (a.dense_fp8_tflops if precision == "fp8" else a.dense_bf16_tflops).v


def convert_demand(scenario: Scenario, cat: Catalog, where: str) -> tuple[Scenario, list[str]]:
    notes, problems, workloads = [], [], dict(scenario.workloads)
    for w, spec in scenario.workloads.items():
        if spec.demand_it_mw is None:
            continue
        table, used = {}, {}
        for year, mw in sorted(spec.demand_it_mw.items()):
            acc = accelerator_in_use(scenario, cat, year)
            if acc is None:
                problems.append(problem(where, f"workloads.{w}.demand_it_mw.{year}",
                                        "no allowed accelerator can be built that year to convert IT MW"))
                continue
            a = cat.accelerators[acc]
            table[year] = mw * 1e6 / a.power_w.v * _flops(cat, acc, spec.precision) * 1e-6 * spec.software_efficiency
            used.setdefault(acc, []).append(year)
        if problems:
            continue
        how = "; ".join(f"{min(ys)}-{max(ys) if len(ys) > 1 else ''}".rstrip("-") + f" {cat.accelerators[acc].label} "
                        f"({cat.accelerators[acc].power_w.v:g} W, {_flops(cat, acc, spec.precision):g} TFLOP/s "
                        f"{spec.precision})" for acc, ys in used.items())
        pairs = ", ".join(f"{y}: {spec.demand_it_mw[y]:g} MW = {table[y]:.4g} EFLOP/s" for y in sorted(table))
        notes.append(f"workloads.{w}.demand_it_mw converted to EFLOP/s with the accelerator in use each year ({how}) "
                     f"at software efficiency {spec.software_efficiency:g}, board power only: {pairs}")
        workloads[w] = spec.model_copy(update={"demand_eflop_per_s": table, "demand_it_mw": None})
    if problems:
        raise InputError(problems)
    return scenario.model_copy(update={"workloads": workloads}), notes


def convert_launch_prices(scenario: Scenario, cat: Catalog, where: str) -> tuple[Scenario, list[str]]:
    t = scenario.trajectories
    if not t.launch_price_usd_per_kg:
        return scenario, []
    notes, problems, prices = [], [], dict(t.launch_price_musd_per_flight)
    for v, per_kg in t.launch_price_usd_per_kg.items():
        if v not in cat.launch_vehicles:
            problems.append(problem(where, f"trajectories.launch_price_usd_per_kg.{v}", f"no launch vehicle named {v!r}"))
            continue
        lv = cat.launch_vehicles[v]
        payload = lv.payload_leo_t
        if isinstance(per_kg, dict) or isinstance(payload.value, dict):  # by year: the price's and the payload's
            years = sorted(set(per_kg if isinstance(per_kg, dict) else ())
                           | set(payload.value if isinstance(payload.value, dict) else ())
                           | {scenario.horizon.first_year, scenario.horizon.last_year})
            rate = (lambda y: table_at(per_kg, y)) if isinstance(per_kg, dict) else (lambda y: per_kg)
            prices[v] = {y: rate(y) * payload.at(y) * 1000 / 1e6 for y in years}
            shown = ", ".join(f"{y}: {rate(y):g} USD/kg x {payload.at(y):g} t = {prices[v][y]:.4g} $M" for y in years)
        else:
            prices[v] = per_kg * payload.v * 1000 / 1e6
            shown = f"{per_kg:g} USD/kg x {payload.v:g} t = {prices[v]:.4g} $M"
        notes.append(f"trajectories.launch_price_usd_per_kg.{v} converted to a price per flight with the "
                     f"{lv.label}'s payload to LEO: {shown} per flight")
    if problems:
        raise InputError(problems)
    traj = t.model_copy(update={"launch_price_musd_per_flight": prices, "launch_price_usd_per_kg": {}})
    return scenario.model_copy(update={"trajectories": traj}), notes
