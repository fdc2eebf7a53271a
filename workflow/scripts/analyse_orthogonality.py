"""Rule analyse_orthogonality: angles of the trained first-layer directions (chains that
matter) to the active normals of the Lasso optimum and to the level-1 data planes, next
to random directions, networks trained on shuffled labels and the planes of an
independent point set (reflasso.claims.orthogonality_angles)."""

from common import start, tagged

log = start(snakemake)

import pandas as pd

from reflasso import LassoFit
from reflasso.claims import orthogonality_angles
from reflasso.experiments import write_table
from reflasso.training import TrainResult

params, output = snakemake.params, snakemake.output
real = [run for run in params.lasso if params.sources[run["dataset"]] is None]
tables = []
for run in real:
    fit = LassoFit.load(run["dir"])

    def models(dataset, run=run):
        return [
            TrainResult.load(t["dir"]).model
            for t in params.train
            if t["dataset"] == dataset and t["depth"] == run["depth"] and t["beta"] == run["beta"]
        ]

    controls = [d for d, source in params.sources.items() if source == run["dataset"]]
    shuffled = [model for dataset in controls for model in models(dataset)]
    angles = orthogonality_angles(fit, models(run["dataset"]), shuffled, seed=int(run["depth"]))
    tables.append(tagged(angles, run))

angles = pd.concat(tables, ignore_index=True)
write_table(angles, output.angles)
summary = (
    angles.groupby(["dataset", "depth", "beta", "reference", "source"])["angle_deg"]
    .describe(percentiles=[0.5])
    .reset_index()
)
write_table(
    summary,
    md_path=output.summary_md,
    title="Angles (degrees) of first-layer directions to the nearest normal, by reference",
)
log.info("median angles:\n%s", summary.to_string())
