"""Rule analyse_toy1d: Lasso predictions, active features z_j g_j and their kinks,
classified by kind (data point, midpoint, reflection, ...) next to randomly placed
kinks (the control), and the equivalence control: each fit of depth <= 4 refitted
over its dictionary with the kinks shifted, and certified (reflasso.claims)."""

from common import data_frame, load_data, start, tagged

log = start(snakemake)

import numpy as np
import pandas as pd

from reflasso import LassoFit
from reflasso.analysis import kink_candidates
from reflasso.claims import kink_kinds_table, shifted_dictionary_control
from reflasso.experiments import (
    kink_table,
    kinks_on_first_axis,
    line_points,
    write_table,
)

CONTROL_MAX_DEPTH = 4  # perturbed refits of deeper (large) dictionaries would cost minutes
params, output = snakemake.params, snakemake.output
curves, features, kinks, controls = [], [], [], []
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
    found = found.rename(columns={"position": "location"})[["location", "feature", "level"]]
    kinks.append(tagged(kink_kinds_table(found, X[:, 0], run["depth"], *line[[0, -1], 0]), run))
    if run["depth"] <= CONTROL_MAX_DEPTH:
        control = shifted_dictionary_control(fit, params.certificate_tolerance)
        controls.append({key: run[key] for key in ("dataset", "depth", "beta")} | control)

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
    "Kinks of active Lasso features (toy-1d) by kind, and randomly placed control kinks",
)
write_table(pd.DataFrame(controls), output.controls)
log.info("%d kinks, %d of a predicted kind", len(kinks), int(kinks["predicted"].sum()))
