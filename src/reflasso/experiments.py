"""Tables of the reproduction (docs/method.md §4): evaluation grids, kinks of Lasso
features, reflection points, optimality, accuracy, and the claims table.

The workflow's scripts call these functions; the figures (``figures.py``) only read the
tables written here, so restyling a figure never reruns a fit.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from .analysis import kink_candidates, match_kinks, weight_angles
from .certificate import relative_gap
from .io import read_csv, write_text_atomic
from .io import read_json as read_checked_json

LINE_POINTS = 801  # resolution of 1-D curves (kinks are located to about range/800)
GRID_POINTS = 81  # per axis of 2-D heat maps
LINE_MARGIN = 0.5  # curves extend this fraction of the data range beyond the data
GRID_MARGIN = 0.25


# ---------------------------------------------------------------------- evaluation grids
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


def _points_frame(points: np.ndarray, values: np.ndarray, name: str) -> pd.DataFrame:
    frame = pd.DataFrame(points, columns=[f"x{k + 1}" for k in range(points.shape[1])])
    frame[name] = values
    return frame


def evaluation_tables(
    predict: Callable[[np.ndarray], np.ndarray], X: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(line, grid) tables of a fitted function: along the first coordinate, and on a
    2-D grid when the data are 2-D (an empty table otherwise)."""
    line = line_points(X)
    curve = _points_frame(line, predict(line), "prediction")
    if np.asarray(X).shape[1] != 2:
        return curve, pd.DataFrame(columns=["x1", "x2", "prediction"])
    grid = grid_points(X)
    return curve, _points_frame(grid, predict(grid), "prediction")


# ------------------------------------------------------------------- kinks of features
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


def classify_kinks(positions, x_data, max_order: int, tol: float) -> pd.DataFrame:
    """Match kink positions (1-D) to data points and their reflections (analysis.py).

    Columns of ``analysis.match_kinks`` (location, nearest, kind, order, source, distance);
    ``order`` is NaN where the nearest candidate is farther than ``tol``.  Reflections of
    order > 2 are so dense that they would match anything, so ``max_order`` is capped at 2.
    """
    candidates = kink_candidates(np.asarray(x_data, float).ravel(), min(max_order, 2))
    table = match_kinks(np.asarray(positions, float), candidates)
    table["order"] = table["order"].where(table["distance"] <= tol)
    return table


# ----------------------------------------------------------------------- collecting
def read_json(path: str | os.PathLike) -> dict:
    return read_checked_json(path)  # errors name the file and the rule that rebuilds it


def flat_metrics(path: str | os.PathLike) -> dict:
    """metrics.json flattened one level ('certificate': {...} -> 'certificate.kkt_max')."""
    flat = {}
    for key, value in read_json(path).items():
        if key == "provenance":
            continue
        if isinstance(value, dict):
            flat.update({f"{key}.{k}": v for k, v in value.items() if not isinstance(v, dict)})
        elif not isinstance(value, list):
            flat[key] = value
    return flat


def collect_csv(paths: Sequence[str], runs: Sequence[Mapping]) -> pd.DataFrame:
    """Concatenate per-fit CSV tables, each tagged with its run's wildcards."""
    frames = []
    for path, run in zip(paths, runs, strict=True):
        frame = read_csv(path)
        for key, value in run.items():
            frame[key] = value
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def collect_metrics(paths: Sequence[str], runs: Sequence[Mapping]) -> pd.DataFrame:
    """One row per metrics.json with its run's wildcards (wildcards win on name clashes)."""
    rows = [{**flat_metrics(p), **run} for p, run in zip(paths, runs, strict=True)]
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------- tables
RUN_KEYS = ["dataset", "depth", "beta"]
CERTIFICATE_KEYS = ["kkt_max", "random_max", "dual_sum", "ok"]


def lasso_summary(run: Mapping, metrics: Mapping, reconstruction: Mapping) -> dict:
    """One row of the Lasso table: the run, optimum, sparsity, certificate, reconstruction."""
    flat = dict(metrics)
    certificate = {k: flat.get(f"certificate.{k}", flat.get(k)) for k in CERTIFICATE_KEYS}
    beta = run["beta"] if run.get("beta") is not None else flat["beta"]  # None: chosen by CV
    return {
        "dataset": run["dataset"],
        "depth": run["depth"],
        "beta": beta,
        "objective": flat["objective"],
        "n_active": flat.get("n_active"),
        "dictionary_size": flat.get("dictionary_size", flat.get("dictionary.size")),
        **certificate,
        "reconstruction_gap": reconstruction["reconstruction_gap"],
    }


def train_summary(run: Mapping, metrics: Mapping) -> dict:
    """One row of the training table: the run's wildcards and final objective terms."""
    keys = ["experiment", "dataset", "arch", "depth", "width", "beta", "init", "seed"]
    terms = ["objective", "loss", "penalty", "device"]  # no wall-clock time: tables repeat
    return {**{key: run[key] for key in keys}, **{key: metrics.get(key) for key in terms}}


def optimality_table(
    lasso: pd.DataFrame, trained: pd.DataFrame, objective_rtol: float, near_rtol: float
) -> pd.DataFrame:
    """Trained objective vs the Lasso optimum of the same (data set, depth, beta).

    ``lasso`` has columns dataset, depth, beta, objective, certificate columns and
    reconstruction_gap; ``trained`` has experiment, dataset, arch, depth, width, beta, init,
    seed, objective.  The lower bound (trained >= Lasso) is proved for the reflection
    network (and for depth 2, where both architectures coincide); ``below_bound`` flags a
    violation beyond ``objective_rtol``.
    """
    lasso = lasso.rename(columns={"objective": "lasso_objective"})
    table = trained.rename(columns={"objective": "trained_objective"}).merge(
        lasso[[*RUN_KEYS, "lasso_objective"]], on=RUN_KEYS, how="left"
    )
    table["rel_gap"] = relative_gap(table["trained_objective"], table["lasso_objective"])
    table["bound_applies"] = (table["arch"] == "reflection") | (table["depth"] == 2)
    table["below_bound"] = table["bound_applies"] & (table["rel_gap"] < -objective_rtol)
    table["near_optimum"] = table["rel_gap"].abs() <= near_rtol
    return table


def accuracy(labels, predictions) -> float:
    """Sign accuracy of real-valued predictions against labels +-1 (0 counts as +1)."""
    return float(np.mean(np.where(np.asarray(predictions) >= 0, 1.0, -1.0) == labels))


def summarise(table: pd.DataFrame, keys: Sequence[str], values: Sequence[str]) -> pd.DataFrame:
    """Mean, standard deviation and count of ``values`` over seeds, per ``keys``."""
    stats = table.groupby(list(keys), dropna=False)[list(values)].agg(["mean", "std", "count"])
    stats.columns = [f"{value}_{stat}" for value, stat in stats.columns]
    return stats.reset_index()


def markdown_table(frame: pd.DataFrame, digits: int = 4) -> str:
    """A GitHub Markdown table (no extra dependency); floats to ``digits`` significant."""

    def cell(value) -> str:
        if isinstance(value, float | np.floating):
            return "" if math.isnan(value) else f"{value:.{digits}g}"
        return str(value).replace("|", "\\|")

    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(False)]
    return "\n".join([header, rule, *body]) + "\n"


def write_table(frame: pd.DataFrame, csv_path=None, md_path=None, title: str | None = None) -> None:
    """Write a table as CSV (full precision) and/or Markdown, each atomically."""
    if csv_path is not None:
        write_text_atomic(csv_path, frame.to_csv(index=False))
    if md_path is not None:
        heading = f"# {title}\n\n" if title else ""
        write_text_atomic(md_path, heading + markdown_table(frame))


# ------------------------------------------------------------------ random directions
def random_direction_angles(normals, count: int = 2000, seed: int = 0) -> np.ndarray:
    """Angles (degrees) of uniformly random directions to their nearest normal: the null
    against which trained weights are judged (many normals make small angles likely)."""
    normals = np.atleast_2d(np.asarray(normals, float))
    directions = np.random.default_rng(seed).standard_normal((count, normals.shape[1]))
    return weight_angles(directions, normals)["angle_deg"].to_numpy()
