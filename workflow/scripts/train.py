"""Rule train: Adam on each deep |.| network of one job (a folder per run). A run
resumes from its checkpoint after an interruption; the checkpoints are removed once
every run's outputs are written."""

from pathlib import Path

from common import start

log = start(snakemake)

from reflasso import LassoFit, TrainingConfig, train_network
from reflasso.io import load_xy
from reflasso.training import TrainingDiverged

X, y = load_xy(snakemake.input.data)
runs, params = snakemake.params.runs, snakemake.params
output = Path(snakemake.output[0])
for run in runs:
    checkpoint = Path(run["checkpoint"])
    resume = checkpoint if checkpoint.exists() else None
    if resume:
        log.info("%s: resuming from %s", run["name"], resume)
    config = TrainingConfig(
        arch=run["arch"],
        depth=int(run["depth"]),
        width=int(run["width"]),
        beta=float(run["beta"]),
        epochs=int(params.epochs),
        lr=float(params.lr),
        seed=int(run["seed"]),
        device="auto",
        checkpoint=checkpoint,
        resume_from=resume,
    )
    init = LassoFit.load(run["init_dir"]) if run["init_dir"] else None
    try:
        result = train_network(X, y, config, init=init)
    except TrainingDiverged as error:  # name the config key to change
        experiment = snakemake.wildcards.experiment
        log.error("%s: %s; config key experiments.%s.train.lr", run["name"], error, experiment)
        raise
    result.save(output / run["name"])
    log.info(
        "%s: objective %.10g (loss %.6g, penalty %.6g) on %s in %.1f s",
        run["name"],
        result.objective,
        result.loss,
        result.penalty,
        result.device,
        result.seconds,
    )
for run in runs:
    Path(run["checkpoint"]).unlink(missing_ok=True)
