"""What an item analysis returns: per-item, per-option and per-section statistics as arrays."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from exam_engine.results.item_analysis.flags import Thresholds, reasons


@dataclass(frozen=True)
class ItemStats:
    """Per item, in column order. p is mean score / maximum score (proportion correct for 0/1)."""

    ids: np.ndarray                # (items,) str
    section: np.ndarray            # (items,) str
    p: np.ndarray                  # (items,) float64
    discrimination: np.ndarray     # (items,) corrected point-biserial: item vs total minus the item
    alpha_if_deleted: np.ndarray   # (items,) section alpha without this item
    flags: np.ndarray              # (items, len(FLAGS)) bool


@dataclass(frozen=True)
class OptionStats:
    """Per item and option; the last column is blank. NaN where an item does not have the option."""

    labels: tuple[str, ...]        # "A", "B", ..., "blank"
    proportion: np.ndarray         # (items, options + 1) share of all candidates
    upper: np.ndarray              # share of the upper group (top 27 % by section total)
    lower: np.ndarray              # share of the lower group
    point_biserial: np.ndarray     # choosing the option vs total minus the item
    is_key: np.ndarray             # (items, options + 1) bool
    unused: np.ndarray             # distractors chosen by fewer than `unused_option`
    favours_upper: np.ndarray      # distractors chosen more by the upper than by the lower group


@dataclass(frozen=True)
class SectionStats:
    names: np.ndarray              # (sections,) str
    n_items: np.ndarray            # (sections,) int
    mean: np.ndarray               # (sections,) mean section total (item scores as analysed)
    sd: np.ndarray                 # sample standard deviation of the total
    alpha: np.ndarray              # Cronbach's alpha
    kr20: np.ndarray               # KR-20, NaN unless every item of the section is scored 0/1


@dataclass(frozen=True)
class ItemAnalysis:
    n_candidates: int
    items: ItemStats
    sections: SectionStats
    options: OptionStats | None    # None when only a scored matrix was given
    thresholds: Thresholds

    def reasons(self, item: int) -> list[str]:
        """Why item `item` (a column index) is flagged, in words for the committee."""
        return reasons(self, item)
