"""Data loading and atomic writes (reflasso.io)."""

import json

import numpy as np
import pandas as pd
import pytest

from reflasso.io import DataError, check_xy, load_xy, save_npz_atomic, write_json_atomic


def test_npz_and_csv_give_the_same_data(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(5, 2)), rng.normal(size=5)
    np.savez(tmp_path / "d.npz", X=X, y=y)
    pd.DataFrame({"x1": X[:, 0], "x2": X[:, 1], "y": y}).to_csv(tmp_path / "d.csv", index=False)
    X_npz, y_npz = load_xy(tmp_path / "d.npz")
    X_csv, y_csv = load_xy(tmp_path / "d.csv")
    # CSV goes through decimal text: pandas round-trips float64 to ~1 ulp.
    np.testing.assert_allclose(X_csv, X_npz, rtol=1e-15)
    np.testing.assert_allclose(y_csv, y_npz, rtol=1e-15)
    np.testing.assert_array_equal(X_npz, X)


def test_csv_columns_are_ordered_numerically(tmp_path):
    frame = pd.DataFrame({f"x{i}": [float(i), float(i)] for i in (10, 2, 1)})
    frame["y"] = [0.0, 1.0]
    frame.to_csv(tmp_path / "d.csv", index=False)
    X, _ = load_xy(tmp_path / "d.csv")
    np.testing.assert_array_equal(X[0], [1.0, 2.0, 10.0])


@pytest.mark.parametrize(
    "X, y, message",
    [
        (np.ones((3, 2)), np.ones(4), "rows"),
        (np.ones((1, 2)), np.ones(1), "at least 2"),
        (np.array([[0.0], [np.nan]]), np.ones(2), "NaN"),
        (np.array([[0.0], [1.0]]), np.array([0.0, np.inf]), "NaN or inf"),
        (np.ones((2, 2, 2)), np.ones(2), "2-D"),
    ],
)
def test_bad_data_is_named(X, y, message):
    with pytest.raises(DataError, match=message):
        check_xy(X, y)


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        load_xy(tmp_path / "absent.npz")
    np.savez(tmp_path / "bad.npz", X=np.ones((3, 1)))
    with pytest.raises(DataError, match="missing array"):
        load_xy(tmp_path / "bad.npz")
    (tmp_path / "bad.txt").write_text("1 2 3")
    with pytest.raises(DataError, match="unsupported"):
        load_xy(tmp_path / "bad.txt")


def test_atomic_writes_leave_old_file_on_failure(tmp_path):
    target = tmp_path / "metrics.json"
    write_json_atomic(target, {"objective": np.float64(1.5), "coef": np.arange(2)})
    assert json.loads(target.read_text()) == {"objective": 1.5, "coef": [0, 1]}
    with pytest.raises(TypeError):
        write_json_atomic(target, {"bad": object()})
    assert json.loads(target.read_text())["objective"] == 1.5
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]
    save_npz_atomic(tmp_path / "a.npz", z=np.arange(3))
    with np.load(tmp_path / "a.npz") as data:
        np.testing.assert_array_equal(data["z"], np.arange(3))
