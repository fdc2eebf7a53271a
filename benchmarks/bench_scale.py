"""Benchmark: certified exact Lasso at real sizes (pricing oracle + column generation).

Each row runs in a fresh process (peak resident memory is per row: ru_maxrss of the
child, which includes numpy/torch/CLARABEL), beta = 0.01 unless stated, data
x ~ uniform[-1, 1]^d (seeded by the row), labels y = sign(sin(3 x_1) + cos(2 x_d))
(+-1) plus Gaussian noise of standard deviation 0.1.  A row is "certified" when the
fit's certificate holds: kkt_max (exact oracle maximum over every unit chain of the
depth, or over the whole materialised exact dictionary) and random_max <= 1 + tol.

    python benchmarks/bench_scale.py                       # every row (long)
    python benchmarks/bench_scale.py --rows 1d-L3-n500 clarabel-2d-L3-n40
    python benchmarks/bench_scale.py --device cuda --out benchmarks/out/scale_cuda.csv

Rows (targets from the issue, 2-core CPU, < 4 GB):
  1d-L2-n100000 (< 10 s), 1d-L3-n5000, 1d-L4-n500, 2d-L2-n2000, 2d-L3-n200,
  3d-L2-n300 (< 60 s each); clarabel-2d-L3-n40 (>= 100x faster than cvxpy + CLARABEL
  on the full exact dictionary, objective to 1e-7); path-1d-L3-n2000 (20 betas from
  beta_max down to 0.01, < 3x one fit at 0.01); growth-1d-L3-n{250,...,5000};
  line-1d-L2-n{1000,10000,100000,300000} (solver="line", 1-D depth 2, over n).
Writes a CSV (--out) and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

BETA = 0.01
TARGETS = {
    "1d-L2-n100000": (1, 2, 100_000, 10),
    "1d-L3-n5000": (1, 3, 5000, 60),
    "1d-L4-n500": (1, 4, 500, 60),
    "2d-L2-n2000": (2, 2, 2000, 60),
    "2d-L3-n200": (2, 3, 200, 60),
    "3d-L2-n300": (3, 2, 300, 60),
}
GROWTH = {f"growth-1d-L3-n{n}": (1, 3, n, None) for n in (250, 500, 1000, 2000, 5000)}
#: The 1-D depth-2 solver (solver="line", the default above 5,000 points) over n.
LINE = {f"line-1d-L2-n{n}": (1, 2, n, None) for n in (1000, 10_000, 100_000, 300_000)}
SPECIAL = ("clarabel-2d-L3-n40", "path-1d-L3-n2000")
ROWS = list(TARGETS) + list(SPECIAL) + list(GROWTH) + list(LINE)
FIELDS = (
    "row",
    "d",
    "depth",
    "n",
    "solver",
    "wall_s",
    "solve_s",
    "peak_mb",
    "target_s",
    "certified",
    "kkt_max",
    "random_max",
    "relative_gap",
    "rounds",
    "pricing_s",
    "n_active",
    "objective",
    "note",
)


def problem(n: int, d: int, seed: int):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, d))
    labels = np.sign(np.sin(3 * X[:, 0]) + np.cos(2 * X[:, -1]))
    return X, labels + 0.1 * rng.normal(size=n)


def fit_row(d, depth, n, device, solver="auto"):
    from reflasso.lasso import fit_lasso

    X, y = problem(n, d, seed=1000 * d + 10 * depth + n)
    start = time.perf_counter()
    fit = fit_lasso(
        X, y, depth=depth, beta=BETA, solver=solver, device=device, allow_uncertified=True
    )
    wall = time.perf_counter() - start
    return wall, fit


def describe(fit) -> dict:
    cert = fit.certificate()  # the one computed at fit time (default tol): cached
    return {
        "solver": fit.solver,
        "solve_s": fit.timing.get("solve"),
        "certified": cert["ok"],
        "kkt_max": cert["kkt_max"],
        "random_max": cert["random_max"],
        "relative_gap": cert["relative_gap"],
        "rounds": fit.solver_info.get("rounds"),
        "pricing_s": fit.solver_info.get("pricing_s"),
        "n_active": fit.n_active,
        "objective": fit.objective,
    }


def run_row(row: str, device: str) -> dict:
    """Run one row in this process; returns its record (without peak memory)."""
    for module in ("clarabel", "scipy.optimize", "torch"):  # imports before timing
        importlib.import_module(module)

    if row in TARGETS or row in GROWTH or row in LINE:
        d, depth, n, target = {**TARGETS, **GROWTH, **LINE}[row]
        wall, fit = fit_row(d, depth, n, device, "line" if row in LINE else "auto")
        record = {"row": row, "d": d, "depth": depth, "n": n, "wall_s": wall}
        return {**record, "target_s": target, "_fit": fit}
    if row == "clarabel-2d-L3-n40":
        return clarabel_row(device)
    return path_row(device)


def clarabel_row(device) -> dict:
    """Default fit_lasso and forced column generation against cvxpy + CLARABEL on the
    whole exact dictionary (its build not counted for CLARABEL, counted for ours)."""
    from reflasso.dictionary import build_dictionary
    from reflasso.lasso import fit_lasso
    from reflasso.solvers import lasso_objective, solve_clarabel

    X, y = problem(40, 2, seed=40)
    start = time.perf_counter()
    fit = fit_lasso(X, y, depth=3, beta=BETA, device=device, allow_uncertified=True)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    generated = fit_lasso(X, y, depth=3, beta=BETA, solver="generate", device=device)
    generated_s = time.perf_counter() - start
    dictionary = build_dictionary(X, 3, "exact")
    A = dictionary.evaluate(X)
    start = time.perf_counter()
    coef, intercept = solve_clarabel(A, y, BETA)
    reference = time.perf_counter() - start
    objective = lasso_objective(A @ coef + intercept, y, coef, BETA)
    note = (
        f"cvxpy+CLARABEL {reference:.1f} s on {dictionary.size} columns "
        f"(speed-up {reference / ours:.0f}x default, {reference / generated_s:.0f}x generate);"
        f" objective rel. diff {abs(fit.objective - objective) / objective:.1e} default,"
        f" {abs(generated.objective - objective) / objective:.1e} generate"
        f" (generate {generated_s:.2f} s)"
    )
    record = {"row": "clarabel-2d-L3-n40", "d": 2, "depth": 3, "n": 40, "wall_s": ours}
    return {**record, "target_s": reference / 100, "note": note, "_fit": fit}


def path_row(device) -> dict:
    from reflasso.lasso import beta_max, fit_lasso
    from reflasso.path import lasso_path

    X, y = problem(2000, 1, seed=2000)
    start = time.perf_counter()
    fit_lasso(X, y, depth=3, beta=BETA, device=device, allow_uncertified=True)
    single_s = time.perf_counter() - start
    start = time.perf_counter()
    betas = np.geomspace(beta_max(X, y, 3), BETA, 20)
    path = lasso_path(X, y, 3, betas, device=device, allow_uncertified=True)
    path_s = time.perf_counter() - start
    certified = sum(f.certificate()["ok"] for f in path)
    note = (
        f"20 betas {path_s:.1f} s = {path_s / single_s:.2f}x the single fit at 0.01 "
        f"({single_s:.1f} s); {certified}/20 certified"
    )
    record = {"row": "path-1d-L3-n2000", "d": 1, "depth": 3, "n": 2000, "wall_s": path_s}
    return {**record, "target_s": 3 * single_s, "note": note, "_fit": path[-1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", nargs="+", default=ROWS, choices=ROWS, metavar="ROW")
    parser.add_argument("--device", default="cpu", help="torch device of the oracle")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per row")
    parser.add_argument("--out", default="benchmarks/out/bench_scale.csv")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child_main(args.child, args.device)
        return
    records = []
    for row in args.rows:
        command = [sys.executable, __file__, "--child", row, "--device", args.device]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=args.timeout, check=False
            )
            lines = done.stdout.strip().splitlines()
            if done.returncode != 0 or not lines:
                raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr else "?")
            record = json.loads(lines[-1])
        except subprocess.TimeoutExpired:
            record = {"row": row, "note": f"not finished within {args.timeout:.0f} s (killed)"}
        except RuntimeError as error:
            record = {"row": row, "note": f"failed: {error}"}
        records.append(record)
        print(json.dumps(record), flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(records)
    print(markdown(records))


def _child_main(row: str, device: str) -> None:
    """One row; prints its record with peak memory and the fit's numbers as JSON."""
    record = run_row(row, device)
    record.update(describe(record.pop("_fit")))
    record["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(record, default=float))


def markdown(records) -> str:
    shown = ("row", "solver", "wall_s", "solve_s", "target_s", "peak_mb", "certified", "kkt_max")
    shown += ("random_max", "rounds", "pricing_s", "n_active", "note")
    lines = ["| " + " | ".join(shown) + " |", "|" + "---|" * len(shown)]
    for record in records:
        cells = []
        for name in shown:
            value = record.get(name, "")
            cells.append(f"{value:.4g}" if isinstance(value, float) else str(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
