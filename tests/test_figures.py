"""Every figure function draws from small synthetic tables shaped like the workflow's."""

import numpy as np
import pandas as pd
import pytest

from reflasso.analysis import kink_candidates, kink_table, line_points
from reflasso.chains import evaluate_unit_chains
from reflasso.figures import FIGURES, save_figure

X1 = np.array([[0.0], [2.0], [6.0], [7.0]])
Y1 = np.array([0.0, 0.0, 3.0, 3.0])
LINE = line_points(X1)[:, 0]


def _curve(**tags):
    return pd.DataFrame({"x1": LINE, "prediction": np.abs(LINE - 2.0) * 0.5, **tags})


def _data(dataset="toy"):
    return pd.DataFrame({"dataset": dataset, "x1": X1[:, 0], "y": Y1})


def _points(dataset="toy"):
    return kink_candidates(X1[:, 0], max_order=2).assign(dataset=dataset)


def toy1d_tables():
    curves = pd.concat([_curve(dataset="toy", depth=d, beta=1e-3) for d in (2, 3)])
    value = evaluate_unit_chains(LINE[:, None], [[1.0]], [-2.0], [[4.0]])[:, 0]
    features = pd.concat(
        [
            pd.DataFrame(
                {
                    "dataset": "toy",
                    "depth": d,
                    "beta": 1e-3,
                    "feature": 7,
                    "x1": LINE,
                    "value": value,
                }
            )
            for d in (2, 3)
        ]
    )
    return {"curves": curves, "features": features, "data": _data(), "points": _points()}


def simulated_tables():
    curves = pd.concat(
        [_curve(dataset="sim", init=i, seed=s) for i in ("lasso", "random") for s in (0, 1)]
    )
    kinks = pd.DataFrame(
        {
            "dataset": "sim",
            "init": ["lasso", "random", "random"],
            "location": [2.0, -2.0, 3.3],
            "kind": ["data", "reflection", "reflection"],
            "order": [0, 1, np.nan],
        }
    )
    return {
        "curves": curves,
        "lasso_curves": _curve(dataset="sim", depth=3),
        "data": _data("sim"),
        "kinks": kinks,
    }


def planes2d_tables():
    axis = np.linspace(-1, 1, 11)
    a, b = np.meshgrid(axis, axis)
    grids = pd.concat(
        [
            pd.DataFrame(
                {
                    "x1": a.ravel(),
                    "x2": b.ravel(),
                    "prediction": np.abs(a - b).ravel(),
                    "dataset": "plane",
                    "depth": d,
                }
            )
            for d in (2, 3)
        ]
    )
    lines = pd.concat(
        [
            kink_table([1.0], [[0.5, -0.5]], [0.1], [[0.3]] if d == 3 else np.zeros((1, 0))).assign(
                dataset="plane", depth=d
            )
            for d in (2, 3)
        ]
    )
    data = pd.DataFrame({"dataset": "plane", "x1": [-0.5, 0.5], "x2": [0.2, -0.3], "y": [1, -1]})
    angles = pd.DataFrame({"dataset": "plane", "depth": [2, 3], "angle_deg": [0.5, 3.0]})
    return {"grids": grids, "lines": lines, "data": data, "angles": angles}


def depth_symmetry_tables():
    curves = pd.concat(
        [
            _curve(dataset="toy", width=w, depth=d, seed=s)
            for w in (1, 8)
            for d in (2, 3)
            for s in (0, 1)
        ]
    )
    trained = [
        {
            "source": "trained",
            "width": w,
            "depth": d,
            "seed": s,
            "fits": s == 0,
            "symmetry": 0.1 * d + 0.01 * s,
        }
        for w in (1, 8)
        for d in (2, 3)
        for s in (0, 1)
    ]
    lasso = [
        {"source": "lasso", "depth": d, "symmetry": 0.2 * d, "null_q05": 0.1, "null_q95": 0.3}
        for d in (2, 3, 4)
    ]
    return {"curves": curves, "data": _data(), "symmetry": pd.DataFrame(trained + lasso)}


def orthogonality_tables():
    rng = np.random.default_rng(0)
    angles = pd.concat(
        [
            pd.DataFrame(
                {
                    "source": source,
                    "reference": reference,
                    "depth": depth,
                    "angle_deg": rng.uniform(0, scale, 20),
                }
            )
            for source, scale in (
                ("trained", 1.0),
                ("shuffled", 30.0),
                ("null:trained", 20.0),
                ("random", 40.0),
            )
            for reference in ("active", "planes", "other planes")
            for depth in (2, 3)
        ]
    )
    return {"angles": angles}


def llm_embeddings_tables():
    curves = pd.concat(
        [
            _curve(reduction=r, depth=d, model=m)
            for r in ("pca", "pls")
            for d in (2, 3)
            for m in ("Lasso L2", "reflection network L2")
        ]
    )
    data = pd.concat(
        [_data().assign(reduction=r, y=[-1, -1, 1, 1], text=list("abcd")) for r in ("pca", "pls")]
    )
    kinks = pd.DataFrame(
        [
            {"reduction": r, "depth": d, "split": s, "n_train": 4, "position": p, "kind": k}
            for r in ("pca", "pls")
            for d in (2, 3)
            for s in (0, 1)
            for p, k in ((2.0, "text"), (-2.0, "reflection"), (1.0, "midpoint"), (5.5, "other"))
        ]
    )
    labels = pd.DataFrame(
        {"reduction": "pls", "depth": 3, "position": [2.0], "weight": [1.0], "texts": ["b, a"]}
    )
    return {"curves": curves, "data": data, "kinks": kinks, "labels": labels}


def llm_learning_curve_tables():
    rows = [
        {
            "reduction": r,
            "dim": dim,
            "n_train": n,
            "split": s,
            "model": m,
            "test": 0.7 + 0.05 * np.log10(n) + 0.01 * s,
            "n_fit": min(n, 100) if "Lasso" in m else n,
        }
        for r, dim, sizes in (("pls", 1, (10, 100, 1000)), ("pca", 2, (1000,)))
        for n in sizes
        for s in (0, 1, 2)
        for m in ("Lasso L3", "reflection L3", "least squares", "logistic, full embedding")
    ]
    return {"runs": pd.DataFrame(rows)}


def optimality_tables():
    optimality = pd.DataFrame(
        {
            "experiment": "toy1d",
            "init": ["lasso", "random"],
            "lasso_objective": [0.5, 0.5],
            "trained_objective": [0.5, 0.6],
        }
    )
    lasso = pd.DataFrame(
        {"dataset": "toy", "depth": [2, 3], "kkt_max": [1.0, 0.999], "random_max": [0.9, 0.8]}
    )
    return {"optimality": optimality, "lasso": lasso}


TABLES = {
    "toy1d": toy1d_tables,
    "simulated": simulated_tables,
    "planes2d": planes2d_tables,
    "orthogonality": orthogonality_tables,
    "depth_symmetry": depth_symmetry_tables,
    "llm_embeddings": llm_embeddings_tables,
    "llm_learning_curve": llm_learning_curve_tables,
    "optimality": optimality_tables,
}


def test_every_figure_has_tables_here():
    assert set(TABLES) == set(FIGURES)


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figure_is_labelled_and_saved(name, tmp_path):
    figure = FIGURES[name](**TABLES[name]())
    drawn = [ax for ax in figure.axes if ax.has_data()]
    assert drawn, "nothing drawn"
    for ax in drawn:
        if ax.get_label() == "<colorbar>":
            continue
        assert ax.get_xlabel() and ax.get_ylabel(), f"unlabelled axes in {name}"
    has_legend = bool(figure.legends) or any(ax.get_legend() for ax in figure.axes)
    assert has_legend, f"no legend in {name}"
    pdf, png = tmp_path / f"{name}.pdf", tmp_path / f"{name}.png"
    save_figure(figure, pdf, png)
    assert pdf.read_bytes()[:4] == b"%PDF" and png.read_bytes()[:4] == b"\x89PNG"
    assert not list(tmp_path.glob("*.tmp"))  # written through temporary files only
