"""Rule train: Adam on a deep |.| network; resumes from its checkpoint after an
interruption and removes the checkpoint once the outputs are written."""

import sys
from pathlib import Path

sys.path.insert(0, snakemake.scriptdir)  # noqa: F821 (snakemake is injected)
from common import start  # noqa: E402

log = start(snakemake)  # noqa: F821

from reflasso import TrainingConfig, train_network  # noqa: E402
from reflasso.io import load_xy  # noqa: E402
from reflasso.training import TrainingDiverged  # noqa: E402

wildcards, params = snakemake.wildcards, snakemake.params  # noqa: F821
X, y = load_xy(snakemake.input.data)  # noqa: F821
init = None
if wildcards.init == "lasso":
    from reflasso import LassoFit

    init = LassoFit.load(Path(snakemake.input.init[0]).parent)  # noqa: F821
checkpoint = Path(params.checkpoint)
resume = checkpoint if checkpoint.exists() else None
if resume:
    log.info("resuming from %s", resume)
config = TrainingConfig(
    arch=wildcards.arch,
    depth=int(wildcards.depth),
    width=int(wildcards.width),
    beta=float(wildcards.beta),
    epochs=int(params.epochs),
    lr=float(params.lr),
    seed=int(wildcards.seed),
    device="auto",
    checkpoint=checkpoint,
    resume_from=resume,
)
try:
    result = train_network(X, y, config, init=init)
except TrainingDiverged as error:  # name the config key to change
    log.error("%s; config key experiments.%s.train.lr", error, wildcards.experiment)
    raise
result.save(Path(snakemake.output.metrics).parent)  # noqa: F821
checkpoint.unlink(missing_ok=True)
log.info(
    "objective %.10g (loss %.6g, penalty %.6g) on %s in %.1f s",
    result.objective,
    result.loss,
    result.penalty,
    result.device,
    result.seconds,
)
