"""Lasso dictionaries of unit chains (paper.md section 3).

A ``Dictionary`` is a batch of unit chains (W, b1, C) plus a table ``meaning`` with one
row per column saying where the feature comes from (family, anchor point, spanning
points or axes, mirror and reflected points, reflection order).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .chains import evaluate_unit_chains


@dataclass
class Dictionary:
    depth: int
    W: np.ndarray  # (p, d), rows with ||w||_1 = 1
    b1: np.ndarray  # (p,)
    C: np.ndarray  # (p, depth - 2)
    kind: str
    meaning: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def size(self) -> int:
        return len(self.b1)

    def evaluate(self, X: np.ndarray) -> np.ndarray:
        """(n, p) feature matrix of the dictionary's chains on points X."""
        return evaluate_unit_chains(X, self.W, self.b1, self.C)
