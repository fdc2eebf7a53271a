"""fit_lasso, beta_max and the two solvers (docs/method.md §2)."""

import numpy as np
import pytest

from reflasso.certificate import random_unit_chains
from reflasso.dictionary import Dictionary, build_dictionary
from reflasso.io import DataError
from reflasso.lasso import LassoFit, NotCertifiedError, beta_max, fit_lasso
from reflasso.solvers import (
    DictionaryColumns,
    lasso_objective,
    solve_generated,
    solve_working_set,
)


def random_problem(n, d, seed, labels=False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = rng.choice([-1.0, 1.0], size=n) if labels else rng.normal(size=n)
    return X, y


def random_dictionary(X, depth, size, seed):
    W, b1, C = random_unit_chains(X, depth, size, np.random.default_rng(seed))
    return Dictionary(depth, W, b1, C, "random")


@pytest.mark.parametrize(("n", "d", "depth"), [(6, 1, 2), (7, 1, 3), (6, 2, 2), (6, 2, 3)])
@pytest.mark.parametrize("factor", [1.0, 3.0])
def test_beta_at_or_above_beta_max_gives_zero(n, d, depth, factor):
    X, y = random_problem(n, d, seed=n + d + depth)
    beta = factor * beta_max(X, y, depth)
    for solver in ("clarabel", "working-set"):
        fit = fit_lasso(X, y, depth=depth, beta=beta, solver=solver)
        assert fit.n_active == 0 and not fit.coef.any()
        # xi = mean(y) exactly up to the rounding of a mean (1e-12)
        assert fit.intercept == pytest.approx(y.mean(), abs=1e-12)
        assert fit.objective == pytest.approx(0.5 * np.sum((y - y.mean()) ** 2), rel=1e-12)


@pytest.mark.parametrize(("n", "d", "depth"), [(6, 1, 2), (7, 1, 3), (6, 2, 3)])
def test_just_below_beta_max_is_not_zero(n, d, depth):
    # beta_max is the threshold from both sides: 1% below it z = 0 is no longer optimal
    X, y = random_problem(n, d, seed=n + d + depth)
    fit = fit_lasso(X, y, depth=depth, beta=0.99 * beta_max(X, y, depth), solver="working-set")
    assert fit.n_active >= 1
    assert fit.objective < 0.5 * np.sum((y - y.mean()) ** 2)


CROSS_CASES = [  # (n, d, depth, beta, labels): exact dictionaries, small to moderate beta
    (10, 2, 3, 0.01, True),
    (6, 1, 4, 1e-3, False),
    (12, 2, 2, 0.05, False),
    (9, 3, 2, 0.02, True),
]


@pytest.mark.parametrize(("n", "d", "depth", "beta", "labels"), CROSS_CASES)
def test_solvers_agree_on_exact_dictionary(n, d, depth, beta, labels):
    X, y = random_problem(n, d, seed=7 * n + d, labels=labels)
    reference = fit_lasso(X, y, depth=depth, beta=beta, solver="clarabel", n_random=100)
    working_set = fit_lasso(
        X,
        y,
        depth=depth,
        beta=beta,
        dictionary=reference.dictionary,
        solver="working-set",
        n_random=100,
    )
    # the brief's agreement target: objective to 1e-7 relative
    assert working_set.objective == pytest.approx(reference.objective, rel=1e-7)
    # fitted values are unique; interior-point accuracy (gap 1e-10) bounds their error
    # by about sqrt(2 * gap) ~ 1e-5, so 1e-4 leaves a margin
    np.testing.assert_allclose(working_set.predict(X), reference.predict(X), atol=1e-4)


def test_solvers_agree_on_large_random_dictionary():
    # near interpolation (small beta) on many correlated columns: the hard case for
    # coordinate descent that made the working-set solver use exact working-set solves
    X, y = random_problem(30, 1, seed=3)
    dictionary = random_dictionary(X, 4, 3000, seed=4)
    reference = fit_lasso(
        X,
        y,
        depth=4,
        beta=1e-4,
        dictionary=dictionary,
        solver="clarabel",
        n_random=100,
        allow_uncertified=True,  # a random dictionary: optimal over it only
    )
    working_set = fit_lasso(
        X,
        y,
        depth=4,
        beta=1e-4,
        dictionary=dictionary,
        solver="working-set",
        n_random=100,
        allow_uncertified=True,
    )
    assert working_set.objective == pytest.approx(reference.objective, rel=1e-7)  # target 1e-7
    np.testing.assert_allclose(working_set.predict(X), reference.predict(X), atol=1e-4)  # as above


def test_chunked_columns_match_dense():
    X, y = random_problem(15, 2, seed=5)
    dictionary = random_dictionary(X, 3, 700, seed=6)
    dense = DictionaryColumns(dictionary, X)
    chunked = DictionaryColumns(dictionary, X, max_bytes=8 * 15 * 64)  # 64-column chunks
    assert dense.dense is not None and chunked.dense is None
    residual = y - y.mean()
    # same numbers computed in blocks: equal up to summation order (1e-12)
    np.testing.assert_allclose(
        chunked.correlate(residual), dense.correlate(residual), rtol=1e-12, atol=1e-12
    )
    z_dense, xi_dense, _ = solve_working_set(dense, y, 0.02)
    z_chunk, xi_chunk, _ = solve_working_set(chunked, y, 0.02)
    A = dense.matrix()
    objective_dense = lasso_objective(A @ z_dense + xi_dense, y, z_dense, 0.02)
    objective_chunk = lasso_objective(A @ z_chunk + xi_chunk, y, z_chunk, 0.02)
    assert objective_chunk == pytest.approx(objective_dense, rel=1e-9)  # same algorithm


def test_predict_matches_feature_matrix_and_objective():
    X, y = random_problem(8, 2, seed=11)
    fit = fit_lasso(X, y, depth=3, beta=0.05, n_random=100)
    A = fit.dictionary.evaluate(X)
    fitted = A @ fit.coef + fit.intercept
    np.testing.assert_allclose(fit.predict(X), fitted, atol=1e-12)  # same sums, reordered
    expected = 0.5 * np.sum((fitted - y) ** 2) + fit.beta * np.abs(fit.coef).sum()
    assert fit.objective == pytest.approx(expected, rel=1e-12)  # definition, docs/method.md §2
    assert fit.n_active == np.count_nonzero(fit.coef)


def test_collinear_2d_data_equals_1d_problem():
    # points (t, 0) in R^2 (the "simulated" experiment): with ||w||_1 = 1 a chain tilted
    # off the first axis is a shrunk copy of an axis-aligned one, so the 2-D Lasso has
    # the 1-D optimum (documented behaviour for collinear data)
    t = np.array([0.0, 2.0, 6.0, 7.0, 9.0])
    y = np.array([0.0, 0.0, 3.0, 3.0, 1.0])
    for depth in (2, 3):
        one = fit_lasso(t[:, None], y, depth=depth, beta=1e-2, n_random=100)
        two = fit_lasso(np.c_[t, np.zeros_like(t)], y, depth=depth, beta=1e-2, n_random=100)
        assert two.objective == pytest.approx(one.objective, rel=1e-7)  # solver accuracy


def test_save_load_round_trip(tmp_path):
    X, y = random_problem(7, 2, seed=2)
    fit = fit_lasso(X, y, depth=3, beta=0.03, n_random=500)
    fit.save(tmp_path)
    loaded = LassoFit.load(tmp_path)
    assert loaded.objective == pytest.approx(fit.objective, rel=1e-14)  # recomputed, same data
    np.testing.assert_array_equal(loaded.coef, fit.coef)
    X_new = np.random.default_rng(0).normal(size=(20, 2)) * 3
    np.testing.assert_array_equal(loaded.predict(X_new), fit.predict(X_new))
    assert loaded.certificate(n_random=500) == fit.certificate(n_random=500)
    assert len(loaded.dictionary.meaning) == fit.dictionary.size
    with np.load(tmp_path / "solution.npz", allow_pickle=False) as data:
        assert {"coef", "intercept", "W", "b1", "C", "X", "y", "depth", "beta"} <= set(data.files)


GOOD_X, GOOD_Y = np.array([[0.0], [1.0], [3.0]]), np.array([0.0, 1.0, 0.0])


@pytest.mark.parametrize(
    ("X", "y", "kwargs", "message"),
    [
        (np.array([[0.0], [np.nan], [1.0]]), GOOD_Y, {}, "NaN or inf"),
        (GOOD_X, np.array([0.0, np.inf, 1.0]), {}, "NaN or inf"),
        (np.array([[0.0]]), np.array([1.0]), {}, "at least 2"),
        (GOOD_X, np.array([0.0, 1.0]), {}, "rows but y"),
        (np.zeros((3, 1)), GOOD_Y, {}, "identical"),
        (GOOD_X, GOOD_Y, {"depth": 1}, "depth"),
        (GOOD_X, GOOD_Y, {"depth": 2.5}, "depth"),
        (GOOD_X, GOOD_Y, {"beta": 0.0}, "beta"),
        (GOOD_X, GOOD_Y, {"beta": -1.0}, "beta"),
        (GOOD_X, GOOD_Y, {"beta": float("nan")}, "beta"),
        (GOOD_X, GOOD_Y, {"beta": float("inf")}, "beta"),
        (GOOD_X, GOOD_Y, {"solver": "sgd"}, "solver"),
    ],
)
def test_bad_input_raises_clear_error(X, y, kwargs, message):
    arguments = {"depth": 2, "beta": 0.1, **kwargs}
    with pytest.raises(ValueError, match=message):
        fit_lasso(X, y, **arguments)


def test_dictionary_of_wrong_depth_or_dimension_is_rejected():
    dictionary = build_dictionary(GOOD_X, 3)
    with pytest.raises(ValueError, match="depth"):
        fit_lasso(GOOD_X, GOOD_Y, depth=2, beta=0.1, dictionary=dictionary)
    with pytest.raises(ValueError, match="inputs"):
        fit_lasso(np.c_[GOOD_X, GOOD_X], GOOD_Y, depth=3, beta=0.1, dictionary=dictionary)


def test_predict_rejects_bad_points():
    fit = fit_lasso(GOOD_X, GOOD_Y, depth=2, beta=0.1, n_random=10)
    with pytest.raises(DataError, match="shape"):
        fit.predict(np.zeros((2, 2)))
    with pytest.raises(DataError, match="NaN"):
        fit.predict(np.array([[np.nan]]))


def test_working_set_closes_the_duality_gap_on_a_large_exact_dictionary():
    """2-D, depth 3, n = 40 (115k columns, the benchmark's case): the working-set path
    must stop on its own gap test (relative 1e-10), not because no column outside the
    working set violates; a polish that stalls inside the working set showed here as a
    gap of 4e-6 and kkt_max = 1 + 4e-6 (regression)."""
    rng = np.random.default_rng(40)
    X, y = rng.uniform(-1, 1, size=(40, 2)), rng.choice([-1.0, 1.0], size=40)
    fit = fit_lasso(X, y, depth=3, beta=0.01, solver="working-set", n_random=2000)
    assert fit.solver_info["relative_gap"] <= 1e-10
    # exact-to-rounding solution: the dual constraint is tight to ~1e-12, allow 1e-9
    assert fit.certificate(n_random=2000)["kkt_max"] <= 1 + 1e-9


# ------------------------------------------------ column generation, paths, CV (issue 9)


def labelled_problem(n, d, seed, noise=0.1):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, d))
    return X, rng.choice([-1.0, 1.0], size=n) + noise * rng.normal(size=n)


@pytest.mark.parametrize(
    ("n", "d", "depth"), [(12, 1, 2), (10, 1, 3), (7, 1, 4), (9, 2, 2), (8, 2, 3)]
)
def test_column_generation_agrees_with_the_materialised_dictionary(n, d, depth):
    X, y = labelled_problem(n, d, seed=n + 10 * d + depth)
    tol = 1e-9
    generated = fit_lasso(X, y, depth=depth, beta=0.01, solver="generate", tol=tol, n_random=500)
    stored = fit_lasso(X, y, depth=depth, beta=0.01, solver="working-set", tol=tol, n_random=500)
    assert generated.dictionary.kind == "generated" and stored.dictionary.kind == "exact"
    cert = generated.certificate(n_random=500, tol=tol)
    assert cert["ok"] and cert["kkt_scope"] == "all chains"
    # both are certified to relative duality gap <= tol, so objectives agree to 1e-8
    assert generated.objective == pytest.approx(stored.objective, rel=1e-8)
    # the fitted values are unique; ||f1 - f2||^2 <= 2 (gap1 + gap2) bounds the difference
    gaps = sum(f.certificate(n_random=500, tol=tol)["relative_gap"] for f in (generated, stored))
    bound = np.sqrt(2 * gaps * stored.objective) + 1e-9
    fitted = [f.predict(X) for f in (generated, stored)]
    assert np.linalg.norm(fitted[0] - fitted[1]) <= bound
    # the generated dictionary holds the active chains with their meaning
    assert generated.n_active == generated.dictionary.size
    assert (generated.dictionary.meaning["vertex_residual"] <= 1e-8).all()


def test_uncertified_fit_raises_unless_allowed():
    X = np.array([[0.0], [1.0], [2.5], [4.0], [5.0], [7.0]])
    y = np.array([0.0, 2.0, -1.0, 3.0, 0.0, 1.0])
    single = Dictionary(2, np.array([[1.0]]), np.array([-0.0]), np.zeros((1, 0)), "single")
    with pytest.raises(NotCertifiedError, match="random_max"):
        fit_lasso(X, y, depth=2, beta=0.05, dictionary=single, n_random=2000)
    with pytest.warns(RuntimeWarning, match="not certified"):
        fit = fit_lasso(
            X, y, depth=2, beta=0.05, dictionary=single, n_random=2000, allow_uncertified=True
        )
    assert not fit.certificate(n_random=2000)["ok"]


@pytest.mark.slow
@pytest.mark.slow  # about 3-6 minutes on 2 cores: 40 rounds of exact restricted solves
def test_issue_case_1d_depth3_n500_is_certified():
    # issue 9: this fit used to come back uncertified without a word (kkt_max 1.0017)
    rng = np.random.default_rng(500)
    X = rng.uniform(-1, 1, size=(500, 1))
    y = rng.choice([-1.0, 1.0], size=500) + 0.1 * rng.normal(size=500)
    fit = fit_lasso(X, y, depth=3, beta=0.01, n_random=2000)
    cert = fit.certificate(n_random=2000)
    assert cert["ok"] and cert["kkt_scope"] == "all chains", cert
    assert cert["kkt_max"] <= 1 + 1e-5 and cert["relative_gap"] <= 1e-5


def test_column_generation_rounds_do_not_grow_with_near_copies():
    """Structured pricing returns chains spread over the data (docs/pricing.md, "Which
    chains are returned") and depth 3 starts from the depth-2 fit, so column generation
    fixes many regions per round.  On this problem (1-D, depth 3, n = 500) the top-k
    selection took 28 rounds; now 8 (after 9 cheap depth-2 rounds).  The bound 20 leaves
    room for other machines' rounding; the fit must be certified all the same."""
    rng = np.random.default_rng(500)
    X = rng.uniform(-1, 1, size=(500, 1))
    y = np.sign(np.sin(3 * X[:, 0]) + np.cos(2 * X[:, 0])) + 0.1 * rng.normal(size=500)
    *_, info = solve_generated(X, y, 0.01, 3, tol=1e-5)
    assert info["converged"] and info["rounds"] <= 20, info


def test_path_objective_is_monotone_and_warm_start_equals_cold_fit():
    from reflasso.path import lasso_path

    X, y = labelled_problem(12, 1, seed=3)
    path = lasso_path(X, y, 3, n_betas=6, ratio=1e-2, solver="generate", n_random=200)
    betas = [f.beta for f in path]
    assert betas == sorted(betas, reverse=True) and len(path) == 6
    assert path[0].n_active == 0  # the grid starts at beta_max
    objectives = [f.objective for f in path]
    # the optimal value is non-decreasing in beta; 1e-9 relative covers rounding
    assert all(a >= b * (1 - 1e-9) for a, b in zip(objectives, objectives[1:], strict=False))
    cold = fit_lasso(X, y, depth=3, beta=path[-1].beta, solver="generate", n_random=200)
    assert path[-1].objective == pytest.approx(cold.objective, rel=1e-8)


def test_cross_validation_uses_only_the_training_folds():
    from reflasso.path import cross_validate_beta

    X, y = labelled_problem(15, 1, seed=4)
    betas = np.geomspace(1.0, 0.01, 4)
    first = cross_validate_beta(X, y, 2, betas, folds=3, seed=1, n_random=100)
    assert first.best_beta in first.betas and first.refit.beta == first.best_beta
    assert first.fold_scores.shape == (3, 4)
    # changing the labels of fold 0 leaves the predictions for fold 0 unchanged: the
    # models that predict them never saw those labels
    held = first.folds == 0
    changed = y.copy()
    changed[held] += 5.0
    second = cross_validate_beta(X, changed, 2, betas, folds=3, seed=1, n_random=100)
    assert np.array_equal(second.folds, first.folds)
    np.testing.assert_allclose(second.predictions[held], first.predictions[held], rtol=0, atol=1e-9)
    assert not np.allclose(second.predictions[~held], first.predictions[~held])


def test_fast_is_a_deprecated_name_of_the_working_set_solver(tmp_path):
    import json

    X, y = random_problem(6, 1, seed=3)
    beta = 0.5 * beta_max(X, y, 3)
    with pytest.warns(DeprecationWarning, match="solver='fast' is deprecated"):
        old = fit_lasso(X, y, depth=3, beta=beta, solver="fast", n_random=100)
    new = fit_lasso(X, y, depth=3, beta=beta, solver="working-set", n_random=100)
    assert old.solver == new.solver == "working-set"
    assert old.objective == new.objective  # the same computation, bit for bit
    # a fit saved under the old name still loads, under the new one
    old.save(tmp_path)
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    metrics["solver"] = "fast"
    (tmp_path / "metrics.json").write_text(json.dumps(metrics))
    loaded = LassoFit.load(tmp_path)
    assert loaded.solver == "working-set"
    np.testing.assert_array_equal(loaded.predict(X), old.predict(X))
