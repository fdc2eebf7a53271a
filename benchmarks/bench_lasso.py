"""Benchmark: the working-set solver vs cvxpy + CLARABEL on the exact dictionary.

Depth 3, d = 2, n = 20, 40, 80 random points in [-1, 1]^2 with labels +-1, beta = 0.01:
wall time of the solve, peak memory (resident set of a fresh process per run, so the
Rust solver's memory counts too), objective gap.  Then n = 100: the whole exact fit
(dictionary + fast solve + certificate) against the targets < 60 s and < 4 GB.

    python benchmarks/bench_lasso.py                  # everything (long: CLARABEL)
    python benchmarks/bench_lasso.py --sizes 20 40    # a subset

Writes benchmarks/out/bench_lasso.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import importlib
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

DEPTH, DIM, BETA = 3, 2, 0.01


def problem(n: int):
    rng = np.random.default_rng(n)
    return rng.uniform(-1, 1, size=(n, DIM)), rng.choice([-1.0, 1.0], size=n)


def run_one(n: int, solver: str) -> dict:
    """One fit in this process; with solver 'pipeline' the timed part includes the
    dictionary build and the certificate."""
    # imported before timing: solve times exclude imports
    for module in ("clarabel", "cvxpy", "scipy.optimize", "scipy.sparse"):
        importlib.import_module(module)

    from reflasso.dictionary import build_dictionary
    from reflasso.lasso import fit_lasso

    X, y = problem(n)
    start = time.perf_counter()
    dictionary = build_dictionary(X, DEPTH, "exact")
    build = time.perf_counter() - start
    fit = fit_lasso(
        X,
        y,
        depth=DEPTH,
        beta=BETA,
        dictionary=dictionary,
        solver="working-set" if solver == "pipeline" else solver,
    )
    total = time.perf_counter() - start
    return {
        "n": n,
        "solver": solver,
        "columns": dictionary.size,
        "objective": fit.objective,
        "n_active": fit.n_active,
        "dictionary_s": build,
        "solve_s": fit.timing["solve"],
        "certificate_s": fit.timing["certificate"],
        "total_s": total,
        "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6,
        "certificate": fit.certificate(),
        "solver_info": fit.solver_info,
    }


def run_isolated(n: int, solver: str, timeout: float, memory_gb: float) -> dict:
    """run_one in a fresh Python process (clean peak-memory count, hard limits)."""
    command = [sys.executable, __file__, "--one", str(n), solver, "--memory-gb", str(memory_gb)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"n": n, "solver": solver, "error": f"timed out after {timeout:.0f} s"}
    if result.returncode != 0:
        return {"n": n, "solver": solver, "error": result.stderr.strip().splitlines()[-1:]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[20, 40, 80])
    parser.add_argument("--exact-n", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=600, help="seconds per run")
    parser.add_argument("--out", default=str(Path(__file__).parent / "out"))
    parser.add_argument("--one", nargs=2, metavar=("N", "SOLVER"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--memory-gb",
        type=float,
        default=8.0,
        help="address-space cap per run, so a huge solve fails cleanly",
    )
    args = parser.parse_args()
    if args.one:
        cap = int(args.memory_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        print(json.dumps(run_one(int(args.one[0]), args.one[1])))
        return

    rows = []
    for n in args.sizes:
        for solver in ("working-set", "clarabel"):
            rows.append(run_isolated(n, solver, args.timeout, args.memory_gb))
            print(json.dumps(rows[-1]), flush=True)
    if args.exact_n:
        rows.append(run_isolated(args.exact_n, "pipeline", args.timeout, args.memory_gb))
        print(json.dumps(rows[-1]), flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_lasso.json").write_text(json.dumps(rows, indent=2))
    print(table(rows))


def table(rows: list[dict]) -> str:
    lines = [
        "| n | solver | columns | solve s | total s | peak RSS GB | objective | "
        "rel. gap to CLARABEL | speed-up | kkt_max | random_max |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    reference = {r["n"]: r for r in rows if r.get("solver") == "clarabel" and "error" not in r}
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['n']} | {r['solver']} | | {r['error']} | | | | | | | |")
            continue
        ref = reference.get(r["n"])
        gap = speed = ""
        if ref and r["solver"] != "clarabel":
            gap = f"{(r['objective'] - ref['objective']) / ref['objective']:.1e}"
            speed = f"{ref['solve_s'] / r['solve_s']:.0f}x"
        cert = r["certificate"]
        lines.append(
            f"| {r['n']} | {r['solver']} | {r['columns']:,} | {r['solve_s']:.2f} | "
            f"{r['total_s']:.2f} | {r['peak_rss_gb']:.2f} | {r['objective']:.10f} | {gap} | "
            f"{speed} | {cert['kkt_max']:.10f} | {cert['random_max']:.6f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
