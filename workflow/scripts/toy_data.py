"""Rule toy_data: build one small synthetic data set from its config description."""

import sys

sys.path.insert(0, snakemake.scriptdir)  # noqa: F821 (snakemake is injected)
from common import start  # noqa: E402

from reflasso.io import save_npz_atomic  # noqa: E402
from reflasso.toydata import make_toy_dataset  # noqa: E402

log = start(snakemake)  # noqa: F821
spec, source = snakemake.params.spec, snakemake.params.source  # noqa: F821
catalog = {spec.get("source"): source} if source else {}
X, y = make_toy_dataset(spec, catalog)
save_npz_atomic(snakemake.output[0], X=X, y=y)  # noqa: F821
log.info("wrote %d points in R^%d", *X.shape)
