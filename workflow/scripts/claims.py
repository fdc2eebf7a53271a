"""Rule claims: results/claims.md, one row per claim of the paper, verdicts computed
from this run's tables next to each claim's negative control (reflasso.claims)."""

from common import start

log = start(snakemake)

from reflasso.claims import CLAIMS_TITLE, claims_markdown, claims_table
from reflasso.io import load_npz, read_csv, write_text_atomic
from reflasso.tables import write_table

inputs, output, params = snakemake.input, snakemake.output, snakemake.params
TABLES = ("optimality", "lasso", "kinks", "shifted", "orthogonality", "symmetry", "llm_kinks")
tables = {key: read_csv(inputs[key]) for key in (*TABLES, "accuracy")}
llm_data = {name: load_npz(path) for name, path in params.llm_data.items()}
claims = claims_table(tables, llm_data, params.checks, params.llm_lasso, params.llm_options)
write_table(claims, output.csv, output.md, CLAIMS_TITLE)
write_text_atomic(output.claims, claims_markdown(claims))
log.info("verdicts: %s", dict(zip(claims["claim"], claims["verdict"], strict=True)))
log.info("controls: %s", dict(zip(claims["claim"], claims["control verdict"], strict=True)))
