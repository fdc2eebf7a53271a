"""Rule embed: load a text data set, draw a balanced pool, embed it in batches
(sentence-transformers), with a progress bar in the log."""

from common import start

log = start(snakemake)

import numpy as np

from reflasso import embed_texts, load_dataset
from reflasso.embeddings import embedding_info
from reflasso.io import save_npz_atomic, write_json_atomic

params = snakemake.params
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
    snakemake.output.embeddings,
    Z=np.asarray(Z, dtype=np.float32),
    labels=np.asarray(dataset.labels, dtype=float),
    target=np.asarray(target, dtype=float),
    texts=np.asarray(dataset.texts, dtype=str),
)
write_json_atomic(
    snakemake.output.info,
    {"dataset": params.dataset, "n": len(dataset.texts), **embedding_info(model)},
)
