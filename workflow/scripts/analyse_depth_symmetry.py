"""Rule analyse_depth_symmetry: fits of the exact Lasso and of trained networks of several
depths on 1-D data, their multilevel reflection-symmetry scores against moved-kink null
functions, and one null function scored as a measurement (the control); definitions in
reflasso.analysis."""

from common import data_frame, load_data, start, tagged

log = start(snakemake)

import pandas as pd

from reflasso import LassoFit
from reflasso.analysis import (
    find_kinks,
    line_function,
    r_squared,
    symmetry_control_row,
    symmetry_row,
)
from reflasso.experiments import kink_table, kinks_on_first_axis, line_points, write_table
from reflasso.training import TrainResult

TRAIN_KEYS = ("dataset", "arch", "depth", "width", "beta", "init", "seed")
KINK_REL_TOL = 1e-2  # slope changes below 1 % of the largest slope are not kinks
params, output = snakemake.params, snakemake.output

curves, scores = [], []
for run in params.lasso:
    data = load_data(params.data[run["dataset"]])
    fit = LassoFit.load(run["dir"])
    line = line_points(data["X"])[:, 0]
    window = (line.min(), line.max())
    kinks = kinks_on_first_axis(kink_table(fit.coef, fit.dictionary.W, fit.dictionary.b1,
                                           fit.dictionary.C))["position"]  # fmt: skip
    f, x = line_function(fit.predict), data["X"][:, 0]
    tags = {"dataset": run["dataset"], "depth": run["depth"], "beta": run["beta"], "fits": True}
    scores.append({"source": "lasso", **tags, **symmetry_row(f, kinks, x, *window)})
    scores.append({"source": "control", **tags, **symmetry_control_row(f, kinks, x, *window)})
for run in params.train:
    data = load_data(params.data[run["dataset"]])
    result = TrainResult.load(run["dir"])
    line = line_points(data["X"])
    curves.append(
        tagged(
            pd.DataFrame({"x1": line[:, 0], "prediction": result.predict(line)}), run, TRAIN_KEYS
        )
    )
    # the window of the curves (data range widened by half on each side): reflections
    # 2x_j - x_k of the outer points lie outside the data
    window = (line[:, 0].min(), line[:, 0].max())
    f, x = line_function(result.predict), data["X"][:, 0]
    r2 = r_squared(data["y"], result.predict(data["X"]))
    row = {"source": "trained", **{key: run[key] for key in TRAIN_KEYS}}
    row.update(fits=r2 >= params.fit_r2, r2=r2, objective=result.objective)
    row.update(symmetry_row(f, find_kinks(f, *window, rel_tol=KINK_REL_TOL), x, *window))
    scores.append(row)

pd.concat(curves).to_csv(output.curves, index=False)
data_frame(params.data).to_csv(output.data, index=False)
scores = pd.DataFrame(scores)
write_table(scores, output.symmetry)
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
write_table(
    summary,
    md_path=output.symmetry_md,
    title="Symmetry score per depth against the moved-kink null (width -1: the Lasso optimum)",
)
log.info("symmetry by depth:\n%s", summary.to_string())
