"""Compiled steps of the depth-2 angular sweep (``reflasso.structured._sweep``).

A frame is a plane of directions c = (c0, c1) (in an orthonormal basis B0, B1) and
n + d vectors v_i in it with weights lambda_i; its candidates are the c orthogonal to
some v_m (docs/pricing.md).  numpy sorts the normals by angle (its sort is the fastest
part); the two kernels do the elementwise work before and after the sort in one pass
each, where numpy made about fifteen passes over arrays of frames x points.
"""

from __future__ import annotations

import numba

_JIT = {"cache": True, "nogil": True}


@numba.njit(**_JIT)
def normals(v0, v1, n0, n1, key):
    """Fill n = rot90(v) = (-v1, v0), flipped to an angle in [0, pi), and a sort key
    that increases with that angle and is as precise (n1 / (|n0| + n1) up to pi / 2,
    2 minus it beyond; 0 for the zero vector, whose terms vanish): no arctan."""
    frames, points = v0.shape
    for f in range(frames):
        for i in range(points):
            x0, x1 = -v1[f, i], v0[f, i]
            if x1 < 0 or (x1 == 0 and x0 < 0):
                x0, x1 = -x0, -x1
            n0[f, i], n1[f, i] = x0, x1
            size = abs(x0) + x1
            ratio = x1 / size if size > 0 else 0.0
            key[f, i] = 2.0 - ratio if x0 < 0 else ratio


@numba.njit(**_JIT)
def scores(order, n0, n1, mass, B0, B1, score, c0, c1, norm1):
    """Fill score, c0, c1, norm1 (frames, points) in sorted order.

    Just after the angle of n_i, lambda_i s_i v_i (s_i the sign of c . v_i there) is
    lambda_i (-n1_i, n0_i) whether or not n_i was flipped, so G(m) = 2 (sum over the
    first m terms) - (total) is sum_i lambda_i s_i v_i at c = n_m, and the score is
    n_m . G(m) / ||w||_1 with w = c0 B0 + c1 B1.  Ties need no order: the tied v_i are
    orthogonal to the candidate, their terms vanish.  A candidate with
    ||w||_1 <= 1e-12 (the zero vector) gets norm1 0 and score 0: the caller masks it.
    """
    frames, points = n0.shape
    d = B0.shape[1]
    for f in range(frames):
        total0, total1 = 0.0, 0.0
        for i in range(points):
            total0 -= mass[i] * n1[f, i]
            total1 += mass[i] * n0[f, i]
        run0, run1 = 0.0, 0.0
        for m in range(points):
            i = order[f, m]
            x0, x1 = n0[f, i], n1[f, i]
            run0 -= mass[i] * x1
            run1 += mass[i] * x0
            size = 0.0
            for q in range(d):
                size += abs(B0[f, q] * x0 + B1[f, q] * x1)
            c0[f, m], c1[f, m] = x0, x1
            if size > 1e-12:
                norm1[f, m] = size
                score[f, m] = (x0 * (2 * run0 - total0) + x1 * (2 * run1 - total1)) / size
            else:
                norm1[f, m] = 0.0
                score[f, m] = 0.0
