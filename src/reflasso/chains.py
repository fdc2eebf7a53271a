"""Unit chains: the features of the Lasso (docs/method.md §2).

A unit chain of depth L is g(x) = | ... || w.x + b1 | - c2 | ... - c(L-1) | with
||w||_1 = 1 and inner weights 1.  A batch of p chains is stored as arrays
W (p, d), b1 (p,), C (p, L-2).  This module is the single place where chains are
evaluated in numpy; the torch network mirrors it in ``network.py``.
"""

from __future__ import annotations

import numpy as np


def evaluate_unit_chains(X: np.ndarray, W: np.ndarray, b1: np.ndarray, C: np.ndarray) -> np.ndarray:
    """Return the (n, p) matrix A[n, j] = g_j(x_n) for p unit chains on n points."""
    X = np.asarray(X, dtype=float)
    h = X @ np.asarray(W, dtype=float).T
    h += np.asarray(b1, dtype=float)
    np.abs(h, out=h)  # in place: dictionaries evaluate millions of chains
    C = np.asarray(C, dtype=float)
    C = C.reshape(len(b1), -1) if len(b1) else np.zeros((0, 0))  # no chains: no levels
    for level in range(C.shape[1]):
        h -= C[:, level]
        np.abs(h, out=h)
    return h


def chain_depth(C: np.ndarray) -> int:
    """Depth L (number of weight layers) of chains with inner offsets C (p, L-2)."""
    return np.asarray(C).shape[1] + 2
