"""Dictionary sizes, build times and peak memory (docs/dictionaries.md).

Each case runs in a fresh Python process so that its peak resident memory is its own.
Usage:  python benchmarks/bench_dictionary.py [--out results.json] [--quick]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

CASES_1D = [(6, 1, depth, "exact") for depth in (2, 3, 4, 5)] + [
    (6, 1, depth, "closed-form") for depth in (2, 3, 4, 5)
]
CASES_2D = [(n, 2, 3, "exact") for n in (20, 40, 80, 100)] + [
    (n, 2, 3, "closed-form") for n in (20, 40, 80)
]
X_1D = [0.0, 4.0, 5.0, 7.0, 10.0, 11.0]  # docs/method.md §4, toy-1d


def run_case(n: int, d: int, depth: int, kind: str) -> dict:
    import numpy as np

    from reflasso.dictionary import build_dictionary, estimate_dictionary_size

    if d == 1:
        X = np.array(X_1D)[:, None]
    else:  # random points, as in the Lasso benchmark of issue 2
        X = np.random.default_rng(0).uniform(-1.0, 1.0, size=(n, d))
    start = time.perf_counter()
    dictionary = build_dictionary(X, depth, kind, max_bytes=4e9)
    seconds = time.perf_counter() - start
    candidates, _ = estimate_dictionary_size(n, d, depth, kind)
    return {
        "n": n,
        "d": d,
        "depth": depth,
        "kind": kind,
        "candidates": candidates,
        "columns": dictionary.size,
        "feature_matrix_gb": dictionary.size * n * 8 / 1e9,
        "build_s": round(seconds, 2),
        "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", help="write the results as JSON here")
    parser.add_argument("--quick", action="store_true", help="skip n >= 80")
    parser.add_argument("--case", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        n, d, depth, kind = args.case
        print(json.dumps(run_case(int(n), int(d), int(depth), kind)))
        return
    results = []
    for n, d, depth, kind in CASES_1D + CASES_2D:
        if args.quick and n >= 80:
            continue
        command = [sys.executable, __file__, "--case", str(n), str(d), str(depth), kind]
        line = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        results.append(json.loads(line.strip().splitlines()[-1]))
        row = results[-1]
        print(
            f"n={row['n']:4d} d={row['d']} L={row['depth']} {row['kind']:12s} "
            f"candidates={row['candidates']:>10,} columns={row['columns']:>10,} "
            f"A={row['feature_matrix_gb']:.3f} GB build={row['build_s']:7.2f} s "
            f"peak={row['peak_rss_gb']:.2f} GB",
            flush=True,
        )
    if args.out:
        with open(args.out, "w") as handle:
            json.dump(results, handle, indent=2)


if __name__ == "__main__":
    main()
