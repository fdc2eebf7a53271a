"""``TrainingConfig``: every setting of one training run, validated once when it is made.

``train_network`` reads its options from this object only; a run's metrics.json stores it
whole (``to_dict``) and ``TrainResult.load`` rebuilds it (``from_dict``).  The module
imports neither torch nor numpy, so a command line or workflow can check settings cheaply.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import MISSING, asdict, dataclass, fields
from numbers import Integral, Real

ARCHITECTURES = ("reflection", "standard")
INIT_RESTS = ("random", "zero")
DTYPES = ("float64", "float32", "bfloat16", "float16")


@dataclass(frozen=True, kw_only=True)
class TrainingConfig:
    """The settings of ``train_network`` apart from the data and the Lasso initialisation.

    - ``arch``: ``"reflection"`` or ``"standard"``; ``depth`` (weight layers, >= 2),
      ``width`` (chains or hidden units, >= 1); ``beta``: penalty strength (>= 0).
    - ``epochs``: passes over the data; ``lr``: Adam's learning rate; ``batch_size``: None
      for full-batch Adam, else mini-batches; ``seed``: initialisation and batch order.
    - ``device``: ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"cuda:N"``; ``dtype``: a torch
      floating dtype by name (a ``torch.dtype`` is accepted and stored by name).
    - ``init_rest``: with a Lasso initialisation, whether the other units stay
      ``"random"`` or are set to ``"zero"``; ``weight_decay``: l2 on weights (>= 0).
    - ``log_every``: history row every so many optimizer steps; ``target_objective`` and
      ``rel_tol``: stop once objective <= target_objective * (1 + rel_tol).
    - ``checkpoint`` (written every ``checkpoint_every`` epochs) and ``resume_from``:
      paths, stored as text; ``progress``: tqdm bar (None: only on a terminal);
      ``threads``: torch CPU threads for the run (None: torch's setting).
    """

    arch: str = "reflection"
    depth: int
    width: int
    beta: float
    epochs: int = 2000
    lr: float = 1e-2
    seed: int = 0
    device: str = "auto"
    dtype: str = "float64"
    init_rest: str = "random"
    batch_size: int | None = None
    weight_decay: float = 0.0
    log_every: int = 10
    target_objective: float | None = None
    rel_tol: float = 1e-3
    checkpoint: str | None = None
    checkpoint_every: int = 500
    resume_from: str | None = None
    progress: bool | None = None
    threads: int | None = None

    def __post_init__(self) -> None:
        checked = {
            "arch": _choice("arch", self.arch, ARCHITECTURES),
            "depth": _integer("depth", self.depth, 2, "weight layers"),
            "width": _integer("width", self.width, 1),
            "beta": _number("beta", self.beta, strict=False),
            "epochs": _integer("epochs", self.epochs, 0),
            "lr": _number("lr", self.lr, strict=True),
            "seed": _integer("seed", self.seed, 0),
            "device": _device(self.device),
            "dtype": _dtype(self.dtype),
            "init_rest": _choice("init_rest", self.init_rest, INIT_RESTS),
            "batch_size": _optional(_integer, "batch_size", self.batch_size, 1),
            "weight_decay": _number("weight_decay", self.weight_decay, strict=False),
            "log_every": _integer("log_every", self.log_every, 1),
            "target_objective": _optional(
                _number, "target_objective", self.target_objective, strict=False
            ),
            "rel_tol": _number("rel_tol", self.rel_tol, strict=False),
            "checkpoint": _optional(_path, "checkpoint", self.checkpoint),
            "checkpoint_every": _integer("checkpoint_every", self.checkpoint_every, 1),
            "resume_from": _optional(_path, "resume_from", self.resume_from),
            "progress": _optional(_flag, "progress", self.progress),
            "threads": _optional(_integer, "threads", self.threads, 1),
        }
        for name, value in checked.items():  # plain int/float/str: equal configs compare equal
            object.__setattr__(self, name, value)

    def to_dict(self) -> dict:
        """All fields as JSON-ready values (what metrics.json stores)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> TrainingConfig:
        """The config written by ``to_dict``; unknown or missing keys are named."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise ValueError(
                f"unknown training setting(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(names))}"
            )
        required = (f.name for f in fields(cls) if f.default is MISSING)
        missing = sorted(name for name in required if name not in values)
        if missing:
            raise ValueError(f"training setting(s) {', '.join(missing)} missing")
        return cls(**values)


def _integer(name: str, value, minimum: int, unit: str = "") -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        unit = f" {unit}" if unit else ""
        raise ValueError(f"{name} must be an integer >= {minimum}{unit} (got {value!r})")
    return int(value)


def _number(name: str, value, *, strict: bool) -> float:
    ok = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or (value <= 0 if strict else value < 0):
        raise ValueError(
            f"{name} must be a finite number {'>' if strict else '>='} 0 (got {value!r})"
        )
    return float(value)


def _choice(name: str, value, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)} (got {value!r})")
    return value


def _device(value) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"auto|cpu|cuda(:\d+)?", value):
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N' (got {value!r})")
    return value


def _dtype(value) -> str:
    name = value if isinstance(value, str) else str(value).removeprefix("torch.")
    if name not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)} (got {value!r})")
    return name


def _path(name: str, value) -> str:
    if not isinstance(value, str | os.PathLike) or not os.fspath(value):
        raise ValueError(f"{name} must be None or a file path (got {value!r})")
    return os.fspath(value)


def _flag(name: str, value) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be None, True or False (got {value!r})")
    return value


def _optional(check, name: str, value, *args, **kwargs):
    """``check`` for a setting where None means 'not used'."""
    return None if value is None else check(name, value, *args, **kwargs)
