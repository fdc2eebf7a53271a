"""Geometric-algebra helpers for the Lasso features (docs/method.md §3.2-§3.3).

The two-layer features are l-infinity distances to hyperplanes spanned by training
data: the normal of the hyperplane spanned by d-1 vectors in R^d is their generalized
cross product, the Hodge dual *(v_1 ^ ... ^ v_(d-1)), whose coordinates are signed
(d-1) x (d-1) minors (cofactors).  All functions are vectorised over leading axes.
"""

from __future__ import annotations

import itertools

import numpy as np


def generalized_cross_product(vectors: np.ndarray) -> np.ndarray:
    """Hodge dual of the wedge of k = d-1 vectors in R^d, batched.

    ``vectors`` has shape (..., d-1, d); the result u (..., d) satisfies
    u . x = det([v_1; ...; v_(d-1); x]) for every x, so u is orthogonal to every v_i,
    ||u||_2 = |v_1 ^ ... ^ v_(d-1)| and u = 0 exactly when the v_i are dependent.
    For d = 1 (no vectors) u = 1.  The same formula gives the null vector of any
    (P-1) x P matrix of rank P-1 (used for vertex enumeration).
    """
    vectors = np.asarray(vectors, dtype=float)
    k, d = vectors.shape[-2:]
    if k != d - 1:
        raise ValueError(f"need d-1 vectors in R^d, got {k} vectors in R^{d}")
    if d == 1:
        return np.ones(vectors.shape[:-2] + (1,))
    columns = np.arange(d)
    if k <= 5:
        minors = _leave_one_out_minors(vectors)
    else:
        minors = np.stack([_det(vectors[..., columns != i]) for i in range(d)], axis=-1)
    # Expanding det([V; x]) along its last row gives the cofactor signs (-1)^(k + i).
    signs = (-1.0) ** (k + columns)
    return minors * signs


def _leave_one_out_minors(vectors: np.ndarray) -> np.ndarray:
    """The d minors of (..., k, d = k + 1) matrices, minor i leaving out column i.

    Bit for bit what ``_det`` gives for each minor (the same products, summed in the
    same order), but every sub-minor is computed once: the minors of the last s rows
    over each set of s columns, built up from s = 1 (a 1-D depth-5 pricing pass
    evaluates millions of 5 x 5 minors; ``_det``'s recursion redoes each sub-minor
    for every minor it belongs to). Exact dictionaries hash rounded columns built from
    these numbers, so they must not change by a rounding.
    """
    k, d = vectors.shape[-2:]
    # entries[r][c] contiguous (one transposed copy): products of strided views are slower
    entries = np.ascontiguousarray(np.moveaxis(vectors, (-2, -1), (0, 1)))
    below = {(c,): entries[k - 1][c] for c in range(d)}  # s = 1: the last row
    for size in range(2, k + 1):
        row = entries[k - size]
        below = {
            subset: _first_row_expansion(row, subset, below)
            for subset in itertools.combinations(range(d), size)
        }
    return np.stack([below[tuple(c for c in range(d) if c != i)] for i in range(d)], axis=-1)


def _first_row_expansion(row: np.ndarray, subset: tuple, below: dict) -> np.ndarray:
    """det of the rows from ``row`` (``row[c]``: its entries in column c) down over the
    columns ``subset``, expanded along ``row`` as ``_det`` does for that size
    (``below``: the minors one row lower)."""

    def rest(j):
        return below[subset[:j] + subset[j + 1 :]]

    if len(subset) == 2:  # _det's 2 x 2 closed form: a d - b c
        a, b = subset
        return row[a] * rest(0) - row[b] * rest(1)
    if len(subset) == 3:  # _det's 3 x 3 closed form
        a, b, c = subset
        return row[a] * rest(0) - row[b] * rest(1) + row[c] * rest(2)
    return sum((-1.0) ** j * row[c] * rest(j) for j, c in enumerate(subset))


def _det(matrices: np.ndarray) -> np.ndarray:
    """Batched determinant; closed forms up to size 5 (much faster than one LAPACK call each)."""
    size = matrices.shape[-1]
    m = matrices
    if size == 1:
        return m[..., 0, 0]
    if size == 2:
        return m[..., 0, 0] * m[..., 1, 1] - m[..., 0, 1] * m[..., 1, 0]
    if size == 3:
        return (
            m[..., 0, 0] * (m[..., 1, 1] * m[..., 2, 2] - m[..., 1, 2] * m[..., 2, 1])
            - m[..., 0, 1] * (m[..., 1, 0] * m[..., 2, 2] - m[..., 1, 2] * m[..., 2, 0])
            + m[..., 0, 2] * (m[..., 1, 0] * m[..., 2, 1] - m[..., 1, 1] * m[..., 2, 0])
        )
    if size <= 5:  # Laplace expansion along the first row, still vectorised
        columns = np.arange(size)
        return sum((-1.0) ** j * m[..., 0, j] * _det(m[..., 1:, columns != j]) for j in range(size))
    return np.linalg.det(m)


def wedge_magnitude(vectors: np.ndarray) -> np.ndarray:
    """|v_1 ^ ... ^ v_k| (k-volume of the parallelotope), batched over (..., k, d).

    Computed as sqrt(det(V V^T)) (Gram determinant); for k = d-1 it equals the l2 norm
    of the generalized cross product and for k = d it equals |det V|.
    """
    vectors = np.asarray(vectors, dtype=float)
    gram = vectors @ np.swapaxes(vectors, -1, -2)
    return np.sqrt(np.clip(np.linalg.det(gram), 0.0, None))


def hyperplane_normal(spanning: np.ndarray, rtol: float = 1e-10) -> np.ndarray:
    """Unit-l1 normal of the hyperplane spanned by d-1 vectors (..., d-1, d).

    Rows whose vectors are dependent (degenerate wedge: the normal is below ``rtol``
    times the product of the vectors' lengths, its largest possible size) are NaN, so
    callers can drop them explicitly.
    """
    spanning = np.asarray(spanning, dtype=float)
    normal = generalized_cross_product(spanning)
    scale = np.abs(normal).sum(axis=-1, keepdims=True)
    bound = np.prod(np.linalg.norm(spanning, axis=-1), axis=-1)[..., None]
    degenerate = scale <= rtol * bound
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(degenerate, np.nan, normal / np.where(degenerate, 1.0, scale))


def distance_to_hyperplane(
    X: np.ndarray, point: np.ndarray, normal: np.ndarray, norm: str = "inf"
) -> np.ndarray:
    """Distance from points X (n, d) to hyperplanes {x : normal . (x - point) = 0}.

    ``point`` and ``normal`` are (d,) or (p, d); the result is (n,) or (n, p).
    ``norm="inf"`` is the l-infinity distance |normal . (x - point)| / ||normal||_1
    (the dual norm of l-infinity is l1, which is why unit chains have ||w||_1 = 1);
    ``norm="2"`` is the Euclidean distance |normal . (x - point)| / ||normal||_2.
    """
    X = np.asarray(X, dtype=float)
    single = np.ndim(normal) == 1 and np.ndim(point) == 1
    point = np.atleast_2d(np.asarray(point, dtype=float))
    normal = np.atleast_2d(np.asarray(normal, dtype=float))
    dual = {"inf": 1, "2": 2}.get(str(norm))
    if dual is None:
        raise ValueError(f"norm must be 'inf' or '2', got {norm!r}")
    scale = np.linalg.norm(normal, ord=dual, axis=1)
    if np.any(scale == 0):
        raise ValueError("a hyperplane normal is zero (degenerate wedge)")
    offsets = np.einsum("pd,pd->p", normal, point)
    distance = np.abs(X @ normal.T - offsets) / scale
    return distance[:, 0] if single else distance


def reflect_point(center: np.ndarray, point: np.ndarray) -> np.ndarray:
    """Point reflection of ``point`` through ``center``: 2 * center - point (broadcasts)."""
    return 2.0 * np.asarray(center, dtype=float) - np.asarray(point, dtype=float)
