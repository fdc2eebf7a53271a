"""Claims and their negative controls (reflasso.claims, the kinds and null functions of
reflasso.analysis): every check passes on a case where its claim holds and fails on its
control, so each check is shown to have power."""

import numpy as np
import pandas as pd
import pytest

from reflasso import fit_lasso
from reflasso.analysis import (
    accuracy,
    classify_kink_kinds,
    closer_share,
    exceedance,
    kink_table,
    kinks_on_first_axis,
    moved_kink_functions,
    predicted_kink_kinds,
    r_squared,
    relocated,
    symmetry_control_row,
    symmetry_row,
)
from reflasso.claims import (
    NO_DATA,
    NOT,
    PARTLY,
    REPRODUCED,
    chance_bar,
    claim_equivalence,
    claim_llm,
    claim_orthogonality,
    claim_reflections,
    claim_symmetry,
    kink_kinds_table,
    llm_checks,
    orthogonality_table,
    shifted_dictionary_control,
)
from reflasso.dictionary import build_dictionary
from reflasso.llm import accuracy_summary, lasso_kinks, least_squares

EXACT = 1e-7  # kinks of exact features are computed from their parameters: rounding only


def all_kinks(dictionary) -> np.ndarray:
    table = kink_table(np.ones(dictionary.size), dictionary.W, dictionary.b1, dictionary.C)
    return kinks_on_first_axis(table)["position"].to_numpy()


# ------------------------------------------------------------------- kinds of kinks
@pytest.mark.parametrize("depth", [2, 3, 4])
def test_every_kink_of_the_exact_dictionary_has_a_kind_its_depth_predicts(depth):
    x = np.sort(np.random.default_rng(depth).uniform(0, 10, 5))  # generic: no coincidences
    kinds = classify_kink_kinds(all_kinks(build_dictionary(x[:, None], depth)), x, EXACT)
    assert kinds["kind"].isin(predicted_kink_kinds(depth)).all()
    if depth == 3:  # the three kinds of docs/claims.md all occur
        assert set(kinds["kind"]) == {"data", "midpoint", "reflection"}
    if depth == 4:  # and deeper ones appear
        assert {"reflection of order 2", "lattice"} <= set(kinds["kind"])


def test_random_kink_positions_are_not_predicted():
    x = np.sort(np.random.default_rng(0).uniform(0, 10, 5))
    kinds = classify_kink_kinds(relocated(np.zeros(500), -5, 15, seed=1), x, EXACT)
    # ~3e4 lattice points at tolerance 1e-7 over a window of 20: a random hit has chance ~3e-3
    assert (kinds["kind"] == "other").mean() > 0.95


def toy_kinks(depth):
    x = np.array([0.0, 4.0, 5.0, 7.0, 10.0, 11.0])
    fit = fit_lasso(x[:, None], [0, 0, 0, 2, 3, 3], depth=depth, beta=1e-3, n_random=200)
    found = kinks_on_first_axis(
        kink_table(fit.coef, fit.dictionary.W, fit.dictionary.b1, fit.dictionary.C)
    ).rename(columns={"position": "location"})
    table = kink_kinds_table(found[["location", "level"]], x, depth, -5.5, 16.5, seed=depth)
    return table.assign(depth=depth)


def test_reflection_claim_passes_on_lasso_kinks_and_fails_on_its_control():
    row = claim_reflections(pd.concat([toy_kinks(3), toy_kinks(4)], ignore_index=True))
    assert row["verdict"] == REPRODUCED
    assert row["control verdict"] == NOT
    assert claim_reflections(toy_kinks(2))["verdict"] == NO_DATA  # no deep fit


# ---------------------------------------------------------------- orthogonality
def noisy(directions, degrees, rng):
    """Directions tilted by about ``degrees``."""
    return directions + np.tan(np.radians(degrees)) * rng.standard_normal(directions.shape) / 2


def test_orthogonality_claim_has_power():
    rng = np.random.default_rng(0)
    active = rng.standard_normal((4, 3))
    planes = np.vstack([active, rng.standard_normal((20, 3))])
    other = rng.standard_normal((24, 3))
    trained = noisy(np.repeat(active, 5, axis=0), 1.0, rng)
    tables = []
    for depth in (2, 3):
        table = orthogonality_table(
            {"trained": trained, "shuffled": rng.standard_normal((20, 3))}, active, planes, other
        )
        tables.append(table.assign(depth=depth))
    row = claim_orthogonality(pd.concat(tables))
    assert row["verdict"] == REPRODUCED
    assert row["control verdict"] == NOT
    # trained directions as random as the null: the same check says no
    random_trained = pd.concat(tables).replace({"source": {"trained": "x", "shuffled": "trained"}})
    assert claim_orthogonality(random_trained)["verdict"] == NOT


def test_closer_share_is_the_null_quantile_of_the_median():
    null = np.arange(100.0)  # 0 .. 99
    assert closer_share([10.0, 10.0, 10.0], null) == 0.10
    assert np.isnan(closer_share([], null))


# --------------------------------------------------------------------- symmetry
X_SYM = np.array([1.0, 3.0, 5.0, 7.0, 9.0])


def nested():
    """|||x - 5| - 2| - 1|: symmetric about 5, and about 3 and 7 within the halves;
    the kinks at 2, 4, 6, 8 are not data points (the null moves them)."""
    return lambda t: np.abs(np.abs(np.abs(np.asarray(t, float) - 5) - 2) - 1)


def test_symmetric_function_beats_its_null_and_the_control_does_not():
    kinks = [2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    row = symmetry_row(nested(), kinks, X_SYM, 1.0, 9.0, count=100, seed=0)
    assert row["symmetry"] > 0.99 and row["p_value"] <= 0.05
    control = symmetry_control_row(nested(), kinks, X_SYM, 1.0, 9.0, count=100, seed=0)
    assert control["p_value"] > 0.05


def test_moved_kink_null_keeps_the_data_values():
    for g in moved_kink_functions(nested(), [2.0, 4.0, 6.0, 8.0], X_SYM, 1.0, 9.0, 5, seed=0):
        np.testing.assert_allclose(g(X_SYM), nested()(X_SYM), atol=1e-12)  # rounding only


def test_a_function_without_movable_kinks_equals_its_null():
    def f(t):  # one kink, at a data point
        return np.abs(np.asarray(t, float) - 3.0)

    row = symmetry_row(f, [3.0], X_SYM, 1.0, 9.0, count=20)
    assert row["p_value"] == 1.0  # the null is f itself: never beaten


def symmetry_table(p_values, scores, source="lasso"):
    depths = list(range(2, 2 + len(p_values)))
    return pd.DataFrame(
        {
            "source": source,
            "depth": depths,
            "fits": True,
            "symmetry": scores,
            "null_median": 0.3,
            "p_value": p_values,
        }
    )


def test_symmetry_claim_compares_with_the_null():
    real = symmetry_table([1.0, 0.01, 0.01], [0.3, 0.5, 0.7])
    control = symmetry_table([1.0, 0.4, 0.6], [0.3, 0.31, 0.29], source="control")
    row = claim_symmetry(pd.concat([real, control]))
    assert row["verdict"] == REPRODUCED and row["control verdict"] == NOT
    chance = claim_symmetry(symmetry_table([1.0, 0.3, 0.01], [0.3, 0.35, 0.6]))
    assert chance["verdict"] == PARTLY


def test_chance_bar_widens_on_small_test_sets():
    assert chance_bar([1, -1] * 100) == pytest.approx(0.5 + 2 * np.sqrt(0.25 / 200))
    assert chance_bar([1, -1] * 10) == pytest.approx(0.5 + 2 * np.sqrt(0.25 / 20))
    assert chance_bar([1] * 1000) == 1.05  # nothing beats a constant label


def test_exceedance_and_r_squared():
    assert exceedance(5.0, np.arange(10.0)) == pytest.approx(6 / 11)
    assert r_squared([0, 1, 2], [0, 1, 2]) == 1.0
    assert r_squared([0, 1, 2], [1, 1, 1]) == 0.0


# ------------------------------------------------------------------ equivalence
def test_certificate_rejects_the_lasso_over_a_shifted_dictionary():
    X, y = np.array([[0.0], [4.0], [5.0], [7.0], [10.0], [11.0]]), np.array([0, 0, 0, 2, 3, 3])
    fit = fit_lasso(X, y, depth=3, beta=1e-3, n_random=500)
    control = shifted_dictionary_control(fit, tol=1e-5, n_random=500)
    assert control["objective_gap"] > 1e-3  # suboptimal ...
    assert not control["certified"]  # ... and the certificate says so
    lasso = pd.DataFrame({"kkt_max": [1.0], "random_max": [0.99], "reconstruction_gap": [0.0]})
    optimality = pd.DataFrame(
        {
            "bound_applies": True,
            "lasso_objective": 1.0,
            "below_bound": [False],
            "init": "random",
            "rel_gap": 0.01,
            "near_optimum": True,
        }
    )
    row = claim_equivalence(lasso, optimality, pd.DataFrame([control]), 1e-5, 1e-6)
    assert row["verdict"] == REPRODUCED and row["control verdict"] == NOT
    certified = pd.DataFrame([{**control, "certified": True}])
    flagged = claim_equivalence(lasso, optimality, certified, 1e-5, 1e-6)
    assert "passes its negative control" in flagged["verdict"]


# -------------------------------------------------------------------------- LLM
def separable(seed):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (60, 1))
    y = np.where(X[:, 0] > 0.1, 1.0, -1.0)
    return {"X": X[:20], "y": y[:20], "X_test": X[20:], "y_test": y[20:]}


def test_llm_claim_passes_on_real_labels_and_fails_on_its_controls():
    """llm_checks on one 1-D text-like data set: kinds of the real kinks and of random
    ones, and the shuffled-label refit at the fit's beta, judged by claim_llm."""
    data = separable(0)
    fit = fit_lasso(data["X"], data["y"], depth=2, beta=0.1, n_random=200)
    tags = {"reduction": "pca", "dim": 1, "n_train": 20, "split": 0}
    kinks = lasso_kinks(fit, data["X"][:, 0], 1e-9 * np.ptp(data["X"]))
    kinks = kinks.assign(**tags, depth=2, n_fit=20)
    line = least_squares(data["X"], data["y"])
    runs = pd.DataFrame(
        [
            {
                **tags,
                "model": "Lasso L2",
                "train": 1.0,
                "n_fit": 20,
                "test": accuracy(data["y_test"], fit.predict(data["X_test"])),
            },
            {
                **tags,
                "model": "least squares",
                "train": 1.0,
                "n_fit": 20,
                "test": accuracy(data["y_test"], line(data["X_test"])),
            },
        ]
    )
    summary = accuracy_summary(runs)
    lasso = pd.DataFrame({"dataset": ["t"], "depth": [2], "beta": [0.1]})
    table, bar, control = llm_checks(
        kinks, summary, {"t": data}, [{**tags, "depth": 2, "dataset": "t"}], lasso, 1e-9, seed=3
    )
    assert len(table) == len(kinks) and len(control) == 1
    assert summary["test_mean"].min() >= bar  # the real fits beat chance
    assert control["lasso_test"].iloc[0] < bar  # shuffled labels do not
    row = claim_llm(table, summary, bar, control)
    assert row["verdict"] == REPRODUCED and row["control verdict"] == NOT


def test_sparsity_alone_does_not_pass_as_alignment():
    """Directions with a zero coordinate lie on the great circles where the normals of
    axis-spanned planes lie: uniform random directions would call them aligned, the
    sparsity-matched null does not."""
    rng = np.random.default_rng(1)

    def on_circles(count):
        directions = rng.standard_normal((count, 3))
        directions[np.arange(count), rng.integers(3, size=count)] = 0.0
        return directions

    planes = on_circles(150)
    angles = orthogonality_table({"trained": on_circles(30)}, planes[:3], planes, planes)
    angles = angles.assign(depth=2)
    trained = angles[(angles["source"] == "trained") & (angles["reference"] == "planes")]
    uniform = angles[(angles["source"] == "random") & (angles["reference"] == "planes")]
    matched = angles[(angles["source"] == "null:trained") & (angles["reference"] == "planes")]
    assert closer_share(trained["angle_deg"], uniform["angle_deg"]) < 0.05  # fooled
    assert closer_share(trained["angle_deg"], matched["angle_deg"]) > 0.2  # not fooled
