"""The Snakemake workflow: dry run and lint on the default config, the tiny integration
config end to end (outputs, certificates, no-op rerun), config errors, a missing input
file and an interrupted run.

The end-to-end run works in a temporary folder (``--directory``) so the repository's own
``results/`` are never touched.
"""

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEFILE = REPO / "Snakefile"
DEFAULT = REPO / "config" / "config.yaml"
TINY = REPO / ".tests" / "integration" / "config.yaml"
FIGURES = [
    "toy1d",
    "simulated",
    "planes2d",
    "orthogonality",
    "depth_symmetry",
    "llm_embeddings",
    "llm_learning_curve",
    "optimality",
]
TABLES = ["optimality", "accuracy", "symmetry", "angles", "orthogonality", "kinks", "claims"]

pytestmark = [pytest.mark.workflow]


def snakemake_command(workdir, *args, configfile=TINY) -> list[str]:
    """The command line that runs this repository's Snakefile in ``workdir``."""
    return [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(SNAKEFILE),
        "--directory",
        str(workdir),
        *args,
        "--configfile",
        str(configfile),
    ]


def snakemake(workdir, *args, configfile=TINY, timeout=240, check=False):
    """Run snakemake on this repository's Snakefile in ``workdir``; returns the process."""
    command = snakemake_command(workdir, *args, configfile=configfile)
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        pytest.fail(
            f"snakemake {' '.join(args)} failed:\n{result.stdout[-3000:]}{result.stderr[-5000:]}"
        )
    return result


def output_of(result) -> str:
    return result.stdout + result.stderr


def write_config(path: Path, edit) -> Path:
    config = yaml.safe_load(TINY.read_text())
    edit(config)
    path.write_text(yaml.safe_dump(config))
    return path


def expected_outputs() -> list[str]:
    return [
        *(f"results/figures/{f}.{ext}" for f in FIGURES for ext in ("pdf", "png")),
        *(f"results/tables/{t}.{ext}" for t in TABLES for ext in ("csv", "md")),
        "results/claims.md",
    ]


def expected_lasso_fits(config: dict) -> int:
    """Number of distinct Lasso fits the config sweeps: (data set, depth, beta) triples
    over the experiments (experiments sharing a triple share its fit), plus the text
    fits (beta by CV): per reduction x dim x split its dimension's depths, and the
    learning curve's smaller sizes x splits x its Lasso depths."""
    text, llm = config["text"], config["experiments"]["llm"]
    fits = set()
    for name, experiment in config["experiments"].items():
        if name != "llm" and "lasso" in experiment:
            sweep = experiment["lasso"]
            datasets = experiment["datasets"]
            fits |= {(d, L, b) for d in datasets for L in sweep["depths"] for b in sweep["betas"]}
    text_fits = len(text["splits"]) * sum(
        len(llm["depths"].get(f"d{dim}", [])) * len(text["reductions"]) for dim in text["dims"]
    )
    curve = llm["learning_curve"]
    smaller = [n for n in curve["sizes"] if n != text["n_train"]]
    text_fits += len(smaller) * len(text["splits"]) * len(curve["lasso_depths"])
    return len(fits) + text_fits


# ------------------------------------------------------------------ default config
def test_default_config_dry_run(tmp_path):
    result = snakemake(tmp_path, "-n", "--cores", "8", configfile=DEFAULT, check=True)
    for rule in ["toy_data", "embed", "reduce", "lasso", "train", "claims", "figure_toy1d"]:
        assert f"\n{rule} " in result.stdout, f"rule {rule} is not in the default DAG"


def test_lint_is_clean(tmp_path):
    result = snakemake(tmp_path, "--lint", configfile=DEFAULT)
    assert result.returncode == 0, output_of(result)
    assert "Lints for" not in output_of(result)


# ------------------------------------------------------------------ bad configuration
def test_config_typo_is_rejected_naming_the_key(tmp_path):
    bad = write_config(
        tmp_path / "typo.yaml",
        lambda c: c["experiments"]["toy1d"]["train"].update(epochz=10),
    )
    result = snakemake(tmp_path, "-n", configfile=bad)
    assert result.returncode != 0 and "epochz" in output_of(result)


def test_wrong_type_and_unknown_dataset_are_rejected(tmp_path):
    wrong = write_config(tmp_path / "wrong.yaml", lambda c: c["text"].update(pool_size="many"))
    result = snakemake(tmp_path, "-n", configfile=wrong)
    assert result.returncode != 0 and "'many' is not of type 'integer'" in output_of(result)
    unknown = write_config(
        tmp_path / "unknown.yaml",
        lambda c: c["experiments"]["toy1d"].update(datasets=["toy_missing"]),
    )
    result = snakemake(tmp_path, "-n", configfile=unknown)
    assert result.returncode != 0 and "toy_missing" in output_of(result)


def test_orthogonality_needs_its_shuffled_control(tmp_path):
    without = write_config(
        tmp_path / "no_control.yaml",
        lambda c: c["experiments"]["orthogonality"].update(datasets=["space_tiny"]),
    )
    result = snakemake(tmp_path, "-n", configfile=without)
    assert result.returncode != 0 and "needs a 'shuffled' data set" in output_of(result)
    orphan = write_config(
        tmp_path / "orphan.yaml",
        lambda c: c["experiments"]["orthogonality"].update(datasets=["space_tiny_shuffled"]),
    )
    result = snakemake(tmp_path, "-n", configfile=orphan)
    assert result.returncode != 0 and "which must be listed too" in output_of(result)


def test_missing_text_file_is_reported_before_running(tmp_path):
    missing = tmp_path / "my_texts.csv"
    config = write_config(
        tmp_path / "texts.yaml",
        lambda c: c["text"].update(dataset="texts", options={"path": str(missing)}),
    )
    result = snakemake(tmp_path, "-n", configfile=config)
    assert result.returncode != 0
    assert "Missing input files" in output_of(result) and str(missing) in output_of(result)


def test_unusable_results_folder_fails_clearly_and_keeps_what_is_there(tmp_path):
    # As root, permissions do not stop writes; a file where the folder should be does.
    blocker = tmp_path / "results"
    blocker.write_text("not a folder")
    result = snakemake(tmp_path, "results/data/toy_a.npz", "--cores", "1")
    assert result.returncode != 0
    assert "Not a directory: 'results" in output_of(result)
    assert blocker.read_text() == "not a folder"


# ------------------------------------------------------------------ end to end
@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("tiny")
    started = time.perf_counter()
    # generous limit: about 2 minutes on 2 idle cores, but CI machines can be shared
    snakemake(workdir, "--cores", "2", timeout=1200, check=True)
    return workdir, time.perf_counter() - started


@pytest.mark.slow
def test_tiny_config_produces_every_output(tiny_run):
    workdir, _ = tiny_run
    missing = [p for p in expected_outputs() if not (workdir / p).is_file()]
    assert not missing, f"missing outputs: {missing}"
    claims = (workdir / "results/claims.md").read_text()
    assert claims.count("\n| ") >= 5  # header row + five claims at least
    assert "control verdict" in claims  # every claim has its negative control


@pytest.mark.slow
def test_every_certificate_is_within_tolerance(tiny_run):
    workdir, _ = tiny_run
    config = yaml.safe_load(TINY.read_text())
    tol = config["checks"]["certificate_tolerance"]
    fits = sorted((workdir / "results/lasso").glob("*/*/metrics.json"))
    assert len(fits) == expected_lasso_fits(config)
    for path in fits:
        metrics = json.loads(path.read_text())
        certificate = metrics.get("certificate", metrics)
        # docs/method.md §3.5: both maxima <= 1 + tol certify a global optimum
        assert certificate["kkt_max"] <= 1 + tol, path
        assert certificate["random_max"] <= 1 + tol, path
    # analyse_optimality rebuilds the network of every fit: its objective equals the
    # Lasso optimum up to rounding
    lasso = pd.read_csv(workdir / "results/analyse/optimality/lasso.csv")
    assert len(lasso) == len(fits)
    assert (lasso["reconstruction_gap"].abs() <= config["checks"]["objective_rtol"]).all()


@pytest.mark.slow
def test_second_run_does_nothing(tiny_run):
    workdir, _ = tiny_run
    started = time.perf_counter()
    result = snakemake(workdir, "--cores", "2", check=True)
    assert "Nothing to be done" in output_of(result)
    assert time.perf_counter() - started < 60  # generous: the target (< 10 s) is for idle machines


def result_hashes(workdir) -> dict[str, str]:
    """sha256 of every results/tables/* file and of results/claims.md."""
    files = [*sorted((workdir / "results/tables").iterdir()), workdir / "results/claims.md"]
    return {str(f.relative_to(workdir)): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


@pytest.mark.slow
def test_two_clean_runs_give_identical_tables(tiny_run, tmp_path):
    # optimality.csv carried wall-clock seconds, so no two runs hashed the same
    workdir, _ = tiny_run
    first = result_hashes(workdir)
    snakemake(tmp_path, "--cores", "2", timeout=1200, check=True)  # the same default target
    second = result_hashes(tmp_path)
    assert len(first) == 2 * len(TABLES) + 1
    differing = [name for name in first if first[name] != second.get(name)]
    assert set(first) == set(second) and not differing, differing


@pytest.mark.slow
def test_interrupted_training_leaves_no_half_result_and_resumes(tiny_run):
    workdir, _ = tiny_run
    trained = workdir / "results/train/depth_symmetry"
    runs = len(list(trained.rglob("metrics.json")))
    jobs = sorted(p for p in trained.glob("*/s*") if p.is_dir())  # a job's output folder
    assert runs > len(jobs) >= 1  # a job trains several networks
    for folder in jobs:
        shutil.rmtree(folder)  # these training jobs must run again
    targets = [str(folder.relative_to(workdir)) for folder in jobs]
    command = snakemake_command(workdir, *targets, "--cores", "2")
    started = time.time()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    logs = workdir / "results/logs/train/depth_symmetry"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if any(log.stat().st_mtime > started for log in logs.rglob("*.log")):
            break  # a training job is running
        time.sleep(0.1)
    assert process.poll() is None, "the training jobs ended before they could be interrupted"
    os.killpg(process.pid, signal.SIGKILL)  # snakemake and its running jobs, no clean-up
    process.wait(timeout=30)

    finished = list(trained.rglob("metrics.json"))
    assert len(finished) < runs  # the kill did interrupt the work
    for metrics in finished:  # whatever exists under a result's name is complete
        json.loads(metrics.read_text())
        assert (metrics.parent / "model.pt").is_file() and (
            metrics.parent / "history.csv"
        ).is_file()

    snakemake(workdir, "--unlock", check=True)  # a hard kill leaves snakemake's lock behind
    snakemake(workdir, *targets, "--cores", "2", timeout=600, check=True)
    assert len(list(trained.rglob("metrics.json"))) == runs
    assert not list((workdir / "results/checkpoints").rglob("*.pt"))  # removed when done
    snakemake(workdir, "--cores", "2", timeout=600, check=True)  # downstream tables, figures
    assert "Nothing to be done" in output_of(snakemake(workdir, "--cores", "2", check=True))


@pytest.mark.slow
def test_report_collects_figures_and_tables(tiny_run):
    workdir, _ = tiny_run
    report = workdir / "report.html"
    snakemake(workdir, "--report", str(report), check=True)
    html = report.read_text(errors="replace")
    for name in ("toy1d.pdf", "optimality.csv", "claims.md"):
        assert name in html, f"{name} is not in the report"


@pytest.mark.slow
def test_corrupt_result_is_named_and_rebuilt_keeping_other_tables(tiny_run):
    # a truncated solution.npz used to go unnoticed ("Nothing to be done"), then gave an
    # EOFError naming no file
    workdir, _ = tiny_run
    fit = workdir / "results/lasso/toy_a/L2-b0.001"
    kept = workdir / "results/tables/angles.csv"  # planes2d: not downstream of that fit
    before = kept.read_bytes()
    (fit / "solution.npz").write_bytes(b"")
    result = snakemake(workdir, "--cores", "2", timeout=600)
    output = output_of(result)
    assert result.returncode != 0
    assert "results/lasso/toy_a/L2-b0.001/solution.npz: the .npz file is empty" in output
    assert "rule lasso" in output
    assert kept.read_bytes() == before
    (fit / "solution.npz").unlink()  # what the message says to do
    plan = snakemake(workdir, "-n", "--cores", "2", check=True).stdout
    assert re.search(r"^(local)?rule lasso:$", plan, re.MULTILINE), plan[-3000:]
    snakemake(workdir, "--cores", "2", timeout=600, check=True)
    assert "Nothing to be done" in output_of(snakemake(workdir, "--cores", "2", check=True))


def job_inputs(plan: str, rule: str) -> str:
    """The input line of the first job of ``rule`` in a dry run's output."""
    match = re.search(rf"^(?:local)?rule {rule}:\n    input: (.*)$", plan, re.MULTILINE)
    assert match, f"no {rule} job in the plan"
    return match.group(1)


def test_every_file_a_rule_reads_is_a_declared_input(tmp_path):
    targets = [
        "results/tables/kinks.csv",
        "results/tables/symmetry.csv",
        "results/tables/angles.csv",
    ]
    plan = snakemake(tmp_path, "-n", *targets, check=True).stdout
    lasso_files = ["metrics.json", "solution.npz", "meaning.csv"]  # what LassoFit.load reads
    for rule in ("analyse_toy1d", "analyse_planes2d"):
        inputs = job_inputs(plan, rule)
        for name in lasso_files:
            assert f"/{name}" in inputs, f"{rule} reads {name} but does not declare it"
    # networks are read from the training jobs' output folders: every one is declared
    for rule, experiment in [
        ("analyse_depth_symmetry", "depth_symmetry"),
        ("analyse_planes2d", "planes2d"),
    ]:
        declared = set(job_inputs(plan, rule).split(", "))
        written = set(job_outputs(plan, "train", f"experiment={experiment}"))
        assert written and written <= declared, (rule, written - declared)
    plan = snakemake(tmp_path, "-n", "results/analyse/simulated/curves.csv", check=True).stdout
    warm = [
        job for job in plan_jobs(plan) if "rule train:" in job and "experiment=simulated" in job
    ]
    assert warm, "no training job of the simulated experiment (its networks start from a Lasso fit)"
    for job in warm:
        assert all(f"L3-b0.001/{name}" in job for name in lasso_files), job


def plan_jobs(plan: str) -> list[str]:
    """The jobs of a dry run's output, each its text from the line after its time stamp."""
    return re.split(r"^\[\w{3} \w{3} .*\]$", plan, flags=re.MULTILINE)[1:]


def job_outputs(plan: str, rule: str, wildcard: str) -> list[str]:
    """The outputs of every job of ``rule`` whose wildcards include ``wildcard``."""
    jobs = [job for job in plan_jobs(plan) if f"rule {rule}:" in job and wildcard in job]
    return [
        path
        for job in jobs
        for path in re.search(r"^    output: (.*)$", job, re.MULTILINE).group(1).split(", ")
    ]


# ------------------------------------------------------------------ IMDB configuration
def write_imdb_archive(path: Path, per_class: int) -> Path:
    """A small archive in the aclImdb_v1 layout: aclImdb/train/<pos|neg>/<id>_<stars>.txt."""
    import io
    import tarfile

    words = {"pos": ["wonderful", "moving", "clever", "superb"], "neg": ["dull", "awful", "boring"]}
    with tarfile.open(path, "w:gz") as archive:
        for label, stars in (("pos", 9), ("neg", 2)):
            for i in range(per_class):
                text = f"A {words[label][i % len(words[label])]} film, review {i}.<br />The end."
                data = text.encode()
                info = tarfile.TarInfo(f"aclImdb/train/{label}/{i}_{stars}.txt")
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.slow
def test_imdb_config_embeds_reviews_in_batches_from_a_local_model_folder(tmp_path):
    """config/imdb.yaml's text section on a small archive the test writes; the model is
    given as a local folder (the bundled default's), which any sentence-transformers
    folder can replace."""
    from reflasso.embeddings import default_model_path

    archive = write_imdb_archive(tmp_path / "aclImdb_v1.tar.gz", per_class=20)
    imdb = yaml.safe_load((REPO / "config" / "imdb.yaml").read_text())["text"]
    imdb.update(
        options={"path": str(archive), "split": "train"},
        model=str(default_model_path()),
        batch_size=8,
        pool_size=40,
        n_train=16,
    )

    def use_imdb(c):  # the learning curve's sizes must stay below the smaller n_train
        c.update(text=imdb)
        c["experiments"]["llm"]["learning_curve"]["sizes"] = [8]

    config = write_config(tmp_path / "imdb.yaml", use_imdb)
    target = "results/reduce/imdb-pls1-n16-s0/data.npz"
    snakemake(tmp_path, target, "--cores", "2", configfile=config, timeout=600, check=True)
    with np.load(tmp_path / target) as data:
        assert data["X"].shape == (16, 1) and data["X_test"].shape == (16, 1)
        assert data["y"].sum() == 0  # balanced training sample
    info = json.loads((tmp_path / "results/embed/imdb.json").read_text())
    assert info["n"] == 40 and info["path"] == str(default_model_path().resolve())
    log = (tmp_path / "results/logs/embed/imdb.log").read_text()
    assert "5/5" in log  # the progress bar: 40 reviews in batches of 8
