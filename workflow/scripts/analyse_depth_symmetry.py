"""Rule analyse_depth_symmetry: fits of networks of several depths and widths on 1-D data
and their (multilevel) reflection-symmetry scores (definition: reflasso.analysis)."""

from common import data_frame, load_data, start, tagged

log = start(snakemake)

import pandas as pd

from reflasso.analysis import line_function, multilevel_score, multilevel_symmetry
from reflasso.experiments import line_points, summarise, write_table
from reflasso.training import TrainResult

TRAIN_KEYS = ("dataset", "arch", "depth", "width", "beta", "init", "seed")
LEVELS = 2  # symmetry of the whole data interval and of its two halves
params, output = snakemake.params, snakemake.output

curves, scores = [], []
for run in params.train:
    X = load_data(params.data[run["dataset"]])["X"]
    result = TrainResult.load(run["dir"])
    line = line_points(X)
    curves.append(
        tagged(
            pd.DataFrame({"x1": line[:, 0], "prediction": result.predict(line)}), run, TRAIN_KEYS
        )
    )
    # the window of the curves (data range widened by half on each side): reflections
    # 2x_j - x_k of the outer points lie outside the data
    levels = multilevel_symmetry(
        line_function(result.predict), X[:, 0], line[:, 0].min(), line[:, 0].max(), levels=LEVELS
    )
    row = {key: run[key] for key in TRAIN_KEYS}
    row["symmetry"] = multilevel_score(levels)
    row.update({f"level{k}": s for k, s in levels.groupby("level")["score"].mean().items()})
    row["objective"] = result.objective
    scores.append(row)

pd.concat(curves).to_csv(output.curves, index=False)
data_frame(params.data).to_csv(output.data, index=False)
scores = pd.DataFrame(scores)
write_table(scores, output.symmetry)
summary = summarise(scores, ["dataset", "arch", "width", "depth"], ["symmetry"])
write_table(
    summary,
    md_path=output.symmetry_md,
    title="Symmetry score per depth (mean, sd, count over seeds)",
)
log.info("symmetry by depth:\n%s", summary.to_string())
