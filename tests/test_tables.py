"""Tables of the workflow (reflasso.tables), the exact kinks and grids they are built
from (reflasso.analysis), and the toy data sets (claims: tests/test_claims.py)."""

import numpy as np
import pandas as pd
import pytest

from reflasso.analysis import (
    accuracy,
    find_kinks,
    grid_points,
    kink_offsets,
    kink_table,
    kinks_on_first_axis,
    line_points,
)
from reflasso.chains import evaluate_unit_chains
from reflasso.experiment_analysis import optimality_table
from reflasso.io import DataError
from reflasso.llm import accuracy_row, least_squares
from reflasso.tables import markdown_table, write_named_tables
from reflasso.toydata import make_toy_dataset


# ----------------------------------------------------------------------------- toy data
def test_toy_sets_have_the_configured_shapes():
    catalog = {"a": {"kind": "points1d", "x": [0, 2, 6, 7], "y": [0, 0, 3, 3]}}
    X, y = make_toy_dataset(catalog["a"])
    assert X.shape == (4, 1) and y.tolist() == [0, 0, 3, 3]
    X2, y2 = make_toy_dataset({"kind": "embedded", "source": "a", "dim": 2}, catalog)
    assert X2.shape == (4, 2) and np.all(X2[:, 1] == 0) and np.all(X2[:, 0] == X[:, 0])


def test_random2d_is_seeded_and_labelled_by_its_target():
    spec = {"kind": "random2d", "n": 30, "seed": 3, "target": "xor"}
    X, y = make_toy_dataset(spec)
    again, _ = make_toy_dataset(spec)
    assert np.array_equal(X, again)
    assert np.all(np.abs(X) <= 1) and set(np.unique(y)) <= {-1.0, 1.0}
    assert np.array_equal(y, np.sign(X[:, 0] * X[:, 1]))


def test_random3d_and_shuffled_copies():
    spec = {"kind": "random3d", "n": 20, "seed": 0, "target": "xor"}
    X, y = make_toy_dataset(spec)
    assert X.shape == (20, 3) and np.array_equal(y, np.sign(np.prod(X, axis=1)))
    shuffled = {"kind": "shuffled", "source": "space", "seed": 1}
    Xs, ys = make_toy_dataset(shuffled, {"space": spec})
    assert np.array_equal(Xs, X)  # same inputs
    assert sorted(ys) == sorted(y) and not np.array_equal(ys, y)  # permuted labels


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"kind": "circle"}, "unknown data-set kind"),
        ({"kind": "shuffled", "source": "missing", "seed": 0}, "shuffled source 'missing'"),
        ({"kind": "random2d", "n": 5, "seed": 0, "target": "moons"}, "unknown random2d target"),
        ({"kind": "points1d", "x": [0, 1, 2], "y": [0, 1]}, "rows but y has shape"),
        ({"kind": "embedded", "source": "missing"}, "not a points1d data set"),
    ],
)
def test_bad_toy_specs_fail_naming_the_problem(spec, message):
    with pytest.raises(DataError, match=message):
        make_toy_dataset(spec, {})


# ------------------------------------------------------------------------------ kinks
def test_depth3_chain_kinks_at_anchor_point_and_reflection():
    xj, xk = 2.0, 6.0  # g(x) = ||x - xj| - |xk - xj||
    kinks = kink_table([1.0], [[1.0]], [-xj], [[abs(xk - xj)]])
    positions = sorted(kinks_on_first_axis(kinks)["position"])
    # exact arithmetic on small integers: equality up to rounding
    assert positions == pytest.approx([2 * xj - xk, xj, xk], abs=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_kink_offsets_match_kinks_found_numerically(seed):
    """Kinks predicted from a chain's parameters are where its values actually bend."""
    rng = np.random.default_rng(seed)
    depth = 4
    c = rng.uniform(0.2, 1.5, depth - 2)
    W, b1 = np.array([[1.0]]), np.array([rng.uniform(-1, 1)])

    def chain(t):
        return evaluate_unit_chains(np.asarray(t)[:, None], W, b1, c[None, :])[:, 0]

    found = np.sort(find_kinks(chain, -6.0, 6.0, n_grid=60001))
    predicted = np.sort([t - b1[0] for t, _ in kink_offsets(c)])
    # grid spacing 2e-4; find_kinks intersects the clean line pieces, so 1e-6 is ample
    assert predicted == pytest.approx(found, abs=1e-6)


def test_line_and_grid_points_span_the_data_with_a_margin():
    X1 = np.array([[0.0], [1.0], [3.0]])
    line = line_points(X1)
    assert line.shape == (801, 1)
    assert line[0, 0] < 0 and line[-1, 0] > 3  # margin beyond the data
    X2 = np.array([[0.0, 0.0], [1.0, 2.0]])
    grid = grid_points(X2)
    assert grid.shape == (81 * 81, 2)
    assert grid[:, 1].min() < 0 and grid[:, 1].max() > 2
    assert np.all(line_points(X2)[:, 1] == 0)  # along the first axis only


# ----------------------------------------------------------------------------- tables
def _trained(rows):
    keys = ["experiment", "dataset", "arch", "depth", "width", "beta", "init", "seed", "objective"]
    return pd.DataFrame(rows, columns=keys)


def test_optimality_flags_only_a_violated_lower_bound():
    lasso = pd.DataFrame({"dataset": ["a"], "depth": [3], "beta": [0.1], "objective": [1.0]})
    trained = _trained(
        [
            ["e", "a", "reflection", 3, 4, 0.1, "random", 0, 1.2],
            ["e", "a", "reflection", 3, 4, 0.1, "random", 1, 0.9],  # below: a bug
            ["e", "a", "standard", 3, 4, 0.1, "random", 0, 0.9],  # no proved bound
        ]
    )
    table = optimality_table(lasso, trained, objective_rtol=1e-6, near_rtol=0.05)
    assert table["below_bound"].tolist() == [False, True, False]
    assert table["rel_gap"].tolist() == pytest.approx([0.2, -0.1, -0.1], rel=1e-12)


def test_accuracy_and_linear_baseline_on_separable_data():
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    data = {
        "X": X,
        "y": np.array([-1.0, -1, 1, 1]),
        "X_test": -X,
        "y_test": np.array([1.0, 1, -1, -1]),
    }
    row = accuracy_row("least squares", least_squares(data["X"], data["y"]), data)
    assert row["train"] == 1.0 and row["test"] == 1.0
    assert accuracy([1, -1], [0.0, 0.5]) == 0.5  # 0 counts as +1


def test_markdown_rounds_floats_and_escapes_bars():
    frame = pd.DataFrame({"depth": [2, 3], "symmetry": [0.123456, float("nan")], "k": ["a|b", "c"]})
    text = markdown_table(frame)
    assert text.splitlines()[0] == "| depth | symmetry | k |"
    assert "| 2 | 0.1235 | a\\|b |" in text
    assert "| 3 |  | c |" in text  # NaN: an empty cell


def test_named_tables_go_to_the_outputs_of_the_same_name(tmp_path):
    frame = pd.DataFrame({"a": [1, 2]})
    outputs = {"t": tmp_path / "t.csv", "t_md": tmp_path / "t.md"}
    write_named_tables({"t": frame, "t_md": frame}, outputs, {"t_md": "Title"})
    assert pd.read_csv(outputs["t"]).equals(frame)
    assert outputs["t_md"].read_text().startswith("# Title\n\n| a |")
    with pytest.raises(KeyError, match="outputs without a table: \\['t_md'\\]"):
        write_named_tables({"t": frame}, outputs)
    with pytest.raises(KeyError, match="tables without an output: \\['u'\\]"):
        write_named_tables({"t": frame, "t_md": frame, "u": frame}, outputs)
