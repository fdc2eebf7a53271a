"""Geometry helpers: generalized cross product, wedge magnitude, distances, reflections."""

import numpy as np
import pytest

from reflasso.geometry import (
    distance_to_hyperplane,
    generalized_cross_product,
    hyperplane_normal,
    reflect_point,
    wedge_magnitude,
)

# Inputs are O(1) random numbers; 1e-10 leaves many orders of magnitude above double
# rounding (~1e-15 per operation) for the few hundred operations of a 6 x 6 minor.
TOL = 1e-10


@pytest.mark.parametrize("d", [2, 3, 4, 5, 6, 7])
def test_cross_product_is_the_determinant_functional(d):
    rng = np.random.default_rng(d)
    V = rng.standard_normal((50, d - 1, d))
    x = rng.standard_normal((50, d))
    u = generalized_cross_product(V)
    # u . x = det([v_1; ...; v_(d-1); x]) defines the Hodge dual.
    dets = np.linalg.det(np.concatenate([V, x[:, None, :]], axis=1))
    np.testing.assert_allclose(np.einsum("bd,bd->b", u, x), dets, atol=TOL)
    # orthogonal to every spanning vector, length = wedge magnitude
    np.testing.assert_allclose(np.einsum("bkd,bd->bk", V, u), 0.0, atol=TOL)
    np.testing.assert_allclose(np.linalg.norm(u, axis=1), wedge_magnitude(V), rtol=TOL)


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_shared_minors_change_no_bit(k):
    """The minors are built once per column set; they must equal the per-minor
    expansion (same products, same order) exactly, because exact dictionaries hash
    rounded columns built from these null vectors: no tolerance."""
    from reflasso.geometry import _det

    rng = np.random.default_rng(k)
    V = rng.standard_normal((500, k, k + 1)) * rng.uniform(1e-3, 1e3, size=(500, 1, 1))
    V[:50, -1] = V[:50, 0]  # dependent rows: minors of exactly zero, signs of zero
    columns = np.arange(k + 1)
    expanded = np.stack([_det(V[..., columns != i]) for i in range(k + 1)], axis=-1)
    expected = expanded * (-1.0) ** (k + columns)
    shared = generalized_cross_product(V)
    np.testing.assert_array_equal(shared, expected)
    assert np.array_equal(np.signbit(shared), np.signbit(expected))


def test_cross_product_known_cases():
    e1, e2, e3 = np.eye(3)
    np.testing.assert_array_equal(generalized_cross_product(np.array([e1, e2])), e3)
    np.testing.assert_array_equal(generalized_cross_product(np.array([[1.0, 0.0]])), [0, 1])
    # d = 1: the dual of the empty wedge is the unit scalar
    np.testing.assert_array_equal(generalized_cross_product(np.zeros((0, 1))), [1.0])


def test_dependent_vectors_give_zero_and_nan_normal():
    V = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]])
    np.testing.assert_array_equal(generalized_cross_product(V), 0.0)
    assert np.isnan(hyperplane_normal(V)).all()
    with pytest.raises(ValueError, match="d-1 vectors"):
        generalized_cross_product(np.ones((3, 3)))


def test_wedge_magnitude_of_d_vectors_is_abs_det():
    rng = np.random.default_rng(0)
    V = rng.standard_normal((20, 4, 4))
    np.testing.assert_allclose(wedge_magnitude(V), np.abs(np.linalg.det(V)), rtol=1e-9)


@pytest.mark.parametrize("norm,dual,primal", [("inf", 1, np.inf), ("2", 2, 2)])
def test_distance_is_attained_and_never_beaten(norm, dual, primal):
    rng = np.random.default_rng(1)
    d = 3
    point, normal = rng.standard_normal(d), rng.standard_normal(d)
    X = rng.standard_normal((30, d))
    dist = distance_to_hyperplane(X, point, normal, norm=norm)
    residual = (X - point) @ normal
    # the closest point: move along the dual direction of the normal
    step = np.sign(normal) if norm == "inf" else normal / np.linalg.norm(normal)
    closest = X - (residual / (step @ normal))[:, None] * step
    np.testing.assert_allclose((closest - point) @ normal, 0.0, atol=TOL)
    np.testing.assert_allclose(np.linalg.norm(X - closest, ord=primal, axis=1), dist, rtol=TOL)
    # no other point of the hyperplane is closer (Hoelder's inequality, checked)
    others = rng.standard_normal((200, d))
    others -= np.outer((others - point) @ normal / (normal @ normal), normal)
    gaps = np.linalg.norm(X[:, None, :] - others[None], ord=primal, axis=2)
    assert (gaps >= dist[:, None] - TOL).all()
    assert np.linalg.norm(normal, ord=dual) > 0


def test_distance_batched_over_hyperplanes_and_errors():
    X = np.array([[0.0, 0.0], [2.0, 1.0]])
    points = np.array([[1.0, 0.0], [0.0, 0.0]])
    normals = np.array([[1.0, 0.0], [1.0, 1.0]])
    # l-inf distance to {x1 = 1} and to {x1 + x2 = 0}: |w.(x - p)| / ||w||_1
    expected = np.array([[1.0, 0.0], [1.0, 1.5]])
    np.testing.assert_allclose(distance_to_hyperplane(X, points, normals), expected)
    with pytest.raises(ValueError, match="zero"):
        distance_to_hyperplane(X, [0.0, 0.0], [0.0, 0.0])
    with pytest.raises(ValueError, match="norm"):
        distance_to_hyperplane(X, [0.0, 0.0], [1.0, 0.0], norm="1")


def test_point_reflection():
    a, b = np.array([1.0, 2.0]), np.array([4.0, -1.0])
    np.testing.assert_array_equal(reflect_point(a, b), [-2.0, 5.0])
    np.testing.assert_array_equal((reflect_point(a, b) + b) / 2, a)  # a is the midpoint
    np.testing.assert_array_equal(reflect_point(a, reflect_point(a, b)), b)  # involution
    np.testing.assert_array_equal(reflect_point(2.0, np.array([0.0, 6.0])), [4.0, -2.0])
