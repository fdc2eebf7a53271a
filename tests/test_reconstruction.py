"""Lasso solution <-> reflection network (docs/method.md §2)."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from reflasso.certificate import random_unit_chains
from reflasso.chains import evaluate_unit_chains
from reflasso.dictionary import Dictionary
from reflasso.lasso import beta_max, fit_lasso
from reflasso.network import ReflectionNetwork, training_objective
from reflasso.solvers import lasso_objective


def network_values(net, X):
    with torch.no_grad():
        return net(torch.as_tensor(X)).numpy()


def check_reconstruction(fit, X_off):
    """The network of a fit has the Lasso objective and the Lasso's predictions."""
    net = fit.to_network()
    value = float(training_objective(net, fit.X, fit.y, fit.beta).detach())
    # exact up to float64 rounding of |z|^(1/L) powers and sums (1e-10 relative)
    assert value == pytest.approx(fit.objective, rel=1e-10, abs=1e-12)
    for points in (fit.X, X_off):  # on and off the data, same rounding budget
        np.testing.assert_allclose(
            network_values(net, points), fit.predict(points), rtol=1e-10, atol=1e-10
        )
    return net


@settings(max_examples=12, deadline=None)
@given(d=st.integers(1, 3), depth=st.integers(2, 5), seed=st.integers(0, 10_000))
def test_reconstruction_is_exact_property(d, depth, seed):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(8, d)), rng.normal(size=8)
    W, b1, C = random_unit_chains(X, depth, 40, rng)
    dictionary = Dictionary(depth, W, b1, C, "random")
    # a random dictionary is incomplete: the fit is optimal over it, not certified
    fit = fit_lasso(
        X, y, depth=depth, beta=0.02, dictionary=dictionary, n_random=10, allow_uncertified=True
    )
    check_reconstruction(fit, 3 * rng.normal(size=(25, d)))


@pytest.mark.parametrize(("d", "depth"), [(1, 2), (1, 3), (1, 4), (2, 2), (2, 3)])
def test_reconstruction_from_exact_dictionary(d, depth):
    rng = np.random.default_rng(d * 10 + depth)
    X, y = rng.normal(size=(6, d)), rng.normal(size=6)
    fit = fit_lasso(X, y, depth=depth, beta=0.01, n_random=10)
    net = check_reconstruction(fit, 3 * rng.normal(size=(25, d)))
    assert net.width == max(fit.n_active, 1)


def test_zero_solution_gives_constant_network():
    X = np.array([[0.0], [1.0], [2.0]])
    y = np.array([1.0, 0.0, 2.0])
    fit = fit_lasso(X, y, depth=3, beta=2 * beta_max(X, y, 3), n_random=10)
    net = check_reconstruction(fit, np.array([[-5.0], [10.0]]))
    np.testing.assert_allclose(network_values(net, X), y.mean(), atol=1e-14)


@pytest.mark.parametrize(("d", "depth"), [(1, 3), (2, 4), (3, 5)])
def test_inverse_map_round_trip(d, depth):
    rng = np.random.default_rng(depth)
    X, y = rng.normal(size=(7, d)), rng.normal(size=7)
    W, b1, C = random_unit_chains(X, depth, 30, rng)
    fit = fit_lasso(  # random dictionary: optimal over it, not certified (see above)
        X,
        y,
        depth=depth,
        beta=0.05,
        dictionary=Dictionary(depth, W, b1, C, "r"),
        n_random=10,
        allow_uncertified=True,
    )
    coef, W2, b2, C2, intercept = fit.to_network().to_unit_chains()
    X_off = 3 * rng.normal(size=(20, d))
    for points in (X, X_off):
        mapped = evaluate_unit_chains(points, W2, b2, C2) @ coef + intercept
        np.testing.assert_allclose(mapped, fit.predict(points), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(np.abs(W2).sum(axis=1), 1.0, rtol=1e-12)  # unit chains
    fitted = evaluate_unit_chains(X, W2, b2, C2) @ coef + intercept
    assert lasso_objective(fitted, y, coef, fit.beta) == pytest.approx(fit.objective, rel=1e-10)


def test_any_network_is_bounded_below_by_its_lasso_point():
    # AM-GM: a random (unbalanced) network's objective is >= the Lasso objective of
    # its own unit-chain decomposition (docs/method.md §2, lower bound)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(9, 2)), rng.normal(size=9)
    for depth in (2, 3, 4):
        net = ReflectionNetwork(2, depth, 6)
        coef, W, b1, C, intercept = net.to_unit_chains()
        lasso = lasso_objective(evaluate_unit_chains(X, W, b1, C) @ coef + intercept, y, coef, 0.1)
        assert float(training_objective(net, X, y, 0.1).detach()) >= lasso * (1 - 1e-12)


def adam_objectives(net, X, y, beta, steps, lr):
    """Training objective before each of ``steps`` full-batch Adam steps, and after."""
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    values = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = training_objective(net, X, y, beta)
        values.append(float(loss.detach()))
        loss.backward()
        optimizer.step()
    values.append(float(training_objective(net, X, y, beta).detach()))
    return np.array(values)


@pytest.mark.slow
@pytest.mark.parametrize("depth", [2, 3])
def test_adam_never_goes_below_the_lasso_optimum(depth):
    X = np.array([[0.0], [2.0], [6.0], [7.0], [9.0]])
    y = np.array([0.0, 0.0, 3.0, 7.0, 2.0])
    beta = 0.05
    fit = fit_lasso(X, y, depth=depth, beta=beta, n_random=5000)
    assert fit.certificate(n_random=5000)["ok"]  # the optimum over all unit chains
    floor = fit.objective * (1 - 1e-9)  # rounding slack of float64 objectives

    torch.manual_seed(depth)
    random_start = adam_objectives(ReflectionNetwork(1, depth, 8), X, y, beta, 300, 2e-2)
    assert random_start.min() >= floor
    assert random_start[-1] < random_start[0]  # it did train

    # started at the optimum, slightly perturbed: the hardest place to undercut it
    net = fit.to_network()
    with torch.no_grad():
        for parameter in net.parameters():
            parameter.add_(1e-3 * torch.randn_like(parameter))
    near_optimum = adam_objectives(net, X, y, beta, 300, 1e-3)
    assert near_optimum.min() >= floor
