# Helpers shared by the rules: names, paths and sweeps, all expanded from the config.
# (The only place with Python helpers; the rule files only call them.)

import itertools

from reflasso.config_check import float_text
from reflasso.tables import TEXT_DATASET_KEYS, TRAIN_RUN_KEYS

EXPERIMENTS = [
    "toy1d",
    "simulated",
    "planes2d",
    "orthogonality",
    "depth_symmetry",
    "llm",
]
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
TABLES = [
    "optimality",
    "accuracy",
    "symmetry",
    "angles",
    "orthogonality",
    "kinks",
    "claims",
]
# One training job trains every network of an experiment on one data set with one seed
# (a folder, TRAIN_BATCH), a run per subfolder (TRAIN_RUN): far fewer jobs than runs, so
# torch's start-up is paid once per job; seeds stay separate jobs for a cluster.
TRAIN_BATCH = "results/train/{experiment}/{dataset}/s{seed}"
TRAIN_RUN = "{arch}-L{depth}-w{width}-b{beta}-{init}"
TOY = config["datasets"]
TEXT = config["text"]


# What a Lasso fit folder holds; every file a later rule reads from it is among its
# declared inputs, so a missing or older file makes Snakemake rebuild it. (Training
# jobs write a folder, declared whole: directory() in rule train.)
LASSO_FIT_FILES = ("metrics.json", "solution.npz", "meaning.csv")


def beta_text(beta):
    """The one spelling of a float in paths (1e-06, 0.001, 0.00123456789): the shortest
    text that reads back as the same float, so paths are lossless and never collide."""
    return float_text(beta)


LLM = config["experiments"]["llm"]


def dataset_name(text, reduction, dim, n_train, split):
    """Name of a reduced text data set, e.g. vader-pls1-n2000-s0."""
    return f"{text}-{reduction}{dim}-n{n_train}-s{split}"


def text_dataset_tags():
    """The reduced text data sets by name, each with its reduction, dim, n_train and
    split (TEXT_DATASET_KEYS): every reduction x dim x split at n_train, plus the
    smaller training sizes of the learning curve (its reduction and dim only)."""
    curve = LLM["learning_curve"]
    main = itertools.product(
        TEXT["reductions"], TEXT["dims"], [TEXT["n_train"]], TEXT["splits"]
    )
    smaller = itertools.product(
        [curve["reduction"]],
        [curve["dim"]],
        [n for n in curve["sizes"] if n != TEXT["n_train"]],
        TEXT["splits"],
    )
    return {
        dataset_name(TEXT["name"], *values): dict(zip(TEXT_DATASET_KEYS, values))
        for values in [*main, *smaller]
    }


TEXT_DATASETS = text_dataset_tags()


def describe_dataset(name):
    """reduction, dim, n_train and split of a text data set (looked up, not parsed)."""
    return TEXT_DATASETS[name]


def text_datasets():
    return list(TEXT_DATASETS)


def llm_depths(dataset, kind):
    """Depths of the Lasso (kind "lasso") or the networks (kind "train") on a text data
    set: per reduced dimension at n_train; the learning curve's depths below it."""
    info = describe_dataset(dataset)
    if info["n_train"] != TEXT["n_train"]:
        curve = LLM["learning_curve"]
        return curve["lasso_depths"] if kind == "lasso" else curve["network_depths"]
    return LLM["depths"].get(f"d{info['dim']}", [])


def llm_archs(dataset):
    if describe_dataset(dataset)["n_train"] != TEXT["n_train"]:
        return LLM["learning_curve"]["archs"]
    return LLM["train"]["archs"]


def llm_max_train(wildcards):
    """Rows the exact Lasso is fitted on (config experiments.llm.lasso.max_train)."""
    dim = describe_dataset(wildcards.dataset)["dim"]
    return LLM["lasso"]["max_train"].get(f"d{dim}_L{wildcards.depth}")


def experiment_datasets(experiment):
    if experiment == "llm":
        return text_datasets()
    return config["experiments"][experiment]["datasets"]


def data_path(dataset):
    """Training (and, for text, test) points of a data set: X, y [, X_test, y_test]."""
    if dataset in TOY:
        return f"results/data/{dataset}.npz"
    return f"results/reduce/{dataset}/data.npz"


def lasso_dir(dataset, depth, beta):
    """Folder of one Lasso fit; beta None: chosen by cross-validation (text data)."""
    if beta is None:
        return f"results/lasso/{dataset}/L{depth}-cv"
    return f"results/lasso/{dataset}/L{depth}-b{beta_text(beta)}"


def lasso_runs(experiment):
    """(dataset, depth, beta) of every Lasso fit of an experiment (beta None: by CV)."""
    if experiment == "llm":
        return [
            (dataset, depth, None)
            for dataset in text_datasets()
            for depth in llm_depths(dataset, "lasso")
        ]
    sweep = config["experiments"][experiment].get("lasso")
    if not sweep:
        return []
    return list(
        itertools.product(
            experiment_datasets(experiment), sweep["depths"], sweep["betas"]
        )
    )


LASSO_DEFAULTS = {"solver": "auto", "tol": 1.0e-5}


def lasso_params(wildcards):
    """Solver options (config key experiments.<name>.lasso.solver / .tol) of the
    experiments that fit this data set; experiments sharing it must agree."""
    found = {}
    for experiment in EXPERIMENTS:
        sweep = config["experiments"][experiment].get("lasso")
        if sweep and wildcards.dataset in experiment_datasets(experiment):
            options = {k: sweep.get(k, v) for k, v in LASSO_DEFAULTS.items()}
            if found and options != found:
                raise ValueError(
                    f"experiments.{experiment}.lasso: solver/tol {options} differ from "
                    f"another experiment's {found} for data set {wildcards.dataset}"
                )
            found = options
    return found or dict(LASSO_DEFAULTS)


def lasso_files(experiment, filenames=LASSO_FIT_FILES):
    """The files of every Lasso fit of an experiment (by default what LassoFit.load reads)."""
    names = [filenames] if isinstance(filenames, str) else filenames
    return [
        f"{lasso_dir(*run)}/{name}" for run in lasso_runs(experiment) for name in names
    ]


def train_runs(experiment):
    """Wildcard dicts of every training run of an experiment (the full sweep)."""
    sweep = config["experiments"][experiment].get("train")
    if not sweep:
        return []
    keys = TRAIN_RUN_KEYS
    if experiment == "llm":
        values = (
            (dataset, arch, depth, *rest)
            for dataset in text_datasets()
            for arch in llm_archs(dataset)
            for depth in llm_depths(dataset, "train")
            for rest in itertools.product(
                sweep["widths"], sweep["betas"], sweep["inits"], sweep["seeds"]
            )
        )
        return [dict(zip(keys, combo)) for combo in values]
    values = itertools.product(
        experiment_datasets(experiment),
        sweep["archs"],
        sweep["depths"],
        sweep["widths"],
        sweep["betas"],
        sweep["inits"],
        sweep["seeds"],
    )
    return [dict(zip(keys, combo)) for combo in values]


def run_name(run):
    return TRAIN_RUN.format(**{**run, "beta": beta_text(run["beta"])})


def train_dir(experiment, run):
    return f"{TRAIN_BATCH.format(experiment=experiment, **run)}/{run_name(run)}"


def train_batches(experiment):
    """The folders of an experiment's training jobs (each holds its runs' folders)."""
    runs = train_runs(experiment)
    return sorted({TRAIN_BATCH.format(experiment=experiment, **run) for run in runs})


def all_lasso_files(filenames=LASSO_FIT_FILES):
    return sorted({f for e in EXPERIMENTS for f in lasso_files(e, filenames)})


def all_train_batches():
    return [folder for e in EXPERIMENTS for folder in train_batches(e)]


def data_input(wildcards):
    return data_path(wildcards.dataset)


def batch_runs(wildcards):
    """The runs one training job trains: its experiment's sweep at its data set and seed."""
    return [
        run
        for run in train_runs(wildcards.experiment)
        if run["dataset"] == wildcards.dataset and str(run["seed"]) == wildcards.seed
    ]


def init_dir(run):
    """The Lasso fit a run with init=lasso starts from (None otherwise)."""
    if run["init"] != "lasso":
        return None
    return lasso_dir(run["dataset"], run["depth"], run["beta"])


def init_input(wildcards):
    """The Lasso fits that initialise the job's runs with init=lasso."""
    folders = sorted({init_dir(run) for run in batch_runs(wildcards)} - {None})
    return [f"{folder}/{name}" for folder in folders for name in LASSO_FIT_FILES]


def train_params(wildcards):
    return config["experiments"][wildcards.experiment]["train"]


def checkpoint_path(experiment, run):
    """Where an interrupted run resumes from (named by everything it depends on)."""
    sweep = config["experiments"][experiment]["train"]
    name = f"{run_name(run)}-e{sweep['epochs']}-lr{beta_text(sweep['lr'])}.pt"
    return f"results/checkpoints/{experiment}/{run['dataset']}/s{run['seed']}/{name}"


def batch_params(wildcards):
    """What the training script needs of each run of the job."""
    return [
        {
            **run,
            "name": run_name(run),
            "init_dir": init_dir(run),
            "checkpoint": checkpoint_path(wildcards.experiment, run),
        }
        for run in batch_runs(wildcards)
    ]


def batch_runtime(wildcards):
    """Minutes a training job may take (a cluster's time limit): 5 per run, at least 30."""
    return max(30, 5 * len(batch_runs(wildcards)))


def lasso_run_dicts(experiment):
    """Wildcards and folder of every Lasso fit of an experiment (params of analyses)."""
    return [
        {"dataset": d, "depth": L, "beta": b, "dir": lasso_dir(d, L, b)}
        for d, L, b in lasso_runs(experiment)
    ]


def train_run_dicts(experiment):
    """Wildcards and folder of every training run of an experiment."""
    return [
        {**run, "experiment": experiment, "dir": train_dir(experiment, run)}
        for run in train_runs(experiment)
    ]


def all_lasso_run_dicts():
    """Every Lasso fit of every experiment, once."""
    runs = {run["dir"]: run for e in EXPERIMENTS for run in lasso_run_dicts(e)}
    return [runs[key] for key in sorted(runs)]


def all_train_run_dicts():
    return [run for e in EXPERIMENTS for run in train_run_dicts(e)]


def data_paths(experiment):
    return {d: data_path(d) for d in experiment_datasets(experiment)}


def embeddings_file():
    """The embedded texts of the text experiment."""
    return f"results/embed/{TEXT['name']}.npz"


def text_input_files():
    """Files a text data set reads (so a missing file is reported before any job runs)."""
    path = TEXT["options"].get("path")
    return [path] if path else []


def llm_lasso_runs():
    """Every Lasso fit of the text experiment with its data set's tags and folder."""
    return [
        {**describe_dataset(d), "dataset": d, "depth": L, "dir": lasso_dir(d, L, None)}
        for d, L, _ in lasso_runs("llm")
    ]


def llm_lasso_options():
    """Solver options of the text Lasso fits (experiments.llm.lasso.solver / .tol)."""
    return {key: LLM["lasso"].get(key, value) for key, value in LASSO_DEFAULTS.items()}


def llm_train_runs():
    """Every network of the text experiment with its data set's tags and folder."""
    return [
        {**run, **describe_dataset(run["dataset"]), "dir": train_dir("llm", run)}
        for run in train_runs("llm")
    ]


def llm_data():
    """Every reduced text data set with its tags and data file."""
    return [
        {**describe_dataset(d), "dataset": d, "path": data_path(d)}
        for d in text_datasets()
    ]


def experiment_data(experiment):
    return sorted({data_path(d) for d in experiment_datasets(experiment)})


wildcard_constraints:
    dataset=r"[A-Za-z0-9_]+(-[a-z]+\d+-n\d+-s\d+)?",
    n=r"\d+",
    text=r"[A-Za-z0-9_]+",
    method=r"[a-z]+",
    dim=r"\d+",
    split=r"\d+",
    experiment="|".join(EXPERIMENTS),
    arch="reflection|standard",
    depth=r"\d+",
    width=r"\d+",
    beta=r"[0-9.]+(e[-+]\d+)?",
    init="random|lasso",
    seed=r"\d+",
