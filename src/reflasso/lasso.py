"""The convex Lasso of a deep |.| network (docs/method.md §2) and its solution.

    min over z, xi:  1/2 ||A z + xi 1 - y||^2 + beta ||z||_1,   A[n, j] = g_j(x_n)

``fit_lasso`` builds (or takes) a dictionary of unit chains, solves the Lasso, checks
the certificate of docs/method.md §3.5 and returns a ``LassoFit``, which predicts, turns into
a ``ReflectionNetwork`` and saves/loads itself without pickle.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .certificate import DEFAULT_RANDOM, DEFAULT_TOL, NotCertifiedError, lasso_certificate
from .chains import evaluate_unit_chains
from .dictionary import Dictionary, chain_meaning, estimate_dictionary_size
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
from .line_depth2 import solve_line_depth2
from .provenance import provenance
from .solvers import (
    DictionaryColumns,
    lasso_objective,
    solve_clarabel,
    solve_generated,
    solve_working_set,
)

SOLVERS = ("auto", "generate", "line", "working-set", "clarabel")
#: Former solver names, still accepted (with a DeprecationWarning) by fit_lasso, and read
#: from saved fits: "fast" named a speed, not the method.
DEPRECATED_SOLVERS = {"fast": "working-set"}
#: Default memory budget of a fit (bytes): dictionaries, feature matrices, oracle chunks.
DEFAULT_MAX_MEMORY = 4e9
#: solver="auto" materialises the exact dictionary (meaning of every column) when its
#: estimated size is at most this; larger problems use column generation.
SMALL_DICTIONARY_BYTES = 256e6
#: solver="auto" uses the 1-D depth-2 solver ("line") above this many distinct points
#: (below it the existing solvers are fast, and their results stay as they were).
LINE_MIN_POINTS = 5000


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
    oracle: dict = field(default_factory=dict)  # pricing options (generated dictionaries)
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
        exact_max: float | None = None,
    ) -> dict:
        """The optimality certificate (docs/method.md §3.5); computed at fit time and cached.

        ``columns`` (the dictionary's matrix on X, if at hand) avoids re-evaluating it.
        For a generated dictionary (column generation) kkt_max is the pricing oracle's
        exact maximum over every unit chain (``exact_max`` if already known).
        """
        key = (int(n_random), int(seed), float(tol))
        if key not in self._certificates:
            columns = columns or DictionaryColumns(self.dictionary, self.X)
            if exact_max is None and self.dictionary.kind == "generated":
                exact_max = self._oracle_max()
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
                exact_max=exact_max,
            )
        return dict(self._certificates[key])

    def _oracle_max(self) -> float:
        from .pricing import price

        dual = self.y - _combination(self.X, self.dictionary, self.coef) - self.intercept
        return price(self.X, dual, self.depth, 1, **self.oracle).max_score

    def to_network(self):
        """The reflection network (docs/method.md §1-§2) with one chain per active
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
            DEPRECATED_SOLVERS.get(metrics["solver"], metrics["solver"]),
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
    tol: float = DEFAULT_TOL,
    max_memory: float = DEFAULT_MAX_MEMORY,
    allow_uncertified: bool = False,
    oracle: str = "auto",
    device: str = "cpu",
    warm_start: LassoFit | None = None,
    n_random: int = DEFAULT_RANDOM,
    certificate_seed: int = 0,
    **dictionary_options,
) -> LassoFit:
    """Solve the Lasso of a depth-L |.| network on (X, y) and certify the solution.

    ``dictionary`` is a kind for ``build_dictionary`` ("exact", "closed-form",
    "sampled"; ``dictionary_options`` such as n_samples, seed, max_bytes go to it) or a
    ready ``Dictionary``.  ``solver``:

    - "generate": certified column generation over the whole exact dictionary, never
      stored (``solvers.solve_generated`` with the pricing oracle ``oracle`` = "auto",
      "structured" or "streaming" on torch ``device``); the fit's dictionary (kind
      "generated") holds the active chains, with their meaning;
    - "line": 1-D data, depth 2 only: the Lasso as trend filtering on the sorted points
      (``line_depth2.solve_line_depth2``: interior point, banded systems, exact polish),
      checked by the same oracle; if its active-set rounds do not finish, column
      generation continues from its chains (if they finish and only rounding of the
      coefficients misses tol, the certificate check below reports it).  Its fit is
      stored like "generate"'s (kind "generated");
    - "working-set": working sets over a materialised dictionary, exact polished
      subproblems (``solvers.solve_working_set``; "fast" is its deprecated name);
    - "clarabel": the reference, cvxpy + CLARABEL on the whole matrix;
    - "auto": for dictionary="exact", "working-set" on the materialised dictionary
      (meaning of every column) when its estimated size is at most
      SMALL_DICTIONARY_BYTES (and ``max_memory``), else "generate"; "working-set" for
      the other kinds; "line" instead of either for d = 1, depth 2 and more than
      LINE_MIN_POINTS distinct points.

    The certificate (docs/method.md §3.5, ``n_random`` random chains seeded by
    ``certificate_seed``, slack ``tol``) is computed and stored; the solvers stop at
    the same ``tol`` (oracle maximum <= 1 + tol, relative duality gap <= tol).  A fit
    that fails it raises ``NotCertifiedError``, unless ``allow_uncertified`` (then a
    warning, and ``certificate()["ok"]`` is False).  ``warm_start``: a previous fit of
    the same data and depth whose chains start the column generation (paths).
    ``max_memory`` (bytes) bounds the dictionary, feature matrices and oracle chunks.
    """
    X, y = check_xy(X, y)
    depth, beta = check_depth(depth), _check_beta(beta)
    if solver in DEPRECATED_SOLVERS:
        warnings.warn(
            f"solver={solver!r} is deprecated; use solver={DEPRECATED_SOLVERS[solver]!r}",
            DeprecationWarning,
            stacklevel=2,
        )
        solver = DEPRECATED_SOLVERS[solver]
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; choose one of {SOLVERS}")
    if not (math.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a positive finite number (got {tol!r})")
    if np.all(X == X[0]):
        raise DataError(
            f"all {len(X)} training points are identical; the Lasso needs at "
            "least 2 distinct points (every feature would be constant)"
        )
    solver = _choose_solver(X, depth, dictionary, solver, max_memory)
    oracle_options = {
        "method": oracle,
        "device": device,
        "chunk_bytes": min(64 << 20, max_memory / 16),
    }
    timing, info, exact_max = {}, {}, None
    start = time.perf_counter()
    if solver in ("generate", "line"):
        initial = None
        if warm_start is not None and warm_start.dictionary.kind == "generated":
            D = warm_start.dictionary
            initial = (D.W, D.b1, D.C, warm_start.coef)  # chains and their weights
        if solver == "line":
            W, b1, C, coef, intercept, info = solve_line_depth2(
                X, y, beta, tol=tol, price_options=oracle_options
            )
            initial = (W, b1, C, coef)
        if solver == "generate" or not (info["converged"] or info["polished"]):
            line_info = info
            W, b1, C, coef, intercept, info = solve_generated(
                X, y, beta, depth, tol=tol, initial=initial, price_options=oracle_options
            )
            if solver == "line":  # column generation finished what the line solver began
                info["line"] = line_info
        timing["solve"] = time.perf_counter() - start
        start = time.perf_counter()
        meaning = chain_meaning(X, depth, W, b1, C) if len(b1) else pd.DataFrame()
        dictionary = Dictionary(depth, W, b1, C, "generated", meaning)
        timing["meaning"] = time.perf_counter() - start
        columns = DictionaryColumns(dictionary, X)
        exact_max = info["oracle_max"] * beta
    else:
        if isinstance(dictionary, str) and dictionary != "sampled":
            dictionary_options.setdefault("max_bytes", max_memory / 2)
        dictionary = _get_dictionary(X, depth, dictionary, dictionary_options)
        timing["dictionary"] = time.perf_counter() - start
        start = time.perf_counter()
        columns = DictionaryColumns(dictionary, X, max_bytes=int(max_memory / 4))
        if dictionary.size == 0:
            coef, intercept = np.zeros(0), float(y.mean())
        elif solver == "clarabel":
            coef, intercept = solve_clarabel(columns.matrix(), y, beta)
        else:
            coef, intercept, info = solve_working_set(columns, y, beta, gap_tol=min(1e-10, tol))
        timing["solve"] = time.perf_counter() - start

    fit = _make_fit(X, y, depth, beta, dictionary, coef, intercept, solver, info, timing)
    fit.oracle = {"method": oracle, "device": device}
    start = time.perf_counter()
    certificate = fit.certificate(
        n_random=n_random, seed=certificate_seed, tol=tol, columns=columns, exact_max=exact_max
    )
    timing["certificate"] = time.perf_counter() - start
    if not certificate["ok"]:
        _uncertified(certificate, solver, allow_uncertified, info)
    return fit


def _choose_solver(X, depth, dictionary, solver, max_memory) -> str:
    """The solver "auto" stands for (see fit_lasso); checks "generate" and "line" are possible."""
    exact = isinstance(dictionary, str) and dictionary == "exact"
    if solver in ("generate", "line") and not exact:
        raise ValueError(
            f"solver={solver!r} solves over the whole exact dictionary: use dictionary='exact'"
        )
    d = X.shape[1]
    if solver == "line" and (d, depth) != (1, 2):
        raise ValueError(
            f"solver='line' is for 1-D data and depth 2 (got d={d}, depth={depth}); "
            "use solver='generate'"
        )
    if solver != "auto":
        return solver
    if not exact:
        return "working-set"
    n = len(np.unique(X, axis=0))  # distinct points
    if (d, depth) == (1, 2) and n > LINE_MIN_POINTS:
        return "line"
    _, nbytes = estimate_dictionary_size(n, d, depth, "exact")
    return "working-set" if nbytes <= min(SMALL_DICTIONARY_BYTES, max_memory) else "generate"


def _uncertified(certificate: dict, solver: str, allow: bool, info: dict) -> None:
    scope = (
        "over all unit chains"
        if certificate["kkt_scope"] == "all chains"
        else ("over the fit's dictionary")
    )
    message = (
        f"the Lasso fit (solver {solver!r}) is not certified: kkt_max = "
        f"{certificate['kkt_max']:.10g} ({scope}), random_max = "
        f"{certificate['random_max']:.10g}, relative duality gap = "
        f"{certificate['relative_gap']:.3g}; both maxima must be <= 1 + tol = "
        f"{1 + certificate['tol']:.10g}. Try "
        + (
            "a larger tol or a larger beta (the line solver's fit is optimal on the sorted "
            "points, but the fitted values recomputed from its coefficients carry rounding "
            "beyond tol: many points and a small beta; docs/lasso.md)"
            if solver == "line" and "line" not in info
            else "a larger tol or a larger beta (column generation stalled: its restricted "
            "solves stayed inexact; docs/lasso.md, known limits)"
            if solver in ("generate", "line")
            else "solver='generate' (certified column generation over the whole exact "
            "dictionary), a larger tol, a larger beta, or dictionary='exact' if an "
            "incomplete dictionary was used"
        )
        + "; pass allow_uncertified=True to get the fit anyway."
    )
    if not allow:
        raise NotCertifiedError(message)
    warnings.warn(message, RuntimeWarning, stacklevel=3)


def beta_max(X, y, depth: int, *, dictionary: Dictionary | None = None, **price_options) -> float:
    """Smallest beta for which z = 0 (and xi = mean(y)) solves the Lasso.

    z = 0 is optimal iff |g(X) . (y - mean y)| <= beta for every feature g.  Over all
    unit chains this supremum is attained at a vertex (docs/method.md §3.1, with lambda =
    y - mean y, which sums to zero), which the pricing oracle finds without storing
    the dictionary (``price_options`` go to ``pricing.price``).  With a
    ``dictionary``, the value is for that dictionary.
    """
    X, y = check_xy(X, y)
    depth = check_depth(depth)
    if dictionary is None:
        from .pricing import price

        return float(price(X, y - y.mean(), depth, 1, **price_options).max_score)
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
