"""Rule lasso: exact Lasso fit with its certificate, and the reconstruction check
(the network rebuilt from the solution has the Lasso optimum as training objective)."""

import sys
from pathlib import Path

sys.path.insert(0, snakemake.scriptdir)  # noqa: F821 (snakemake is injected)
from common import start  # noqa: E402

log = start(snakemake)  # noqa: F821

from reflasso import fit_lasso, training_objective  # noqa: E402
from reflasso.io import load_xy, write_json_atomic  # noqa: E402

wildcards, output = snakemake.wildcards, snakemake.output  # noqa: F821
depth, beta = int(wildcards.depth), float(wildcards.beta)
X, y = load_xy(snakemake.input.data)  # noqa: F821
fit = fit_lasso(X, y, depth=depth, beta=beta, **snakemake.params.options)  # noqa: F821
network_objective = float(training_objective(fit.to_network(), X, y, beta))
gap = (network_objective - fit.objective) / abs(fit.objective)
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
