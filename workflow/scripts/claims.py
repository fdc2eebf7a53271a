"""Rule claims: results/claims.md, one row per claim of the paper, verdicts computed
from this run's tables next to each claim's negative control (reflasso.claims)."""

from common import start

log = start(snakemake)

import pandas as pd

from reflasso.claims import (
    claim_equivalence,
    claim_llm,
    claim_orthogonality,
    claim_reflections,
    claim_symmetry,
    claims_markdown,
    llm_checks,
)
from reflasso.io import load_npz, read_csv, write_text_atomic
from reflasso.tables import write_table

inputs, output, params = snakemake.input, snakemake.output, snakemake.params
checks = params.checks
TABLES = ("optimality", "lasso", "kinks", "shifted", "orthogonality", "symmetry", "llm_kinks")
tables = {key: read_csv(inputs[key]) for key in (*TABLES, "accuracy")}
llm_data = {name: load_npz(path) for name, path in params.llm_data.items()}
llm_kinks, chance_bar, llm_control = llm_checks(
    tables["llm_kinks"],
    tables["accuracy"],
    llm_data,
    params.llm_lasso,
    tables["lasso"],
    checks["text_kink_tolerance"],
    **params.llm_options,
)
claims = pd.DataFrame(
    [
        claim_equivalence(
            tables["lasso"],
            tables["optimality"],
            tables["shifted"],
            checks["certificate_tolerance"],
            checks["objective_rtol"],
        ),
        claim_reflections(tables["kinks"]),
        claim_orthogonality(tables["orthogonality"]),
        claim_symmetry(tables["symmetry"]),
        claim_llm(llm_kinks, tables["accuracy"], chance_bar, llm_control),
    ]
)
intro = (
    "Each verdict is computed by `reflasso.claims` from the numbers of this run "
    "(tables in `results/tables/`); the criterion column says how. Next to it, the same "
    "check on a negative control, where the claim cannot hold: a check with power "
    "gives 'not reproduced' there (docs/claims.md). Tolerances come from the config's "
    "`checks` section."
)
write_table(claims, output.csv, output.md, "Claims of the paper, checked by this run")
write_text_atomic(output.claims, claims_markdown(claims, intro))
log.info("verdicts: %s", dict(zip(claims["claim"], claims["verdict"], strict=True)))
log.info("controls: %s", dict(zip(claims["claim"], claims["control verdict"], strict=True)))
