"""Training speed: Adam steps per second for n = 200, d = 3, width 128, depth 4.

Both architectures, full batch, float64 (and float32 on CUDA), on the CPU and on CUDA when
available (the card is named).  Prints a table and writes it as JSON.

    python benchmarks/bench_training.py [--steps 300] [--threads N] [--out FILE]
"""

from __future__ import annotations

import argparse
import platform

import numpy as np
import pandas as pd
import torch

from reflasso.io import write_json_atomic
from reflasso.provenance import provenance
from reflasso.training import cpu_threads, train_network

N, DIM, WIDTH, DEPTH, BETA = 200, 3, 128, 4, 1e-3


def steps_per_second(X, y, arch: str, device: str, dtype: torch.dtype, steps: int) -> float:
    """Steps per second of ``train_network``, after a short warm-up run."""
    settings = dict(
        arch=arch,
        depth=DEPTH,
        width=WIDTH,
        beta=BETA,
        device=device,
        dtype=dtype,
        progress=False,
        log_every=10,
    )
    train_network(X, y, epochs=20, **settings)  # warm-up: allocations, CUDA context
    if device == "cuda":
        torch.cuda.synchronize()
    result = train_network(X, y, epochs=steps, **settings)
    if device == "cuda":
        torch.cuda.synchronize()
    return steps / result.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default: torch's)")
    parser.add_argument("--out", default="benchmarks/bench_training.json")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    X = rng.normal(size=(N, DIM))
    y = np.sin(X.sum(axis=1)) + 0.1 * rng.normal(size=N)
    targets = [("cpu", torch.float64, platform.processor() or platform.machine())]
    if torch.cuda.is_available():
        card = torch.cuda.get_device_name(0)
        targets += [("cuda", torch.float64, card), ("cuda", torch.float32, card)]
    rows = []
    with cpu_threads(args.threads):
        threads = torch.get_num_threads()
        for device, dtype, name in targets:
            for arch in ("reflection", "standard"):
                rate = steps_per_second(X, y, arch, device, dtype, args.steps)
                rows.append(
                    {
                        "arch": arch,
                        "device": device,
                        "hardware": name,
                        "dtype": str(dtype).removeprefix("torch."),
                        "threads": threads,
                        "steps_per_second": round(rate, 1),
                    }
                )
    table = pd.DataFrame(rows)
    print(f"n={N} d={DIM} width={WIDTH} depth={DEPTH}, full-batch Adam, {args.steps} steps")
    print(table.to_string(index=False))
    config = {"n": N, "d": DIM, "width": WIDTH, "depth": DEPTH, "steps": args.steps}
    write_json_atomic(args.out, {"results": rows, "provenance": provenance(0, None, config)})


if __name__ == "__main__":
    main()
