"""Rules figure_*: draw one figure from its analysis tables (reflasso.figures)."""

import sys

sys.path.insert(0, snakemake.scriptdir)  # noqa: F821 (snakemake is injected)
from common import start  # noqa: E402

log = start(snakemake)  # noqa: F821

import matplotlib  # noqa: E402

matplotlib.use("Agg")  # files only: no display on clusters or CI; before pyplot is imported
import pandas as pd  # noqa: E402

from reflasso.figures import FIGURES, save_figure  # noqa: E402

name, inputs = snakemake.params.figure, snakemake.input  # noqa: F821
tables = {key: pd.read_csv(path) for key, path in inputs.items()}
figure = FIGURES[name](**tables)
save_figure(figure, snakemake.output.pdf, snakemake.output.png)  # noqa: F821
log.info("figure %s from %s", name, sorted(tables))
