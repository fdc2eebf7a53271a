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
  one of its kink points is the nearest.
- ``price_depth2``: depth 2 in any dimension, by an angular sweep per anchor point (and
  per fixed set of d - 2 spanning vectors when d >= 3).

Duplicate points are merged (their lambda summed): they give identical rows.  All work
is done in centred unit coordinates (data far from the origin would otherwise lose
digits in the prefix sums); chains are mapped back at the end and their scores
recomputed with ``evaluate_unit_chains`` so they match direct evaluation.
"""

from __future__ import annotations

import itertools

import numpy as np

from .chains import evaluate_unit_chains
from .pricing import PricedChains

CHUNK = 1 << 20  # candidates per vectorised chunk (a few arrays of 8 MB each)
KEY_DIGITS = 9  # chains whose unit-coordinate parameters agree to 1e-9 are one chain


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
    """Keeps the candidates with the largest |score| seen so far (and the maximum)."""

    def __init__(self, count: int, width: int):
        self.keep = 4 * max(count, 1) + 16  # spare room: duplicates are removed at the end
        self.scores = np.zeros(0)
        self.params = np.zeros((0, width))
        self.max = 0.0

    def offer(self, scores: np.ndarray, params: np.ndarray) -> None:
        scores = np.abs(np.asarray(scores, dtype=float).reshape(-1))
        if scores.size == 0:
            return
        params = np.asarray(params, dtype=float).reshape(scores.size, -1)
        self.max = max(self.max, float(scores.max()))
        if scores.size > self.keep:
            top = np.argpartition(scores, -self.keep)[-self.keep :]
            scores, params = scores[top], params[top]
        self.scores = np.concatenate([self.scores, scores])
        self.params = np.concatenate([self.params, params])
        if self.scores.size > 2 * self.keep:
            top = np.argpartition(self.scores, -self.keep)[-self.keep :]
            self.scores, self.params = self.scores[top], self.params[top]

    def distinct(self, count: int) -> np.ndarray:
        """Parameters of up to ``count`` distinct best candidates, best first."""
        order = np.argsort(-self.scores, kind="stable")
        params = self.params[order]
        _, first = np.unique(np.round(params, KEY_DIGITS), axis=0, return_index=True)
        return params[np.sort(first)[: max(count, 1)]]


def _finish(X, lam, W, b1, C, count, fallback_max) -> PricedChains:
    """Rescore the chosen chains directly, sort them and report the maximum."""
    if len(b1) == 0:
        d, inner = X.shape[1], C.shape[1]
        return PricedChains(
            np.zeros((0, d)), np.zeros(0), np.zeros((0, inner)), np.zeros(0), fallback_max
        )
    scores = np.abs(evaluate_unit_chains(X, W, b1, C).T @ lam)
    order = np.argsort(-scores, kind="stable")[:count]
    best = float(scores.max())
    return PricedChains(W=W[order], b1=b1[order], C=C[order], scores=scores[order], max_score=best)


# ------------------------------------------------------------------ one dimension


class _Line:
    """Sorted unit-coordinate points with prefix sums of lambda and lambda*u.

    ``u`` is one sorted array (n,) or a batch of sorted rows (rows, n), each an
    independent line with its own weights; for a batch, indices are local to a row and
    every method takes the ``row`` of each entry.  Ties are allowed.
    """

    OFFSET = 16.0  # separates the rows of a batch in one search key (|values| < 8)

    def __init__(self, u: np.ndarray, lam: np.ndarray):
        u = np.atleast_2d(u)
        lam = np.broadcast_to(lam, u.shape)
        rows, self.n = u.shape
        self.u = u[0] if rows == 1 else u
        self.lam = lam[0] if rows == 1 else lam
        zero = np.zeros((rows, 1))
        self.S0 = np.concatenate([zero, np.cumsum(lam, axis=1)], axis=1).ravel()
        self.S1 = np.concatenate([zero, np.cumsum(lam * u, axis=1)], axis=1).ravel()
        self.keys = (u + self.OFFSET * np.arange(rows)[:, None]).ravel()

    def index(self, values, row=0) -> np.ndarray:
        """Number of points of the row below each value (a split index for it)."""
        found = np.searchsorted(self.keys, values + self.OFFSET * row) - self.n * row
        return np.clip(found, 0, self.n)

    def region_sum(self, lo, hi, point, split=None, row=0) -> np.ndarray:
        """sum over lo <= i < hi of lambda_i |u_i - point|, in O(1) per entry.

        ``split`` is any index with u[:split] <= point <= u[split:] (found if omitted);
        it is clipped into [lo, hi], which is exact because the range's own points then
        all lie on one side of ``point``.
        """
        if split is None:
            split = self.index(point, row)
        base = (self.n + 1) * row
        lo, hi, split = lo + base, hi + base, np.clip(split, lo, hi) + base
        S0, S1 = self.S0, self.S1
        below = point * (S0[split] - S0[lo]) - (S1[split] - S1[lo])
        above = (S1[hi] - S1[split]) - point * (S0[hi] - S0[split])
        return below + above

    def nearest_sum(self, bounds, points, splits=None, row=0) -> np.ndarray:
        """sum_i lambda_i * (distance from u_i to the kink point of its region).

        Regions are separated by the index arrays ``bounds`` (non-decreasing, one fewer
        than ``points``); region r runs from bounds[r-1] to bounds[r] and its distance is
        measured to points[r] (with optional known split indices ``splits[r]``).
        """
        edges = [0, *bounds, self.n]
        splits = splits or [None] * len(points)
        return sum(
            self.region_sum(edges[r], edges[r + 1], points[r], splits[r], row)
            for r in range(len(points))
        )

    def pair_sum(self, centre, radius, row=0) -> np.ndarray:
        """lambda . g for g(u) = ||u - centre| - radius| (radius >= 0), nearest of two."""
        return self.nearest_sum(
            [self.index(centre, row)], [centre - radius, centre + radius], row=row
        )

    def chain4_sum(self, a, t1, t2) -> np.ndarray:
        """lambda . g for g(u) = min over t in {t1, t2} of ||u - a| - t| (depth 4).

        With t1 <= t2 and c2 = (t1 + t2)/2 >= 0 the regions are split at a - c2, a,
        a + c2 and measured to a - t2, a - t1, a + t1, a + t2 (docs/pricing.md).
        """
        t1, t2 = _depth4_radii(t1, t2)
        c2 = (t1 + t2) / 2
        bounds = [self.index(a - c2), self.index(a), self.index(a + c2)]
        return self.nearest_sum(bounds, [a - t2, a - t1, a + t1, a + t2])


def _depth4_radii(t1, t2):
    """Sorted radii of a depth-4 chain with c2 = (t1 + t2)/2 >= 0 and c3 >= 0.

    If t1 + t2 < 0 then c2 < 0 and ||z - c2| - c3| = |z - t2| for z >= 0 (up to a
    constant when t2 < 0): the same as radii t2, t2 (or 0, 0).
    """
    low, high = np.minimum(t1, t2), np.maximum(t1, t2)
    flat = low + high < 0
    high = np.where(flat, np.maximum(high, 0.0), high)
    return np.where(flat, high, low), high


def price_line(X, residual, depth: int, count: int) -> PricedChains:
    """Exact pricing for one-dimensional data, depth 2, 3 or 4 (see the module doc)."""
    X, lam = _checked(X, residual)
    if X.shape[1] != 1:
        raise ValueError(f"price_line needs one-dimensional data, got d={X.shape[1]}")
    if depth not in _LINE_FAMILIES:
        raise NotImplementedError(f"no structured 1-D pricing for depth {depth}")
    u, weights, center, scale = _merged(X, lam)
    best = _Best(count, depth - 1)
    if len(u) >= 2:
        _LINE_FAMILIES[depth](_Line(u[:, 0], weights), best)
    params = best.distinct(count) if best.scores.size else np.zeros((0, depth - 1))
    # Unit chain in u = (x - center)/scale with w = 1, b1 = -a:
    # scale * g(u) = ||x - (center + scale a)| - scale c2| ...
    W = np.ones((len(params), 1))
    b1 = -(center[0] + scale * params[:, 0])
    C = scale * params[:, 1:]
    return _finish(X, lam, W, b1, C, count, scale * best.max)


def _line_depth2(line: _Line, best: _Best) -> None:
    """g = |x - a|: the score is piecewise linear in a with kinks at the points, and
    constant beyond them (1.lambda = 0), so a = u_j for some j."""
    u = line.u
    scores = line.region_sum(0, line.n, u, np.arange(line.n))
    best.offer(scores, u[:, None])


def _rows(n: int, width: int):
    """Consecutive blocks of row indices with about CHUNK entries of ``width`` each."""
    step = max(1, CHUNK // max(width, 1))
    for start in range(0, n, step):
        yield np.arange(start, min(n, start + step))


def _line_depth3(line: _Line, best: _Best) -> None:
    """g = ||x - a| - c| = distance to the nearer of a - c and a + c (docs/pricing.md)."""
    for scores, centre, radius in _pair_candidates(line):
        best.offer(scores, np.stack([centre, radius], axis=-1))


def _pair_candidates(line: _Line):
    """Scores of all depth-3 vertices of one line, as (scores, centre, radius) blocks.

    Vertices: centre u_j with radius |u_k - u_j| (the pair u_k and its mirror image
    2u_j - u_k; radius 0 at k = j), and the pair {u_j, u_k} around its midpoint.  Works
    with tied points too (depth 4 uses it on distances to an anchor).
    """
    u, n = line.u, line.n
    k = np.arange(n)
    for j in _rows(n, n):
        a = u[j][:, None]
        mirror = 2 * a - u  # (rows, n): the reflection of every u_k through u_j
        mirror_at = line.index(mirror)
        near_left = k < j[:, None]  # u_k lies left of the anchor: it is the left point
        scores = line.nearest_sum(
            [j[:, None]],
            [np.where(near_left, u, mirror), np.where(near_left, mirror, u)],
            [np.where(near_left, k, mirror_at), np.where(near_left, mirror_at, k)],
        )
        yield scores, *np.broadcast_arrays(a, np.abs(u - a))
    for j in _rows(n, n):
        others = k[j[0] :]  # pairs j < k only: rows start at the block's first index
        a = (u[j][:, None] + u[others]) / 2
        scores = line.nearest_sum([line.index(a)], [u[j][:, None], u[others]], [j[:, None], others])
        keep = others > j[:, None]
        yield scores[keep], a[keep], (u[others] - a)[keep]


def _line_depth4(line: _Line, best: _Best) -> None:
    """g = min over t in {c2 - c3, c2 + c3} of ||x - a| - t| (docs/pricing.md).

    Three families cover every vertex: anchors a = u_j (a depth-3 problem on the
    distances |u - u_j|), midpoints a of two points with one radius half their gap,
    and the vertices whose a is fixed only by three kinks jointly.
    """
    _depth4_anchored(line, best)
    _depth4_midpoints(line, best)
    _depth4_joint(line, best)


def _depth4_anchored(line: _Line, best: _Best) -> None:
    u, lam = line.u, line.lam
    for j in range(line.n):
        z = np.abs(u - u[j])
        order = np.argsort(z, kind="stable")
        for scores, centre, radius in _pair_candidates(_Line(z[order], lam[order])):
            best.offer(scores, np.stack(np.broadcast_arrays(u[j], centre, radius), axis=-1))


def _depth4_midpoints(line: _Line, best: _Best) -> None:
    """a = (u_j + u_k)/2 with radius t1 = (u_k - u_j)/2 kept; the other radius t2 is
    swept: a depth-3 problem on z = |u - a| with one point fixed at t1."""
    u, lam, n = line.u, line.lam, line.n
    j, k = np.triu_indices(n, 1)
    step = max(1, CHUNK // (3 * n))
    for start in range(0, len(j), step):
        a = (u[j[start : start + step]] + u[k[start : start + step]]) / 2
        t1 = (u[k[start : start + step]] - u[j[start : start + step]]) / 2
        z = np.abs(u - a[:, None])
        order = np.argsort(z, axis=1, kind="stable")
        z = np.take_along_axis(z, order, axis=1)
        lines = _Line(z, lam[order])
        row = np.arange(len(a))[:, None]
        t = t1[:, None]
        for centre, radius in [
            (t, np.abs(z - t)),
            ((t + z) / 2, np.abs(z - t) / 2),
            (z, np.abs(z - t)),
        ]:
            centre, radius = np.broadcast_arrays(centre, radius)
            scores = lines.pair_sum(centre, radius, row)
            best.offer(scores, np.stack(np.broadcast_arrays(a[:, None], centre, radius), axis=-1))


def _depth4_joint(line: _Line, best: _Best) -> None:
    """Vertices with three data points on kinks and no data point at a or at two
    points symmetric about a: two data points are kink points (zeros of g) and a third
    is a boundary between nearest kink points."""
    u, n = line.u, line.n
    for j in _rows(n, n * n):
        uj, uk, um = u[j][:, None, None], u[None, :, None], u[None, None, :]
        pair = (np.arange(n)[None, :, None] > j[:, None, None]) & np.ones(n, bool)
        # same side: u_j < u_k both right (or both left) of a, boundary at u_m
        a = np.broadcast_to(((uj + uk) / 2 + um) / 2, pair.shape)
        right = pair & (a <= uj)
        left = pair & (a >= uk)
        _offer4(line, best, a[right], (uj - a)[right], (uk - a)[right])
        _offer4(line, best, a[left], (a - uj)[left], (a - uk)[left])
        # opposite sides: u_j = a - t1 left, u_k = a + t2 right, boundary u_m = a -+ c2
        c2 = (uk - uj) / 2
        for a in (um + c2, um - c2):
            a = np.broadcast_to(a, pair.shape)
            inside = pair & (a >= uj) & (a <= uk)
            _offer4(line, best, a[inside], (a - uj)[inside], (uk - a)[inside])


def _offer4(line: _Line, best: _Best, a, t1, t2) -> None:
    for start in range(0, len(a), CHUNK):
        part = slice(start, start + CHUNK)
        scores = line.chain4_sum(a[part], t1[part], t2[part])
        low, high = _depth4_radii(t1[part], t2[part])
        best.offer(scores, np.stack([a[part], (low + high) / 2, (high - low) / 2], axis=-1))


_LINE_FAMILIES = {2: _line_depth2, 3: _line_depth3, 4: _line_depth4}


# --------------------------------------------------------- depth 2, any dimension


def price_depth2(X, residual, count: int) -> PricedChains:
    """Exact pricing of depth-2 chains |w.x + b| (||w||_1 = 1) in any dimension."""
    X, lam = _checked(X, residual)
    d = X.shape[1]
    if d == 1:
        return price_line(X, lam, 2, count)
    points, weights, center, scale = _merged(X, lam)
    best = _Best(count, d + 1)
    if len(points) >= 2:
        for anchors, spans in _frames(points):
            _sweep(points, weights, anchors, spans, best)
    params = best.distinct(count) if best.scores.size else np.zeros((0, d + 1))
    W, b = params[:, :d], params[:, d]
    # scale * |w.u + b| with u = (x - center)/scale is |w.x + scale b - w.center|
    b1 = scale * b - W @ center
    return _finish(X, lam, W, b1, np.zeros((len(b1), 0)), count, scale * best.max)


def _frames(points: np.ndarray):
    """Blocks of (anchor index, d - 2 fixed spanning vectors) to sweep over.

    A vertex has w orthogonal to d - 1 independent vectors among the differences
    x_n - x_a and the axes; fixing d - 2 of them leaves w in a plane, where the sweep
    finds the last one.  Spanning vectors are given by index: n + i means axis e_i.
    """
    n, d = points.shape
    combos = np.array(list(itertools.combinations(range(n + d), d - 2)), dtype=int)
    combos = combos.reshape(len(combos), d - 2)
    frames = [(a, combo) for a in range(n) for combo in combos if a not in combo]
    step = max(1, CHUNK // (n + d))
    for start in range(0, len(frames), step):
        block = frames[start : start + step]
        yield (
            np.array([f[0] for f in block]),
            np.array([f[1] for f in block]).reshape(len(block), d - 2),
        )


def _plane_bases(points, anchors, spans):
    """Orthonormal bases (frames, d, 2) of the planes orthogonal to the fixed vectors;
    frames whose fixed vectors are dependent are dropped (``valid``)."""
    n, d = points.shape
    vectors = np.concatenate([points, np.eye(d)])  # data points, then axes
    fixed = vectors[spans] - np.where(spans[..., None] < n, points[anchors][:, None, :], 0.0)
    if d == 2:
        return np.broadcast_to(np.eye(2), (len(anchors), 2, 2)), np.ones(len(anchors), bool)
    _, sing, vt = np.linalg.svd(fixed, full_matrices=True)
    valid = sing[:, -1] > 1e-10 * np.maximum(sing[:, 0], 1e-300)
    return np.swapaxes(vt[:, d - 2 :, :], 1, 2), valid


def _sweep(points, weights, anchors, spans, best: _Best) -> None:
    """Angular sweep in each frame's plane.

    With w = B c (B the plane's basis, c in R^2) the score of the anchor's chain is
    f(c) = sum_i lambda_i |c . v_i| / ||B c||_1 with v_i = B^T (x_i - x_a).  The sign of
    c . v_i flips once as the angle of c runs over [0, pi), where c is orthogonal to
    v_i; sorting those angles, cumulative sums of lambda_i s_i v_i give sum_i
    lambda_i |c . v_i| at every candidate c orthogonal to some v_m.  Axes enter as
    vectors with weight 0: they add candidates (w orthogonal to an axis) but no terms.
    """
    n, d = points.shape
    bases, valid = _plane_bases(points, anchors, spans)
    anchors, bases = anchors[valid], bases[valid]
    if len(anchors) == 0:
        return
    diffs = np.concatenate(
        [
            points[None, :, :] - points[anchors][:, None, :],
            np.broadcast_to(np.eye(d), (len(anchors), d, d)),
        ],
        axis=1,
    )  # (frames, n + d, d)
    mass = np.concatenate([weights, np.zeros(d)])
    v = np.einsum("fmd,fdk->fmk", diffs, bases)  # (frames, m, 2) plane coordinates
    # c orthogonal to v_i: u_i = rot90(v_i), flipped to angle in [0, pi).  Just after
    # that angle the sign of c . v_i is +1 if u_i was flipped and -1 otherwise.
    normal = np.stack([-v[..., 1], v[..., 0]], axis=-1)
    flip = (normal[..., 1] < 0) | ((normal[..., 1] == 0) & (normal[..., 0] < 0))
    normal = np.where(flip[..., None], -normal, normal)
    after = np.where(flip, 1.0, -1.0)
    angle = np.arctan2(normal[..., 1], normal[..., 0])
    order = np.argsort(angle, axis=1, kind="stable")
    signed = (mass * after)[..., None] * v  # lambda_i s_i v_i (frames, m, 2)
    signed = np.take_along_axis(signed, order[..., None], axis=1)
    normal = np.take_along_axis(normal, order[..., None], axis=1)
    # G just after the m-th angle: terms up to m have their "after" sign, the rest not.
    G = 2 * np.cumsum(signed, axis=1) - signed.sum(axis=1, keepdims=True)
    w = np.einsum("fdk,fmk->fmd", bases, normal)  # candidate first-layer weights
    norm1 = np.abs(w).sum(axis=-1)
    ok = norm1 > 1e-12
    scores = np.einsum("fmk,fmk->fm", normal, G) / np.where(ok, norm1, 1.0)
    w = w / np.where(ok, norm1, 1.0)[..., None]
    b = -np.einsum("fmd,fd->fm", w, points[anchors])
    params = np.concatenate([w, b[..., None]], axis=-1)
    best.offer(scores[ok], params[ok])
