"""Rank-correlated draws that keep their marginals: Iman-Conover reordering.

A Gaussian copula applied to Latin-hypercube uniforms moves every draw, so the draws no longer hold one per stratum,
and it gives the Pearson correlation of the normal scores, not the rank correlation asked for (rho_s = -0.6 came
out as -0.56). Iman and Conover (1982) instead *reorder* each column: the values stay exactly the ones drawn (every
Latin-hypercube stratum keeps its one draw), only their pairing changes, so that the ranks follow a matrix of
normal scores with the wanted correlation. The wanted Spearman correlation is converted to the Pearson correlation
of the scores (rho = 2 sin(pi rho_s / 6), exact for a Gaussian pair), and the scores' own sample correlation is
removed first (the Cholesky correction of Iman and Conover), so the reordering hits the target up to the ties of
ranking n scores.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg, stats


def pearson_for_spearman(rho_s: np.ndarray | float) -> np.ndarray | float:
    """The Pearson correlation of a Gaussian pair whose Spearman rank correlation is ``rho_s``."""
    return 2.0 * np.sin(np.pi * np.asarray(rho_s) / 6.0)


def rank_correlation_matrix(names: list[str], correlations) -> np.ndarray:
    """The d x d target Spearman matrix from (name, name, rho) triples; ValueError names what is wrong."""
    idx = {p: i for i, p in enumerate(names)}
    corr = np.eye(len(names))
    for a, b, rho in correlations:
        for p in (a, b):
            if p not in idx:
                raise ValueError(f"{p!r} is not one of the drawn parameters")
        if a == b:
            raise ValueError(f"{a!r} is correlated with itself")
        corr[idx[a], idx[b]] = corr[idx[b], idx[a]] = rho
    return corr


def _whiten(s: np.ndarray) -> np.ndarray:
    """The scores with their own sample correlation removed (Iman and Conover's correction)."""
    d = s.shape[1]
    if d == 1:
        return s
    try:
        q = np.linalg.cholesky(np.corrcoef(s, rowvar=False))
    except np.linalg.LinAlgError:  # n too small for d independent columns: take the scores as they are
        return s
    return linalg.solve_triangular(q, s.T, lower=True).T


def _ranks(t: np.ndarray) -> np.ndarray:
    """0..n-1 ranks of each column (ties cannot occur among continuous mixes of scores)."""
    return np.argsort(np.argsort(t, axis=0, kind="stable"), axis=0, kind="stable")


def _spearman(ranks: np.ndarray) -> np.ndarray:
    return np.corrcoef(ranks, rowvar=False) if ranks.shape[1] > 1 else np.ones((1, 1))


def iman_conover(x: np.ndarray, rank_corr: np.ndarray, rng: np.random.Generator, rounds: int = 8) -> np.ndarray:
    """Reorder each column of the n x d sample ``x`` so that its Spearman correlation is close to ``rank_corr``.

    Every column of the result is a permutation of the same column of ``x`` (marginals, and so Latin-hypercube
    strata, are kept exactly). The first round is Iman-Conover with the converted target; each further round moves
    the target by what the ranks missed (the finite-n error of ranking the scores), and the closest round is kept:
    at n = 500 the largest miss over 100 seeds is 2e-4, against 0.03 after one round. Raises ValueError when the
    target is not a correlation matrix.
    """
    n, d = x.shape
    target = pearson_for_spearman(rank_corr)
    np.fill_diagonal(target, 1.0)
    try:
        np.linalg.cholesky(target)
    except np.linalg.LinAlgError:
        raise ValueError("the correlations are not consistent with each other (the matrix is not positive "
                         "definite)") from None
    scores = stats.norm.ppf(np.arange(1, n + 1) / (n + 1))  # van der Waerden scores
    white = _whiten(np.column_stack([rng.permutation(scores) for _ in range(d)]))
    best_miss, best = np.inf, None
    for _ in range(rounds):
        try:
            ranks = _ranks(white @ np.linalg.cholesky(target).T)  # Pearson correlation of the mix: ``target``
        except np.linalg.LinAlgError:  # the moved target left the correlation matrices: keep the best so far
            break
        got = _spearman(ranks)
        miss = float(np.abs(got - rank_corr).max())
        if miss < best_miss:
            best_miss, best = miss, ranks
        if miss < 1e-4:
            break
        target = target + (rank_corr - got)
        np.fill_diagonal(target, 1.0)
    return np.column_stack([np.sort(x[:, j])[best[:, j]] for j in range(d)])
