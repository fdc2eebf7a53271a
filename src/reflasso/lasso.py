"""The convex Lasso of a deep |.| network (paper.md section 2) and its solution.

    min over z, xi:  1/2 ||A z + xi 1 - y||^2 + beta ||z||_1,   A[n, j] = g_j(x_n)

``fit_lasso`` builds (or takes) a dictionary of unit chains, solves the Lasso, checks
the certificate of paper.md 3.5 and returns a ``LassoFit``, which predicts, turns into
a ``ReflectionNetwork`` and saves/loads itself without pickle.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .certificate import DEFAULT_RANDOM, DEFAULT_TOL, lasso_certificate
from .chains import evaluate_unit_chains
from .dictionary import Dictionary
from .io import (
    DataError,
    check_depth,
    check_xy,
    load_npz,
    read_csv,
    read_json,
    save_npz_atomic,
    write_json_atomic,
    write_text_atomic,
)
from .provenance import provenance
from .solvers import DictionaryColumns, lasso_objective, solve_clarabel, solve_fast

SOLVERS = ("auto", "clarabel", "fast")


@dataclass
class LassoFit:
    """A solved Lasso: coefficients over ``dictionary`` plus everything to check it."""

    X: np.ndarray
    y: np.ndarray
    depth: int
    beta: float
    dictionary: Dictionary
    coef: np.ndarray  # (p,), one per dictionary column
    intercept: float
    objective: float  # 1/2||A z + xi - y||^2 + beta ||z||_1 at (coef, intercept)
    solver: str
    n_active: int
    solver_info: dict = field(default_factory=dict)
    timing: dict = field(default_factory=dict)
    _certificates: dict = field(default_factory=dict, repr=False)

    @property
    def active(self) -> np.ndarray:
        """Indices of the non-zero coefficients."""
        return np.flatnonzero(self.coef)

    def predict(self, X_new: np.ndarray) -> np.ndarray:
        """Fitted function sum_j z_j g_j(x) + xi at new points (m, d)."""
        X_new = np.asarray(X_new, dtype=float)
        X_new = X_new[:, None] if X_new.ndim == 1 and self.X.shape[1] == 1 else X_new
        if X_new.ndim != 2 or X_new.shape[1] != self.X.shape[1]:
            raise DataError(f"X_new must have shape (m, {self.X.shape[1]}), got {X_new.shape}")
        if not np.isfinite(X_new).all():
            raise DataError("X_new contains NaN or inf")
        return _combination(X_new, self.dictionary, self.coef) + self.intercept

    def certificate(
        self,
        n_random: int = DEFAULT_RANDOM,
        seed: int = 0,
        tol: float = DEFAULT_TOL,
        *,
        columns: DictionaryColumns | None = None,
    ) -> dict:
        """The optimality certificate (paper.md 3.5); computed at fit time and cached.

        ``columns`` (the dictionary's matrix on X, if at hand) avoids re-evaluating it.
        """
        key = (int(n_random), int(seed), float(tol))
        if key not in self._certificates:
            columns = columns or DictionaryColumns(self.dictionary, self.X)
            self._certificates[key] = lasso_certificate(
                columns,
                self.X,
                self.y,
                self.coef,
                self.intercept,
                self.beta,
                self.depth,
                n_random=n_random,
                seed=seed,
                tol=tol,
            )
        return dict(self._certificates[key])

    def to_network(self):
        """The reflection network (paper.md sections 1-2) with one chain per active
        column; its ``training_objective`` equals ``self.objective`` up to rounding."""
        from .network import ReflectionNetwork

        j, D = self.active, self.dictionary
        if len(j) == 0:  # one chain with zero weights: the network is the constant xi
            d = self.X.shape[1]
            return ReflectionNetwork.from_unit_chains(
                [0.0], np.eye(1, d), [0.0], np.zeros((1, self.depth - 2)), self.intercept
            )
        return ReflectionNetwork.from_unit_chains(
            self.coef[j], D.W[j], D.b1[j], D.C[j], self.intercept
        )

    # ------------------------------------------------------------------ persistence

    def save(self, directory) -> None:
        """Write metrics.json, solution.npz and meaning.csv (active columns) into ``directory``."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        D = self.dictionary
        save_npz_atomic(
            directory / "solution.npz",
            coef=self.coef,
            intercept=np.float64(self.intercept),
            W=D.W,
            b1=D.b1,
            C=D.C,
            X=self.X,
            y=self.y,
            depth=np.int64(self.depth),
            beta=np.float64(self.beta),
        )
        # only the active columns: the full table of a large exact dictionary runs to
        # hundreds of MB, and the figures need only what the solution uses.  Always
        # written (a header only when there is no meaning), so the workflow can declare it.
        active = pd.DataFrame({"coef": []})
        if D.meaning is not None and len(D.meaning):
            active = D.meaning.iloc[self.active].assign(coef=self.coef[self.active])
        write_text_atomic(directory / "meaning.csv", active.to_csv(index_label="column"))
        certificate = (
            self.certificate()
            if not self._certificates
            else next(iter(self._certificates.values()))
        )
        config = {
            "depth": self.depth,
            "beta": self.beta,
            "dictionary": D.kind,
            "solver": self.solver,
        }
        write_json_atomic(
            directory / "metrics.json",
            {
                "objective": self.objective,
                "intercept": self.intercept,
                "n_active": self.n_active,
                "n_points": int(self.X.shape[0]),
                "dim": int(self.X.shape[1]),
                "depth": self.depth,
                "beta": self.beta,
                "dictionary": {"kind": D.kind, "size": D.size},
                "certificate": certificate,
                "solver": self.solver,
                "solver_info": self.solver_info,
                "timing_s": self.timing,
                "provenance": provenance(seed=None, device="cpu", config=config),
            },
        )

    @classmethod
    def load(cls, directory) -> LassoFit:
        """Read a fit written by ``save`` (no pickle)."""
        directory = Path(directory)
        metrics = read_json(directory / "metrics.json")
        arrays = load_npz(directory / "solution.npz")
        meaning_path = directory / "meaning.csv"
        meaning = pd.DataFrame()
        if meaning_path.exists():  # active columns only (see save)
            active = read_csv(meaning_path, index_col="column").drop(columns="coef")
            meaning = active.reindex(range(len(arrays["b1"])))
        meaning.index.name = None
        depth, beta = int(arrays["depth"]), float(arrays["beta"])
        dictionary = Dictionary(
            depth, arrays["W"], arrays["b1"], arrays["C"], metrics["dictionary"]["kind"], meaning
        )
        fit = _make_fit(
            arrays["X"],
            arrays["y"],
            depth,
            beta,
            dictionary,
            arrays["coef"],
            float(arrays["intercept"]),
            metrics["solver"],
            metrics.get("solver_info", {}),
            metrics.get("timing_s", {}),
        )
        cert = metrics.get("certificate")
        if cert:
            fit._certificates[(cert["n_random"], cert["seed"], float(cert["tol"]))] = cert
        return fit


def _make_fit(X, y, depth, beta, dictionary, coef, intercept, solver, info, timing) -> LassoFit:
    """A LassoFit whose objective is recomputed from its own arrays."""
    objective = lasso_objective(_combination(X, dictionary, coef) + intercept, y, coef, beta)
    return LassoFit(
        X=X,
        y=y,
        depth=depth,
        beta=beta,
        dictionary=dictionary,
        coef=coef,
        intercept=intercept,
        objective=objective,
        solver=solver,
        n_active=int(np.count_nonzero(coef)),
        solver_info=info,
        timing=timing,
    )


def _combination(X, dictionary, coef) -> np.ndarray:
    """sum_j coef_j g_j(X) over the non-zero coefficients (zeros when there are none)."""
    j = np.flatnonzero(coef)
    if len(j) == 0:
        return np.zeros(len(X))
    return evaluate_unit_chains(X, dictionary.W[j], dictionary.b1[j], dictionary.C[j]) @ coef[j]


# ------------------------------------------------------------------------- fitting


def fit_lasso(
    X,
    y,
    *,
    depth: int,
    beta: float,
    dictionary: str | Dictionary = "exact",
    solver: str = "auto",
    n_random: int = DEFAULT_RANDOM,
    certificate_seed: int = 0,
    **dictionary_options,
) -> LassoFit:
    """Solve the Lasso of a depth-L |.| network on (X, y) and certify the solution.

    ``dictionary`` is a kind for ``build_dictionary`` ("exact", "closed-form",
    "sampled"; ``dictionary_options`` such as n_samples, seed, max_bytes go to it) or a
    ready ``Dictionary``.  ``solver``: "clarabel" (reference: cvxpy + CLARABEL),
    "fast" (working sets with exact, polished subproblems) or "auto" (= "fast": its
    solutions are exact to rounding and sparse, which the certificate needs at small
    beta; the unpolished reference is accurate only to ~1e-10 in z, docs/lasso.md).
    The certificate (paper.md 3.5, with ``n_random`` random chains seeded by
    ``certificate_seed``) is computed and stored.
    """
    X, y = check_xy(X, y)
    depth, beta = check_depth(depth), _check_beta(beta)
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; choose one of {SOLVERS}")
    if np.all(X == X[0]):
        raise DataError(
            f"all {len(X)} training points are identical; the Lasso needs at "
            "least 2 distinct points (every feature would be constant)"
        )
    timing = {}
    start = time.perf_counter()
    dictionary = _get_dictionary(X, depth, dictionary, dictionary_options)
    timing["dictionary"] = time.perf_counter() - start

    start = time.perf_counter()
    columns = DictionaryColumns(dictionary, X)
    if solver == "auto":
        solver = "fast"
    if dictionary.size == 0:
        coef, intercept, info = np.zeros(0), float(y.mean()), {}
    elif solver == "clarabel":
        coef, intercept = solve_clarabel(columns.matrix(), y, beta)
        info = {}
    else:
        coef, intercept, info = solve_fast(columns, y, beta)
    timing["solve"] = time.perf_counter() - start

    fit = _make_fit(X, y, depth, beta, dictionary, coef, intercept, solver, info, timing)
    start = time.perf_counter()
    fit.certificate(n_random=n_random, seed=certificate_seed, columns=columns)
    timing["certificate"] = time.perf_counter() - start
    return fit


def beta_max(X, y, depth: int, *, dictionary: Dictionary | None = None) -> float:
    """Smallest beta for which z = 0 (and xi = mean(y)) solves the Lasso.

    z = 0 is optimal iff |g(X) . (y - mean y)| <= beta for every feature g.  Over all
    unit chains this supremum is attained at a vertex (paper.md 3.1, with lambda =
    y - mean y, which sums to zero), so the exact dictionary gives it; it is built
    unless a ``dictionary`` is passed (then the value is for that dictionary).
    """
    X, y = check_xy(X, y)
    depth = check_depth(depth)
    if dictionary is None:
        from .dictionary import build_dictionary

        dictionary = build_dictionary(X, depth, "exact")
    correlations = DictionaryColumns(dictionary, X).correlate(y - y.mean())
    return float(np.max(np.abs(correlations), initial=0.0))


def _get_dictionary(X, depth, dictionary, options) -> Dictionary:
    if isinstance(dictionary, str):
        from .dictionary import build_dictionary

        return build_dictionary(X, depth, dictionary, **options)
    if not isinstance(dictionary, Dictionary):
        raise TypeError(f"dictionary must be a kind name or a Dictionary, got {type(dictionary)}")
    if options:
        raise ValueError(f"dictionary options {sorted(options)} need a dictionary kind name")
    if dictionary.depth != depth or np.asarray(dictionary.C).shape[1:] != (depth - 2,):
        raise ValueError(f"dictionary has depth {dictionary.depth}, the fit asks for {depth}")
    if dictionary.size and np.asarray(dictionary.W).shape[1] != X.shape[1]:
        raise ValueError(
            f"dictionary chains take {np.asarray(dictionary.W).shape[1]} inputs, "
            f"X has {X.shape[1]} columns"
        )
    return dictionary


def _check_beta(beta) -> float:
    if isinstance(beta, bool) or not isinstance(beta, int | float | np.number):
        raise ValueError(f"beta must be a positive finite number (got {beta!r})")
    if not (math.isfinite(beta) and beta > 0):
        raise ValueError(f"beta must be a positive finite number (got {beta!r})")
    return float(beta)
