"""Rule reduce: split the embedded pool (stratified, seeded), fit the reduction on the
training part only, and draw the small balanced training set of the exact Lasso; the
test points are the whole test part."""

from common import load_data, start

log = start(snakemake)

import numpy as np

from reflasso.datasets import TextDataset
from reflasso.io import save_npz_atomic, write_json_atomic
from reflasso.reduction import fit_reduction

params, wildcards, output = snakemake.params, snakemake.wildcards, snakemake.output
seed, dim = int(wildcards.split), int(wildcards.dim)
embedded = load_data(snakemake.input.embeddings)
Z, labels = embedded["Z"], embedded["labels"]
# Row numbers as ids, so that the dataset's own split and subsample give indices.
texts = TextDataset(list(embedded["texts"]), labels, ids=[str(i) for i in range(len(labels))])
pool, test = texts.train_test_split(params.test_fraction, seed=seed)
chosen = pool.subsample(params.n_train, seed=seed)
pool_rows, test_rows, chosen_rows = ([int(i) for i in part.ids] for part in (pool, test, chosen))
reduction = fit_reduction(Z[pool_rows], wildcards.method, dim, seed, labels[pool_rows])
save_npz_atomic(
    output.data,
    X=np.asarray(reduction.transform(Z[chosen_rows]), float),
    y=labels[chosen_rows].astype(float),
    X_test=np.asarray(reduction.transform(Z[test_rows]), float),
    y_test=labels[test_rows].astype(float),
)
reduction.save(output.reduction)
info = {
    "method": wildcards.method,
    "dim": dim,
    "seed": seed,
    "n_pool": len(pool_rows),
    "n_train": len(chosen_rows),
    "n_test": len(test_rows),
    "explained_variance_ratio": reduction.explained_variance_ratio,
}
write_json_atomic(output.info, info)
log.info("%d training and %d test points in R^%d", len(chosen_rows), len(test_rows), dim)
