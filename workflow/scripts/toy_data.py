"""Rule toy_data: build one small synthetic data set from its config description."""

from common import start

from reflasso.io import save_npz_atomic
from reflasso.toydata import make_toy_dataset

log = start(snakemake)
spec, source = snakemake.params.spec, snakemake.params.source
catalog = {spec.get("source"): source} if source else {}
X, y = make_toy_dataset(spec, catalog)
save_npz_atomic(snakemake.output[0], X=X, y=y)
log.info("wrote %d points in R^%d", *X.shape)
