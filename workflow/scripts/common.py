"""Shared start-up of the workflow scripts: logging into the rule's log file, threads.

Scripts import it as ``from common import ...``: Snakemake (>= 8.0, as pyproject
requires) puts the folder of a local script on ``sys.path`` before running it.
"""

from __future__ import annotations

import logging
import sys


def start(snakemake) -> logging.Logger:
    """Send logging, warnings, stdout and stderr to the rule's log; cap torch's threads."""
    handle = open(snakemake.log[0], "w", buffering=1)  # lives as long as the job
    sys.stdout = sys.stderr = handle
    logging.basicConfig(
        stream=handle,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    logging.captureWarnings(True)
    try:
        import torch

        torch.set_num_threads(max(1, int(snakemake.threads)))
    except ImportError:  # pragma: no cover - torch is a dependency
        pass
    log = logging.getLogger(f"workflow.{snakemake.rule}")
    log.info("rule %s, wildcards %s", snakemake.rule, dict(snakemake.wildcards))
    return log
