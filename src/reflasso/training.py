"""Training deep |.| networks with Adam and comparing them with the Lasso optimum.

``train_network`` trains a reflection network (paper.md section 1) or a standard fully
connected |.| network on the objective (constants as in paper.md, no 1/n)

    J = 1/2 ||f(X) - y||^2 + beta/L * penalty + weight_decay/2 * ||weights||_2^2,

where the last term (biases excluded) is off by default.  History columns: ``loss`` is
the squared-loss term, ``penalty`` the sum of the two regularisation terms and
``objective`` their sum.  For the reflection network with weight_decay = 0, ``objective``
is never below the Lasso optimum (paper.md section 2); see docs/training.md.
"""

from __future__ import annotations

import math
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn
from tqdm.auto import tqdm

from .io import _write_atomic, check_xy, load_torch, read_csv, read_json, write_json_atomic
from .network import ReflectionNetwork, StandardNetwork
from .provenance import provenance

ARCHITECTURES = {"reflection": ReflectionNetwork, "standard": StandardNetwork}
HISTORY_COLUMNS = ["step", "loss", "penalty", "objective"]
# Training is stopped as diverged when the objective becomes non-finite or exceeds this
# multiple of its first logged value (Adam from a sane start never comes near it).
DIVERGENCE_FACTOR = 1e3


class TrainingDiverged(ValueError):
    """The objective became non-finite or grew by orders of magnitude (learning rate too large)."""


@dataclass
class TrainResult:
    """A trained network with its final objective terms and training history."""

    model: nn.Module
    history: pd.DataFrame
    objective: float
    loss: float
    penalty: float
    device: str
    seconds: float
    config: dict = field(default_factory=dict)

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
            "provenance": provenance(self.config.get("seed"), self.device, self.config),
        }

    def save(self, directory: str | Path) -> Path:
        """Write metrics.json, history.csv and model.pt (a state dict), each atomically."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        state = {name: t.detach().cpu() for name, t in self.model.state_dict().items()}
        _write_atomic(directory / "model.pt", lambda handle: torch.save(state, handle))
        csv = self.history.to_csv(index=False).encode()
        _write_atomic(directory / "history.csv", lambda handle: handle.write(csv))
        write_json_atomic(directory / "metrics.json", self.metrics())
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> TrainResult:
        """Read a folder written by ``save`` (the model lands on the CPU)."""
        directory = Path(directory)
        metrics = read_json(directory / "metrics.json")
        config = {key: metrics[key] for key in metrics if key in _CONFIG_KEYS}
        return cls(
            model=load_model(directory),
            history=read_csv(directory / "history.csv"),
            objective=metrics["objective"],
            loss=metrics["loss"],
            penalty=metrics["penalty"],
            device=metrics["device"],
            seconds=metrics["seconds"],
            config=config,
        )


_CONFIG_KEYS = {
    "arch", "dim", "depth", "width", "beta", "epochs", "steps", "lr", "seed", "batch_size",
    "weight_decay", "dtype", "init", "target_objective", "rel_tol", "stopped_early",
    "epochs_run",
}  # fmt: skip


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
    for name, value in (("depth", depth), ("width", width), ("dim", dim)):
        if not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{name} must be a positive integer (got {value!r})")
    if depth < 2:
        raise ValueError(f"depth must be >= 2 weight layers (got {depth})")
    return ARCHITECTURES[arch](int(dim), int(depth), int(width), dtype=dtype)


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
    objective equals the Lasso objective (paper.md section 2, reconstruction).
    """
    if rest not in ("random", "zero"):
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
    X,
    y,
    *,
    arch: str = "reflection",
    depth: int,
    width: int,
    beta: float,
    epochs: int = 2000,
    lr: float = 1e-2,
    seed: int = 0,
    device: str = "auto",
    init=None,
    init_rest: str = "random",
    batch_size: int | None = None,
    weight_decay: float = 0.0,
    dtype: torch.dtype = torch.float64,
    log_every: int = 10,
    target_objective: float | None = None,
    rel_tol: float = 1e-3,
    checkpoint: str | Path | None = None,
    checkpoint_every: int = 500,
    resume_from: str | Path | None = None,
    progress: bool | None = None,
    threads: int | None = None,
) -> TrainResult:
    """Train a deep |.| network with Adam and return a ``TrainResult``.

    - ``init``: None (PyTorch/architecture defaults) or a LassoFit (or tuple of unit-chain
      arrays) whose k active features become chains 0..k-1; ``init_rest`` says whether the
      other units stay random or are zeroed.
    - ``batch_size``: None for full-batch Adam (one step per epoch), else mini-batches
      with the squared loss scaled by n / batch size (an unbiased estimate of J).
    - Reproducible on the CPU: ``seed`` fixes the initialisation and the batch order.
    - ``history``: (step, loss, penalty, objective) on the full data every ``log_every``
      optimizer steps and at the end.
    - Stops early once objective <= target_objective * (1 + rel_tol) (checked at logged
      steps).
    - ``checkpoint``: path of a state-dict checkpoint written every ``checkpoint_every``
      steps and at the end; ``resume_from``: such a checkpoint to continue from (the run
      continues until ``epochs`` epochs in total).
    - ``progress``: a tqdm bar; None shows it only when stderr is a terminal.
    - ``threads``: CPU threads for this run (restored afterwards); None keeps torch's
      setting.  Small problems run several times faster with 1 thread on a busy machine.
    """
    settings = {name: value for name, value in locals().items() if name != "threads"}
    with cpu_threads(threads):
        return _train(**settings)


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


def _train(X, y, *, arch, depth, width, beta, epochs, lr, seed, device, init, init_rest,
           batch_size, weight_decay, dtype, log_every, target_objective, rel_tol, checkpoint,
           checkpoint_every, resume_from, progress) -> TrainResult:  # fmt: skip
    X, y = check_xy(X, y)
    _check_hyper(beta=beta, epochs=epochs, lr=lr, batch_size=batch_size,
                 weight_decay=weight_decay, log_every=log_every, rel_tol=rel_tol,
                 checkpoint_every=checkpoint_every)  # fmt: skip
    torch_device = resolve_device(device)
    n, dim = X.shape
    with torch.random.fork_rng(devices=[]):  # seed the init without touching global state
        torch.manual_seed(seed)
        model = build_model(arch, dim, depth, width, dtype)
    init_text = "default"
    if init is not None:
        k = initialise_from_lasso(model, init, init_rest)
        init_text = f"lasso(k={k}, rest={init_rest})"
    model.to(torch_device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    batches = torch.Generator().manual_seed(seed)
    Xt = torch.as_tensor(X, dtype=dtype, device=torch_device)
    yt = torch.as_tensor(y, dtype=dtype, device=torch_device)
    config = {
        "arch": arch, "dim": dim, "depth": depth, "width": width, "beta": beta,
        "epochs": epochs, "lr": lr, "seed": seed, "batch_size": batch_size,
        "weight_decay": weight_decay, "dtype": str(dtype).removeprefix("torch."),
        "init": init_text, "target_objective": target_objective, "rel_tol": rel_tol,
    }  # fmt: skip
    rows, step, start_epoch = [], 0, 0
    if resume_from is not None:
        rows, step, start_epoch = _resume(resume_from, model, optimizer, batches, config)

    def terms(Xb, yb, scale=1.0):
        loss, penalty = objective_terms(model, Xb, yb, beta, weight_decay)
        return scale * loss, penalty

    def record(loss, penalty):
        loss, penalty = float(loss), float(penalty)
        rows.append((step, loss, penalty, loss + penalty))
        _check_diverged(rows, lr, baseline)
        return loss + penalty

    def reached(objective):
        return target_objective is not None and objective <= target_objective * (1 + rel_tol)

    baseline = 0.5 * float(np.sum(y**2))  # objective of the zero network: a scale for "grew"
    show = sys.stderr.isatty() if progress is None else progress
    bar = tqdm(total=epochs, initial=start_epoch, disable=not show, desc=f"train {arch}")
    stopped_early, epochs_done = False, start_epoch
    started = time.perf_counter()
    for epoch in range(start_epoch, epochs):
        order = None if batch_size is None else torch.randperm(n, generator=batches)
        for batch in _batches(n, batch_size, order):
            if batch is None:  # full batch: the step's own terms are the logged ones
                loss, penalty = terms(Xt, yt)
                if step % log_every == 0 and reached(record(loss.detach(), penalty.detach())):
                    stopped_early = True
                    break
            else:
                if step % log_every == 0:
                    with torch.no_grad():
                        if reached(record(*terms(Xt, yt))):
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
        if checkpoint is not None and epochs_done % checkpoint_every == 0:
            _save_checkpoint(checkpoint, model, optimizer, batches, rows, step, epochs_done, config)
    bar.close()
    seconds = time.perf_counter() - started
    if checkpoint is not None:  # before the final row, so a resumed history matches a straight run
        _save_checkpoint(checkpoint, model, optimizer, batches, rows, step, epochs_done, config)
    with torch.no_grad():
        loss, penalty = (float(t) for t in terms(Xt, yt))
    if not rows or rows[-1][0] != step:
        record(loss, penalty)
    _check_diverged([*rows, (step, loss, penalty, loss + penalty)], lr, baseline)
    config.update(steps=step, stopped_early=stopped_early, epochs_run=epochs_done)
    return TrainResult(
        model=model,
        history=pd.DataFrame(rows, columns=HISTORY_COLUMNS),
        objective=loss + penalty,
        loss=loss,
        penalty=penalty,
        device=str(torch_device),
        seconds=seconds,
        config=config,
    )


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


def _check_hyper(**values) -> None:
    checks = {
        "beta": lambda v: math.isfinite(v) and v >= 0,
        "epochs": lambda v: isinstance(v, int | np.integer) and v >= 0,
        "lr": lambda v: math.isfinite(v) and v > 0,
        "batch_size": lambda v: v is None or (isinstance(v, int | np.integer) and v >= 1),
        "weight_decay": lambda v: math.isfinite(v) and v >= 0,
        "log_every": lambda v: isinstance(v, int | np.integer) and v >= 1,
        "rel_tol": lambda v: math.isfinite(v) and v >= 0,
        "checkpoint_every": lambda v: isinstance(v, int | np.integer) and v >= 1,
    }
    wanted = {
        "beta": "a finite number >= 0",
        "lr": "a finite number > 0",
        "batch_size": "None or a positive integer",
        "weight_decay": "a finite number >= 0",
        "rel_tol": "a finite number >= 0",
    }
    for name, value in values.items():
        if not checks[name](value):
            raise ValueError(
                f"{name} must be {wanted.get(name, 'a positive integer')} (got {value!r})"
            )


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
    _write_atomic(Path(path), lambda handle: torch.save(state, handle))


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
