# Stage lasso: the exact convex Lasso of a deep |.| network, its certificate of global
# optimality, and the network reconstructed from it.


rule lasso:
    input:
        data=data_input,
    output:
        metrics="results/lasso/{dataset}/L{depth}-b{beta}/metrics.json",
        solution="results/lasso/{dataset}/L{depth}-b{beta}/solution.npz",
        reconstruction="results/lasso/{dataset}/L{depth}-b{beta}/reconstruction.json",
    params:
        options=lasso_params,
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
    script:
        "../scripts/lasso.py"
