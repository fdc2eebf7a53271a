"""Lasso dictionaries of unit chains (docs/method.md §3).

A ``Dictionary`` is a batch of unit chains (W, b1, C) plus a table ``meaning`` with one
row per column saying where the feature comes from (family, anchor point, spanning
points or axes, mirror and reflected points, reflection order).

Kinds (``build_dictionary(X, depth, kind)``):

- ``"exact"``: vertex enumeration (docs/method.md §3.1), exact for every depth and dimension.
  The parameters u = (w, b1, c2..c(L-1)) of a vertex solve d + L - 2 independent
  equations taken from the *data rows* e_l(x_n) = 0 (x_n on a kink of layer l, for each
  sign pattern of the layers below) and the *face rows* w_i = 0, c_l = 0.
- ``"closed-form"``: the paper's families, wedge features (3.2, L = 2), reflection
  features (3.3, L = 3) and the multilevel sub-library (3.4, L >= 4).
- ``"sampled"``: vertices of random row subsets, for dimensions where enumeration is
  impossible (e.g. embeddings in hundreds of dimensions).

Columns are reduced without changing the Lasso optimum (docs/dictionaries.md):
- vertices with a negative offset c_l are skipped: |h - c_l| = h + |c_l| for h >= 0,
  so such a chain equals one with c_l = 0 (next offset shifted) plus a constant;
- duplicates are removed *up to sign, an additive constant and a factor*: the
  intercept is not penalised and a coefficient's sign is free, so g and -g + const
  are interchangeable, and t*g + const with |t| <= 1 is dominated by g (same fit,
  no less penalty; |lambda . t g| <= |lambda . g| when 1.lambda = 0).  The largest
  copy is kept, then the simplest chain (fewest active offsets, smallest c);
- constant columns are dropped (the intercept does their work).
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from .chains import evaluate_unit_chains
from .geometry import generalized_cross_product, hyperplane_normal, reflect_point
from .io import DataError, check_depth, check_xy

KINDS = ("exact", "closed-form", "sampled")
FLOAT_BYTES = 8
# Relative tolerances (w.r.t. the data spread / row norms); see docs/dictionaries.md.
QUANTUM = 1e-9  # columns equal to this fraction of their own range are duplicates
DEPENDENT = 1e-10  # |null vector| below this times the Hadamard bound: rows dependent
WORK_BYTES = 8e6  # working memory of one chunk of candidates (cache-sized: faster)
ENUMERATION_SLACK = 8.0  # candidates per kept column allowed before enumerating
#: Candidates wait uncompacted until there are 4x the kept ones, or at least this many
#: chunks: each compaction sorts everything kept (small dictionaries: one at the end).
PENDING_CHUNKS = 64


class DictionaryTooLarge(MemoryError):
    """The requested dictionary would exceed the memory budget (message names options)."""


@dataclass(init=False)
class Dictionary:
    """Unit chains g_j (rows of W, b1, C) of one depth, with a ``meaning`` row per column.

    Build one with ``build_dictionary``; ``evaluate(X)`` is the Lasso's feature matrix.
    ``meaning`` may be given as a function that builds the table: it is then built on
    first use (a fit that is never explained or saved does not pay for the table of
    every column of a large exact dictionary).
    """

    depth: int
    W: np.ndarray  # (p, d), rows with ||w||_1 = 1
    b1: np.ndarray  # (p,)
    C: np.ndarray  # (p, depth - 2)
    kind: str

    def __init__(
        self,
        depth: int,
        W: np.ndarray,
        b1: np.ndarray,
        C: np.ndarray,
        kind: str,
        meaning: pd.DataFrame | Callable[[], pd.DataFrame] | None = None,
    ):
        self.depth, self.W, self.b1, self.C, self.kind = depth, W, b1, C, kind
        self._meaning = pd.DataFrame() if meaning is None else meaning

    @property
    def meaning(self) -> pd.DataFrame:
        """One row per column saying where it comes from (see ``_meaning_table``)."""
        if callable(self._meaning):
            self._meaning = self._meaning()
        return self._meaning

    @property
    def size(self) -> int:
        return len(self.b1)

    def evaluate(self, X: np.ndarray) -> np.ndarray:
        """(n, p) feature matrix of the dictionary's chains on points X."""
        return evaluate_unit_chains(X, self.W, self.b1, self.C)

    def describe(self, j: int) -> str:
        """One line, human readable, saying where column j comes from."""
        return describe_column(self.meaning.iloc[j], self.depth, self.W.shape[1])


# ----------------------------------------------------------------------------- sizes


def estimate_dictionary_size(
    n: int, d: int, depth: int, kind: str = "exact", *, n_samples: int | None = None
) -> tuple[int, int]:
    """Upper bound on the candidate columns of a dictionary, and the bytes they need.

    Bytes count the feature matrix on the n training points (what the Lasso holds)
    plus the chain parameters and meaning.  For ``"exact"`` the candidates are the two
    signs of the null vector of every (d + L - 2)-subset of rows (one sign for L = 2);
    the built dictionary is smaller after duplicates are removed, so the *build* is
    also guarded as it goes (see ``build_dictionary``).
    """
    _check_kind(kind)
    if kind == "exact":
        rows = _count_rows(n, d, depth)
        columns = (1 if depth == 2 else 2) * math.comb(rows, d + depth - 2)
    elif kind == "closed-form":
        wedge = n * math.comb(n - 1 + d, d - 1)
        if depth == 2:
            columns = wedge
        elif depth == 3:
            columns = n * n * math.comb(3 * n + d, d - 1)
        else:
            columns = wedge * n ** (depth - 2)
    else:
        if n_samples is None or n_samples < 1:
            raise ValueError("kind='sampled' needs n_samples >= 1")
        columns = int(n_samples)
    return columns, columns * _bytes_per_column(n, d, depth)


def _bytes_per_column(n: int, d: int, depth: int) -> int:
    meaning = 8 * (d + depth)  # a few small integers per defining row, generously
    return FLOAT_BYTES * (n + d + depth - 1) + meaning


def _count_rows(n: int, d: int, depth: int) -> int:
    """Data rows n * (2^(L-1) - 1) plus face rows d + L - 2."""
    return n * (2 ** (depth - 1) - 1) + d + depth - 2


def _too_large(what: str, columns: int, nbytes: float, max_bytes: float) -> DictionaryTooLarge:
    return DictionaryTooLarge(
        f"{what}: about {columns:,} columns, {nbytes / 1e9:.3g} GB, over the memory budget "
        f"of {max_bytes / 1e9:.3g} GB. Alternatives: column generation over the exact "
        "dictionary, which never stores it ('--solver generate', in Python "
        "solver='generate'); fewer points; a lower depth; a sampled "
        "dictionary ('reflasso fit --dictionary sampled --samples N', in Python "
        "dictionary='sampled', n_samples=N); the closed-form dictionary ('--dictionary "
        "closed-form': smaller, exact only for L = 2); or a larger budget ('--max-memory', "
        "in Python max_bytes=...)."
    )


# ------------------------------------------------------------------------- building


def build_dictionary(
    X: np.ndarray,
    depth: int,
    kind: str = "exact",
    *,
    n_samples: int | None = None,
    seed: int = 0,
    max_bytes: float = 2e9,
) -> Dictionary:
    """Build a dictionary of unit chains of the given depth on training points X (n, d).

    ``kind`` is ``"exact"`` (vertex enumeration, docs/method.md §3.1), ``"closed-form"``
    (3.2 for L = 2, 3.3 for L = 3, 3.4 for L >= 4) or ``"sampled"`` (``n_samples``
    random vertices, reproducible with ``seed``).  Raises ``DataError`` for unusable
    data (NaN/inf, fewer than 2 points, all points identical) and
    ``DictionaryTooLarge`` (a ``MemoryError``) when the estimated or the growing size
    passes ``max_bytes`` (bytes of the feature matrix on X plus parameters).
    Collinear data in d >= 2 is allowed: degenerate wedges (zero normals) are skipped
    and the dictionary is that of the data's own lower-dimensional geometry.
    """
    _check_kind(kind)
    depth = check_depth(depth)
    points, first_index = _check_points(X)
    n, d = len(np.asarray(X)), points.shape[1]
    what = f"{kind} dictionary, depth {depth}, n={n}, d={d}"
    columns, _ = estimate_dictionary_size(len(points), d, depth, kind, n_samples=n_samples)
    nbytes = columns * _bytes_per_column(n, d, depth)
    # Enumerated kinds count candidates before de-duplication (several per kept
    # column), so their estimate may reach ENUMERATION_SLACK times the budget; the kept
    # columns are then checked against max_bytes itself while the enumeration runs.
    slack = 1.0 if kind == "sampled" else ENUMERATION_SLACK
    if nbytes > slack * max_bytes:
        raise _too_large(what, columns, nbytes, max_bytes)
    # Work in centred, unit-spread coordinates: tolerances are then relative, and data
    # far from the origin do not make the rows (x_n, 1) nearly parallel.
    center = points.mean(axis=0)
    scale = np.abs(points - center).max()
    unit = (points - center) / scale
    keeper = _UniqueColumns(unit, _bytes_per_column(n, d, depth), max_bytes, what)
    if kind == "exact":
        _enumerate_vertices(unit, depth, keeper)
    elif kind == "sampled":
        _sample_vertices(unit, depth, int(n_samples), seed, keeper)
    else:
        _closed_form(unit, depth, keeper)
    W, b1, C, info = keeper.result()
    meaning = functools.partial(
        _meaning_table, info, kind, unit, depth, first_index, C, keeper.quantum
    )
    # g(x) = scale * g'((x - center) / scale) with the same w: shift b1, scale b1 and c.
    b1 = scale * b1 - W @ center
    return Dictionary(depth=depth, W=W, b1=b1, C=scale * C, kind=kind, meaning=meaning)


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown dictionary kind {kind!r}; choose one of {KINDS}")


def _check_points(X) -> tuple[np.ndarray, np.ndarray]:
    """Validated distinct points and, for each, the index of its first copy in X."""
    X = np.asarray(X, dtype=float)
    X, _ = check_xy(X, np.zeros(len(X)), name="X")
    points, first_index = np.unique(X, axis=0, return_index=True)
    if len(points) < 2:
        raise DataError(f"X: all {len(X)} training points are identical; need 2 distinct")
    order = np.argsort(first_index)  # keep the data's own order
    return points[order], first_index[order]


# ------------------------------------------------------------ unique column keeper


class _UniqueColumns:
    """Collects candidate chains, keeping one chain per column up to sign, constant, scale.

    A column g minus its first entry, divided by its largest absolute entry (its
    "size") and rounded to multiples of QUANTUM, gives an integer vector v that
    ignores additive constants and positive factors.  Several exact integer hashes
    r . v (float64 sums of integers below 2^53, so BLAS rounding cannot change them)
    are mixed into a 128-bit key; the sign is fixed by making the first non-zero
    hash positive (hashes are linear in v).  Among chains with the same key the one
    with the largest size is kept (a column t*g + const with |t| <= 1 is dominated: it
    costs at least as much penalty for the same fit), then the simplest (fewest
    active offsets c_l > 0, smallest sum c).  Memory is bounded: kept chains are
    compacted as they accumulate and the budget is checked each time.
    """

    def __init__(self, points: np.ndarray, bytes_per_column: int, max_bytes: float, what: str):
        self.points = points
        spread = np.abs(points - points.mean(axis=0)).max()
        self.quantum = QUANTUM * spread  # absolute resolution of column values
        # |v| <= 1 / QUANTUM; hash weights below `limit` keep every sum exact.
        limit = max(2, int(2.0**53 / (len(points) * (1.0 / QUANTUM + 1.0))))
        hashes = max(2, math.ceil(128 / math.log2(limit)))  # about 128 bits in all
        rng = np.random.default_rng(12345)  # fixed: the canonical sign/hash is a convention
        self.hash_weights = rng.integers(1, limit, size=(len(points), hashes)).astype(float)
        self.mix = rng.integers(1, 2**63, size=(2, hashes), dtype=np.uint64) | np.uint64(1)
        self.bytes_per_column, self.max_bytes, self.what = bytes_per_column, max_bytes, what
        self.parts: list[dict] = []
        self.pending = 0
        self.compacted = 0
        self.seen = 0  # candidates offered so far: their rank is the discovery order

    def chunk_size(self) -> int:
        """Candidates per chunk so that a chunk's matrices stay within WORK_BYTES."""
        return max(256, int(WORK_BYTES / (4 * FLOAT_BYTES * len(self.points))))

    def keys(self, W: np.ndarray, b1: np.ndarray, C: np.ndarray):
        """128-bit keys (B', 2), sizes (B') and the mask (B) of non-constant columns."""
        v = evaluate_unit_chains(self.points, W, b1, C)
        v -= v[0]  # before rounding, so that a constant shift cannot move a rounding
        size = np.abs(v).max(axis=0)
        varying = size > self.quantum  # constant columns carry nothing (the intercept does)
        if not varying.all():  # (a copy: skipped when every column varies)
            v, size = v[:, varying], size[varying]
        v *= 1.0 / (QUANTUM * size)
        np.rint(v, out=v)
        hashes = v.T @ self.hash_weights
        first_nonzero = np.argmax(hashes != 0, axis=1)
        sign = np.sign(hashes[np.arange(len(hashes)), first_nonzero])
        hashes = (hashes * sign[:, None]).astype(np.int64).view(np.uint64)
        with np.errstate(over="ignore"):
            mixed = np.stack([(hashes * m).sum(axis=1) for m in self.mix], axis=1)
        return mixed, size, varying

    def add(self, W: np.ndarray, b1: np.ndarray, C: np.ndarray, info: dict) -> None:
        if len(b1) == 0:
            return
        keys, size, keep = self.keys(W, b1, C)
        C_kept = C[keep]
        total = C_kept.sum(axis=1)
        simplicity = (C_kept > self.quantum).sum(axis=1) + total / (1.0 + total)
        # larger size first (integer part), then simpler (fraction in [0, 1))
        score = -np.rint(size / self.quantum) + simplicity / (C.shape[1] + 1)
        seq = self.seen + np.arange(len(b1))
        self.seen += len(b1)
        part = {
            "key": keys,
            "score": score,
            "seq": seq[keep],
            "W": W[keep],
            "b1": b1[keep],
            "C": C_kept,
            **{name: value[keep] for name, value in info.items()},
        }
        # de-duplicated at compaction only: per chunk, sorting would cost more than it
        # saves (most candidates of one chunk are distinct columns)
        self.parts.append(part)
        self.pending += len(part["b1"])
        if self.pending > max(4 * self.compacted, PENDING_CHUNKS * self.chunk_size()):
            self._compact()

    def _compact(self, in_discovery_order: bool = False) -> None:
        merged = _concat(self.parts) if len(self.parts) > 1 else self.parts[0]
        chosen = _first_per_key(merged)
        if in_discovery_order:
            chosen = chosen[np.argsort(merged["seq"][chosen])]
        merged = {name: value[chosen] for name, value in merged.items()}
        self.parts = [merged]
        self.compacted = self.pending = len(merged["b1"])
        nbytes = self.compacted * self.bytes_per_column
        if nbytes > self.max_bytes:
            raise _too_large(self.what + " (kept so far)", self.compacted, nbytes, self.max_bytes)

    def count(self) -> int:
        if self.parts:
            self._compact()
        return self.compacted

    def truncate(self, count: int) -> None:
        """Keep the first ``count`` kept chains in order of discovery (for sampling)."""
        if not self.parts:
            return
        self._compact()
        part = self.parts[0]
        first = np.sort(np.argsort(part["seq"])[:count])
        self.parts = [{name: value[first] for name, value in part.items()}]
        self.compacted = self.pending = len(first)

    def result(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
        if not self.parts:
            raise DataError(f"{self.what}: no non-constant feature found")
        self._compact(in_discovery_order=True)  # deterministic: order of discovery
        part = self.parts[0]
        internal = ("key", "score", "seq", "W", "b1", "C")
        info = {k: v for k, v in part.items() if k not in internal}
        return part["W"], part["b1"], part["C"], info


def _concat(parts: list[dict]) -> dict:
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}


def _first_per_key(part: dict) -> np.ndarray:
    """Indices of the candidates to keep: for each hash key, the lowest score."""
    key = part["key"]
    # Sorting on the first 64 bits suffices to group equal keys (a collision of
    # distinct columns there only leaves a harmless duplicate); both halves are compared.
    order = np.lexsort((part["score"], key[:, 0]))
    key = key[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (key[1:, 0] != key[:-1, 0]) | (key[1:, 1] != key[:-1, 1])
    return order[first]


# -------------------------------------------------------- exact: vertex enumeration


def vertex_rows(points: np.ndarray, depth: int) -> tuple[np.ndarray, pd.DataFrame]:
    """The linear equations whose independent (d + L - 2)-subsets fix the vertices.

    Returns rows (R, d + L - 1) acting on u = (w, b1, c2..c(L-1)) and a table with,
    per row, ``point`` (-1 for face rows), ``level`` (0 for face rows), ``signs``
    (bit m set when s_(m+1) = -1) and ``face`` (index into u of the parameter set to
    zero, -1 for data rows).  Data rows: e_1 = w.x_n + b1, e_l = s_(l-1) e_(l-1) - c_l.
    """
    n, d = points.shape
    size = d + depth - 1
    # One point's rows are sign x (x, 1, 0, ...) plus offsets that do not depend on x
    # (multiplying by +-1 and subtracting 1 are exact), so the rows of every point come
    # from one template: the same rows, in the same order, as point-by-point building.
    template, sign, kinds = [], [], []
    level_rows = {(): (1.0, np.zeros(size))}
    for level in range(1, depth):
        for signs, (product, offsets) in level_rows.items():
            template.append(offsets)
            sign.append(product)
            kinds.append((level, sum(1 << m for m, s in enumerate(signs) if s < 0)))
        if level == depth - 1:
            break
        next_rows = {}
        for signs, (product, offsets) in level_rows.items():
            for s in (1.0, -1.0):
                new = s * offsets
                new[d + level] -= 1.0  # - c_(level+1), stored at u index d + level
                next_rows[signs + (s,)] = (s * product, new)
        level_rows = next_rows
    base = np.zeros((n, size))
    base[:, :d], base[:, d] = points, 1.0
    data = np.array(sign)[None, :, None] * base[:, None, :] + np.array(template)[None]
    rows = list(data.reshape(n * len(template), size))
    point = np.repeat(np.arange(n), len(template))
    level, bits = np.tile(np.array(kinds).reshape(-1, 2), (n, 1)).T
    table = list(zip(point.tolist(), level.tolist(), bits.tolist(), [-1] * len(point), strict=True))
    faces = [i for i in range(size) if i != d]  # every parameter except b1
    for i in faces:
        row = np.zeros(size)
        row[i] = 1.0
        rows.append(row)
        table.append((-1, 0, -1, i))
    frame = pd.DataFrame(table, columns=["point", "level", "signs", "face"])
    return np.array(rows), frame


def _combination_chunks(count: int, k: int, chunk: int):
    """All k-subsets of range(count) in lexicographic order, as (B, k) int32 arrays.

    Vectorised over the last element: the (k-1)-prefixes come from itertools, each is
    repeated once per possible last element (B is at most about ``chunk``, or one
    prefix's count of last elements when that is larger).
    """
    if k == 0:  # one empty subset (d = 1: no spanning vectors)
        yield np.zeros((1, 0), dtype=np.int32)
        return
    if k == 1:
        for start in range(0, count, chunk):
            yield np.arange(start, min(start + chunk, count), dtype=np.int32)[:, None]
        return
    prefixes = itertools.combinations(range(count - 1), k - 1)
    per_chunk = max(1, chunk // max(1, count - k + 1))
    while True:
        flat = np.fromiter(
            itertools.chain.from_iterable(itertools.islice(prefixes, per_chunk)), dtype=np.int32
        )
        if flat.size == 0:
            return
        prefix = flat.reshape(-1, k - 1)
        tails = count - 1 - prefix[:, -1].astype(np.int64)  # last elements per prefix
        repeated = np.repeat(prefix, tails, axis=0)
        starts = np.repeat(np.cumsum(tails) - tails, tails)
        last = np.repeat(prefix[:, -1], tails) + 1 + (np.arange(len(repeated)) - starts)
        yield np.column_stack([repeated, last.astype(np.int32)])


def _null_vectors(
    rows: np.ndarray, faces: np.ndarray, subsets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Null vectors of the row subsets that are independent, and the subsets kept.

    ``faces`` gives, per row, the parameter a face row sets to zero (-1: data row).
    """
    if rows.shape[1] > 6:  # cofactors of wide systems are slow: one QR per subset
        return _null_vectors_qr(rows, faces, subsets)
    u = generalized_cross_product(rows[subsets])
    # Hadamard: every cofactor is at most the product of the row norms.
    hadamard = np.prod(np.linalg.norm(rows, axis=1)[subsets], axis=1)
    independent = np.linalg.norm(u, axis=1) > DEPENDENT * hadamard
    return u[independent], subsets[independent]


def _null_vectors_qr(
    rows: np.ndarray, faces: np.ndarray, subsets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One small QR per subset, after removing the parameters that face rows zero."""
    size = rows.shape[1]
    kept, vectors = [], []
    # Threads only slow small factorisations down (20x measured on a busy 2-core box).
    with threadpool_limits(limits=1, user_api="blas"):
        for index, subset in enumerate(subsets):
            u = _null_vector_qr(rows, faces, subset, size)
            if u is not None:
                kept.append(index)
                vectors.append(u)
    if not kept:
        return np.zeros((0, size)), subsets[:0]
    return np.array(vectors), subsets[kept]


def _null_vector_qr(rows, faces, subset, size) -> np.ndarray | None:
    fixed = faces[subset]
    free = np.setdiff1d(np.arange(size), fixed[fixed >= 0])
    data = rows[subset[fixed < 0]][:, free]
    if len(free) != len(data) + 1:
        return None
    u = np.zeros(size)
    if len(data) == 0:
        u[free] = 1.0
        return u
    q, r = np.linalg.qr(data.T, mode="complete")
    if np.abs(np.diag(r)).min() <= DEPENDENT * np.linalg.norm(data, axis=1).max():
        return None
    u[free] = q[:, -1]
    return u


def _chains_from_vectors(u: np.ndarray, d: int, both_signs: bool, enumerated: bool = True):
    """Scale null vectors to ||w||_1 = 1 (skipping ||w||_1 ~ 0) and split into chains.

    With ``both_signs`` every u stands for two vertices, u and -u; the chains of all
    u come first, then those of all -u (the order is the discovery order).
    """
    w_norm = np.abs(u[:, :d]).sum(axis=1)
    usable = w_norm > DEPENDENT * np.linalg.norm(u, axis=1)
    u = u[usable] / w_norm[usable, None]
    source = np.flatnonzero(usable)
    # A negative offset c_l only adds |c_l| to the layer (|h - c_l| = h + |c_l| for
    # h >= 0), i.e. the chain equals one with c_l = 0 and c_(l+1) shifted, plus a
    # constant.  So the sup over all unit chains is the sup over c >= 0, whose
    # vertices are the vertices with c >= 0 (the faces c_l = 0 are rows).  The test
    # on -u is the same test on u with the inequality reversed (no copy of u).
    rounding = DEPENDENT * np.maximum(1.0, np.abs(u[:, d:]).max(axis=1, initial=0.0))
    offsets = u[:, d + 1 :]
    keep = [np.all(offsets >= -rounding[:, None], axis=1)]
    if both_signs:
        keep.append(np.all(offsets <= rounding[:, None], axis=1))
        # (w, b1, c) and (-w, -b1, c) are the same chain, and the rows are symmetric
        # under this map (it flips s_1), so enumeration finds every such pair of
        # vertices twice: keep the member whose (w, b1) has a positive projection on a
        # fixed generic direction (ties have probability zero).  A sample need not
        # contain both, so there the member is flipped instead of dropped.
        projection = u[:, : d + 1] @ _generic_direction(d + 1)
        positive = [projection > 0, projection < 0]  # for u and for -u
    chains, sources, signs = [], [], []
    for copy, sign in enumerate((1, -1)[: len(keep)]):
        if both_signs and enumerated:
            keep[copy] &= positive[copy]
        chosen = sign * u[keep[copy]]
        if both_signs and not enumerated:
            chosen[~positive[copy][keep[copy]], : d + 1] *= -1.0
        chains.append(chosen)
        sources.append(source[keep[copy]])
        signs.append(np.full(len(chosen), sign, dtype=np.int8))
    u, source, signs = np.concatenate(chains), np.concatenate(sources), np.concatenate(signs)
    np.maximum(u[:, d + 1 :], 0.0, out=u[:, d + 1 :])
    return u[:, :d], u[:, d], u[:, d + 1 :], source, signs


@functools.cache
def _generic_direction(size: int) -> np.ndarray:
    """A fixed generic direction (computed once per size; read-only: it is shared)."""
    direction = np.random.default_rng(2024).standard_normal(size)
    direction.setflags(write=False)
    return direction


def _enumerate_vertices(points: np.ndarray, depth: int, keeper: _UniqueColumns) -> None:
    d = points.shape[1]
    rows, table = vertex_rows(points, depth)
    faces = table["face"].to_numpy()
    k = d + depth - 2
    both = depth > 2  # for L = 2, -u gives the same column |w.x + b1|
    for subsets in _combination_chunks(len(rows), k, max(256, keeper.chunk_size() // 2)):
        _add_vertices(rows, faces, subsets, d, both, keeper)


def _add_vertices(rows, faces, subsets, d, both, keeper, enumerated=True) -> None:
    u, subsets = _null_vectors(rows, faces, subsets)
    W, b1, C, source, signs = _chains_from_vectors(u, d, both, enumerated)
    subsets = subsets[source]
    keeper.add(W, b1, C, {"rows": subsets, "vertex_sign": signs})


def _sample_vertices(points, depth, n_samples, seed, keeper) -> None:
    """Vertices of random row subsets until n_samples distinct columns are found.

    A uniformly random subset of all rows is almost always dependent (every point's
    rows share w.x_n + b1), so each subset is drawn as: a number m of data rows,
    uniform in 1..min(k, n); m distinct random points, each with a random level and
    sign pattern; and k - m random face rows (k = d + L - 2).
    """
    d = points.shape[1]
    rows, table = vertex_rows(points, depth)
    faces = table["face"].to_numpy()
    k = d + depth - 2
    face_rows = np.flatnonzero(faces >= 0)
    per_point = 2 ** (depth - 1) - 1  # data rows of one point are consecutive
    rng = np.random.default_rng(seed)
    batch = max(64, min(4096, n_samples))
    for _attempt in range(max(20, 50 * n_samples // batch)):
        subsets = np.empty((batch, k), dtype=np.int32)
        for i in range(batch):
            m = rng.integers(1, min(k, len(points)) + 1)
            chosen = rng.choice(len(points), size=m, replace=False)
            data = chosen * per_point + rng.integers(0, per_point, size=m)
            subsets[i] = np.sort(np.concatenate([data, rng.choice(face_rows, k - m, False)]))
        _add_vertices(rows, faces, subsets, d, depth > 2, keeper, enumerated=False)
        if keeper.count() >= n_samples:
            break
    keeper.truncate(n_samples)


# ------------------------------------------------------------ closed-form families


def _closed_form(points: np.ndarray, depth: int, keeper: _UniqueColumns) -> None:
    """Paper families: wedge (3.2), reflection (3.3, L = 3), multilevel (3.4, L >= 4)."""
    if depth == 3:
        _reflection_features(points, keeper)
        return
    W, b1, info = _wedge_features(points)
    if depth == 2:
        keeper.add(W, b1, np.zeros((len(b1), 0)), info)
        return
    _multilevel_features(points, depth, W, b1, info, keeper)


def _normals(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit-l1 normals of (B, d-1, d) spanning sets, and the mask of non-degenerate ones."""
    normal = hyperplane_normal(vectors, rtol=DEPENDENT)
    ok = ~np.isnan(normal[:, 0])
    return normal[ok], ok


def _wedge_features(points: np.ndarray):
    """3.2: g(x) = |w.(x - x_j)|, w orthogonal to d-1 of {x_n - x_j} and the axes."""
    n, d = points.shape
    axes = np.eye(d)
    Ws, b1s, infos = [], [], []
    for anchor in range(n):
        pool = np.concatenate([points - points[anchor], axes])
        codes = np.concatenate([np.arange(n), -1 - np.arange(d)])  # point n, or axis i
        for sets in _combination_chunks(len(pool), d - 1, 100_000):
            w, ok = _normals(pool[sets])
            Ws.append(w)
            b1s.append(-w @ points[anchor])
            infos.append(
                {
                    "anchor": np.full(len(w), anchor, np.int32),
                    "span": codes[sets[ok]].astype(np.int32),
                    "span_ref": np.where(codes[sets[ok]] >= 0, 0, -1).astype(np.int8),
                }
            )
    return np.concatenate(Ws), np.concatenate(b1s), _concat(infos)


def _reflection_features(points: np.ndarray, keeper: _UniqueColumns) -> None:
    """3.3: g(x) = ||w.(x - x_j)| - |w.(x_k - x_j)||, mirror through x_j, kink at x_k.

    w is orthogonal to d-1 vectors x_n - x' with x' in {x_j, x_k, 2 x_j - x_k} or an
    axis: exactly the vertices with rows e_1(x_j) = 0 and e_2(x_k) = 0 (k = j gives
    the two-layer wedge feature as a depth-3 chain).
    """
    n, d = points.shape
    codes = np.concatenate([np.tile(np.arange(n), 3), -1 - np.arange(d)])
    refs = np.concatenate([np.repeat(np.arange(3), n), np.full(d, -1)]).astype(np.int8)
    kinks = np.arange(n)
    for anchor in range(n):
        # pools[k]: x_n - x_j, x_n - x_k, x_n - (2 x_j - x_k), axes; all kinks k at once
        mirrored = reflect_point(points[anchor], points)
        pools = np.concatenate(
            [
                np.broadcast_to(points - points[anchor], (n, n, d)),
                points[None, :, :] - points[:, None, :],
                points[None, :, :] - mirrored[:, None, :],
                np.broadcast_to(np.eye(d), (n, d, d)),
            ],
            axis=1,
        )
        per_chunk = max(1, keeper.chunk_size() // n)
        for sets in _combination_chunks(len(pools[0]), d - 1, per_chunk):
            vectors = pools[:, sets].reshape(n * len(sets), d - 1, d)  # (kink, set) flat
            w, ok = _normals(vectors)
            kink = np.repeat(kinks, len(sets))[ok]
            chosen = np.tile(sets, (n, 1))[ok]
            b1 = -w @ points[anchor]
            c2 = np.abs(np.einsum("pd,pd->p", w, points[kink] - points[anchor]))
            keeper.add(
                w,
                b1,
                c2[:, None],
                {
                    "anchor": np.full(len(w), anchor, np.int32),
                    "span": codes[chosen].astype(np.int32),
                    "span_ref": refs[chosen],
                    "kinks": kink[:, None].astype(np.int32),
                },
            )


def _multilevel_features(points, depth, W, b1, info, keeper) -> None:
    """3.4: g_l(x) = |g_(l-1)(x) - g_(l-1)(x_(n_l))| for every tuple (n_2..n_(L-1))."""
    n = len(points)
    per_tuple = max(1, keeper.chunk_size() // max(1, n ** (depth - 2)))
    for start in range(0, len(b1), per_tuple):
        part = slice(start, start + per_tuple)
        w, b, sub = W[part], b1[part], {k: v[part] for k, v in info.items()}
        values = np.abs(points @ w.T + b).T  # (p, n): g_1 on the data
        C = np.zeros((len(b), 0))
        kinks = np.zeros((len(b), 0), np.int32)
        for _level in range(2, depth):
            p = len(b)
            repeat = np.repeat(np.arange(p), n)
            chosen = np.tile(np.arange(n), p)
            offset = values[repeat, chosen]
            values = np.abs(values[repeat] - offset[:, None])
            C = np.column_stack([C[repeat], offset])
            kinks = np.column_stack([kinks[repeat], chosen]).astype(np.int32)
            w, b = w[repeat], b[repeat]
            sub = {k: v[repeat] for k, v in sub.items()}
        keeper.add(w, b, C, {**sub, "kinks": kinks})


# ------------------------------------------------------------------ meaning tables

FAMILIES = ("wedge", "reflection", "multilevel", "vertex")
SPAN_REFS = ("axis", "anchor", "kink", "mirrored_kink")
EXPANDED_ROWS = 8  # vertices fixed by more rows keep them as tuples, not columns


def _meaning_table(info, kind, points, depth, first_index, C, quantum) -> pd.DataFrame:
    """DataFrame aligned with the columns; point indices refer to rows of the input X.

    Common columns: ``family`` (wedge, reflection, multilevel, vertex), ``anchor``
    (training point on the first-layer hyperplane, -1 if none) and ``order`` (number
    of active reflections, offsets c_l > 0).  Index -1 means "not applicable".
    """
    to_x = np.append(first_index, -1).astype(np.int32)  # index -1 stays -1
    if kind == "closed-form":
        frame = _closed_form_meaning(info, to_x)
    else:
        frame = _vertex_meaning(info, points, depth, to_x)
    frame["order"] = (C > quantum).sum(axis=1).astype(np.int8)
    if kind == "closed-form":
        reflected = "reflection" if depth == 3 else "multilevel"
        family = np.where(frame["order"] > 0, reflected, "wedge")
    else:
        family = np.full(len(frame), "vertex")
    frame.insert(0, "family", pd.Categorical(family, categories=FAMILIES))
    return frame


def _closed_form_meaning(info: dict, to_x: np.ndarray) -> pd.DataFrame:
    """anchor; span{i}_point / span{i}_axis / span{i}_ref; kink{l} for l = 2..L-1.

    Spanning vector i is x[span{i}_point] - x' with x' named by span{i}_ref: the
    anchor, the kink point x[kink2], or its mirror 2 x[anchor] - x[kink2]; or the
    coordinate axis span{i}_axis.  kink{l} is the training point whose value sets c_l.
    """
    frame = pd.DataFrame({"anchor": to_x[info["anchor"]]})
    span, refs = info["span"], info["span_ref"]
    for i in range(span.shape[1]):
        is_axis = span[:, i] < 0
        frame[f"span{i}_point"] = np.where(is_axis, -1, to_x[np.maximum(span[:, i], 0)])
        frame[f"span{i}_axis"] = np.where(is_axis, -1 - span[:, i], -1).astype(np.int16)
        frame[f"span{i}_ref"] = pd.Categorical.from_codes(refs[:, i] + 1, SPAN_REFS)
    kinks = info.get("kinks", np.zeros((len(frame), 0), np.int32))
    for level in range(kinks.shape[1]):
        frame[f"kink{level + 2}"] = to_x[kinks[:, level]]
    return frame


def _vertex_meaning(info: dict, points, depth, to_x) -> pd.DataFrame:
    """The rows that fixed each vertex (see ``vertex_rows``) and the null vector's sign.

    Up to EXPANDED_ROWS rows: columns row{i}_point, row{i}_level, row{i}_signs and
    row{i}_face (-1 where not applicable); beyond: tuples in columns data_points,
    data_levels, data_signs (data rows) and faces (zeroed parameter indices).
    """
    _, table = vertex_rows(points, depth)
    defining = info["rows"]
    point = to_x[table["point"].to_numpy()[defining]]
    level = table["level"].to_numpy()[defining].astype(np.int8)
    signs = table["signs"].to_numpy()[defining].astype(np.int16)
    face = table["face"].to_numpy()[defining].astype(np.int16)
    level_one = level == 1
    first = level_one.argmax(axis=1)
    anchor = np.where(level_one.any(axis=1), point[np.arange(len(point)), first], -1)
    frame = pd.DataFrame({"anchor": anchor})
    if defining.shape[1] <= EXPANDED_ROWS:
        for i in range(defining.shape[1]):
            frame[f"row{i}_point"] = point[:, i]
            frame[f"row{i}_level"] = level[:, i]
            frame[f"row{i}_signs"] = signs[:, i]
            frame[f"row{i}_face"] = face[:, i]
    else:
        data = face < 0
        frame["data_points"] = [tuple(p[m]) for p, m in zip(point, data, strict=True)]
        frame["data_levels"] = [tuple(v[m]) for v, m in zip(level, data, strict=True)]
        frame["data_signs"] = [tuple(v[m]) for v, m in zip(signs, data, strict=True)]
        frame["faces"] = [tuple(v[~m]) for v, m in zip(face, data, strict=True)]
    frame["vertex_sign"] = info["vertex_sign"]
    return frame


def chain_meaning(X: np.ndarray, depth: int, W, b1, C) -> pd.DataFrame:
    """The meaning table of given chains (as for kind="exact"): for each chain, the
    vertex rows it satisfies (``vertex_rows``: point, level, sign pattern, faces).

    Used for chains that were not enumerated (column generation): in the centred
    unit-spread coordinates of ``build_dictionary``, the rows with rows @ u ~ 0 are
    found and d + L - 2 independent ones kept, smallest residual first.
    ``vertex_residual`` is the largest |row . u| among them (about 1e-12 for a vertex;
    larger means the chain is not a vertex and its last rows are only the nearest).
    """
    points, first_index = _check_points(X)
    center = points.mean(axis=0)
    scale = np.abs(points - center).max()
    unit = (points - center) / scale
    W = np.asarray(W, dtype=float).reshape(len(b1), -1)
    C = np.asarray(C, dtype=float).reshape(len(b1), -1) / scale
    u = np.column_stack([W, (np.asarray(b1, dtype=float) + W @ center) / scale, C])
    rows, _ = vertex_rows(unit, depth)
    k = unit.shape[1] + depth - 2
    defining = np.zeros((len(u), k), dtype=np.int64)
    worst = np.zeros(len(u))
    norms = np.linalg.norm(rows, axis=1)
    for j, vector in enumerate(u):
        residual = np.abs(rows @ vector) / norms
        defining[j], worst[j] = _independent_rows(rows, residual, k)
    info = {"rows": defining, "vertex_sign": np.ones(len(u), dtype=np.int8)}
    frame = _meaning_table(info, "exact", unit, depth, first_index, C, QUANTUM)
    frame["vertex_residual"] = worst / np.maximum(np.linalg.norm(u, axis=1), 1e-300)
    return frame


def _ascending(residual: np.ndarray, first: int = 64):
    """The indices of np.argsort(residual, kind="stable"), in that order, without
    sorting all of them unless needed: the ``first`` smallest (and their ties) are
    sorted first, the rest only if the caller reads that far."""
    if len(residual) <= first:
        yield from np.argsort(residual, kind="stable")
        return
    threshold = np.partition(residual, first - 1)[first - 1]
    low = np.flatnonzero(residual <= threshold)
    yield from low[np.argsort(residual[low], kind="stable")]
    high = np.flatnonzero(residual > threshold)
    yield from high[np.argsort(residual[high], kind="stable")]


def _independent_rows(rows: np.ndarray, residual: np.ndarray, k: int):
    """k independent rows, smallest residual first, and the largest residual used."""
    chosen: list[int] = []
    for index in _ascending(residual):
        trial = rows[chosen + [index]]
        if np.linalg.matrix_rank(trial, tol=DEPENDENT * np.sqrt(len(trial))) == len(trial):
            chosen.append(int(index))
            if len(chosen) == k:
                break
    return np.sort(chosen), float(residual[chosen].max(initial=0.0))


def describe_column(row: pd.Series, depth: int, dim: int) -> str:
    """Human-readable origin of one column, from its row of the meaning table."""
    family = row["family"]
    if family == "vertex":
        return _describe_vertex(row, dim)
    spans = []
    for i in range(dim - 1):
        if row[f"span{i}_ref"] == "axis":
            spans.append(f"axis e{row[f'span{i}_axis']}")
        else:
            ref = {
                "anchor": "x[anchor]",
                "kink": "x[kink2]",
                "mirrored_kink": "2x[anchor]-x[kink2]",
            }[row[f"span{i}_ref"]]
            spans.append(f"x[{row[f'span{i}_point']}]-{ref}")
    text = f"{family}: hyperplane through x[{row['anchor']}]"
    if spans:
        text += " spanned by " + ", ".join(spans)
    kinks = [f"c{level}: x[{row[f'kink{level}']}]" for level in range(2, depth)]
    if kinks and row["order"] > 0:
        text += "; offsets from " + ", ".join(kinks)
    if family == "reflection":
        text += f"; zero at x[{row['kink2']}] and its mirror 2x[{row['anchor']}]-x[{row['kink2']}]"
    return text


def _describe_vertex(row: pd.Series, dim: int) -> str:
    if "data_points" in row.index:
        data = list(zip(row["data_points"], row["data_levels"], row["data_signs"], strict=True))
        faces = list(row["faces"])
    else:
        data, faces = [], []
        i = 0
        while f"row{i}_point" in row.index:
            if row[f"row{i}_face"] >= 0:
                faces.append(row[f"row{i}_face"])
            else:
                data.append((row[f"row{i}_point"], row[f"row{i}_level"], row[f"row{i}_signs"]))
            i += 1
    parts = [f"x[{p}] on a layer-{lv} kink{_sign_text(s, lv)}" for p, lv, s in data]
    parts += [f"w{f}=0" if f < dim else f"c{f - dim + 1}=0" for f in faces]
    return "vertex: " + ", ".join(parts) + f" (order {row['order']})"


def _sign_text(bits: int, level: int) -> str:
    """Sign pattern s_1..s_(l-1) of a data row, e.g. ' (signs +-)'."""
    if level <= 1:
        return ""
    return " (signs " + "".join("-" if bits >> m & 1 else "+" for m in range(level - 1)) + ")"
