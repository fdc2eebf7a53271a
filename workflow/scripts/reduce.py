"""Rule reduce: split the embedded pool, fit the reduction on the training part only,
and draw the small training set of the exact Lasso (test points: the whole test part)."""

import sys

sys.path.insert(0, snakemake.scriptdir)  # noqa: F821 (snakemake is injected)
from common import start  # noqa: E402

log = start(snakemake)  # noqa: F821

import numpy as np  # noqa: E402

from reflasso.experiments import balanced_indices, stratified_split  # noqa: E402
from reflasso.io import save_npz_atomic, write_json_atomic  # noqa: E402
from reflasso.reduction import fit_reduction  # noqa: E402

params, wildcards = snakemake.params, snakemake.wildcards  # noqa: F821
seed, dim = int(wildcards.split), int(wildcards.dim)
with np.load(snakemake.input.embeddings, allow_pickle=False) as data:  # noqa: F821
    Z, labels = data["Z"], data["labels"]
pool, test = stratified_split(labels, params.test_fraction, seed)
reduction = fit_reduction(Z[pool], wildcards.method, dim, seed, labels[pool])
chosen = pool[balanced_indices(labels[pool], params.n_train, seed)]
X, X_test = reduction.transform(Z[chosen]), reduction.transform(Z[test])
save_npz_atomic(
    snakemake.output.data,  # noqa: F821
    X=np.asarray(X, float),
    y=labels[chosen],
    X_test=np.asarray(X_test, float),
    y_test=labels[test],
)
reduction.save(snakemake.output.reduction)  # noqa: F821
write_json_atomic(
    snakemake.output.info,  # noqa: F821
    {"method": wildcards.method, "dim": dim, "seed": seed, "n_pool": len(pool),
     "n_train": len(chosen), "n_test": len(test)},
)
log.info("%d training and %d test points in R^%d", len(chosen), len(test), dim)
