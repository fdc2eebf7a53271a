# Stage reduce: split the embedded texts (seeded, stratified), take the nested balanced
# training sample of size n and fit the reduction on it only.


rule reduce:
    input:
        embeddings="results/embed/{text}.npz",
    output:
        data="results/reduce/{text}-{method}{dim}-n{n}-s{split}/data.npz",
        reduction="results/reduce/{text}-{method}{dim}-n{n}-s{split}/reduction.npz",
        info="results/reduce/{text}-{method}{dim}-n{n}-s{split}/info.json",
    log:
        "results/logs/reduce/{text}-{method}{dim}-n{n}-s{split}.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        test_fraction=TEXT["test_fraction"],
    script:
        "../scripts/reduce.py"
