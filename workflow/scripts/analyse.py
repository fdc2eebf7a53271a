"""Rules analyse_*: one experiment's analysis (reflasso.experiment_analysis), each
returned table written to the rule's output of the same name."""

from common import start

log = start(snakemake)

from reflasso.experiment_analysis import ANALYSES, TITLES
from reflasso.tables import write_named_tables

settings = dict(snakemake.params.items())
name = settings.pop("analysis")
tables = ANALYSES[name](**settings)
write_named_tables(tables, dict(snakemake.output.items()), TITLES)
for key, table in tables.items():
    log.info("%s: %d rows\n%s", key, len(table), table.head(20).to_string())
