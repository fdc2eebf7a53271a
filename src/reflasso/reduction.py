"""Reduce embeddings to a few dimensions (d = 1..3 for exact dictionaries).

Every method is a fitted linear map x = ((z - mean) / scale) @ components.T: standardise
with the training split's statistics, then project (PCA, a seeded Gaussian projection, or
a supervised PLS direction). The map is stored (npz, no pickle) so that the test split and
the grids of figures are mapped exactly as the training points were.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .io import DataError, save_npz_atomic

METHODS = ("pca", "random", "pls")


@dataclass(frozen=True)
class Reduction:
    """A fitted linear reduction from D embedding dimensions to ``dim``.

    ``explained_variance_ratio[k]``: the fraction of the (standardised) training variance
    along direction k, normalised to unit length (for PCA the usual ratio, decreasing).
    """

    method: str
    mean: np.ndarray  # (D,) training mean
    scale: np.ndarray  # (D,) training standard deviation (1 where a feature is constant)
    components: np.ndarray  # (dim, D) directions in standardised coordinates
    explained_variance_ratio: np.ndarray  # (dim,)
    seed: int = 0

    @property
    def dim(self) -> int:
        return self.components.shape[0]

    @property
    def input_dim(self) -> int:
        return self.components.shape[1]

    def transform(self, Z) -> np.ndarray:
        """Map embeddings (n, D) to reduced points (n, dim); rows are mapped independently."""
        Z = _as_matrix(Z, "Z")
        if Z.shape[1] != self.input_dim:
            raise DataError(
                f"this {self.method} reduction was fitted on {self.input_dim}-"
                f"dimensional embeddings, got {Z.shape[1]} columns"
            )
        return ((Z - self.mean) / self.scale) @ self.components.T

    def inverse_transform(self, X) -> np.ndarray:
        """Least-squares pre-image in embedding space (exact round trip for PCA at full rank)."""
        X = _as_matrix(X, "X")
        standardised = X @ np.linalg.pinv(self.components).T
        return standardised * self.scale + self.mean

    def to_dict(self) -> dict:
        """Plain arrays and scalars (what :meth:`save` writes)."""
        return {
            "method": self.method,
            "mean": self.mean,
            "scale": self.scale,
            "components": self.components,
            "explained_variance_ratio": self.explained_variance_ratio,
            "seed": self.seed,
        }

    @classmethod
    def from_dict(cls, values: dict) -> Reduction:
        method = str(values["method"])
        if method not in METHODS:
            raise DataError(f"unknown reduction method {method!r}; known: {METHODS}")
        return cls(
            method=method,
            mean=np.asarray(values["mean"], dtype=float),
            scale=np.asarray(values["scale"], dtype=float),
            components=np.asarray(values["components"], dtype=float),
            explained_variance_ratio=np.asarray(values["explained_variance_ratio"], dtype=float),
            seed=int(values["seed"]),
        )

    def save(self, path: str | os.PathLike) -> None:
        """Write an .npz (atomically; strings stored as unicode arrays, so no pickle)."""
        arrays = {key: np.asarray(value) for key, value in self.to_dict().items()}
        save_npz_atomic(path, **arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Reduction:
        with np.load(Path(path), allow_pickle=False) as data:
            return cls.from_dict({key: data[key] for key in data.files})


def fit_reduction(
    Z_train,
    method: str = "pca",
    dim: int = 2,
    seed: int = 0,
    y_train=None,
) -> Reduction:
    """Fit a reduction on the training embeddings only.

    ``method``: "pca"; "random" (seeded Gaussian directions with variance 1/D, so each
    coordinate keeps the scale of one standardised feature); or "pls" (supervised partial
    least squares against ``y_train``, labels or targets of the same rows).
    """
    if method not in METHODS:
        raise DataError(f"unknown reduction method {method!r}; use one of {METHODS}")
    Z_train = _as_matrix(Z_train, "Z_train")
    n, D = Z_train.shape
    if not isinstance(dim, (int, np.integer)) or not 1 <= dim <= min(n, D):
        raise DataError(
            f"dim must be an integer in 1..{min(n, D)} (rows and columns of Z_train), got {dim!r}"
        )
    mean = Z_train.mean(axis=0)
    std = Z_train.std(axis=0)
    scale = np.where(std > 1e-12 * max(1.0, float(np.abs(mean).max())), std, 1.0)
    standardised = (Z_train - mean) / scale
    if method == "pca":
        components = _pca_directions(standardised, dim)
    elif method == "random":
        components = np.random.default_rng(seed).normal(0.0, 1.0 / np.sqrt(D), (dim, D))
    else:
        components = _pls_directions(standardised, y_train, dim, n)
    return Reduction(
        method, mean, scale, components, _variance_ratio(standardised, components), int(seed)
    )


def reduce_train_test(
    Z_train, Z_test, method: str = "pca", dim: int = 2, seed: int = 0, y_train=None
) -> tuple[np.ndarray, np.ndarray, Reduction]:
    """Fit on the training rows only and map both splits: (X_train, X_test, reduction)."""
    reduction = fit_reduction(Z_train, method=method, dim=dim, seed=seed, y_train=y_train)
    return reduction.transform(Z_train), reduction.transform(Z_test), reduction


def _pca_directions(standardised: np.ndarray, dim: int) -> np.ndarray:
    _, _, vt = np.linalg.svd(standardised, full_matrices=False)
    components = vt[:dim]
    # fix the sign (largest loading positive) so that runs and platforms agree
    largest = components[np.arange(dim), np.abs(components).argmax(axis=1)]
    return components * np.sign(largest)[:, None]


def _pls_directions(standardised: np.ndarray, y_train, dim: int, n: int) -> np.ndarray:
    from sklearn.cross_decomposition import PLSRegression

    if y_train is None:
        raise DataError(
            "method='pls' is supervised: pass y_train (labels or targets of the training rows)"
        )
    y = np.asarray(y_train, dtype=float).reshape(-1)
    if y.shape[0] != n or not np.isfinite(y).all():
        raise DataError(
            f"y_train must hold {n} finite values (one per training row), got shape {y.shape}"
        )
    if np.ptp(y) == 0:
        raise DataError("y_train is constant; PLS needs both classes (or a varying target)")
    # data are standardised already; PLS scores are then standardised @ x_rotations_
    pls = PLSRegression(n_components=dim, scale=False).fit(standardised, y)
    components = pls.x_rotations_.T
    # orient each direction so that it correlates positively with y
    signs = np.sign((standardised @ components.T).T @ (y - y.mean()))
    return components * np.where(signs == 0, 1.0, signs)[:, None]


def _variance_ratio(standardised: np.ndarray, components: np.ndarray) -> np.ndarray:
    units = components / np.linalg.norm(components, axis=1, keepdims=True)
    total = float((standardised**2).sum())
    if total == 0.0:
        return np.zeros(components.shape[0])
    return ((standardised @ units.T) ** 2).sum(axis=0) / total


def _as_matrix(values, name: str) -> np.ndarray:
    matrix = np.asarray(values, dtype=float)
    if matrix.ndim != 2 or matrix.shape[0] == 0:
        raise DataError(f"{name} must be a non-empty 2-D array (n x D), got shape {matrix.shape}")
    if not np.isfinite(matrix).all():
        raise DataError(f"{name} contains NaN or inf")
    return matrix
