"""Reproduction of Zeger & Pilanci, arXiv 2410.04279 (paper.md section 4).

`snakemake --cores 8` builds every figure, table and results/claims.md from
config/config.yaml; workflow/rules/*.smk hold the rules by stage.
"""

from snakemake.utils import min_version, validate

min_version("8.0")


configfile: "config/config.yaml"


validate(config, schema="workflow/schemas/config.schema.yaml")


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/embed.smk"
include: "workflow/rules/reduce.smk"
include: "workflow/rules/lasso.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/analyse.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/tables.smk"


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
