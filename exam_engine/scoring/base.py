"""The interface of a scoring rule: a pure function over candidates x items arrays.

`chosen` holds, per candidate and item, the bank's option index (0 = A) or -1 for blank,
as int8: one byte per cell keeps 100,000 x 110 responses at 11 MB. A rule whose answers are
not options (Kraepelin: the written last digit, per column and row) keeps the same -1 for
"nothing written" and adds axes after the candidate axis."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

BLANK = -1
# In units of the last kept decimal: float noise (0.4 * 311 = 124.39999...) must not decide a
# half-up rounding, while real scores never fall within a millionth of a unit of a half.
ROUNDING_SLACK = 1e-6


@dataclass(frozen=True)
class SectionKey:
    """Scoring keys of one section's items, in the column order of `chosen`.

    correct: (items,) int8 index of the correct option, -1 where the type has none
             (Kraepelin: the expected last digit of every cell, shaped (columns, rows)).
    weights: (items, options) float, 0 for options an item does not have.
    traits, trait_of, reverse: Likert keying: trait names, (items,) index into `traits`
             and (items,) bool "reverse-keyed"; empty for other rules.
    points:  Likert scale points of the items (their option count); None when not known."""

    correct: np.ndarray
    weights: np.ndarray
    traits: tuple[str, ...] = ()
    trait_of: np.ndarray | None = None
    reverse: np.ndarray | None = None
    points: int | None = None


class ScoringRule:
    name: ClassVar[str]
    #: Whether the section's score adds into the total by default (a section's `in_total`
    #: param overrides it); a personality profile is not points to add to a competence score.
    in_total: ClassVar[bool] = True

    def score(self, chosen: np.ndarray, key: SectionKey, params: dict[str, Any]) -> np.ndarray:
        """(candidates,) float64 section scores: the number that goes into totals and live views."""
        raise NotImplementedError

    def detail(self, chosen: np.ndarray, key: SectionKey, params: dict[str, Any]) -> dict[str, np.ndarray]:
        """Named (candidates,) float64 results a report shows (trait norms, Kraepelin metrics);
        rules with one number report just that."""
        return {"score": self.score(chosen, key, params)}


def round_half_up(values: np.ndarray, decimals: int) -> np.ndarray:
    """Round halves up (2.345 -> 2.35) as a committee does by hand; numpy rounds half to even."""
    factor = 10.0 ** decimals
    return np.floor(np.asarray(values, dtype=np.float64) * factor + 0.5 + ROUNDING_SLACK) / factor
