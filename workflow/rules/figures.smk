# Stage figures: one rule per figure of docs/method.md §4, drawn from the analysis
# tables only (restyling a figure never reruns a fit).


rule figure_toy1d:
    input:
        curves=rules.analyse_toy1d.output.curves,
        features=rules.analyse_toy1d.output.features,
        data=rules.analyse_toy1d.output.data,
        points=rules.analyse_toy1d.output.points,
    output:
        pdf=report(
            "results/figures/toy1d.pdf",
            caption="../report/toy1d.rst",
            category="Figures",
        ),
        png="results/figures/toy1d.png",
    log:
        "results/logs/figures/toy1d.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        figure="toy1d",
    script:
        "../scripts/figure.py"


rule figure_simulated:
    input:
        curves=rules.analyse_simulated.output.curves,
        lasso_curves=rules.analyse_simulated.output.lasso_curves,
        data=rules.analyse_simulated.output.data,
        kinks=rules.analyse_simulated.output.kinks,
    output:
        pdf=report(
            "results/figures/simulated.pdf",
            caption="../report/simulated.rst",
            category="Figures",
        ),
        png="results/figures/simulated.png",
    log:
        "results/logs/figures/simulated.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        figure="simulated",
    script:
        "../scripts/figure.py"


rule figure_planes2d:
    input:
        grids=rules.analyse_planes2d.output.grids,
        lines=rules.analyse_planes2d.output.lines,
        data=rules.analyse_planes2d.output.data,
        angles=rules.analyse_planes2d.output.angles,
    output:
        pdf=report(
            "results/figures/planes2d.pdf",
            caption="../report/planes2d.rst",
            category="Figures",
        ),
        png="results/figures/planes2d.png",
    log:
        "results/logs/figures/planes2d.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        figure="planes2d",
    script:
        "../scripts/figure.py"


rule figure_orthogonality:
    input:
        angles=rules.analyse_orthogonality.output.angles,
    output:
        pdf=report(
            "results/figures/orthogonality.pdf",
            caption="../report/orthogonality.rst",
            category="Figures",
        ),
        png="results/figures/orthogonality.png",
    log:
        "results/logs/figures/orthogonality.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        figure="orthogonality",
    script:
        "../scripts/figure.py"


rule figure_depth_symmetry:
    input:
        curves=rules.analyse_depth_symmetry.output.curves,
        data=rules.analyse_depth_symmetry.output.data,
        symmetry=rules.analyse_depth_symmetry.output.symmetry,
    output:
        pdf=report(
            "results/figures/depth_symmetry.pdf",
            caption="../report/depth_symmetry.rst",
            category="Figures",
        ),
        png="results/figures/depth_symmetry.png",
    log:
        "results/logs/figures/depth_symmetry.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        figure="depth_symmetry",
    script:
        "../scripts/figure.py"


rule figure_llm_embeddings:
    input:
        curves=rules.analyse_llm.output.curves,
        data=rules.analyse_llm.output.data,
        kinks=rules.analyse_llm.output.kinks,
        labels=rules.analyse_llm.output.labels,
    output:
        pdf=report(
            "results/figures/llm_embeddings.pdf",
            caption="../report/llm_embeddings.rst",
            category="Figures",
        ),
        png="results/figures/llm_embeddings.png",
    log:
        "results/logs/figures/llm_embeddings.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        figure="llm_embeddings",
    script:
        "../scripts/figure.py"


rule figure_llm_learning_curve:
    input:
        runs=rules.analyse_llm.output.runs,
    output:
        pdf=report(
            "results/figures/llm_learning_curve.pdf",
            caption="../report/llm_learning_curve.rst",
            category="Figures",
        ),
        png="results/figures/llm_learning_curve.png",
    log:
        "results/logs/figures/llm_learning_curve.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        figure="llm_learning_curve",
    script:
        "../scripts/figure.py"


rule figure_optimality:
    input:
        optimality=rules.analyse_optimality.output.optimality,
        lasso=rules.analyse_optimality.output.lasso,
    output:
        pdf=report(
            "results/figures/optimality.pdf",
            caption="../report/optimality.rst",
            category="Figures",
        ),
        png="results/figures/optimality.png",
    log:
        "results/logs/figures/optimality.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        figure="optimality",
    script:
        "../scripts/figure.py"
