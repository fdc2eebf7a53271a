"""Rule analyse_optimality: every Lasso fit (optimum, certificate, reconstruction) and
every trained network's objective against the Lasso optimum of the same problem."""

from pathlib import Path

from common import start

log = start(snakemake)

import pandas as pd

from reflasso.experiments import (
    flat_metrics,
    lasso_summary,
    optimality_table,
    read_json,
    train_summary,
    write_table,
)

params, output = snakemake.params, snakemake.output
lasso = pd.DataFrame(
    [
        lasso_summary(
            run,
            flat_metrics(Path(run["dir"]) / "metrics.json"),
            read_json(Path(run["dir"]) / "reconstruction.json"),
        )
        for run in params.lasso
    ]
)
trained = pd.DataFrame(
    [train_summary(run, read_json(Path(run["dir"]) / "metrics.json")) for run in params.train]
)
table = optimality_table(lasso, trained, params.objective_rtol, params.near_optimum_rtol)
write_table(lasso, output.lasso)
write_table(
    table,
    output.optimality,
    output.optimality_md,
    "Trained objective against the Lasso optimum of the same data, depth and beta",
)
log.info(
    "%d Lasso fits, %d trained networks, %d below the bound",
    len(lasso),
    len(table),
    int(table["below_bound"].sum()),
)
