"""`reflasso fit` on .npz and CSV data."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from reflasso.cli import main
from reflasso.lasso import LassoFit, fit_lasso

X = np.array([[0.0, 1.0], [2.0, 0.5], [6.0, -1.0], [7.0, 2.0], [3.0, 3.0]])
Y = np.array([0.0, 0.0, 3.0, 3.0, 1.0])


def fit_arguments(data, out, depth=2, beta=0.1, *extra) -> list[str]:
    """Arguments of `reflasso fit` on ``data`` into ``out``."""
    return [
        "fit",
        "--data",
        str(data),
        "--depth",
        str(depth),
        "--beta",
        str(beta),
        *extra,
        "--out",
        str(out),
    ]


def check_output(out, depth, beta):
    metrics = json.loads((out / "metrics.json").read_text())
    assert {"objective", "n_active", "certificate", "provenance"} <= set(metrics)
    assert metrics["certificate"]["ok"]
    with np.load(out / "solution.npz", allow_pickle=False) as data:
        assert data["coef"].shape == (metrics["dictionary"]["size"],)
        assert np.count_nonzero(data["coef"]) == metrics["n_active"]
    direct = fit_lasso(X, Y, depth=depth, beta=beta, n_random=10)
    # same data, same deterministic solver: equal up to rounding (1e-9)
    assert metrics["objective"] == pytest.approx(direct.objective, rel=1e-9)
    assert LassoFit.load(out).objective == pytest.approx(metrics["objective"], rel=1e-14)


def test_fit_npz(tmp_path):
    data = tmp_path / "data.npz"
    np.savez(data, X=X, y=Y)
    out = tmp_path / "fit"
    assert main(fit_arguments(data, out)) == 0
    check_output(out, 2, 0.1)


def test_fit_csv(tmp_path):
    data = tmp_path / "data.csv"
    pd.DataFrame({"x1": X[:, 0], "x2": X[:, 1], "y": Y}).to_csv(data, index=False)
    out = tmp_path / "fit"
    assert main(fit_arguments(data, out, 3, 0.05, "--solver", "working-set")) == 0
    check_output(out, 3, 0.05)


def test_fit_subprocess(tmp_path):
    data = tmp_path / "data.npz"
    np.savez(data, X=X, y=Y)
    out = tmp_path / "fit"
    result = subprocess.run(
        [sys.executable, "-m", "reflasso.cli", *fit_arguments(data, out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    check_output(out, 2, 0.1)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--depth", "2", "--beta", "-1"], "beta"),
        (["--depth", "1", "--beta", "0.1"], "depth"),
    ],
)
def test_fit_bad_arguments_write_nothing(tmp_path, caplog, arguments, message):
    data = tmp_path / "data.npz"
    np.savez(data, X=X, y=Y)
    out = tmp_path / "fit"
    assert main(["fit", "--data", str(data), *arguments, "--out", str(out)]) == 2
    assert message in caplog.text
    assert not (out / "metrics.json").exists()


def test_fit_bad_data(tmp_path, caplog):
    data = tmp_path / "data.npz"
    np.savez(data, X=np.array([[0.0], [np.nan]]), y=np.array([0.0, 1.0]))
    assert main(fit_arguments(data, tmp_path / "fit")) == 2
    assert "NaN" in caplog.text


def test_max_memory_sizes():
    from reflasso.cli import parse_bytes

    assert parse_bytes("4GB") == 4e9 and parse_bytes("500MB") == 5e8
    assert parse_bytes("2GiB") == 2 * 2**30 and parse_bytes("2e9") == 2e9
    with pytest.raises(Exception, match="not a size"):
        parse_bytes("lots")


def test_fit_generate_with_path(tmp_path):
    data = tmp_path / "data.npz"
    np.savez(data, X=X, y=Y)
    out = tmp_path / "fit"
    extra = ("--solver", "generate", "--max-memory", "1GB", "--path", "3")
    assert main(fit_arguments(data, out, 2, 0.1, *extra)) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["certificate"]["ok"] and metrics["certificate"]["kkt_scope"] == "all chains"
    assert metrics["dictionary"]["kind"] == "generated"
    path = pd.read_csv(out / "path.csv")
    assert len(path) == 3 and path["certified"].all()
    assert (np.diff(path["beta"]) < 0).all() and (np.diff(path["objective"]) <= 1e-12).all()
