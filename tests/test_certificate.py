"""The optimality certificate of paper.md 3.5."""

import numpy as np
import pytest

from reflasso.certificate import DEFAULT_TOL, lasso_certificate, random_unit_chains
from reflasso.dictionary import Dictionary
from reflasso.lasso import beta_max, fit_lasso
from reflasso.solvers import DictionaryColumns


@pytest.mark.parametrize(
    ("n", "d", "depth"), [(7, 1, 2), (7, 1, 3), (6, 1, 4), (8, 2, 2), (7, 2, 3)]
)
@pytest.mark.parametrize("seed", [0, 1])
def test_certificate_holds_on_random_problems(n, d, depth, seed):
    rng = np.random.default_rng(100 * seed + 10 * n + d + depth)
    X, y = rng.normal(size=(n, d)), rng.normal(size=n)
    beta = 0.05 * beta_max(X, y, depth)
    fit = fit_lasso(X, y, depth=depth, beta=beta, n_random=5000, certificate_seed=seed)
    cert = fit.certificate(n_random=5000, seed=seed)
    assert cert["ok"], cert
    assert cert["random_max"] <= 1 + DEFAULT_TOL
    # an active column is tight at the optimum: kkt_max = 1 up to solver accuracy
    assert fit.n_active >= 1 and cert["kkt_max"] == pytest.approx(1.0, abs=DEFAULT_TOL)
    # 1.lambda = 0 because the intercept is free; rounding of n sums only (1e-9)
    assert abs(cert["dual_sum"]) <= 1e-9 * max(1.0, np.abs(y).sum())


TOY_SETS = {
    "four": ([0.0, 2.0, 6.0, 7.0], [0.0, 0.0, 3.0, 7.0]),
    "six": ([0.0, 4.0, 5.0, 7.0, 10.0, 11.0], [0.0, 0.0, 0.0, 2.0, 3.0, 3.0]),
}


@pytest.mark.parametrize("name", sorted(TOY_SETS))
@pytest.mark.parametrize("depth", [2, 3, 4])
@pytest.mark.parametrize("beta", [1e-3, 1e-5, 1e-7])
def test_certificate_holds_near_interpolation(name, depth, beta):
    """paper.md section 4 runs beta down to 1e-7, where lambda = y - Az - xi is ~beta
    itself: the default solver must still be exact enough to certify (regression: an
    interior-point z, accurate to ~1e-10, gave kkt_max up to 1.4 here)."""
    x, y = TOY_SETS[name]
    fit = fit_lasso(np.array(x)[:, None], np.array(y), depth=depth, beta=beta, n_random=2000)
    cert = fit.certificate(n_random=2000)
    assert cert["ok"], cert
    # the interpolating fit costs about beta * ||z||_1; the loss is a tiny part of it
    assert fit.objective <= 10 * beta * max(1.0, np.abs(fit.coef).sum())


def test_certificate_rejects_a_suboptimal_point():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(8, 1)), rng.normal(size=8)
    fit = fit_lasso(X, y, depth=2, beta=0.1 * beta_max(X, y, 2), n_random=100)
    columns = DictionaryColumns(fit.dictionary, X)
    zero = np.zeros_like(fit.coef)  # z = 0 is not optimal below beta_max
    cert = lasso_certificate(columns, X, y, zero, y.mean(), fit.beta, 2, n_random=2000)
    assert not cert["ok"]
    # lambda = y - mean(y): the dictionary maximum is beta_max / beta = 10 by definition
    assert cert["kkt_max"] == pytest.approx(10.0, rel=1e-9)


def test_random_search_catches_an_incomplete_dictionary():
    # a dictionary with the single feature |x - x_0|: optimal over itself, not over all
    # unit chains, which the random search (kinks at data points) must notice
    X = np.array([[0.0], [1.0], [2.5], [4.0], [5.0], [7.0]])
    y = np.array([0.0, 2.0, -1.0, 3.0, 0.0, 1.0])
    single = Dictionary(2, np.array([[1.0]]), np.array([-0.0]), np.zeros((1, 0)), "single")
    with pytest.warns(RuntimeWarning, match="not certified"):  # fit_lasso would raise
        fit = fit_lasso(
            X, y, depth=2, beta=0.05, dictionary=single, n_random=2000, allow_uncertified=True
        )
    cert = fit.certificate(n_random=2000)
    assert cert["kkt_max"] <= 1 + DEFAULT_TOL  # solved over its own dictionary
    assert cert["random_max"] > 1 + DEFAULT_TOL and not cert["ok"]


@pytest.mark.parametrize(("d", "depth"), [(1, 2), (2, 3), (3, 5)])
def test_random_chains_are_unit_chains_with_kinks_among_the_data(d, depth):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10, d))
    W, b1, C = random_unit_chains(X, depth, 4000, rng)
    assert W.shape == (4000, d) and b1.shape == (4000,) and C.shape == (4000, depth - 2)
    np.testing.assert_allclose(np.abs(W).sum(axis=1), 1.0, rtol=1e-12)  # ||w||_1 = 1
    projections = X @ W.T + b1
    inside = (projections.min(axis=0) <= 0) & (projections.max(axis=0) >= 0)
    assert inside.mean() > 0.8  # the first kink falls among the points for most draws
    assert (C >= 0).all()
