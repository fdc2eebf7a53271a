"""Rule analyse_llm: accuracy of every model on every reduced text data set (Lasso with
CV-chosen beta, networks, baselines, the full-embedding ceiling), the fits and kinks
along one reduced dimension, and the texts nearest the largest kinks (reflasso.llm)."""

from common import load_data, start

log = start(snakemake)

import numpy as np
import pandas as pd

from reflasso import LassoFit
from reflasso.experiments import write_table
from reflasso.llm import (
    accuracy_row,
    accuracy_summary,
    baseline_accuracies,
    curve_points,
    lasso_kinks,
    texts_near_kinks,
)
from reflasso.training import TrainResult

params, output = snakemake.params, snakemake.output
TAGS = ["reduction", "dim", "n_train", "split"]
embedded = load_data(snakemake.input.embeddings)
texts = embedded["texts"]
data = {d["dataset"]: load_data(d["path"]) for d in params.data}
first_split = min(d["split"] for d in params.data)


def tags(run: dict) -> dict:
    return {key: run[key] for key in TAGS}


def shown(run: dict) -> bool:
    """The figure's data sets: 1-D, full training size, first split."""
    return run["dim"] == 1 and run["n_train"] == params.n_train and run["split"] == first_split


runs, curves, kinks, labels, strip = [], [], [], [], []
for run in params.data:
    points = data[run["dataset"]]
    for row in baseline_accuracies(points, embedded["Z"]):
        runs.append({**tags(run), **row, "n_fit": run["n_train"]})
    if shown(run):
        strip.append(
            pd.DataFrame(
                {"x1": points["X"][:, 0], "y": points["y"], "text": texts[points["rows"]]}
            ).assign(reduction=run["reduction"])
        )


def add_curve(run, predict, model):
    line = curve_points(data[run["dataset"]]["X"][:, 0])
    frame = pd.DataFrame({"x1": line[:, 0], "prediction": predict(line)})
    curves.append(frame.assign(reduction=run["reduction"], depth=run["depth"], model=model))


for run in params.lasso:
    fit = LassoFit.load(run["dir"])
    points = data[run["dataset"]]
    model = f"Lasso L{run['depth']}"
    runs.append({**tags(run), **accuracy_row(model, fit.predict, points), "n_fit": len(fit.X)})
    if run["dim"] != 1:
        continue
    x_fit = fit.X[:, 0]
    found = lasso_kinks(fit, x_fit, params.tolerance * float(np.ptp(x_fit)))
    kinks.append(found.assign(**tags(run), depth=run["depth"], n_fit=len(fit.X)))
    if shown(run):
        add_curve(run, fit.predict, model)
        near = texts_near_kinks(found, x_fit, texts[points["rows"][: len(fit.X)]])
        labels.append(near.assign(reduction=run["reduction"], depth=run["depth"]))

first_seed = min((run["seed"] for run in params.train), default=0)
for run in params.train:
    result = TrainResult.load(run["dir"])
    model = f"{run['arch']} L{run['depth']}"
    runs.append(
        {
            **tags(run),
            **accuracy_row(model, result.predict, data[run["dataset"]]),
            "n_fit": run["n_train"],
            "seed": run["seed"],
        }
    )
    if shown(run) and run["seed"] == first_seed and run["arch"] == params.shown_arch:
        add_curve(run, result.predict, f"{run['arch']} network L{run['depth']}")

runs = pd.DataFrame(runs)
runs.to_csv(output.runs, index=False)
summary = accuracy_summary(runs)
write_table(
    summary,
    output.accuracy,
    output.accuracy_md,
    "Sign accuracy on held-out texts: mean, sd and count over splits (and seeds)",
)


def frame(parts, columns):
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


frame(curves, ["x1", "prediction", "reduction", "depth", "model"]).to_csv(
    output.curves, index=False
)
frame(strip, ["x1", "y", "text", "reduction"]).to_csv(output.data, index=False)
frame(kinks, ["position", "weight", "kind", "level", *TAGS, "depth", "n_fit"]).to_csv(
    output.kinks, index=False
)
frame(labels, ["position", "weight", "kind", "texts", "reduction", "depth"]).to_csv(
    output.labels, index=False
)
log.info("accuracy:\n%s", summary.to_string())
