"""The interface of a scoring rule: a pure function over candidates x items arrays.

`chosen` holds, per candidate and item, the bank's option index (0 = A) or -1 for blank,
as int8: one byte per cell keeps 100,000 x 110 responses at 11 MB."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

BLANK = -1


@dataclass(frozen=True)
class SectionKey:
    """Scoring keys of one section's items, in the column order of `chosen`.

    correct: (items,) int8 index of the correct option, -1 where the type has none.
    weights: (items, options) float, 0 for options an item does not have."""

    correct: np.ndarray
    weights: np.ndarray


class ScoringRule:
    name: ClassVar[str]

    def score(self, chosen: np.ndarray, key: SectionKey, params: dict[str, Any]) -> np.ndarray:
        """(candidates,) float64 section scores."""
        raise NotImplementedError
