"""Rule analyse_llm: Lasso fits and trained networks on reduced text embeddings: curves
along the first dimension, kinks of Lasso features matched to embedded texts and their
reflections, and train/test accuracy against a linear baseline."""

import re

from common import load_data, start, tagged

log = start(snakemake)

import numpy as np
import pandas as pd

from reflasso import LassoFit
from reflasso.analysis import kink_candidates
from reflasso.experiments import (
    accuracy_rows,
    classify_kinks,
    kink_table,
    kinks_on_first_axis,
    line_points,
    linear_baseline_predictions,
    prediction_table,
    summarise,
    write_table,
)
from reflasso.training import TrainResult

params, output = snakemake.params, snakemake.output
NAME = re.compile(r"-[a-z]+(?P<dim>\d+)-s(?P<split>\d+)$")


def describe(dataset: str) -> dict:
    match = NAME.search(dataset)
    return {"dataset": dataset, "dim": int(match["dim"]), "split_seed": int(match["split"])}


datasets = sorted(params.data, key=lambda d: (describe(d)["dim"], describe(d)["split_seed"]))
shown = datasets[0]  # the figure's data set: lowest dimension, first split
data = {name: load_data(path) for name, path in params.data.items()}
predictions, curves, kinks = [], [], []


first_seed = min((run["seed"] for run in params.train), default=0)


def add(predict, run: dict, model: str, seed: int, curve: bool) -> None:
    """Predictions of one model for the accuracy table (and its curve for the figure)."""
    tags = {**describe(run["dataset"]), "model": model, "seed": seed}
    predictions.append(prediction_table(predict, data[run["dataset"]]).assign(**tags))
    if curve and run["dataset"] == shown:
        line = line_points(data[shown]["X"])
        curves.append(pd.DataFrame({"x1": line[:, 0], "prediction": predict(line)}).assign(**tags))


for run in params.lasso:
    fit = LassoFit.load(run["dir"])
    add(fit.predict, run, f"Lasso L{run['depth']}", 0, curve=True)
    X = data[run["dataset"]]["X"]
    if X.shape[1] == 1:
        d = fit.dictionary
        found = kinks_on_first_axis(kink_table(fit.coef, d.W, d.b1, d.C))
        tol = params.tolerance * float(np.ptp(X[:, 0]))
        matched = classify_kinks(found["position"], X[:, 0], run["depth"] - 2, tol)
        kinks.append(tagged(matched.assign(dim=1), run))
for run in params.train:
    result = TrainResult.load(run["dir"])
    model = f"{run['arch']} L{run['depth']} w{run['width']}"
    add(result.predict, run, model, run["seed"], curve=run["seed"] == first_seed)
for name in datasets:
    tags = {**describe(name), "model": "linear", "seed": 0}
    predictions.append(linear_baseline_predictions(data[name]).assign(**tags))

runs = accuracy_rows(pd.concat(predictions), ["dataset", "dim", "split_seed", "model", "seed"])
runs.to_csv(output.runs, index=False)
summary = summarise(runs, ["dim", "model"], ["train", "test"])
write_table(
    summary,
    output.accuracy,
    output.accuracy_md,
    "Sign accuracy on the reduced text embeddings (mean, sd, count over splits and seeds)",
)
pd.concat(curves).to_csv(output.curves, index=False)
shown_X = data[shown]["X"]
pd.DataFrame({"dataset": shown, "x1": shown_X[:, 0], "y": data[shown]["y"]}).to_csv(
    output.data, index=False
)
kink_candidates(shown_X[:, 0], max_order=1).assign(dataset=shown).to_csv(output.points, index=False)
kinks = (
    pd.concat(kinks, ignore_index=True)
    if kinks
    else pd.DataFrame(columns=["location", "order", "dim", "depth"])
)
kinks.to_csv(output.kinks, index=False)
log.info("accuracy:\n%s", summary.to_string())
