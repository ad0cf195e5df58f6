"""One correct option: +correct, wrong and blank marks configurable (TWK/TIU: 5/0/0).

Negative marking is a negative `wrong` mark (e.g. correct 4, wrong -1); `floor`, if given,
is the lowest section score (e.g. 0), for exams whose rules stop a section going below it."""
from __future__ import annotations

from typing import Any

import numpy as np

from exam_engine.scoring import kernels
from exam_engine.scoring.base import BLANK, ScoringRule, SectionKey


def _count(chosen: np.ndarray, value: np.ndarray | np.generic) -> np.ndarray:
    """Cells per row equal to `value` (per item, or one for all), as float64. Many rows of int8
    go through the SWAR kernel (about 2.5x an int32 sum; no BLAS, whose threads stall under a
    busy server's load); a few rows (live scoring) take the plain int32 sum."""
    if kernels.fits(chosen) and value.dtype == np.int8:
        return kernels.count_equal(chosen, np.broadcast_to(value, chosen.shape[1:]), np.float64)
    return (chosen == value).sum(axis=1, dtype=np.int32).astype(np.float64)


class Dichotomous(ScoringRule):
    name = "dichotomous"

    def score(self, chosen: np.ndarray, key: SectionKey, params: dict[str, Any]) -> np.ndarray:
        correct, wrong, blank = (float(params.get("correct", 1)), float(params.get("wrong", 0)),
                                 float(params.get("blank", 0)))
        # wrong = items - right - blanks, so blanks need counting only when they score apart.
        # In place: each fresh 100,000-row float array costs page faults on a busy machine.
        scores = _count(chosen, key.correct)
        scores *= correct - wrong
        scores += chosen.shape[1] * wrong
        if blank != wrong:
            blanks = _count(chosen, np.int8(BLANK))
            blanks *= blank - wrong
            scores += blanks
        if params.get("floor") is not None:
            np.maximum(scores, float(params["floor"]), out=scores)
        return scores
