"""Rule train: Adam on a deep |.| network; resumes from its checkpoint after an
interruption and removes the checkpoint once the outputs are written."""

from pathlib import Path

from common import start

log = start(snakemake)

from reflasso import TrainingConfig, train_network
from reflasso.io import load_xy
from reflasso.training import TrainingDiverged

wildcards, params = snakemake.wildcards, snakemake.params
X, y = load_xy(snakemake.input.data)
init = None
if wildcards.init == "lasso":
    from reflasso import LassoFit

    init = LassoFit.load(Path(snakemake.input.init[0]).parent)
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
result.save(Path(snakemake.output.metrics).parent)
checkpoint.unlink(missing_ok=True)
log.info(
    "objective %.10g (loss %.6g, penalty %.6g) on %s in %.1f s",
    result.objective,
    result.loss,
    result.penalty,
    result.device,
    result.seconds,
)
