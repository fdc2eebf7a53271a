"""Reading training data and writing results atomically (shared by the CLI and the workflow)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np


class DataError(ValueError):
    """Input data that cannot be used, with a message naming the problem."""


def load_xy(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Load (X, y) from an .npz with arrays X (n x d) and y (n), or a CSV with x1..xd, y."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"data file not found: {path}")
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as data:
            missing = {"X", "y"} - set(data.files)
            if missing:
                raise DataError(f"{path}: missing array(s) {sorted(missing)}; found {data.files}")
            X, y = data["X"], data["y"]
    elif path.suffix == ".csv":
        import pandas as pd

        frame = pd.read_csv(path)
        xcols = sorted(
            (c for c in frame.columns if c.startswith("x") and c[1:].isdigit()),
            key=lambda c: int(c[1:]),
        )
        if "y" not in frame.columns or not xcols:
            raise DataError(
                f"{path}: a CSV needs columns x1..xd and y; found {list(frame.columns)}"
            )
        X, y = frame[xcols].to_numpy(float), frame["y"].to_numpy(float)
    else:
        raise DataError(f"{path}: unsupported data format {path.suffix!r} (use .npz or .csv)")
    return check_xy(X, y, name=str(path))


def check_xy(X, y, name: str = "data") -> tuple[np.ndarray, np.ndarray]:
    """Validate and return X as (n, d) float and y as (n,) float."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise DataError(f"{name}: X must be a 2-D array (n x d), got shape {X.shape}")
    if y.ndim != 1:
        y = y.reshape(-1) if y.size == X.shape[0] else y
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise DataError(f"{name}: X has {X.shape[0]} rows but y has shape {y.shape}")
    if X.shape[0] < 2:
        raise DataError(f"{name}: need at least 2 training points, got {X.shape[0]}")
    if not (np.isfinite(X).all() and np.isfinite(y).all()):
        raise DataError(f"{name}: X or y contains NaN or inf")
    return X, y


def check_depth(depth) -> int:
    """The number of weight layers L as an int; L >= 2 (paper.md section 1)."""
    if isinstance(depth, bool) or not isinstance(depth, int | np.integer) or depth < 2:
        raise ValueError(f"depth must be an integer >= 2 (got {depth!r})")
    return int(depth)


def write_json_atomic(path: str | os.PathLike, payload: dict) -> None:
    """Write JSON through a temporary file and a rename, so a crash leaves no half file."""
    write_text_atomic(path, json.dumps(payload, indent=2, sort_keys=True, default=_json_default))


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Write text through a temporary file and a rename."""
    _write_atomic(Path(path), lambda handle: handle.write(text.encode()))


def save_npz_atomic(path: str | os.PathLike, **arrays) -> None:
    """np.savez through a temporary file and a rename."""
    _write_atomic(Path(path), lambda handle: np.savez(handle, **arrays))


def _write_atomic(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
