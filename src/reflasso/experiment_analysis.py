"""The analysis of each experiment (docs/method.md §4): its fits loaded, evaluated on lines
and grids, their kinks, angles and symmetry scores, as named tables.

Each function takes the experiment's runs (dicts of the run keys and the run's folder,
``dir``), the data files by data-set name and the experiment's settings, and returns a
dict from table name to DataFrame; the workflow writes each table to the output of the
same name (``tables.write_named_tables``), Markdown ones with their ``TITLES``.
``ANALYSES`` maps an experiment to its function.  Nothing here reads the config.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .analysis import (
    find_kinks,
    first_layer_weights,
    grid_points,
    kink_candidates,
    kink_table,
    kinks_along_line,
    lasso_kinks_on_first_axis,
    line_function,
    line_points,
    r_squared,
    random_direction_angles,
    symmetry_control_row,
    symmetry_row,
    weight_angles,
)
from .certificate import relative_gap
from .claims import kink_kinds_table, orthogonality_angles, shifted_dictionary_control
from .io import load_npz, read_json
from .lasso import LassoFit
from .llm import (
    accuracy_row,
    accuracy_summary,
    baseline_accuracies,
    curve_points,
    lasso_kinks,
    texts_near_kinks,
)
from .tables import LASSO_RUN_KEYS, TEXT_DATASET_KEYS, TRAIN_RUN_KEYS, flat_metrics, tagged

log = logging.getLogger(__name__)

Runs = Sequence[Mapping]
KINK_REL_TOL = 1e-2  # slope changes below 1 % of the largest slope are not kinks
CONTROL_MAX_DEPTH = 4  # perturbed refits of deeper (large) dictionaries would cost minutes
ACTIVE_NORM = 1e-2  # units whose first-layer norm is below 1 % of the largest are dead
CERTIFICATE_KEYS = ["kkt_max", "random_max", "dual_sum", "ok"]

TITLES = {
    "kinks_md": "Kinks of active Lasso features (toy-1d) by kind, "
    "and randomly placed control kinks",
    "angles_md": "Angles of active trained first-layer weights to the nearest dictionary normal",
    "summary_md": "Angles (degrees) of first-layer directions to the nearest normal, by reference",
    "symmetry_md": "Symmetry score per depth against the moved-kink null "
    "(width -1: the Lasso optimum)",
    "accuracy_md": "Sign accuracy on held-out texts: mean, sd and count over splits (and seeds)",
    "optimality_md": "Trained objective against the Lasso optimum of the same data, depth and beta",
}


# ----------------------------------------------------------------------------- helpers
def _trained(run: Mapping):
    from .training import TrainResult  # torch: only where a network is read

    return TrainResult.load(run["dir"])


def curve_table(predict, line: np.ndarray) -> pd.DataFrame:
    """A fitted function along ``line`` (points whose first coordinate varies)."""
    return pd.DataFrame({"x1": line[:, 0], "prediction": predict(line)})


def data_table(data: Mapping[str, str]) -> pd.DataFrame:
    """Training points of several data sets as one table: x1..xd, y, dataset."""
    frames = []
    for name, path in data.items():
        points = load_npz(path)
        X = points["X"]
        frame = pd.DataFrame(X, columns=[f"x{k + 1}" for k in range(X.shape[1])])
        frame["y"], frame["dataset"] = points["y"], name
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _concat(parts: list, columns: Sequence[str]) -> pd.DataFrame:
    """The parts as one table; an empty table with ``columns`` when there are none."""
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


# ------------------------------------------------------------------------------ toy1d
def toy1d(lasso: Runs, data: Mapping[str, str], certificate_tolerance: float) -> dict:
    """Lasso predictions, active features z_j g_j and their kinks classified by kind next
    to randomly placed kinks (the control), the candidate points, and the equivalence
    control: each fit of depth <= 4 refitted with its kinks shifted, and certified."""
    curves, features, kinks, controls = [], [], [], []
    for run in lasso:
        X = load_npz(data[run["dataset"]])["X"]
        fit = LassoFit.load(run["dir"])
        line = line_points(X)
        curves.append(tagged(curve_table(fit.predict, line), run))
        active = np.flatnonzero(fit.coef)
        values = fit.dictionary.evaluate(line)[:, active] * fit.coef[active]
        for column, j in enumerate(active):
            feature = pd.DataFrame({"feature": j, "x1": line[:, 0], "value": values[:, column]})
            features.append(tagged(feature, run))
        found = lasso_kinks_on_first_axis(fit)
        found = found.rename(columns={"position": "location"})[["location", "feature", "level"]]
        kinds = kink_kinds_table(found, X[:, 0], run["depth"], *line[[0, -1], 0])
        kinks.append(tagged(kinds, run))
        if run["depth"] <= CONTROL_MAX_DEPTH:
            control = shifted_dictionary_control(fit, certificate_tolerance)
            controls.append({key: run[key] for key in LASSO_RUN_KEYS} | control)
    points = [
        kink_candidates(load_npz(path)["X"][:, 0], max_order=2).assign(dataset=name)
        for name, path in data.items()
    ]
    kinks = pd.concat(kinks, ignore_index=True)
    return {
        "curves": pd.concat(curves),
        # no active feature is a valid fit (e.g. all labels equal: z = 0): an empty table
        "features": _concat(features, ["feature", "x1", "value", *LASSO_RUN_KEYS]),
        "data": data_table(data),
        "points": pd.concat(points),
        "kinks": kinks,
        "kinks_md": kinks,
        "controls": pd.DataFrame(controls),
    }


# -------------------------------------------------------------------------- simulated
def simulated(lasso: Runs, train: Runs, data: Mapping[str, str], tolerance: float) -> dict:
    """Trained networks on points (t, 0) evaluated along the first coordinate; their kinks
    matched to data points and reflections (order NaN: nothing within ``tolerance`` times
    the data range), and the Lasso fits along the same line."""
    curves, lasso_curves, kinks = [], [], []
    for run in train:
        X = load_npz(data[run["dataset"]])["X"]
        result = _trained(run)
        curves.append(tagged(curve_table(result.predict, line_points(X)), run, TRAIN_RUN_KEYS))
        # reflections of order > 2 are so dense that they would match anything
        found = kinks_along_line(
            result.predict,
            X,
            direction=np.eye(X.shape[1])[0],
            max_order=min(run["depth"] - 2, 2),
            rel_tol=KINK_REL_TOL,
        )
        found["order"] = found["order"].where(found["distance"] <= tolerance * np.ptp(X[:, 0]))
        kinks.append(tagged(found, run, TRAIN_RUN_KEYS))
    for run in lasso:
        X = load_npz(data[run["dataset"]])["X"]
        curve = curve_table(LassoFit.load(run["dir"]).predict, line_points(X))
        lasso_curves.append(tagged(curve, run, ("dataset", "depth")))
    return {
        "curves": pd.concat(curves),
        "lasso_curves": pd.concat(lasso_curves),
        "data": data_table(data),
        "kinks": pd.concat(kinks, ignore_index=True),
    }


# --------------------------------------------------------------------------- planes2d
def planes2d(lasso: Runs, train: Runs, data: Mapping[str, str]) -> dict:
    """Lasso fits on 2-D grids with their kink lines, and the angles of the active trained
    first-layer weights to the normals of the Lasso dictionary, next to random ones."""
    grids, lines, fits = [], [], {}
    for run in lasso:
        X = load_npz(data[run["dataset"]])["X"]
        fit = fits[tuple(run[key] for key in LASSO_RUN_KEYS)] = LassoFit.load(run["dir"])
        grid = grid_points(X)
        frame = pd.DataFrame({"x1": grid[:, 0], "x2": grid[:, 1], "prediction": fit.predict(grid)})
        grids.append(tagged(frame, run))
        d = fit.dictionary
        lines.append(tagged(kink_table(fit.coef, d.W, d.b1, d.C), run))
    angles = []
    for run in train:
        fit = fits.get(tuple(run[key] for key in LASSO_RUN_KEYS))
        if fit is None:
            log.warning("no Lasso fit of the same data, depth and beta for %s", run["dir"])
            continue
        table = weight_angles(first_layer_weights(_trained(run).model), fit.dictionary.W)
        table = table[table["norm"] >= ACTIVE_NORM * table["norm"].max()].copy()
        table["null_angle_deg"] = random_direction_angles(
            fit.dictionary.W, len(table), seed=int(run["seed"])
        )
        angles.append(tagged(table, run, TRAIN_RUN_KEYS))
    columns = ["unit", "nearest", "angle_deg", "norm", "null_angle_deg", *TRAIN_RUN_KEYS]
    angles = _concat(angles, columns)
    return {
        "grids": pd.concat(grids),
        "lines": pd.concat(lines),
        "data": data_table(data),
        "angles": angles,
        "angles_md": angles,
    }


# ---------------------------------------------------------------------- orthogonality
def orthogonality(lasso: Runs, train: Runs, sources: Mapping[str, str | None]) -> dict:
    """Angles of trained first-layer directions to the active normals of the Lasso optimum
    and to the level-1 data planes, next to random directions, networks trained on
    shuffled labels (data sets whose ``sources`` entry is the real one) and the planes of
    an independent point set (``claims.orthogonality_angles``)."""

    def models(dataset, run):
        """The networks trained on ``dataset`` with the depth and beta of ``run``."""
        keys = ("depth", "beta")
        same = (t for t in train if t["dataset"] == dataset)
        return [_trained(t).model for t in same if all(t[k] == run[k] for k in keys)]

    tables = []
    real = [run for run in lasso if sources[run["dataset"]] is None]  # not a shuffled copy
    for run in real:
        fit = LassoFit.load(run["dir"])
        controls = [d for d, source in sources.items() if source == run["dataset"]]
        shuffled = [model for dataset in controls for model in models(dataset, run)]
        angles = orthogonality_angles(
            fit, models(run["dataset"], run), shuffled, seed=int(run["depth"])
        )
        tables.append(tagged(angles, run))
    angles = pd.concat(tables, ignore_index=True)
    summary = (
        angles.groupby([*LASSO_RUN_KEYS, "reference", "source"])["angle_deg"]
        .describe(percentiles=[0.5])
        .reset_index()
    )
    return {"angles": angles, "summary_md": summary}


# --------------------------------------------------------------------- depth_symmetry
def depth_symmetry(lasso: Runs, train: Runs, data: Mapping[str, str], fit_r2: float) -> dict:
    """Multilevel reflection-symmetry scores of exact Lasso fits and trained networks of
    several depths on 1-D data against moved-kink null functions, one null function
    scored as a measurement (the control), and the summary per depth."""
    curves, scores = [], []
    for run in lasso:
        X = load_npz(data[run["dataset"]])["X"]
        fit = LassoFit.load(run["dir"])
        line = line_points(X)[:, 0]
        window = (line.min(), line.max())
        kinks = lasso_kinks_on_first_axis(fit)["position"]
        f, x = line_function(fit.predict), X[:, 0]
        tags = {key: run[key] for key in LASSO_RUN_KEYS} | {"fits": True}
        scores.append({"source": "lasso", **tags, **symmetry_row(f, kinks, x, *window)})
        scores.append({"source": "control", **tags, **symmetry_control_row(f, kinks, x, *window)})
    for run in train:
        points = load_npz(data[run["dataset"]])
        result = _trained(run)
        line = line_points(points["X"])
        curves.append(tagged(curve_table(result.predict, line), run, TRAIN_RUN_KEYS))
        # the window of the curves (data range widened by half on each side): reflections
        # 2x_j - x_k of the outer points lie outside the data
        window = (line[:, 0].min(), line[:, 0].max())
        f, x = line_function(result.predict), points["X"][:, 0]
        r2 = r_squared(points["y"], result.predict(points["X"]))
        row = {"source": "trained", **{key: run[key] for key in TRAIN_RUN_KEYS}}
        row.update(fits=r2 >= fit_r2, r2=r2, objective=result.objective)
        row.update(symmetry_row(f, find_kinks(f, *window, rel_tol=KINK_REL_TOL), x, *window))
        scores.append(row)
    scores = pd.DataFrame(scores)
    summary = (
        scores.assign(width=scores["width"].fillna(-1) if "width" in scores else -1)
        .groupby(["source", "width", "depth"])
        .agg(
            symmetry=("symmetry", "mean"),
            null_median=("null_median", "mean"),
            p_value_max=("p_value", "max"),
            fits=("fits", "mean"),
            count=("symmetry", "size"),
        )
        .reset_index()
    )
    return {
        "curves": pd.concat(curves),
        "data": data_table(data),
        "symmetry": scores,
        "symmetry_md": summary,
    }


# -------------------------------------------------------------------------------- llm
def llm(
    lasso: Runs,
    train: Runs,
    data: Runs,
    embeddings: str,
    n_train: int,
    shown_arch: str,
    tolerance: float,
) -> dict:
    """Accuracy of every model on every reduced text data set (Lasso with CV-chosen beta,
    networks, baselines, the full-embedding ceiling), the fits and kinks along one
    reduced dimension, and the texts nearest the largest kinks (``reflasso.llm``).

    ``data``: one dict per reduced data set with its name, ``TEXT_DATASET_KEYS`` and
    ``path``; the runs carry the same keys.  The figure shows the 1-D data sets at full
    training size and of the first split, and the networks of ``shown_arch``.
    """
    embedded = load_npz(embeddings)
    texts = embedded["texts"]
    points = {d["dataset"]: load_npz(d["path"]) for d in data}
    first_split = min(d["split"] for d in data)
    first_seed = min((run["seed"] for run in train), default=0)

    def tags(run):
        return {key: run[key] for key in TEXT_DATASET_KEYS}

    def shown(run):
        return run["dim"] == 1 and run["n_train"] == n_train and run["split"] == first_split

    runs, curves, kinks, labels, strip = [], [], [], [], []

    def add_curve(run, predict, model):
        curve = curve_table(predict, curve_points(points[run["dataset"]]["X"][:, 0]))
        curves.append(curve.assign(reduction=run["reduction"], depth=run["depth"], model=model))

    for run in data:
        reduced = points[run["dataset"]]
        for row in baseline_accuracies(reduced, embedded["Z"]):
            runs.append({**tags(run), **row, "n_fit": run["n_train"]})
        if shown(run):
            rows = {"x1": reduced["X"][:, 0], "y": reduced["y"], "text": texts[reduced["rows"]]}
            strip.append(pd.DataFrame(rows).assign(reduction=run["reduction"]))
    for run in lasso:
        fit = LassoFit.load(run["dir"])
        reduced = points[run["dataset"]]
        model = f"Lasso L{run['depth']}"
        runs.append({**tags(run), **accuracy_row(model, fit.predict, reduced), "n_fit": len(fit.X)})
        if run["dim"] != 1:
            continue
        x_fit = fit.X[:, 0]
        found = lasso_kinks(fit, x_fit, tolerance * float(np.ptp(x_fit)))
        kinks.append(found.assign(**tags(run), depth=run["depth"], n_fit=len(fit.X)))
        if shown(run):
            add_curve(run, fit.predict, model)
            near = texts_near_kinks(found, x_fit, texts[reduced["rows"][: len(fit.X)]])
            labels.append(near.assign(reduction=run["reduction"], depth=run["depth"]))
    for run in train:
        result = _trained(run)
        model = f"{run['arch']} L{run['depth']}"
        accuracies = accuracy_row(model, result.predict, points[run["dataset"]])
        runs.append({**tags(run), **accuracies, "n_fit": run["n_train"], "seed": run["seed"]})
        if shown(run) and run["seed"] == first_seed and run["arch"] == shown_arch:
            add_curve(run, result.predict, f"{run['arch']} network L{run['depth']}")
    runs = pd.DataFrame(runs)
    summary = accuracy_summary(runs)
    kink_columns = ["position", "weight", "kind", "level", *TEXT_DATASET_KEYS, "depth", "n_fit"]
    return {
        "runs": runs,
        "accuracy": summary,
        "accuracy_md": summary,
        "curves": _concat(curves, ["x1", "prediction", "reduction", "depth", "model"]),
        "data": _concat(strip, ["x1", "y", "text", "reduction"]),
        "kinks": _concat(kinks, kink_columns),
        "labels": _concat(labels, ["position", "weight", "kind", "texts", "reduction", "depth"]),
    }


# ------------------------------------------------------------------------- optimality
def reconstruction_gap(fit) -> float:
    """Relative gap between the training objective of the network rebuilt from a Lasso
    fit (``LassoFit.to_network``) and the Lasso optimum: zero up to rounding
    (docs/method.md §2). One analysis job checks every fit, so the fitting jobs need
    not import torch."""
    from .network import training_objective

    objective = training_objective(fit.to_network(), fit.X, fit.y, fit.beta)
    network_objective = float(objective.detach())
    return float(relative_gap(network_objective, fit.objective))


def lasso_summary(run: Mapping, metrics: Mapping, reconstruction: float) -> dict:
    """One row of the Lasso table: the run, optimum, sparsity, certificate and the
    reconstruction's relative gap."""
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
        "reconstruction_gap": reconstruction,
    }


def train_summary(run: Mapping, metrics: Mapping) -> dict:
    """One row of the training table: the run's keys and final objective terms."""
    terms = ["objective", "loss", "penalty", "device"]  # no wall-clock time: tables repeat
    keys = ["experiment", *TRAIN_RUN_KEYS]
    return {**{key: run[key] for key in keys}, **{key: metrics.get(key) for key in terms}}


def optimality_table(
    lasso: pd.DataFrame, trained: pd.DataFrame, objective_rtol: float, near_rtol: float
) -> pd.DataFrame:
    """Trained objective vs the Lasso optimum of the same (data set, depth, beta).

    ``lasso`` has columns dataset, depth, beta, objective, certificate columns and
    reconstruction_gap; ``trained`` has experiment, the training-run keys and objective.
    The lower bound (trained >= Lasso) is proved for the reflection network (and for
    depth 2, where both architectures coincide); ``below_bound`` flags a violation
    beyond ``objective_rtol``.
    """
    lasso = lasso.rename(columns={"objective": "lasso_objective"})
    keys = list(LASSO_RUN_KEYS)
    table = trained.rename(columns={"objective": "trained_objective"}).merge(
        lasso[[*keys, "lasso_objective"]], on=keys, how="left"
    )
    table["rel_gap"] = relative_gap(table["trained_objective"], table["lasso_objective"])
    table["bound_applies"] = (table["arch"] == "reflection") | (table["depth"] == 2)
    table["below_bound"] = table["bound_applies"] & (table["rel_gap"] < -objective_rtol)
    table["near_optimum"] = table["rel_gap"].abs() <= near_rtol
    return table


def optimality(lasso: Runs, train: Runs, objective_rtol: float, near_optimum_rtol: float) -> dict:
    """Every Lasso fit (optimum, certificate, reconstruction) and every trained network's
    objective against the Lasso optimum of the same problem."""
    lasso_rows = [
        lasso_summary(
            run,
            flat_metrics(Path(run["dir"]) / "metrics.json"),
            reconstruction_gap(LassoFit.load(run["dir"])),
        )
        for run in lasso
    ]
    train_rows = [train_summary(run, read_json(Path(run["dir"]) / "metrics.json")) for run in train]
    lasso_table = pd.DataFrame(lasso_rows)
    table = optimality_table(
        lasso_table, pd.DataFrame(train_rows), objective_rtol, near_optimum_rtol
    )
    return {"lasso": lasso_table, "optimality": table, "optimality_md": table}


ANALYSES = {
    "toy1d": toy1d,
    "simulated": simulated,
    "planes2d": planes2d,
    "orthogonality": orthogonality,
    "depth_symmetry": depth_symmetry,
    "llm": llm,
    "optimality": optimality,
}
