"""Reading training data and writing results atomically (shared by the CLI and the workflow)."""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

#: Largest |x| or |y| accepted.  Squares of larger values approach the float range
#: (1.8e308) and the conic solver fails with an opaque numerical error.
MAX_MAGNITUDE = 1e100


class DataError(ValueError):
    """Input data that cannot be used, with a message naming the problem."""


class CorruptFileError(DataError):
    """A file that exists but cannot be read (empty, truncated, not the format its name says)."""


# Which workflow rule writes files under these folders (for the "how to rebuild" hint).
_RULE_OF_FOLDER = {
    "results/data/": "toy_data",
    "results/embed/": "embed",
    "results/reduce/": "reduce",
    "results/lasso/": "lasso",
    "results/train/": "train",
    "results/checkpoints/": "train",
    "results/analyse/": "analyse_*",
    "results/tables/": "analyse_* or claims",
}


def rebuild_hint(path: str | os.PathLike) -> str:
    """How to get a good copy of ``path``: the rule that writes it, for workflow outputs."""
    text = Path(path).as_posix()
    for folder, rule in _RULE_OF_FOLDER.items():
        if folder in f"/{text}" or text.startswith(folder):
            return (
                f"it is written by the workflow rule {rule}: delete the file and rerun "
                "snakemake, which rebuilds it"
            )
    return "replace it with a complete file (for a 'reflasso fit/train' output, rerun that command)"


def read_checked(path: str | os.PathLike, read, what: str):
    """``read(path)`` with every failure turned into an error that names the file.

    One place for the promise "a loader that meets a missing, empty or corrupt file says
    which file and how to rebuild it" (npz, json, csv and torch loaders all use it).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{what} file not found: {path}")
    if path.stat().st_size == 0:
        raise CorruptFileError(f"{path}: the {what} file is empty (0 bytes); {rebuild_hint(path)}")
    try:
        return read(path)
    except DataError:
        raise
    except Exception as error:  # any parser's own error type: zip, pickle, json, csv
        reason = f"{type(error).__name__}: {error}".strip().rstrip(":")
        raise CorruptFileError(
            f"{path}: not a readable {what} file ({reason}); {rebuild_hint(path)}"
        ) from error


def read_json(path: str | os.PathLike) -> dict:
    """A JSON object from ``path`` (errors name the file)."""
    return read_checked(path, lambda p: json.loads(p.read_text()), "JSON")


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """All arrays of an .npz file, without pickle (errors name the file)."""

    def read(p):
        if not zipfile.is_zipfile(p):  # np.load would guess "pickled data" instead
            raise ValueError("not a zip archive, which every .npz file is")
        with np.load(p, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}

    return read_checked(path, read, ".npz")


def read_csv(path: str | os.PathLike, **options):
    """A pandas table from a CSV file (errors name the file)."""
    import pandas as pd

    return read_checked(path, lambda p: pd.read_csv(p, **options), "CSV")


def load_torch(path: str | os.PathLike):
    """A torch state saved with torch.save, read with weights_only=True (errors name the file)."""
    import torch

    return read_checked(
        path, lambda p: torch.load(p, map_location="cpu", weights_only=True), "torch (.pt)"
    )


def load_xy(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Load (X, y) from an .npz with arrays X (n x d) and y (n), or a CSV with x1..xd, y."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"data file not found: {path}")
    if path.suffix == ".npz":
        data = load_npz(path)
        missing = {"X", "y"} - set(data)
        if missing:
            raise DataError(f"{path}: missing array(s) {sorted(missing)}; found {sorted(data)}")
        X, y = data["X"], data["y"]
    elif path.suffix == ".csv":
        frame = read_csv(path)
        xcols = sorted(
            (c for c in frame.columns if c.startswith("x") and c[1:].isdigit()),
            key=lambda c: int(c[1:]),
        )
        if "y" not in frame.columns or not xcols:
            raise DataError(
                f"{path}: a CSV needs columns x1..xd and y; found {list(frame.columns)}"
            )
        X = _numeric(frame[xcols], path)
        y = _numeric(frame[["y"]], path)[:, 0]
    else:
        raise DataError(f"{path}: unsupported data format {path.suffix!r} (use .npz or .csv)")
    return check_xy(X, y, name=str(path))


def _numeric(frame, path: Path) -> np.ndarray:
    """The columns of a CSV table as floats; a non-number names its row and column."""
    import pandas as pd

    values = frame.apply(pd.to_numeric, errors="coerce")
    bad = values.isna() & frame.notna()
    if bad.to_numpy().any():
        row, column = next((r, c) for c in frame.columns for r in frame.index[bad[c].to_numpy()])
        raise DataError(
            f"{path}: column {column!r}, data row {row + 1}: {frame.at[row, column]!r} "
            "is not a number"
        )
    return values.to_numpy(float)


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
    largest = max(np.abs(X).max(initial=0.0), np.abs(y).max(initial=0.0))
    if largest > MAX_MAGNITUDE:
        raise DataError(
            f"{name}: values up to {largest:.3g} in magnitude (limit {MAX_MAGNITUDE:g}); "
            "rescale the data"
        )
    return X, y


def check_depth(depth) -> int:
    """The number of weight layers L as an int; L >= 2 (docs/method.md §1)."""
    if isinstance(depth, bool) or not isinstance(depth, int | np.integer) or depth < 2:
        raise ValueError(f"depth must be an integer >= 2 weight layers (got {depth!r})")
    return int(depth)


def check_texts(texts, name: str = "texts") -> list[str]:
    """The texts as a list; a clear error (naming ``name``) for a single string, an empty
    list, or an empty or non-string entry."""
    if isinstance(texts, str):
        raise DataError(f"{name} must be a list of strings, not a single string; wrap it: [text]")
    texts = list(texts)
    if not texts:
        raise DataError(f"{name}: no texts (empty list)")
    bad = [i for i, text in enumerate(texts) if not isinstance(text, str) or not text.strip()]
    if bad:
        raise DataError(
            f"{name}: {len(bad)} empty or non-string entries (first at rows {bad[:5]}); "
            "drop or fill them"
        )
    return texts


def write_json_atomic(path: str | os.PathLike, payload: dict) -> None:
    """Write JSON through a temporary file and a rename, so a crash leaves no half file."""
    write_text_atomic(path, json.dumps(payload, indent=2, sort_keys=True, default=_json_default))


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Write text through a temporary file and a rename."""
    write_atomic(Path(path), lambda handle: handle.write(text.encode()))


def save_npz_atomic(path: str | os.PathLike, **arrays) -> None:
    """np.savez through a temporary file and a rename."""
    write_atomic(Path(path), lambda handle: np.savez(handle, **arrays))


def write_atomic(path: str | os.PathLike, write) -> None:
    """Call ``write(handle)`` on a binary temporary file next to ``path``, then rename it
    to ``path``: a crash or an error in ``write`` leaves no half-written file."""
    path = Path(path)
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
