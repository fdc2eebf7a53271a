# Stage train: Adam on a reflection or standard |.| network, optionally initialised from
# the Lasso fit of the same data, depth and beta.  A checkpoint outside the outputs lets
# an interrupted job resume; it is removed when the job completes.


rule train:
    input:
        data=data_input,
        init=init_input,
    output:
        metrics=f"results/train/{{experiment}}/{{dataset}}/{TRAIN_RUN}/metrics.json",
        history=f"results/train/{{experiment}}/{{dataset}}/{TRAIN_RUN}/history.csv",
        model=f"results/train/{{experiment}}/{{dataset}}/{TRAIN_RUN}/model.pt",
    log:
        f"results/logs/train/{{experiment}}/{{dataset}}/{TRAIN_RUN}.log",
    benchmark:
        f"results/benchmarks/train/{{experiment}}/{{dataset}}/{TRAIN_RUN}.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
        gpu=1,
    params:
        epochs=lambda wildcards: train_params(wildcards)["epochs"],
        lr=lambda wildcards: train_params(wildcards)["lr"],
        checkpoint=checkpoint_path,
    script:
        "../scripts/train.py"
