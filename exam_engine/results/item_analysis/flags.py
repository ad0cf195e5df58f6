"""Review rules: which items and distractors the committee should look at, and why, in words."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from exam_engine.results.item_analysis.model import ItemAnalysis

FLAGS = ("negative_discrimination", "low_discrimination", "no_variance", "too_easy", "too_hard",
         "unused_distractor", "distractor_favours_upper")


@dataclass(frozen=True)
class Thresholds:
    """Review thresholds; the defaults are the usual classical-test-theory rules of thumb."""

    low_discrimination: float = 0.2
    too_easy: float = 0.9
    too_hard: float = 0.2
    unused_option: float = 0.02
    group_fraction: float = 0.27


def item_flags(disc: np.ndarray, p: np.ndarray, variance: np.ndarray, th: Thresholds) -> np.ndarray:
    """(items, len(FLAGS)) bool; the distractor columns stay False until `distractor_flags` fills them."""
    flags = np.zeros((len(disc), len(FLAGS)), dtype=bool)
    # NaN (no variance, no maximum score) compares False, so it raises no flag of its own
    for name, on in (("negative_discrimination", disc < 0),
                     ("low_discrimination", (disc >= 0) & (disc < th.low_discrimination)),
                     ("no_variance", variance <= 0), ("too_easy", p > th.too_easy), ("too_hard", p < th.too_hard)):
        flags[:, FLAGS.index(name)] = on
    return flags


def distractor_flags(distractor: np.ndarray, prop: np.ndarray, upper: np.ndarray, lower: np.ndarray,
                     th: Thresholds) -> tuple[np.ndarray, np.ndarray]:
    """(unused, favours_upper) per item and option, for distractors only."""
    with np.errstate(invalid="ignore"):
        unused = distractor & (prop < th.unused_option)
        favours = distractor & (upper > lower + 1e-12)  # not on float noise between equal shares
    return unused, favours


def reasons(analysis: ItemAnalysis, item: int) -> list[str]:
    """Why item `item` (a column index) is flagged, in words for the committee."""
    it, op = analysis.items, analysis.options
    r, p = it.discrimination[item], it.p[item]
    words = {"negative_discrimination": f"negative discrimination (r = {r:.2f})",
             "low_discrimination": f"low discrimination (r = {r:.2f})",
             "no_variance": "no variance: every candidate scored the same",
             "too_easy": f"too easy (p = {p:.2f})", "too_hard": f"too hard (p = {p:.2f})"}
    out = [words[name] for name, on in zip(FLAGS, it.flags[item]) if on and name in words]
    if op is not None:
        for o in np.flatnonzero(op.unused[item]):
            out.append(f"distractor {op.labels[o]} chosen by {op.proportion[item, o]:.1%}")
        for o in np.flatnonzero(op.favours_upper[item]):
            out.append(f"distractor {op.labels[o]} chosen more by the upper group "
                       f"({op.upper[item, o]:.0%} vs {op.lower[item, o]:.0%})")
    return out
