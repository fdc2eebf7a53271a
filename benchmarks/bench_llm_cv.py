"""Benchmark: the cross-validated exact Lasso of the llm-embeddings experiment per
(reduction, dim, depth, n): wall time of ``reflasso.llm.fit_cv_lasso`` (grid, K-fold
paths, certified refit) and test accuracy, next to logistic regression on the same
projection.  It sizes ``experiments.llm.lasso.max_train`` of the default config.

Data as in the workflow: VADER words with |rating| >= 1 embedded with the default model,
split seed 0 (test fraction 0.4), the nested balanced training order, the reduction
fitted on the first 2,000 training texts.

    python benchmarks/bench_llm_cv.py --cases pls,1,2,300 pls,1,3,100 pls,2,3,30
    python benchmarks/bench_llm_cv.py --embeddings results/embed/vader.npz  # reuse

Writes benchmarks/out/bench_llm_cv.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

DEFAULT_CASES = [
    "pls,1,2,300",
    "pls,1,3,100",
    "pls,1,4,60",
    "pls,2,2,100",
    "pls,2,3,30",
]


def embeddings(path: str | None):
    if path:
        with np.load(path, allow_pickle=False) as data:
            return data["Z"], data["labels"]
    from reflasso import embed_texts, load_dataset

    texts = load_dataset("vader", margin=1.0)
    return embed_texts(texts.texts), texts.labels.astype(float)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=DEFAULT_CASES, help="reduction,dim,depth,n")
    parser.add_argument("--embeddings", help="an embed rule output (.npz) to reuse")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--n-betas", type=int, default=5)
    parser.add_argument("--out", default="benchmarks/out/bench_llm_cv.json")
    args = parser.parse_args()

    from reflasso.llm import fit_cv_lasso, logistic, reduced_data, split_rows

    Z, labels = embeddings(args.embeddings)
    train, test = split_rows(labels, n_train=2000, test_fraction=0.4, seed=0)
    rows = []
    for case in args.cases:
        reduction, dim, depth, n = case.split(",")
        data, _ = reduced_data(Z, labels, train, test, reduction, int(dim), 0)
        started = time.perf_counter()
        fit, table = fit_cv_lasso(
            data["X"],
            data["y"],
            int(depth),
            max_train=int(n),
            folds=args.folds,
            n_betas=args.n_betas,
            ratio=1e-3,
        )
        seconds = time.perf_counter() - started
        lasso = np.mean(np.sign(fit.predict(data["X_test"])) == data["y_test"])
        baseline = logistic(data["X"], data["y"])(data["X_test"])
        rows.append(
            {
                "reduction": reduction,
                "dim": int(dim),
                "depth": int(depth),
                "n_fit": len(fit.X),
                "seconds": round(seconds, 1),
                "beta": fit.beta,
                "active": fit.n_active,
                "certified": bool(fit.certificate()["ok"]),
                "lasso_test": round(float(lasso), 4),
                "logistic_2000_test": round(float(np.mean(np.sign(baseline) == data["y_test"])), 4),
            }
        )
        print(rows[-1], flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(rows, indent=2))
    print("| " + " | ".join(rows[0]) + " |\n|" + "---|" * len(rows[0]))
    for row in rows:
        print("| " + " | ".join(str(v) for v in row.values()) + " |")


if __name__ == "__main__":
    main()
