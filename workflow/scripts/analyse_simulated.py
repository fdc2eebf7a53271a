"""Rule analyse_simulated: trained standard networks on points (t, 0) in R^2, evaluated
along the first coordinate; their kinks matched to data points and reflections."""

from common import data_frame, load_data, start, tagged

log = start(snakemake)

import numpy as np
import pandas as pd

from reflasso import LassoFit
from reflasso.analysis import find_kinks, line_function
from reflasso.experiments import classify_kinks, line_points
from reflasso.training import TrainResult

TRAIN_KEYS = ("dataset", "arch", "depth", "width", "beta", "init", "seed")
KINK_REL_TOL = 1e-2  # slope changes below 1 % of the largest slope are not counted as kinks
params, output = snakemake.params, snakemake.output


def curve(predict, X, run, keys):
    line = line_points(X)
    return tagged(pd.DataFrame({"x1": line[:, 0], "prediction": predict(line)}), run, keys)


curves, lasso_curves, kinks = [], [], []
for run in params.train:
    X = load_data(params.data[run["dataset"]])["X"]
    result = TrainResult.load(run["dir"])
    curves.append(curve(result.predict, X, run, TRAIN_KEYS))
    direction = np.eye(X.shape[1])[0]
    line = line_points(X)[:, 0]
    along = line_function(result.predict, np.zeros(X.shape[1]), direction)
    found = find_kinks(along, line.min(), line.max(), rel_tol=KINK_REL_TOL)
    tol = params.tolerance * float(np.ptp(X[:, 0]))
    kinks.append(tagged(classify_kinks(found, X[:, 0], run["depth"] - 2, tol), run, TRAIN_KEYS))
for run in params.lasso:
    X = load_data(params.data[run["dataset"]])["X"]
    lasso_curves.append(curve(LassoFit.load(run["dir"]).predict, X, run, ("dataset", "depth")))

pd.concat(curves).to_csv(output.curves, index=False)
pd.concat(lasso_curves).to_csv(output.lasso_curves, index=False)
data_frame(params.data).to_csv(output.data, index=False)
kinks = pd.concat(kinks, ignore_index=True)
kinks.to_csv(output.kinks, index=False)
log.info("%d kinks of trained networks, %d matched", len(kinks), int(kinks["order"].notna().sum()))
