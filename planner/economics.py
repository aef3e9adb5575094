"""Money over time: discounting, annuities and the value of capital left at the end of the horizon.

Convention: a cash flow in year y is worth (1 + r)^-(y - base_year) today. An asset bought in year v for C
serves the years v, v+1, ... for ``life`` years. Capital is counted one way per scenario: as capex in year v
minus a residual-value credit for the years after the horizon, or as equal annuities paid in the years it
serves inside the horizon. The two are equal in present value by construction (and tested).
"""

from __future__ import annotations

import math


def discount_factor(year: float, base_year: float, rate: float) -> float:
    """Present value of $1 spent in ``year``."""
    return (1.0 + rate) ** -(year - base_year)


def _service_years(life_yr: float):
    """(offset from the build year, share of that year served) for an asset of ``life_yr`` years."""
    whole = math.floor(life_yr)
    for k in range(whole):
        yield k, 1.0
    if life_yr > whole:
        yield whole, life_yr - whole


def annuity_per_capex(rate: float, life_yr: float) -> float:
    """Payment per year of service (per $1 of capex) whose PV at the build year is $1.

    a = 1 / sum_k share_k (1 + r)^-k over the years served, the first in the build year.
    """
    if life_yr <= 0:
        raise ValueError("life_yr must be > 0")
    return 1.0 / sum(share * (1.0 + rate) ** -k for k, share in _service_years(life_yr))


def annuity_share(rate: float, life_yr: float, age: int) -> float:
    """Annuity paid in the year ``age`` years after the build year (0 once the life is over)."""
    for k, share in _service_years(life_yr):
        if k == age:
            return share * annuity_per_capex(rate, life_yr)
    return 0.0


def residual_fraction(rate: float, life_yr: float, build_year: int, last_year: int) -> float:
    """Share of a capex (PV at its build year) that pays for service after ``last_year``.

    The PV at the build year of the annuities for the years beyond the horizon; 0 if the asset's life ends
    inside the horizon.
    """
    a = annuity_per_capex(rate, life_yr)
    inside = last_year - build_year + 1
    return sum(a * share * (1.0 + rate) ** -k for k, share in _service_years(life_yr) if k >= inside)


def capital_payments(rate: float, profile: list[float]) -> list[float]:
    """Payments per $1 of capex for the years k = 0, 1, ... of an asset's life, proportional to ``profile``
    (its service or delivered capacity in year k), whose PV at the build year is $1.

    A flat profile gives the ordinary annuity; a decaying one charges each year in proportion to what the asset
    delivers, so a residual credit values the years after a horizon at what they will deliver.
    """
    pv = sum(w * (1.0 + rate) ** -k for k, w in enumerate(profile))
    if pv <= 0:
        raise ValueError("the profile must deliver something")
    return [w / pv for w in profile]


def learning_saving(volume: float, prior: float, learning_rate: float) -> float:
    """What Wright's law saves on the first ``volume`` units a programme buys, in units of the price before it
    starts (so <= 0 as a cost): the n-th unit costs (1 + n / prior)^-b with b = -log2(1 - rate), and the saving
    is the integral of that from 0 to ``volume``, minus ``volume``:
    prior / (1 - b) x ((1 + volume / prior)^(1 - b) - 1) - volume."""
    if volume < 0 or prior <= 0 or not 0 <= learning_rate < 0.5:
        raise ValueError("volume >= 0, prior > 0 and 0 <= learning_rate < 0.5 are required")
    b = -math.log2(1.0 - learning_rate)
    return prior / (1.0 - b) * ((1.0 + volume / prior) ** (1.0 - b) - 1.0) - volume


def learning_breakpoints(prior: float, most: float) -> list[float]:
    """Cumulative volumes at which the piecewise-linear learning saving has a breakpoint: 0, each doubling of the
    experience (prior x (2^i - 1)) below ``most``, and ``most``."""
    if prior <= 0 or most <= 0:
        raise ValueError("prior and most must be > 0")
    out, i = [0.0], 1
    while (x := prior * (2.0 ** i - 1.0)) < most:
        out.append(x)
        i += 1
    return out + [float(most)]
