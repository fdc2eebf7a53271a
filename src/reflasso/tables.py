"""Result tables and their writing: the key columns that name a run, Markdown rendering,
and writing a set of named tables to the files of the same names.

A table holds results only (no timings), so identical runs write identical files.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .io import read_json, write_text_atomic

# The columns that name a run, defined once (the workflow's rules build their sweeps
# from the same tuples).
LASSO_RUN_KEYS = ("dataset", "depth", "beta")
TRAIN_RUN_KEYS = ("dataset", "arch", "depth", "width", "beta", "init", "seed")
TEXT_DATASET_KEYS = ("reduction", "dim", "n_train", "split")


def tagged(frame: pd.DataFrame, run: Mapping, keys: Sequence[str] = LASSO_RUN_KEYS):
    """The frame with the run's keys as columns."""
    for key in keys:
        frame[key] = run[key]
    return frame


def flat_metrics(path: str | os.PathLike) -> dict:
    """metrics.json flattened one level ('certificate': {...} -> 'certificate.kkt_max')."""
    flat = {}
    for key, value in read_json(path).items():
        if key == "provenance":
            continue
        if isinstance(value, dict):
            flat.update({f"{key}.{k}": v for k, v in value.items() if not isinstance(v, dict)})
        elif not isinstance(value, list):
            flat[key] = value
    return flat


def markdown_table(frame: pd.DataFrame, digits: int = 4) -> str:
    """A GitHub Markdown table (no extra dependency); floats to ``digits`` significant."""

    def cell(value) -> str:
        if isinstance(value, float | np.floating):
            return "" if math.isnan(value) else f"{value:.{digits}g}"
        return str(value).replace("|", "\\|")

    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(False)]
    return "\n".join([header, rule, *body]) + "\n"


def write_table(frame: pd.DataFrame, csv_path=None, md_path=None, title: str | None = None) -> None:
    """Write a table as CSV (full precision) and/or Markdown, each atomically."""
    if csv_path is not None:
        write_text_atomic(csv_path, frame.to_csv(index=False))
    if md_path is not None:
        heading = f"# {title}\n\n" if title else ""
        write_text_atomic(md_path, heading + markdown_table(frame))


def write_named_tables(
    tables: Mapping[str, pd.DataFrame],
    outputs: Mapping[str, str | os.PathLike],
    titles: Mapping[str, str] | None = None,
) -> None:
    """Write each table to the output of the same name: CSV, or Markdown (with its title
    from ``titles``) for a path ending in .md.  Every output needs a table and every
    table an output, so a renamed table cannot silently leave a file unwritten."""
    missing = sorted(set(outputs) - set(tables))
    unused = sorted(set(tables) - set(outputs))
    if missing or unused:
        raise KeyError(f"tables without an output: {unused}; outputs without a table: {missing}")
    for name, path in outputs.items():
        if str(path).endswith(".md"):
            write_table(tables[name], md_path=path, title=(titles or {}).get(name))
        else:
            write_table(tables[name], csv_path=path)
