"""A weight for every option (TKP 1..5, PPPK 1..4); a blank scores the blank mark (0)."""
from __future__ import annotations

from typing import Any

import numpy as np

from exam_engine.scoring import kernels
from exam_engine.scoring.base import ScoringRule, SectionKey


class Weighted(ScoringRule):
    name = "weighted"

    def score(self, chosen: np.ndarray, key: SectionKey, params: dict[str, Any]) -> np.ndarray:
        # One extra column holds the blank mark, so BLANK (-1) indexes it directly.
        table = np.concatenate([key.weights, np.full((len(key.weights), 1), float(params.get("blank", 0)))], axis=1)
        packed = kernels.pack_table(table)
        if packed is not None and kernels.fits(chosen):
            # Whole weights 0..15 (every shipped profile): a shift picks each cell's weight out of
            # its item's packed uint32, on cache-sized contiguous chunks: ~4x numpy's fancy-index
            # gather on 100,000 x 45, and the sums are exact integers.
            return kernels.sum_packed(chosen, packed).astype(np.float64)
        columns = np.arange(chosen.shape[1])[np.newaxis, :]
        return np.asarray(table[columns, chosen].sum(axis=1), dtype=np.float64)
