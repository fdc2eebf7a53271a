# Stage lasso: the exact convex Lasso of a deep |.| network, its certificate of global
# optimality, and the network reconstructed from it.


rule lasso:
    input:
        data=data_input,
    output:
        metrics="results/lasso/{dataset}/L{depth}-b{beta}/metrics.json",
        solution="results/lasso/{dataset}/L{depth}-b{beta}/solution.npz",
        meaning="results/lasso/{dataset}/L{depth}-b{beta}/meaning.csv",
        reconstruction="results/lasso/{dataset}/L{depth}-b{beta}/reconstruction.json",
    log:
        "results/logs/lasso/{dataset}/L{depth}-b{beta}.log",
    benchmark:
        "results/benchmarks/lasso/{dataset}/L{depth}-b{beta}.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        options=lasso_params,
    script:
        "../scripts/lasso.py"
