# Stage data: the small synthetic data sets of config "datasets".


rule toy_data:
    output:
        "results/data/{dataset}.npz",
    log:
        "results/logs/data/{dataset}.log",
    wildcard_constraints:
        dataset="|".join(TOY),
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        spec=lambda wildcards: TOY[wildcards.dataset],
        source=lambda wildcards: TOY.get(TOY[wildcards.dataset].get("source"), {}),
    script:
        "../scripts/toy_data.py"
