"""The llm-embeddings experiment (reflasso.llm): nested balanced splits, reduction on the
training rows only, baselines, CV-chosen Lasso, kinds of kinks, the claim."""

import numpy as np
import pandas as pd
import pytest

from reflasso import fit_lasso
from reflasso.claims import NOT, PARTLY, REPRODUCED, claim_llm
from reflasso.io import DataError
from reflasso.llm import (
    CEILING,
    accuracy_summary,
    baseline_accuracies,
    fit_cv_lasso,
    kink_kinds,
    lasso_kinks,
    model_order,
    nested_balanced_order,
    reduced_data,
    split_rows,
    texts_near_kinks,
)


def labels_of(n_pos, n_neg, seed=0):
    labels = np.array([1] * n_pos + [-1] * n_neg)
    return np.random.default_rng(seed).permutation(labels)


# ------------------------------------------------------------------------------ splits
def test_nested_order_has_balanced_prefixes_and_is_seeded():
    labels = labels_of(30, 50)
    order = nested_balanced_order(labels, np.arange(80), seed=3)
    assert len(order) == 60  # twice the smaller class
    for n in (2, 10, 40, 60):
        assert labels[order[:n]].sum() == 0
    assert np.array_equal(order, nested_balanced_order(labels, np.arange(80), seed=3))
    assert not np.array_equal(order, nested_balanced_order(labels, np.arange(80), seed=4))


def test_split_rows_nests_training_sizes_and_keeps_test_apart():
    labels = labels_of(100, 140)
    small, test = split_rows(labels, n_train=20, test_fraction=0.4, seed=1)
    large, test_again = split_rows(labels, n_train=80, test_fraction=0.4, seed=1)
    assert np.array_equal(test, test_again)  # one test set per split, whatever n is
    assert np.array_equal(large[:20], small)  # the smaller sample is inside the larger
    assert not set(large) & set(test)
    assert len(test) == 96 and labels[large].sum() == 0


def test_split_rows_rejects_sizes_the_pool_cannot_balance():
    labels = labels_of(20, 200)
    with pytest.raises(DataError, match="n_train=40 needs 20 texts per class"):
        split_rows(labels, n_train=40, test_fraction=0.5, seed=0)
    with pytest.raises(DataError, match="even"):
        split_rows(labels, n_train=7, test_fraction=0.5, seed=0)


def test_reduction_is_fitted_on_the_training_rows_only():
    rng = np.random.default_rng(0)
    Z, labels = rng.normal(size=(60, 8)), labels_of(30, 30)
    train, test = np.arange(20), np.arange(20, 60)
    data, _ = reduced_data(Z, labels, train, test, "pls", 1, 0)
    Z_changed = Z.copy()
    Z_changed[test] = rng.normal(size=(40, 8)) * 10  # other test texts
    again, _ = reduced_data(Z_changed, labels, train, test, "pls", 1, 0)
    assert np.array_equal(data["X"], again["X"])  # the fit never saw the test rows
    assert data["X"].shape == (20, 1) and data["X_test"].shape == (40, 1)
    assert np.array_equal(data["rows"], train) and np.array_equal(data["rows_test"], test)


# --------------------------------------------------------------------------- baselines
def test_baselines_separate_separable_data_and_the_ceiling_uses_the_embedding():
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(200, 5))
    labels = np.where(Z[:, 0] + 0.5 * Z[:, 1] > 0, 1.0, -1.0)
    train, test = np.arange(120), np.arange(120, 200)
    # reduced to the useless last coordinate, the baselines are near chance; the full
    # embedding keeps the signal: separable labels, which the regularised (C = 1) logistic
    # regression misses only for the few points nearest the boundary
    data = {
        "X": Z[train, 4:],
        "y": labels[train],
        "X_test": Z[test, 4:],
        "y_test": labels[test],
        "rows": train,
        "rows_test": test,
    }
    rows = {row["model"]: row for row in baseline_accuracies(data, Z)}
    assert set(rows) == {"least squares", "logistic", CEILING}
    assert rows[CEILING]["train"] >= 0.95 and rows[CEILING]["test"] >= 0.95
    assert rows["least squares"]["test"] < 0.75  # 80 test points: chance +- 3 sd


# ------------------------------------------------------------------------------- kinks
def test_kink_kinds_name_text_reflection_midpoint_and_other():
    x = np.array([0.0, 1.0, 3.0])
    positions = [3.0, 5.0, -1.0, 0.5, 10.3]  # x_2; 2*3 - 1; 2*0 - 1; (0 + 1) / 2; none
    assert list(kink_kinds(positions, x, 1e-9)) == [
        "text",
        "reflection",
        "reflection",
        "midpoint",
        "other",
    ]


def test_every_kink_of_an_exact_depth3_fit_is_a_vertex_kind():
    """docs/method.md §3.3: exact depth-3 features kink at data points, reflections 2x_j - x_k,
    or (features without a data anchor) midpoints; never elsewhere."""
    rng = np.random.default_rng(2)
    x = np.sort(rng.uniform(-2, 2, 14))
    y = np.sign(np.sin(2 * x))
    fit = fit_lasso(x[:, None], y, depth=3, beta=0.05)
    kinks = lasso_kinks(fit, x, tol=1e-9 * np.ptp(x))
    assert len(kinks) > 0 and fit.n_active > 0
    assert set(kinks["kind"]) <= {"text", "reflection", "midpoint"}
    # a unit chain in 1-D has slope +-1, so each kink bends z_j g_j by 2 |z_j|
    active = np.abs(fit.coef[fit.active])
    assert np.all(np.isin(np.round(kinks["weight"], 12), np.round(2 * active, 12)))


def test_texts_near_kinks_takes_the_largest_kinks_and_nearest_texts():
    kinks = pd.DataFrame(
        {
            "position": [0.1, 0.1, 2.0, 5.0],
            "weight": [1.0, 1.0, 0.5, 3.0],
            "kind": ["text", "text", "reflection", "other"],
            "level": [1, 2, 1, 1],
        }
    )
    x = np.array([0.0, 0.2, 1.9, 4.0, 5.1])
    words = ["zero", "fifth", "almost two", "four", "five"]
    near = texts_near_kinks(kinks, x, words, top=2, per_kink=1, min_gap=0.0)
    assert list(near["texts"]) == ["five", "zero"]  # weight 3 first, then 0.1 merged (2.0)
    assert list(near["weight"]) == [3.0, 2.0]
    # with a gap of half the range, the kink at 2.0 is too close to 0.1's label... and
    # 0.1 to 5.0's? |5.0 - 0.1| = 4.9 >= 2.55, so both are kept; 2.0 is near neither
    spaced = texts_near_kinks(kinks, x, words, top=3, per_kink=1, min_gap=0.5)
    assert list(spaced["texts"]) == ["five", "zero"]  # 2.0 is within 2.55 of 0.1


# ------------------------------------------------------------------------------- Lasso
def test_cv_lasso_fits_the_chosen_beta_on_the_first_rows(monkeypatch):
    """The CV itself is reflasso.path's (tested there); here: which rows it gets, the
    options it is given and the table written from it."""
    import reflasso.path

    seen = {}
    real = reflasso.path.cross_validate_beta

    def spy(X, y, depth, betas, **options):
        seen.update(n=len(X), depth=depth, betas=betas, **options)
        return real(X, y, depth, betas, **options)

    monkeypatch.setattr(reflasso.path, "cross_validate_beta", spy)
    rng = np.random.default_rng(3)
    X = rng.normal(size=(30, 1))
    y = np.tile([1.0, -1.0], 15)
    fit, table = fit_cv_lasso(X, y, 2, max_train=12, folds=3, n_betas=4, ratio=0.1)
    assert seen["n"] == 12 and seen["folds"] == 3 and seen["scoring"] == "accuracy"
    assert len(fit.X) == 12 and np.array_equal(fit.X, X[:12])
    assert len(table) == 4 and table["chosen"].sum() == 1
    # beta_max (the constant fit) is not on the grid; the grid is geometric down to 0.1 of it
    beta_max = reflasso.path.beta_grid(X[:12], y[:12], 2, n_betas=5, ratio=0.1)[0]
    assert table["beta"].max() < beta_max
    assert table["beta"].min() == pytest.approx(0.1 * beta_max, rel=1e-12)
    assert fit.beta == table.loc[table["chosen"], "beta"].item()
    assert fit.certificate()["ok"]


# ------------------------------------------------------------------------------ tables
def accuracy_runs():
    rows = []
    for reduction in ("pca", "pls"):
        for split in (0, 1, 2):
            for model, test in (
                ("Lasso L3", 0.86),
                ("least squares", 0.87),
                ("reflection L3", 0.85),
                (CEILING, 0.9),
            ):
                rows.append(
                    {
                        "reduction": reduction,
                        "dim": 1,
                        "n_train": 100,
                        "split": split,
                        "model": model,
                        "train": 0.9,
                        "test": test + 0.01 * split,
                        "n_fit": 50 if model == "Lasso L3" else 100,
                    }
                )
    return pd.DataFrame(rows)


def test_accuracy_summary_gives_mean_sd_count_and_fit_size():
    summary = accuracy_summary(accuracy_runs())
    row = summary[(summary["reduction"] == "pls") & (summary["model"] == "Lasso L3")].iloc[0]
    assert row["test_mean"] == pytest.approx(0.87) and row["test_std"] == pytest.approx(0.01)
    assert row["test_count"] == 3 and row["n_fit"] == 50


def test_model_order_puts_lasso_networks_baselines_ceiling():
    models = [CEILING, "logistic", "standard L2", "Lasso L3", "least squares", "Lasso L2"]
    assert model_order(models) == [
        "Lasso L2",
        "Lasso L3",
        "standard L2",
        "least squares",
        "logistic",
        CEILING,
    ]


def test_llm_claim_judges_kinks_and_accuracy_and_names_subsamples():
    summary = accuracy_summary(accuracy_runs())
    kinks = pd.DataFrame(
        {
            "kind": ["text", "reflection", "midpoint", "other"] * 3 + ["text"] * 28,
            "depth": [3] * 40,
            "control_kind": "other",
        }
    )
    bar, no_control = 0.6, pd.DataFrame()

    def verdict(kinks, summary, bar=bar):
        return claim_llm(kinks, summary, bar, no_control)["verdict"]

    claim = claim_llm(kinks, summary, bar, no_control)  # 37/40 explained, Lasso 0.01 below
    assert claim["verdict"] == REPRODUCED and claim["control verdict"] == NOT
    assert "fitted on 50 of 100" in claim["evidence"] and "ceiling" in claim["evidence"]
    assert verdict(kinks, summary, bar=0.9) == PARTLY  # accurate, but not above chance
    worse = summary.assign(
        test_mean=np.where(summary["model"] == "Lasso L3", 0.5, summary["test_mean"])
    )
    assert verdict(kinks, worse) == PARTLY
    unexplained = kinks.assign(kind="other")
    assert verdict(unexplained, worse) == NOT
