"""Training deep |.| networks with Adam and comparing them with the Lasso optimum.

``train_network`` trains a reflection network (docs/method.md §1) or a standard fully
connected |.| network on the objective (constants as in docs/method.md §2, no 1/n)

    J = 1/2 ||f(X) - y||^2 + beta/L * penalty + weight_decay/2 * ||weights||_2^2,

where the last term (biases excluded) is off by default.  History columns: ``loss`` is
the squared-loss term, ``penalty`` the sum of the two regularisation terms and
``objective`` their sum.  For the reflection network with weight_decay = 0, ``objective``
is never below the Lasso optimum (docs/method.md §2); see docs/training.md.  The
settings of a run are a ``TrainingConfig`` (training_config.py), stored whole in its
metrics.json.
"""

from __future__ import annotations

import math
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn
from tqdm.auto import tqdm

from .io import (
    CorruptFileError,
    check_depth,
    check_xy,
    load_torch,
    read_csv,
    read_json,
    rebuild_hint,
    write_atomic,
    write_json_atomic,
    write_text_atomic,
)
from .network import ReflectionNetwork, StandardNetwork
from .provenance import provenance
from .training_config import INIT_RESTS, TrainingConfig

ARCHITECTURES = {"reflection": ReflectionNetwork, "standard": StandardNetwork}
HISTORY_COLUMNS = ["step", "loss", "penalty", "objective"]
# metrics.json keeps these settings at its top level too (readers of earlier runs use them),
# next to what the run found out: dim, init, steps, stopped_early, epochs_run.
RECORDED_SETTINGS = (
    "arch",
    "depth",
    "width",
    "beta",
    "epochs",
    "lr",
    "seed",
    "batch_size",
    "weight_decay",
    "dtype",
    "target_objective",
    "rel_tol",
)
RUN_FACTS = ("dim", "init", "steps", "stopped_early", "epochs_run")
# Training is stopped as diverged when the objective becomes non-finite or exceeds this
# multiple of its first logged value (Adam from a sane start never comes near it).
DIVERGENCE_FACTOR = 1e3


class TrainingDiverged(ValueError):
    """The objective became non-finite or grew by orders of magnitude (learning rate too large)."""


@dataclass
class TrainResult:
    """A trained network with its final objective terms and training history.

    ``config`` is the flat record of metrics.json (main settings and RUN_FACTS);
    ``training_config`` the whole ``TrainingConfig`` of the run (None for a run saved
    before metrics.json stored it).
    """

    model: nn.Module
    history: pd.DataFrame
    objective: float
    loss: float
    penalty: float
    device: str
    seconds: float
    config: dict = field(default_factory=dict)
    training_config: TrainingConfig | None = None

    def predict(self, X) -> np.ndarray:
        """Network output on points X (n x d, or n for 1-D data) as a float64 array."""
        param = next(self.model.parameters())
        X = np.asarray(X, dtype=float)
        X = X[:, None] if X.ndim == 1 else X
        with torch.no_grad():
            out = self.model(torch.as_tensor(X, dtype=param.dtype, device=param.device))
        return out.cpu().double().numpy().reshape(-1)

    def metrics(self) -> dict:
        """The content of metrics.json: final terms, configuration and provenance."""
        return {
            "objective": self.objective,
            "loss": self.loss,
            "penalty": self.penalty,
            "device": self.device,
            "seconds": self.seconds,
            **self.config,
            **({"training_config": self.training_config.to_dict()} if self.training_config else {}),
            "provenance": provenance(self.config.get("seed"), self.device, self.config),
        }

    def save(self, directory: str | Path) -> Path:
        """Write metrics.json, history.csv and model.pt (a state dict), each atomically."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        state = {name: t.detach().cpu() for name, t in self.model.state_dict().items()}
        write_atomic(directory / "model.pt", lambda handle: torch.save(state, handle))
        write_text_atomic(directory / "history.csv", self.history.to_csv(index=False))
        write_json_atomic(directory / "metrics.json", self.metrics())
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> TrainResult:
        """Read a folder written by ``save`` (the model lands on the CPU)."""
        directory = Path(directory)
        metrics = read_json(directory / "metrics.json")
        config = {key: metrics[key] for key in (*RECORDED_SETTINGS, *RUN_FACTS) if key in metrics}
        return cls(
            model=load_model(directory),
            history=read_csv(directory / "history.csv"),
            objective=metrics["objective"],
            loss=metrics["loss"],
            penalty=metrics["penalty"],
            device=metrics["device"],
            seconds=metrics["seconds"],
            config=config,
            training_config=_read_training_config(directory / "metrics.json", metrics),
        )


def _read_training_config(path: Path, metrics: dict) -> TrainingConfig | None:
    if "training_config" not in metrics:
        return None
    try:
        return TrainingConfig.from_dict(metrics["training_config"])
    except (TypeError, ValueError) as error:
        raise CorruptFileError(f"{path}: training_config: {error}; {rebuild_hint(path)}") from None


def load_model(directory: str | Path) -> nn.Module:
    """Rebuild the network saved in ``directory`` (metrics.json + model.pt) on the CPU.

    The weights are read with ``torch.load(weights_only=True)``: no arbitrary objects are
    unpickled.
    """
    directory = Path(directory)
    metrics = read_json(directory / "metrics.json")
    dtype = getattr(torch, metrics.get("dtype", "float64"))
    model = build_model(metrics["arch"], metrics["dim"], metrics["depth"], metrics["width"], dtype)
    model.load_state_dict(load_torch(directory / "model.pt"))
    return model


def build_model(
    arch: str, dim: int, depth: int, width: int, dtype: torch.dtype = torch.float64
) -> nn.Module:
    """A reflection or standard network with its default random initialisation."""
    if arch not in ARCHITECTURES:
        raise ValueError(f"arch must be one of {sorted(ARCHITECTURES)} (got {arch!r})")
    for name, value in (("width", width), ("dim", dim)):
        if not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{name} must be a positive integer (got {value!r})")
    return ARCHITECTURES[arch](int(dim), check_depth(depth), int(width), dtype=dtype)


def lasso_chains(init, dim: int, depth: int) -> tuple:
    """(coef, W, b1, C, intercept) of the non-zero Lasso features, checked against the net.

    ``init`` is a LassoFit (duck-typed: ``.coef``, ``.intercept``, ``.depth`` and
    ``.dictionary`` with ``W``, ``b1``, ``C``) or a tuple (coef, W, b1, C, intercept).
    """
    if hasattr(init, "coef") and hasattr(init, "dictionary"):
        dictionary = init.dictionary
        arrays = (init.coef, dictionary.W, dictionary.b1, dictionary.C, init.intercept)
        fit_depth = getattr(init, "depth", None)
    elif isinstance(init, tuple | list) and len(init) == 5:
        arrays, fit_depth = tuple(init), None
    else:
        raise ValueError(
            "init must be None, a LassoFit or a tuple (coef, W, b1, C, intercept); "
            f"got {type(init).__name__}"
        )
    coef = np.asarray(arrays[0], dtype=float).reshape(-1)
    W = np.atleast_2d(np.asarray(arrays[1], dtype=float))
    b1 = np.asarray(arrays[2], dtype=float).reshape(-1)
    if not len(coef) == len(W) == len(b1):
        raise ValueError(f"{len(coef)} coefficients for {len(W)} chains: init does not match")
    C = np.asarray(arrays[3], dtype=float).reshape(len(coef), -1)
    chain_depth = C.shape[1] + 2
    if fit_depth is not None and int(fit_depth) != chain_depth:
        raise ValueError(f"LassoFit says depth {fit_depth} but its chains have depth {chain_depth}")
    if chain_depth != depth:
        raise ValueError(f"Lasso fit has depth {chain_depth} but the network has depth {depth}")
    if W.shape[1] != dim:
        raise ValueError(f"Lasso fit has input dimension {W.shape[1]} but the data has {dim}")
    active = coef != 0
    return coef[active], W[active], b1[active], C[active], float(arrays[4])


def initialise_from_lasso(model: nn.Module, init, rest: str = "random") -> int:
    """Set chains 0..k-1 of ``model`` from the k non-zero Lasso features; return k.

    ``rest="random"`` keeps the model's random initialisation for the other units;
    ``rest="zero"`` zeroes them, so the network computes exactly the Lasso fit and its
    objective equals the Lasso objective (docs/method.md §2, reconstruction).
    """
    if rest not in INIT_RESTS:
        raise ValueError(f"init_rest must be 'random' or 'zero' (got {rest!r})")
    coef, W, b1, C, intercept = lasso_chains(init, model.dim, model.depth)
    if len(coef) > model.width:
        raise ValueError(
            f"the Lasso fit has {len(coef)} active features but the width is {model.width}; "
            "use a width of at least the number of active features"
        )
    dtype = next(model.parameters()).dtype
    if rest == "zero":
        with torch.no_grad():
            for param in model.parameters():
                param.zero_()
    if len(coef):
        model.load_chains(
            ReflectionNetwork.from_unit_chains(coef, W, b1, C, intercept, dtype=dtype)
        )
    with torch.no_grad():
        model.output_bias.fill_(intercept)
    return len(coef)


def resolve_device(device: str) -> torch.device:
    """'auto' -> CUDA when available else CPU; 'cpu'; 'cuda' (error if unavailable)."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device not in ("cpu", "cuda") and not str(device).startswith("cuda:"):
        raise ValueError(f"device must be 'auto', 'cpu' or 'cuda' (got {device!r})")
    if str(device).startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} requested but CUDA is not available")
    return torch.device(device)


def objective_terms(
    model: nn.Module, X: torch.Tensor, y: torch.Tensor, beta: float, weight_decay: float = 0.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """(loss, penalty): 1/2 ||f(X)-y||^2 and beta/L * P + weight_decay/2 * ||weights||^2."""
    loss = 0.5 * (model(X) - y).pow(2).sum()
    penalty = beta / model.depth * model.penalty()
    if weight_decay:
        weights = (p for name, p in model.named_parameters() if not name.endswith("bias"))
        penalty = penalty + weight_decay / 2 * sum(w.pow(2).sum() for w in weights)
    return loss, penalty


def train_network(
    X, y, config: TrainingConfig | None = None, *, init=None, **options
) -> TrainResult:
    """Train a deep |.| network with Adam and return a ``TrainResult``.

    The settings are a ``TrainingConfig`` (each field documented there), or its fields as
    keyword ``options``: ``train_network(X, y, depth=3, width=8, beta=0.1)``; options
    given together with a config replace those fields.

    - ``init``: None (PyTorch/architecture defaults) or a LassoFit (or tuple of unit-chain
      arrays) whose k active features become chains 0..k-1; ``init_rest`` says whether the
      other units stay random or are zeroed.
    - Full-batch Adam (one step per epoch) unless ``batch_size``: then mini-batches with
      the squared loss scaled by n / batch size (an unbiased estimate of J).
    - Reproducible on the CPU: ``seed`` fixes the initialisation and the batch order.
    - ``history``: (step, loss, penalty, objective) on the full data every ``log_every``
      optimizer steps and at the end.
    - Stops early once objective <= target_objective * (1 + rel_tol) (checked at logged
      steps); raises ``TrainingDiverged`` when the objective blows up.
    - ``checkpoint`` is written every ``checkpoint_every`` epochs and at the end;
      ``resume_from`` continues such a checkpoint until ``epochs`` epochs in total.
    """
    if config is None:
        config = TrainingConfig(**options)
    elif not isinstance(config, TrainingConfig):
        raise TypeError(f"config must be a TrainingConfig (got {type(config).__name__})")
    elif options:
        config = replace(config, **options)
    with cpu_threads(config.threads):  # the whole run, as the setting promises
        X, y = check_xy(X, y)
        torch_device = resolve_device(config.device)
        dtype = getattr(torch, config.dtype)
        n, dim = X.shape
        with torch.random.fork_rng(devices=[]):  # seed the init without touching global state
            torch.manual_seed(config.seed)
            model = build_model(config.arch, dim, config.depth, config.width, dtype)
        init_text = "default"
        if init is not None:
            k = initialise_from_lasso(model, init, config.init_rest)
            init_text = f"lasso(k={k}, rest={config.init_rest})"
        model.to(torch_device)
        optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
        batches = torch.Generator().manual_seed(config.seed)
        Xt = torch.as_tensor(X, dtype=dtype, device=torch_device)
        yt = torch.as_tensor(y, dtype=dtype, device=torch_device)
        settings = config.to_dict()
        record = {key: settings[key] for key in RECORDED_SETTINGS} | {"dim": dim, "init": init_text}
        rows, step, start_epoch = [], 0, 0
        if config.resume_from is not None:
            rows, step, start_epoch = _resume(config.resume_from, model, optimizer, batches, record)

        def terms(Xb, yb, scale=1.0):
            loss, penalty = objective_terms(model, Xb, yb, config.beta, config.weight_decay)
            return scale * loss, penalty

        def record_row(loss, penalty):
            loss, penalty = float(loss), float(penalty)
            rows.append((step, loss, penalty, loss + penalty))
            _check_diverged(rows, config.lr, baseline)
            return loss + penalty

        def reached(objective):
            target = config.target_objective
            return target is not None and objective <= target * (1 + config.rel_tol)

        def save_checkpoint():
            if config.checkpoint is not None:
                state = (model, optimizer, batches, rows, step, epochs_done, record)
                _save_checkpoint(config.checkpoint, *state)

        baseline = 0.5 * float(np.sum(y**2))  # objective of the zero network: a scale for "grew"
        show = sys.stderr.isatty() if config.progress is None else config.progress
        bar = tqdm(
            total=config.epochs, initial=start_epoch, disable=not show, desc=f"train {config.arch}"
        )
        stopped_early, epochs_done = False, start_epoch
        started = time.perf_counter()
        for epoch in range(start_epoch, config.epochs):
            order = None if config.batch_size is None else torch.randperm(n, generator=batches)
            for batch in _batches(n, config.batch_size, order):
                if batch is None:  # full batch: the step's own terms are the logged ones
                    loss, penalty = terms(Xt, yt)
                    logged = step % config.log_every == 0
                    if logged and reached(record_row(loss.detach(), penalty.detach())):
                        stopped_early = True
                        break
                else:
                    if step % config.log_every == 0:
                        with torch.no_grad():
                            if reached(record_row(*terms(Xt, yt))):
                                stopped_early = True
                                break
                    idx = batch.to(torch_device)
                    loss, penalty = terms(Xt[idx], yt[idx], scale=n / len(idx))
                optimizer.zero_grad(set_to_none=True)
                (loss + penalty).backward()
                optimizer.step()
                step += 1
            if stopped_early:
                break
            epochs_done = epoch + 1
            bar.update(1)
            if epochs_done % config.checkpoint_every == 0:
                save_checkpoint()
        bar.close()
        seconds = time.perf_counter() - started
        save_checkpoint()  # before the final row, so a resumed history matches a straight run
        with torch.no_grad():
            loss, penalty = (float(t) for t in terms(Xt, yt))
        if not rows or rows[-1][0] != step:
            record_row(loss, penalty)
        _check_diverged([*rows, (step, loss, penalty, loss + penalty)], config.lr, baseline)
        record.update(steps=step, stopped_early=stopped_early, epochs_run=epochs_done)
        return TrainResult(
            model=model,
            history=pd.DataFrame(rows, columns=HISTORY_COLUMNS),
            objective=loss + penalty,
            loss=loss,
            penalty=penalty,
            device=str(torch_device),
            seconds=seconds,
            config=record,
            training_config=config,
        )


@contextmanager
def cpu_threads(threads: int | None):
    """Use ``threads`` torch CPU threads inside the block (None: leave the setting)."""
    if threads is None:
        yield
        return
    if not isinstance(threads, int | np.integer) or threads < 1:
        raise ValueError(f"threads must be None or a positive integer (got {threads!r})")
    previous = torch.get_num_threads()
    torch.set_num_threads(int(threads))
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _check_diverged(rows: list, lr: float, baseline: float) -> None:
    """Raise TrainingDiverged when the last logged objective is non-finite or has grown
    past DIVERGENCE_FACTOR times the larger of its first logged value and ``baseline``
    (the zero network's objective, so that a near-zero start does not count as a scale)."""
    step, objective, first = rows[-1][0], rows[-1][3], rows[0][3]
    scale = max(first, baseline, 1e-12) if math.isfinite(first) else math.inf
    if math.isfinite(objective) and objective <= DIVERGENCE_FACTOR * scale:
        return
    raise TrainingDiverged(
        f"training diverged at step {step}: objective {objective:.3g} (first logged "
        f"{first:.3g}) with learning rate lr={lr:g}; use a smaller learning rate "
        f"(e.g. lr={min(lr / 10, 1e-2):g})"
    )


def check_init_matches(init, X, y, beta: float) -> None:
    """Reject a Lasso fit made for another beta or other data as a warm start.

    The chains of a fit are only meaningful for the (X, y, beta) it solved; a fit of
    something else still runs but silently starts from an unrelated point.
    """
    X, y = check_xy(X, y)
    problems = []
    if not math.isclose(float(init.beta), float(beta), rel_tol=1e-12):
        problems.append(f"it was fitted with beta={init.beta!r}, this run has beta={beta!r}")
    if np.shape(init.X) != X.shape or not (np.array_equal(init.X, X) and np.array_equal(init.y, y)):
        problems.append(
            f"it was fitted on other data ({np.shape(init.X)[0]} points in "
            f"R^{np.shape(init.X)[1]}; this data has {X.shape[0]} in R^{X.shape[1]}"
            + (", same shape but different values" if np.shape(init.X) == X.shape else "")
            + ")"
        )
    if problems:
        raise ValueError("the Lasso fit given as warm start does not match: " + "; ".join(problems))


def _batches(n: int, batch_size: int | None, order: torch.Tensor | None):
    if batch_size is None:
        yield None
        return
    for first in range(0, n, batch_size):
        yield order[first : first + batch_size]


def _save_checkpoint(path, model, optimizer, batches, rows, step, epoch, config) -> None:
    state = {
        "model": {name: t.detach().cpu() for name, t in model.state_dict().items()},
        "optimizer": optimizer.state_dict(),
        "batch_rng": batches.get_state(),
        "history": [list(row) for row in rows],
        "step": step,
        "epoch": epoch,
        "config": {k: v for k, v in config.items() if k in ("arch", "dim", "depth", "width")},
    }
    write_atomic(Path(path), lambda handle: torch.save(state, handle))


def _resume(path, model, optimizer, batches, config) -> tuple[list, int, int]:
    state = load_torch(path)
    saved = state["config"]
    wanted = {k: config[k] for k in saved}
    if saved != wanted:
        raise ValueError(f"checkpoint {path} is for {saved}, not {wanted}")
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    batches.set_state(state["batch_rng"])
    rows = [tuple(row) for row in state["history"]]
    return rows, int(state["step"]), int(state["epoch"])
