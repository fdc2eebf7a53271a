# Stage embed: texts -> sentence-transformers embeddings (a balanced pool of config "text").


rule embed:
    input:
        text_input_files(),
    output:
        embeddings="results/embed/{text}.npz",
        info="results/embed/{text}.json",
    log:
        "results/logs/embed/{text}.log",
    benchmark:
        "results/benchmarks/embed/{text}.tsv"
    conda:
        "../../environment.yml"
    threads: 2
    resources:
        # long reviews embed at a few texts per second on a CPU: minutes per thousand
        mem_mb=4000,
        runtime=lambda wildcards: 30 + TEXT["pool_size"] // 200,
        gpu=1,
    params:
        dataset=TEXT["dataset"],
        options=TEXT["options"],
        model=TEXT["model"],
        normalize=TEXT["normalize"],
        batch_size=TEXT["batch_size"],
        pool_size=TEXT["pool_size"],
    script:
        "../scripts/embed.py"
