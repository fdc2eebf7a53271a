"""Analysis of trained functions for the figures: kinks, weight angles, symmetry scores.

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

from collections.abc import Callable

import numpy as np
import pandas as pd


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


def find_kinks(f: Callable, t_min: float, t_max: float, n_grid: int = 20001,
               rel_tol: float = 1e-6) -> np.ndarray:  # fmt: skip
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
                    sources.append(f"2*({sources[a]})-({sources[b]})" if order > 1
                                   else f"2*{sources[a]}-{sources[b]}")  # fmt: skip
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
        rows.append({"location": kink, "nearest": where[best], "kind": ordered["kind"][best],
                     "order": int(ordered["order"][best]), "source": ordered["source"][best],
                     "distance": float(distance[best])})  # fmt: skip
    columns = ["location", "nearest", "kind", "order", "source", "distance"]
    return pd.DataFrame(rows, columns=columns)


def kinks_along_line(predict: Callable, points, *, x0=None, direction=None, t_range=None,
                     max_order: int = 1, n_grid: int = 20001,
                     rel_tol: float = 1e-6) -> pd.DataFrame:  # fmt: skip
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
    return pd.DataFrame({"unit": np.arange(len(trained)), "nearest": nearest,
                         "angle_deg": angle, "norm": norm})  # fmt: skip


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


def symmetry_score(f: Callable, centres, lo: float, hi: float, min_window: float = 0.25,
                   n_grid: int = 2001) -> tuple[float, float | None]:  # fmt: skip
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


def multilevel_symmetry(f: Callable, centres, lo: float, hi: float, levels: int = 2,
                        min_window: float = 0.25, n_grid: int = 2001) -> pd.DataFrame:  # fmt: skip
    """Symmetry scores of nested intervals: level 0 is [lo, hi]; each interval with a best
    centre c splits into [lo', c] and [c, hi'] for the next level.

    Returns one row per scored interval (level, lo, hi, centre, score).  The multilevel
    score is ``table.groupby("level").score.mean().mean()``: a function symmetric within
    its halves (nested symmetry) scores higher than one symmetric only as a whole.
    """
    if levels < 1:
        raise ValueError(f"levels must be >= 1 (got {levels})")
    rows, intervals = [], [(lo, hi)]
    for level in range(levels):
        next_intervals = []
        for a, b in intervals:
            inside = [c for c in np.asarray(centres, dtype=float) if a < c < b]
            score, centre = symmetry_score(f, inside, a, b, min_window, n_grid)
            if centre is None:
                continue
            rows.append({"level": level, "lo": a, "hi": b, "centre": centre, "score": score})
            next_intervals += [(a, centre), (centre, b)]
        intervals = next_intervals
    return pd.DataFrame(rows, columns=["level", "lo", "hi", "centre", "score"])


def multilevel_score(table: pd.DataFrame) -> float:
    """Mean over levels of the mean interval score (nan for an empty table)."""
    if table.empty:
        return float("nan")
    return float(table.groupby("level")["score"].mean().mean())
