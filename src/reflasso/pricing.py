"""Pricing: the unit chains that correlate most with a dual vector, over the *whole*
exact dictionary, without storing it.

Given a dual vector lambda (the centred residual, 1.lambda = 0), the Lasso over all unit
chains of depth L is optimal iff sup_g |lambda . g(X)| <= beta.  ``price`` returns that
supremum (exact: the maximum over every vertex of the exact dictionary) and the ``count``
chains that attain the largest values, for column generation.

Implementations (chosen by ``method="auto"``):
- structured 1-D pricing for L = 2, 3, 4 and the angular sweep for L = 2 in any d
  (``reflasso.structured``), which use sorted points and prefix sums;
- streaming vertex enumeration in bounded chunks for everything else.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class PricedChains:
    """The best chains for one dual vector, in the caller's (original) coordinates.

    Chains follow ``reflasso.chains``: rows of W have ||w||_1 = 1, C >= 0.  ``scores`` are
    |g(X) . lambda| in descending order; ``max_score`` is the exact supremum over all unit
    chains of that depth (equal to ``scores[0]`` whenever a chain is returned).
    """

    W: np.ndarray  # (k, d)
    b1: np.ndarray  # (k,)
    C: np.ndarray  # (k, depth - 2)
    scores: np.ndarray  # (k,)
    max_score: float
