"""Text data sets on tiny fixtures written by the tests themselves (no network)."""

from __future__ import annotations

import hashlib
import io
import tarfile

import numpy as np
import pandas as pd
import pytest

from reflasso.datasets import TextDataset, load_dataset
from reflasso.io import DataError

# (split, label, id, stars, text): the aclImdb_v1 layout aclImdb/<split>/<label>/<id>_<stars>.txt
REVIEWS = [
    ("train", "pos", 0, 9, "A wonderful film.<br /><br />Loved it."),
    ("train", "pos", 1, 7, "Good acting, fine story."),
    ("train", "pos", 2, 10, "Best movie of the year."),
    ("train", "neg", 0, 2, "Dull and far too long."),
    ("train", "neg", 1, 1, "A waste of time."),
    ("train", "neg", 2, 4, "Not funny at all."),
    ("test", "pos", 0, 8, "Charming and clever."),
    ("test", "neg", 0, 3, "Boring plot."),
]


def _imdb_members(reviews=REVIEWS, broken: bytes | None = None) -> dict[str, bytes]:
    members = {
        f"aclImdb/{s}/{lab}/{i}_{stars}.txt": text.encode() for s, lab, i, stars, text in reviews
    }
    members["aclImdb/README"] = b"Large Movie Review Dataset"
    members["aclImdb/train/unsup/0_0.txt"] = b"unlabelled review, must be skipped"
    if broken is not None:
        members["aclImdb/train/neg/9_1.txt"] = broken
    return members


def _write_tar(path, members: dict[str, bytes]):
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def imdb_archive(tmp_path):
    return _write_tar(tmp_path / "aclImdb_v1.tar.gz", _imdb_members())


def test_vader_tiny_lexicon_labels_targets_and_margin(tmp_path):
    lexicon = tmp_path / "lexicon.txt"
    # the real file's format: token, mean, std, raw ratings; CRLF line ends
    lexicon.write_bytes(
        b"good\t1.9\t0.9\t[2, 2]\r\nbad\t-2.5\t0.6\t[-2, -3]\r\nmeh\t-0.3\t0.5\t[0, -1]\r\n"
        b":)\t2.0\t1.1\t[2, 2]\r\nzero\t0.0\t0.0\t[0, 0]\r\n"
    )
    data = load_dataset("vader", path=lexicon, margin=0.5)
    assert data.texts == ["good", "bad", ":)"]
    np.testing.assert_array_equal(data.labels, [1, -1, 1])
    np.testing.assert_array_equal(data.target, [1.9, -2.5, 2.0])
    # margin 0 keeps weak words but never a rating of exactly 0 (it has no sign)
    assert load_dataset("vader", path=lexicon, margin=0).texts == ["good", "bad", "meh", ":)"]


def test_vader_shipped_lexicon_loads():
    data = load_dataset("vader")
    counts = data.class_counts()
    # the package ships about 7,500 entries; the default margin drops the near-neutral ones
    assert 5000 < len(data) < 7600 and min(counts.values()) > 1000
    assert np.all(np.abs(data.target) >= 0.5)
    np.testing.assert_array_equal(data.labels, np.sign(data.target))


def test_vader_bad_margin_and_bad_line(tmp_path):
    with pytest.raises(DataError, match="margin"):
        load_dataset("vader", margin=-1)
    lexicon = tmp_path / "lexicon.txt"
    lexicon.write_text("good\tnot-a-number\n")
    with pytest.raises(DataError, match="lexicon.txt:1"):
        load_dataset("vader", path=lexicon)


def test_imdb_from_archive(imdb_archive):
    train = load_dataset("imdb", path=imdb_archive, split="train")
    assert len(train) == 6 and train.class_counts() == {-1: 3, 1: 3}
    by_id = dict(zip(train.ids, range(len(train)), strict=True))
    first = by_id["train/pos/0_9"]
    assert train.texts[first] == "A wonderful film.  Loved it."  # <br /> became spaces
    assert train.labels[first] == 1 and train.target[first] == 9
    assert train.labels[by_id["train/neg/1_1"]] == -1
    test = load_dataset("imdb", path=imdb_archive, split="test")
    assert sorted(test.texts) == ["Boring plot.", "Charming and clever."]


def test_imdb_folder_matches_archive(imdb_archive, tmp_path):
    with tarfile.open(imdb_archive) as archive:
        archive.extractall(tmp_path / "unpacked", filter="data")
    from_tar = load_dataset("imdb", path=imdb_archive)
    for folder in (tmp_path / "unpacked", tmp_path / "unpacked" / "aclImdb"):
        from_folder = load_dataset("imdb", path=folder)
        assert from_folder.ids == from_tar.ids and from_folder.texts == from_tar.texts
        np.testing.assert_array_equal(from_folder.labels, from_tar.labels)


def test_imdb_missing_archive_says_how_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="download"):
        load_dataset("imdb", path=tmp_path / "nope.tar.gz")
    with pytest.raises(DataError, match="path="):
        load_dataset("imdb")
    with pytest.raises(DataError, match="split"):
        load_dataset("imdb", path=tmp_path, split="dev")


def test_imdb_non_utf8_review_is_named(tmp_path):
    archive = _write_tar(tmp_path / "a.tar.gz", _imdb_members(broken=b"caf\xe9 \xff"))
    with pytest.raises(DataError, match=r"9_1\.txt.*UTF-8"):
        load_dataset("imdb", path=archive)


def test_imdb_download_checks_md5(tmp_path, imdb_archive):
    # a file:// URL exercises the download path without any network
    url = imdb_archive.as_uri()
    target = tmp_path / "fetched" / "aclImdb_v1.tar.gz"
    with pytest.raises(DataError, match="MD5"):
        load_dataset("imdb", path=target, download=True, url=url, md5="0" * 32)
    assert not target.exists() and not any(target.parent.iterdir())  # nothing half-written
    md5 = hashlib.md5(imdb_archive.read_bytes()).hexdigest()
    data = load_dataset("imdb", path=target, download=True, url=url, md5=md5)
    assert len(data) == 6 and target.exists()
    with pytest.raises(DataError, match="could not download"):
        load_dataset(
            "imdb",
            path=tmp_path / "x.tar.gz",
            download=True,
            url=(tmp_path / "missing.tar.gz").as_uri(),
        )


def test_texts_csv_and_parquet(tmp_path):
    frame = pd.DataFrame(
        {
            "review": ["nice", "awful", "great", "poor"],
            "sentiment": ["pos", "neg", "pos", "neg"],
            "score": [0.9, 0.1, 0.8, 0.2],
        }
    )
    frame.to_csv(tmp_path / "mine.csv", index=False)
    data = load_dataset(
        "texts",
        path=tmp_path / "mine.csv",
        text_column="review",
        label_column="sentiment",
        target_column="score",
    )
    assert data.texts == ["nice", "awful", "great", "poor"]
    np.testing.assert_array_equal(data.labels, [1, -1, 1, -1])  # "pos" sorts after "neg"
    np.testing.assert_array_equal(data.target, [0.9, 0.1, 0.8, 0.2])
    frame.assign(sentiment=[0, 1, 0, 1]).to_parquet(tmp_path / "mine.parquet")
    flipped = load_dataset(
        "texts",
        path=tmp_path / "mine.parquet",
        text_column="review",
        label_column="sentiment",
        positive=0,
    )
    np.testing.assert_array_equal(flipped.labels, [1, -1, 1, -1])


def test_texts_bad_inputs(tmp_path):
    three = tmp_path / "three.csv"
    pd.DataFrame({"text": ["a", "b", "c"], "label": ["x", "y", "z"]}).to_csv(three, index=False)
    with pytest.raises(DataError, match="exactly two label classes, found 3"):
        load_dataset("texts", path=three)
    one = tmp_path / "one.csv"
    pd.DataFrame({"text": ["a", "b"], "label": [1, 1]}).to_csv(one, index=False)
    with pytest.raises(DataError, match="exactly two label classes, found 1"):
        load_dataset("texts", path=one)
    empty = tmp_path / "empty.csv"
    empty.write_text('text,label\nfine,1\n" ",0\n')
    with pytest.raises(DataError, match="empty"):
        load_dataset("texts", path=empty)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("text,label\ncafé,1\nthé,0\n".encode("latin-1"))
    with pytest.raises(DataError, match="latin.csv.*UTF-8"):
        load_dataset("texts", path=latin)
    with pytest.raises(DataError, match="no column"):
        load_dataset("texts", path=one, text_column="body")
    with pytest.raises(FileNotFoundError):
        load_dataset("texts", path=tmp_path / "missing.csv")


def test_unknown_dataset_and_option():
    with pytest.raises(DataError, match="imdb, texts, vader"):
        load_dataset("sst2")
    with pytest.raises(DataError, match="margin"):
        load_dataset("vader", margn=1.0)


def _toy(n_pos: int, n_neg: int) -> TextDataset:
    labels = [1] * n_pos + [-1] * n_neg
    return TextDataset([f"text {i}" for i in range(len(labels))], labels, name="toy")


def test_subsample_is_balanced_seeded_and_checked():
    data = _toy(30, 50)
    sample = data.subsample(20, seed=3)
    assert sample.class_counts() == {-1: 10, 1: 10}
    assert sample.ids == data.subsample(20, seed=3).ids
    assert sample.ids != data.subsample(20, seed=4).ids  # C(30,10)*C(50,10): never equal
    assert set(sample.texts) <= set(data.texts)
    with pytest.raises(DataError, match="n <= 60"):
        data.subsample(61)
    assert load_dataset("vader", n=12, seed=0).class_counts() == {-1: 6, 1: 6}


def test_train_test_split_is_stratified_disjoint_and_seeded():
    data = _toy(40, 60)
    train, test = data.train_test_split(0.25, seed=1)
    assert test.class_counts() == {-1: 15, 1: 10}  # stratified: 25 % of each class
    assert set(train.ids).isdisjoint(test.ids) and len(train) + len(test) == len(data)
    assert train.ids == data.train_test_split(0.25, seed=1)[0].ids
    with pytest.raises(DataError, match="test_fraction"):
        data.train_test_split(1.5)


def test_dataset_rejects_empty_texts_and_bad_labels():
    with pytest.raises(DataError, match="no texts"):
        TextDataset([], [])
    with pytest.raises(DataError, match="empty"):
        TextDataset(["ok", ""], [1, -1])
    with pytest.raises(DataError, match="-1 or \\+1"):
        TextDataset(["a", "b"], [0, 1])
