"""The pricing oracle (reflasso.pricing.price): the exact maximum of |lambda . g(X)| over
the whole exact dictionary, without storing it."""

import numpy as np
import pytest

from reflasso.chains import evaluate_unit_chains
from reflasso.dictionary import build_dictionary, chain_meaning
from reflasso.pricing import price

# (d, depth, n): every depth 2..5 in d = 1..3, n as large as the brute force (building
# and evaluating every column of the exact dictionary) allows in about a second.
CASES = [
    (1, 2, 9),
    (1, 3, 8),
    (1, 4, 6),
    (1, 5, 4),
    (2, 2, 8),
    (2, 3, 6),
    (2, 4, 4),
    (2, 5, 3),
    (3, 2, 7),
    (3, 3, 4),
    (3, 4, 3),
    (3, 5, 2),
]


def problem(n, d, seed):
    rng = np.random.default_rng(seed)
    X = 3.0 * rng.normal(size=(n, d)) + 5.0  # off-centre: exercises the unit coordinates
    lam = rng.normal(size=n)
    return X, lam - lam.mean()


@pytest.mark.parametrize(("d", "depth", "n"), CASES)
@pytest.mark.parametrize("method", ["streaming", "auto"])
def test_oracle_max_equals_brute_force(d, depth, n, method):
    X, lam = problem(n, d, seed=10 * d + depth)
    dictionary = build_dictionary(X, depth, "exact")
    brute = np.abs(dictionary.evaluate(X).T @ lam).max()
    priced = price(X, lam, depth, 5, method=method)
    # both are sums of n products of O(1) numbers: agreement to rounding (1e-15
    # relative) up to the different summation order and coordinate map, so 1e-10
    assert priced.max_score == pytest.approx(brute, rel=1e-10)
    # the returned chains are real unit chains with the scores claimed, best first
    direct = np.abs(evaluate_unit_chains(X, priced.W, priced.b1, priced.C).T @ lam)
    assert np.allclose(direct, priced.scores, rtol=1e-9, atol=0)
    assert priced.scores[0] == pytest.approx(priced.max_score, rel=1e-10)
    assert np.all(np.diff(priced.scores) <= 0)
    assert np.allclose(np.abs(priced.W).sum(axis=1), 1.0) and np.all(priced.C >= 0)


def test_residual_is_centred_and_copies_merge():
    X, lam = problem(7, 1, seed=3)
    shifted = price(X, lam + 10.0, 3, 1, method="streaming").max_score
    assert shifted == pytest.approx(price(X, lam, 3, 1, method="streaming").max_score, rel=1e-12)
    # a duplicated point with its lambda split in two gives the same maximum
    X2, lam2 = np.vstack([X, X[:1]]), np.append(lam, 0.0)
    lam2[0], lam2[-1] = lam[0] / 2, lam[0] / 2
    assert price(X2, lam2, 3, 1, method="streaming").max_score == pytest.approx(
        price(X, lam, 3, 1, method="streaming").max_score, rel=1e-12
    )


def test_near_copies_are_dropped():
    X, lam = problem(8, 1, seed=5)
    priced = price(X, lam, 3, 30, method="streaming")
    columns = evaluate_unit_chains(X, priced.W, priced.b1, priced.C)
    columns -= columns.mean(axis=0)
    columns /= np.linalg.norm(columns, axis=0)
    cosine = np.abs(columns.T @ columns) - np.eye(len(priced.scores))
    assert cosine.max() <= 0.999 + 1e-12


def test_chunks_do_not_change_the_answer():
    # a chunk of 256 subsets (the minimum) against one big chunk: same maximum and chains
    X, lam = problem(6, 2, seed=7)
    small = price(X, lam, 3, 5, method="streaming", chunk_bytes=1)
    large = price(X, lam, 3, 5, method="streaming", chunk_bytes=1e9)
    assert small.max_score == large.max_score
    assert np.allclose(small.scores, large.scores, rtol=1e-12)


def test_bad_arguments_are_named():
    X, lam = problem(5, 1, seed=1)
    with pytest.raises(ValueError, match="method"):
        price(X, lam, 3, 1, method="bogus")
    with pytest.raises(ValueError, match="residual"):
        price(X, lam[:-1], 3, 1)
    with pytest.raises(ValueError, match="structured"):
        price(np.hstack([X, X**2]), lam, 3, 1, method="structured")


def test_meaning_of_chains_matches_the_dictionary():
    # chain_meaning recovers the defining rows of enumerated vertices (degenerate
    # vertices satisfy more rows than needed, so some may name another valid set)
    X, _ = problem(6, 2, seed=11)
    dictionary = build_dictionary(X, 3, "exact")
    meaning = chain_meaning(X, 3, dictionary.W, dictionary.b1, dictionary.C)
    assert meaning["vertex_residual"].max() <= 1e-9
    columns = [c for c in dictionary.meaning.columns if c != "vertex_sign"]
    same = (meaning[columns].to_numpy() == dictionary.meaning[columns].to_numpy()).all(axis=1)
    assert same.mean() >= 0.8
    assert (meaning["order"] == dictionary.meaning["order"]).all()


@pytest.mark.gpu
def test_cuda_oracle_equals_cpu():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    X, lam = problem(8, 2, seed=2)
    cpu = price(X, lam, 3, 5, method="streaming", device="cpu")
    gpu = price(X, lam, 3, 5, method="streaming", device="cuda")
    assert gpu.max_score == pytest.approx(cpu.max_score, rel=1e-12)
