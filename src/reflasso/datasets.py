"""Text data sets with +-1 labels: the VADER lexicon (offline default), IMDB reviews, own files.

``load_dataset(name, **options)`` returns a :class:`TextDataset`; its ``subsample`` and
``train_test_split`` are seeded, and stratified by label, so every run draws the same points.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import re
import tarfile
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from .io import DataError, check_texts, write_atomic

IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
# MD5 of aclImdb_v1.tar.gz as published with the archive and used by common loaders.
IMDB_MD5 = "7c2ac02c03563afcf9b574c7e56c153a"
IMDB_SPLITS = ("train", "test")
# Review files are aclImdb/<split>/<pos|neg>/<id>_<stars>.txt (unsup/ has no labels).
_IMDB_MEMBER = re.compile(r"(?:^|/)(train|test)/(pos|neg)/(\d+)_(\d+)\.txt$")


@dataclass
class TextDataset:
    """Texts with labels in {-1, +1}, an optional real target, and a stable id per text.

    ``ids`` say where each text came from (the word, the review file, the row number), so a
    subsample or a split can be traced back to the source.
    """

    texts: list[str]
    labels: np.ndarray
    target: np.ndarray | None = None
    name: str = "texts"
    ids: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.texts = list(self.texts)
        self.labels = np.asarray(self.labels, dtype=np.int64).reshape(-1)
        if not self.ids:
            self.ids = [str(i) for i in range(len(self.texts))]
        check_texts(self.texts, self.name)
        if self.labels.shape[0] != len(self.texts) or len(self.ids) != len(self.texts):
            raise DataError(
                f"{self.name}: {len(self.texts)} texts but {self.labels.shape[0]} labels "
                f"and {len(self.ids)} ids"
            )
        if not np.isin(self.labels, (-1, 1)).all():
            raise DataError(f"{self.name}: labels must be -1 or +1, got {np.unique(self.labels)}")
        if self.target is not None:
            self.target = np.asarray(self.target, dtype=float).reshape(-1)
            if self.target.shape[0] != len(self.texts):
                raise DataError(
                    f"{self.name}: target has {self.target.shape[0]} values, "
                    f"expected {len(self.texts)}"
                )

    def __len__(self) -> int:
        return len(self.texts)

    def class_counts(self) -> dict[int, int]:
        """Number of texts per label, {-1: ..., +1: ...}."""
        return {label: int((self.labels == label).sum()) for label in (-1, 1)}

    def take(self, index) -> TextDataset:
        """The rows at ``index`` (an integer array), in that order."""
        index = np.asarray(index, dtype=np.int64)
        return TextDataset(
            texts=[self.texts[i] for i in index],
            labels=self.labels[index],
            target=None if self.target is None else self.target[index],
            name=self.name,
            ids=[self.ids[i] for i in index],
        )

    def subsample(self, n: int, seed: int = 0) -> TextDataset:
        """A seeded, class-balanced sample of n texts: n // 2 per class, +1 gets any odd one.

        Exact Lasso dictionaries grow fast with n, hence small balanced samples.
        """
        counts = self.class_counts()
        need = {1: n - n // 2, -1: n // 2}
        if n < 2:
            raise DataError(f"{self.name}: subsample size n must be at least 2, got {n}")
        if any(need[label] > counts[label] for label in need):
            most = 2 * min(counts.values()) + (counts[1] > counts[-1])
            raise DataError(
                f"{self.name}: n={n} is larger than the data allow for a balanced sample "
                f"({counts[1]} positive, {counts[-1]} negative texts); use n <= {most}"
            )
        rng = np.random.default_rng(seed)
        chosen = [
            rng.choice(np.flatnonzero(self.labels == label), need[label], replace=False)
            for label in (-1, 1)
        ]
        return self.take(np.sort(np.concatenate(chosen)))

    def train_test_split(
        self, test_fraction: float = 0.25, seed: int = 0
    ) -> tuple[TextDataset, TextDataset]:
        """A seeded split stratified by label: (train, test)."""
        from sklearn.model_selection import train_test_split

        if not 0.0 < test_fraction < 1.0:
            raise DataError(f"{self.name}: test_fraction must be in (0, 1), got {test_fraction}")
        counts = self.class_counts()
        if min(counts.values()) < 2:
            raise DataError(
                f"{self.name}: a stratified split needs at least 2 texts per class, have {counts}"
            )
        try:
            train, test = train_test_split(
                np.arange(len(self)),
                test_size=test_fraction,
                random_state=seed,
                stratify=self.labels,
            )
        except ValueError as error:  # e.g. a test fraction too small to hold both classes
            raise DataError(
                f"{self.name}: cannot split {counts} with test_fraction={test_fraction}: {error}"
            ) from error
        return self.take(np.sort(train)), self.take(np.sort(test))


def load_dataset(name: str, *, n: int | None = None, seed: int = 0, **options) -> TextDataset:
    """Load a text data set by name: "vader", "imdb" or "texts".

    ``n`` draws a seeded balanced subsample of that size; the other options go to the
    loader (see :func:`load_vader`, :func:`load_imdb`, :func:`load_texts`).
    """
    if name not in DATASETS:
        raise DataError(f"unknown dataset {name!r}; known datasets: {', '.join(sorted(DATASETS))}")
    loader = DATASETS[name]
    allowed = set(inspect.signature(loader).parameters)
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise DataError(
            f"dataset {name!r} has no option(s) {unknown}; "
            f"its options are {sorted(allowed)} plus n and seed"
        )
    data = loader(**options)
    return data if n is None else data.subsample(n, seed=seed)


# --- VADER -----------------------------------------------------------------------------


def vader_lexicon_path() -> Path:
    """The lexicon file shipped inside the installed ``vadersentiment`` package."""
    path = Path(str(resources.files("vaderSentiment") / "vader_lexicon.txt"))
    if not path.is_file():
        raise FileNotFoundError(f"VADER lexicon not found at {path}; reinstall vadersentiment")
    return path


def load_vader(path: str | os.PathLike | None = None, margin: float = 0.5) -> TextDataset:
    """The VADER sentiment lexicon: words and emoticons with a mean human rating in [-4, 4].

    label = sign of the mean rating, target = the rating. Near-neutral entries, with
    |rating| < margin (and rating 0 always), are dropped. ``path`` defaults to the lexicon
    inside the ``vadersentiment`` package (tab-separated: token, mean, std, ratings).
    """
    if margin < 0:
        raise DataError(f"vader: margin must be >= 0, got {margin}")
    path = Path(path) if path is not None else vader_lexicon_path()
    words, ratings = [], []
    for number, line in enumerate(_read_utf8(path).splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        try:
            word, rating = fields[0].strip(), float(fields[1])
        except (IndexError, ValueError) as error:
            raise DataError(
                f"{path}:{number}: expected 'token<TAB>mean rating', got {line[:60]!r}"
            ) from error
        words.append(word)
        ratings.append(rating)
    ratings = np.asarray(ratings)
    keep = (np.abs(ratings) >= margin) & (ratings != 0)
    if not keep.any():
        raise DataError(f"{path}: no entry has |rating| >= margin={margin}; lower the margin")
    kept_words = [w for w, k in zip(words, keep, strict=True) if k]
    return TextDataset(
        texts=kept_words,
        labels=np.sign(ratings[keep]),
        target=ratings[keep],
        name="vader",
        ids=kept_words,
    )


# --- IMDB ------------------------------------------------------------------------------


def load_imdb(
    path: str | os.PathLike | None = None,
    split: str = "train",
    download: bool = False,
    url: str = IMDB_URL,
    md5: str = IMDB_MD5,
) -> TextDataset:
    """The Large Movie Review Dataset (Maas et al. 2011), the paper's text data.

    ``path``: the ``aclImdb_v1.tar.gz`` archive (read in one streaming pass, nothing
    unpacked) or its unpacked ``aclImdb`` folder. ``split``: "train" or "test". label: pos
    = +1, neg = -1; target: the star rating (1-4 or 7-10) from the file name. ``download``:
    fetch the archive to ``path`` first when it is missing (needs the network; the MD5
    checksum is verified). HTML line breaks ``<br />`` are turned into spaces.
    """
    if split not in IMDB_SPLITS:
        raise DataError(f"imdb: split must be one of {IMDB_SPLITS}, got {split!r}")
    if path is None:
        raise DataError(
            "imdb: no path given; pass path=<aclImdb_v1.tar.gz or aclImdb folder> "
            "(workflow config key text.options.path); get the archive from "
            f"{IMDB_URL}, or also pass download=True where the network allows"
        )
    path = Path(path).expanduser()
    if not path.exists():
        if not download:
            raise FileNotFoundError(
                f"imdb: {path} does not exist; download {IMDB_URL} to that path "
                "or point path (workflow config key text.options.path) at the archive or the "
                "unpacked aclImdb folder, or pass download=True where the network allows"
            )
        download_file(url, path, md5)
    reviews = _imdb_from_folder(path, split) if path.is_dir() else _imdb_from_tar(path, split)
    if not reviews:
        raise DataError(
            f"imdb: no {split}/pos or {split}/neg reviews found in {path}; "
            "is it the aclImdb_v1 archive or folder?"
        )
    reviews.sort(key=lambda r: (r[0], int(r[1])))  # archive order differs between copies
    return TextDataset(
        texts=[text.replace("<br />", " ") for *_, text in reviews],
        labels=[1 if label == "pos" else -1 for label, *_ in reviews],
        target=[stars for _, _, stars, _ in reviews],
        name="imdb",
        ids=[f"{split}/{label}/{review_id}_{stars}" for label, review_id, stars, _ in reviews],
    )


def _imdb_from_tar(path: Path, split: str) -> list[tuple[str, str, int, str]]:
    reviews = []
    try:
        with tarfile.open(path, mode="r|*") as archive:  # streaming: one pass, no seeking
            for member in archive:
                match = _IMDB_MEMBER.search(member.name)
                if not (member.isfile() and match and match.group(1) == split):
                    continue
                raw = archive.extractfile(member).read()
                text = _decode_utf8(raw, f"{path}:{member.name}")
                reviews.append((match.group(2), match.group(3), int(match.group(4)), text))
    except tarfile.TarError as error:
        raise DataError(
            f"imdb: {path} is not a readable tar archive ({error}); re-download {IMDB_URL}"
        ) from error
    return reviews


def _imdb_from_folder(path: Path, split: str) -> list[tuple[str, str, int, str]]:
    root = path / "aclImdb" if (path / "aclImdb").is_dir() else path
    reviews = []
    for label in ("pos", "neg"):
        for file in (root / split / label).glob("*.txt"):
            match = _IMDB_MEMBER.search(file.as_posix())
            if match:
                reviews.append((label, match.group(3), int(match.group(4)), _read_utf8(file)))
    return reviews


def download_file(url: str, destination: str | os.PathLike, md5: str) -> Path:
    """Download ``url`` to ``destination`` via a temporary file, kept only if the MD5 matches."""
    destination = Path(destination)

    def fetch(out) -> None:
        digest = hashlib.md5()
        with urllib.request.urlopen(url, timeout=60) as response:
            while chunk := response.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != md5:
            raise DataError(
                f"download of {url} has MD5 {digest.hexdigest()}, expected {md5}; "
                "the file was discarded; retry, or download it by hand"
            )

    try:
        write_atomic(destination, fetch)
    except OSError as error:  # URLError is an OSError: no network, DNS, HTTP errors
        raise DataError(
            f"could not download {url} ({error}); without network access, "
            f"copy the file to {destination} by hand"
        ) from error
    return destination


# --- own files -------------------------------------------------------------------------


def load_texts(
    path: str | os.PathLike,
    text_column: str = "text",
    label_column: str = "label",
    target_column: str | None = None,
    positive: str | int | None = None,
) -> TextDataset:
    """Texts and labels from a CSV (UTF-8) or parquet file.

    The label column must hold exactly two classes; ``positive`` names the one mapped to +1
    (default: the larger in sorted order, e.g. 1 of {0, 1}, "pos" of {"neg", "pos"}).
    ``target_column`` (optional) gives a real-valued target.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"texts: file not found: {path}")
    if path.suffix.lower() == ".csv":
        try:
            frame = pd.read_csv(path, encoding="utf-8", encoding_errors="strict")
        except UnicodeDecodeError as error:
            raise DataError(
                f"{path}: not valid UTF-8 ({error}); re-save the file as UTF-8"
            ) from error
    elif path.suffix.lower() in (".parquet", ".pq"):
        frame = pd.read_parquet(path)
    else:
        raise DataError(f"{path}: unsupported format {path.suffix!r}; use .csv or .parquet")
    columns = [text_column, label_column] + ([target_column] if target_column else [])
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"{path}: no column(s) {missing}; found {list(frame.columns)} "
            "(set text_column / label_column / target_column)"
        )
    texts = [_as_text(value, f"{path} row {row}") for row, value in enumerate(frame[text_column])]
    labels = _two_class_labels(frame[label_column], positive, f"{path} column {label_column!r}")
    target = None if target_column is None else frame[target_column].to_numpy(float)
    return TextDataset(
        texts=texts,
        labels=labels,
        target=target,
        name=path.stem,
        ids=[str(i) for i in range(len(texts))],
    )


def _two_class_labels(values, positive, where: str) -> np.ndarray:
    if values.isna().any():
        raise DataError(
            f"{where}: missing labels in rows {list(np.flatnonzero(values.isna()))[:10]}"
        )
    classes = sorted(values.unique().tolist())
    if len(classes) != 2:
        raise DataError(
            f"{where}: need exactly two label classes, found {len(classes)}: "
            f"{classes[:10]}; filter the rows or pick another label column"
        )
    if positive is None:
        positive = classes[1]
    if positive not in classes:
        raise DataError(f"{where}: positive={positive!r} is not one of the classes {classes}")
    return np.where(values.to_numpy() == positive, 1, -1)


# --- shared checks -----------------------------------------------------------------------


def _read_utf8(path: Path) -> str:
    return _decode_utf8(path.read_bytes(), str(path))


def _decode_utf8(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DataError(
            f"{where}: not valid UTF-8 ({error}); re-encode the text as UTF-8"
        ) from error


def _as_text(value, where: str) -> str:
    if isinstance(value, bytes):
        return _decode_utf8(value, where)
    if not isinstance(value, str):
        raise DataError(f"{where}: expected a text, got {value!r}")
    return value


DATASETS: dict[str, Callable[..., TextDataset]] = {
    "vader": load_vader,
    "imdb": load_imdb,
    "texts": load_texts,
}
