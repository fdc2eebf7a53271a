"""TrainingConfig: validation naming the field, JSON round trip, and train_network's two
ways of being called (a config or keyword options) giving the same run."""

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from reflasso import training_config
from reflasso.cli import main
from reflasso.io import CorruptFileError
from reflasso.training import ARCHITECTURES, TrainResult, train_network
from reflasso.training_config import TrainingConfig

FAST = {"threads": 1, "device": "cpu"}
REQUIRED = {"depth": 3, "width": 5, "beta": 0.1}


def small_problem(seed=4, n=8):
    rng = np.random.default_rng(seed)
    return rng.uniform(-2, 2, size=(n, 2)), rng.normal(size=n)


@pytest.mark.parametrize(
    "options",
    [
        {"epochs": 40, "seed": 5},
        {"arch": "standard", "epochs": 15, "seed": 2, "batch_size": 3, "log_every": 4},
        {"epochs": 30, "weight_decay": 0.01, "dtype": torch.float32, "lr": 3e-2},
    ],
)
def test_config_call_and_keyword_call_train_identically(options):
    X, y = small_problem()
    by_keywords = train_network(X, y, **REQUIRED, **options, **FAST)
    config = TrainingConfig(**REQUIRED, **options, **FAST)
    by_config = train_network(X, y, config)
    # the same computation, so bit-identical on the CPU (no tolerance needed)
    pd.testing.assert_frame_equal(by_keywords.history, by_config.history, check_exact=True)
    assert by_keywords.objective == by_config.objective
    assert by_keywords.config == by_config.config
    assert by_keywords.training_config == by_config.training_config == config


def test_options_given_with_a_config_replace_its_fields():
    X, y = small_problem()
    base = TrainingConfig(**REQUIRED, epochs=20, seed=1, **FAST)
    changed = train_network(X, y, base, seed=7)
    direct = train_network(X, y, **REQUIRED, epochs=20, seed=7, **FAST)
    assert changed.training_config == dataclasses.replace(base, seed=7)
    pd.testing.assert_frame_equal(changed.history, direct.history, check_exact=True)


def test_unknown_option_and_non_config_are_type_errors():
    X, y = small_problem()
    with pytest.raises(TypeError, match="epochz"):
        train_network(X, y, **REQUIRED, epochz=3)
    with pytest.raises(TypeError, match="config must be a TrainingConfig"):
        train_network(X, y, dict(REQUIRED))


@pytest.mark.parametrize(
    "field,value,words",
    [
        ("arch", "conv", "arch must be one of reflection, standard"),
        ("depth", 1, "depth must be an integer >= 2 weight layers"),
        ("depth", 2.5, "depth must be an integer"),
        ("width", 0, "width must be an integer >= 1"),
        ("width", True, "width must be an integer"),
        ("beta", -0.1, "beta must be a finite number >= 0"),
        ("beta", float("nan"), "beta must be a finite number >= 0"),
        ("epochs", -1, "epochs must be an integer >= 0"),
        ("lr", 0.0, "lr must be a finite number > 0"),
        ("lr", "0.01", "lr must be a finite number > 0"),
        ("seed", -1, "seed must be an integer >= 0"),
        ("device", "tpu", "device must be 'auto', 'cpu', 'cuda' or 'cuda:N'"),
        ("dtype", "int32", "dtype must be one of float64"),
        ("init_rest", "half", "init_rest must be one of random, zero"),
        ("batch_size", 0, "batch_size must be an integer >= 1"),
        ("weight_decay", float("inf"), "weight_decay must be a finite number >= 0"),
        ("log_every", 0, "log_every must be an integer >= 1"),
        ("target_objective", -1.0, "target_objective must be a finite number >= 0"),
        ("rel_tol", -1e-3, "rel_tol must be a finite number >= 0"),
        ("checkpoint", "", "checkpoint must be None or a file path"),
        ("checkpoint_every", 0, "checkpoint_every must be an integer >= 1"),
        ("resume_from", 3, "resume_from must be None or a file path"),
        ("progress", "yes", "progress must be None, True or False"),
        ("threads", 0, "threads must be an integer >= 1"),
    ],
)
def test_each_bad_setting_is_named(field, value, words):
    with pytest.raises(ValueError) as error:
        TrainingConfig(**{**REQUIRED, field: value})
    assert words in str(error.value) and repr(value) in str(error.value)


def test_config_is_frozen_and_stores_plain_values(tmp_path):
    path = tmp_path / "c.pt"
    config = TrainingConfig(
        depth=np.int64(3), width=5, beta=np.float64(0.1), dtype=torch.float32, checkpoint=path
    )
    assert type(config.depth) is int and type(config.beta) is float
    assert config.dtype == "float32" and config.checkpoint == str(path)
    assert config == TrainingConfig(**REQUIRED, dtype="float32", checkpoint=str(path))
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.lr = 1.0


def test_round_trip_through_json():
    config = TrainingConfig(**REQUIRED, batch_size=4, target_objective=1.5, checkpoint="c.pt")
    assert TrainingConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config
    with pytest.raises(ValueError, match="unknown training setting.*epochz"):
        TrainingConfig.from_dict({**config.to_dict(), "epochz": 3})
    with pytest.raises(ValueError, match="width missing"):
        TrainingConfig.from_dict({"depth": 2, "beta": 0.1})


def test_metrics_json_records_the_config_whole_and_load_rebuilds_it(tmp_path):
    X, y = small_problem()
    config = TrainingConfig(
        **REQUIRED, epochs=12, log_every=5, checkpoint=str(tmp_path / "c.pt"), **FAST
    )
    train_network(X, y, config).save(tmp_path / "run")
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["training_config"] == config.to_dict()
    assert (metrics["depth"], metrics["epochs_run"]) == (3, 12)  # the flat keys stay
    assert TrainResult.load(tmp_path / "run").training_config == config


def test_runs_saved_without_a_config_load_and_a_bad_one_is_named(tmp_path):
    X, y = small_problem()
    folder = tmp_path / "results" / "train" / "run"
    train_network(X, y, **REQUIRED, epochs=3, **FAST).save(folder)
    path = folder / "metrics.json"
    metrics = json.loads(path.read_text())
    older = {key: value for key, value in metrics.items() if key != "training_config"}
    path.write_text(json.dumps(older))
    loaded = TrainResult.load(folder)
    assert loaded.training_config is None and loaded.config["width"] == 5
    path.write_text(json.dumps({**metrics, "training_config": {**REQUIRED, "width": 0}}))
    with pytest.raises(CorruptFileError) as error:
        TrainResult.load(folder)
    message = str(error.value)
    assert str(path) in message and "width must be" in message and "rule train" in message


def test_config_and_network_builder_know_the_same_architectures():
    assert set(training_config.ARCHITECTURES) == set(ARCHITECTURES)


def test_cli_train_records_its_arguments_as_the_config(tmp_path):
    X, y = small_problem()
    np.savez(tmp_path / "data.npz", X=X, y=y)
    options = "--depth 2 --width 3 --beta 0.2 --epochs 4 --lr 0.05 --seed 3 --device cpu"
    files = ["--data", str(tmp_path / "data.npz"), "--out", str(tmp_path / "out")]
    argv = ["train", *files, *options.split()]
    assert main(argv) == 0
    saved = TrainResult.load(Path(tmp_path / "out")).training_config
    expected = TrainingConfig(depth=2, width=3, beta=0.2, epochs=4, lr=0.05, seed=3, device="cpu")
    assert saved == expected
