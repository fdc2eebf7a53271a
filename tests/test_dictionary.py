"""Dictionaries of unit chains (docs/method.md §3): exact, closed-form and sampled."""

import math

import numpy as np
import pytest
from scipy.spatial import cKDTree

from reflasso.chains import evaluate_unit_chains
from reflasso.dictionary import (
    DictionaryTooLarge,
    build_dictionary,
    estimate_dictionary_size,
)
from reflasso.io import DataError

X_1D = np.array([0.0, 4.0, 5.0, 7.0, 10.0, 11.0])  # docs/method.md §4, toy-1d
# Columns are compared up to sign and an additive constant (the Lasso treats such
# columns identically: the intercept is free and 1.lambda = 0).  Entries are O(10);
# enumeration rounds at 1e-15 relative, so 1e-8 separates "equal" from "different"
# with a wide margin (distinct columns differ by at least ~1e-3 on these data).
SAME = 1e-8


def centred(A):
    """Columns (as rows) minus their first entry: invariant to additive constants."""
    return (A - A[:1]).T


def nearest(sub, full):
    """l-inf distance from each row of `sub` to the nearest row of `full`, or its negative."""
    tree = cKDTree(full)
    return np.minimum(tree.query(sub, p=np.inf)[0], tree.query(-sub, p=np.inf)[0])


def missing_columns(sub, full):
    """Number of columns of `sub` with no equal column (up to sign/constant) in `full`."""
    return int((nearest(centred(sub), centred(full)) > SAME).sum())


def undominated_columns(sub, full):
    """Columns of `sub` that are not t * (a column of `full`) + const with |t| <= 1.

    The exact dictionary keeps only the largest of columns that are multiples of each
    other (smaller copies are dominated: same fit, more penalty), so a family is
    "inside" it when each of its columns is such a multiple.
    """
    sub, full = centred(sub), centred(full)
    sub_size, full_size = np.abs(sub).max(axis=1), np.abs(full).max(axis=1)
    # compare directions (unit l-inf) and then sizes; sizes may tie up to rounding
    tree = cKDTree(full / full_size[:, None])
    unit = sub / sub_size[:, None]
    plus, minus = tree.query(unit, p=np.inf), tree.query(-unit, p=np.inf)
    dist = np.minimum(plus[0], minus[0])
    match = np.where(plus[0] <= minus[0], plus[1], minus[1])
    return int(((dist > SAME) | (sub_size > full_size[match] * (1 + 1e-9))).sum())


def kinks_1d(W, b1, C, grid):
    """Grid points where the piecewise-linear 1-D chains change slope (per column)."""
    values = evaluate_unit_chains(grid[:, None], W, b1, C)
    bend = np.abs(values[2:] - 2 * values[1:-1] + values[:-2])
    # slopes are O(1) and the grid step is 1/8: a real kink bends by >= ~1e-2 here,
    # rounding by ~1e-14
    return [set(np.round(grid[1:-1][b > 1e-9], 6)) for b in bend.T]


# ------------------------------------------------------------------ 1-D closed forms


def test_two_layer_columns_are_distances_to_data_points():
    # docs/method.md §3.2 in 1-D: the columns are |x - x_j| (w = +-1, so no l1 rescaling).
    expected_on_data = np.abs(X_1D[:, None] - X_1D[None, :])
    grid = np.linspace(-3, 14, 137)
    for kind in ("exact", "closed-form"):
        D = build_dictionary(X_1D, 2, kind)
        assert D.kind == kind
        on_data = D.evaluate(X_1D[:, None])
        assert missing_columns(on_data, expected_on_data) == 0
        assert missing_columns(expected_on_data, on_data) == 0
        # off the data each column is |x - x_j| itself, not just up to sign/constant
        kinks = -D.b1 / D.W[:, 0]
        np.testing.assert_allclose(np.abs(D.W[:, 0]), 1.0)
        assert set(np.round(kinks, 12)) <= set(X_1D)
        np.testing.assert_allclose(
            D.evaluate(grid[:, None]), np.abs(grid[:, None] - kinks[None, :]), atol=1e-12
        )
    closed = build_dictionary(X_1D, 2, "closed-form")
    np.testing.assert_allclose(X_1D[closed.meaning["anchor"]], -closed.b1 / closed.W[:, 0])


def test_three_layer_kinks_at_anchor_point_and_reflection():
    D = build_dictionary(X_1D, 3, "closed-form")
    m = D.meaning
    assert set(m["family"]) == {"wedge", "reflection"}
    grid = np.arange(-30, 60 * 8 + 1) / 8.0  # all data and reflections are on the grid
    kinks = kinks_1d(D.W, D.b1, D.C, grid)
    reflections = 0
    for row, found in zip(m.itertuples(), kinks, strict=True):
        j, k = X_1D[row.anchor], X_1D[row.kink2]
        if row.family == "reflection":
            expected = {j, k, 2 * j - k}  # ||x - x_j| - |x_k - x_j||
            reflections += 2 * j - k not in X_1D
        else:
            expected = {j}
        assert found == expected, (row, found)
    assert reflections > 0  # some kinks sit at reflected points, not at data


def test_exact_one_dimensional_kinks_are_data_or_reflections():
    # depth 3: every kink of every exact column is at a data point, a reflection
    # 2 x_j - x_k, or (anchor-free vertices, docs/method.md §3.3) a midpoint (x_j + x_k) / 2.
    D = build_dictionary(X_1D, 3, "exact")
    allowed = set(X_1D) | {2 * a - b for a in X_1D for b in X_1D}
    allowed |= {(a + b) / 2 for a in X_1D for b in X_1D}
    grid = np.arange(-30 * 4, 60 * 4 + 1) / 4.0
    for found in kinks_1d(D.W, D.b1, D.C, grid):
        assert found <= allowed


# --------------------------------------------------- closed forms inside exact ones


@pytest.mark.parametrize(
    "X,depth",
    [
        (X_1D, 2),
        (X_1D, 3),
        (X_1D, 4),
        (np.random.default_rng(0).standard_normal((7, 2)), 2),
        (np.random.default_rng(1).standard_normal((7, 2)), 3),
        (np.random.default_rng(2).standard_normal((4, 2)), 4),
        (np.random.default_rng(3).standard_normal((6, 3)), 2),
        (np.random.default_rng(4).standard_normal((5, 3)), 3),
    ],
)
def test_closed_form_families_are_inside_the_exact_dictionary(X, depth):
    X = X.reshape(len(X), -1)
    exact = build_dictionary(X, depth, "exact")
    closed = build_dictionary(X, depth, "closed-form")
    assert closed.size > 0 and exact.size >= closed.size
    assert undominated_columns(closed.evaluate(X), exact.evaluate(X)) == 0


def test_depth5_one_dimensional_sub_library_inside_exact():
    x = np.array([0.0, 2.0, 6.0, 7.0])[:, None]  # the smaller toy-1d set: ~1 s to enumerate
    exact = build_dictionary(x, 5, "exact")
    closed = build_dictionary(x, 5, "closed-form")
    assert set(closed.meaning["family"]) == {"wedge", "multilevel"}
    assert undominated_columns(closed.evaluate(x), exact.evaluate(x)) == 0


# ----------------------------------------------------------- exact: the claim of 3.1


def random_unit_chains(X, depth, count, rng):
    """Unit chains whose kinks fall anywhere over (and a bit beyond) the data's range."""
    shape = (count, X.shape[1])
    W = rng.standard_exponential(shape) * rng.choice([-1.0, 1.0], shape)  # uniform on l1 sphere
    W /= np.abs(W).sum(axis=1, keepdims=True)
    proj = X @ W.T
    span = proj.max(axis=0) - proj.min(axis=0)
    b1 = -rng.uniform(proj.min(axis=0) - 0.2 * span, proj.max(axis=0) + 0.2 * span)
    h = np.abs(proj + b1)
    C = np.zeros((count, depth - 2))
    for level in range(depth - 2):
        top = h.max(axis=0)
        C[:, level] = rng.uniform(-0.2 * top, 1.2 * top)  # negative offsets included
        h = np.abs(h - C[:, level])
    return W, b1, C


@pytest.mark.parametrize(
    "d,depth,n", [(1, 2, 6), (1, 3, 6), (1, 4, 5), (2, 2, 8), (2, 3, 7), (2, 4, 4), (3, 2, 6)]
)
def test_random_chains_never_beat_the_exact_dictionary(d, depth, n):
    # docs/method.md §3.1: for 1.lambda = 0, sup over unit chains of lambda.g(X) is attained
    # at a vertex, i.e. by a dictionary column (up to sign, since the dictionary keeps
    # one of g and -g + const).
    rng = np.random.default_rng(100 * d + 10 * depth + n)
    X = rng.standard_normal((n, d))
    A = build_dictionary(X, depth).evaluate(X)
    chains = evaluate_unit_chains(X, *random_unit_chains(X, depth, 20_000, rng))
    for _ in range(10):
        lam = rng.standard_normal(n)
        lam -= lam.mean()
        best = np.abs(lam @ A).max()
        # values are O(1) sums of n O(1) terms: 1e-9 is far above rounding (1e-15)
        assert (lam @ chains).max() <= best + 1e-9


# ----------------------------------------------------------------- structure, dedup


def test_exact_columns_are_unit_chains_without_duplicates():
    X = np.random.default_rng(5).standard_normal((9, 2))
    D = build_dictionary(X, 3)
    np.testing.assert_allclose(np.abs(D.W).sum(axis=1), 1.0, rtol=1e-12)  # ||w||_1 = 1
    assert (D.C >= 0).all()  # negative offsets only add constants (dictionary.py)
    A = D.evaluate(X)
    assert (np.ptp(A, axis=0) > SAME).all()  # no constant columns
    V = centred(A)
    pairs = cKDTree(np.concatenate([V, -V])).query_pairs(SAME, p=np.inf)
    # no two columns equal up to sign and constant (a column and its own negative
    # are D.size apart, and equal only for the zero column, which is excluded above)
    assert not pairs
    assert len(D.meaning) == D.size and list(D.meaning.index) == list(range(D.size))
    assert set(D.meaning["family"]) == {"vertex"}
    assert D.meaning["order"].between(0, 1).all()


def test_duplicate_points_do_not_change_the_dictionary():
    X = np.random.default_rng(6).standard_normal((6, 2))
    twice = np.concatenate([X, X[:3]])
    a, b = build_dictionary(X, 3), build_dictionary(twice, 3)
    assert a.size == b.size
    assert missing_columns(b.evaluate(X), a.evaluate(X)) == 0
    assert b.meaning.filter(like="_point").max().max() < len(X)  # first copies named


def test_two_layer_exact_size_is_the_hyperplane_count():
    # d = 2, points in general position: lines through 2 points (n choose 2) and
    # axis-parallel lines through each point (2n), minus the one line per axis that
    # equals, up to sign and constant, the line through the extreme point on the
    # other side (|x1 - min| = -|x1 - max| + const on the data).
    X = np.random.default_rng(7).standard_normal((9, 2))
    D = build_dictionary(X, 2)
    assert D.size == math.comb(9, 2) + 2 * 9 - 2


def test_meaning_describes_every_family():
    text = build_dictionary(X_1D, 3, "closed-form").describe(10)
    assert "hyperplane through x[" in text
    rows = build_dictionary(X_1D, 3).meaning
    assert {"anchor", "order", "row0_point", "row0_level", "row0_signs", "row0_face"} <= set(rows)
    X = np.random.default_rng(8).standard_normal((5, 2))
    closed = build_dictionary(X, 3, "closed-form")
    refs = set(closed.meaning["span0_ref"])
    assert {"anchor", "kink", "mirrored_kink", "axis"} <= refs
    assert "mirror 2x[" in closed.describe(int(np.argmax(closed.meaning["order"] > 0)))


# ---------------------------------------------------------------------- sampled


def test_sampled_is_seeded_and_inside_exact():
    X = np.random.default_rng(9).standard_normal((8, 2))
    a = build_dictionary(X, 3, "sampled", n_samples=300, seed=1)
    b = build_dictionary(X, 3, "sampled", n_samples=300, seed=1)
    c = build_dictionary(X, 3, "sampled", n_samples=300, seed=2)
    assert a.size == 300
    np.testing.assert_array_equal(a.W, b.W)
    assert not np.array_equal(a.W, c.W)
    assert undominated_columns(a.evaluate(X), build_dictionary(X, 3).evaluate(X)) == 0


def test_sampled_high_dimension_is_fast_and_valid():
    X = np.random.default_rng(10).standard_normal((40, 120))
    D = build_dictionary(X, 3, "sampled", n_samples=150)
    assert D.size == 150 and D.W.shape == (150, 120)
    np.testing.assert_allclose(np.abs(D.W).sum(axis=1), 1.0, rtol=1e-12)
    assert "data_points" in D.meaning and D.describe(0).startswith("vertex")
    with pytest.raises(ValueError, match="n_samples"):
        build_dictionary(X, 3, "sampled")


# ----------------------------------------------------------- memory budget, errors


def test_size_estimate_counts_candidates():
    n, d = 9, 2
    # L = 2: one null vector per d-subset of the n + d rows (data + faces w_i = 0)
    assert estimate_dictionary_size(n, d, 2)[0] == math.comb(n + d, d)
    assert estimate_dictionary_size(n, d, 3)[0] == 2 * math.comb(3 * n + 3, 3)
    columns, nbytes = estimate_dictionary_size(n, d, 3)
    assert nbytes >= 8 * n * columns  # at least the feature matrix on the data
    assert build_dictionary(np.random.default_rng(0).standard_normal((n, d)), 3).size < columns


def test_memory_budget_error_names_size_and_alternatives():
    X = np.random.default_rng(11).standard_normal((100, 2))
    with pytest.raises(DictionaryTooLarge) as error:
        build_dictionary(X, 4)  # ~10^10 candidates: refused before any work
    message = str(error.value)
    for word in ("columns", "GB", "max_bytes", "sampled", "n_samples", "depth", "fewer points"):
        assert word in message
    assert isinstance(error.value, MemoryError)
    # n = 30, L = 3: ~0.08 GB of candidates pass the up-front check (8x slack for
    # duplicates), the ~0.015 GB of distinct columns do not: stopped while enumerating
    with pytest.raises(DictionaryTooLarge, match="kept so far"):
        build_dictionary(X[:30], 3, max_bytes=12e6)
    with pytest.raises(DictionaryTooLarge):
        build_dictionary(X, 3, "closed-form", max_bytes=1e6)


@pytest.mark.parametrize(
    "X,problem",
    [
        (np.array([[1.0, np.nan], [0.0, 1.0]]), "NaN"),
        (np.array([[1.0, np.inf], [0.0, 1.0]]), "NaN or inf"),
        (np.array([[1.0, 2.0]]), "at least 2"),
        (np.ones((5, 3)), "identical"),
    ],
)
def test_bad_data_is_refused(X, problem):
    with pytest.raises(DataError, match=problem):
        build_dictionary(X, 2)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="depth"):
        build_dictionary(X_1D, 1)
    with pytest.raises(ValueError, match="depth"):
        build_dictionary(X_1D, 2.5)
    with pytest.raises(ValueError, match="kind"):
        build_dictionary(X_1D, 2, "wedges")


@pytest.mark.parametrize("direction", [[1.0, 0.0], [0.6, -0.8]])
def test_collinear_data_gives_the_one_dimensional_dictionary(direction):
    # Degenerate wedges (zero normals) are skipped; what remains is exactly the 1-D
    # dictionary of the coordinate along the line (columns up to sign and constant).
    # For a tilted line the l1 normalisation rescales every column by the same
    # factor, so compare directions of the columns, not their lengths.
    t = X_1D
    X = np.outer(t, direction) + np.array([0.5, 2.0])
    for depth in (2, 3):
        flat = build_dictionary(X, depth).evaluate(X)
        line = build_dictionary(t, depth).evaluate(t[:, None])
        assert np.isfinite(flat).all()
        scale = np.ptp(line, axis=0).max() / np.ptp(flat, axis=0).max()
        assert missing_columns(flat * scale, line) == 0
        assert missing_columns(line, flat * scale) == 0


@pytest.mark.parametrize("scale,offset", [(1.0, 1e6), (1e-6, 0.0), (1e6, -3e7)])
def test_dictionary_follows_translation_and_scaling(scale, offset):
    # Data far from the origin once made the rows (x_n, 1) nearly parallel and lost
    # vertices; the build works in centred unit-spread coordinates.  Columns of the
    # moved data are the original columns times `scale` (to 1e-8 of their size: the
    # offset 1e6 costs ~1e-10 relative in w.x + b1).
    X = np.random.default_rng(12).standard_normal((8, 2))
    for depth in (2, 3):
        base = build_dictionary(X, depth)
        moved = build_dictionary(X * scale + offset, depth)
        assert moved.size == base.size
        A = base.evaluate(X)
        B = moved.evaluate(X * scale + offset) / scale
        assert missing_columns(B, A) == 0


def lasso_optimum(A, y, beta):
    """1/2 ||A z + xi - y||^2 + beta ||z||_1 (docs/method.md §2), solved by CLARABEL."""
    import cvxpy as cp

    z, xi = cp.Variable(A.shape[1]), cp.Variable()
    objective = 0.5 * cp.sum_squares(A @ z + xi - y) + beta * cp.norm1(z)
    problem = cp.Problem(cp.Minimize(objective))
    problem.solve(solver=cp.CLARABEL)
    return problem.value


@pytest.mark.parametrize("d,depth,n", [(2, 3, 7), (3, 2, 8)])
def test_extra_random_chains_do_not_lower_the_lasso_optimum(d, depth, n):
    # The reductions (c >= 0, merged signs/constants/multiples) must keep the Lasso
    # optimum of all unit chains: adding 3,000 random chains cannot lower it.  (On
    # these data, keeping every third column instead makes the extra chains lower
    # the optimum by 0.01-10%: the check can fail.)
    rng = np.random.default_rng(7 * n + depth)
    X = rng.standard_normal((n, d))
    y = rng.standard_normal(n)
    A = build_dictionary(X, depth).evaluate(X)
    extra = evaluate_unit_chains(X, *random_unit_chains(X, depth, 3000, rng))
    for beta in (0.01, 0.1):
        exact, more = lasso_optimum(A, y, beta), lasso_optimum(np.hstack([A, extra]), y, beta)
        # CLARABEL's default accuracy is ~1e-8 relative; optima are O(0.01-1)
        assert more >= exact * (1 - 1e-6) - 1e-9


def test_two_layer_closed_form_equals_exact_in_two_dimensions():
    X = np.random.default_rng(13).standard_normal((8, 2))
    exact = build_dictionary(X, 2).evaluate(X)
    closed = build_dictionary(X, 2, "closed-form").evaluate(X)
    assert missing_columns(exact, closed) == 0 and missing_columns(closed, exact) == 0


def test_sampled_budget_is_checked_before_sampling():
    X = np.random.default_rng(14).standard_normal((50, 300))
    with pytest.raises(DictionaryTooLarge, match="sampled"):
        build_dictionary(X, 3, "sampled", n_samples=10**7)  # ~4e10 bytes > 2 GB
