"""Rule embed: load a text data set, draw a balanced pool, embed it in batches
(sentence-transformers), with a progress bar in the log."""

import sys

sys.path.insert(0, snakemake.scriptdir)  # noqa: F821 (snakemake is injected)
from common import start  # noqa: E402

log = start(snakemake)  # noqa: F821

import numpy as np  # noqa: E402

from reflasso import embed_texts, load_dataset  # noqa: E402
from reflasso.embeddings import embedding_info  # noqa: E402
from reflasso.io import save_npz_atomic, write_json_atomic  # noqa: E402

params = snakemake.params  # noqa: F821
model = None if params.model in (None, "default") else params.model
dataset = load_dataset(params.dataset, **params.options)
if len(dataset.texts) > params.pool_size:
    dataset = dataset.subsample(params.pool_size, seed=0)
log.info("embedding %d texts of %s with %s", len(dataset.texts), params.dataset, model)
# batches of text.batch_size; the progress bar goes to this rule's log
Z = embed_texts(
    list(dataset.texts),
    model=model,
    normalize=params.normalize,
    batch_size=params.batch_size,
    progress=True,
)
target = dataset.target if dataset.target is not None else np.asarray(dataset.labels, float)
save_npz_atomic(
    snakemake.output.embeddings,  # noqa: F821
    Z=np.asarray(Z, dtype=np.float32),
    labels=np.asarray(dataset.labels, dtype=float),
    target=np.asarray(target, dtype=float),
    texts=np.asarray(dataset.texts, dtype=str),
)
write_json_atomic(
    snakemake.output.info,  # noqa: F821
    {"dataset": params.dataset, "n": len(dataset.texts), **embedding_info(model)},
)
