"""Reproduction of Zeger & Pilanci, arXiv 2410.04279 (docs/method.md §4).

`snakemake --cores 8` builds every figure, table and results/claims.md from
config/config.yaml; workflow/rules/*.smk hold the rules by stage.
"""

from pathlib import Path

from snakemake.utils import min_version, validate

from reflasso import config_check

min_version("8.0")

# A syntax error in the default config names its file and line (snakemake's own loader
# says neither); files given with --configfile: `reflasso check-config FILE`.
if Path("config/config.yaml").exists():
    config_check.load_yaml_file("config/config.yaml")


configfile: "config/config.yaml"


# One short line per problem, naming the config key (snakemake's validate would print the
# whole schema); then snakemake's validate fills the schema's defaults, and the checks a
# schema cannot express run before any job (data finite, sizes, dictionary budgets).
config_check.check_schema(
    config, Path(workflow.basedir) / "workflow/schemas/config.schema.yaml"
)
validate(config, schema="workflow/schemas/config.schema.yaml")
config_check.validate(config)


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/embed.smk"
include: "workflow/rules/reduce.smk"
include: "workflow/rules/lasso.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/analyse.smk"
include: "workflow/rules/figures.smk"


# Cheap aggregation: under a cluster executor (profiles/slurm) it runs on the submitting
# machine instead of waiting in the queue (it only reads tables, writes claims.md).
localrules:
    claims,


rule all:
    default_target: True
    input:
        figures=expand(
            "results/figures/{figure}.{ext}", figure=FIGURES, ext=["pdf", "png"]
        ),
        tables=expand("results/tables/{table}.{ext}", table=TABLES, ext=["csv", "md"]),
        claims="results/claims.md",
