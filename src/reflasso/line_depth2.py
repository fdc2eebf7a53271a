"""Exact Lasso of 1-D depth-2 chains at large n, in O(n) per step (docs/lasso.md,
"One dimension, depth 2").

In 1-D the depth-2 unit chains are |x - a|; at a vertex a is a training point, so the
fit f(x) = sum_j z_j |x - x_j| + xi is piecewise linear with kinks at the sorted
distinct points and kink size (slope change) 2 z_j.  Written in the fitted values
u_i = f(x_i) and the outer slope t = sum_j z_j (slopes s_i between x_i and x_i+1,
s_0 = -t left of x_1 and t right of x_n), the Lasso is l1 trend filtering on unevenly
spaced points:

    min_u 1/2 sum_i w_i (u_i - ybar_i)^2 + beta/2 (sum_j |s_j - s_j-1| + |s_1 + s_n-1|)

(copies of a point merged: weight w_i, mean label ybar_i; t minimised out, which leaves
the last term).  ``solve_line_depth2`` solves its dual, a box-constrained QP whose
matrix is banded plus one border row, with a primal-dual interior-point method, then
polishes: on the kinks the dual marks (and their signs) the optimality conditions are
a tridiagonal linear system.  Kinks are added or removed until every column's
correlation is within beta (1 + tol); the result is checked by the pricing oracle.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp
from scipy.linalg import cho_solve_banded, cholesky_banded, solveh_banded

from .structured import _Line, distance_sums

#: Interior-point stopping rule: duality gap <= IPM_GAP x primal objective.
IPM_GAP = 1e-10
IPM_MAX_ITER = 80
#: Newton systems whose Cholesky factor fails add these x their diagonal, in turn:
#: close points (gaps 1e-6 of the typical one at n = 1e5) make Q nearly singular beyond
#: what the factor resolves.  The step is damped, the residuals stay exact.
REGULARIZE = (1e-13, 1e-11, 1e-9)
#: A dual entry within this of +-1 marks a kink at the start of the polish.
ON_BOUND = 1e-6
POLISH_ROUNDS = 600  # each O(n)
#: Rounds that drop every wrong-signed kink at once; later rounds only the first to reach 0.
GREEDY_ROUNDS = 40
#: The interior point stops when its relative gap has not fallen tenfold in this many steps.
STALL = 6
STALL_BELOW = 1e-4
#: Points closer than MERGE x the mean gap are merged for the interior point only
#: (at n = 3e5: interior-point gap 4e-7 and 26 polish rounds with 0.05, 3e-6 and 44 with 0.01).
MERGE = 0.05


def _kinks(values, gaps):
    """Slope changes at the interior points and s_first + s_last (the end term)."""
    slopes = np.diff(values) / gaps
    return np.diff(slopes), slopes[0] + slopes[-1]


def _kinks_adjoint(interior, end, gaps):
    """Gradient in the node values of interior . (slope changes) + end (s_first + s_last)."""
    on_slopes = np.zeros(len(gaps))
    on_slopes[:-1] -= interior
    on_slopes[1:] += interior
    on_slopes[0] += end
    on_slopes[-1] += end
    per_gap = on_slopes / gaps
    out = np.zeros(len(gaps) + 1)
    out[:-1] -= per_gap
    out[1:] += per_gap
    return out


def _kink_matrix(gaps, scale: float):
    """Sparse D (n - 1, n): rows scale x (slope changes at interior points; end term)."""
    n = len(gaps) + 1
    inv = 1 / gaps
    rows = np.repeat(np.arange(n - 2), 3)
    cols = (np.arange(n - 2)[:, None] + np.arange(3)).ravel()
    vals = np.column_stack([inv[:-1], -(inv[:-1] + inv[1:]), inv[1:]]).ravel()
    end_cols = np.array([0, 1, n - 2, n - 1])
    end_vals = np.array([-inv[0], inv[0], -inv[-1], inv[-1]])
    rows = np.concatenate([rows, np.full(4, n - 2)])
    cols = np.concatenate([cols, end_cols])
    vals = np.concatenate([vals, end_vals])
    return sp.csr_matrix((scale * vals, (rows, cols)), shape=(n - 1, n))


class _Bordered:
    """Solves (Q + diag(extra)) v = r, Q = D W^-1 D^T: pentadiagonal in the interior
    rows plus the end row (a border), by a banded Cholesky factor and a Schur step."""

    def __init__(self, D, weights):
        Q = (D @ sp.diags(1 / weights) @ D.T).tocsr()
        self.Q, self.m = Q, Q.shape[0]
        inner = Q[:-1, :-1]
        self.band = np.zeros((3, self.m - 1))
        for offset in range(3):
            diagonal = inner.diagonal(offset)
            if len(diagonal):
                self.band[2 - offset, offset:] = diagonal
        self.border = Q[:-1, -1].toarray().ravel()
        self.corner = Q[-1, -1]

    def factor(self, extra):
        """Factor Q + diag(extra) (plus a relative ``REGULARIZE`` diag(Q) where close
        points made it numerically indefinite); returns a function solving with it."""
        for regularize in (0.0, *REGULARIZE):
            try:
                return self._factor(extra, regularize)
            except np.linalg.LinAlgError:
                continue
        raise np.linalg.LinAlgError("Newton system not positive definite")

    def _factor(self, extra, regularize):
        corner = self.corner * (1 + regularize) + extra[-1]
        if self.m == 1:
            return lambda rhs: rhs / corner
        band = self.band.copy()
        band[2] += extra[:-1] + regularize * self.band[2]
        factor = cholesky_banded(band, check_finite=False)
        on_border = cho_solve_banded((factor, False), self.border, check_finite=False)
        schur = corner - self.border @ on_border

        def solve(rhs):
            inner = cho_solve_banded((factor, False), rhs[:-1], check_finite=False)
            last = (rhs[-1] - self.border @ inner) / schur
            return np.append(inner - on_border * last, last)

        return solve


def _ipm(D, b, weights, ybar, max_iter=IPM_MAX_ITER):
    """Mehrotra predictor-corrector interior point for min 1/2 v'Qv - b'v over
    |v| <= 1 (Q = D W^-1 D^T, the dual of the trend-filtering form).

    Returns the v of smallest relative gap, the iterations and that gap.  Both Newton
    systems of an iteration share one bordered banded factor (the bounds' multipliers
    eliminated).  Stops when the duality gap of the primal point u = ybar - W^-1 D^T v
    is at most IPM_GAP of it, or when rounding stalls it.
    """
    system = _Bordered(D, weights)
    Q, m = system.Q, system.m
    v, mu1, mu2 = np.zeros(m), np.ones(m), np.ones(m)
    upper, lower = np.ones(m), np.ones(m)  # slacks 1 - v, 1 + v, kept apart (no cancellation)
    best, best_gap, milestone, milestone_at = v, np.inf, np.inf, 0
    for iteration in range(1, max_iter + 1):
        gradient = Q @ v - b
        u = ybar - (D.T @ v) / weights
        primal = 0.5 * weights @ (u - ybar) ** 2 + np.abs(D @ u).sum()
        gap = (primal - (b @ v - 0.5 * v @ (Q @ v))) / max(primal, 1e-300)
        if not np.isfinite(gap):
            break
        if gap < milestone / 10:
            milestone, milestone_at = gap, iteration
        if gap < best_gap:
            best, best_gap = v, gap
        if best_gap < STALL_BELOW and iteration - milestone_at > STALL:
            break  # no tenfold gain in STALL steps near the end: rounding dominates
        if gap <= IPM_GAP:
            break
        r_dual = gradient + mu1 - mu2
        try:
            solve = system.factor(mu1 / upper + mu2 / lower)
        except np.linalg.LinAlgError:
            break  # close points: Q + diag lost definiteness to rounding
        slacks = (upper, lower, mu1, mu2)
        affine = _newton(solve, r_dual, slacks, upper * mu1, lower * mu2)
        step = _longest_step(slacks, affine)
        dv, dmu1, dmu2 = affine
        mean = (upper @ mu1 + lower @ mu2) / (2 * m)
        predicted = (
            (upper - step * dv) @ (mu1 + step * dmu1) + (lower + step * dv) @ (mu2 + step * dmu2)
        ) / (2 * m)
        target = mean * (predicted / mean) ** 3  # Mehrotra's centring
        dv, dmu1, dmu2 = _newton(
            solve,
            r_dual,
            slacks,
            upper * mu1 - dv * dmu1 - target,
            lower * mu2 + dv * dmu2 - target,
        )
        step = min(1.0, 0.99 * _longest_step(slacks, (dv, dmu1, dmu2)))
        v, mu1, mu2 = v + step * dv, mu1 + step * dmu1, mu2 + step * dmu2
        upper, lower = upper - step * dv, lower + step * dv
    return best, iteration, best_gap


def _newton(solve, r_dual, slacks, r1, r2):
    """The Newton direction (dv, dmu1, dmu2) for complementarity residuals r1, r2 (the
    multipliers eliminated: one solve with the factored system)."""
    upper, lower, mu1, mu2 = slacks
    dv = solve(-r_dual + r1 / upper - r2 / lower)
    return dv, (-r1 + mu1 * dv) / upper, (-r2 - mu2 * dv) / lower


def _longest_step(slacks, direction):
    """The largest step in [0, 1] keeping slacks and multipliers non-negative."""
    upper, lower, mu1, mu2 = slacks
    dv, dmu1, dmu2 = direction
    step = 1.0
    for value, change in ((mu1, dmu1), (mu2, dmu2), (upper, -dv), (lower, dv)):
        shrinking = change < 0
        if shrinking.any():
            step = min(step, float(np.min(-value[shrinking] / change[shrinking])))
    return step


def _polish(t, weights, ybar, beta_half, kinks, signs, end_sign):
    """Fitted values with kinks only at interior indices ``kinks`` (with ``signs``) and
    the end term's sign ``end_sign`` (0: s_first + s_last = 0), by the optimality
    conditions of the smooth problem on that support: a tridiagonal solve in the
    values at the knots (the first and last point, and the kinks).  Returns the values
    and (kink sizes at ``kinks``, s_first + s_last)."""
    knots = np.concatenate([[0], kinks + 1, [len(t) - 1]])
    gaps = np.diff(t[knots])
    # hat-function basis: point i between knots k and k+1 has weights (1 - f, f)
    segment = np.clip(np.searchsorted(knots, np.arange(len(t)), side="right") - 1, 0, len(gaps) - 1)
    frac = (t - t[knots][segment]) / gaps[segment]
    left, right = weights * (1 - frac), weights * frac
    k = len(knots)
    diag = np.bincount(segment, left * (1 - frac), k) + np.bincount(segment + 1, right * frac, k)
    off = np.bincount(segment, left * frac, k - 1)[: k - 1]
    target = np.bincount(segment, left * ybar, k) + np.bincount(segment + 1, right * ybar, k)
    target -= beta_half * _kinks_adjoint(signs, end_sign, gaps)
    band = np.vstack([np.append(0.0, off), diag])
    if end_sign != 0:
        theta = solveh_banded(band, target, check_finite=False)
    else:  # s_first + s_last = 0: one equality, by a bordered solve
        border = _kinks_adjoint(np.zeros(k - 2), 1.0, gaps)
        both = solveh_banded(band, np.column_stack([border, target]), check_finite=False)
        theta = both[:, 1] - both[:, 0] * (border @ both[:, 1]) / (border @ both[:, 0])
    values = theta[segment] * (1 - frac) + np.append(theta[1:], 0.0)[segment] * frac
    return values, _kinks(theta, gaps)  # kinks from the knots: no tiny-gap rounding


def _run_maxima(values, mask):
    """Index of the largest value in each run of consecutive True entries of mask."""
    index = np.flatnonzero(mask)
    if len(index) == 0:
        return index
    run = np.cumsum(np.diff(index, prepend=index[0] - 2) > 1)
    order = np.lexsort((-values[index], run))
    first = np.unique(run[order], return_index=True)[1]
    return np.sort(index[order][first])


def _correlations(t, lam):
    """c_j = sum_i lambda_i |t_i - t_j| for every point j (lambda summing to 0)."""
    line = _Line(t, lam)
    return line.region_sum(0, line.n, t, np.arange(line.n))


def _first_support(t, weights, ybar, beta_unit, info):
    """Kinks (interior indices), their signs and the end term's sign from the interior
    point on the points with near-copies merged (gaps below MERGE x the mean gap; the
    merged point is the weighted mean): such gaps leave the Newton systems too
    ill-conditioned to converge, and the polish works on the original points."""
    group = np.concatenate([[0], np.cumsum(np.diff(t) >= MERGE * (t[-1] - t[0]) / (len(t) - 1))])
    size = np.bincount(group, weights)
    coarse = np.bincount(group, weights * t) / size
    mean_y = np.bincount(group, weights * ybar) / size
    D = _kink_matrix(np.diff(coarse), beta_unit / 2)
    v, info["ipm_iter"], info["ipm_gap"] = _ipm(D, D @ mean_y, size, mean_y)
    info["merged_points"] = len(t) - len(coarse)
    # the dual's kinks: +-1 entries of v (interior rows, then the end row), each at its
    # group's point nearest the merged one
    rows = np.flatnonzero(np.abs(v[:-1]) >= 1 - ON_BOUND)
    by_group = np.lexsort((np.abs(t - coarse[group]), group))  # nearest first per group
    nearest = by_group[np.unique(group[by_group], return_index=True)[1]]
    kinks = nearest[rows + 1] - 1
    end_sign = float(np.sign(v[-1])) if abs(v[-1]) >= 1 - ON_BOUND else 0.0
    return kinks, np.sign(v[:-1][rows]), end_sign


def solve_line_depth2(X, y, beta: float, *, tol: float = 1e-6, price_options=None):
    """The exact Lasso over all 1-D depth-2 chains (|x - a|), certified by the oracle.

    Returns (W, b1, C, coef, intercept, info) like ``solvers.solve_generated``: the
    active chains (w = 1, b1 = -a, no offsets), their weights, the intercept, and info
    with oracle_max (exact maximum / beta), gap, relative_gap, converged, ipm_iter,
    polish_rounds, polished (the active-set rounds ended optimal on the sorted points:
    then a ``converged`` False comes from rounding in the coefficients, see
    docs/lasso.md).
    """
    from .pricing import price
    from .solvers import duality_gap

    start = time.perf_counter()
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    points, inverse, weights = np.unique(X[:, 0], return_inverse=True, return_counts=True)
    weights = weights.astype(float)
    ybar = np.bincount(inverse, y, len(points)) / weights
    center, scale = (points[0] + points[-1]) / 2, (points[-1] - points[0]) / 2
    t = (points - center) / scale  # |x - a| = scale |t - a'|: beta' = beta / scale
    beta_unit = beta / scale
    info = {"solver": "line", "polish_rounds": 0, "polished": False}
    kinks, signs, end_sign = _first_support(t, weights, ybar, beta_unit, info)
    info["ipm_s"] = time.perf_counter() - start
    # the last sign-consistent kink sizes (interior points, then the end term): a
    # wrong-signed round moves from there towards the new solution and drops only the
    # kinks that reach zero first (the primal active-set rule; dropping every wrong
    # kink at once can cycle)
    consistent = np.zeros(len(t) - 1)
    for rounds in range(1, POLISH_ROUNDS + 1):
        u, (sizes, end) = _polish(t, weights, ybar, beta_unit / 2, kinks, signs, end_sign)
        c = _correlations(t, weights * (ybar - u))
        new = np.append(sizes, end)
        position = np.append(kinks, len(t) - 2)
        expected = np.append(signs, end_sign)  # end_sign 0: the end term is held at 0
        wrong = (np.sign(new) == -expected) & (expected != 0)
        over = np.abs(c) > beta_unit * (1 + tol / 10)  # a margin for the final rounding
        info["polish_rounds"] = rounds
        if wrong.any():
            before = consistent[position[wrong]]
            reach = before / (before - new[wrong])  # where each crosses zero (0: new kink)
            step = max(float(reach.min()), 0.0)
            drop = np.flatnonzero(wrong)[reach <= step + 1e-12]
            if rounds <= GREEDY_ROUNDS:  # at first every wrong kink goes (fast, may cycle)
                drop = np.flatnonzero(wrong)
            consistent[position] += step * (new - consistent[position])  # the point reached
            consistent[position[drop]] = 0.0
            end_sign = 0.0 if len(kinks) in drop else end_sign
            keep = np.setdiff1d(np.arange(len(kinks)), drop)
            kinks, signs = kinks[keep], signs[keep]
            continue
        consistent[:] = 0.0
        consistent[position] = new
        if over.any():  # add the worst violator of each run of violators
            added = _run_maxima(np.abs(c[1:-1]), over[1:-1])
            kinks, first = np.unique(np.concatenate([kinks, added]), return_index=True)
            signs = np.concatenate([signs, np.sign(c[1:-1][added])])[first]
            end_sign = float(np.sign(c[0])) if over[0] or over[-1] else end_sign
        else:
            info["polished"] = True  # optimal on the sorted points, to tol / 10
            break
    else:  # out of rounds: the fit of the last support (the oracle decides below)
        u, (sizes, end) = _polish(t, weights, ybar, beta_unit / 2, kinks, signs, end_sign)
    z = np.zeros(len(points))
    z[kinks + 1] = sizes / 2
    if end_sign != 0:
        z[0] = end / 2  # the outer slope t = s_last: z_last = 0, z_first = (s_1 + s_last)/2
    z /= scale
    active = np.flatnonzero(z)
    a = points[active]
    combination = distance_sums(a, z[active], X[:, 0])  # sum_j z_j |x - a_j|
    intercept = float(np.mean(u[inverse] - combination))
    residual = y - combination - intercept
    residual -= residual.mean()
    priced = price(X, residual, 2, 1, **dict(price_options or {}))
    primal, gap = duality_gap(residual, [priced.max_score], y - y.mean(), z[active], beta)
    info.update(
        oracle_max=priced.max_score / beta,
        gap=gap,
        relative_gap=gap / max(primal, 1e-300),
        working_set=len(active),
        rounds=info["polish_rounds"],
    )
    info["converged"] = bool(priced.max_score <= beta * (1 + tol) and gap <= tol * primal)
    W = np.ones((len(active), 1))
    return W, -a, np.zeros((len(active), 0)), z[active], intercept, info
