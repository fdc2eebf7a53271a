"""Rule lasso: exact Lasso fit with its certificate, and the reconstruction check
(the network rebuilt from the solution has the Lasso optimum as training objective)."""

from pathlib import Path

from common import start

log = start(snakemake)

from reflasso import fit_lasso, training_objective
from reflasso.certificate import relative_gap
from reflasso.io import load_xy, write_json_atomic

wildcards, output = snakemake.wildcards, snakemake.output
depth, beta = int(wildcards.depth), float(wildcards.beta)
X, y = load_xy(snakemake.input.data)
fit = fit_lasso(X, y, depth=depth, beta=beta, **snakemake.params.options)
network_objective = float(training_objective(fit.to_network(), X, y, beta))
gap = relative_gap(network_objective, fit.objective)  # 0 when both are 0 (constant y)
log.info(
    "objective %.10g, %d active of %d columns, reconstruction gap %.2g",
    fit.objective,
    fit.n_active,
    fit.dictionary.size,
    gap,
)
fit.save(Path(output.metrics).parent)
write_json_atomic(
    output.reconstruction,
    {
        "lasso_objective": fit.objective,
        "network_objective": network_objective,
        "reconstruction_gap": gap,
    },
)
