"""Time of one structured pricing pass against n, and against brute force at small n
(docs/pricing.md).

One pass = ``reflasso.structured`` returning the exact maximum of |lambda . g(X)| over
all unit chains and the 10 best chains, for lambda = y - mean(y) with y = sign(x_1) plus
noise (the first dual vector of a Lasso path).  Brute force = building the exact
dictionary and evaluating every column.  Each case runs in a fresh Python process so
that its peak resident memory is its own; wall and CPU seconds are both reported (the
CPU time is less sensitive to other jobs on a shared machine).
Usage:  python benchmarks/bench_pricing.py [--out results.json] [--quick]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

SCALING = (
    [(n, 1, 2) for n in (1_000, 10_000, 100_000)]
    + [(n, 1, 3) for n in (250, 500, 1_000, 2_000, 5_000)]
    + [(n, 1, 4) for n in (100, 200, 300, 500)]
    + [(n, 2, 2) for n in (250, 500, 1_000, 2_000)]
    + [(n, 3, 2) for n in (100, 200, 300)]
)
BRUTE = [(1_000, 1, 2), (200, 1, 3), (20, 1, 4), (200, 2, 2), (40, 3, 2)]
QUICK_LIMIT = {2: 10_000, 3: 1_000, 4: 200}  # largest n per depth with --quick (1-D)


def problem(n: int, d: int):
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.uniform(-1.0, 1.0, size=(n, d))
    y = np.sign(X[:, 0]) + 0.3 * rng.normal(size=n)
    return X, y - y.mean()


def run_case(n: int, d: int, depth: int, brute: bool) -> dict:
    import numpy as np

    from reflasso.structured import price_depth2, price_line

    X, lam = problem(n, d)
    wall, cpu = time.perf_counter(), time.process_time()
    if brute:
        from reflasso.dictionary import build_dictionary

        dictionary = build_dictionary(X, depth, "exact", max_bytes=8e9)
        best = float(np.abs(dictionary.evaluate(X).T @ lam).max())
        columns = dictionary.size
    else:
        result = price_depth2(X, lam, 10) if depth == 2 else price_line(X, lam, depth, 10)
        best, columns = result.max_score, None
    return {
        "n": n,
        "d": d,
        "depth": depth,
        "method": "brute force" if brute else "structured",
        "max_score": best,
        "columns": columns,
        "wall_s": round(time.perf_counter() - wall, 3),
        "cpu_s": round(time.process_time() - cpu, 3),
        "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 3),
    }


def run_in_child(n: int, d: int, depth: int, brute: bool) -> dict:
    command = [sys.executable, __file__, "--case", str(n), str(d), str(depth), str(int(brute))]
    line = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(line.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", help="write the results as JSON here")
    parser.add_argument("--quick", action="store_true", help="small n only")
    parser.add_argument("--case", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        n, d, depth, brute = (int(v) for v in args.case)
        print(json.dumps(run_case(n, d, depth, bool(brute))))
        return
    cases = [(n, d, depth, False) for n, d, depth in SCALING]
    cases += [c for n, d, depth in BRUTE for c in ((n, d, depth, True), (n, d, depth, False))]
    results = []
    for n, d, depth, brute in cases:
        if args.quick and not brute and n > QUICK_LIMIT.get(depth if d == 1 else 3, 300):
            continue
        row = run_in_child(n, d, depth, brute)
        results.append(row)
        print(
            f"d={d} L={depth} n={n:6d} {row['method']:11s} wall={row['wall_s']:8.2f} s "
            f"cpu={row['cpu_s']:8.2f} s peak={row['peak_rss_gb']:.2f} GB "
            f"max={row['max_score']:.12g}",
            flush=True,
        )
    if args.out:
        with open(args.out, "w") as handle:
            json.dump(results, handle, indent=2)


if __name__ == "__main__":
    main()
