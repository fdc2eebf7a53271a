# Stage lasso: the exact convex Lasso of a deep |.| network and its certificate of global
# optimality (the network rebuilt from each fit is checked in analyse_optimality).


rule lasso:
    input:
        data=data_input,
    output:
        metrics="results/lasso/{dataset}/L{depth}-b{beta}/metrics.json",
        solution="results/lasso/{dataset}/L{depth}-b{beta}/solution.npz",
        meaning="results/lasso/{dataset}/L{depth}-b{beta}/meaning.csv",
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


# The text data sets: beta chosen by K-fold cross-validation on the training split, then
# one certified fit at that beta (on a subsample where config lasso.max_train says so).
rule lasso_cv:
    input:
        data=data_input,
    output:
        metrics="results/lasso/{dataset}/L{depth}-cv/metrics.json",
        solution="results/lasso/{dataset}/L{depth}-cv/solution.npz",
        meaning="results/lasso/{dataset}/L{depth}-cv/meaning.csv",
        cv="results/lasso/{dataset}/L{depth}-cv/cv.csv",
    log:
        "results/logs/lasso/{dataset}/L{depth}-cv.log",
    benchmark:
        "results/benchmarks/lasso/{dataset}/L{depth}-cv.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        folds=LLM["lasso"]["cv_folds"],
        n_betas=LLM["lasso"]["n_betas"],
        ratio=LLM["lasso"]["beta_ratio"],
        max_train=llm_max_train,
        options=lasso_params,
    script:
        "../scripts/lasso_cv.py"
