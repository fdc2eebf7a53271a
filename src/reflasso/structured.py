"""Structured exact pricing: the unit chains most correlated with a dual vector, found
from the geometry of the chains instead of a stored dictionary (derivations in
docs/pricing.md).

For a dual vector lambda with 1.lambda = 0, every function here returns the exact
supremum over all unit chains g of one depth of |lambda . g(X)| (the maximum over every
column of the exact dictionary) and the ``count`` best chains, in the caller's
coordinates, as a ``PricedChains``.

- ``price_line``: one dimension, depth 2, 3, 4.  With the points sorted and prefix sums
  of lambda and lambda*x, sum_i lambda_i |x_i - p| over an index range costs O(1)
  (``_Line.region_sum``); a chain's score is a sum of such terms, one per region where
  one of its kink points is the nearest.  Depth 4 (about 3.5 n^3 candidates) is scored
  by compiled kernels (``reflasso.line_kernels``; depth 3 too).
- ``price_depth2``: depth 2 in any dimension, by an angular sweep per anchor point (and
  per fixed set of d - 2 spanning vectors when d >= 3).

Duplicate points are merged (their lambda summed): they give identical rows.  All work
is done in centred unit coordinates (data far from the origin would otherwise lose
digits in the prefix sums); chains are mapped back at the end and their scores
recomputed with ``evaluate_unit_chains`` so they match direct evaluation.
"""

from __future__ import annotations

import itertools
import sys

import numpy as np
from threadpoolctl import threadpool_limits

from .chains import evaluate_unit_chains
from .pricing import PricedChains

CHUNK = 1 << 17  # candidates per vectorised chunk (a few arrays of 8 MB each)
KEY_DIGITS = 9  # chains whose unit-coordinate parameters agree to 1e-9 are one chain
DIVERSITY_POINTS = 512  # points on which near-copies among the best chains are judged


def supports(d: int, depth: int) -> bool:
    """Whether a structured exact method exists for inputs of dimension d and this depth."""
    return depth == 2 or (d == 1 and depth in (3, 4))


# ------------------------------------------------------------------------ inputs


def _checked(X, residual) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    lam = np.asarray(residual, dtype=float).reshape(-1)
    if X.ndim != 2 or len(X) != len(lam):
        raise ValueError(f"X has shape {X.shape} but residual has {len(lam)} entries")
    if not (np.isfinite(X).all() and np.isfinite(lam).all()):
        raise ValueError("X and residual must be finite")
    # The intercept is free, so a dual vector has 1.lambda = 0; without it the supremum
    # is infinite (a far kink makes g nearly constant and large).  Rounding is removed.
    return X, lam - lam.mean()


def _merged(X: np.ndarray, lam: np.ndarray):
    """Distinct points, lambda summed over copies, and the unit-coordinate map."""
    points, inverse = np.unique(X, axis=0, return_inverse=True)
    weights = np.bincount(inverse.reshape(-1), weights=lam, minlength=len(points))
    low, high = points.min(axis=0), points.max(axis=0)
    center = (low + high) / 2
    scale = float(np.max(high - low) / 2)
    if scale == 0.0:
        scale = 1.0
    return (points - center) / scale, weights, center, scale


# ---------------------------------------------------------------- best candidates


class _Best:
    """Keeps the candidates with the largest |score| seen so far (and the maximum).

    ``KEEP_ALL`` (for tests, small n only) keeps every candidate, so that all of them
    can be checked.
    """

    KEEP_ALL = False

    def __init__(self, count: int, width: int):
        # spare room: duplicates are removed at the end
        self.keep = sys.maxsize if self.KEEP_ALL else 4 * max(count, 1) + 16
        self.scores = np.zeros(0)
        self.params = np.zeros((0, width))
        self.max = 0.0
        # The best candidate of every row (one anchor, one frame): kept whatever the
        # global ranking, so that each region of the data can offer a chain.
        self.row_scores, self.row_params = [], []

    def offer(self, scores: np.ndarray, columns, valid=None, convert=None) -> None:
        """Consider candidates with these scores; ``columns`` are their parameters, one
        array per parameter, broadcastable to the scores' shape.  Only the kept
        candidates' parameters are ever materialised.  ``valid`` masks out entries
        that are not chains.  ``convert``, if given, maps the kept candidates' columns
        (an array (k, len(columns))) to their parameters."""
        convert = convert or (lambda params: params)
        scores = np.abs(np.asarray(scores, dtype=float))
        if valid is not None:
            scores = np.where(valid, scores, -1.0)
        if scores.size == 0:
            return
        flat = scores.reshape(-1)
        self.max = max(self.max, float(flat.max()))
        if flat.size > self.keep:
            top = np.argpartition(flat, -self.keep)[-self.keep :]
        else:
            top = np.arange(flat.size)
        top = top[flat[top] >= 0]
        picked = np.unravel_index(top, scores.shape)
        params = convert(
            np.stack([np.broadcast_to(c, scores.shape)[picked] for c in columns], axis=-1)
        )
        if scores.ndim == 2:
            rows = np.arange(len(scores))
            at = (rows, scores.argmax(axis=1))
            row_params = [np.broadcast_to(c, scores.shape)[at] for c in columns]
            self.offer_row_bests(scores[at], convert(np.stack(row_params, axis=-1)))
        self.scores = np.concatenate([self.scores, flat[top]])
        self.params = np.concatenate([self.params, params])
        if self.scores.size > 2 * self.keep:
            top = np.argpartition(self.scores, -self.keep)[-self.keep :]
            self.scores, self.params = self.scores[top], self.params[top]

    def offer_row_bests(self, scores: np.ndarray, params: np.ndarray, ordered=False) -> None:
        """Candidates that are each the best of their own row (a kernel's reduction).
        ``ordered``: rows follow each other along the line, so neighbours give
        near-copies; only the local maxima of |score| along the rows are kept."""
        keep = scores >= 0  # a row without candidates has score -1
        if ordered:
            lower = np.concatenate([[-1.0], scores[:-1]])
            higher = np.concatenate([scores[1:], [-1.0]])
            keep = (scores >= lower) & (scores >= higher) & keep
        self.row_scores.append(scores[keep])
        self.row_params.append(params[keep])

    def distinct(self) -> tuple[np.ndarray, np.ndarray]:
        """(|score|, parameters) of the distinct candidates, best first, from the global
        top list and the rows' bests together."""
        scores = np.concatenate([self.scores, *self.row_scores])
        params = np.concatenate([self.params, *self.row_params])
        order = np.argsort(-scores, kind="stable")
        params = params[order]
        _, first = np.unique(np.round(params, KEY_DIGITS), axis=0, return_index=True)
        first = np.sort(first)
        return scores[order][first], params[first]


def _finish(X, lam, ranking, W, b1, C, count, fallback_max, spread=True) -> PricedChains:
    """Pick ``count`` of the pooled chains, best first (by ``ranking``, their structured
    scores) and skipping near-copies of a chain already picked, then rescore them
    directly and report the maximum.

    The best chains of a dual vector cluster where the residual is largest; column
    generation given only such near-copies fixes one region per round.  The pool holds
    every row's best too, so the picked chains spread over the data (1-D, L = 3,
    n = 2,000: 78 rounds before, 16 after).  Near-copies are judged on at most
    ``DIVERSITY_POINTS`` of the points: only the choice depends on it, never the maximum.
    ``spread=False``: the ``count`` best of the pool, near-copies included.
    """
    from .pricing import _drop_near_copies

    if len(b1) == 0:
        d, inner = X.shape[1], C.shape[1]
        return PricedChains(
            np.zeros((0, d)), np.zeros(0), np.zeros((0, inner)), np.zeros(0), fallback_max
        )
    if spread:
        sample = X[:: -(-len(X) // DIVERSITY_POINTS)]
        picked = _drop_near_copies(sample, W, b1, C, ranking, count)
        if len(picked[1]):  # (none when every score is 0: then the first chain serves)
            W, b1, C = picked[:3]
        else:
            W, b1, C = W[:1], b1[:1], C[:1]
    else:  # the pool is sorted by ranking
        W, b1, C = W[:count], b1[:count], C[:count]
    scores = np.abs(evaluate_unit_chains(X, W, b1, C).T @ lam)
    order = np.argsort(-scores, kind="stable")
    best = float(scores.max())
    return PricedChains(W=W[order], b1=b1[order], C=C[order], scores=scores[order], max_score=best)


# ------------------------------------------------------------------ one dimension


def distance_sums(points, weights, queries) -> np.ndarray:
    """sum_i weights_i |points_i - q| for every query q (1-D), by prefix sums over the
    sorted points: O((n + m) log n) instead of n x m terms."""
    order = np.argsort(points, kind="stable")
    return _Line(points[order], weights[order]).region_sum(0, len(points), queries)


def nearest_kink_sums(points, weights, centres, radii) -> np.ndarray:
    """sum_i weights_i ||points_i - a| - r| for every (a, r) with r >= 0 (1-D): the
    distance to the nearer of a - r and a + r (docs/pricing.md, depth 3), by prefix
    sums over the sorted points, O(log n) per query."""
    order = np.argsort(points, kind="stable")
    line = _Line(points[order], weights[order])
    split = line.index(centres)
    return line.region_sum(0, split, centres - radii) + line.region_sum(
        split, line.n, centres + radii
    )


class _Line:
    """Sorted unit-coordinate points with prefix sums of lambda and lambda*u (ties are
    allowed)."""

    def __init__(self, u: np.ndarray, lam: np.ndarray):
        self.u, self.lam, self.n = u, lam, len(u)
        self.S0 = np.concatenate([[0.0], np.cumsum(lam)])
        self.S1 = np.concatenate([[0.0], np.cumsum(lam * u)])

    def index(self, values) -> np.ndarray:
        """Number of points below each value (a split index for it)."""
        return np.searchsorted(self.u, values)

    def region_sum(self, lo, hi, point, split=None) -> np.ndarray:
        """sum over lo <= i < hi of lambda_i |u_i - point|, in O(1) per entry.

        ``split`` is any index with u[:split] <= point <= u[split:] (found if omitted);
        it is clipped into [lo, hi], which is exact because the range's own points then
        all lie on one side of ``point``.
        """
        if split is None:
            split = self.index(point)
        split = np.clip(split, lo, hi)
        S0, S1 = self.S0, self.S1
        # below split: lambda (point - u); above: lambda (u - point)
        return point * (2 * S0[split] - S0[lo] - S0[hi]) + S1[lo] + S1[hi] - 2 * S1[split]


def price_line(X, residual, depth: int, count: int, spread: bool = True) -> PricedChains:
    """Exact pricing for one-dimensional data, depth 2, 3 or 4 (see the module doc)."""
    X, lam = _checked(X, residual)
    if X.shape[1] != 1:
        raise NotImplementedError(
            f"price_line is for one-dimensional data, got d={X.shape[1]} "
            "(price_depth2 handles depth 2 in any dimension)"
        )
    if depth not in _LINE_FAMILIES:
        raise NotImplementedError(f"no structured 1-D pricing for depth {depth}")
    u, weights, center, scale = _merged(X, lam)
    best = _Best(count, depth - 1)
    if len(u) >= 2:
        _LINE_FAMILIES[depth](_Line(u[:, 0], weights), best)
    ranking, params = best.distinct()
    # Unit chain in u = (x - center)/scale with w = 1, b1 = -a:
    # scale * g(u) = ||x - (center + scale a)| - scale c2| ...
    W = np.ones((len(params), 1))
    b1 = -(center[0] + scale * params[:, 0])
    C = scale * params[:, 1:]
    return _finish(X, lam, ranking, W, b1, C, count, scale * best.max, spread)


def _line_depth2(line: _Line, best: _Best) -> None:
    """g = |x - a|: the score is piecewise linear in a with kinks at the points, and
    constant beyond them (1.lambda = 0), so a = u_j for some j."""
    u = line.u
    scores = line.region_sum(0, line.n, u, np.arange(line.n))
    best.offer(scores, [u])


def _line_depth3(line: _Line, best: _Best) -> None:
    """g = ||x - a| - c| = distance to the nearer of a - c and a + c (docs/pricing.md).

    Vertices: centre u_j with radius |u_k - u_j| (the pair u_k and its mirror image
    2u_j - u_k; radius 0 at k = j), and the pair {u_j, u_k} around its midpoint: about
    1.5 n^2 candidates, scored by a compiled kernel, which also gives each row's best.
    """
    from . import line_kernels  # numba (importing it: ~0.3 s)

    scores, params, rows = line_kernels.depth3_candidates(line.u, line.lam, best.keep)
    best.offer(scores, [params[:, 1], params[:, 2]])
    for family in (rows[: line.n], rows[line.n :]):  # centre u_r; left point u_r
        best.offer_row_bests(family[:, 0], family[:, 2:], ordered=True)


def _line_depth4(line: _Line, best: _Best) -> None:
    """g = min over t in {c2 - c3, c2 + c3} of ||x - a| - t| (docs/pricing.md).

    Three families cover every vertex: anchors a = u_j (a depth-3 problem on the
    distances |u - u_j|), midpoints a of two points with one radius half their gap,
    and the vertices whose a is fixed only by three kinks jointly.  About 3.5 n^3
    candidates: compiled kernels score them and return only the best ``best.keep``.
    """
    from . import line_kernels

    for family in line_kernels.FAMILIES:
        scores, params, rows = line_kernels.best_candidates(family, line.u, line.lam, best.keep)
        best.offer(scores, [params[:, 0], params[:, 1], params[:, 2]])
        best.offer_row_bests(rows[:, 0], rows[:, 1:], ordered=True)


_LINE_FAMILIES = {2: _line_depth2, 3: _line_depth3, 4: _line_depth4}


# --------------------------------------------------------- depth 2, any dimension


def price_depth2(X, residual, count: int, spread: bool = True) -> PricedChains:
    """Exact pricing of depth-2 chains |w.x + b| (||w||_1 = 1) in any dimension."""
    X, lam = _checked(X, residual)
    d = X.shape[1]
    if d == 1:
        return price_line(X, lam, 2, count, spread)
    points, weights, center, scale = _merged(X, lam)
    best = _Best(count, d + 1)
    if len(points) >= 2:
        # small products and SVDs per block of frames: BLAS threads only add overhead
        with threadpool_limits(limits=1, user_api="blas"):
            for anchors, spans in _frames(points):
                _sweep(points, weights, anchors, spans, best)
    ranking, params = best.distinct()
    W, b = params[:, :d], params[:, d]
    # scale * |w.u + b| with u = (x - center)/scale is |w.x + scale b - w.center|
    b1 = scale * b - W @ center
    return _finish(X, lam, ranking, W, b1, np.zeros((len(b1), 0)), count, scale * best.max, spread)


def _frames(points: np.ndarray):
    """Blocks of (anchor index, d - 2 fixed spanning vectors) to sweep over.

    A vertex has w orthogonal to d - 1 independent vectors among the differences
    x_n - x_a and the axes; fixing d - 2 of them leaves w in a plane, where the sweep
    finds the last one.  Spanning vectors are given by index: n + i means axis e_i.
    Each vertex is reached from its data point of smallest index as the anchor, so
    the fixed data points can be limited to indices above the anchor's.
    """
    n, d = points.shape
    combos = np.array(list(itertools.combinations(range(n + d), d - 2)), dtype=int)
    combos = combos.reshape(len(combos), d - 2)
    anchors = np.repeat(np.arange(n), len(combos))
    spans = np.tile(combos, (n, 1))
    keep = (spans > anchors[:, None]).all(axis=1)
    anchors, spans = anchors[keep], spans[keep]
    step = max(1, CHUNK // (n + d))
    for start in range(0, len(anchors), step):
        yield anchors[start : start + step], spans[start : start + step]


def _plane_bases(points, anchors, spans):
    """Orthonormal bases B0, B1 (frames, d) of the planes orthogonal to the fixed
    vectors; frames whose fixed vectors are dependent are dropped (``valid``)."""
    n, d = points.shape
    if d == 2:
        ones = np.ones(len(anchors), bool)
        return np.tile([1.0, 0.0], (len(anchors), 1)), np.tile([0.0, 1.0], (len(anchors), 1)), ones
    vectors = np.concatenate([points, np.eye(d)])  # data points, then axes
    fixed = vectors[spans] - np.where(spans[..., None] < n, points[anchors][:, None, :], 0.0)
    _, sing, vt = np.linalg.svd(fixed, full_matrices=True)
    valid = sing[:, -1] > 1e-10 * np.maximum(sing[:, 0], 1e-300)
    return vt[:, d - 2, :], vt[:, d - 1, :], valid


def _sweep(points, weights, anchors, spans, best: _Best) -> None:
    """Angular sweep in each frame's plane.

    With w = c0 B0 + c1 B1 (B0, B1 an orthonormal basis of the plane) the score of the
    anchor's chain is f(c) = sum_i lambda_i |c . v_i| / ||w||_1 with v_i the plane
    coordinates of x_i - x_a.  The sign of c . v_i flips once as the angle of c runs
    over [0, pi), where c is orthogonal to v_i; sorting those angles, cumulative sums
    of lambda_i s_i v_i give sum_i lambda_i |c . v_i| at every candidate c orthogonal
    to some v_m.  Axes enter as vectors with weight 0: they add candidates (w
    orthogonal to an axis) but no terms.
    """
    from . import plane_sweep  # numba: imported only where needed

    d = points.shape[1]
    B0, B1, valid = _plane_bases(points, anchors, spans)
    anchors, B0, B1 = anchors[valid], B0[valid], B1[valid]
    if len(anchors) == 0:
        return
    here = points[anchors]
    # plane coordinates (frames, n + d) of x_i - x_a, then of the axes
    v0 = np.concatenate([B0 @ points.T - (B0 * here).sum(1)[:, None], B0], axis=1)
    v1 = np.concatenate([B1 @ points.T - (B1 * here).sum(1)[:, None], B1], axis=1)
    mass = np.concatenate([weights, np.zeros(d)])
    n0, n1, key = (np.empty(v0.shape) for _ in range(3))
    plane_sweep.normals(v0, v1, n0, n1, key)
    order = np.argsort(key, axis=1)  # ties need no order (plane_sweep.scores)
    scores, c0, c1, norm1 = (np.empty(v0.shape) for _ in range(4))
    B0, B1 = np.ascontiguousarray(B0), np.ascontiguousarray(B1)  # one compiled layout
    plane_sweep.scores(order, n0, n1, mass, B0, B1, scores, c0, c1, norm1)
    ok = norm1 > 0
    shift0, shift1 = (B0 * here).sum(1), (B1 * here).sum(1)

    def chains(params):
        """(w, b) of the kept candidates from (c0, c1, ||w||_1, frame)."""
        c0, c1, size, frame = params.T
        frame = frame.astype(int)
        w = (B0[frame] * c0[:, None] + B1[frame] * c1[:, None]) / size[:, None]
        offset = -(c0 * shift0[frame] + c1 * shift1[frame]) / size
        return np.column_stack([w, offset])

    frames = np.arange(len(anchors))[:, None].astype(float)
    best.offer(scores, [c0, c1, norm1, frames], valid=ok, convert=chains)
