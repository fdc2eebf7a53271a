# Stage analyse: load the fits of one experiment, evaluate them on lines and grids, find
# kinks, angles and symmetry scores, and write the tables the figures are drawn from;
# then the claims, one row per claim of the paper with its evidence and verdict.


rule analyse_toy1d:
    input:
        lasso=lasso_files("toy1d"),
        data=experiment_data("toy1d"),
    output:
        curves="results/analyse/toy1d/curves.csv",
        features="results/analyse/toy1d/features.csv",
        data="results/analyse/toy1d/data.csv",
        points="results/analyse/toy1d/points.csv",
        kinks=report(
            "results/tables/kinks.csv",
            caption="../report/kinks.rst",
            category="Tables",
        ),
        kinks_md="results/tables/kinks.md",
        controls="results/analyse/toy1d/shifted_controls.csv",
    log:
        "results/logs/analyse/toy1d.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        analysis="toy1d",
        lasso=lasso_run_dicts("toy1d"),
        data=data_paths("toy1d"),
        certificate_tolerance=config["checks"]["certificate_tolerance"],
    script:
        "../scripts/analyse.py"


rule analyse_simulated:
    input:
        lasso=lasso_files("simulated"),
        train=train_batches("simulated"),
        data=experiment_data("simulated"),
    output:
        curves="results/analyse/simulated/curves.csv",
        lasso_curves="results/analyse/simulated/lasso_curves.csv",
        data="results/analyse/simulated/data.csv",
        kinks="results/analyse/simulated/kinks.csv",
    log:
        "results/logs/analyse/simulated.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        analysis="simulated",
        lasso=lasso_run_dicts("simulated"),
        train=train_run_dicts("simulated"),
        data=data_paths("simulated"),
        tolerance=config["checks"]["kink_match_tolerance"],
    script:
        "../scripts/analyse.py"


rule analyse_planes2d:
    input:
        lasso=lasso_files("planes2d"),
        train=train_batches("planes2d"),
        data=experiment_data("planes2d"),
    output:
        grids="results/analyse/planes2d/grids.csv",
        lines="results/analyse/planes2d/lines.csv",
        data="results/analyse/planes2d/data.csv",
        angles=report(
            "results/tables/angles.csv",
            caption="../report/angles.rst",
            category="Tables",
        ),
        angles_md="results/tables/angles.md",
    log:
        "results/logs/analyse/planes2d.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        analysis="planes2d",
        lasso=lasso_run_dicts("planes2d"),
        train=train_run_dicts("planes2d"),
        data=data_paths("planes2d"),
    script:
        "../scripts/analyse.py"


rule analyse_orthogonality:
    input:
        lasso=lasso_files("orthogonality"),
        train=train_batches("orthogonality"),
        data=experiment_data("orthogonality"),
    output:
        angles=report(
            "results/tables/orthogonality.csv",
            caption="../report/orthogonality_table.rst",
            category="Tables",
        ),
        summary_md="results/tables/orthogonality.md",
    log:
        "results/logs/analyse/orthogonality.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        analysis="orthogonality",
        lasso=lasso_run_dicts("orthogonality"),
        train=train_run_dicts("orthogonality"),
        sources={d: TOY[d].get("source") for d in experiment_datasets("orthogonality")},
    script:
        "../scripts/analyse.py"


rule analyse_depth_symmetry:
    input:
        lasso=lasso_files("depth_symmetry"),
        train=train_batches("depth_symmetry"),
        data=experiment_data("depth_symmetry"),
    output:
        curves="results/analyse/depth_symmetry/curves.csv",
        data="results/analyse/depth_symmetry/data.csv",
        symmetry=report(
            "results/tables/symmetry.csv",
            caption="../report/symmetry.rst",
            category="Tables",
        ),
        symmetry_md="results/tables/symmetry.md",
    log:
        "results/logs/analyse/depth_symmetry.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        analysis="depth_symmetry",
        lasso=lasso_run_dicts("depth_symmetry"),
        train=train_run_dicts("depth_symmetry"),
        data=data_paths("depth_symmetry"),
        fit_r2=config["checks"]["fit_r2"],
    script:
        "../scripts/analyse.py"


rule analyse_llm:
    input:
        lasso=lasso_files("llm"),
        cv=lasso_files("llm", "cv.csv"),
        train=train_batches("llm"),
        data=experiment_data("llm"),
        embeddings=embeddings_file(),
    output:
        curves="results/analyse/llm/curves.csv",
        data="results/analyse/llm/data.csv",
        kinks="results/analyse/llm/kinks.csv",
        labels="results/analyse/llm/labels.csv",
        runs="results/analyse/llm/accuracy_runs.csv",
        accuracy=report(
            "results/tables/accuracy.csv",
            caption="../report/accuracy.rst",
            category="Tables",
        ),
        accuracy_md="results/tables/accuracy.md",
    log:
        "results/logs/analyse/llm.log",
    benchmark:
        "results/benchmarks/analyse/llm.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    params:
        analysis="llm",
        lasso=llm_lasso_runs(),
        train=llm_train_runs(),
        data=llm_data(),
        n_train=TEXT["n_train"],
        shown_arch=LLM["shown_arch"],
        embeddings=lambda wildcards, input: input.embeddings,
        tolerance=config["checks"]["text_kink_tolerance"],
    script:
        "../scripts/analyse.py"


rule analyse_optimality:
    input:
        lasso=all_lasso_files(),
        train=all_train_batches(),
    output:
        lasso="results/analyse/optimality/lasso.csv",
        optimality=report(
            "results/tables/optimality.csv",
            caption="../report/optimality_table.rst",
            category="Tables",
        ),
        optimality_md="results/tables/optimality.md",
    log:
        "results/logs/analyse/optimality.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        analysis="optimality",
        lasso=all_lasso_run_dicts(),
        train=all_train_run_dicts(),
        objective_rtol=config["checks"]["objective_rtol"],
        near_optimum_rtol=config["checks"]["near_optimum_rtol"],
    script:
        "../scripts/analyse.py"


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
