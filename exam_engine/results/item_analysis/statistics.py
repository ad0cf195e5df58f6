"""Classical test theory from the moments the counting produced: difficulty, corrected
point-biserial, alpha / KR-20 and alpha-if-deleted per section, and the option shares.
Pure numpy; no review rules here (see flags.py)."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from exam_engine.results.item_analysis.counting import MAX_OPTIONS
from exam_engine.results.item_analysis.model import SectionStats


def sum_squares(totals: np.ndarray) -> float:
    """totals . totals without BLAS: OpenBLAS threads a dot this long, and on a busy machine
    waiting for its second thread cost ~20 ms a call; einsum's own loop takes ~30 us."""
    return float(np.einsum("i,i->", totals, totals))


class ItemColumns(NamedTuple):
    p: np.ndarray                  # (items,) mean score / maximum score
    discrimination: np.ndarray     # (items,) corrected point-biserial
    alpha_if_deleted: np.ndarray   # (items,)
    variance: np.ndarray           # (items,) centred sum of squares: 0 when everyone scored the same
    section: np.ndarray            # (items,) section name


class OptionColumns(NamedTuple):
    """Per item and option code (8 columns, the last one blank); `keep` picks the columns to show."""

    proportion: np.ndarray
    upper: np.ndarray
    lower: np.ndarray
    point_biserial: np.ndarray
    is_key: np.ndarray
    distractor: np.ndarray         # an option of a keyed item other than the key (never blank)
    keep: np.ndarray               # option codes some item has, then blank


def item_statistics(n: int, moments: np.ndarray, section_totals: list[np.ndarray], groups: dict[str, np.ndarray],
                    binary: np.ndarray, top: np.ndarray) -> tuple[ItemColumns, SectionStats]:
    """`moments` (3, items): per item the sum of scores, of squared scores, and of score x section total."""
    k = moments.shape[1]
    s, q, c = moments[:3]
    disc, aid, label = np.full(k, np.nan), np.full(k, np.nan), np.empty(k, dtype=object)
    names, rows = list(groups), []
    with np.errstate(invalid="ignore", divide="ignore"):
        for name, cols, totals in zip(names, groups.values(), section_totals):
            kk, t_sum = len(cols), totals.sum()
            sxx = q[cols] - s[cols] ** 2 / n                     # centred sums of squares / products
            sxt = c[cols] - s[cols] * t_sum / n
            stt = float(sum_squares(totals) - t_sum ** 2 / n)
            srr = stt - 2 * sxt + sxx                            # rest score = total - item
            disc[cols] = (sxt - sxx) / np.sqrt(sxx * srr)
            aid[cols] = (kk - 1) / (kk - 2) * (1 - (sxx.sum() - sxx) / srr) if kk > 2 else np.nan
            alpha = kk / (kk - 1) * (1 - sxx.sum() / stt) if kk > 1 else np.nan
            pj = s[cols] / n                                     # KR-20 in its own terms: sum pq / population variance
            kr20 = kk / (kk - 1) * (1 - (pj * (1 - pj)).sum() / (stt / n)) if kk > 1 and binary[cols].all() else np.nan
            rows.append((kk, t_sum / n, np.sqrt(stt / (n - 1)), alpha, kr20))
            label[cols] = name
        p = s / n / np.where(top > 0, top, np.nan)
        sxx_all = q - s ** 2 / n
    cols_ = np.array(rows, dtype=np.float64).reshape(-1, 5).T
    sect = SectionStats(np.asarray(names, dtype=str), cols_[0].astype(np.int64), cols_[1], cols_[2], cols_[3], cols_[4])
    return ItemColumns(p, disc, aid, sxx_all, label.astype(str)), sect


def option_statistics(n: int, m: float, counts: np.ndarray, values: np.ndarray, moments: np.ndarray,
                      section_totals: list[np.ndarray], groups: dict[str, np.ndarray], correct: np.ndarray,
                      has: np.ndarray) -> OptionColumns:
    """Shares of all, upper and lower candidates and the point-biserial of each option; `m` is
    the size of the upper (and lower) group."""
    k = counts.shape[1]
    t_sum, t_sq = np.empty(k), np.empty(k)
    for cols, totals in zip(groups.values(), section_totals):
        t_sum[cols], t_sq[cols] = totals.sum(), sum_squares(totals)
    s, q, c = moments
    count, tot, up, low = counts
    r_sum = t_sum - s                                      # sums over the rest score
    srr = (t_sq - 2 * c + q) - r_sum ** 2 / n
    with np.errstate(invalid="ignore", divide="ignore"):
        sir = (tot - count * values) - count * r_sum[:, None] / n
        pbis = sir / np.sqrt((count - count ** 2 / n) * srr[:, None])
    exists = np.concatenate([has, np.ones((k, 1), bool)], 1)
    keep = np.r_[np.arange(MAX_OPTIONS)[:int(has.sum(1).max(initial=0))], MAX_OPTIONS]
    mask = np.where(exists, 1.0, np.nan)
    is_key = np.zeros_like(exists)
    is_key[np.flatnonzero(correct >= 0), correct[correct >= 0]] = True
    distractor = exists & ~is_key & (correct >= 0)[:, None]
    distractor[:, MAX_OPTIONS] = False                     # a blank is not a distractor
    return OptionColumns(count / n * mask, up / m * mask, low / m * mask, pbis * mask, is_key, distractor, keep)
