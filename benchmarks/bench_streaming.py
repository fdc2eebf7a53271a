"""Time of one streaming pricing pass (vertex enumeration in chunks) per torch device.

The streaming oracle prices every vertex of the exact dictionary where no structured
pricing exists (d >= 2 with depth >= 3, depth >= 5 in 1-D). Each case runs one pass for
lambda = y - mean(y), y = sign(x_1) plus noise, on every device asked for, and checks
that all devices return the same maximum (relative 1e-9: the devices add the same
float64 terms in a different order).

    python benchmarks/bench_streaming.py [--devices cpu cuda] [--out results.json]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from bench_pricing import problem  # the same data as the structured-pricing benchmark

from reflasso.io import write_json_atomic
from reflasso.pricing import price
from reflasso.provenance import provenance

CASES = [(120, 2, 3), (200, 2, 3), (300, 3, 2), (30, 3, 3)]


def time_pass(X, lam, depth: int, device: str) -> tuple[float, float]:
    """(seconds, maximum) of one streaming pass; a first tiny pass warms the device."""
    price(X[:8], lam[:8], depth, 1, method="streaming", device=device)
    start = time.perf_counter()
    priced = price(X, lam, depth, 10, method="streaming", device=device)
    return time.perf_counter() - start, priced.max_score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", nargs="+", default=["cpu"])
    parser.add_argument("--out", help="also write the results to this JSON file")
    args = parser.parse_args()
    rows = []
    for n, d, depth in CASES:
        X, lam = problem(n, d)
        row = {"n": n, "d": d, "depth": depth}
        for device in args.devices:
            seconds, maximum = time_pass(X, lam, depth, device)
            row[f"{device}_s"], row[f"{device}_max"] = round(seconds, 3), maximum
        maxima = [row[f"{device}_max"] for device in args.devices]
        row["same_max"] = bool(np.allclose(maxima, maxima[0], rtol=1e-9, atol=0.0))
        rows.append(row)
        print(json.dumps(row), flush=True)
    if args.out:
        write_json_atomic(
            args.out, {"rows": rows, "provenance": provenance(device=" ".join(args.devices))}
        )
    if not all(row["same_max"] for row in rows):
        raise SystemExit("devices disagree on the maximum")


if __name__ == "__main__":
    main()
