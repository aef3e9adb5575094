"""Sensitivity of a batch's answer from the draws already solved: SALib's PAWN indices, no extra solves.

Sobol indices need Saltelli's design (n (d + 2) solves); a Monte Carlo or Latin-hypercube batch already holds n
draws of every value and the answer of each. PAWN (Pianosi and Wagener 2015, 2018) is moment-independent: for
each value, the draws are cut into ``S`` slices by that value, and the index is the median over slices of the
Kolmogorov-Smirnov distance between the answer's distribution within the slice and over all draws (0: the value
does not move the answer's distribution; 1: it decides it). A finite sample leaves a floor: a value with no effect
still scores around 1 / sqrt(n / S). So twenty *dummy* inputs, random columns used by nothing, are analysed with the
others; the highest of their indices (about the 95th percentile of a value with no effect) is the noise floor, and a
value whose index is not above it is reported as indistinguishable from noise. SALib's delta (Borgonovo) index was measured too slow for these batches (160 s for 4
values and 500 draws, with its bootstrap), so PAWN is the one given.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DUMMY = "(noise floor: the highest of 20 random inputs nothing uses)"
DUMMIES = 20
SLICES = 10
MIN_CASES = 5 * SLICES  # at least 5 draws a slice


def pawn_indices(x: pd.DataFrame, y: pd.Series | np.ndarray, slices: int = SLICES, seed: int = 0) -> pd.DataFrame:
    """PAWN indices of ``y`` on every column of ``x`` (numbers; constant columns are left out), and the noise floor.

    Returns one row per value, strongest first: ``value``, ``pawn_median``, ``pawn_max``, ``above_noise`` (its
    median is above the floor), and one row named DUMMY holding the floor. Raises ValueError with fewer than
    MIN_CASES draws.
    """
    from SALib.analyze import pawn

    y = np.asarray(y, dtype=float)
    keep = np.isfinite(y)
    x = x.loc[keep].apply(pd.to_numeric, errors="coerce")
    y = y[keep]
    x = x.loc[:, [c for c in x.columns if x[c].notna().all() and x[c].nunique() > 1]]
    if len(y) < MIN_CASES:
        raise ValueError(f"PAWN needs at least {MIN_CASES} solved draws, got {len(y)}")
    rng = np.random.default_rng(seed)
    dummies = [f"{DUMMY} {i}" for i in range(DUMMIES)]
    names = list(x.columns) + dummies
    data = np.column_stack([x.to_numpy(dtype=float), rng.random((len(y), DUMMIES))])
    problem = {"num_vars": len(names), "names": names,
               "bounds": [[float(c.min()), float(c.max())] for c in data.T]}
    res = pawn.analyze(problem, data, y, S=slices, seed=seed, print_to_console=False)
    out = pd.DataFrame({"value": names, "pawn_median": np.asarray(res["median"], dtype=float),
                        "pawn_max": np.asarray(res["maximum"], dtype=float)})
    noise = out["value"].isin(dummies)
    floor = out[noise].loc[out.loc[noise, "pawn_median"].idxmax()]
    out = pd.concat([out[~noise], pd.DataFrame([{**floor.to_dict(), "value": DUMMY}])], ignore_index=True)
    out["above_noise"] = out["pawn_median"] > floor["pawn_median"]
    return out.sort_values("pawn_median", ascending=False, kind="stable").reset_index(drop=True)
