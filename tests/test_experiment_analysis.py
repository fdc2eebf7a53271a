"""The per-experiment analyses (reflasso.experiment_analysis) on small certified fits:
they take run dicts and data files and return the tables the workflow writes."""

import numpy as np
import pandas as pd
import pytest

from reflasso import fit_lasso
from reflasso.analysis import find_kinks, line_function
from reflasso.experiment_analysis import ANALYSES, TITLES, optimality, toy1d
from reflasso.io import save_npz_atomic, write_json_atomic

X = np.array([[0.0], [2.0], [6.0], [7.0]])
Y = np.array([0.0, 0.0, 3.0, 3.0])


@pytest.fixture(scope="module")
def toy_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("toy")
    save_npz_atomic(folder / "a.npz", X=X, y=Y)
    fit = fit_lasso(X, Y, depth=3, beta=1e-3)
    fit.save(folder / "L3")
    run = {"dataset": "a", "depth": 3, "beta": 1e-3, "dir": str(folder / "L3")}
    return fit, run, {"a": str(folder / "a.npz")}


def test_every_markdown_table_has_a_title():
    assert set(ANALYSES) == {
        "toy1d",
        "simulated",
        "planes2d",
        "orthogonality",
        "depth_symmetry",
        "llm",
        "optimality",
    }
    assert all(name.endswith("_md") and title for name, title in TITLES.items())


def test_toy1d_tables_hold_the_fit_and_its_kinks(toy_run):
    fit, run, data = toy_run
    tables = toy1d([run], data, certificate_tolerance=1e-5)
    assert set(tables) == {"curves", "features", "data", "points", "kinks", "kinks_md", "controls"}
    curves = tables["curves"]
    assert np.allclose(curves["prediction"], fit.predict(curves[["x1"]].to_numpy()))
    assert (curves[["dataset", "depth", "beta"]] == ["a", 3, 1e-3]).all().all()
    # the features add up to the fit (without its intercept) at every curve point
    summed = tables["features"].groupby("x1")["value"].sum()
    assert np.allclose(summed.to_numpy() + fit.intercept, curves.sort_values("x1")["prediction"])
    # every bend of the fitted function is at a kink of the table; the grid of find_kinks
    # has spacing ~1e-3 on the plotted window, and the crossing of its clean line pieces
    # is exact to rounding, so 1e-6 separates a match from a miss
    lo, hi = curves["x1"].min(), curves["x1"].max()
    bends = find_kinks(line_function(fit.predict), lo, hi, n_grid=20001)
    locations = tables["kinks"]["location"].to_numpy()
    assert len(bends) > 0
    assert all(np.min(np.abs(locations - b)) < 1e-6 for b in bends)
    assert tables["data"]["x1"].tolist() == X[:, 0].tolist()
    assert tables["controls"][["dataset", "depth", "beta"]].values.tolist() == [["a", 3, 1e-3]]


def test_optimality_compares_each_network_with_its_lasso_fit(toy_run, tmp_path):
    fit, run, _ = toy_run
    (tmp_path / "net").mkdir()
    write_json_atomic(tmp_path / "net" / "metrics.json", {"objective": 2 * fit.objective})
    net = {
        "experiment": "toy1d",
        **{k: run[k] for k in ("dataset", "depth", "beta")},
        **{"arch": "reflection", "width": 4, "init": "random", "seed": 0},
        "dir": str(tmp_path / "net"),
    }
    tables = optimality([run], [net], objective_rtol=1e-6, near_optimum_rtol=0.05)
    row = tables["optimality"].iloc[0]
    assert row["lasso_objective"] == pytest.approx(fit.objective, rel=1e-12)
    assert row["rel_gap"] == pytest.approx(1.0, rel=1e-9)  # twice the optimum
    assert not row["below_bound"] and not row["near_optimum"]
    assert bool(tables["lasso"]["ok"].iloc[0])
    # the network rebuilt from the saved fit has the Lasso optimum as objective: equal
    # up to float64 rounding of sums over a few points (1e-12 relative)
    assert abs(tables["lasso"]["reconstruction_gap"].iloc[0]) < 1e-12
    assert isinstance(tables["optimality_md"], pd.DataFrame)
