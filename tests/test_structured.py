"""Structured exact pricing (reflasso.structured) against brute force.

Tolerances: the structured maximum and the maximum over the materialised exact
dictionary are both exact, so they differ by rounding only; on unit-spread data that is
~1e-15 relative, and we allow 1e-9.  A returned chain's score is recomputed with
``evaluate_unit_chains``, so it matches direct evaluation to 1e-12 relative.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reflasso import structured
from reflasso.certificate import random_unit_chains
from reflasso.chains import evaluate_unit_chains
from reflasso.dictionary import build_dictionary
from reflasso.structured import price_depth2, price_line, supports

EXACT = 1e-9  # relative: two exact maxima, rounding apart
DIRECT = 1e-12  # relative: a returned score against direct evaluation


def price(X, lam, depth, count=5):
    return price_depth2(X, lam, count) if depth == 2 else price_line(X, lam, depth, count)


def dictionary_max(X, lam, depth):
    dictionary = build_dictionary(X, depth, "exact", max_bytes=4e9)
    return float(np.abs(dictionary.evaluate(X).T @ lam).max())


def dual(rng, n):
    lam = rng.normal(size=n)
    return lam - lam.mean()


def check_chains(X, lam, result, depth):
    """Returned chains are unit chains whose scores are their direct scores, sorted."""
    W, b1, C = result.W, result.b1, result.C
    assert W.shape[1] == X.shape[1] and C.shape == (len(b1), depth - 2)
    np.testing.assert_allclose(np.abs(W).sum(axis=1), 1.0, rtol=1e-12)
    assert (C >= 0).all()
    direct = np.abs(evaluate_unit_chains(X, W, b1, C).T @ lam)
    np.testing.assert_allclose(result.scores, direct, rtol=DIRECT, atol=DIRECT)
    assert (np.diff(result.scores) <= 0).all()
    assert result.max_score == pytest.approx(result.scores[0], rel=DIRECT)


CASES = [(2, 1, 10), (3, 1, 10), (4, 1, 7), (2, 2, 9), (2, 3, 6)]


@pytest.mark.parametrize(("depth", "d", "n"), CASES)
@pytest.mark.parametrize("seed", range(4))
def test_maximum_equals_the_exact_dictionary(depth, d, n, seed):
    rng = np.random.default_rng(1000 * depth + 100 * d + seed)
    X = rng.normal(size=(n, d))
    lam = dual(rng, n)
    result = price(X, lam, depth)
    assert result.max_score == pytest.approx(dictionary_max(X, lam, depth), rel=EXACT)
    check_chains(X, lam, result, depth)


@pytest.mark.parametrize(("depth", "d", "n"), CASES)
def test_no_random_chain_beats_the_maximum(depth, d, n):
    rng = np.random.default_rng(7 * depth + d)
    X = rng.normal(size=(n, d))
    lam = dual(rng, n)
    result = price(X, lam, depth)
    W, b1, C = random_unit_chains(X, depth, 20_000, rng)
    scores = np.abs(evaluate_unit_chains(X, W, b1, C).T @ lam)
    assert scores.max() <= result.max_score * (1 + EXACT)


@pytest.mark.parametrize(("depth", "d"), [(2, 1), (3, 1), (4, 1), (2, 2), (2, 3)])
def test_ties_duplicates_and_far_data(depth, d):
    """Grid data with repeated points (merged, lambda summed), collinear points in 2-D
    and 3-D, shifted far from the origin (1e3: brute force loses ~3 digits there)."""
    rng = np.random.default_rng(depth + 10 * d)
    n = 8 if depth < 4 else 7
    X = rng.integers(-2, 3, size=(n, d)).astype(float)
    X[1] = X[0]  # an exact duplicate
    if d >= 2:
        X[2:5] = X[0] + np.outer([1.0, 2.0, 3.0], np.ones(d))  # collinear with X[0]
    X = X + 1e3
    lam = dual(rng, n)
    result = price(X, lam, depth)
    assert result.max_score == pytest.approx(dictionary_max(X, lam, depth), rel=EXACT)
    check_chains(X, lam, result, depth)


@pytest.mark.parametrize(("depth", "d"), [(2, 1), (3, 1), (4, 1), (2, 2)])
def test_count_beyond_the_number_of_chains(depth, d):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(3, d))
    lam = dual(rng, 3)
    result = price(X, lam, depth, count=10_000)
    assert 1 <= len(result.scores) < 10_000
    keys = np.round(np.column_stack([result.W, result.b1, result.C]), 9)
    assert len(np.unique(keys, axis=0)) == len(keys)  # no chain twice
    check_chains(X, lam, result, depth)


def test_all_points_identical_score_zero():
    result = price_line(np.ones((4, 1)), np.array([1.0, -1.0, 2.0, -2.0]), 3, 5)
    assert result.max_score == 0.0


def test_residual_is_centred():
    """1.lambda = 0 for a dual vector; a residual with a mean is centred first."""
    rng = np.random.default_rng(2)
    X, lam = rng.normal(size=(6, 1)), dual(rng, 6)
    assert price_line(X, lam + 3.0, 3, 1).max_score == pytest.approx(
        price_line(X, lam, 3, 1).max_score, rel=1e-12
    )


def test_supported_cases_and_errors():
    assert supports(1, 2) and supports(1, 3) and supports(1, 4)
    assert supports(2, 2) and supports(5, 2)
    assert not supports(1, 5) and not supports(2, 3)
    X = np.arange(4.0)[:, None]
    with pytest.raises(NotImplementedError, match="depth 5"):
        price_line(X, np.array([1.0, -1, 1, -1]), 5, 1)
    with pytest.raises(NotImplementedError, match="one-dimensional"):
        price_line(np.ones((4, 2)), np.zeros(4), 3, 1)
    with pytest.raises(ValueError, match="residual"):
        price_line(X, np.zeros(3), 3, 1)


@settings(max_examples=25, deadline=None)
@given(
    points=st.lists(st.integers(-6, 6), min_size=3, max_size=9),
    seed=st.integers(0, 2**16),
    depth=st.sampled_from([2, 3, 4]),
    shift=st.floats(-50, 50),
    stretch=st.floats(0.1, 10),
)
def test_invariant_under_affine_maps_of_the_line(points, seed, depth, shift, stretch):
    """x -> shift + stretch*x scales every unit chain's values by stretch (chains map
    to chains), and x -> -x maps chains to chains: the maximum follows exactly."""
    X = np.array(points, dtype=float)[:, None]
    lam = dual(np.random.default_rng(seed), len(X))
    base = price_line(X, lam, depth, 1).max_score
    moved = price_line(shift + stretch * X, lam, depth, 1).max_score
    mirrored = price_line(-X, lam, depth, 1).max_score
    assert moved == pytest.approx(stretch * base, rel=1e-9, abs=1e-12)
    assert mirrored == pytest.approx(base, rel=1e-9, abs=1e-12)


def test_depth4_vertex_fixed_by_three_kinks_jointly():
    """A case (found by search) whose best depth-4 chain has no data point at its centre
    a nor two data points symmetric about a: a is fixed by two kink points and one
    boundary together.  Without that family the maximum found would be 17.5, not 18.0."""
    X = np.array([-14.0, -10.0, -6.0, -5.0, -1.0, 13.0])[:, None]
    lam = np.array([-0.442, -0.386, 1.646, -0.781, -0.986, 0.95])
    lam -= lam.mean()
    result = price_line(X, lam, 4, 3)
    assert result.max_score == pytest.approx(dictionary_max(X, lam, 4), rel=EXACT)
    a = -result.b1[0]
    x = X[:, 0]
    assert np.abs(x - a).min() > 1e-6  # no data point at the centre
    assert np.abs((x[:, None] + x[None, :]) / 2 - a).min() > 1e-6  # nor a symmetric pair
    check_chains(X, lam, result, 4)


@pytest.mark.parametrize(
    ("depth", "d", "n"), [(2, 1, 9), (3, 1, 9), (4, 1, 9), (2, 2, 8), (2, 3, 6)]
)
def test_every_candidate_is_scored_as_its_chain(monkeypatch, depth, d, n):
    """Every candidate of every family (not only the winners) gets the score of the chain
    it stands for: a formula slip in a family that rarely wins would otherwise go
    unnoticed.  Checked in the unit coordinates the families work in, to 1e-12.
    KEEP_ALL makes the depth-4 kernels return every candidate they score (at least
    the anchored family's m (m^2 + m(m-1)/2) for m distinct points)."""
    seen = []
    original = structured._Best.offer

    def spy(self, scores, columns, valid=None, convert=None):
        scores = np.asarray(scores, dtype=float)
        keep = np.ones(scores.shape, bool) if valid is None else valid
        params = np.stack([np.broadcast_to(c, scores.shape)[keep] for c in columns], axis=-1)
        seen.append((scores[keep], params if convert is None else convert(params)))
        original(self, scores, columns, valid, convert)

    monkeypatch.setattr(structured._Best, "offer", spy)
    monkeypatch.setattr(structured._Best, "KEEP_ALL", True)  # the kernels drop nothing
    rng = np.random.default_rng(depth + 3 * d)
    X = np.round(rng.normal(size=(n, d)), 1)  # rounding makes ties likely
    lam = dual(rng, n)
    price(X, lam, depth)
    points, weights, _, _ = structured._merged(X, lam)
    scores = np.concatenate([s for s, _ in seen])
    params = np.concatenate([p for _, p in seen])
    if depth == 4:
        m = len(points)
        assert len(scores) >= m * (m * m + m * (m - 1) // 2)
    if d == 1:
        W, b1, C = np.ones((len(params), 1)), -params[:, 0], params[:, 1:]
    else:
        W, b1, C = params[:, :d], params[:, d], np.zeros((len(params), 0))
    assert (C >= 0).all()
    np.testing.assert_allclose(np.abs(W).sum(axis=1), 1.0, rtol=1e-12)
    direct = evaluate_unit_chains(points, W, b1, C).T @ weights
    np.testing.assert_allclose(np.abs(scores), np.abs(direct), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("d", [2, 3])
def test_data_of_lower_dimension(d):
    """Points on a line in 2-D (the 'simulated' experiment: second coordinate zero) or
    on a plane in 3-D: frames with dependent vectors are skipped, nothing else changes."""
    rng = np.random.default_rng(40 + d)
    t = rng.normal(size=(8, d - 1))
    X = np.column_stack([t, np.zeros(8) if d == 2 else t.sum(axis=1)])
    lam = dual(rng, 8)
    result = price_depth2(X, lam, 5)
    assert result.max_score == pytest.approx(dictionary_max(X, lam, 2), rel=EXACT)
    check_chains(X, lam, result, 2)


def test_depth3_kernel_keeps_each_rows_best():
    """The compiled depth-3 kernel's row bests are the maxima of their rows, checked
    against every row's chains evaluated directly: row r holds the chains centred at
    u_r (radius |u_k - u_r|), row n + r the pairs {u_r, u_k}, k > r, around their
    midpoint (none for the last point)."""
    from reflasso import line_kernels

    rng = np.random.default_rng(7)
    n = 12
    u = np.sort(rng.uniform(-1, 1, n))
    lam = dual(rng, n)
    scores, _, rows = line_kernels.depth3_candidates(u, lam, 10**9)
    assert len(scores) == n * n + n * (n - 1) // 2  # keep beyond the count: all of them

    def best(centres, radii):
        W, b1 = np.ones((len(centres), 1)), -np.asarray(centres)
        return np.abs(evaluate_unit_chains(u[:, None], W, b1, np.c_[radii]).T @ lam).max()

    for r in range(n):
        assert rows[r, 0] == pytest.approx(best(np.full(n, u[r]), np.abs(u - u[r])), rel=DIRECT)
        right = u[r + 1 :]
        expected = best((u[r] + right) / 2, (right - u[r]) / 2) if len(right) else -1.0
        assert rows[n + r, 0] == pytest.approx(expected, rel=DIRECT)


@pytest.mark.parametrize("depth", [3, 4])
def test_kernels_give_the_same_answer_with_any_number_of_threads(monkeypatch, depth):
    """The slices are fixed, so one thread and three give the same chains, bit for bit."""
    rng = np.random.default_rng(depth)
    X = rng.uniform(-1, 1, size=(40, 1))
    lam = dual(rng, 40)
    results = []
    for threads in ("1", "3"):
        monkeypatch.setenv("OMP_NUM_THREADS", threads)
        results.append(price_line(X, lam, depth, 20))
    for one, other in zip(results[0].__dict__.values(), results[1].__dict__.values(), strict=True):
        np.testing.assert_array_equal(one, other)


@pytest.mark.parametrize(("depth", "d"), [(2, 1), (3, 1), (2, 2)])
def test_returned_chains_are_not_near_copies(depth, d):
    """Column generation needs chains from several regions, not a cluster of
    near-copies of the best one: no two returned columns have |cos| > NEAR_COPY after
    centring (judged on all points here: n is below DIVERSITY_POINTS), and the best
    chain is always returned."""
    from reflasso.pricing import NEAR_COPY

    rng = np.random.default_rng(depth + d)
    n = 300
    X = rng.uniform(-1, 1, size=(n, d))
    lam = dual(rng, n) + np.sin(4 * X[:, 0])
    result = price(X, lam, depth, count=50)
    assert n <= structured.DIVERSITY_POINTS and len(result.scores) > 1
    columns = evaluate_unit_chains(X, result.W, result.b1, result.C)
    columns = columns - columns.mean(axis=0)
    columns /= np.linalg.norm(columns, axis=0)
    cosines = np.abs(columns.T @ columns)[np.triu_indices(len(result.scores), 1)]
    assert cosines.max() <= NEAR_COPY
    assert result.scores[0] == pytest.approx(result.max_score, rel=DIRECT)


@pytest.mark.parametrize(("depth", "d"), [(3, 1), (2, 2)])
def test_unspread_pricing_returns_the_best_chains(depth, d):
    """spread=False (column generation's tail) returns the best chains of the pool,
    near-copies included: rank by rank at least the spread choice's scores, and the
    same maximum."""
    rng = np.random.default_rng(30 + depth)
    X = rng.uniform(-1, 1, size=(200, d))
    lam = dual(rng, 200) + np.sin(4 * X[:, 0])
    lam -= lam.mean()
    spread = price_line(X, lam, depth, 40) if d == 1 else price_depth2(X, lam, 40)
    best = (
        price_line(X, lam, depth, 40, spread=False)
        if d == 1
        else price_depth2(X, lam, 40, spread=False)
    )
    check_chains(X, lam, best, depth)
    assert len(best.scores) == 40 and best.max_score == pytest.approx(spread.max_score, rel=DIRECT)
    assert (best.scores[: len(spread.scores)] >= spread.scores * (1 - DIRECT)).all()
