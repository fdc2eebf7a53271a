"""The llm-embeddings experiment (docs/method.md §4) at real size.

Embedded texts are split once per seed into a held-out test set and a training pool; the
training sample of size n is a *nested* balanced prefix of one seeded ordering of the pool
(the sample of size 100 is inside the one of size 300, and so on), so a learning curve
compares growing training sets, not independent draws.  The reduction is fitted on the
training sample only.  Every model of a data set (exact Lasso with beta chosen by K-fold
cross-validation, trained networks, linear baselines) sees the same reduced points; a
logistic regression on the full embedding is the ceiling of what the reduction keeps.

The workflow's scripts call these functions; nothing here reads the config.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .analysis import accuracy, lasso_kinks_on_first_axis
from .io import DataError
from .reduction import fit_reduction

# Kinds of a Lasso kink along one reduced dimension, in the order they are tested.
KINK_KINDS = ("text", "reflection", "midpoint", "other")


# ----------------------------------------------------------------------------- splits
def nested_balanced_order(labels, rows, seed: int) -> np.ndarray:
    """``rows`` reordered as +1, -1, +1, -1, ... (each class in a seeded random order).

    Every even-length prefix is balanced, and a shorter prefix is inside a longer one.
    Only as many rows as the smaller class allows twice are kept.
    """
    labels, rows = np.asarray(labels), np.asarray(rows, dtype=np.int64)
    rng = np.random.default_rng(seed)
    positive = rng.permutation(rows[labels[rows] > 0])
    negative = rng.permutation(rows[labels[rows] < 0])
    pairs = min(len(positive), len(negative))
    return np.column_stack([positive[:pairs], negative[:pairs]]).ravel()


def split_rows(labels, *, n_train: int, test_fraction: float, seed: int):
    """(training rows in nested balanced order, test rows): a seeded stratified split of
    all rows, then the first ``n_train`` rows of the pool's nested balanced order."""
    from sklearn.model_selection import train_test_split

    labels = np.asarray(labels)
    if not 0.0 < test_fraction < 1.0:
        raise DataError(f"text.test_fraction must be in (0, 1), got {test_fraction}")
    if n_train < 2 or n_train % 2:
        raise DataError(f"training sizes must be even and >= 2 (balanced), got {n_train}")
    pool, test = train_test_split(
        np.arange(len(labels)), test_size=test_fraction, random_state=seed, stratify=labels
    )
    order = nested_balanced_order(labels, np.sort(pool), seed)
    if len(order) < n_train:
        raise DataError(
            f"n_train={n_train} needs {n_train // 2} texts per class in the training pool, "
            f"which has {len(order) // 2} of the smaller class; lower text.n_train or "
            "text.test_fraction, or embed more texts (text.pool_size)"
        )
    return order[:n_train], np.sort(test)


def reduced_data(Z, labels, train_rows, test_rows, method: str, dim: int, seed: int):
    """The reduced training and test points and the reduction, fitted on the training rows."""
    labels = np.asarray(labels, dtype=float)
    reduction = fit_reduction(Z[train_rows], method, dim, seed, labels[train_rows])
    data = {
        "X": np.asarray(reduction.transform(Z[train_rows]), float),
        "y": labels[train_rows],
        "X_test": np.asarray(reduction.transform(Z[test_rows]), float),
        "y_test": labels[test_rows],
        "rows": np.asarray(train_rows, dtype=np.int64),
        "rows_test": np.asarray(test_rows, dtype=np.int64),
    }
    return data, reduction


# -------------------------------------------------------------------------- baselines
def least_squares(X, y):
    """Least-squares line (with intercept) of the labels; returns its predict function."""
    design = np.column_stack([X, np.ones(len(X))])
    weights, *_ = np.linalg.lstsq(design, y, rcond=None)
    return lambda Z: np.column_stack([Z, np.ones(len(Z))]) @ weights


def logistic(X, y):
    """L2-regularised logistic regression (scikit-learn's default C = 1, lbfgs);
    returns its decision function (positive means +1)."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(max_iter=5000).fit(X, y)
    return model.decision_function


BASELINES = {"least squares": least_squares, "logistic": logistic}
CEILING = "logistic, full embedding"


def baseline_accuracies(data: dict, Z=None) -> list[dict]:
    """Train and test accuracy of the baselines on the reduced points, and (given the
    embeddings Z) of the logistic regression on the full embedding of the same rows."""
    rows = [
        accuracy_row(model, fit(data["X"], data["y"]), data) for model, fit in BASELINES.items()
    ]
    if Z is not None:
        full = {
            "X": Z[data["rows"]],
            "y": data["y"],
            "X_test": Z[data["rows_test"]],
            "y_test": data["y_test"],
        }
        rows.append(accuracy_row(CEILING, logistic(full["X"], full["y"]), full))
    return rows


def accuracy_row(model: str, predict, data: dict) -> dict:
    """Sign accuracy of ``predict`` on the training and test points of ``data``."""
    return {
        "model": model,
        "train": accuracy(data["y"], predict(data["X"])),
        "test": accuracy(data["y_test"], predict(data["X_test"])),
    }


def curve_points(x, num: int = 801, margin: float = 0.05) -> np.ndarray:
    """(num, 1) points spanning the 1-D data with ``margin`` of its range on each side."""
    x = np.asarray(x, float).ravel()
    low, high = x.min(), x.max()
    pad = margin * (high - low if high > low else 1.0)
    return np.linspace(low - pad, high + pad, num)[:, None]


# ------------------------------------------------------------------------------ Lasso
def fit_cv_lasso(
    X,
    y,
    depth: int,
    *,
    max_train: int | None,
    folds: int,
    n_betas: int,
    ratio: float,
    seed: int = 0,
    **fit_options,
):
    """Exact Lasso with beta chosen by K-fold cross-validated accuracy over ``n_betas``
    values from below beta_max down to ``ratio * beta_max`` (geometric).

    The fit uses the first ``max_train`` rows (None: all): with rows in nested balanced
    order (``split_rows``) that is a balanced subsample, for the cases the exact solver
    cannot certify on the whole training set in the time budget.  Returns (the fit at the
    chosen beta on those rows, a table with one row per beta); ``fit_options`` go to
    ``fit_lasso``.  Uncertified fits raise ``NotCertifiedError``, never come back.
    """
    from .path import beta_grid, cross_validate_beta

    n = len(X) if max_train is None else min(int(max_train), len(X))
    X, y = np.asarray(X, float)[:n], np.asarray(y, float)[:n]
    # the grid's first value, beta_max, gives the constant fit (chance accuracy): skip it
    betas = beta_grid(X, y, depth, n_betas=n_betas + 1, ratio=ratio, **fit_options)[1:]
    cv = cross_validate_beta(
        X, y, depth, betas, folds=folds, seed=seed, scoring="accuracy", refit=True, **fit_options
    )
    table = pd.DataFrame(
        {
            "beta": np.asarray(cv.betas, float),
            "mean_accuracy": np.asarray(cv.mean_score, float),
            "std_accuracy": np.asarray(cv.std_score, float),
        }
    )
    table["chosen"] = np.isclose(table["beta"], float(cv.best_beta), rtol=1e-12, atol=0)
    fit = cv.refit
    return fit, table


# -------------------------------------------------------------------------------- kinks
def _near(sorted_x: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Distance from each target to the nearest value of the sorted array."""
    right = np.clip(np.searchsorted(sorted_x, targets), 1, len(sorted_x) - 1)
    return np.minimum(np.abs(targets - sorted_x[right - 1]), np.abs(targets - sorted_x[right]))


def kink_kinds(positions, x_train, tol: float) -> np.ndarray:
    """Kind of each 1-D kink position: "text" (within ``tol`` of a training point),
    "reflection" (of some 2x_j - x_k), "midpoint" (of some (x_j + x_k) / 2), else "other".

    Each test is a sorted search, O(n log n) per kink, so thousands of texts are fine.
    Only exact positions (from chain parameters) should be matched with a tiny ``tol``:
    with n points there are about n^2 reflections, so a loose tolerance matches anything.
    """
    x = np.sort(np.asarray(x_train, float).ravel())
    if len(x) < 2:
        raise DataError("kinds of kinks need at least 2 training points")
    kinds = []
    for p in np.asarray(positions, float).ravel():
        if _near(x, np.array([p]))[0] <= tol:
            kinds.append("text")
        elif (_near(x, 2 * x - p) <= tol).any():  # p = 2x_j - x_k  <=>  x_k = 2x_j - p
            kinds.append("reflection")
        elif (_near(x, 2 * p - x) <= tol).any():  # p = (x_j + x_k) / 2
            kinds.append("midpoint")
        else:
            kinds.append("other")
    return np.asarray(kinds, dtype=object)


def lasso_kinks(fit, x_train, tol: float) -> pd.DataFrame:
    """Kinks of the active features of a 1-D Lasso fit, one row per (feature, kink).

    ``kind`` as in :func:`kink_kinds`; ``weight`` is the change of slope 2|z_j w_j| that the
    kink puts into the fitted function (features sharing a kink each have a row); ``level``
    is the layer that kinks there.
    """
    found = lasso_kinks_on_first_axis(fit)
    columns = ["position", "weight", "kind", "level"]
    if found.empty:
        return pd.DataFrame(columns=columns)
    weight = 2 * np.abs(found["coef"].to_numpy()) * np.abs(found["w1"].to_numpy())
    return pd.DataFrame(
        {
            "position": found["position"].to_numpy(),
            "weight": weight,
            "kind": kink_kinds(found["position"], x_train, tol),
            "level": found["level"].to_numpy(),
        }
    )


def texts_near_kinks(
    kinks: pd.DataFrame, x_train, texts, *, top: int = 5, per_kink: int = 2, min_gap: float = 0.04
) -> pd.DataFrame:
    """The ``per_kink`` training texts nearest to each of the ``top`` largest kinks: what
    the figure writes.  Kinks at one place are merged (their weights add up); a kink
    closer than ``min_gap`` times the data range to a larger chosen one is skipped, so
    that the written words do not overlap."""
    columns = ["position", "weight", "kind", "texts"]
    if kinks.empty:
        return pd.DataFrame(columns=columns)
    x_train = np.asarray(x_train, float).ravel()
    merged = (
        kinks.assign(place=kinks["position"].round(9))
        .groupby("place", as_index=False)
        .agg(position=("position", "first"), weight=("weight", "sum"), kind=("kind", "first"))
        .sort_values("weight", ascending=False, kind="stable")
    )
    gap = min_gap * float(np.ptp(x_train))
    chosen = []
    for row in merged.itertuples():
        if len(chosen) < top and all(abs(row.position - c.position) >= gap for c in chosen):
            chosen.append(row)
    words = [
        ", ".join(
            str(texts[i])
            for i in np.argsort(np.abs(x_train - c.position), kind="stable")[:per_kink]
        )
        for c in chosen
    ]
    return pd.DataFrame(
        {
            "position": [c.position for c in chosen],
            "weight": [c.weight for c in chosen],
            "kind": [c.kind for c in chosen],
            "texts": words,
        }
    )


# ------------------------------------------------------------------------------ tables
def accuracy_summary(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean, standard deviation and count over splits of train and test accuracy per
    (reduction, dim, n_train, model); ``n_fit`` is the largest number of training rows a
    model was fitted on (below n_train for a Lasso fitted on a subsample)."""
    keys = ["reduction", "dim", "n_train", "model"]
    stats = runs.groupby(keys)[["train", "test"]].agg(["mean", "std", "count"])
    stats.columns = [f"{value}_{stat}" for value, stat in stats.columns]
    n_fit = runs.groupby(keys)["n_fit"].max().rename("n_fit")
    return stats.join(n_fit).reset_index()


def model_order(models) -> list[str]:
    """Models sorted for tables and figures: Lasso, networks, baselines, ceiling."""

    def key(model: str):
        group = (
            0
            if model.startswith("Lasso")
            else 3
            if model == CEILING
            else 2
            if model in BASELINES
            else 1
        )
        return group, model

    return sorted(set(models), key=key)
