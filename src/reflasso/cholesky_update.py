"""Compiled downdate of a Cholesky factor: one column removed (``solvers._Basis``).

Removing column p of the upper triangular factor R of A_S^T A_S leaves rows p.. in
upper Hessenberg form; m - 1 - p Givens rotations restore the triangle in
O((m - p) m) operations, where a QR of the trailing block costs O((m - p)^3) (and the
numpy calls around it copied R several times per removal).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def drop_column(R, position):
    """The upper triangular factor, shape (m - 1, m - 1), of the Gram matrix without
    column ``position``: R' with R'^T R' = (R^T R) without that row and column."""
    m = R.shape[0]
    out = np.empty((m, m - 1))
    for i in range(m):
        for j in range(m - 1):
            out[i, j] = R[i, j if j < position else j + 1]
    for i in range(position, m - 1):  # zero the subdiagonal entry out[i + 1, i]
        a, b = out[i, i], out[i + 1, i]
        r = np.hypot(a, b)
        if r == 0.0:
            continue
        c, s = a / r, b / r
        for j in range(i, m - 1):
            top, bottom = out[i, j], out[i + 1, j]
            out[i, j] = c * top + s * bottom
            out[i + 1, j] = c * bottom - s * top
        out[i + 1, i] = 0.0
    return np.ascontiguousarray(out[: m - 1])
