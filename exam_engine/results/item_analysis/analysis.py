"""The two entry points: analyse chosen options (with distractor analysis) or an already-scored
matrix. Each validates its input, runs the counting and the statistics per section, applies the
review rules and assembles one ItemAnalysis."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from exam_engine.results.item_analysis.counting import (
    BLANK,
    MAX_OPTIONS,
    as_slice,
    option_counts,
    option_values,
    section_columns,
    totals,
)
from exam_engine.results.item_analysis.flags import FLAGS, Thresholds, distractor_flags, item_flags
from exam_engine.results.item_analysis.model import ItemAnalysis, ItemStats, OptionStats, SectionStats
from exam_engine.results.item_analysis.statistics import item_statistics, option_statistics

_CHUNK = 8192  # rows per chunk: keeps temporaries at a few MB
DEFAULTS = Thresholds()  # frozen, so one shared default is safe


def analyse_choices(chosen: np.ndarray, correct: np.ndarray, weights: np.ndarray | None = None, *,
                    n_options: int | np.ndarray | None = None,
                    sections: Mapping[str, slice | Sequence[int]] | None = None,
                    item_ids: Sequence[str] | None = None, thresholds: Thresholds = DEFAULTS) -> ItemAnalysis:
    """Item analysis of chosen options. Items with a key (`correct` >= 0) are scored 0/1; items
    without one (`correct` == -1, e.g. TKP) score the option's weight from `weights` (items, options).
    A blank scores 0. `n_options`: options per item (scalar or per item); pass it, or an option
    nobody chose may be missed (default: the highest option chosen, keyed or weighted)."""
    chosen = np.asarray(chosen)
    if chosen.ndim != 2 or chosen.dtype.kind not in "iu" or len(chosen) < 2:
        raise ValueError("chosen must be an integer matrix of at least two candidates x items")
    n, k = chosen.shape
    correct = np.asarray(correct, dtype=np.int64).reshape(-1)
    lo, hi = int(chosen.min(initial=0)), int(chosen.max(initial=0))
    # default option count: the highest option anyone chose, any key, any weighted option
    weighted = np.zeros(0) if weights is None else np.asarray(weights)[correct < 0]
    last_weight = int(np.flatnonzero((weighted != 0).any(0))[-1]) + 1 if (weighted != 0).any() else 0
    width = max(hi + 1, int(correct.max(initial=-1)) + 1, last_weight)
    n_opt = np.broadcast_to(np.asarray(width if n_options is None else n_options, dtype=np.int64), (k,))
    if correct.shape != (k,) or lo < BLANK or hi >= n_opt.min(initial=MAX_OPTIONS) or n_opt.max(initial=0) > MAX_OPTIONS:
        raise ValueError(f"choices must lie in -1..options-1 (at most {MAX_OPTIONS} options), one key per item")
    chosen = chosen.astype(np.int8, copy=False)  # range checked above, so the cast is exact
    values = option_values(correct, weights, n_opt, k)
    has = np.arange(MAX_OPTIONS)[None, :] < n_opt[:, None]
    groups = section_columns(sections, k)
    counts = np.empty((4, k, MAX_OPTIONS + 1))  # [count, sum of totals, upper weight, lower weight]
    section_totals = []
    for cols in groups.values():
        sub = chosen[:, as_slice(cols)]
        sub_totals = totals(sub, values[cols])
        counts[:, cols] = option_counts(sub, sub_totals, int(n_opt[cols].max(initial=0)), thresholds.group_fraction)
        section_totals.append(sub_totals.astype(np.float64))
    # an option's score is fixed, so item moments follow from the option counts
    moments = np.stack([(counts[0] * values).sum(1), (counts[0] * values ** 2).sum(1), (counts[1] * values).sum(1)])
    top = values[:, :MAX_OPTIONS].max(1, where=has, initial=0.0)
    items, sect = _items(n, moments, section_totals, groups, correct >= 0, top, item_ids, thresholds)
    opt = option_statistics(n, thresholds.group_fraction * n, counts, values, moments, section_totals, groups,
                            correct, has)
    unused, favours = distractor_flags(opt.distractor, opt.proportion, opt.upper, opt.lower, thresholds)
    keep = opt.keep
    labels = tuple(chr(ord("A") + o) for o in keep[:-1]) + ("blank",)
    options = OptionStats(labels, opt.proportion[:, keep], opt.upper[:, keep], opt.lower[:, keep],
                          opt.point_biserial[:, keep], opt.is_key[:, keep], unused[:, keep], favours[:, keep])
    items.flags[:, FLAGS.index("unused_distractor")] = options.unused.any(1)
    items.flags[:, FLAGS.index("distractor_favours_upper")] = options.favours_upper.any(1)
    return ItemAnalysis(n, items, sect, options, thresholds)


def analyse_scores(scores: np.ndarray, *, max_scores: np.ndarray | None = None,
                   sections: Mapping[str, slice | Sequence[int]] | None = None,
                   item_ids: Sequence[str] | None = None, thresholds: Thresholds = DEFAULTS) -> ItemAnalysis:
    """Item analysis of an already-scored matrix (0/1 or weighted); no option analysis.
    `max_scores` (items,) turns mean scores into p; default: the highest item score observed
    in the item's section (1 for a 0/1 section, even for an item nobody got right)."""
    scores = np.asarray(scores)
    if scores.ndim != 2 or scores.dtype.kind not in "biuf":
        raise ValueError("scores must be a 2-D numeric array (candidates x items)")
    n, k = scores.shape
    if n < 2:
        raise ValueError("item analysis needs at least two candidates")
    groups = section_columns(sections, k)
    moments = np.zeros((3, k))
    section_totals = []
    for cols in groups.values():
        sub_totals = scores[:, cols].sum(1, dtype=np.float64)
        for start in range(0, n, _CHUNK):  # chunks of rows, so the float copy stays small
            x = scores[start:start + _CHUNK, cols].astype(np.float64)
            moments[:, cols] += np.stack([x.sum(0), np.einsum("ij,ij->j", x, x), sub_totals[start:start + _CHUNK] @ x])
        section_totals.append(sub_totals)
    low, high = scores.min(0).astype(np.float64), scores.max(0).astype(np.float64)
    top = np.empty(k)
    for cols in groups.values():
        top[cols] = high[cols].max()
    top = top if max_scores is None else np.asarray(max_scores, np.float64)
    # within [0, 1], x^2 <= x with equality only at 0 and 1: equal sums mean a 0/1 item
    binary = (low >= 0) & (high <= 1) & (moments[0] == moments[1])
    items, sect = _items(n, moments, section_totals, groups, binary, top, item_ids, thresholds)
    return ItemAnalysis(n, items, sect, None, thresholds)


def _items(n: int, moments: np.ndarray, section_totals: list[np.ndarray], groups: dict[str, np.ndarray],
           binary: np.ndarray, top: np.ndarray, item_ids: Sequence[str] | None,
           th: Thresholds) -> tuple[ItemStats, SectionStats]:
    """Item and section statistics with the item review flags (distractor flags still unset)."""
    k = moments.shape[1]
    cols, sect = item_statistics(n, moments, section_totals, groups, binary, top)
    flags = item_flags(cols.discrimination, cols.p, cols.variance, th)
    ids = np.asarray([str(i + 1) for i in range(k)] if item_ids is None else list(item_ids), dtype=str)
    if ids.shape != (k,):
        raise ValueError("one item id per item")
    return ItemStats(ids, cols.section, cols.p, cols.discrimination, cols.alpha_if_deleted, flags), sect
