"""Solvers for the Lasso of paper.md section 2.

    min over z, xi:  1/2 ||A z + xi 1 - y||^2 + beta ||z||_1       (xi not penalised)

- ``solve_clarabel``: the reference convex program, cvxpy with CLARABEL named explicitly
  and tight tolerances.  Needs the whole matrix A; for small dictionaries.
- ``solve_fast``: working-set coordinate descent for large dictionaries.  The intercept
  is removed exactly by centring A and y.  Each round solves the Lasso on a small set of
  columns with scikit-learn's Cython coordinate descent (Gram form), polishes the result
  by solving the KKT equations on its support, then checks the duality gap over the
  whole dictionary and adds the columns that violate dual feasibility most.

Both return (z, xi); objectives are always recomputed with ``lasso_objective``.
"""

from __future__ import annotations

import warnings

import numpy as np

from .chains import evaluate_unit_chains

#: Materialise the feature matrix when it takes at most this many bytes; otherwise
#: evaluate it chunk by chunk from the chains whenever it is needed.
DEFAULT_MATRIX_BYTES = 1 << 30


class DictionaryColumns:
    """The columns A[:, j] = g_j(X) of a dictionary on the training points.

    Held in memory when they fit in ``max_bytes``; otherwise re-evaluated from the
    chains in chunks of at most ``max_bytes`` (so memory stays bounded for dictionaries
    of millions of columns).
    """

    def __init__(self, dictionary, X: np.ndarray, max_bytes: int = DEFAULT_MATRIX_BYTES):
        self.W, self.b1 = dictionary.W, dictionary.b1
        self.C = np.asarray(dictionary.C).reshape(len(self.b1), -1)
        self.X = np.asarray(X, dtype=float)
        self.size = len(self.b1)
        bytes_per_column = 8 * self.X.shape[0]
        self.chunk = max(1, int(max_bytes) // bytes_per_column)
        self.dense = self.take(slice(None)) if self.size <= self.chunk else None

    def take(self, columns) -> np.ndarray:
        """(n, k) matrix of the selected columns (index array or slice)."""
        if getattr(self, "dense", None) is not None:
            return self.dense[:, columns]
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


def duality_gap(residual: np.ndarray, correlations: np.ndarray, y: np.ndarray,
                coef: np.ndarray, beta: float) -> tuple[float, float]:
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
    z, xi, residual = cp.Variable(p), cp.Variable(), cp.Variable(n)
    problem = cp.Problem(
        cp.Minimize(0.5 * cp.sum_squares(residual) + beta * cp.norm1(z)),
        [residual == A @ z + xi - y],
    )
    problem.solve(solver=cp.CLARABEL, tol_gap_abs=tol, tol_gap_rel=tol, tol_feas=tol,
                  tol_ktratio=1e-8, max_iter=500)
    if problem.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE) or z.value is None:
        raise RuntimeError(f"CLARABEL did not solve the Lasso (status {problem.status})")
    coef = np.asarray(z.value, dtype=float)
    # Interior-point solutions are dense at rounding level; zero what is noise.
    coef[np.abs(coef) <= 1e-9 * max(1.0, np.abs(coef).max())] = 0.0
    intercept = float(np.mean(y - A @ coef))  # optimal xi for these coefficients
    return coef, intercept


# --------------------------------------------------------------------------- fast path


def solve_fast(columns: DictionaryColumns, y: np.ndarray, beta: float, *,
               gap_tol: float = 1e-10, max_rounds: int = 60, initial_size: int | None = None):
    """Working-set coordinate descent; returns (z, xi, info).

    Stops when the duality gap over the whole dictionary is at most
    ``gap_tol * primal`` (relative).  ``info`` has the rounds, final gap and
    working-set size.
    """
    y = np.asarray(y, dtype=float)
    n, p = len(y), columns.size
    y_mean = float(y.mean())
    centred_y = y - y_mean
    coef = np.zeros(p)
    correlations = columns.correlate(centred_y)
    primal, gap = duality_gap(centred_y, correlations, centred_y, coef, beta)
    info = {"rounds": 0, "gap": gap, "relative_gap": gap / max(primal, 1e-300),
            "working_set": 0}
    if np.max(np.abs(correlations), initial=0.0) <= beta:
        return coef, y_mean, info  # z = 0 is optimal (beta >= beta_max)

    size = initial_size or max(2 * n, 64)
    working = _top_violators(correlations, beta, size, exclude=np.array([], dtype=int))
    for rounds in range(1, max_rounds + 1):
        block = columns.take(working)
        block_mean = block.mean(axis=0)
        centred = block - block_mean
        sub_coef = _solve_subproblem(centred, centred_y, beta)
        residual = centred_y - centred @ sub_coef
        residual -= residual.mean()
        correlations = columns.correlate(residual)
        coef[:] = 0.0
        coef[working] = sub_coef
        primal, gap = duality_gap(residual, correlations, centred_y, coef, beta)
        info.update(rounds=rounds, gap=gap, relative_gap=gap / max(primal, 1e-300),
                    working_set=len(working))
        if gap <= gap_tol * primal:
            break
        new = _top_violators(correlations, beta, max(len(working), 32), exclude=working)
        if len(new) == 0:
            break  # optimal up to the accuracy of the working-set solve
        working = np.concatenate([working, new])
    else:
        warnings.warn(f"fast Lasso solver stopped after {max_rounds} rounds with relative "
                      f"duality gap {info['relative_gap']:.3g}", RuntimeWarning, stacklevel=2)
    intercept = y_mean - float(block_mean @ sub_coef)
    return coef, intercept, info


def _top_violators(correlations, beta, count, exclude):
    """Indices of the ``count`` columns with the largest |A_j . r| above beta (or the
    largest overall in the first round), skipping ``exclude``."""
    score = np.abs(correlations).copy()
    score[exclude] = -np.inf
    candidates = np.flatnonzero(score > beta) if len(exclude) else np.arange(len(score))
    if len(candidates) > count:
        candidates = candidates[np.argpartition(-score[candidates], count - 1)[:count]]
    return candidates


def _solve_subproblem(centred, centred_y, beta):
    """Lasso (no intercept) on a few centred columns: CLARABEL, then a KKT polish.

    Coordinate descent stalls here at small beta (near interpolation, highly correlated
    columns), so the small subproblem goes to an interior-point solve, which does not.
    Variables x = (z, t, r): min 1/2 r.r + beta 1.t with r = A z - y and -t <= z <= t.
    """
    import clarabel
    from scipy import sparse

    n, k = centred.shape
    eye_k, eye_n = sparse.identity(k, format="csc"), sparse.identity(n, format="csc")
    zeros_nk = sparse.csc_matrix((n, k))
    P = sparse.block_diag([sparse.csc_matrix((2 * k, 2 * k)), eye_n], format="csc")
    q = np.concatenate([np.zeros(k), np.full(k, beta), np.zeros(n)])
    A = sparse.vstack([
        sparse.hstack([-sparse.csc_matrix(centred), zeros_nk, eye_n]),  # r - A z = -y
        sparse.hstack([eye_k, -eye_k, zeros_nk.T]),  # z - t <= 0
        sparse.hstack([-eye_k, -eye_k, zeros_nk.T]),  # -z - t <= 0
    ], format="csc")
    b = np.concatenate([-centred_y, np.zeros(2 * k)])
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.tol_gap_abs = settings.tol_gap_rel = settings.tol_feas = 1e-10
    cones = [clarabel.ZeroConeT(n), clarabel.NonnegativeConeT(2 * k)]
    solution = clarabel.DefaultSolver(P, q, A, b, cones, settings).solve()
    if str(solution.status) not in ("Solved", "AlmostSolved"):
        raise RuntimeError(f"CLARABEL failed on a working set ({solution.status})")
    coef = np.asarray(solution.x[:k], dtype=float)
    coef[np.abs(coef) <= 1e-9 * max(1.0, np.abs(coef).max())] = 0.0
    gram = centred.T @ centred
    return _polish(gram, centred.T @ centred_y, centred_y, beta, coef)


def _polish(gram, centred_xy, centred_y, beta, coef):
    """Solve the KKT equations G_SS z_S = A_S^T y - beta sign(z_S) on the support S.

    Exact when the approximate solution has the right support and signs; kept only if
    the signs survive and the objective does not increase.
    """
    # Columns with a small coefficient that are not tight (|A_j.r| < beta) are noise of
    # the interior-point solve and belong outside the support.
    tight = np.abs(centred_xy - gram @ coef) >= beta * (1 - 1e-4)
    support = np.flatnonzero((coef != 0) & tight)
    if len(support) == 0:
        return coef
    signs = np.sign(coef[support])
    rhs = centred_xy[support] - beta * signs
    solution = np.linalg.lstsq(gram[np.ix_(support, support)], rhs, rcond=None)[0]
    if np.any(np.sign(solution) != signs):
        return coef
    polished = np.zeros_like(coef)
    polished[support] = solution

    def objective(z):  # 1/2||y - A z||^2 = 1/2 y.y - z.A^T y + 1/2 z.G z
        return 0.5 * centred_y @ centred_y - z @ centred_xy + 0.5 * z @ gram @ z + beta * np.abs(
            z).sum()

    return polished if objective(polished) <= objective(coef) else coef
