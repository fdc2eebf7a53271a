"""Rule analyse_toy1d: Lasso predictions, active features z_j g_j and their kinks,
matched to data points and reflections, for the 1-D toy sets."""

from common import data_frame, load_data, start, tagged

log = start(snakemake)

import numpy as np
import pandas as pd

from reflasso import LassoFit
from reflasso.analysis import kink_candidates
from reflasso.experiments import (
    at_midpoint,
    classify_kinks,
    kink_table,
    kinks_on_first_axis,
    line_points,
    write_table,
)

params, output = snakemake.params, snakemake.output
curves, features, kinks = [], [], []
for run in params.lasso:
    X = load_data(params.data[run["dataset"]])["X"]
    fit = LassoFit.load(run["dir"])
    line = line_points(X)
    curves.append(tagged(pd.DataFrame({"x1": line[:, 0], "prediction": fit.predict(line)}), run))
    active = np.flatnonzero(fit.coef)
    values = fit.dictionary.evaluate(line)[:, active] * fit.coef[active]
    for column, j in enumerate(active):
        features.append(
            tagged(pd.DataFrame({"feature": j, "x1": line[:, 0], "value": values[:, column]}), run)
        )
    d = fit.dictionary
    found = kinks_on_first_axis(kink_table(fit.coef, d.W, d.b1, d.C))
    tol = params.tolerance * float(np.ptp(X[:, 0]))
    matched = classify_kinks(found["position"], X[:, 0], run["depth"] - 2, tol)
    matched[["feature", "level"]] = found[["feature", "level"]].to_numpy()
    matched["midpoint"] = at_midpoint(found["position"], X[:, 0], tol)
    kinks.append(tagged(matched, run))

points = []
for name, path in params.data.items():
    candidates = kink_candidates(load_data(path)["X"][:, 0], max_order=2)
    points.append(candidates.assign(dataset=name))

pd.concat(curves).to_csv(output.curves, index=False)
# no active feature is a valid fit (e.g. all labels equal: z = 0): an empty table
feature_columns = ["feature", "x1", "value", "dataset", "depth", "beta"]
pd.concat(features or [pd.DataFrame(columns=feature_columns)]).to_csv(output.features, index=False)
data_frame(params.data).to_csv(output.data, index=False)
pd.concat(points).to_csv(output.points, index=False)
kinks = pd.concat(kinks, ignore_index=True)
write_table(
    kinks,
    output.kinks,
    output.kinks_md,
    "Kinks of active Lasso features (toy-1d), matched to data and reflections",
)
log.info("%d kinks, %d matched", len(kinks), int(kinks["order"].notna().sum()))
