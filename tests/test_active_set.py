"""The warm-started active-set restricted solver (solvers.solve_active_set) against
cvxpy + CLARABEL on random and degenerate restricted problems.

Lasso solutions need not be unique (duplicate columns), so fits are compared by
objective and fitted values, never by coefficients.  Tolerances:
- objective, relative 1e-8: CLARABEL runs at gap tolerance 1e-10 (solve_clarabel) and
  the active set is exact up to rounding, so 1e-8 leaves a margin of 100;
- fitted values: the objective is 1-strongly convex in the fitted values, so
  ||A z - A z*||^2 / 2 <= f(z) - f*; two fits within 1e-8 f* of the optimum differ by at
  most 2 sqrt(2e-8 f*);
- KKT: solvers.ACTIVE_SET_KKT (1e-9 of beta), the bound the solver is held to.
"""

import numpy as np
import pytest

from reflasso import solvers
from reflasso.solvers import (
    ACTIVE_SET_KKT,
    _solve_restricted,
    kkt_violation,
    lasso_objective,
    solve_active_set,
    solve_clarabel,
)

OBJECTIVE_RTOL = 1e-8


def centred_problem(n, k, seed, kind="random"):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, k))
    if kind == "duplicates":  # exact copies and sign flips of the first columns
        A[:, k // 2 :] = A[:, : k - k // 2] * np.where(np.arange(k - k // 2) % 2, 1, -1)
    elif kind == "collinear":  # near-copies, as chains of an exact dictionary often are
        A[:, k // 2 :] = A[:, : k - k // 2] + 1e-7 * rng.normal(size=(n, k - k // 2))
    elif kind == "combinations":  # columns that are sums of two others
        A[:, -5:] = A[:, :5] + A[:, 5:10]
    A -= A.mean(axis=0)
    y = np.sign(rng.normal(size=n)) + 0.1 * rng.normal(size=n)
    return A, y - y.mean()


def beta_max(A, y):
    return float(np.max(np.abs(A.T @ y)))


def assert_matches_clarabel(A, y, beta, coef):
    objective = lasso_objective(A @ coef, y, coef, beta)
    ref_coef, ref_intercept = solve_clarabel(A, y, beta)
    ref_fitted = A @ ref_coef + ref_intercept
    reference = lasso_objective(ref_fitted, y, ref_coef, beta)
    assert abs(objective - reference) <= OBJECTIVE_RTOL * reference
    bound = 2 * np.sqrt(2 * OBJECTIVE_RTOL * reference)
    assert np.linalg.norm(A @ coef - ref_fitted) <= bound


def assert_basic(A, coef):
    """A basic solution: the support's columns are linearly independent."""
    support = np.flatnonzero(coef)
    assert np.linalg.matrix_rank(A[:, support]) == len(support)


@pytest.mark.parametrize("kind", ["random", "duplicates", "collinear", "combinations"])
@pytest.mark.parametrize("shape", [(40, 15), (30, 80)])
@pytest.mark.parametrize("fraction", [0.999, 0.3, 1e-2, 1e-5])
def test_matches_clarabel(kind, shape, fraction):
    """Objective and fitted values of CLARABEL, KKT to ACTIVE_SET_KKT, from beta near
    beta_max down to near interpolation (fraction 1e-5 of beta_max, k > n)."""
    A, y = centred_problem(*shape, seed=shape[0] + round(1e6 * fraction), kind=kind)
    beta = fraction * beta_max(A, y)
    coef = solve_active_set(A, y, beta)
    assert coef is not None
    assert kkt_violation(A, y, beta, coef) <= ACTIVE_SET_KKT
    assert_basic(A, coef)
    assert_matches_clarabel(A, y, beta, coef)


def test_zero_at_and_above_beta_max():
    A, y = centred_problem(30, 20, seed=1)
    for beta in (beta_max(A, y), 2 * beta_max(A, y)):
        assert not solve_active_set(A, y, beta).any()


@pytest.mark.parametrize("kind", ["random", "duplicates", "collinear"])
def test_warm_starts_reach_the_same_objective(kind):
    """From a perturbed solution, from the solution at another beta, and from a start
    whose support is dependent (both copies of a duplicated column non-zero)."""
    A, y = centred_problem(30, 60, seed=7, kind=kind)
    beta = 1e-2 * beta_max(A, y)
    cold = solve_active_set(A, y, beta)
    optimum = lasso_objective(A @ cold, y, cold, beta)
    rng = np.random.default_rng(3)
    perturbed = cold + 0.1 * rng.normal(size=len(cold)) * (cold != 0)
    other_beta = solve_active_set(A, y, 0.2 * beta_max(A, y))
    dependent = np.zeros(A.shape[1])
    dependent[[0, A.shape[1] // 2]] = 1.0  # copies (or near-copies) of each other
    for start in (perturbed, other_beta, dependent, cold):
        coef = solve_active_set(A, y, beta, start)
        assert coef is not None
        assert kkt_violation(A, y, beta, coef) <= ACTIVE_SET_KKT
        assert abs(lasso_objective(A @ coef, y, coef, beta) - optimum) <= OBJECTIVE_RTOL * optimum


def test_iteration_cap_reports_failure():
    A, y = centred_problem(30, 60, seed=2)
    assert solve_active_set(A, y, 1e-3 * beta_max(A, y), max_iter=3) is None


def test_fallback_to_the_interior_point(monkeypatch):
    """When the active set fails, _solve_restricted uses CLARABEL + polish, counts it,
    and the result is still the optimum."""
    A, y = centred_problem(30, 60, seed=4, kind="collinear")
    beta = 1e-2 * beta_max(A, y)
    monkeypatch.setattr(solvers, "solve_active_set", lambda *args, **kwargs: None)
    info = {}
    coef = _solve_restricted(A, y, beta, None, info)
    assert info["fallbacks"] == 1
    assert_matches_clarabel(A, y, beta, coef)


def test_inexact_active_set_result_is_checked(monkeypatch):
    """A result that misses the KKT bound is compared with the interior point's and the
    better one is kept (here: a deliberately wrong answer, z = 0)."""
    A, y = centred_problem(30, 20, seed=5)
    beta = 0.1 * beta_max(A, y)
    monkeypatch.setattr(solvers, "solve_active_set", lambda A, *rest, **kw: np.zeros(A.shape[1]))
    info = {}
    coef = _solve_restricted(A, y, beta, None, info)
    assert info["fallbacks"] == 1
    assert kkt_violation(A, y, beta, coef) <= ACTIVE_SET_KKT


def test_unit_chains_with_near_copies_on_many_points():
    """Columns of depth-3 unit chains on 3,000 points, 30 of them with kinks within 1e-6
    of each other (nearly dependent on the data, as in column generation)."""
    from reflasso.chains import evaluate_unit_chains

    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(-1, 1, 3000))[:, None]
    y = np.sign(np.sin(3 * x[:, 0])) + 0.1 * rng.normal(size=len(x))
    kinks = np.concatenate([rng.uniform(-1, 1, 60), 0.3 + 1e-6 * rng.normal(size=30)])
    offsets = np.abs(rng.normal(scale=0.2, size=(len(kinks), 1)))
    A = evaluate_unit_chains(x, np.ones((len(kinks), 1)), -kinks, offsets)
    A -= A.mean(axis=0)
    y -= y.mean()
    beta = 1e-2
    coef = solve_active_set(A, y, beta)
    assert coef is not None
    assert kkt_violation(A, y, beta, coef) <= ACTIVE_SET_KKT
    assert_basic(A, coef)
    assert_matches_clarabel(A, y, beta, coef)


@pytest.mark.parametrize("givens_min", [0, 10**9])
@pytest.mark.parametrize("m", [1, 2, 7, 40])
def test_cholesky_downdate_removes_one_column(monkeypatch, m, givens_min):
    """Removing a support column (``_Basis.drop``: Givens rotations, compiled, for
    large trailing blocks; a QR of the block for small ones; both forced here) leaves
    an upper triangular R' whose R'^T R' is the Gram matrix without that column, for
    every position.  Tolerance 1e-10 relative to the Gram's largest entry: rotations
    and Householder QR are backward stable, so the error is a few eps times m."""
    from reflasso import solvers

    monkeypatch.setattr(solvers, "GIVENS_MIN", givens_min)
    A = np.random.default_rng(m).normal(size=(60, m))
    R = np.ascontiguousarray(np.linalg.qr(A, mode="r"))
    gram = A.T @ A
    for position in range(m):
        basis = solvers._Basis(A)
        basis.index, basis.rows, basis.R = list(range(m)), A.T.copy(), R.copy()
        basis.drop(position)
        reduced = basis.R
        assert basis.index == [j for j in range(m) if j != position]
        np.testing.assert_array_equal(basis.block, np.delete(A.T, position, axis=0))
        assert reduced.shape == (m - 1, m - 1)
        assert np.array_equal(reduced, np.triu(reduced))
        expected = np.delete(np.delete(gram, position, 0), position, 1)
        scale = np.abs(gram).max()
        np.testing.assert_allclose(reduced.T @ reduced, expected, rtol=0, atol=1e-10 * scale)
