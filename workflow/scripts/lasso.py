"""Rule lasso: exact Lasso fit with its certificate (the network rebuilt from it is
checked by analyse_optimality, so this job does not import torch)."""

from pathlib import Path

from common import start

log = start(snakemake)

from reflasso import fit_lasso
from reflasso.io import load_xy

wildcards, output = snakemake.wildcards, snakemake.output
depth, beta = int(wildcards.depth), float(wildcards.beta)
X, y = load_xy(snakemake.input.data)
fit = fit_lasso(X, y, depth=depth, beta=beta, **snakemake.params.options)
log.info(
    "objective %.10g, %d active of %d columns",
    fit.objective,
    fit.n_active,
    fit.dictionary.size,
)
fit.save(Path(output.metrics).parent)
