"""Rule lasso_cv: exact Lasso on a text data set with beta chosen by K-fold
cross-validation (reflasso.llm.fit_cv_lasso) and its certificate (the network rebuilt
from it is checked by analyse_optimality)."""

from pathlib import Path

from common import start

log = start(snakemake)

from reflasso.io import load_xy
from reflasso.llm import fit_cv_lasso
from reflasso.tables import write_table

wildcards, params, output = snakemake.wildcards, snakemake.params, snakemake.output
X, y = load_xy(snakemake.input.data)
fit, cv = fit_cv_lasso(
    X,
    y,
    int(wildcards.depth),
    max_train=params.max_train,
    folds=params.folds,
    n_betas=params.n_betas,
    ratio=params.ratio,
    **params.options,
)
log.info(
    "n=%d of %d, beta=%.4g by %d-fold CV, objective %.10g, %d active",
    len(fit.X),
    len(X),
    fit.beta,
    params.folds,
    fit.objective,
    fit.n_active,
)
fit.save(Path(output.metrics).parent)
write_table(cv, output.cv)
