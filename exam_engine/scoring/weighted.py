"""A weight for every option (TKP 1..5, PPPK 1..4); a blank scores the blank mark (0)."""
from __future__ import annotations

from typing import Any

import numpy as np

from exam_engine.scoring.base import BLANK, ScoringRule, SectionKey


class Weighted(ScoringRule):
    name = "weighted"

    def score(self, chosen: np.ndarray, key: SectionKey, params: dict[str, Any]) -> np.ndarray:
        blank = chosen == BLANK
        columns = np.arange(chosen.shape[1])[np.newaxis, :]
        picked = key.weights[columns, np.where(blank, 0, chosen)]
        return (np.where(blank, float(params.get("blank", 0)), picked)).sum(axis=1).astype(np.float64)
