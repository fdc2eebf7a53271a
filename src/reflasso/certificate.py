"""Certificate of global optimality of a Lasso solution (docs/method.md §3.5).

With lambda = y - A z - xi (the residual), a Lasso solution over *all* unit chains of
depth L satisfies |lambda . g(X)| <= beta for every unit chain g and 1.lambda = 0.  We
report

- ``kkt_max``    = max_j |A_j . lambda| / beta over the dictionary (= 1 when z != 0),
- ``random_max`` = the same over fresh random unit chains of depth L (seeded),
- ``dual_sum``   = 1.lambda (zero because the intercept is free),

and ``ok`` when both maxima are <= 1 + tol.  Both <= 1 mean the reconstructed network
(``LassoFit.to_network``) is a global minimiser of the non-convex training problem.
"""

from __future__ import annotations

import numpy as np

from .chains import evaluate_unit_chains
from .structured import nearest_kink_sums

#: Default relative slack on the dual constraint.  lambda comes from the primal
#: residual, so rounding and the solver's stopping tolerance show up in kkt_max;
#: docs/lasso.md records the values seen (typically 1 + 1e-12 .. 1 + 1e-6).
DEFAULT_TOL = 1e-5
DEFAULT_RANDOM = 20_000
#: Points per block when the random chains are evaluated (5,000 chains x 6,000 points:
#: 240 MB); fewer points than this are one block, as before.
ROW_BLOCK = 6000
#: 1-D random chains of depth 2 and 3 are scored by prefix sums above this many points.
PREFIX_MIN_POINTS = 1000


class NotCertifiedError(RuntimeError):
    """A Lasso fit whose certificate fails (message: kkt_max, random_max, gap, options)."""


def random_unit_chains(X: np.ndarray, depth: int, count: int, rng: np.random.Generator):
    """``count`` random unit chains of the given depth, biased towards extreme ones.

    Extreme chains (vertices, docs/method.md §3.1) put every kink on a training point and
    often have first-layer weights with zero entries (l1-sphere faces).  So: w is
    uniform on the l1 sphere with a random subset of entries zeroed in half the draws;
    b1 places the first kink at a training point in half the draws and uniformly over
    the range of w.x (widened by 10%) otherwise; each offset c_l is the previous
    layer's value at a training point in half the draws and uniform over [0, 1.1 max h]
    otherwise (c_l < 0 only adds a constant, which the intercept absorbs).
    Returns (W, b1, C) with ||w||_1 = 1.
    """
    X = np.asarray(X, dtype=float)
    n, d = X.shape
    half = rng.random(count) < 0.5
    W = rng.laplace(size=(count, d))
    sparse = rng.random(count) < 0.5
    zeroed = (rng.random((count, d)) < 0.5) & sparse[:, None]
    zeroed[np.arange(count), rng.integers(d, size=count)] = False  # keep one entry
    W[zeroed] = 0.0
    W /= np.abs(W).sum(axis=1, keepdims=True)

    # 1-D: the blocked layers never store the (n, count) values and find what the draw
    # needs at the end points or at single points (the same values, bit for bit)
    layers = _Layers(X, W) if n <= ROW_BLOCK and d > 1 else _BlockedLayers(X, W)
    low, high = layers.projection_range()
    margin = 0.1 * (high - low)
    b1 = -np.where(
        half,
        layers.projection_at(rng.integers(n, size=count)),
        rng.uniform(low - margin, high + margin),
    )
    C = np.zeros((count, depth - 2))
    layers.start(b1)
    for level in range(depth - 2):
        anchored = rng.random(count) < 0.5
        at_point = layers.value_at(rng.integers(n, size=count))
        C[:, level] = np.where(anchored, at_point, rng.uniform(0, 1.1 * layers.value_max()))
        layers.next_level(C[:, level])
    return W, b1, C


class _Layers:
    """The values of the chains being drawn on the points, layer by layer: w.x, then
    h = |w.x + b1|, then |h - c2|, ... (an (n, count) array)."""

    def __init__(self, X, W):
        self.projections = X @ W.T  # (n, count)
        self.columns = np.arange(W.shape[0])

    def projection_range(self):
        return self.projections.min(axis=0), self.projections.max(axis=0)

    def projection_at(self, rows):
        return self.projections[rows, self.columns]

    def start(self, b1):
        self.h = np.abs(self.projections + b1)

    def value_at(self, rows):
        return self.h[rows, self.columns]

    def value_max(self):
        return self.h.max(axis=0)

    def next_level(self, c):
        self.h = np.abs(self.h - c)


def _row_blocks(n: int):
    """Slices of at most ROW_BLOCK consecutive points."""
    return (slice(start, start + ROW_BLOCK) for start in range(0, n, ROW_BLOCK))


class _BlockedLayers(_Layers):
    """The same values for many points, never stored: each query evaluates the chain
    prefix (``evaluate_unit_chains``) on blocks of ROW_BLOCK points."""

    def __init__(self, X, W):
        self.X, self.W = X, W
        self.columns = np.arange(W.shape[0])
        self.b1, self.C = np.zeros(len(W)), np.zeros((len(W), 0))

    def _blocks(self):
        for rows in _row_blocks(len(self.X)):
            yield self.X[rows] @ self.W.T

    def projection_range(self):
        if self.X.shape[1] == 1:  # a linear function's extremes are at the end points
            ends = self.X[[np.argmin(self.X[:, 0]), np.argmax(self.X[:, 0])]] @ self.W.T
            return ends.min(axis=0), ends.max(axis=0)
        ranges = [(p.min(axis=0), p.max(axis=0)) for p in self._blocks()]
        return np.min([r[0] for r in ranges], axis=0), np.max([r[1] for r in ranges], axis=0)

    def projection_at(self, rows):
        return np.einsum("kd,kd->k", self.X[rows], self.W)

    def start(self, b1):
        self.b1 = b1

    def value_at(self, rows):  # chain k at its own point rows[k]: one value each
        h = np.abs(np.einsum("kd,kd->k", self.X[rows], self.W) + self.b1)
        for c in self.C.T:
            h = np.abs(h - c)
        return h

    def value_max(self):
        if self.X.shape[1] == 1 and self.C.shape[1] == 0:  # |w x + b1|: convex in x
            ends = self.X[[np.argmin(self.X[:, 0]), np.argmax(self.X[:, 0])]]
            return evaluate_unit_chains(ends, self.W, self.b1, self.C).max(axis=0)
        return np.max(
            [
                evaluate_unit_chains(self.X[rows], self.W, self.b1, self.C).max(axis=0)
                for rows in _row_blocks(len(self.X))
            ],
            axis=0,
        )

    def next_level(self, c):
        self.C = np.column_stack([self.C, c])


def max_random_correlation(
    X: np.ndarray, dual: np.ndarray, depth: int, count: int, seed: int, chunk: int = 5_000
) -> float:
    """max |g(X) . dual| over ``count`` random unit chains (in chunks of chains, and of
    ``ROW_BLOCK`` points when there are more: the same chains, bounded memory)."""
    rng = np.random.default_rng(seed)
    best = 0.0
    for start in range(0, count, chunk):
        W, b1, C = random_unit_chains(X, depth, min(chunk, count - start), rng)
        if X.shape[1] == 1 and depth in (2, 3) and len(X) > PREFIX_MIN_POINTS:
            # w = +-1: |w x + b1| = |x - a| with a = -b1 / w, and ||x - a| - c| with
            # c >= 0 (as drawn) is the distance to the nearer of a - c and a + c
            radii = C[:, 0] if depth == 3 else 0.0
            correlations = nearest_kink_sums(X[:, 0], dual, -b1 / W[:, 0], radii)
        else:
            correlations = sum(
                evaluate_unit_chains(X[rows], W, b1, C).T @ dual[rows]
                for rows in _row_blocks(len(X))
            )
        best = max(best, float(np.abs(correlations).max()))
    return best


def lasso_certificate(
    columns,
    X: np.ndarray,
    y: np.ndarray,
    coef: np.ndarray,
    intercept: float,
    beta: float,
    depth: int,
    *,
    n_random: int = DEFAULT_RANDOM,
    seed: int = 0,
    tol: float = DEFAULT_TOL,
    exact_max: float | None = None,
) -> dict:
    """The certificate of docs/method.md §3.5 as a dict of plain numbers.

    ``columns`` is a ``solvers.DictionaryColumns`` of the dictionary on X.
    ``exact_max``: sup |g(X) . lambda| over the *whole* exact dictionary (the pricing
    oracle's maximum for this residual), when known; kkt_max then covers every unit
    chain (``kkt_scope`` "all chains") and not only the fit's own columns.
    ``relative_gap`` is the duality gap over the same scope, relative to the primal.
    """
    from .solvers import duality_gap

    active = np.flatnonzero(coef)
    dual = np.asarray(y, float) - columns.take(active) @ coef[active] - intercept
    largest = float(np.max(np.abs(columns.correlate(dual)), initial=0.0))
    if exact_max is not None:
        largest = max(largest, float(exact_max))
    kkt_max = largest / beta
    random_max = max_random_correlation(X, dual, depth, n_random, seed) / beta
    centred = dual - dual.mean()
    primal, gap = duality_gap(centred, [largest], np.asarray(y, float) - np.mean(y), coef, beta)
    return {
        "kkt_max": kkt_max,
        "kkt_scope": "all chains" if exact_max is not None else "dictionary",
        "random_max": random_max,
        "relative_gap": float(gap / max(primal, 1e-300)),
        "dual_sum": float(dual.sum()),
        "ok": bool(kkt_max <= 1 + tol and random_max <= 1 + tol),
        "tol": tol,
        "n_random": int(n_random),
        "seed": int(seed),
    }


def relative_gap(value, reference):
    """(value - reference) / |reference|, elementwise, defined when the reference is 0.

    A zero optimum is legitimate (all labels equal: z = 0 fits exactly); then the gap is
    0 for a value of 0 and +-inf otherwise, never a ZeroDivisionError or a NaN.
    """
    value, reference = np.asarray(value, float), np.asarray(reference, float)
    difference, scale = value - reference, np.abs(reference)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.where(
            scale > 0, difference / np.where(scale > 0, scale, 1.0), np.sign(difference) * np.inf
        )
    gap = np.where((scale == 0) & (difference == 0), 0.0, gap)
    return float(gap) if gap.ndim == 0 else gap
