"""Analysis of fitted functions for the tables and figures: evaluation grids, kinks (found
numerically, and exactly from a Lasso fit's chains), weight angles, symmetry scores.

Definitions (also in docs/training.md):

- Kinks along a line x0 + t u are found on a dense grid: where the slope of the
  piecewise-linear interpolant changes by more than a threshold, the kink is placed at
  the intersection of the clean line pieces on either side (exact for a piecewise-linear
  function whose kinks are more than two grid cells apart).
- Candidates are the training points projected on the line (order 0) and their
  reflections 2a - b (order k: a, b of order < k, at least one of order k - 1).
- The reflection-symmetry score of f about a centre c on [lo, hi] is
  S(c) = 1 - ||f(c+t) - f(c-t)|| / (sqrt(2) * ||(f(c+t), f(c-t)) - mean||) for t in
  [0, r], r = min(c - lo, hi - c); 1 for a mirror-symmetric piece, 0 for an
  antisymmetric one, always in [0, 1].
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from .io import check_depth


def line_function(predict: Callable, x0=None, direction=None) -> Callable:
    """t -> predict(x0 + t * direction) as a 1-D array; for 1-D data x0 = 0, direction = 1."""

    def along(t):
        t = np.asarray(t, dtype=float).reshape(-1)
        if x0 is None and direction is None:
            return np.asarray(predict(t[:, None]), dtype=float).reshape(-1)
        origin = np.zeros_like(direction, dtype=float) if x0 is None else np.asarray(x0, float)
        u = np.asarray(direction, dtype=float)
        return np.asarray(predict(origin + t[:, None] * u), dtype=float).reshape(-1)

    return along


def line_coordinates(points, x0=None, direction=None) -> np.ndarray:
    """Coordinates t of the orthogonal projections of points on the line x0 + t * direction."""
    points = np.asarray(points, dtype=float)
    if points.ndim == 1:
        points = points[:, None]
    if direction is None:
        if points.shape[1] != 1:
            raise ValueError("points in more than one dimension need a direction")
        direction = np.ones(1)
    u = np.asarray(direction, dtype=float)
    if not np.any(u):
        raise ValueError("direction must be non-zero")
    origin = np.zeros_like(u) if x0 is None else np.asarray(x0, dtype=float)
    return (points - origin) @ u / (u @ u)


def find_kinks(
    f: Callable, t_min: float, t_max: float, n_grid: int = 20001, rel_tol: float = 1e-6
) -> np.ndarray:
    """Locations t in (t_min, t_max) where the 1-D function f has a kink.

    A grid vertex is flagged when the slope changes by more than
    max(rel_tol * max|slope|, rounding level); each run of flagged vertices is one kink,
    placed where the line pieces just outside the run intersect.
    """
    if not t_max > t_min or n_grid < 5:
        raise ValueError(f"need t_min < t_max and n_grid >= 5 (got {t_min}, {t_max}, {n_grid})")
    t = np.linspace(t_min, t_max, n_grid)
    values = f(t)
    h = t[1] - t[0]
    slopes = np.diff(values) / h
    change = np.abs(np.diff(slopes))  # change[k] sits at vertex t[k + 1]
    rounding = 1e3 * np.finfo(float).eps * (np.abs(values).max() + 1.0) / h
    flagged = np.flatnonzero(change > max(rel_tol * np.abs(slopes).max(), rounding)) + 1
    kinks = []
    for run in np.split(flagged, np.flatnonzero(np.diff(flagged) > 1) + 1):
        if len(run) == 0:
            continue
        left, right = run[0] - 1, run[-1]  # clean cells: [t[left], t[left+1]], [t[right], ...]
        if left < 0 or right >= len(slopes):
            continue
        s_left, s_right = slopes[left], slopes[right]
        if s_left == s_right:
            continue
        crossing = (values[right] - values[left] + s_left * t[left] - s_right * t[right]) / (
            s_left - s_right
        )
        kinks.append(float(np.clip(crossing, t[left], t[right + 1])))
    return np.asarray(kinks)


def kink_candidates(coordinates, max_order: int = 1) -> pd.DataFrame:
    """Training points (order 0) and reflections 2a - b up to ``max_order``.

    Returns a DataFrame with columns location, kind ('data' or 'reflection'), order and
    source (e.g. 'x[2]' or '2*x[2]-x[0]').  Order k has about n^(2^k) points: keep
    max_order <= 2 for more than a handful of points.
    """
    if max_order < 0:
        raise ValueError(f"max_order must be >= 0 (got {max_order})")
    coordinates = np.asarray(coordinates, dtype=float).reshape(-1)
    locations = list(coordinates)
    sources = [f"x[{i}]" for i in range(len(coordinates))]
    orders = [0] * len(coordinates)
    for order in range(1, max_order + 1):
        count = len(locations)
        for a in range(count):
            for b in range(count):
                if a != b and max(orders[a], orders[b]) == order - 1:
                    locations.append(2 * locations[a] - locations[b])
                    sources.append(
                        f"2*({sources[a]})-({sources[b]})"
                        if order > 1
                        else f"2*{sources[a]}-{sources[b]}"
                    )
                    orders.append(order)
    table = pd.DataFrame({"location": locations, "order": orders, "source": sources})
    table["kind"] = np.where(table["order"] == 0, "data", "reflection")
    return table[["location", "kind", "order", "source"]]


def match_kinks(kinks, candidates: pd.DataFrame) -> pd.DataFrame:
    """For each kink location: the nearest candidate (lowest order among ties) and distance."""
    kinks = np.asarray(kinks, dtype=float).reshape(-1)
    ordered = candidates.sort_values("order", kind="stable").reset_index(drop=True)
    where = ordered["location"].to_numpy()
    rows = []
    for kink in kinks:
        distance = np.abs(where - kink)
        best = int(np.argmax(distance <= distance.min() * (1 + 1e-9) + 1e-12))
        rows.append(
            {
                "location": kink,
                "nearest": where[best],
                "kind": ordered["kind"][best],
                "order": int(ordered["order"][best]),
                "source": ordered["source"][best],
                "distance": float(distance[best]),
            }
        )
    columns = ["location", "nearest", "kind", "order", "source", "distance"]
    return pd.DataFrame(rows, columns=columns)


def kinks_along_line(
    predict: Callable,
    points,
    *,
    x0=None,
    direction=None,
    t_range=None,
    max_order: int = 1,
    n_grid: int = 20001,
    rel_tol: float = 1e-6,
) -> pd.DataFrame:
    """Kinks of a trained function along x0 + t u, matched to training points and reflections.

    ``predict`` maps (n, d) points to n values (e.g. ``TrainResult.predict``); ``points``
    are the training inputs (n, d), or (n,) for 1-D data.  ``t_range`` defaults to the
    projected data range widened by half its length on each side (reflections of the
    outer points lie outside the data).  Columns: location, nearest, kind, order, source,
    distance (all in line coordinates t).
    """
    coordinates = line_coordinates(points, x0, direction)
    if t_range is None:
        low, high = coordinates.min(), coordinates.max()
        t_range = (low - (high - low) / 2, high + (high - low) / 2)
    f = line_function(predict, x0, direction)
    kinks = find_kinks(f, *t_range, n_grid=n_grid, rel_tol=rel_tol)
    return match_kinks(kinks, kink_candidates(coordinates, max_order))


def first_layer_weights(model) -> np.ndarray:
    """(m, d) first-layer weight rows of a reflection or standard network."""
    weight = model.first_weight if hasattr(model, "first_weight") else model.hidden[0].weight
    return weight.detach().cpu().double().numpy()


def active_chain_weights(model, share: float = 0.05) -> np.ndarray:
    """First-layer directions (rows, ||w||_1 = 1) of the chains of a reflection network
    that matter: |z_i| >= share * max |z|, with chain i = z_i * (unit chain i)."""
    coef, W, *_ = model.to_unit_chains()
    size = np.abs(coef)
    if not size.any():
        return np.zeros((0, W.shape[1]))
    return W[size >= share * size.max()]


def weight_angles(trained_W, dictionary_W) -> pd.DataFrame:
    """Angle in degrees between each trained weight row and its nearest dictionary normal.

    Planes are unoriented, so w and -w count as the same normal (angles in [0, 90]).
    Columns: unit, nearest (dictionary row), angle_deg, norm (of the trained row; filter
    out near-dead units with it).
    """
    trained = np.atleast_2d(np.asarray(trained_W, dtype=float))
    normals = np.atleast_2d(np.asarray(dictionary_W, dtype=float))
    if trained.shape[1] != normals.shape[1]:
        raise ValueError(f"weights of dimension {trained.shape[1]} vs normals {normals.shape[1]}")
    norm = np.linalg.norm(trained, axis=1)
    unit_normals = normals / np.linalg.norm(normals, axis=1, keepdims=True)
    cosine = np.abs(trained @ unit_normals.T) / np.where(norm > 0, norm, 1.0)[:, None]
    nearest = cosine.argmax(axis=1)
    # atan2 of the rejection and projection lengths: accurate for small angles, unlike arccos
    normal = unit_normals[nearest]
    projection = np.sum(trained * normal, axis=1)
    across = np.linalg.norm(trained - projection[:, None] * normal, axis=1)
    along = np.abs(projection)
    angle = np.where(norm > 0, np.degrees(np.arctan2(across, along)), np.nan)
    return pd.DataFrame(
        {"unit": np.arange(len(trained)), "nearest": nearest, "angle_deg": angle, "norm": norm}
    )


def symmetry_about(f: Callable, centre: float, lo: float, hi: float, n_grid: int = 2001) -> float:
    """S(c) in [0, 1]: 1 = f mirror-symmetric about c on the window, 0 = antisymmetric.

    The window is [c - r, c + r] with r = min(c - lo, hi - c); a constant f scores 1.
    """
    radius = min(centre - lo, hi - centre)
    if radius <= 0:
        raise ValueError(f"centre {centre} is not inside ({lo}, {hi})")
    t = np.linspace(0.0, radius, n_grid)
    right, left = f(centre + t), f(centre - t)
    mean = (right.mean() + left.mean()) / 2
    spread = np.sqrt(np.sum((right - mean) ** 2) + np.sum((left - mean) ** 2))
    if spread == 0:
        return 1.0
    return float(1.0 - np.linalg.norm(right - left) / (np.sqrt(2.0) * spread))


def symmetry_score(
    f: Callable, centres, lo: float, hi: float, min_window: float = 0.25, n_grid: int = 2001
) -> tuple[float, float | None]:
    """Best S(c) over centres whose window covers at least ``min_window`` of [lo, hi].

    Returns (score, best centre); (nan, None) when no centre qualifies.  The minimum window
    stops centres near the ends from scoring on a sliver.
    """
    best, best_centre = np.nan, None
    for centre in np.unique(np.asarray(centres, dtype=float)):
        radius = min(centre - lo, hi - centre)
        if 2 * radius < min_window * (hi - lo):
            continue
        score = symmetry_about(f, centre, lo, hi, n_grid)
        if best_centre is None or score > best:
            best, best_centre = score, float(centre)
    return best, best_centre


def multilevel_symmetry(
    f: Callable,
    centres,
    lo: float,
    hi: float,
    levels: int = 2,
    min_window: float = 0.25,
    n_grid: int = 2001,
) -> pd.DataFrame:
    """Symmetry scores of nested intervals: level 0 is [lo, hi]; each interval with a best
    centre c splits into [lo', c] and [c, hi'] for the next level.

    Returns one row per scored interval (level, lo, hi, centre, score).  The multilevel
    score is ``table.groupby("level").score.mean().mean()``: a function symmetric within
    its halves (nested symmetry) scores higher than one symmetric only as a whole.
    """
    rows = _multilevel_rows(f, centres, lo, hi, levels, min_window, n_grid)
    return pd.DataFrame(rows, columns=["level", "lo", "hi", "centre", "score"])


def _multilevel_rows(f, centres, lo, hi, levels, min_window, n_grid) -> list[dict]:
    if levels < 1:
        raise ValueError(f"levels must be >= 1 (got {levels})")
    rows, intervals = [], [(lo, hi)]
    centres = np.asarray(centres, dtype=float)
    for level in range(levels):
        next_intervals = []
        for a, b in intervals:
            inside = centres[(centres > a) & (centres < b)]
            score, centre = symmetry_score(f, inside, a, b, min_window, n_grid)
            if centre is None:
                continue
            rows.append({"level": level, "lo": a, "hi": b, "centre": centre, "score": score})
            next_intervals += [(a, centre), (centre, b)]
        intervals = next_intervals
    return rows


def _multilevel_value(rows: list[dict]) -> float:
    """``multilevel_score`` of ``_multilevel_rows`` without pandas (null loops)."""
    by_level: dict[int, list[float]] = {}
    for row in rows:
        by_level.setdefault(row["level"], []).append(row["score"])
    if not by_level:
        return float("nan")
    return float(np.mean([np.mean(scores) for scores in by_level.values()]))


def multilevel_score(table: pd.DataFrame) -> float:
    """Mean over levels of the mean interval score (nan for an empty table)."""
    if table.empty:
        return float("nan")
    return float(table.groupby("level")["score"].mean().mean())


# ------------------------------------------------------------ kinds of 1-D kinks
# Kinds a kink of a 1-D feature can have, simplest first.  Every kink of an exact
# (vertex) feature is an affine combination sum_i c_i x_i (sum c_i = 1) of at most L - 1
# training points; docs/claims.md derives which combinations occur at each depth.
KINK_KINDS = (
    "data",  # x_i
    "midpoint",  # (x_i + x_j) / 2: centre of an anchor-free depth-3 feature
    "reflection",  # 2 x_i - x_j: order 1
    "midpoint reflection",  # x_i + x_j - x_k: x_k reflected about a midpoint
    "reflection of order 2",  # 2a - b with a, b data points or order-1 reflections
    "lattice",  # sum c_i x_i, at most 3 points, c_i in Z/4, |c_i| <= 4
    "other",
)
LATTICE_STEP, LATTICE_BOUND = 0.25, 4.0


def predicted_kink_kinds(depth: int) -> tuple[str, ...]:
    """Kinds the exact dictionary of ``depth`` produces in 1-D (docs/claims.md).

    L = 2: kinks at data points; L = 3: data points, midpoints and reflections 2x_j - x_k;
    L = 4: affine combinations of 3 points with quarter coefficients (which contain the
    other named kinds).  For L >= 5 we use the L = 4 set: it is not a full prediction
    (kinks outside it are counted as 'other' and reported).
    """
    if check_depth(depth) == 2:
        return ("data",)
    if depth == 3:
        return ("data", "midpoint", "reflection")
    return KINK_KINDS[:-1]


def _lattice_points(x: np.ndarray) -> np.ndarray:
    """x_k + a (x_i - x_k) + b (x_j - x_k) over triples, a, b, 1 - a - b in Z/4, <= 4."""
    steps = np.arange(-LATTICE_BOUND, LATTICE_BOUND + LATTICE_STEP / 2, LATTICE_STEP)
    a, b = np.meshgrid(steps, steps)
    keep = np.abs(1 - a - b) <= LATTICE_BOUND
    a, b = a[keep], b[keep]
    values = [x]
    n = len(x)
    for k in range(n):
        for i in range(n):
            for j in range(i + 1, n):
                if k not in (i, j):
                    values.append(x[k] + a * (x[i] - x[k]) + b * (x[j] - x[k]))
    return np.unique(np.concatenate(values))


def kink_kind_candidates(x, lattice: bool = True) -> dict[str, np.ndarray]:
    """Sorted candidate locations of every named kind for 1-D training points x."""
    x = np.unique(np.asarray(x, dtype=float).ravel())
    pairs = np.triu_indices(len(x), k=1)
    first = 2 * x[:, None] - x[None, :]
    order1 = first[~np.eye(len(x), dtype=bool)]
    mids = (x[pairs[0]] + x[pairs[1]]) / 2
    base = np.concatenate([x, order1])
    second = (2 * base[:, None] - base[None, :]).ravel()
    candidates = {
        "data": x,
        "midpoint": mids,
        "reflection": order1,
        "midpoint reflection": (2 * mids[:, None] - x[None, :]).ravel(),
        "reflection of order 2": second,
        "lattice": _lattice_points(x) if lattice else np.zeros(0),
    }
    return {kind: np.unique(values) for kind, values in candidates.items()}


def _nearest_distance(sorted_values: np.ndarray, points: np.ndarray) -> np.ndarray:
    if len(sorted_values) == 0:
        return np.full(len(points), np.inf)
    where = np.clip(np.searchsorted(sorted_values, points), 1, len(sorted_values) - 1)
    left, right = sorted_values[where - 1], sorted_values[where]
    return np.minimum(np.abs(points - left), np.abs(points - right))


def classify_kink_kinds(positions, x, tol: float, lattice: bool = True) -> pd.DataFrame:
    """The simplest kind (``KINK_KINDS`` order) within ``tol`` of each 1-D kink position.

    Columns: location, kind, distance (to the nearest candidate of that kind; for
    'other', to the nearest candidate of any kind).  ``lattice=False`` skips the lattice
    (n^3 * 1000 points), which only depth >= 4 predicts.
    """
    positions = np.asarray(positions, dtype=float).ravel()
    candidates = kink_kind_candidates(x, lattice)
    kind = np.full(len(positions), "other", dtype=object)
    distance = np.full(len(positions), np.inf)
    for name, values in candidates.items():
        near = _nearest_distance(values, positions)
        fresh = (kind == "other") & (near <= tol)
        kind[fresh] = name
        distance = np.where(fresh | ((kind == "other") & (near < distance)), near, distance)
    return pd.DataFrame({"location": positions, "kind": kind, "distance": distance})


def relocated(positions, lo: float, hi: float, seed: int = 0) -> np.ndarray:
    """The negative control of the kink checks: as many positions, uniform on [lo, hi]."""
    count = len(np.asarray(positions).ravel())
    return np.random.default_rng(seed).uniform(lo, hi, count)


# ------------------------------------------------------- symmetry against a null
def symmetry_centres(x) -> np.ndarray:
    """Candidate centres of symmetry: the data points and their pairwise midpoints."""
    x = np.unique(np.asarray(x, dtype=float).ravel())
    pairs = np.triu_indices(len(x), k=1)
    return np.unique(np.concatenate([x, (x[pairs[0]] + x[pairs[1]]) / 2]))


def piecewise_linear(knots, values) -> Callable:
    """The continuous function through (knots, values), linear in between and beyond."""
    knots, values = np.asarray(knots, float), np.asarray(values, float)

    def f(t):
        t = np.asarray(t, dtype=float).reshape(-1)
        inside = np.interp(t, knots, values)
        left = values[0] + (t - knots[0]) * (values[1] - values[0]) / (knots[1] - knots[0])
        right = values[-1] + (t - knots[-1]) * (values[-1] - values[-2]) / (knots[-1] - knots[-2])
        return np.where(t < knots[0], left, np.where(t > knots[-1], right, inside))

    f.knots = knots
    return f


def moved_kink_functions(
    f: Callable, kinks, x, lo: float, hi: float, count: int, seed: int = 0, tol: float = 1e-9
) -> list[Callable]:
    """Null functions for a symmetry score: ``f`` with its kinks moved off their places.

    The knots are the kinks of f in (lo, hi), the data points and lo, hi, with f's values.
    Kinks more than ``tol`` from a data point are redrawn uniformly inside the gap between
    the fixed knots (data points, ends) around them and re-sorted; the values stay in
    order.  Each null function still passes through f at the data points and has the
    same number of kinks in each gap, but its kinks no longer sit at reflections.
    """
    x = np.asarray(x, dtype=float).ravel()
    kinks = np.asarray(kinks, dtype=float).ravel()
    kinks = kinks[(kinks > lo) & (kinks < hi)]
    movable = kinks[np.min(np.abs(kinks[:, None] - x[None, :]), axis=1) > tol]
    fixed = np.unique(np.concatenate([x[(x >= lo) & (x <= hi)], [lo, hi]]))
    knots = np.unique(np.concatenate([fixed, movable]))
    values = f(knots)
    is_fixed = np.isin(knots, fixed)
    rng = np.random.default_rng(seed)
    nulls = []
    for _ in range(count):
        moved = knots.copy()
        for gap in range(len(fixed) - 1):
            inside = np.flatnonzero(~is_fixed & (knots > fixed[gap]) & (knots < fixed[gap + 1]))
            moved[inside] = np.sort(rng.uniform(fixed[gap], fixed[gap + 1], len(inside)))
        nulls.append(piecewise_linear(moved, values))
    return nulls


def symmetry_against_null(
    f: Callable, kinks, x, lo: float, hi: float, count: int = 100, seed: int = 0, levels: int = 2
) -> tuple[float, np.ndarray]:
    """Multilevel symmetry score of f and of ``count`` moved-kink null functions.

    Centres are the data points and midpoints (``symmetry_centres``), the same for f
    and its nulls.  Returns (score, null scores).
    """
    centres = symmetry_centres(x)

    def score(g):
        return _multilevel_value(_multilevel_rows(g, centres, lo, hi, levels, 0.25, 401))

    nulls = moved_kink_functions(f, kinks, x, lo, hi, count, seed)
    return score(f), np.array([score(g) for g in nulls])


def exceedance(value: float, null) -> float:
    """Share of the null at least as extreme as ``value`` (>=): a one-sided p-value."""
    null = np.asarray(null, dtype=float)
    null = null[np.isfinite(null)]
    if null.size == 0 or not np.isfinite(value):
        return float("nan")
    # scores equal up to rounding (a null identical to f) count as "as extreme"
    slack = 1e-9 * max(1.0, abs(value))
    return float((1 + np.sum(null >= value - slack)) / (1 + null.size))


def closer_share(angles, null_angles) -> float:
    """Share of null angles below the median of ``angles`` (small: the angles are small)."""
    angles, null_angles = np.asarray(angles, float), np.asarray(null_angles, float)
    if angles.size == 0 or null_angles.size == 0:
        return float("nan")
    return float(np.mean(null_angles < np.median(angles)))


def symmetry_row(
    f: Callable, kinks, x, lo: float, hi: float, count: int = 100, seed: int = 0
) -> dict:
    """Score of f, its moved-kink null (median, 5 % and 95 % quantiles) and p-value."""
    score, null = symmetry_against_null(f, kinks, x, lo, hi, count, seed)
    return {
        "symmetry": score,
        "null_median": float(np.median(null)),
        "null_q05": float(np.quantile(null, 0.05)),
        "null_q95": float(np.quantile(null, 0.95)),
        "p_value": exceedance(score, null),
    }


def symmetry_control_row(
    f: Callable, kinks, x, lo: float, hi: float, count: int = 100, seed: int = 0
) -> dict:
    """The negative control of the symmetry check: one moved-kink null function of f,
    scored exactly like a measurement (its kinks are its knots; a fresh null seed)."""
    control = moved_kink_functions(f, kinks, x, lo, hi, 1, seed)[0]
    knots = control.knots
    return symmetry_row(control, knots[(knots > lo) & (knots < hi)], x, lo, hi, count, seed + 1)


def r_squared(y, prediction) -> float:
    """1 - SSE / SST of a fit on its training points (1 for an exact fit)."""
    y, prediction = np.asarray(y, float).ravel(), np.asarray(prediction, float).ravel()
    total = np.sum((y - y.mean()) ** 2)
    return float(1.0 - np.sum((y - prediction) ** 2) / total) if total > 0 else 1.0


# --------------------------------------------------------------- evaluation grids
LINE_POINTS = 801  # resolution of 1-D curves (kinks are located to about range/800)
GRID_POINTS = 81  # per axis of 2-D heat maps
LINE_MARGIN = 0.5  # curves extend this fraction of the data range beyond the data
GRID_MARGIN = 0.25


def _span(values: np.ndarray, margin: float) -> tuple[float, float]:
    low, high = float(np.min(values)), float(np.max(values))
    width = high - low if high > low else 1.0
    return low - margin * width, high + margin * width


def line_points(X: np.ndarray, num: int = LINE_POINTS) -> np.ndarray:
    """Points along the first coordinate (the others zero) spanning the data with margin."""
    X = np.asarray(X, dtype=float)
    points = np.zeros((num, X.shape[1]))
    points[:, 0] = np.linspace(*_span(X[:, 0], LINE_MARGIN), num)
    return points


def grid_points(X: np.ndarray, num: int = GRID_POINTS) -> np.ndarray:
    """A num x num grid over the first two coordinates (2-D data only)."""
    X = np.asarray(X, dtype=float)
    axes = [np.linspace(*_span(X[:, k], GRID_MARGIN), num) for k in range(2)]
    first, second = np.meshgrid(*axes, indexing="xy")
    return np.column_stack([first.ravel(), second.ravel()])


# ---------------------------------------------------------- kinks of Lasso features
def kink_offsets(c: Sequence[float]) -> list[tuple[float, int]]:
    """Kinks of a unit chain as (t, level) with t = w.x + b1 the first pre-activation.

    g(t) = | ... ||t| - c2| ... - c(L-1)|: level 1 kinks at t = 0; level l at the t where
    h(l-1)(t) = c_l (a crossing, so only for c_l > 0).  Pre-images are found backwards:
    h_k(t) = a  <=>  h_(k-1)(t) = c_k + a or c_k - a (each must be >= 0), h_1(t) = |t|.
    """
    kinks = [(0.0, 1)]
    for level in range(2, len(c) + 2):
        value = c[level - 2]
        if value <= 0:
            continue
        targets = [value]
        for k in range(level - 1, 1, -1):  # undo h_k = |h_(k-1) - c_k|
            ck = c[k - 2]
            targets = [t for a in targets for t in (ck + a, ck - a) if t >= 0]
        kinks += [(s * t, level) for t in set(targets) for s in ((1, -1) if t > 0 else (1,))]
    return sorted(set(kinks))


def kink_table(coef, W, b1, C) -> pd.DataFrame:
    """Kink sets {x : w.x = rhs} of the active features (coef != 0), one row each."""
    W, b1 = np.atleast_2d(np.asarray(W, float)), np.asarray(b1, float)
    C = np.asarray(C, float).reshape(len(b1), -1)
    rows = []
    for j in np.flatnonzero(np.asarray(coef) != 0):
        for t, level in kink_offsets(C[j]):
            rows.append(
                {
                    "feature": int(j),
                    "coef": float(coef[j]),
                    "level": level,
                    **{f"w{k + 1}": W[j, k] for k in range(W.shape[1])},
                    "rhs": t - b1[j],
                }
            )
    columns = ["feature", "coef", "level", *[f"w{k + 1}" for k in range(W.shape[1])], "rhs"]
    return pd.DataFrame(rows, columns=columns)


def kinks_on_first_axis(kinks: pd.DataFrame) -> pd.DataFrame:
    """Where each kink set crosses the first coordinate axis (other coordinates zero)."""
    crossing = kinks[kinks["w1"].abs() > 1e-12].copy()
    crossing["position"] = crossing["rhs"] / crossing["w1"]
    return crossing


def lasso_kinks_on_first_axis(fit) -> pd.DataFrame:
    """Kinks of the active features of a Lasso fit where they cross the first axis: the
    columns of ``kink_table`` and ``position`` (exact, from the chains' parameters)."""
    d = fit.dictionary
    return kinks_on_first_axis(kink_table(fit.coef, d.W, d.b1, d.C))


def random_direction_angles(normals, count: int = 2000, seed: int = 0) -> np.ndarray:
    """Angles (degrees) of uniformly random directions to their nearest normal: the null
    against which trained weights are judged (many normals make small angles likely)."""
    normals = np.atleast_2d(np.asarray(normals, float))
    directions = np.random.default_rng(seed).standard_normal((count, normals.shape[1]))
    return weight_angles(directions, normals)["angle_deg"].to_numpy()


def accuracy(labels, predictions) -> float:
    """Sign accuracy of real-valued predictions against labels +-1 (0 counts as +1)."""
    return float(np.mean(np.where(np.asarray(predictions) >= 0, 1.0, -1.0) == labels))
