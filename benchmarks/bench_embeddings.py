"""Embedding throughput of the default model, and how well reductions separate VADER sentiment.

    python benchmarks/bench_embeddings.py                  # sentences per second, CPU (+ GPU)
    python benchmarks/bench_embeddings.py --separation     # PCA vs PLS on the VADER words

Throughput is measured on two workloads made from the VADER lexicon (seeded): single words
(the default text set) and ~200-word pseudo-reviews (IMDB-length, truncated by the model at
256 tokens). The separation run embeds every VADER entry (minutes on a small CPU), splits
75/25 stratified per seed, fits each reduction on the training words only and reports the
held-out sign accuracy of a logistic regression on the reduced points.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from reflasso.datasets import load_dataset
from reflasso.embeddings import embed_texts, embedding_info, load_model
from reflasso.io import write_json_atomic
from reflasso.provenance import provenance


def workloads(seed: int = 0, n_words: int = 512, n_reviews: int = 64) -> dict[str, list[str]]:
    words = load_dataset("vader", margin=0).texts
    rng = np.random.default_rng(seed)
    reviews = [" ".join(rng.choice(words, 200)) for _ in range(n_reviews)]
    return {"word": list(rng.choice(words, n_words, replace=False)), "review": reviews}


def cpu_name() -> str:
    import platform
    from pathlib import Path

    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def device_names() -> dict[str, str]:
    import torch

    names = {"cpu": f"{cpu_name()}, {torch.get_num_threads()} torch threads"}
    if torch.cuda.is_available():
        names["cuda"] = torch.cuda.get_device_name(0)
    return names


def throughput(texts: list[str], device: str, batch_size: int, repeats: int) -> float:
    """Best of ``repeats`` timed runs, in texts per second (after one warm-up batch)."""
    load_model(None, device=device)
    embed_texts(texts[:batch_size], device=device, batch_size=batch_size, progress=False)
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        embed_texts(texts, device=device, batch_size=batch_size, progress=False)
        best = min(best, time.perf_counter() - start)
    return len(texts) / best


def run_throughput(args) -> dict:
    texts = workloads()
    rows = []
    for device, card in device_names().items():
        for kind, items in texts.items():
            rate = throughput(items, device, args.batch_size, args.repeats)
            rows.append(
                {
                    "device": device,
                    "card": card,
                    "workload": kind,
                    "n": len(items),
                    "batch_size": args.batch_size,
                    "texts_per_second": round(rate, 1),
                }
            )
            print(
                f"{device:5s} {card:40s} {kind:7s} n={len(items):4d} "
                f"batch={args.batch_size}: {rate:8.1f} texts/s"
            )
    return {"throughput": rows}


def run_separation(args) -> dict:
    from sklearn.linear_model import LogisticRegression

    from reflasso.reduction import reduce_train_test

    everything = load_dataset("vader", margin=0)
    Z_all = embed_texts(everything.texts, batch_size=args.batch_size)
    settings = [("pca", 1), ("pca", 2), ("pca", 3), ("pls", 1), ("pls", 3)]
    rows = []
    for margin in args.margins:
        keep = np.abs(everything.target) >= margin
        data = everything.take(np.flatnonzero(keep))
        Z = Z_all[keep]
        data.ids = [str(i) for i in range(len(data))]  # row numbers into Z
        for method, dim in settings:
            accuracies = []
            for seed in range(args.seeds):
                train, test = data.train_test_split(0.25, seed=seed)
                rows_train = np.array(train.ids, dtype=int)
                rows_test = np.array(test.ids, dtype=int)
                X_train, X_test, _ = reduce_train_test(
                    Z[rows_train], Z[rows_test], method, dim, seed, y_train=train.labels
                )
                classifier = LogisticRegression().fit(X_train, train.labels)
                accuracies.append(float((classifier.predict(X_test) == test.labels).mean()))
            rows.append(
                {
                    "margin": margin,
                    "n": len(data),
                    "method": method,
                    "dim": dim,
                    "accuracy_mean": float(np.mean(accuracies)),
                    "accuracy_std": float(np.std(accuracies)),
                    "seeds": args.seeds,
                }
            )
            print(
                f"margin {margin:3.1f} n={len(data)} {method}-{dim}: "
                f"{np.mean(accuracies):.3f} +- {np.std(accuracies):.3f} ({args.seeds} seeds)"
            )
    return {"separation": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument(
        "--separation",
        action="store_true",
        help="PCA vs PLS sign accuracy on the VADER words instead of throughput",
    )
    parser.add_argument("--margins", type=float, nargs="+", default=[0.0, 0.5, 1.0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--out", help="also write the results to this JSON file")
    args = parser.parse_args()
    results = run_separation(args) if args.separation else run_throughput(args)
    if args.out:
        results["model"] = embedding_info()
        results["provenance"] = provenance(config=vars(args))
        write_json_atomic(args.out, results)


if __name__ == "__main__":
    main()
