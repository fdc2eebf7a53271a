# Stage train: Adam on reflection or standard |.| networks, optionally initialised from
# the Lasso fit of the same data, depth and beta. One job trains every run of an
# experiment on one data set with one seed (folder TRAIN_BATCH, a subfolder per run).
# Each run's checkpoint lies outside the outputs, so an interrupted job resumes where it
# stopped (finished runs at once); they are removed when the job completes.


rule train:
    input:
        data=data_input,
        init=init_input,
    output:
        directory(TRAIN_BATCH),
    log:
        "results/logs/train/{experiment}/{dataset}/s{seed}.log",
    benchmark:
        "results/benchmarks/train/{experiment}/{dataset}/s{seed}.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=batch_runtime,
        gpu=1,
    params:
        runs=batch_params,
        epochs=lambda wildcards: train_params(wildcards)["epochs"],
        lr=lambda wildcards: train_params(wildcards)["lr"],
    script:
        "../scripts/train.py"
