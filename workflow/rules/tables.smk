# Stage claims: one row per claim of the paper with this run's evidence and a verdict.


rule claims:
    input:
        optimality=rules.analyse_optimality.output.optimality,
        lasso=rules.analyse_optimality.output.lasso,
        kinks=rules.analyse_toy1d.output.kinks,
        shifted=rules.analyse_toy1d.output.controls,
        orthogonality=rules.analyse_orthogonality.output.angles,
        symmetry=rules.analyse_depth_symmetry.output.symmetry,
        llm_kinks=rules.analyse_llm.output.kinks,
        accuracy=rules.analyse_llm.output.accuracy,
        llm_data=experiment_data("llm"),
    output:
        claims=report(
            "results/claims.md",
            caption="../report/claims.rst",
            category="Claims",
        ),
        csv="results/tables/claims.csv",
        md="results/tables/claims.md",
    log:
        "results/logs/claims.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        checks=config["checks"],
        llm_lasso=llm_lasso_runs(),
        llm_options=llm_lasso_options(),
        llm_data=data_paths("llm"),
    script:
        "../scripts/claims.py"
