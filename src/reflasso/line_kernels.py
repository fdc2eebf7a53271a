"""Compiled scoring of the 1-D depth-3 and depth-4 pricing candidates (docs/pricing.md).

Depth 3: ``depth3_candidates`` scores every vertex of the sorted line (about 1.5 n^2)
with ``_pair_vertices``.  Depth 4: one kernel per family (anchored, midpoint, joint).
Each kernel loops over its candidates on sorted, distinct unit-coordinate points ``u``
with weights ``lam``, scores every candidate in O(1) with prefix sums
(``_region_sum``), and keeps only a running top ``keep`` in a small buffer; the chains
of the kept candidates are built in numpy by the caller (``reflasso.structured``).
Searches move a pointer from the previous candidate's position (``_seek_up``,
``_seek_down``): along an inner loop the searched values are monotone, so a search
costs O(1) amortised instead of O(log n).

``best_candidates`` runs one depth-4 family, its outer loop split into independent
slices, and returns |score| and (a, c2, c3) of the kept candidates.  With ``keep`` at
least the family's number of candidates nothing is dropped, which the tests use to check
every candidate against its chain.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

_JIT = {"cache": True, "nogil": True}


@numba.njit(**_JIT)
def _seek_up(z, start, value):
    """Number of entries of sorted ``z`` below ``value`` (np.searchsorted, side left),
    walking up from ``start``, the answer for a smaller value (start < 0: none yet,
    bisect).  Along a loop the searched values are monotone, in floating point too
    (rounding is monotone), so a search costs O(1) amortised."""
    if start < 0:
        return _below(z, value)
    p, n = start, len(z)
    while p < n and z[p] < value:
        p += 1
    return p


@numba.njit(**_JIT)
def _seek_down(z, start, value):
    """As ``_seek_up``, walking down from the answer for a larger value."""
    if start < 0:
        return _below(z, value)
    p = start
    while p > 0 and z[p - 1] >= value:
        p -= 1
    return p


@numba.njit(**_JIT)
def _region_sum(S0, S1, lo, hi, point, split):
    """sum over lo <= i < hi of lam_i |z_i - point|, given any split index with
    z[:split] <= point <= z[split:] (clipped into [lo, hi]: exact, see _Line)."""
    split = min(max(split, lo), hi)
    return point * (2 * S0[split] - S0[lo] - S0[hi]) + S1[lo] + S1[hi] - 2 * S1[split]


@numba.njit(**_JIT)
def _prefix(z, lam, S0, S1):
    S0[0] = 0.0
    S1[0] = 0.0
    for i in range(len(z)):
        S0[i + 1] = S0[i] + lam[i]
        S1[i + 1] = S1[i] + lam[i] * z[i]


@numba.njit(**_JIT)
def _distances(u, lam, centre, z, zlam):
    """z = |u - centre| sorted (a merge of the two sides of ``centre``), with weights."""
    n = len(u)
    right = _below(u, centre)
    left = right - 1
    for i in range(n):
        if left >= 0 and (right >= n or centre - u[left] <= u[right] - centre):
            z[i], zlam[i] = centre - u[left], lam[left]
            left -= 1
        else:
            z[i], zlam[i] = u[right] - centre, lam[right]
            right += 1


@numba.njit(**_JIT)
def _buffer_size(keep, bound):
    """A top-k buffer holds 2 keep entries, or ``bound`` (the number of candidates) if
    that is smaller: then it never fills and nothing is dropped."""
    return max(bound if keep >= bound // 2 else 2 * keep, 1)


@numba.njit(**_JIT)
def _offer(scores, params, state, score, a, c2, c3):
    """Keep candidate (a, c2, c3) if |score| may be among the best ``keep``; ``state``
    is [fill, keep, floor, row score, row a, row c2, row c3]: only scores above
    ``floor`` can enter, and the current row's best is kept in the last four.  Callers
    test ``_wanted`` first."""
    score = abs(score)
    if score > state[3]:
        state[3], state[4], state[5], state[6] = score, a, c2, c3
    if score <= state[2]:
        return
    fill = int(state[0])
    if fill == len(scores):
        fill = _shrink(scores, params, int(state[1]))
        state[2] = scores[:fill].min()
        if score <= state[2]:
            state[0] = fill
            return
    scores[fill] = score
    params[fill, 0], params[fill, 1], params[fill, 2] = a, c2, c3
    state[0] = fill + 1


@numba.njit(**_JIT)
def _wanted(state, score):
    """Whether ``_offer`` would keep this score (in the top list or as the row's best);
    tested before the call, which costs more than scoring a candidate."""
    return abs(score) > state[2] or abs(score) > state[3]


@numba.njit(**_JIT)
def _new_state(keep):
    return np.array([0.0, float(keep), -1.0, -1.0, 0.0, 0.0, 0.0])


@numba.njit(**_JIT)
def _end_row(state, rows, row):
    """Store the current row's best in ``rows[row]`` ([|score|, a, c2, c3]); reset."""
    for c in range(4):
        rows[row, c] = state[3 + c]
    state[3] = -1.0


@numba.njit(**_JIT)
def _shrink(scores, params, keep):
    """Move the best ``keep`` entries of a full buffer to its front (among ties at the
    threshold, the earliest); return their number."""
    threshold = np.sort(scores)[len(scores) - keep]
    ties = keep
    for i in range(len(scores)):
        ties -= scores[i] > threshold
    fill = 0
    for i in range(len(scores)):
        take = scores[i] > threshold
        if not take and scores[i] == threshold and ties > 0:
            take = True
            ties -= 1
        if take:
            scores[fill] = scores[i]
            for c in range(3):
                params[fill, c] = params[i, c]
            fill += 1
    return fill


@numba.njit(**_JIT)
def _below(z, value):
    """np.searchsorted(z, value, side="left") by bisection."""
    lo, hi = 0, len(z)
    while lo < hi:
        mid = (lo + hi) // 2
        if z[mid] < value:
            lo = mid + 1
        else:
            hi = mid
    return lo


@numba.njit(**_JIT)
def _up_to(z, value):
    """np.searchsorted(z, value, side="right") by bisection."""
    lo, hi = 0, len(z)
    while lo < hi:
        mid = (lo + hi) // 2
        if z[mid] <= value:
            lo = mid + 1
        else:
            hi = mid
    return lo


# ------------------------------------------------------------------- the driver

FAMILIES = ("anchored", "midpoints", "joint")
PARTS = 16  # independent slices of the outer loop (fixed: results do not depend on threads)


def best_candidates(family: str, u: np.ndarray, lam: np.ndarray, keep: int):
    """(|score|, (a, c2, c3)) of the best ``keep`` candidates of each of the ``PARTS``
    slices of one family (so the best ``keep`` of the family are among them), and
    ``rows``: the best candidate of each outer index j (the anchor u_j, or the left
    point u_j of the pair) as [|score|, a, c2, c3] (|score| -1: none)."""
    n = len(u)
    pairs = n * (n - 1) // 2
    index = FAMILIES.index(family)
    bound = (n * (n * n + pairs), pairs * 3 * n, pairs * 4 * n)[index]
    buffers = _Buffers(keep, bound, n)
    _over_parts(
        lambda part: _family_part(index, u, lam, part, keep, *buffers.of(part), buffers.rows)
    )
    return buffers.kept()


@numba.njit(**_JIT)
def _family_part(family, u, lam, part, keep, scores, params, fill, rows):
    # Outer index j = part, part + PARTS, ...: an independent slice.
    state = _new_state(keep)
    here = (u, lam, part, PARTS, scores, params, state, rows)
    if family == 0:
        _anchored(*here)
    elif family == 1:
        _midpoints(*here)
    else:
        _joint(*here)
    fill[0] = int(state[0])


class _Buffers:
    """Each slice's top-k buffer and fill count, and the rows' bests (each row belongs
    to one slice, so the threads write disjoint entries)."""

    def __init__(self, keep: int, bound: int, n_rows: int):
        size = _buffer_size(keep, bound)
        self.scores, self.params = np.zeros((PARTS, size)), np.zeros((PARTS, size, 3))
        self.fills = np.zeros((PARTS, 1), np.int64)
        self.rows = np.full((n_rows, 4), -1.0)

    def of(self, part: int):
        return self.scores[part], self.params[part], self.fills[part]

    def kept(self):
        fills = self.fills[:, 0]
        scores = np.concatenate([self.scores[p, : fills[p]] for p in range(PARTS)])
        params = np.concatenate([self.params[p, : fills[p]] for p in range(PARTS)])
        return scores, params, self.rows


def kernel_threads() -> int:
    """Threads for the slices: OMP_NUM_THREADS when set (Snakemake sets it to a rule's
    threads), else the machine's cores; at most PARTS."""
    setting = os.environ.get("OMP_NUM_THREADS", "")
    threads = int(setting) if setting.isdigit() else (os.cpu_count() or 1)
    return max(1, min(threads, PARTS))


def _over_parts(run_part) -> None:
    """run_part(part) for every slice, in ``kernel_threads()`` threads (the kernels
    release the GIL).  The slices are fixed, so the result does not depend on the
    number of threads."""
    threads = kernel_threads()
    if threads == 1:
        for part in range(PARTS):
            run_part(part)
        return
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(run_part, range(PARTS)))


# ------------------------------------------------------------------ the families


@numba.njit(**_JIT)
def _anchored(u, lam, first, step, scores, params, state, rows):
    """a = u_j: the depth-3 vertices of the sorted distances z = |u - u_j| (ties
    allowed), with the depth-3 centre as c2 and its radius as c3."""
    n = len(u)
    z, zlam, S0, S1 = np.empty(n), np.empty(n), np.empty(n + 1), np.empty(n + 1)
    for j in range(first, n, step):
        _distances(u, lam, u[j], z, zlam)
        _prefix(z, zlam, S0, S1)
        _pair_vertices(z, S0, S1, u[j], scores, params, state, rows)
        _end_row(state, rows, j)  # row j: the anchor's best over its depth-3 vertices


def depth3_candidates(u: np.ndarray, lam: np.ndarray, keep: int):
    """Every depth-3 vertex of the sorted, distinct line ``u`` (weights ``lam``) scored:
    (|score|, (0, c2, c3)) of the best ``keep`` of each of the ``PARTS`` slices of the
    rows (so the best ``keep`` overall are among them), and ``rows``, the best
    candidate of each row as [|score|, 0, c2, c3]: row r is centre u_r, row n + r the
    pairs whose left point is u_r (|score| -1 for a row without candidates)."""
    n = len(u)
    S0, S1 = np.empty(n + 1), np.empty(n + 1)
    _prefix(u, lam, S0, S1)
    buffers = _Buffers(keep, n * n + n * (n - 1) // 2, 2 * n)
    _over_parts(lambda part: _depth3_part(u, S0, S1, part, keep, *buffers.of(part), buffers.rows))
    return buffers.kept()


@numba.njit(**_JIT)
def _depth3_part(u, S0, S1, part, keep, scores, params, fill, rows):
    state = _new_state(keep)
    _pair_vertices(u, S0, S1, 0.0, scores, params, state, rows, part, PARTS, True)
    fill[0] = int(state[0])


@numba.njit(**_JIT)
def _pair_vertices(z, S0, S1, a, scores, params, state, rows, first=0, step=1, own_rows=False):
    """Depth-3 vertices of the line z: centre z_r with the pair {z_k, 2 z_r - z_k}, and
    the pair {z_r, z_k} (r < k) around its midpoint, for r = first, first + step, ...
    ``own_rows``: each r ends two rows of ``rows`` (2n, 4), [|score|, a, c2, c3]: row r
    for centre z_r, row n + r for the pairs with left point z_r; otherwise the caller
    ends its row (``_end_row``) and ``rows`` is not written."""
    n = len(z)
    for r in range(first, n, step):
        centre = z[r]
        at = -1
        for k in range(n):  # the mirror image 2 z_r - z_k decreases with k
            mirror = 2 * centre - z[k]
            at = _seek_down(z, at, mirror)
            if k < r:  # z_k is the left point of the pair
                s = _region_sum(S0, S1, 0, r, z[k], k) + _region_sum(S0, S1, r, n, mirror, at)
            else:
                s = _region_sum(S0, S1, 0, r, mirror, at) + _region_sum(S0, S1, r, n, z[k], k)
            if _wanted(state, s):
                _offer(scores, params, state, s, a, centre, abs(z[k] - centre))
        if own_rows:
            _end_row(state, rows, r)
        at = -1
        for k in range(r + 1, n):  # the midpoint increases with k
            middle = (z[r] + z[k]) / 2
            at = _seek_up(z, at, middle)
            s = _region_sum(S0, S1, 0, at, z[r], r) + _region_sum(S0, S1, at, n, z[k], k)
            if _wanted(state, s):
                _offer(scores, params, state, s, a, middle, z[k] - middle)
        if own_rows:
            _end_row(state, rows, n + r)


@numba.njit(**_JIT)
def _midpoints(u, lam, first, step, scores, params, state, rows):
    """a = (u_j + u_k)/2 with the radius t = (u_k - u_j)/2 kept; on the sorted
    z = |u - a|, three depth-3 candidates per z_m: centre t with the pair {z_m, 2t - z_m},
    the pair {t, z_m} around its midpoint, centre z_m with the pair {t, 2 z_m - t}."""
    n = len(u)
    z, zlam, S0, S1 = np.empty(n), np.empty(n), np.empty(n + 1), np.empty(n + 1)
    for j in range(first, n, step):
        for k in range(j + 1, n):
            a, t = (u[j] + u[k]) / 2, (u[k] - u[j]) / 2
            _distances(u, lam, a, z, zlam)
            _prefix(z, zlam, S0, S1)
            at_t = _below(z, t)
            at_mirror = at_centre = at_far = -1
            for m in range(n):
                zm = z[m]
                below = zm < t
                low, high = min(zm, t), max(zm, t)
                # centre t: pair {z_m, 2t - z_m} (decreasing in m)
                mirror = 2 * t - zm
                at_mirror = _seek_down(z, at_mirror, mirror)
                if below:
                    s = _region_sum(S0, S1, 0, at_t, zm, m)
                    s += _region_sum(S0, S1, at_t, n, mirror, at_mirror)
                else:
                    s = _region_sum(S0, S1, 0, at_t, mirror, at_mirror)
                    s += _region_sum(S0, S1, at_t, n, zm, m)
                if _wanted(state, s):
                    _offer(scores, params, state, s, a, t, abs(zm - t))
                # pair {t, z_m} around its midpoint (increasing in m)
                centre = (t + zm) / 2
                at_centre = _seek_up(z, at_centre, centre)
                split_low, split_high = (m, at_t) if below else (at_t, m)
                s = _region_sum(S0, S1, 0, at_centre, low, split_low)
                s += _region_sum(S0, S1, at_centre, n, high, split_high)
                if _wanted(state, s):
                    _offer(scores, params, state, s, a, centre, abs(zm - t) / 2)
                # centre z_m: pair {t, 2 z_m - t} (increasing in m)
                far = 2 * zm - t
                at_far = _seek_up(z, at_far, far)
                if below:
                    s = _region_sum(S0, S1, 0, m, far, at_far)
                    s += _region_sum(S0, S1, m, n, t, at_t)
                else:
                    s = _region_sum(S0, S1, 0, m, t, at_t)
                    s += _region_sum(S0, S1, m, n, far, at_far)
                if _wanted(state, s):
                    _offer(scores, params, state, s, a, zm, abs(zm - t))
        _end_row(state, rows, j)


@numba.njit(**_JIT)
def _joint(u, lam, first, step, scores, params, state, rows):
    """Vertices whose centre a is fixed by three data points together: u_j < u_k are
    kink points and u_m a boundary between nearest kink points.  For each pair the valid
    u_m form four index ranges (a moves monotonically with u_m within each)."""
    n = len(u)
    S0, S1 = np.empty(n + 1), np.empty(n + 1)
    _prefix(u, lam, S0, S1)
    for j in range(first, n, step):
        for k in range(j + 1, n):
            mid, half = (u[j] + u[k]) / 2, (u[k] - u[j]) / 2
            at_mid = _below(u, mid)
            both = (u, S0, S1, j, k, mid, half, at_mid, scores, params, state)
            # same side: a = (mid + u_m)/2 with a <= u_j (boundary left) or a >= u_k
            _same_side(*both, 0, _up_to(u, 2 * u[j] - mid), True)
            _same_side(*both, _below(u, 2 * u[k] - mid), n, False)
            # opposite sides, u_j <= a <= u_k: a - c2 = u_m or a + c2 = u_m, c2 = half
            _opposite_sides(*both, _below(u, u[j] - half), _up_to(u, mid), True)
            _opposite_sides(*both, _below(u, mid), _up_to(u, u[k] + half), False)
        _end_row(state, rows, j)


@numba.njit(**_JIT)
def _same_side(u, S0, S1, j, k, mid, half, at_mid, scores, params, state, lo, hi, left):
    """Kink points u_j, u_k on one side of a (right of it when ``left``, the boundary
    u_m on the left), mirrors r = 2a - u on the other; a = (mid + u_m)/2."""
    n = len(u)
    at_a = at_rj = at_rk = -1
    for m in range(lo, hi):
        a = (mid + u[m]) / 2
        rj, rk = 2 * a - u[j], 2 * a - u[k]
        at_a, at_rj, at_rk = _seek_up(u, at_a, a), _seek_up(u, at_rj, rj), _seek_up(u, at_rk, rk)
        if left:  # rk < rj <= a <= u_j < u_k; bounds u_m, a, mid
            s = _region_sum(S0, S1, 0, m, rk, at_rk) + _region_sum(S0, S1, m, at_a, rj, at_rj)
            s += _region_sum(S0, S1, at_a, at_mid, u[j], j)
            s += _region_sum(S0, S1, at_mid, n, u[k], k)
        else:  # u_j < u_k <= a <= rk < rj; bounds mid, a, u_m
            s = _region_sum(S0, S1, 0, at_mid, u[j], j)
            s += _region_sum(S0, S1, at_mid, at_a, u[k], k)
            s += _region_sum(S0, S1, at_a, m, rk, at_rk) + _region_sum(S0, S1, m, n, rj, at_rj)
        if _wanted(state, s):
            _offer(scores, params, state, s, a, abs(mid - a), half)


@numba.njit(**_JIT)
def _opposite_sides(u, S0, S1, j, k, mid, half, at_mid, scores, params, state, lo, hi, left):
    """u_j <= a <= u_k with c2 = half; the boundary u_m is a - c2 (``left``) or a + c2.
    Radii a - u_j and u_k - a: the smaller one is the inner pair."""
    n = len(u)
    at_a = at_rj = at_rk = at_other = -1
    for m in range(lo, hi):
        a = u[m] + half if left else u[m] - half
        rj, rk = 2 * a - u[j], 2 * a - u[k]
        at_a, at_rj, at_rk = _seek_up(u, at_a, a), _seek_up(u, at_rj, rj), _seek_up(u, at_rk, rk)
        if left:
            at_other = _seek_up(u, at_other, a + half)
            first, last = m, at_other
        else:
            at_other = _seek_up(u, at_other, a - half)
            first, last = at_other, m
        if a - u[j] <= u[k] - a:
            s = _region_sum(S0, S1, 0, first, rk, at_rk) + _region_sum(S0, S1, first, at_a, u[j], j)
            s += _region_sum(S0, S1, at_a, last, rj, at_rj) + _region_sum(S0, S1, last, n, u[k], k)
        else:
            s = _region_sum(S0, S1, 0, first, u[j], j) + _region_sum(S0, S1, first, at_a, rk, at_rk)
            s += _region_sum(S0, S1, at_a, last, u[k], k) + _region_sum(S0, S1, last, n, rj, at_rj)
        if _wanted(state, s):
            _offer(scores, params, state, s, a, half, abs((u[k] - a) - (a - u[j])) / 2)
