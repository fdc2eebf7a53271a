"""The 1-D depth-2 solver (reflasso.line_depth2, solver="line") against the solver on the
materialised exact dictionary ("working-set"), and its place in fit_lasso."""

import numpy as np
import pytest

import reflasso.line_depth2 as line_depth2
from reflasso.lasso import LINE_MIN_POINTS, _choose_solver, beta_max, fit_lasso

#: Both fits are certified optima up to their duality gaps, so their objectives agree to
#: about those gaps (<= 1e-9 relative here); 1e-8 leaves room for rounding.
OBJECTIVE_RTOL = 1e-8
N_RANDOM = 500  # random chains of the certificate's second check (speed)


def labels(x, rng):
    return np.sign(np.sin(3 * x) + np.cos(2 * x)) + 0.1 * rng.normal(size=len(x))


def fitted_tolerance(*fits) -> float:
    """The fitted values of the Lasso are unique, and a fit whose duality gap is g has
    ||fitted - fitted*||_2 <= sqrt(2 g) (the loss is 1-strongly convex in the fitted
    values): two fits differ by at most the sum of these, plus rounding."""
    gaps = [max(f.certificate()["relative_gap"], 0.0) * f.objective for f in fits]  # >= -rounding
    bound = sum(np.sqrt(2 * gap) for gap in gaps)
    return bound + 1e-9


def compare(X, y, beta, alone=True):
    """Both solvers' fits agree; ``alone``: the line solver certified without column
    generation's help."""
    reference = fit_lasso(X, y, depth=2, beta=beta, solver="working-set", n_random=N_RANDOM)
    fit = fit_lasso(X, y, depth=2, beta=beta, solver="line", n_random=N_RANDOM)
    assert fit.solver == "line" and fit.dictionary.kind == "generated"
    assert fit.solver_info["converged"] and ("line" not in fit.solver_info) == alone
    assert fit.certificate()["ok"] and fit.certificate()["kkt_scope"] == "all chains"
    assert fit.objective == pytest.approx(reference.objective, rel=OBJECTIVE_RTOL, abs=1e-14)
    difference = np.linalg.norm(fit.predict(X) - reference.predict(X))
    assert difference <= fitted_tolerance(fit, reference)
    return fit


@pytest.mark.parametrize("n", [5, 30, 200])
@pytest.mark.parametrize("ratio", [0.9, 1e-1, 1e-3, 1e-5])
def test_line_solver_matches_the_exact_dictionary(n, ratio):
    rng = np.random.default_rng(n)
    X = rng.uniform(-1, 1, size=(n, 1))
    y = labels(X[:, 0], rng)
    compare(X, y, ratio * beta_max(X, y, 2))


@pytest.mark.parametrize("ratio", [0.5, 1e-2, 1e-5])
def test_duplicated_points(ratio):
    rng = np.random.default_rng(7)
    x = rng.uniform(-2, 3, size=40)
    x = np.concatenate([x, x[:15], x[:5]])  # copies with their own (different) labels
    X = x[:, None]
    y = labels(x, rng)
    compare(X, y, ratio * beta_max(X, y, 2))


def test_close_points_and_a_far_offset():
    # gaps from 1e-9 to 1 and data far from the origin (the unit coordinates matter)
    rng = np.random.default_rng(3)
    x = np.sort(rng.uniform(0, 1, 60))
    x[1::7] = x[::7][: len(x[1::7])] + 1e-9
    X = 1e3 + x[:, None]
    y = labels(x, rng)
    compare(X, y, 1e-3 * beta_max(X, y, 2))


def test_constant_labels_and_beta_above_beta_max():
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, size=(30, 1))
    flat = fit_lasso(X, np.full(30, 2.5), depth=2, beta=0.01, solver="line", n_random=100)
    assert flat.n_active == 0 and flat.intercept == pytest.approx(2.5, abs=1e-12)
    assert flat.objective == pytest.approx(0.0, abs=1e-20)
    y = labels(X[:, 0], rng)
    top = fit_lasso(X, y, depth=2, beta=2 * beta_max(X, y, 2), solver="line", n_random=100)
    assert top.n_active == 0 and top.intercept == pytest.approx(y.mean(), abs=1e-12)


def test_two_distinct_points():
    X = np.array([[0.0], [1.0], [1.0]])
    y = np.array([0.0, 1.0, 3.0])
    compare(X, y, 0.1)


def test_column_generation_finishes_an_uncertified_start(monkeypatch):
    """If the line solver does not certify, fit_lasso continues with column generation
    from its chains (never an uncertified fit): forced here by allowing no polish."""
    monkeypatch.setattr(line_depth2, "POLISH_ROUNDS", 0)
    monkeypatch.setattr(line_depth2, "ON_BOUND", -1.0)  # no kink from the interior point
    rng = np.random.default_rng(30)
    X = rng.uniform(-1, 1, size=(30, 1))
    y = labels(X[:, 0], rng)
    fit = compare(X, y, 1e-3 * beta_max(X, y, 2), alone=False)
    assert fit.solver_info["line"]["converged"] is False
    assert fit.certificate()["ok"]


def test_auto_uses_the_line_solver_only_for_large_1d_depth2():
    rng = np.random.default_rng(0)
    large = rng.uniform(-1, 1, size=(LINE_MIN_POINTS + 1, 1))
    assert _choose_solver(large, 2, "exact", "auto", 4e9) == "line"
    assert _choose_solver(large, 3, "exact", "auto", 4e9) == "generate"
    assert _choose_solver(large[:2000], 2, "exact", "auto", 4e9) == "working-set"
    assert _choose_solver(large, 2, "closed-form", "auto", 4e9) == "working-set"
    with pytest.raises(ValueError, match="1-D data and depth 2"):
        _choose_solver(rng.uniform(size=(20, 2)), 2, "exact", "line", 4e9)
    with pytest.raises(ValueError, match="whole exact dictionary"):
        _choose_solver(large, 2, "sampled", "line", 4e9)


def test_auto_fit_above_the_threshold_is_certified():
    rng = np.random.default_rng(11)
    X = rng.uniform(-1, 1, size=(LINE_MIN_POINTS + 500, 1))
    y = labels(X[:, 0], rng)
    fit = fit_lasso(X, y, depth=2, beta=0.01, n_random=N_RANDOM)
    assert fit.solver == "line" and fit.solver_info["converged"]
    assert "line" not in fit.solver_info  # certified by the line solver alone
    certificate = fit.certificate()
    assert certificate["ok"] and certificate["relative_gap"] <= 1e-5


@pytest.mark.parametrize("depth", [2, 3])
def test_random_check_by_prefix_sums_matches_direct_evaluation(monkeypatch, depth):
    """Above PREFIX_MIN_POINTS the certificate scores 1-D random chains of depth 2 and 3
    by prefix sums; same chains, same maximum as direct evaluation (to rounding: 1e-12
    relative).  Scattered data off the origin, with ties."""
    from reflasso import certificate

    rng = np.random.default_rng(5)
    X = np.round(rng.uniform(-3, 2, size=(300, 1)), 2)
    dual = rng.normal(size=300)
    dual -= dual.mean()
    direct = certificate.max_random_correlation(X, dual, depth, 3000, seed=1)
    monkeypatch.setattr(certificate, "PREFIX_MIN_POINTS", 50)
    by_prefix_sums = certificate.max_random_correlation(X, dual, depth, 3000, seed=1)
    assert by_prefix_sums == pytest.approx(direct, rel=1e-12)


def test_nearest_kink_sums_equal_direct_sums():
    """sum_i w_i ||x_i - a| - r|, including centres on points, r = 0 and kinks outside
    the data (1e-12 relative to the sum of |w_i| times the spread)."""
    from reflasso.structured import nearest_kink_sums

    rng = np.random.default_rng(8)
    x = np.round(rng.normal(size=80), 1)
    w = rng.normal(size=80)
    centres = np.concatenate([x[:10], rng.uniform(-4, 4, 30)])
    radii = np.concatenate([np.zeros(5), rng.uniform(0, 3, 35)])
    direct = (w[:, None] * np.abs(np.abs(x[:, None] - centres) - radii)).sum(axis=0)
    scale = np.abs(w).sum() * 8
    np.testing.assert_allclose(nearest_kink_sums(x, w, centres, radii), direct, atol=1e-12 * scale)


@pytest.mark.parametrize(("d", "depth"), [(1, 3), (1, 4), (2, 3)])
def test_random_chains_drawn_in_point_blocks_are_the_same(monkeypatch, d, depth):
    """The blocked layers (above ROW_BLOCK points, and always in 1-D) draw the random
    chains without the (n, count) matrix; the draws are the same chains as with the
    dense layers (to rounding of w.x: 1e-12; in 1-D bit for bit)."""
    from reflasso import certificate

    X = np.random.default_rng(2).normal(size=(200, d))
    blocked_layers = certificate._BlockedLayers
    monkeypatch.setattr(certificate, "_BlockedLayers", certificate._Layers)
    whole = certificate.random_unit_chains(X, depth, 400, np.random.default_rng(9))
    monkeypatch.setattr(certificate, "_BlockedLayers", blocked_layers)
    monkeypatch.setattr(certificate, "ROW_BLOCK", 7)
    blocked = certificate.random_unit_chains(X, depth, 400, np.random.default_rng(9))
    for one, other in zip(whole, blocked, strict=True):
        if d == 1:
            np.testing.assert_array_equal(other, one)
        np.testing.assert_allclose(other, one, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("ratio", [1e-2, 1e-4])
def test_one_kink_at_a_time_rule_gives_the_same_fit(monkeypatch, ratio):
    """After GREEDY_ROUNDS the polish drops only the kinks that reach zero first (no
    cycling); from the first round on (and with a cruder start) it reaches the same fit."""
    monkeypatch.setattr(line_depth2, "GREEDY_ROUNDS", 0)
    monkeypatch.setattr(line_depth2, "ON_BOUND", 1e-2)  # a start with extra kinks
    rng = np.random.default_rng(200)
    X = rng.uniform(-1, 1, size=(200, 1))
    y = labels(X[:, 0], rng)
    compare(X, y, ratio * beta_max(X, y, 2))
