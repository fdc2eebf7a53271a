"""Regularisation paths and cross-validation of the Lasso (paper.md section 2).

``lasso_path`` solves the Lasso for a decreasing grid of betas, each fit warm-started
from the previous one (column generation starts from its chains); ``cross_validate_beta``
picks beta by K-fold cross-validation on the training data it is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .io import check_depth, check_xy
from .lasso import LassoFit, beta_max, fit_lasso

SCORINGS = ("mse", "accuracy")


def beta_grid(X, y, depth: int, *, n_betas: int = 20, ratio: float = 1e-3, **fit_options):
    """n_betas geometric values from beta_max (the oracle's) down to ratio * beta_max."""
    if n_betas < 1 or not 0 < ratio <= 1:
        raise ValueError(f"need n_betas >= 1 and 0 < ratio <= 1 (got {n_betas}, {ratio})")
    price_options = {k: fit_options[k] for k in ("device",) if k in fit_options}
    if "oracle" in fit_options:
        price_options["method"] = fit_options["oracle"]
    top = beta_max(X, y, depth, **price_options)
    if top <= 0:
        raise ValueError("y is constant: beta_max = 0, every beta gives z = 0")
    return top * np.geomspace(1.0, ratio, n_betas)


def lasso_path(
    X, y, depth: int, betas=None, *, n_betas: int = 20, ratio: float = 1e-3, **fit_options
) -> list[LassoFit]:
    """Fits for each beta, largest first, each warm-started from the previous fit.

    ``betas``: values to use (sorted in decreasing order); default the geometric grid
    of ``beta_grid`` from beta_max down to ``ratio * beta_max``.  ``fit_options`` go to
    ``fit_lasso`` (solver, tol, max_memory, allow_uncertified, ...); every fit is
    certified as ``fit_lasso`` certifies it.
    """
    X, y = check_xy(X, y)
    depth = check_depth(depth)
    if betas is None:
        betas = beta_grid(X, y, depth, n_betas=n_betas, ratio=ratio, **fit_options)
    betas = np.sort(np.asarray(betas, dtype=float).ravel())[::-1]
    fits, previous = [], None
    for beta in betas:
        previous = fit_lasso(
            X, y, depth=depth, beta=float(beta), warm_start=previous, **fit_options
        )
        fits.append(previous)
    return fits


@dataclass
class CVResult:
    """K-fold cross-validation of beta: scores per beta (rows of ``fold_scores`` are
    folds), the chosen beta, out-of-fold predictions and the refit on all the data."""

    betas: np.ndarray
    mean_score: np.ndarray
    std_score: np.ndarray
    best_beta: float
    scoring: str
    fold_scores: np.ndarray
    predictions: np.ndarray  # (n, n_betas): each point predicted by the fold without it
    folds: np.ndarray  # fold index of each point
    refit: LassoFit | None = field(default=None, repr=False)


def cross_validate_beta(
    X,
    y,
    depth: int,
    betas=None,
    *,
    folds: int = 5,
    seed: int = 0,
    scoring: str = "mse",
    refit: bool = True,
    n_betas: int = 20,
    ratio: float = 1e-3,
    **fit_options,
) -> CVResult:
    """Choose beta by K-fold cross-validation on (X, y), the training data only.

    Points are split into ``folds`` random folds (``seed``); for each fold a path is
    fitted on the other folds and scored on it: ``scoring`` "mse" (mean squared error,
    lower is better) or "accuracy" (sign of the prediction equals sign of y, higher is
    better).  The grid (default ``beta_grid`` of all of X, y) is shared by the folds.
    ``refit``: fit the chosen beta on all of (X, y) too.
    """
    X, y = check_xy(X, y)
    depth = check_depth(depth)
    if scoring not in SCORINGS:
        raise ValueError(f"unknown scoring {scoring!r}; choose one of {SCORINGS}")
    if not 2 <= folds <= len(y):
        raise ValueError(f"folds must be between 2 and the number of points {len(y)} (got {folds})")
    if betas is None:
        betas = beta_grid(X, y, depth, n_betas=n_betas, ratio=ratio, **fit_options)
    betas = np.sort(np.asarray(betas, dtype=float).ravel())[::-1]
    fold_of = np.random.default_rng(seed).permutation(len(y)) % folds
    predictions = np.empty((len(y), len(betas)))
    scores = np.empty((folds, len(betas)))
    for k in range(folds):
        held = fold_of == k
        path = lasso_path(X[~held], y[~held], depth, betas, **fit_options)
        for j, fit in enumerate(path):
            predictions[held, j] = fit.predict(X[held])
            scores[k, j] = _score(predictions[held, j], y[held], scoring)
    mean = scores.mean(axis=0)
    best = int(np.argmin(mean) if scoring == "mse" else np.argmax(mean))
    result = CVResult(
        betas=betas,
        mean_score=mean,
        std_score=scores.std(axis=0),
        best_beta=float(betas[best]),
        scoring=scoring,
        fold_scores=scores,
        predictions=predictions,
        folds=fold_of,
    )
    if refit:
        result.refit = fit_lasso(X, y, depth=depth, beta=result.best_beta, **fit_options)
    return result


def _score(prediction: np.ndarray, y: np.ndarray, scoring: str) -> float:
    if scoring == "mse":
        return float(np.mean((prediction - y) ** 2))
    return float(np.mean(np.sign(prediction) == np.sign(y)))
