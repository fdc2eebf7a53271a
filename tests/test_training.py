"""Training against the convex optimum, reproducibility, checkpoints, saving, bad input."""

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from reflasso.cli import main
from reflasso.io import DataError
from reflasso.training import (
    TrainResult,
    build_model,
    load_model,
    objective_terms,
    train_network,
)

FAST = {"threads": 1, "device": "cpu"}  # small problems run fastest on one thread


def lasso_1d_two_layers(x, y, beta):
    """Exact Lasso for depth 2 in 1-D (docs/method.md §3.2: columns |x - x_j|), solved by CLARABEL.

    Returns (coef, W, b1, C, intercept) as unit chains and the optimal objective.
    """
    import cvxpy as cp  # here, so that the GPU tests of this file collect without cvxpy

    A = np.abs(x[:, None] - x[None, :])
    z, xi = cp.Variable(len(x)), cp.Variable()
    objective = 0.5 * cp.sum_squares(A @ z + xi - y) + beta * cp.norm1(z)
    problem = cp.Problem(cp.Minimize(objective))
    problem.solve(solver=cp.CLARABEL)
    chains = (z.value, np.ones((len(x), 1)), -x, np.zeros((len(x), 0)), float(xi.value))
    return chains, problem.value


def lasso_objective(chains, x, y, beta):
    coef, _, b1, _, intercept = chains
    A = np.abs(x[:, None] + b1[None, :])
    return 0.5 * np.sum((A @ coef + intercept - y) ** 2) + beta * np.abs(coef).sum()


def small_problem(seed, n=6):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-2, 2, size=n))
    return x, rng.normal(size=n)


def test_lasso_initialised_network_starts_at_and_stays_near_the_lasso_objective():
    x, y = small_problem(0)
    beta = 0.05
    chains, optimum = lasso_1d_two_layers(x, y, beta)
    start = lasso_objective(chains, x, y, beta)
    result = train_network(
        x[:, None],
        y,
        depth=2,
        width=8,
        beta=beta,
        epochs=300,
        lr=1e-3,
        init=chains,
        init_rest="zero",
        log_every=1,
        **FAST,
    )
    # the reconstruction is exact (docs/method.md §2): equal up to float64 rounding
    assert result.history["objective"].iloc[0] == pytest.approx(start, rel=1e-10)
    # Adam from the optimum may wander a little but must stay within 1 % of it
    assert result.objective <= optimum * 1.01
    # and never below it (CLARABEL's optimum is accurate to about 1e-8 relative)
    assert result.history["objective"].min() >= optimum * (1 - 1e-6)


@pytest.mark.parametrize("arch", ["reflection", "standard"])
@pytest.mark.parametrize("seed", [1, 2])
def test_trained_objective_never_goes_below_the_lasso_optimum(arch, seed):
    # depth 2: both architectures are sum_i alpha_i |w_i x + b_i| + xi with the same penalty
    x, y = small_problem(seed)
    beta = 0.1
    _, optimum = lasso_1d_two_layers(x, y, beta)
    result = train_network(
        x, y, arch=arch, depth=2, width=10, beta=beta, epochs=600, lr=2e-2, seed=seed, **FAST
    )
    # lower bound of docs/method.md §2, up to the solver accuracy (~1e-8 relative)
    assert result.history["objective"].min() >= optimum * (1 - 1e-6)
    # and training does make progress from the random start
    assert result.objective < result.history["objective"].iloc[0]


@pytest.mark.parametrize(
    "seed,dim,depth,arch",
    [
        (3, 1, 3, "reflection"),
        (4, 1, 4, "reflection"),
        (5, 2, 2, "standard"),
        (6, 2, 3, "reflection"),
    ],
)
def test_trained_objective_is_above_the_exact_lasso_optimum(seed, dim, depth, arch):
    lasso = pytest.importorskip("reflasso.lasso")
    rng = np.random.default_rng(seed)
    X, y, beta = rng.uniform(-2, 2, size=(5, dim)), rng.normal(size=5), 0.1
    fit = lasso.fit_lasso(X, y, depth=depth, beta=beta)
    width = max(8, fit.n_active)
    settings = dict(arch=arch, depth=depth, width=width, beta=beta, **FAST)
    from_fit = train_network(X, y, epochs=300, lr=1e-3, init=fit, init_rest="zero", **settings)
    # exact reconstruction of the fit (docs/method.md §2): equal up to float64 rounding
    assert from_fit.history["objective"].iloc[0] == pytest.approx(fit.objective, rel=1e-10)
    assert from_fit.objective <= fit.objective * 1.01  # Adam stays near the optimum
    # lower bound with the exact dictionary (docs/method.md §3.1), up to the solver accuracy;
    # from a random start and from the Lasso chains plus random units
    for init in (None, fit):
        result = train_network(X, y, epochs=300, lr=2e-2, init=init, **settings)
        assert result.history["objective"].min() >= fit.objective * (1 - 1e-6)


@pytest.mark.parametrize("arch,batch_size", [("reflection", None), ("standard", 3)])
def test_same_seed_gives_identical_cpu_histories(arch, batch_size):
    x, y = small_problem(4)
    runs = [
        train_network(
            x,
            y,
            arch=arch,
            depth=3,
            width=6,
            beta=0.1,
            epochs=60,
            seed=seed,
            batch_size=batch_size,
            **FAST,
        ).history
        for seed in (5, 5, 6)
    ]
    pd.testing.assert_frame_equal(runs[0], runs[1], check_exact=True)
    assert not runs[0]["objective"].equals(runs[2]["objective"])  # the seed matters


@pytest.mark.parametrize("batch_size", [None, 2])
def test_resuming_from_a_checkpoint_matches_a_straight_run(tmp_path, batch_size):
    x, y = small_problem(5)
    common = dict(
        arch="standard",
        depth=3,
        width=5,
        beta=0.1,
        seed=3,
        log_every=7,
        batch_size=batch_size,
        **FAST,
    )
    straight = train_network(x, y, epochs=40, **common)
    train_network(x, y, epochs=25, checkpoint=tmp_path / "ckpt.pt", **common)
    resumed = train_network(x, y, epochs=40, resume_from=tmp_path / "ckpt.pt", **common)
    pd.testing.assert_frame_equal(straight.history, resumed.history, check_exact=True)
    assert resumed.objective == straight.objective


def test_checkpoint_of_another_architecture_is_rejected(tmp_path):
    x, y = small_problem(5)
    train_network(x, y, depth=3, width=5, beta=0.1, epochs=3, checkpoint=tmp_path / "c.pt", **FAST)
    with pytest.raises(ValueError, match="checkpoint"):
        train_network(
            x, y, depth=3, width=6, beta=0.1, epochs=5, resume_from=tmp_path / "c.pt", **FAST
        )


def test_early_stop_at_the_target_objective():
    x, y = small_problem(0)
    chains, optimum = lasso_1d_two_layers(x, y, 0.05)
    settings = dict(depth=2, width=8, beta=0.05, epochs=500, init=chains, init_rest="zero")
    result = train_network(x, y, target_objective=optimum, rel_tol=1e-6, **settings, **FAST)
    assert result.config["stopped_early"] and result.config["steps"] == 0
    free = train_network(x, y, depth=2, width=8, beta=0.05, epochs=50, **FAST)
    assert not free.config["stopped_early"] and free.config["steps"] == 50


def test_weight_decay_adds_half_the_squared_weights_and_no_biases():
    x, y = small_problem(2)
    model = build_model("standard", 1, 3, 4)
    X, Y = torch.as_tensor(x[:, None]), torch.as_tensor(y)
    loss, plain = objective_terms(model, X, Y, beta=0.1)
    _, decayed = objective_terms(model, X, Y, beta=0.1, weight_decay=0.3)
    weights = [layer.weight for layer in (*model.hidden, model.output)]
    expected = 0.15 * sum(w.pow(2).sum().item() for w in weights)
    assert (decayed - plain).item() == pytest.approx(expected, rel=1e-12)  # rounding only


def test_progress_bar_stays_quiet_when_stderr_is_not_a_terminal(capsys):
    x, y = small_problem(2)
    train_network(x, y, depth=2, width=3, beta=0.1, epochs=5, **FAST)
    assert capsys.readouterr().err == ""
    train_network(x, y, depth=2, width=3, beta=0.1, epochs=5, progress=True, **FAST)
    assert "train reflection" in capsys.readouterr().err


def test_save_and_load_round_trip(tmp_path):
    x, y = small_problem(6)
    result = train_network(x, y, arch="standard", depth=3, width=4, beta=0.1, epochs=20, **FAST)
    result.save(tmp_path / "run")
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert {"objective", "loss", "penalty", "device", "provenance"} <= set(metrics)
    assert metrics["objective"] == result.objective
    loaded = TrainResult.load(tmp_path / "run")
    np.testing.assert_array_equal(loaded.predict(x), result.predict(x))  # same weights
    pd.testing.assert_frame_equal(loaded.history, result.history)
    # weights are a plain state dict, readable without unpickling objects
    state = torch.load(tmp_path / "run" / "model.pt", weights_only=True)
    assert set(state) == set(load_model(tmp_path / "run").state_dict())
    assert not list(tmp_path.joinpath("run").glob("*.tmp"))  # atomic writes leave no temp files


def test_cli_train_writes_metrics_history_and_weights(tmp_path):
    x, y = small_problem(7)
    np.savez(tmp_path / "data.npz", X=x[:, None], y=y)
    out = tmp_path / "out"
    argv = [
        "train",
        "--data",
        str(tmp_path / "data.npz"),
        "--arch",
        "reflection",
        "--depth",
        "3",
        "--width",
        "4",
        "--beta",
        "0.1",
        "--epochs",
        "30",
        "--seed",
        "1",
        "--device",
        "cpu",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["device"] == "cpu" and metrics["epochs_run"] == 30
    assert metrics["objective"] == pytest.approx(metrics["loss"] + metrics["penalty"], rel=1e-12)
    assert (out / "history.csv").exists() and (out / "model.pt").exists()
    assert main(argv[:-2] + ["--width", "0", "--out", str(tmp_path / "bad")]) == 2


def test_cli_train_from_a_lasso_fit(tmp_path):
    pytest.importorskip("reflasso.lasso")
    x, y = small_problem(8, n=5)
    np.savez(tmp_path / "data.npz", X=x[:, None], y=y)
    data = ["--data", str(tmp_path / "data.npz")]
    fit_dir, out = str(tmp_path / "fit"), str(tmp_path / "t")
    assert main(["fit", *data, "--depth", "2", "--beta", "0.1", "--out", fit_dir]) == 0
    argv = [
        "train",
        *data,
        "--depth",
        "2",
        "--width",
        "8",
        "--beta",
        "0.1",
        "--epochs",
        "5",
        "--device",
        "cpu",
        "--init-from",
        fit_dir,
        "--out",
        out,
    ]
    assert main(argv) == 0
    assert "lasso(k=" in json.loads((tmp_path / "t" / "metrics.json").read_text())["init"]


@pytest.mark.parametrize(
    "change,message",
    [
        ({"width": 0}, "width"),
        ({"depth": 0}, "depth"),
        ({"depth": 1}, "depth"),
        ({"lr": 0.0}, "lr"),
        ({"lr": -1e-3}, "lr"),
        ({"arch": "conv"}, "arch"),
        ({"beta": float("nan")}, "beta"),
        ({"batch_size": 0}, "batch_size"),
        ({"device": "tpu"}, "device"),
    ],
)
def test_bad_settings_are_rejected(change, message):
    x, y = small_problem(0)
    settings = dict(arch="reflection", depth=2, width=3, beta=0.1, epochs=2, **FAST)
    settings.update(change)
    with pytest.raises(ValueError, match=message):
        train_network(x, y, **settings)


def test_nan_data_is_rejected():
    x, y = small_problem(0)
    y[2] = np.nan
    with pytest.raises(DataError, match="NaN"):
        train_network(x, y, depth=2, width=3, beta=0.1, epochs=2, **FAST)


def fake_fit(depth, dim, k=2):
    rng = np.random.default_rng(0)
    dictionary = SimpleNamespace(
        W=np.ones((k, dim)) / dim, b1=rng.normal(size=k), C=np.zeros((k, depth - 2))
    )
    return SimpleNamespace(coef=np.ones(k), intercept=0.0, depth=depth, dictionary=dictionary)


@pytest.mark.parametrize(
    "fit,width,message",
    [
        (fake_fit(depth=3, dim=1), 4, "depth 3 but the network has depth 2"),
        (fake_fit(depth=2, dim=2), 4, "input dimension 2 but the data has 1"),
        (fake_fit(depth=2, dim=1, k=3), 2, "3 active features but the width is 2"),
        ("not a fit", 4, "init must be"),
    ],
)
def test_unusable_lasso_init_is_rejected(fit, width, message):
    x, y = small_problem(0)
    with pytest.raises(ValueError, match=message):
        train_network(x, y, depth=2, width=width, beta=0.1, epochs=2, init=fit, **FAST)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error without CUDA")
def test_cuda_request_without_cuda_is_a_clear_error():
    x, y = small_problem(0)
    with pytest.raises(ValueError, match="CUDA is not available"):
        train_network(x, y, depth=2, width=3, beta=0.1, epochs=2, device="cuda")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("arch", ["reflection", "standard"])
def test_cuda_training_matches_cpu(arch):
    x, y = small_problem(9)
    runs = {
        device: train_network(
            x, y, arch=arch, depth=3, width=8, beta=0.1, epochs=100, device=device
        )
        for device in ("cpu", "cuda")
    }
    assert runs["cuda"].device.startswith("cuda")
    # float64 on both; only summation order differs, so trajectories agree closely
    assert runs["cuda"].objective == pytest.approx(runs["cpu"].objective, rel=1e-6)
