"""Small synthetic data sets of docs/method.md §4 (toy-1d, simulated, planes-2d).

Every data set is described by a plain dict (as written in ``config/config.yaml``) and
built by ``make_toy_dataset``:

- ``points1d``: explicit 1-D points ``x`` with targets ``y`` (the sets of the 1-D
  predecessor paper);
- ``embedded``: a ``points1d`` set placed in R^dim with all other coordinates zero
  (the paper's "simulated" set: points (t_n, 0) in R^2);
- ``random2d``: ``n`` seeded uniform points in [-1, 1]^2 with a target ``xor``
  (sign(x1 * x2)) or ``ring`` (+1 outside radius 0.6, -1 inside), small genuinely 2-D
  sets whose Lasso features are hyperplanes through data points;
- ``random3d``: the same in [-1, 1]^3 (xor: sign(x1 x2 x3)), where few data-spanned
  planes leave random directions far from all of them (the orthogonality check);
- ``shuffled``: a ``points1d``, ``random2d`` or ``random3d`` source with its labels
  permuted by ``seed`` (a negative control: same inputs, no relation to the labels).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .io import DataError, check_xy

KINDS = ("points1d", "embedded", "random2d", "random3d", "shuffled")
SHUFFLE_SOURCES = ("points1d", "random2d", "random3d")
TARGETS = ("xor", "ring")
RING_RADIUS = 0.6


def points_1d(x, y) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) with X of shape (n, 1) from explicit 1-D points."""
    return check_xy(np.asarray(x, dtype=float)[:, None], y, name="points1d")


def embed_in_space(X: np.ndarray, dim: int) -> np.ndarray:
    """Place the columns of X in the first coordinates of R^dim (the rest zero)."""
    X = np.asarray(X, dtype=float)
    if dim < X.shape[1]:
        raise DataError(f"cannot embed {X.shape[1]}-D points in R^{dim}")
    return np.hstack([X, np.zeros((X.shape[0], dim - X.shape[1]))])


def random_planar(n: int, seed: int, target: str, dim: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """n seeded uniform points in [-1, 1]^dim with labels +-1 from ``target``."""
    if target not in TARGETS:
        raise DataError(f"unknown random{dim}d target {target!r}; choose one of {TARGETS}")
    if n < 2:
        raise DataError(f"random{dim}d needs n >= 2 points, got {n}")
    X = np.random.default_rng(seed).uniform(-1.0, 1.0, size=(n, dim))
    if target == "xor":
        y = np.sign(np.prod(X, axis=1))
    else:
        y = np.where(np.linalg.norm(X, axis=1) > RING_RADIUS, 1.0, -1.0)
    return X, np.where(y == 0, 1.0, y)


def make_toy_dataset(
    spec: Mapping, catalog: Mapping[str, Mapping] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Build (X, y) from a data-set description; ``catalog`` resolves ``embedded`` sources."""
    kind = spec.get("kind")
    if kind == "points1d":
        return points_1d(spec["x"], spec["y"])
    if kind == "embedded":
        source = (catalog or {}).get(spec["source"])
        if source is None or source.get("kind") != "points1d":
            raise DataError(f"embedded source {spec['source']!r} is not a points1d data set")
        X, y = points_1d(source["x"], source["y"])
        return embed_in_space(X, int(spec.get("dim", 2))), y
    if kind in ("random2d", "random3d"):
        dim = 2 if kind == "random2d" else 3
        return random_planar(int(spec["n"]), int(spec["seed"]), spec["target"], dim)
    if kind == "shuffled":
        source = (catalog or {}).get(spec["source"])
        if source is None or source.get("kind") not in SHUFFLE_SOURCES:
            raise DataError(
                f"shuffled source {spec['source']!r} is not a data set of kind "
                f"{' / '.join(SHUFFLE_SOURCES)}"
            )
        X, y = make_toy_dataset(source)
        return X, np.random.default_rng(int(spec["seed"])).permutation(y)
    raise DataError(f"unknown data-set kind {kind!r}; choose one of {KINDS}")
