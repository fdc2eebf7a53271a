"""Shared start-up of the workflow scripts: logging into the rule's log file.

Scripts import it as ``from common import ...``: Snakemake (>= 8.0, as pyproject
requires) puts the folder of a local script on ``sys.path`` before running it.
"""

from __future__ import annotations

import logging
import sys


def start(snakemake) -> logging.Logger:
    """Send logging, warnings, stdout and stderr to the rule's log.

    Threads need no setting here: Snakemake runs a script with OMP_NUM_THREADS (and the
    BLAS libraries' variables) set to the rule's threads, which torch and numpy obey; not
    importing torch keeps the jobs that do not use it seconds shorter.
    """
    handle = open(snakemake.log[0], "w", buffering=1)  # lives as long as the job
    sys.stdout = sys.stderr = handle
    logging.basicConfig(
        stream=handle,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    logging.captureWarnings(True)
    log = logging.getLogger(f"workflow.{snakemake.rule}")
    log.info("rule %s, wildcards %s", snakemake.rule, dict(snakemake.wildcards))
    return log
