"""The two architectures: chain loading, penalties and bad input."""

import numpy as np
import pytest
import torch

from reflasso.chains import evaluate_unit_chains
from reflasso.network import ReflectionNetwork, StandardNetwork, training_objective

RNG = np.random.default_rng(7)


def random_chains(k, dim, depth):
    W = RNG.normal(size=(k, dim))
    W /= np.abs(W).sum(axis=1, keepdims=True)
    return RNG.normal(size=k), W, RNG.normal(size=k), RNG.uniform(0, 1, size=(k, depth - 2))


@pytest.mark.parametrize("depth", [2, 3, 4])
def test_standard_network_with_loaded_chains_computes_the_chains(depth):
    coef, W, b1, C = random_chains(3, 2, depth)
    reflection = ReflectionNetwork.from_unit_chains(coef, W, b1, C, 0.7)
    standard = StandardNetwork(2, depth, width=5)
    with torch.no_grad():
        for param in standard.parameters():
            param.zero_()
    standard.load_chains(reflection)
    X = RNG.normal(size=(30, 2))
    expected = evaluate_unit_chains(X, W, b1, C) @ coef + 0.7
    with torch.no_grad():
        out = standard(torch.as_tensor(X)).numpy()
    # the same float64 arithmetic up to reordering: agree to rounding
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    # penalty per chain = |z| * L for the reconstruction (gamma^L per layer, L layers)
    np.testing.assert_allclose(standard.penalty().item(), depth * np.abs(coef).sum(), rtol=1e-12)
    assert standard.penalty().item() == pytest.approx(reflection.penalty().item(), rel=1e-12)


def test_loaded_chain_rows_are_zero_off_the_chain_even_with_random_rest():
    coef, W, b1, C = random_chains(2, 3, 4)
    source = ReflectionNetwork.from_unit_chains(coef, W, b1, C, 0.0)
    standard = StandardNetwork(3, 4, width=6)
    standard.load_chains(source)
    for level, layer in enumerate(standard.hidden[1:]):
        expected = np.zeros((2, 6))
        expected[[0, 1], [0, 1]] = source.inner_weight[:, level].detach().numpy()
        np.testing.assert_array_equal(layer.weight[:2].detach().numpy(), expected)
    # the other units keep their random weights
    assert np.count_nonzero(standard.hidden[1].weight[2:].detach().numpy()) > 0


def test_standard_penalty_is_the_per_unit_l1_power():
    net = StandardNetwork(2, 3, width=4)
    L = 3
    expected = (
        sum((np.abs(layer.weight.detach().numpy()).sum(axis=1) ** L).sum() for layer in net.hidden)
        + (np.abs(net.output.weight.detach().numpy()) ** L).sum()
    )
    assert net.penalty().item() == pytest.approx(expected, rel=1e-12)  # rounding only


def test_reflection_objective_equals_lasso_objective_of_its_chains():
    coef, W, b1, C = random_chains(4, 2, 3)
    X, y, beta = RNG.normal(size=(12, 2)), RNG.normal(size=12), 0.3
    net = ReflectionNetwork.from_unit_chains(coef, W, b1, C, -0.2)
    A = evaluate_unit_chains(X, W, b1, C)
    lasso = 0.5 * np.sum((A @ coef - 0.2 - y) ** 2) + beta * np.abs(coef).sum()
    # docs/method.md §2: the reconstruction is exact up to rounding
    assert training_objective(net, X, y, beta).item() == pytest.approx(lasso, rel=1e-12)


@pytest.mark.parametrize("cls", [ReflectionNetwork, StandardNetwork])
@pytest.mark.parametrize("dim,depth,width", [(2, 1, 3), (2, 0, 3), (2, 3, 0), (0, 3, 2)])
def test_bad_sizes_are_rejected(cls, dim, depth, width):
    with pytest.raises(ValueError, match="depth|width"):
        cls(dim, depth, width)


def test_load_chains_of_another_shape_is_rejected():
    coef, W, b1, C = random_chains(3, 2, 3)
    source = ReflectionNetwork.from_unit_chains(coef, W, b1, C, 0.0)
    with pytest.raises(ValueError, match="depth"):
        StandardNetwork(2, 4, 5).load_chains(source)
    with pytest.raises(ValueError, match="dimension"):
        ReflectionNetwork(3, 3, 5).load_chains(source)
    with pytest.raises(ValueError, match="width"):
        ReflectionNetwork(2, 3, 2).load_chains(source)
