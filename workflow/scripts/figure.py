"""Rules figure_*: draw one figure from its analysis tables (reflasso.figures)."""

from common import start

log = start(snakemake)

import matplotlib

matplotlib.use("Agg")  # files only: no display on clusters or CI; before pyplot is imported

from reflasso.figures import FIGURES, save_figure
from reflasso.io import read_csv

name, inputs = snakemake.params.figure, snakemake.input
tables = {key: read_csv(path) for key, path in inputs.items()}
figure = FIGURES[name](**tables)
save_figure(figure, snakemake.output.pdf, snakemake.output.png)
log.info("figure %s from %s", name, sorted(tables))
