"""One correct option: +correct, wrong and blank marks configurable (TWK/TIU: 5/0/0)."""
from __future__ import annotations

from typing import Any

import numpy as np

from exam_engine.scoring.base import BLANK, ScoringRule, SectionKey


class Dichotomous(ScoringRule):
    name = "dichotomous"

    def score(self, chosen: np.ndarray, key: SectionKey, params: dict[str, Any]) -> np.ndarray:
        right = chosen == key.correct[np.newaxis, :]
        blank = chosen == BLANK
        wrong = ~right & ~blank
        marks = (float(params.get("correct", 1)), float(params.get("wrong", 0)), float(params.get("blank", 0)))
        return (right.sum(axis=1) * marks[0] + wrong.sum(axis=1) * marks[1]
                + blank.sum(axis=1) * marks[2]).astype(np.float64)
