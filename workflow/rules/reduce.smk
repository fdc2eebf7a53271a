# Stage reduce: split, reduce to a few dimensions (fitted on the training part only) and
# draw the small training set of the exact Lasso.


rule reduce:
    input:
        embeddings="results/embed/{text}.npz",
    output:
        data="results/reduce/{text}-{method}{dim}-s{split}/data.npz",
        reduction="results/reduce/{text}-{method}{dim}-s{split}/reduction.npz",
        info="results/reduce/{text}-{method}{dim}-s{split}/info.json",
    log:
        "results/logs/reduce/{text}-{method}{dim}-s{split}.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        test_fraction=TEXT["test_fraction"],
        n_train=TEXT["n_train"],
    script:
        "../scripts/reduce.py"
