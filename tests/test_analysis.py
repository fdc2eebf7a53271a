"""Kink detection, weight angles and symmetry scores."""

import numpy as np
import pytest
import torch

from reflasso.analysis import (
    find_kinks,
    first_layer_weights,
    kinks_along_line,
    multilevel_score,
    multilevel_symmetry,
    symmetry_about,
    weight_angles,
)
from reflasso.network import ReflectionNetwork, StandardNetwork

X1 = np.array([0.0, 2.0, 6.0, 7.0])  # toy-1d inputs of docs/method.md §4
KINK_TOL = 1e-8  # kinks are recovered by intersecting exact line pieces: rounding only


def predictor(net):
    return lambda X: net(torch.as_tensor(X, dtype=torch.float64)).detach().numpy()


def test_depth3_single_chain_kinks_at_anchor_point_and_reflection():
    # ||x - 6| - |2 - 6||: kinks at x_j = 6, x_k = 2 and the reflection 2 x_j - x_k = 10
    net = ReflectionNetwork.from_unit_chains([1.5], [[1.0]], [-6.0], [[4.0]], 0.3)
    table = kinks_along_line(predictor(net), X1)
    assert len(table) == 3
    np.testing.assert_allclose(table["location"], [2.0, 6.0, 10.0], atol=KINK_TOL)
    assert (table["distance"] < KINK_TOL).all()
    reflection = table[table["kind"] == "reflection"]
    assert list(reflection["source"]) == ["2*x[2]-x[1]"]


def test_depth4_chain_has_reflections_of_reflections():
    # data 0, 2, 6; |||x - 6| - 4| - 2| with c3 = g2(x_0) = 2: kinks at 0, 4, 8, 12 besides
    # 2, 6, 10; 8 = 2*6 - (2*2 - 0) is only a reflection of a reflection
    net = ReflectionNetwork.from_unit_chains([1.0], [[1.0]], [-6.0], [[4.0, 2.0]], 0.0)
    table = kinks_along_line(predictor(net), X1[:3], t_range=(-3, 15), max_order=2)
    np.testing.assert_allclose(table["location"], [0, 2, 4, 6, 8, 10, 12], atol=KINK_TOL)
    assert (table["distance"] < KINK_TOL).all()
    order_at = dict(zip(np.round(table["location"]), table["order"], strict=True))
    assert order_at[8.0] == 2 and order_at[10.0] == 1 and order_at[6.0] == 0


def test_kinks_along_a_direction_in_the_plane():
    points = np.array([[0.0, 0.0], [2.0, 1.0], [6.0, -1.0], [7.0, 3.0]])
    # chain |e1.(x - p2)| then |. - |e1.(p1 - p2)||, probed along x0 + t (2, 0)
    net = ReflectionNetwork.from_unit_chains([1.0], [[1.0, 0.0]], [-6.0], [[4.0]], 0.0)
    table = kinks_along_line(predictor(net), points, x0=[0.0, 0.5], direction=[2.0, 0.0])
    # line coordinates are halved: data at 0, 1, 3, 3.5, reflection 2*3 - 1 = 5
    np.testing.assert_allclose(table["location"], [1.0, 3.0, 5.0], atol=KINK_TOL)
    assert table["source"].iloc[-1] == "2*x[2]-x[1]"


def test_linear_function_has_no_kinks_and_kinks_off_grid_are_exact():
    assert len(find_kinks(lambda t: 3 * t - 1, -1, 1)) == 0
    # a piecewise-linear function with kinks between grid points
    kinks = find_kinks(lambda t: np.abs(t - 0.123456789) - 2 * np.abs(t + 0.5), -1, 1, n_grid=101)
    np.testing.assert_allclose(kinks, [-0.5, 0.123456789], atol=1e-12)  # intersection: rounding


def test_weight_angles_find_the_nearest_unoriented_normal():
    normals = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    angle = np.radians(10)
    trained = np.array([[-3 * np.cos(angle), -3 * np.sin(angle)], [0.2, 0.2], [0.0, 0.0]])
    table = weight_angles(trained, normals)
    assert list(table["nearest"][:2]) == [0, 2]
    np.testing.assert_allclose(table["angle_deg"][:2], [10.0, 0.0], atol=1e-6)  # arccos rounding
    assert np.isnan(table["angle_deg"][2])  # a dead unit has no direction
    net = StandardNetwork(2, 3, 4)
    assert first_layer_weights(net).shape == (4, 2)


def test_symmetry_of_even_and_odd_functions():
    # exact symmetry gives 0 difference; the grid is symmetric, so only rounding remains
    assert symmetry_about(np.abs, 0.0, -1, 1) == pytest.approx(1.0, abs=1e-12)
    assert symmetry_about(lambda t: t, 0.0, -1, 1) == pytest.approx(0.0, abs=1e-12)
    rng = np.random.default_rng(0)
    for _ in range(20):  # any function: the score lies in [0, 1] (triangle inequality)
        knots, values = np.sort(rng.uniform(-1, 1, 6)), rng.normal(size=6)
        score = symmetry_about(lambda t, k=knots, v=values: np.interp(t, k, v), 0.1, -1, 1)
        assert -1e-12 <= score <= 1 + 1e-12


def test_multilevel_score_rises_with_nested_symmetry():
    centres = [-0.5, 0.0, 0.5]
    single = multilevel_symmetry(np.abs, centres, -1, 1)  # symmetric only as a whole
    nested = multilevel_symmetry(lambda t: np.abs(np.abs(t) - 0.5), centres, -1, 1)
    assert multilevel_score(nested) == pytest.approx(1.0, abs=1e-12)
    assert multilevel_score(single) < multilevel_score(nested) - 0.25
