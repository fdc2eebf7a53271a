"""Rule claims: results/claims.md, one row per claim of the paper, verdicts computed
from this run's tables (reflasso.experiments.claim_*)."""

from common import start

log = start(snakemake)

import pandas as pd

from reflasso.experiments import (
    claim_equivalence,
    claim_llm,
    claim_orthogonality,
    claim_reflections,
    claim_symmetry,
    claims_markdown,
    write_table,
)
from reflasso.io import read_csv, write_text_atomic

inputs, output, checks = snakemake.input, snakemake.output, snakemake.params.checks
tables = {key: read_csv(path) for key, path in inputs.items()}
claims = pd.DataFrame(
    [
        claim_equivalence(
            tables["lasso"],
            tables["optimality"],
            checks["certificate_tolerance"],
            checks["objective_rtol"],
        ),
        claim_reflections(tables["kinks"]),
        claim_orthogonality(tables["angles"], checks["angle_tolerance_degrees"]),
        claim_symmetry(tables["symmetry"]),
        claim_llm(tables["llm_kinks"], tables["accuracy"]),
    ]
)
intro = (
    "Each verdict is computed by `reflasso.experiments` from the numbers of this run "
    "(tables in `results/tables/`); the criterion column says how. Tolerances come from "
    "the config's `checks` section."
)
write_table(claims, output.csv, output.md, "Claims of the paper, checked by this run")
write_text_atomic(output.claims, claims_markdown(claims, intro))
log.info("verdicts: %s", dict(zip(claims["claim"], claims["verdict"], strict=True)))
