"""Rule reduce: the split of one seed, the nested balanced training sample of size n, and
the reduction fitted on that sample only (reflasso.llm)."""

from common import start

log = start(snakemake)

from reflasso.io import load_npz, save_npz_atomic, write_json_atomic
from reflasso.llm import reduced_data, split_rows

params, wildcards, output = snakemake.params, snakemake.wildcards, snakemake.output
seed, dim, n = int(wildcards.split), int(wildcards.dim), int(wildcards.n)
embedded = load_npz(snakemake.input.embeddings)
train, test = split_rows(
    embedded["labels"], n_train=n, test_fraction=params.test_fraction, seed=seed
)
data, reduction = reduced_data(
    embedded["Z"], embedded["labels"], train, test, wildcards.method, dim, seed
)
save_npz_atomic(output.data, **data)
reduction.save(output.reduction)
info = {
    "method": wildcards.method,
    "dim": dim,
    "seed": seed,
    "n_train": len(train),
    "n_test": len(test),
    "explained_variance_ratio": reduction.explained_variance_ratio,
}
write_json_atomic(output.info, info)
log.info("%d training and %d test points in R^%d", len(train), len(test), dim)
