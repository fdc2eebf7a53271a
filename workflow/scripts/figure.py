"""Rules figure_*: draw one figure from its analysis tables (reflasso.figures)."""

import sys

sys.path.insert(0, snakemake.scriptdir)  # noqa: F821 (snakemake is injected)
from common import start  # noqa: E402

log = start(snakemake)  # noqa: F821


from reflasso.figures import FIGURES, save_figure  # noqa: E402
from reflasso.io import read_csv  # noqa: E402

name, inputs = snakemake.params.figure, snakemake.input  # noqa: F821
tables = {key: read_csv(path) for key, path in inputs.items()}
figure = FIGURES[name](**tables)
save_figure(figure, snakemake.output.pdf, snakemake.output.png)  # noqa: F821
log.info("figure %s from %s", name, sorted(tables))
