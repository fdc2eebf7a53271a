"""Pricing: the unit chains that correlate most with a dual vector, over the *whole*
exact dictionary, without storing it.

Given a dual vector lambda (the centred residual, 1.lambda = 0), the Lasso over all unit
chains of depth L is optimal iff sup_g |lambda . g(X)| <= beta.  ``price`` returns that
supremum (exact: the maximum over every vertex of the exact dictionary) and the ``count``
chains that attain the largest values, for column generation.

Implementations (chosen by ``method="auto"``):
- structured 1-D pricing for L = 2, 3, 4 and the angular sweep for L = 2 in any d
  (``reflasso.structured``), which use sorted points and prefix sums;
- streaming vertex enumeration in bounded chunks for everything else.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class PricedChains:
    """The best chains for one dual vector, in the caller's (original) coordinates.

    Chains follow ``reflasso.chains``: rows of W have ||w||_1 = 1, C >= 0.  ``scores`` are
    |g(X) . lambda| in descending order; ``max_score`` is the exact supremum over all unit
    chains of that depth (equal to ``scores[0]`` whenever a chain is returned).
    """

    W: np.ndarray  # (k, d)
    b1: np.ndarray  # (k,)
    C: np.ndarray  # (k, depth - 2)
    scores: np.ndarray  # (k,)
    max_score: float


#: Working memory of one streamed chunk (the chunk's feature matrix on the points).
DEFAULT_CHUNK_BYTES = 64 << 20
METHODS = ("auto", "structured", "streaming")
#: Candidates kept per requested chain before near-copies are dropped.
POOL = 20
#: Columns with |cos| above this (after centring) count as near-copies of a better one.
NEAR_COPY = 0.999


def price(
    X,
    residual,
    depth: int,
    count: int = 1,
    *,
    method: str = "auto",
    device: str = "cpu",
    chunk_bytes: float = DEFAULT_CHUNK_BYTES,
    spread: bool = True,
) -> PricedChains:
    """The supremum of |lambda . g(X)| over all unit chains g of depth L, and the
    ``count`` best chains (near-copies dropped), with lambda = residual - mean(residual).

    ``method``: "structured" (``reflasso.structured``: sorted points and prefix sums),
    "streaming" (vertex enumeration in chunks of about ``chunk_bytes``; memory does not
    grow with the dictionary) or "auto" (structured where it exists for (d, L)).
    ``device``: torch device of the streaming evaluation ("cpu", "cuda", or "auto":
    cuda when available).  ``spread``: structured pricing returns chains spread over
    the data (each region's best, docs/pricing.md); False: the best ones, near-copies
    of one another included.
    """
    from .dictionary import _check_points
    from .io import check_depth

    depth = check_depth(depth)
    X = np.asarray(X, dtype=float)
    X = X[:, None] if X.ndim == 1 else X
    lam = np.asarray(residual, dtype=float).ravel()
    if len(lam) != len(X):
        raise ValueError(f"residual has {len(lam)} entries, X has {len(X)} rows")
    if method not in METHODS:
        raise ValueError(f"unknown pricing method {method!r}; choose one of {METHODS}")
    lam = lam - lam.mean()  # the dual constraint needs 1.lambda = 0 (free intercept)
    count = max(1, int(count))
    _check_points(X)  # clear errors for NaN/inf or identical points
    structured = _structured_module() if method != "streaming" else None
    usable = structured is not None and structured.supports(X.shape[1], depth)
    if method == "structured" and not usable:
        raise ValueError(
            f"no structured pricing for d={X.shape[1]}, depth {depth}"
            + ("" if structured else " (reflasso.structured is not available)")
            + "; use method='streaming' or 'auto'"
        )
    if usable:
        if depth == 2:
            return structured.price_depth2(X, lam, count, spread)
        return structured.price_line(X, lam, depth, count, spread)
    return _price_streaming(X, lam, depth, count, _torch_device(device), chunk_bytes)


def _structured_module():
    try:
        from . import structured
    except ImportError:
        return None
    return structured


def _torch_device(device: str):
    import torch

    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if str(device).startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} asked for, but torch sees no CUDA device")
    return torch.device(device)


# ------------------------------------------------------------------------ streaming


def _price_streaming(X, lam, depth, count, device, chunk_bytes) -> PricedChains:
    """Every vertex of docs/method.md §3.1, chunk by chunk, with a running top list.

    Works in the centred unit-spread coordinates of ``build_dictionary`` (same rows,
    same vertices): g(x) = scale * g'((x - center) / scale), so lambda . g(X) is
    scale * lambda . g'(X').  Copies of a point are merged (their lambdas add up).
    """
    import torch

    from .dictionary import _chains_from_vectors, _combination_chunks, _null_vectors, vertex_rows

    points, inverse = np.unique(X, axis=0, return_inverse=True)
    weights = np.bincount(inverse.ravel(), weights=lam, minlength=len(points))
    center = points.mean(axis=0)
    scale = np.abs(points - center).max()
    unit = (points - center) / scale
    n, d = unit.shape
    rows, table = vertex_rows(unit, depth)
    faces = table["face"].to_numpy()
    prune = _dependence_filter(table, d, depth)
    k = d + depth - 2
    per_chunk = max(256, int(chunk_bytes // (8 * 3 * n)))
    tX = torch.as_tensor(unit, device=device)
    tlam = torch.as_tensor(weights, device=device)
    top = _TopChains(POOL * count, d, depth)
    for subsets in _combination_chunks(len(rows), k, per_chunk):
        subsets = subsets[prune(subsets)]
        u, _ = _null_vectors(rows, faces, subsets)
        W, b1, C, _, _ = _chains_from_vectors(u, d, both_signs=depth > 2)
        if len(b1):
            scores = _correlate(tX, tlam, W, b1, C, device)
            top.add(scores, W, b1, C)
    W, b1, C, scores = top.result()
    best = float(scores[0]) * scale if len(scores) else 0.0
    W, b1, C, scores = _drop_near_copies(unit, W, b1, C, scores, count)
    return PricedChains(
        W=W, b1=scale * b1 - W @ center, C=scale * C, scores=scale * scores, max_score=best
    )


def _correlate(tX, tlam, W, b1, C, device) -> np.ndarray:
    """|lambda . g(X)| for a batch of chains, evaluated in torch (float64) on device."""
    import torch

    h = tX @ torch.as_tensor(W, device=device).T
    h += torch.as_tensor(b1, device=device)
    h.abs_()
    for level in range(C.shape[1]):
        h -= torch.as_tensor(C[:, level], device=device)
        h.abs_()
    return (tlam @ h).abs_().cpu().numpy()


def _dependence_filter(table, d: int, depth: int):
    """A mask function for row subsets that can be independent.

    All rows of one point lie in the span of (x_n, 1, 0) and the offsets' unit vectors
    (dimension L - 1), which also holds the face rows c_l = 0.  So a subset with more
    than L - 1 rows from that span (one point's rows plus offset faces) is dependent
    and is skipped before any null vector is computed.
    """
    point = table["point"].to_numpy()
    offset_face = (table["face"].to_numpy() > d).astype(np.int64)  # c_l = 0 rows
    limit = depth - 1

    def mask(subsets: np.ndarray) -> np.ndarray:
        if subsets.shape[1] <= limit:
            return np.ones(len(subsets), dtype=bool)
        p = point[subsets]
        faces = offset_face[subsets].sum(axis=1)
        same = (p[:, :, None] == p[:, None, :]) & (p[:, :, None] >= 0)
        per_point = same.sum(axis=2)  # rows of the same point, each row's own point
        return (per_point + faces[:, None]).max(axis=1) <= limit

    return mask


class _TopChains:
    """The ``size`` best chains seen so far, one per score value.

    Many row subsets fix the same vertex (degenerate vertices, copies that differ only
    beyond the data), and copies have equal scores: keeping one chain per score
    (to 1e-12 of the largest) stops them from filling the list.
    """

    def __init__(self, size: int, d: int, depth: int):
        self.size = size
        self.W, self.b1 = np.zeros((0, d)), np.zeros(0)
        self.C, self.scores = np.zeros((0, depth - 2)), np.zeros(0)

    def add(self, scores, W, b1, C) -> None:
        if len(self.scores) >= self.size and scores.max() < self.scores.min():
            return
        scores = np.concatenate([self.scores, scores])
        W, b1 = np.concatenate([self.W, W]), np.concatenate([self.b1, b1])
        C = np.concatenate([self.C, C])
        key = np.round(scores / max(scores.max(), 1e-300), 12)
        _, first = np.unique(key, return_index=True)
        if len(first) > self.size:
            first = first[np.argpartition(-scores[first], self.size - 1)[: self.size]]
        self.W, self.b1, self.C, self.scores = W[first], b1[first], C[first], scores[first]

    def result(self):
        order = np.argsort(-self.scores, kind="stable")
        return self.W[order], self.b1[order], self.C[order], self.scores[order]


def _drop_near_copies(points, W, b1, C, scores, count):
    """The ``count`` best chains, skipping columns nearly parallel (|cos| > NEAR_COPY)
    to a better one (``solvers._diverse_violators`` on the chains' columns at
    ``points``)."""
    from .dictionary import Dictionary
    from .solvers import DictionaryColumns, _diverse_violators

    if len(scores) == 0:
        return W, b1, C, scores
    chains = Dictionary(depth=C.shape[1] + 2, W=W, b1=b1, C=C, kind="priced")
    chosen = _diverse_violators(
        DictionaryColumns(chains, points), scores, 0.0, count, similar=NEAR_COPY
    )
    chosen = chosen[np.argsort(-scores[chosen], kind="stable")]
    return W[chosen], b1[chosen], C[chosen], scores[chosen]
