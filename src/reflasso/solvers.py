"""Solvers for the Lasso of docs/method.md §2.

    min over z, xi:  1/2 ||A z + xi 1 - y||^2 + beta ||z||_1       (xi not penalised)

- ``solve_clarabel``: the reference convex program, cvxpy with CLARABEL named explicitly
  and tight tolerances.  Needs the whole matrix A; for small dictionaries.
- ``solve_working_set`` (formerly ``solve_fast``): a working-set method for large
  dictionaries.  The intercept is removed exactly by centring A and y.  Each round solves
  the Lasso on a small set of columns exactly (``solve_active_set``, a primal active-set
  method warm-started from the previous round; CLARABEL called directly plus a KKT
  polish when it fails), then checks the duality gap over the whole dictionary and adds
  the columns that violate dual feasibility most (near-copies skipped).  Subproblems are
  solved exactly rather than by coordinate descent, which stalls at small beta on these
  correlated columns (docs/lasso.md).

Both return (z, xi); objectives are always recomputed with ``lasso_objective``.
"""

from __future__ import annotations

import functools
import logging
import time
import warnings

import numpy as np

from .chains import evaluate_unit_chains

log = logging.getLogger("reflasso")

#: Materialise the feature matrix when it takes at most this many bytes; otherwise
#: evaluate it chunk by chunk from the chains whenever it is needed.
DEFAULT_MATRIX_BYTES = 2 << 30
#: z = 0 is taken as optimal when max |A_j . (y - mean y)| <= beta (1 + 1e-12): beta_max
#: computed by another summation order (the oracle) may differ in the last digits.
ZERO_SLACK = 1 + 1e-12


class DictionaryColumns:
    """The columns A[:, j] = g_j(X) of a dictionary on the training points.

    Held in memory when they fit in ``max_bytes``; otherwise re-evaluated from the
    chains in chunks of at most ``max_bytes`` (so memory stays bounded for dictionaries
    of millions of columns).
    """

    def __init__(self, dictionary, X: np.ndarray, max_bytes: int = DEFAULT_MATRIX_BYTES):
        self.W, self.b1 = dictionary.W, dictionary.b1
        self.C = np.asarray(dictionary.C).reshape(len(self.b1), dictionary.depth - 2)
        self.X = np.asarray(X, dtype=float)
        self.size = len(self.b1)
        bytes_per_column = 8 * self.X.shape[0]
        self.chunk = max(1, int(max_bytes) // bytes_per_column)
        self.dense = self.take(slice(None)) if self.size <= self.chunk else None

    def take(self, columns) -> np.ndarray:
        """(n, k) matrix of the selected columns (index array or slice)."""
        if getattr(self, "dense", None) is not None:
            return self.dense[:, columns]
        if not isinstance(columns, slice) and len(columns) == 0:
            return np.zeros((len(self.X), 0))
        return evaluate_unit_chains(self.X, self.W[columns], self.b1[columns], self.C[columns])

    def correlate(self, vector: np.ndarray) -> np.ndarray:
        """A^T vector over all columns, shape (p,)."""
        if self.dense is not None:
            return self.dense.T @ vector
        out = np.empty(self.size)
        for start in range(0, self.size, self.chunk):
            block = slice(start, min(start + self.chunk, self.size))
            out[block] = self.take(block).T @ vector
        return out

    def matrix(self) -> np.ndarray:
        """The whole (n, p) matrix (for the reference solver)."""
        return self.dense if self.dense is not None else self.take(slice(None))


def lasso_objective(fitted: np.ndarray, y: np.ndarray, coef: np.ndarray, beta: float) -> float:
    """1/2 ||fitted - y||^2 + beta ||coef||_1, where fitted = A z + xi."""
    residual = np.asarray(fitted, float) - np.asarray(y, float)
    return float(0.5 * residual @ residual + beta * np.abs(coef).sum())


def duality_gap(
    residual: np.ndarray, correlations: np.ndarray, y: np.ndarray, coef: np.ndarray, beta: float
) -> tuple[float, float]:
    """(primal, gap) at a point with residual y - A z - xi summing to zero.

    The dual is max lambda.y - 1/2 ||lambda||^2 subject to 1.lambda = 0 and
    |A_j.lambda| <= beta; the residual scaled into the feasible set is a dual point.
    ``correlations`` must be A^T residual over the whole dictionary.
    """
    primal = float(0.5 * residual @ residual + beta * np.abs(coef).sum())
    largest = float(np.max(np.abs(correlations), initial=0.0))
    dual_point = residual * min(1.0, beta / largest) if largest > 0 else residual
    dual = float(dual_point @ y - 0.5 * dual_point @ dual_point)
    return primal, primal - dual


# --------------------------------------------------------------------------- reference


def solve_clarabel(A: np.ndarray, y: np.ndarray, beta: float, *, tol: float = 1e-10):
    """The reference program with cvxpy + CLARABEL; returns (z, xi)."""
    import cvxpy as cp

    n, p = A.shape
    centred_y = y - y.mean()
    if np.max(np.abs(A.T @ centred_y), initial=0.0) <= beta * ZERO_SLACK:
        # the exact optimality condition of z = 0 (beta >= beta_max); an interior-point
        # solve would return a tiny non-zero z instead
        return np.zeros(p), float(y.mean())
    z, xi, residual = cp.Variable(p), cp.Variable(), cp.Variable(n)
    problem = cp.Problem(
        cp.Minimize(0.5 * cp.sum_squares(residual) + beta * cp.norm1(z)),
        [residual == A @ z + xi - y],
    )
    problem.solve(
        solver=cp.CLARABEL,
        tol_gap_abs=tol,
        tol_gap_rel=tol,
        tol_feas=tol,
        tol_ktratio=1e-8,
        max_iter=500,
    )
    if problem.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE) or z.value is None:
        raise RuntimeError(f"CLARABEL did not solve the Lasso (status {problem.status})")
    coef = np.asarray(z.value, dtype=float)
    # Interior-point solutions are dense at rounding level; zero what is noise.
    coef[np.abs(coef) <= 1e-9 * max(1.0, np.abs(coef).max())] = 0.0
    intercept = float(np.mean(y - A @ coef))  # optimal xi for these coefficients
    return coef, intercept


# --------------------------------------------------------------------------- fast path


def solve_working_set(
    columns: DictionaryColumns,
    y: np.ndarray,
    beta: float,
    *,
    gap_tol: float = 1e-10,
    max_rounds: int = 100,
):
    """Working-set solver for large dictionaries; returns (z, xi, info).

    Round t solves the Lasso exactly on a working set W_t (``_solve_restricted``, warm-started from
    the previous round's coefficients), then scores every column by |A_j . r| with the new
    residual r. W_(t+1) keeps the columns of W_t with |A_j . r| >= 0.8 beta (the support has
    exactly beta) and adds up to max(2n, |W_t| / 2) violators (|A_j . r| > beta), best first but
    skipping near-copies of columns already picked (``_diverse_violators``). Stops when the
    duality gap over the whole dictionary is at most ``gap_tol * primal`` or no column outside
    W_t violates; warns after ``max_rounds``.
    ``info``: rounds, gap, relative gap, working-set size.
    """
    y = np.asarray(y, dtype=float)
    n, p = len(y), columns.size
    y_mean = float(y.mean())
    centred_y = y - y_mean
    coef = np.zeros(p)
    correlations = columns.correlate(centred_y)
    primal, gap = duality_gap(centred_y, correlations, centred_y, coef, beta)
    info = {"rounds": 0, "gap": gap, "relative_gap": gap / max(primal, 1e-300), "working_set": 0}
    if np.max(np.abs(correlations), initial=0.0) <= beta * ZERO_SLACK:
        return coef, y_mean, info  # z = 0 is optimal (beta >= beta_max)

    working = _best_columns(np.abs(correlations), min(p, 2 * n))
    for rounds in range(1, max_rounds + 1):
        block = columns.take(working)
        block_mean = block.mean(axis=0)
        centred = block - block_mean
        sub_coef = _solve_restricted(centred, centred_y, beta, coef[working], info)
        residual = centred_y - centred @ sub_coef
        residual -= residual.mean()
        correlations = columns.correlate(residual)
        coef[:] = 0.0
        coef[working] = sub_coef
        primal, gap = duality_gap(residual, correlations, centred_y, coef, beta)
        info.update(
            rounds=rounds, gap=gap, relative_gap=gap / max(primal, 1e-300), working_set=len(working)
        )
        score = np.abs(correlations)
        score[working] = 0.0
        if gap <= gap_tol * primal or score.max() <= beta:
            break  # optimal up to the accuracy of the working-set solve
        kept = working[np.abs(correlations[working]) >= 0.8 * beta]
        count = max(2 * n, len(working) // 2)
        working = np.union1d(kept, _diverse_violators(columns, score, beta, count))
    else:
        warnings.warn(
            f"fast Lasso solver stopped after {max_rounds} rounds with relative "
            f"duality gap {info['relative_gap']:.3g}",
            RuntimeWarning,
            stacklevel=2,
        )
    intercept = y_mean - float(block_mean @ sub_coef)
    return coef, intercept, info


solve_fast = solve_working_set  # the former name (lasso.py's solver "fast")


def _best_columns(score: np.ndarray, count: int) -> np.ndarray:
    """Indices of the ``count`` largest scores, in increasing index order."""
    if count >= len(score):
        return np.arange(len(score))
    return np.sort(np.argpartition(-score, count - 1)[:count])


def _solve_subproblem(centred, centred_y, beta):
    """Lasso (no intercept) on a few centred columns: CLARABEL, then a KKT polish.

    Coordinate descent stalls here at small beta (near interpolation, highly correlated
    columns), so the small subproblem goes to an interior-point solve, which does not.
    Variables x = (z, t, r): min 1/2 r.r + beta 1.t with r = A z - y and -t <= z <= t.
    With more points than columns, A = U S V^T (thin SVD) turns ||A z - y||^2 into
    ||S V^T z - U^T y||^2 plus a constant: the same problem with at most k residual
    variables instead of n (the polish then works on the original columns).
    """
    import clarabel
    from scipy import sparse

    original = centred, centred_y
    if centred.shape[0] > centred.shape[1]:
        centred, centred_y = _row_reduced(centred, centred_y)
    n, k = centred.shape
    eye_k, eye_n = sparse.identity(k, format="csc"), sparse.identity(n, format="csc")
    zeros_nk = sparse.csc_matrix((n, k))
    P = sparse.block_diag([sparse.csc_matrix((2 * k, 2 * k)), eye_n], format="csc")
    q = np.concatenate([np.zeros(k), np.full(k, beta), np.zeros(n)])
    A = sparse.vstack(
        [
            sparse.hstack([-sparse.csc_matrix(centred), zeros_nk, eye_n]),  # r - A z = -y
            sparse.hstack([eye_k, -eye_k, zeros_nk.T]),  # z - t <= 0
            sparse.hstack([-eye_k, -eye_k, zeros_nk.T]),  # -z - t <= 0
        ],
        format="csc",
    )
    b = np.concatenate([-centred_y, np.zeros(2 * k)])
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.tol_gap_abs = settings.tol_gap_rel = settings.tol_feas = 1e-12
    cones = [clarabel.ZeroConeT(n), clarabel.NonnegativeConeT(2 * k)]
    solution = clarabel.DefaultSolver(P, q, A, b, cones, settings).solve()
    if str(solution.status) not in ("Solved", "AlmostSolved"):
        raise RuntimeError(f"CLARABEL failed on a working set ({solution.status})")
    interior = np.asarray(solution.x[:k], dtype=float)
    coef = interior.copy()
    coef[np.abs(coef) <= 1e-9 * max(1.0, np.abs(coef).max())] = 0.0
    polished = polish(*original, beta, coef)
    # On degenerate sets (hundreds of nearly dependent chains, near interpolation) the
    # optimal z is not unique and both the rounding above and the polish can move to a
    # z of equal objective whose residual is off by ~1e-5: enough to break the dual
    # constraint by a few percent.  The residual is what the certificate needs, so the
    # sparser solution is kept only if its KKT violation is no worse than the raw
    # interior point's.
    if kkt_violation(*original, beta, polished) <= max(
        kkt_violation(*original, beta, interior), 1e-9
    ):
        return polished
    return interior


#: solve_active_set: a column joins the support only if the part of it outside the span
#: of the support has squared norm above this fraction of its own (else it is treated as
#: dependent and swapped in); keeps the support's Gram matrix well conditioned.
DEPENDENT_SHARE = 1e-11
#: Accepted KKT violation (relative to beta) of an active-set solution (unless rounding
#: allows less, ``_kkt_floor``); a worse one is compared with the interior point's, and
#: the better is kept.
ACTIVE_SET_KKT = 1e-9
#: Removing a support column with a trailing block of at least this many columns uses
#: the compiled Givens downdate (``cholesky_update``), smaller ones a numpy QR.
GIVENS_MIN = 64


def solve_active_set(centred, centred_y, beta, start=None, *, max_iter=None, tol=1e-10):
    """Exact Lasso (no intercept) on centred columns by a primal active-set method.

    The support S (independent columns, signs s) is updated one column at a time, in
    the manner of Osborne, Presnell and Turlach's homotopy/active-set algorithm:

    - solve the equations of the support, A_S^T (y - A_S u) = beta s (Cholesky factor
      R of A_S^T A_S, updated as columns come and go, plus refinement steps with A_S
      itself);
    - if u has a wrong sign, move from z towards u up to the first sign change, drop
      that column and solve again (the objective decreases along the segment);
    - otherwise z_S = u is optimal on S; if some column violates |A_j . r| <=
      beta (1 + tol), the worst one joins with the sign of A_j . r at value 0.  When it
      lies (nearly) in the span of the support, A_j = A_S w, it is swapped in along the
      direction that keeps A z fixed and lowers the penalty (slope beta - |A_j . r|),
      up to the first support column that reaches 0, which leaves.  Such a column whose
      violation is at rounding level (below ACTIVE_SET_KKT / 2) is skipped instead:
      swapping near-copies back and forth would gain nothing and cycle.

    ``start``: coefficients to start from (a warm start; its support is reduced to
    independent columns, largest first).  Returns the coefficients, a basic solution
    (independent support columns), or None when the method fails: iteration cap
    (default 100 + 2 k), no progress (cycling) or a degenerate step.
    ``_solve_restricted`` checks the result with ``kkt_violation`` and falls back to
    the interior point.
    """
    A, y = np.asarray(centred, float), np.asarray(centred_y, float)
    n, k = A.shape
    max_iter = max_iter or 100 + 2 * k
    basis = _Basis(A)
    coef = np.zeros(k)
    correlations_y = A.T @ y  # A_S^T y: the first refinement step's misfit, exactly
    if start is not None:
        order = np.argsort(-np.abs(start), kind="stable")
        order = order[start[order] != 0]
        kept = basis.extend(order)
        coef[kept] = start[kept]
    support = basis.index  # the basis's list of columns (updated in place)
    signs = np.sign(coef)
    added = -1
    best, stalls = np.inf, 0
    for _ in range(max_iter):
        if support:
            s = signs[support]
            target = basis.solve(correlations_y[support] - beta * s, y, beta * s)
            current = coef[support]
            wrong = s * target <= 0
            if wrong.any():
                gap = current[wrong] - target[wrong]
                steps = np.divide(current[wrong], gap, out=np.zeros_like(gap), where=gap != 0)
                position = np.flatnonzero(wrong)[np.argmin(steps)]
                if support[position] == added and steps.min() <= 0:
                    return None  # the column just added leaves at once: degenerate
                coef[support] = current + steps.min() * (target - current)
                coef[support[position]] = 0.0
                basis.drop(position)
                continue
            coef[support] = target
        residual = y - basis.combine(coef[support])
        objective = 0.5 * residual @ residual + beta * np.abs(coef).sum()
        # each optimum on a new support is lower than the last: no progress is cycling
        stalls = stalls + 1 if objective >= best * (1 - 1e-15) else 0
        if stalls > 20:
            return None
        best = min(best, objective)
        correlations = A.T @ residual
        outside = np.abs(correlations)
        outside[support] = 0.0
        while True:  # the worst violator, skipping near-copies tight to rounding
            j = int(np.argmax(outside)) if k else 0
            if k == 0 or outside[j] <= beta * (1 + tol):
                return coef
            signs[j] = np.sign(correlations[j])
            part, rest, w = basis.project(j)
            if w is None or outside[j] > beta * (1 + ACTIVE_SET_KKT / 2):
                break
            outside[j] = 0.0  # a swap would gain nothing but rounding, and may cycle
        swap = None
        if w is not None:
            # A_j ~ A_S w: trade column j for support columns at (nearly) fixed A z
            shrinking = signs[support] * signs[j] * w > 0
            if shrinking.any():
                ratios = np.abs(coef[support])[shrinking] / np.abs(w[shrinking])
                swap = np.flatnonzero(shrinking)[np.argmin(ratios)], ratios.min()
            # the objective along the swap is -gain t + rest t^2 / 2: it must still be
            # decreasing at the first support column's zero, else add j as it is
            if swap is not None and swap[1] * rest >= outside[j] - beta:
                swap = None
            if swap is None and rest <= 0:
                return None
        if swap is not None:
            position, t = swap
            coef[support] -= t * signs[j] * w
            coef[support[position]] = 0.0
            coef[j] = t * signs[j]
            basis.drop(position)
            part, rest, _ = basis.project(j)
            if rest <= 0:
                return None
        basis.append(j, part, rest)
        added = j
    return None  # the iteration cap


class _Basis:
    """Independent columns A_S of a matrix, kept for the active set: their values as
    rows of a buffer (so that A_S^T v and A_S u need no copy of A[:, S]) and the upper
    Cholesky factor R of A_S^T A_S, updated as columns come and go."""

    def __init__(self, A: np.ndarray):
        self.A = A
        self.norms = np.einsum("ij,ij->j", A, A)
        self.index: list[int] = []
        self.rows = np.zeros((min(A.shape[1], 64), A.shape[0]))
        self.R = np.zeros((0, 0))

    @property
    def block(self) -> np.ndarray:
        """A_S^T, shape (|S|, n): a view."""
        return self.rows[: len(self.index)]

    def combine(self, u: np.ndarray) -> np.ndarray:
        """A_S u."""
        return u @ self.block

    def solve(self, misfit: np.ndarray, y: np.ndarray, target: np.ndarray) -> np.ndarray:
        """u with A_S^T (y - A_S u) = target, from the misfit at u = 0 (A_S^T y - target):
        Cholesky, then two refinement steps whose misfit is formed as A_S^T (y - A_S u) -
        target (no cancellation of the large A_S^T y against A_S^T A_S u: the normal
        equations square the conditioning)."""
        u = np.zeros(len(self.index))
        for step in range(3):
            if step:
                misfit = self.block @ (y - self.combine(u)) - target
            u += _triangular_solve(self.R, _triangular_solve(self.R, misfit, transpose=True))
        return u

    def project(self, j: int):
        """(part, rest, w) for column j: part = R^-T A_S^T A_j, rest = ||A_j - A_S w||^2
        with A_S w the projection of A_j on the span of A_S; w only when A_j is nearly
        in that span (rest <= DEPENDENT_SHARE ||A_j||^2)."""
        if not self.index:
            part = np.zeros(0)
        else:
            part = _triangular_solve(self.R, self.block @ self.A[:, j], transpose=True)
        rest = self.norms[j] - part @ part
        w = None
        if rest <= DEPENDENT_SHARE * self.norms[j]:
            w = _triangular_solve(self.R, part)
        return part, rest, w

    def append(self, j: int, part: np.ndarray, rest: float) -> None:
        """Add column j, given its ``project`` (rest > 0)."""
        m = len(self.index)
        if m == len(self.rows):  # grow the buffer geometrically
            grown = np.zeros((min(2 * m, self.A.shape[1]), self.A.shape[0]))
            grown[:m] = self.block
            self.rows = grown
        self.rows[m] = self.A[:, j]
        R = np.zeros((m + 1, m + 1))
        R[:m, :m], R[:m, m], R[m, m] = self.R, part, np.sqrt(rest)
        self.R = R
        self.index.append(j)

    def drop(self, position: int) -> None:
        """Remove the column at ``position``: R by Givens rotations (compiled) when the
        trailing block is large, else by a QR of it (numpy: loading the compiled
        kernel costs a fresh process about 0.7 s, more than a small fit's whole solve)."""
        m = len(self.index)
        if m - position >= GIVENS_MIN:
            from .cholesky_update import drop_column  # numba: imported only where needed

            self.R = drop_column(self.R, position)
        else:
            cut = np.delete(self.R, position, axis=1)
            self.R = np.zeros((m - 1, m - 1))
            self.R[:position] = cut[:position]
            tail = np.linalg.qr(cut[position:, position:], mode="r")
            self.R[position:, position:] = tail[: m - 1 - position]
        self.rows[position : m - 1] = self.rows[position + 1 : m].copy()
        self.index.pop(position)

    def extend(self, order) -> list[int]:
        """Add the columns ``order`` (into an empty basis), skipping each one nearly in
        the span of those before it (as ``project`` judges): one Cholesky factorisation
        of their Gram matrix instead of a projection per column.  Returns those kept."""
        order = np.asarray(order, dtype=int)
        block = self.A[:, order]
        gram = block.T @ block
        candidates = np.arange(len(order))  # positions in ``order`` still to be judged
        kept = np.zeros(0, dtype=int)
        R = np.zeros((0, 0))
        schur = gram  # Gram matrix of the candidates minus their projection on ``kept``
        while len(candidates):
            head = _cholesky_prefix(schur, DEPENDENT_SHARE * self.norms[order[candidates]])
            accepted, rejected = candidates[:head], candidates[head + 1 :]
            if head:  # R becomes [[R, P], [0, R_head]]
                m = len(kept)
                grown = np.zeros((m + head, m + head))
                grown[:m, :m] = R
                if m:
                    grown[:m, m:] = self._coupling(R, gram, kept, accepted)
                grown[m:, m:] = np.linalg.cholesky(schur[:head, :head]).T
                R, kept = grown, np.concatenate([kept, accepted])
            # the Schur complement of the candidates after the rejected one, given kept
            schur = gram[np.ix_(rejected, rejected)]
            if len(kept) and len(rejected):
                projected = self._coupling(R, gram, kept, rejected)
                schur = schur - projected.T @ projected
            candidates = rejected
        columns = order[kept]
        self.index[:] = [int(j) for j in columns]
        self.rows = np.zeros((max(len(columns), min(self.A.shape[1], 64)), self.A.shape[0]))
        self.rows[: len(columns)] = block[:, kept].T
        self.R = np.ascontiguousarray(R)
        return list(self.index)

    @staticmethod
    def _coupling(R, gram, kept, others) -> np.ndarray:
        """R^-T A_kept^T A_others from the Gram matrix."""
        return _triangular_solve(R, gram[np.ix_(kept, others)], transpose=True)


def _cholesky_prefix(matrix: np.ndarray, floors: np.ndarray) -> int:
    """Length of the longest leading block of a symmetric matrix whose Cholesky pivots
    (squared diagonal of the factor) are all above ``floors``."""
    from scipy.linalg.lapack import dpotrf

    factor, status = dpotrf(matrix, lower=0, clean=0, overwrite_a=0)
    valid = len(matrix) if status == 0 else status - 1
    pivots = np.diag(factor)[:valid] ** 2
    low = np.flatnonzero(pivots <= floors[:valid])
    return int(low[0]) if len(low) else valid


def _triangular_solve(R: np.ndarray, rhs: np.ndarray, transpose: bool = False) -> np.ndarray:
    """R^-1 rhs (R^-T rhs with ``transpose``) for an upper triangular C-ordered R.

    LAPACK's trtrs called directly, exactly as scipy.linalg.solve_triangular calls it
    (on R.T, which is F-ordered and lower): the active set makes thousands of these
    small solves, and the wrapper's checks cost about 10x the solve itself.
    """
    x, status = _lapack_trtrs()(R.T, rhs, lower=1, trans=0 if transpose else 1)
    if status != 0:
        raise np.linalg.LinAlgError(f"triangular solve failed (LAPACK trtrs info {status})")
    return x


@functools.cache
def _lapack_trtrs():
    """scipy's LAPACK dtrtrs, imported once (scipy is imported lazily by this module)."""
    from scipy.linalg.lapack import dtrtrs

    return dtrtrs


def _solve_restricted(centred, centred_y, beta, start=None, info=None):
    """The exact restricted solve: the warm-started active set, or (when it fails)
    the interior point with polish; ``info["fallbacks"]`` counts the latter."""
    from threadpoolctl import threadpool_limits

    def active_set(from_coef):
        """(coef, its KKT violation, whether that is acceptable)."""
        # Thousands of small matrix-vector products: BLAS threads only slow them down
        # (2-D, n = 2,000, 915 chains: 16 s with two threads, 2.4 s with one, busy box)
        with threadpool_limits(limits=1, user_api="blas"):
            coef = solve_active_set(centred, centred_y, beta, from_coef)
        if coef is None:
            return None, np.inf, False
        violation = kkt_violation(centred, centred_y, beta, coef)
        return coef, violation, violation <= _kkt_floor(centred, centred_y, beta, coef)

    coef, violation, accepted = active_set(start)
    if coef is not None and not accepted:
        # Rounding accumulated in the factor's updates (seen on 900 columns of 5,000
        # points: 1.2e-9): once more from this support, factorised afresh, costs far
        # less than the interior point.
        coef, violation, accepted = active_set(coef)
    if accepted:
        return coef
    if info is not None:
        info["fallbacks"] = info.get("fallbacks", 0) + 1
    log.debug("active set: KKT violation %.3g on %d columns", violation, centred.shape[1])
    interior = _solve_subproblem(centred, centred_y, beta)
    if kkt_violation(centred, centred_y, beta, interior) <= violation:
        return interior
    return coef


def _kkt_floor(centred, centred_y, beta, coef) -> float:
    """The KKT violation accepted from the active set: ACTIVE_SET_KKT, or ten times
    the rounding error of A_j . r (eps ||A_j|| ||r|| / beta) where that is larger
    (n = 100,000 points: about 7e-10 of beta)."""
    residual = centred_y - centred @ coef
    largest = np.sqrt(np.max(np.einsum("ij,ij->j", centred, centred), initial=0.0))
    rounding = np.finfo(float).eps * largest * np.linalg.norm(residual) / beta
    return max(ACTIVE_SET_KKT, 10 * rounding)


def kkt_violation(centred, centred_y, beta, coef) -> float:
    """How far z is from the Lasso's optimality conditions on these columns, relative to
    beta: max over j of |A_j.r| / beta - 1, and |A_j.r - beta sign z_j| / beta on the
    support (0 at an exact solution)."""
    correlations = centred.T @ (centred_y - centred @ coef)
    worst = np.max(np.abs(correlations), initial=0.0) / beta - 1.0
    support = coef != 0
    if support.any():
        mismatch = correlations[support] - beta * np.sign(coef[support])
        worst = max(worst, float(np.abs(mismatch).max()) / beta)
    return float(worst)


def _row_reduced(matrix: np.ndarray, target: np.ndarray):
    """(S V^T, U^T target) from the thin SVD of an n x k matrix, n > k (rank-trimmed)."""
    left, singular, right = np.linalg.svd(matrix, full_matrices=False)
    keep = singular > singular.max(initial=0.0) * max(matrix.shape) * np.finfo(float).eps
    return singular[keep, None] * right[keep], left[:, keep].T @ target


def polish(
    centred: np.ndarray,
    centred_y: np.ndarray,
    beta: float,
    coef: np.ndarray,
    steps: int = 3,
    seedings: int = 4,
) -> np.ndarray:
    """Make an approximate Lasso solution (centred problem) exact and sparse.

    An interior-point z is accurate to ~1e-10, but near interpolation (beta ~ 1e-7) the
    certificate needs the residual to ~1e-13, so the support is solved exactly instead:
    up to ``steps`` ``_kkt_step``s, keeping the iterate with the lowest objective (the
    input included; later, sparser iterates win ties up to a relative 1e-12, i.e.
    rounding).  If a column then still violates |A_j.r| <= beta, the rounding of the
    interior-point solve has hidden part of the support: the violators are put into it
    with the sign of their correlation (a primal active-set step) and the steps repeat,
    at most ``seedings`` times.
    """

    def objective(z):
        r = centred_y - centred @ z
        return 0.5 * r @ r + beta * np.abs(z).sum()

    best, best_objective = coef, objective(coef)
    for _ in range(seedings + 1):
        for _ in range(steps):
            coef = _kkt_step(centred, centred_y, beta, coef)
            if coef is None:
                break
            value = objective(coef)
            if value <= best_objective * (1 + 1e-12):
                best, best_objective = coef, value
        correlations = centred.T @ (centred_y - centred @ best)
        violating = (np.abs(correlations) > beta * (1 + 1e-9)) & (best == 0)
        if not violating.any():
            break
        # a tiny seed with the correlation's sign puts the violators into the support
        coef = best.copy()
        coef[violating] = np.sign(correlations[violating]) * np.finfo(float).tiny
    return best


def _kkt_step(centred, centred_y, beta, coef):
    """One exact step on the support S (signs s) of ``coef``, or None without one.

    The optimal residual r solves A_S^T r = beta s with r in y + range(A_S): the KKT
    equations, solved with a minimum-norm solve.  Any z with A_S z = y - r and
    sign(z_S) = s has the same (optimal) objective, because the penalty then equals
    r.(y - r); if the minimum-norm z has wrong signs, a non-negative least-squares fit
    on the signed columns finds a basic one (independent columns, so the next step's
    solve is unique).
    """
    from scipy.optimize import nnls

    # small coefficients of columns that are not tight (|A_j.r| < beta) are noise of
    # the interior-point solve: they belong outside the support
    residual = centred_y - centred @ coef
    tight = np.abs(centred.T @ residual) >= beta * (1 - 1e-4)
    support = np.flatnonzero((coef != 0) & tight)
    if len(support) == 0:
        return None
    signs = np.sign(coef[support])
    signed = centred[:, support] * signs
    magnitudes = _min_norm_solve(signed, signed.T @ centred_y - beta)
    if np.any(magnitudes <= 0):
        magnitudes, _ = nnls(signed, signed @ magnitudes, maxiter=50 * len(support))
    polished = np.zeros_like(coef)
    polished[support] = signs * magnitudes
    return polished


def _min_norm_solve(matrix, rhs):
    """Minimum-norm solution of (M^T M) z = rhs through the thin SVD of M (n x k).

    Costs O(n^2 k) instead of O(k^3): supports can hold many columns that coincide on
    the data, while n stays small.
    """
    _, singular, right = np.linalg.svd(matrix, full_matrices=False)
    keep = singular > singular.max(initial=0.0) * max(matrix.shape) * np.finfo(float).eps
    right, singular = right[keep], singular[keep]
    return right.T @ ((right @ rhs) / singular**2)


def _diverse_violators(columns, score, beta, count, pool=20, similar=0.99):
    """Up to ``count`` violating columns (score > beta), best first, skipping columns
    nearly parallel (|cos| > ``similar`` after centring) to one already chosen: the
    top violators of an exact dictionary are mostly near-copies of each other."""
    candidates = _best_columns(np.where(score > beta, score, 0.0), min(len(score), pool * count))
    candidates = candidates[score[candidates] > beta]
    candidates = candidates[np.argsort(-score[candidates])]
    block = columns.take(candidates)
    block = block - block.mean(axis=0)
    block /= np.maximum(np.linalg.norm(block, axis=0), 1e-300)
    unit = np.ascontiguousarray(block.T)  # one row per candidate, best first
    chosen: list[int] = []  # positions in ``candidates``
    # Candidate i is chosen iff it is no near-copy of any chosen before it: judged in
    # blocks, against the chosen of earlier blocks at once (a matrix product), then in
    # order within the block.
    for start in range(0, len(candidates), DIVERSITY_BLOCK):
        part = unit[start : start + DIVERSITY_BLOCK]
        alive = np.ones(len(part), dtype=bool)
        if chosen:
            alive = np.abs(part @ unit[chosen].T).max(axis=1) <= similar
        live = np.flatnonzero(alive)
        copies = np.abs(part[live] @ part[live].T) > similar
        open_ = np.ones(len(live), dtype=bool)
        for i in range(len(live)):
            if not open_[i]:
                continue
            chosen.append(start + live[i])
            if len(chosen) == count:
                return candidates[chosen]
            open_[i + 1 :] &= ~copies[i, i + 1 :]
    return candidates[chosen]


#: Candidates judged together by ``_diverse_violators``.
DIVERSITY_BLOCK = 256


# ------------------------------------------------------------- column generation


#: Generated chains off the support stay while |g(X) . r| >= KEEP * beta (LOOSE_KEEP
#: while the set is small): dropped chains tend to come back, costing rounds, and a
#: larger set slows the exact solves.
KEEP = 0.9
LOOSE_KEEP = 0.5  # while the set has at most 2n chains


#: Violators added per column-generation round (at most n).  With cheap restricted
#: solves, fewer rounds matter: 1-D, L = 3, n = 1000 took 63 / 45 / 31 rounds with
#: 100 / 300 / 1000, but a larger count also makes each oracle pass and each
#: restricted set larger (n = 2000: 59 s with 300, 69 s with 1000).
COUNT = 300
#: Depth 2 in d >= 3: an oracle pass sweeps every (anchor, spanning vectors) frame,
#: about n^3 log n work in 3-D, while the restricted solves stay small (a few thousand
#: chains: well under a pass), so rounds are what cost.  There each round adds up to
#: WIDE_COUNT chains and keeps every chain above LOOSE_KEEP (3-D, n = 300: 44 rounds
#: with 300 chains and KEEP, 23 with 1000 chains, 18 with 1000 and LOOSE_KEEP).
WIDE_COUNT = 1000

#: Without a warm start, depth L >= 3 starts from the depth L - 1 fit (its chains are
#: depth-L chains with c_L = 0), solved to this tolerance: its oracle is far cheaper
#: and its chains are near the final ones (docs/lasso.md).
LOWER_DEPTH_TOL = 1e-3

#: When the last oracle maximum was below beta (1 + TAIL), the next pass returns the
#: best chains, near-copies included, instead of chains spread over the data.
TAIL = 1e-2


def solve_generated(
    X: np.ndarray,
    y: np.ndarray,
    beta: float,
    depth: int,
    *,
    tol: float = 1e-6,
    count: int | None = None,
    initial=None,
    max_rounds: int = 100,
    price_options: dict | None = None,
):
    """Certified column generation over the whole exact dictionary, never stored.

    Round t solves the Lasso exactly on the generated chains (``_solve_restricted``:
    the active set, warm-started from the previous round's coefficients), then prices
    the residual over *every* unit chain of the depth (``pricing.price``: the exact
    supremum of |g(X) . r| and the ``count`` best chains, default min(n, COUNT), or
    WIDE_COUNT at depth 2 in d >= 3) and adds the chains with |g(X) . r| > beta
    (1 + tol).  Generated chains that are neither in the support nor nearly tight
    (|g(X) . r| < KEEP beta; LOOSE_KEEP while the set is small and at depth 2 in
    d >= 3) are dropped again.  Stops when the oracle's maximum is at most
    beta (1 + tol) and the relative duality gap (dual point: the residual scaled into
    the feasible set of the whole dictionary) is at most ``tol``.  ``initial``: chains
    (W, b1, C) or (W, b1, C, coef) to start from (a warm start: the restricted solve
    starts from those coefficients); without one, depth L >= 3 starts from the depth
    L - 1 fit (``LOWER_DEPTH_TOL``).

    Returns (W, b1, C, coef, intercept, info); info has rounds, oracle_max (the last
    oracle maximum / beta), gap, relative_gap, working_set, pricing_s (the lower-depth
    start's included), converged, and ``lower_depth_rounds`` (from depth L - 1 down).
    """
    from .pricing import price

    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n, d = X.shape
    lower_info = None
    if initial is None and depth >= 3:
        initial, lower_info = _lower_depth_start(
            X, y, beta, depth, count, max_rounds, price_options
        )
    wide = depth == 2 and d >= 3  # the oracle costs far more than a restricted solve
    count = int(count or (WIDE_COUNT if wide else min(n, COUNT)))
    options = dict(price_options or {})
    y_mean = float(y.mean())
    centred_y = y - y_mean
    info = {"rounds": 0, "pricing_s": 0.0, "converged": False}
    if lower_info is not None:
        info["pricing_s"] = lower_info["pricing_s"]
        info["lower_depth_rounds"] = [
            lower_info["rounds"],
            *lower_info.get("lower_depth_rounds", []),
        ]

    def oracle(residual, spread=True):
        start = time.perf_counter()
        priced = price(X, residual, depth, count, spread=spread, **options)
        info["pricing_s"] += time.perf_counter() - start
        return priced

    warm = initial is not None and len(initial[1]) > 0
    if warm:  # price the start's own residual: its violators are what it lacks
        initial_coef = initial[3] if len(initial) > 3 else np.zeros(len(initial[1]))
        centred = evaluate_unit_chains(X, *initial[:3])
        centred -= centred.mean(axis=0)
        priced = oracle(centred_y - centred @ initial_coef)
    else:
        priced = oracle(centred_y)
        primal, gap = duality_gap(centred_y, [priced.max_score], centred_y, np.zeros(0), beta)
        info.update(
            oracle_max=priced.max_score / beta, gap=gap, relative_gap=gap / max(primal, 1e-300)
        )
        if priced.max_score <= beta * ZERO_SLACK:  # z = 0 is optimal (beta >= beta_max)
            info.update(converged=True, working_set=0)
            empty = np.zeros((0, d)), np.zeros(0), np.zeros((0, depth - 2))
            return (*empty, np.zeros(0), y_mean, info)
    W, b1, C = priced.W, priced.b1, priced.C
    start = np.zeros(len(b1))
    if warm:
        W, b1, C, start = _unique_chains(
            *(np.concatenate(p) for p in zip(initial[:3], (W, b1, C), strict=True)),
            np.concatenate([initial_coef, start]),
        )
    stuck = False
    for rounds in range(1, max_rounds + 1):
        solved = W, b1, C  # the chains of this round's exact solve
        block = evaluate_unit_chains(X, W, b1, C)
        block_mean = block.mean(axis=0)
        centred = block - block_mean
        coef = _solve_restricted(centred, centred_y, beta, start, info)
        residual = centred_y - centred @ coef
        residual -= residual.mean()
        # Once every violation is small, the violators are the near-copies of a few
        # chains: taking them all at once ends the tail of rounds.
        priced = oracle(residual, spread=priced.max_score > beta * (1 + TAIL))
        primal, gap = duality_gap(residual, [priced.max_score], centred_y, coef, beta)
        info.update(
            rounds=rounds,
            oracle_max=priced.max_score / beta,
            gap=gap,
            relative_gap=gap / max(primal, 1e-300),
            working_set=len(b1),
        )
        log.debug("column generation round %d: %s", rounds, info)
        if priced.max_score <= beta * (1 + tol) and gap <= tol * primal:
            info["converged"] = True
            break
        new = priced.scores > beta * (1 + tol)
        if not new.any():
            break  # no violator beyond tol, yet the gap is large: leave it to the caller
        # Stuck: every violator is already in the solved set, so the restricted solve
        # was inexact (the interior-point fallback rounded a degenerate subproblem).
        # Keep only the support and the tight chains, so that the next exact solve is
        # small and well posed; stuck twice in a row: stop and say so.
        merged = _unique_chains(
            *(
                np.concatenate([a, p[new]])
                for a, p in zip((W, b1, C), (priced.W, priced.b1, priced.C), strict=True)
            )
        )
        if len(merged[1]) == len(b1):
            if stuck:
                info["stalled"] = True
                break
            stuck, keep = True, 1 - 1e-6
        else:
            stuck = False
            keep = KEEP if len(b1) > 2 * n and not wide else LOOSE_KEEP  # large: slower
        kept = (coef != 0) | (np.abs(centred.T @ residual) >= keep * beta)
        W, b1, C, start = _unique_chains(  # kept chains first: they keep their coef
            np.concatenate([W[kept], priced.W[new]]),
            np.concatenate([b1[kept], priced.b1[new]]),
            np.concatenate([C[kept], priced.C[new]]),
            np.concatenate([coef[kept], np.zeros(new.sum())]),
        )
    support = coef != 0
    intercept = y_mean - float(block_mean @ coef)
    W, b1, C = (part[support] for part in solved)
    coef = coef[support]
    return W, b1, C, coef, intercept, info


def _lower_depth_start(X, y, beta, depth, count, max_rounds, price_options):
    """The depth L - 1 fit (to LOWER_DEPTH_TOL) as depth-L chains with c_L = 0, with
    their coefficients, and its info."""
    W, b1, C, coef, _, info = solve_generated(
        X, y, beta, depth - 1, tol=LOWER_DEPTH_TOL, count=count, max_rounds=max_rounds,
        price_options=price_options,
    )  # fmt: skip
    return (W, b1, np.column_stack([C, np.zeros(len(b1))]), coef), info


def _unique_chains(W, b1, C, *more):
    """Drop chains whose parameters repeat (to rounding), keeping the first copy (and
    the same entries of the arrays in ``more``)."""
    params = np.column_stack([W, b1, C])
    size = max(np.abs(params).max(initial=0.0), 1e-300)
    _, first = np.unique(np.round(params / size, 12), axis=0, return_index=True)
    first = np.sort(first)
    return tuple(part[first] for part in (W, b1, C, *more))
