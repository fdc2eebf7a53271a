"""Rule analyse_planes2d: Lasso fits on 2-D grids with their kink lines (hyperplanes
through data, reflection planes) and the angles of trained first-layer weights to the
normals of the Lasso dictionary."""

from common import data_frame, load_data, start, tagged

log = start(snakemake)

import numpy as np
import pandas as pd

from reflasso import LassoFit
from reflasso.analysis import first_layer_weights, weight_angles
from reflasso.experiments import (
    grid_points,
    kink_table,
    random_direction_angles,
    write_table,
)
from reflasso.training import TrainResult

TRAIN_KEYS = ("dataset", "arch", "depth", "width", "beta", "init", "seed")
ACTIVE_NORM = 1e-2  # units whose first-layer norm is below 1 % of the largest are dead
params, output = snakemake.params, snakemake.output

grids, lines, fits = [], [], {}
for run in params.lasso:
    X = load_data(params.data[run["dataset"]])["X"]
    fit = fits[(run["dataset"], run["depth"], run["beta"])] = LassoFit.load(run["dir"])
    grid = grid_points(X)
    grids.append(
        tagged(
            pd.DataFrame({"x1": grid[:, 0], "x2": grid[:, 1], "prediction": fit.predict(grid)}), run
        )
    )
    d = fit.dictionary
    lines.append(tagged(kink_table(fit.coef, d.W, d.b1, d.C), run))

angles = []
for run in params.train:
    fit = fits.get((run["dataset"], run["depth"], run["beta"]))
    if fit is None:
        log.warning("no Lasso fit of the same data, depth and beta for %s", run["dir"])
        continue
    weights = first_layer_weights(TrainResult.load(run["dir"]).model)
    table = weight_angles(weights, fit.dictionary.W)
    table = table[table["norm"] >= ACTIVE_NORM * table["norm"].max()].copy()
    table["null_angle_deg"] = random_direction_angles(
        fit.dictionary.W, len(table), seed=int(run["seed"])
    )
    angles.append(tagged(table, run, TRAIN_KEYS))

pd.concat(grids).to_csv(output.grids, index=False)
pd.concat(lines).to_csv(output.lines, index=False)
data_frame(params.data).to_csv(output.data, index=False)
angles = (
    pd.concat(angles, ignore_index=True)
    if angles
    else pd.DataFrame(
        columns=["unit", "nearest", "angle_deg", "norm", "null_angle_deg", *TRAIN_KEYS]
    )
)
write_table(
    angles,
    output.angles,
    output.angles_md,
    "Angles of active trained first-layer weights to the nearest dictionary normal",
)
log.info("median angle %.3g degrees over %d units", np.median(angles["angle_deg"]), len(angles))
