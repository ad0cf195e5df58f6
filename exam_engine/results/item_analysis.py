"""Classical item analysis for the committee: difficulty, corrected point-biserial, distractors,
Cronbach's alpha / KR-20 per section, alpha-if-item-deleted and review flags.

Pure numpy over a candidates x items matrix, with no loop over candidates. Choices are int8
option indices (0 = A, -1 = blank). Per section the candidates are grouped by total score; for
each (item, option) the count, the sum of totals and the upper/lower-group counts come from
one-byte block sums over those groups, and every statistic follows from these counts (exact
integers for whole-number scores). Candidates tied at the 27 % cut-off count fractionally, so
each group holds exactly 27 % and the result does not depend on row order."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

BLANK = -1
MAX_OPTIONS = 7  # option codes are read with `& 7`, which maps blank (-1) to column 7
FLAGS = ("negative_discrimination", "low_discrimination", "no_variance", "too_easy", "too_hard",
         "unused_distractor", "distractor_favours_upper")
_CHUNK = 8192  # rows per chunk: keeps temporaries at a few MB


@dataclass(frozen=True)
class Thresholds:
    """Review thresholds; the defaults are the usual classical-test-theory rules of thumb."""

    low_discrimination: float = 0.2
    too_easy: float = 0.9
    too_hard: float = 0.2
    unused_option: float = 0.02
    group_fraction: float = 0.27


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
        it, op = self.items, self.options
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


def analyse_choices(chosen: np.ndarray, correct: np.ndarray, weights: np.ndarray | None = None, *,
                    n_options: int | np.ndarray | None = None,
                    sections: Mapping[str, slice | Sequence[int]] | None = None,
                    item_ids: Sequence[str] | None = None, thresholds: Thresholds = Thresholds()) -> ItemAnalysis:
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
    values = _option_values(correct, weights, n_opt, k)
    has = np.arange(MAX_OPTIONS)[None, :] < n_opt[:, None]
    groups = _sections(sections, k)
    counts = np.empty((4, k, MAX_OPTIONS + 1))  # [count, sum of totals, upper weight, lower weight]
    section_totals = []
    for cols in groups.values():
        sub = chosen[:, _as_slice(cols)]
        totals = _totals(sub, values[cols])
        counts[:, cols] = _option_counts(sub, totals, int(n_opt[cols].max(initial=0)), thresholds.group_fraction)
        section_totals.append(totals.astype(np.float64))
    # an option's score is fixed, so item moments follow from the option counts
    moments = np.stack([(counts[0] * values).sum(1), (counts[0] * values ** 2).sum(1), (counts[1] * values).sum(1)])
    top = values[:, :MAX_OPTIONS].max(1, where=has, initial=0.0)
    items, sect = _analyse(n, moments, section_totals, groups, correct >= 0, top, item_ids, thresholds)
    options = _options(n, thresholds.group_fraction * n, counts, values, moments, section_totals, groups, correct,
                       has, thresholds)
    items.flags[:, FLAGS.index("unused_distractor")] = options.unused.any(1)
    items.flags[:, FLAGS.index("distractor_favours_upper")] = options.favours_upper.any(1)
    return ItemAnalysis(n, items, sect, options, thresholds)


def analyse_scores(scores: np.ndarray, *, max_scores: np.ndarray | None = None,
                   sections: Mapping[str, slice | Sequence[int]] | None = None,
                   item_ids: Sequence[str] | None = None, thresholds: Thresholds = Thresholds()) -> ItemAnalysis:
    """Item analysis of an already-scored matrix (0/1 or weighted); no option analysis.
    `max_scores` (items,) turns mean scores into p; default: the highest item score observed
    in the item's section (1 for a 0/1 section, even for an item nobody got right)."""
    scores = np.asarray(scores)
    if scores.ndim != 2 or scores.dtype.kind not in "biuf":
        raise ValueError("scores must be a 2-D numeric array (candidates x items)")
    n, k = scores.shape
    if n < 2:
        raise ValueError("item analysis needs at least two candidates")
    groups = _sections(sections, k)
    moments = np.zeros((3, k))
    section_totals = []
    for cols in groups.values():
        totals = scores[:, cols].sum(1, dtype=np.float64)
        for start in range(0, n, _CHUNK):  # chunks of rows, so the float copy stays small
            x = scores[start:start + _CHUNK, cols].astype(np.float64)
            moments[:, cols] += np.stack([x.sum(0), np.einsum("ij,ij->j", x, x), totals[start:start + _CHUNK] @ x])
        section_totals.append(totals)
    low, high = scores.min(0).astype(np.float64), scores.max(0).astype(np.float64)
    top = np.empty(k)
    for cols in groups.values():
        top[cols] = high[cols].max()
    top = top if max_scores is None else np.asarray(max_scores, np.float64)
    # within [0, 1], x^2 <= x with equality only at 0 and 1: equal sums mean a 0/1 item
    binary = (low >= 0) & (high <= 1) & (moments[0] == moments[1])
    items, sect = _analyse(n, moments, section_totals, groups, binary, top, item_ids, thresholds)
    return ItemAnalysis(n, items, sect, None, thresholds)


def _option_values(correct: np.ndarray, weights: np.ndarray | None, n_opt: np.ndarray, k: int) -> np.ndarray:
    """(items, 8) score of each option code; column 7 is blank (0)."""
    values = np.zeros((k, MAX_OPTIONS + 1))
    keyed = correct >= 0
    if np.any(correct >= n_opt):
        raise ValueError("a key points past the item's options")
    values[np.flatnonzero(keyed), correct[keyed]] = 1.0
    if not keyed.all():
        if weights is None:
            raise ValueError("items without a key (correct == -1) need weights")
        w = np.asarray(weights, dtype=np.float64)
        if w.ndim != 2 or w.shape[0] != k or w.shape[1] > MAX_OPTIONS:
            raise ValueError(f"weights must be (items, options <= {MAX_OPTIONS})")
        values[~keyed, :w.shape[1]] = w[~keyed]
    return values


def _sections(sections: Mapping[str, slice | Sequence[int]] | None, k: int) -> dict[str, np.ndarray]:
    groups = {"all": np.arange(k)} if sections is None else {
        name: np.arange(k)[cols] if isinstance(cols, slice) else np.asarray(cols, dtype=np.int64)
        for name, cols in sections.items()}
    seen = np.concatenate(list(groups.values())) if groups else np.empty(0, np.int64)
    if np.sort(seen).tolist() != list(range(k)):
        raise ValueError("sections must cover every item exactly once")
    return groups


def _as_slice(cols: np.ndarray) -> slice | np.ndarray:
    """A run of adjacent columns as a slice: a view instead of a gathered copy."""
    if len(cols) and (np.diff(cols) == 1).all():
        return slice(int(cols[0]), int(cols[-1]) + 1)
    return cols


def _totals(chosen: np.ndarray, values: np.ndarray) -> np.ndarray:
    """(candidates,) section total: int32 for whole-number scores, else float64."""
    n, k = chosen.shape
    key = values.argmax(1)
    if (values == np.eye(MAX_OPTIONS + 1)[key]).all() and (key < MAX_OPTIONS).all():  # every item keyed 0/1
        hits = (chosen == key.astype(np.int8)).view(np.uint8)
        # a uint8 matvec is the quickest row count, and cannot overflow below 256 items
        counted: np.ndarray = hits @ np.ones(k, np.uint8) if k < 256 else hits.sum(1, dtype=np.int32)
        return counted.astype(np.int32)
    whole = bool(np.all((values >= 0) & (values <= 255) & (values == np.round(values))))
    lut = values.ravel().astype(np.uint8 if whole else np.float64)
    base = np.arange(k, dtype=np.intp) * (MAX_OPTIONS + 1)
    totals = np.empty(n, dtype=np.int32 if whole else np.float64)
    code = np.empty((min(n, 2048), k), dtype=np.intp)
    for start in range(0, n, 2048):  # chunks small enough for the index to stay in cache
        rows = chosen[start:start + 2048]
        part = code[:len(rows)]
        np.bitwise_and(rows, MAX_OPTIONS, out=part, casting="unsafe")  # blank (-1) -> column 7
        part += base
        totals[start:start + 2048] = lut.take(part).sum(1, dtype=totals.dtype)
    return totals


def _option_counts(chosen: np.ndarray, totals: np.ndarray, n_opt: int, fraction: float) -> np.ndarray:
    """(4, items, 8): per option [count, sum of totals, upper-group weight, lower-group weight]."""
    n, k = chosen.shape
    if totals.dtype.kind == "i" and n and int(totals.max()) - int(totals.min()) < 2 ** 15:
        order = np.argsort((totals - totals.min()).astype(np.int16), kind="stable")  # radix sort
    else:
        order = np.argsort(totals, kind="stable")
    ranked = totals[order].astype(np.float64)
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]]) if n else np.empty(0, np.int64)
    sizes = np.diff(np.r_[starts, n])
    # Pad every equal-total group to whole blocks of `block` rows: a block then has one total
    # and its counts fit in a byte, so a one-byte block sum per option is all the work.
    block = 1 << int(np.log2(np.clip(n // max(8 * len(starts), 1), 1, 128)))
    padded = -(-sizes // block) * block
    pad_starts = np.r_[0, np.cumsum(padded)[:-1]].astype(np.int64)
    source = np.zeros(int(padded.sum()), dtype=np.intp)
    is_pad = np.ones(len(source), dtype=bool)
    dest = np.arange(n) + np.repeat(pad_starts - starts, sizes)
    source[dest], is_pad[dest] = order, False
    buf = chosen.take(source, axis=0)
    buf[is_pad] = -2                            # matches no option and no blank
    m = fraction * n
    lower = np.clip((m - starts) / np.maximum(sizes, 1), 0, 1)
    upper = np.clip((m - (n - starts - sizes)) / np.maximum(sizes, 1), 0, 1)
    per_block = np.repeat(np.arange(len(starts)), padded // block)
    weights = np.stack([np.ones(len(starts)), ranked[starts], upper, lower])[:, per_block]  # (4, blocks)
    out = np.zeros((4, k, MAX_OPTIONS + 1))
    step = 32768 if block >= 8 else 4096        # rows per pass: the byte masks stay in cache
    eq = np.empty((min(step, len(buf)), k), dtype=bool)
    for start in range(0, len(buf), step):
        rows = buf[start:start + step]
        w = weights[:, start // block:(start + len(rows)) // block]
        for o in range(n_opt):
            sums = _block_sums(np.equal(rows, o, out=eq[:len(rows)]), block)
            out[:, :, o] += w @ sums
    out[:, :, MAX_OPTIONS] = np.array([n, ranked.sum(), m, m])[:, None] - out[:, :, :MAX_OPTIONS].sum(2)
    return out


def _block_sums(hit: np.ndarray, block: int) -> np.ndarray:
    """(rows / block, items) uint8 count of True per block of rows (block: a power of two).
    Each block is folded in halves; where a half spans whole 8-byte words the add is done on
    uint64, eight byte lanes at once. No lane exceeds 128, so no carry crosses lanes."""
    k = hit.shape[1]
    x = hit.view(np.uint8).reshape(len(hit) // block, block * k)
    while block > 1:
        block //= 2
        cut = block * k
        if cut % 8 == 0:
            x = (x[:, :cut].view(np.uint64) + x[:, cut:].view(np.uint64)).view(np.uint8)
        else:
            x = x[:, :cut] + x[:, cut:]
    return x


def _analyse(n: int, moments: np.ndarray, section_totals: list[np.ndarray], groups: dict[str, np.ndarray],
             binary: np.ndarray, top: np.ndarray, item_ids: Sequence[str] | None,
             th: Thresholds) -> tuple[ItemStats, SectionStats]:
    k = moments.shape[1]
    s, q, c = moments[:3]
    disc, aid, label = np.full(k, np.nan), np.full(k, np.nan), np.empty(k, dtype=object)
    names, rows = list(groups), []
    with np.errstate(invalid="ignore", divide="ignore"):
        for name, cols, totals in zip(names, groups.values(), section_totals):
            kk, t_sum = len(cols), totals.sum()
            sxx = q[cols] - s[cols] ** 2 / n                     # centred sums of squares / products
            sxt = c[cols] - s[cols] * t_sum / n
            stt = float(totals @ totals - t_sum ** 2 / n)
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
    flags = np.zeros((k, len(FLAGS)), dtype=bool)
    for name, on in (("negative_discrimination", disc < 0), ("low_discrimination", (disc >= 0) & (disc < th.low_discrimination)),
                     ("no_variance", sxx_all <= 0), ("too_easy", p > th.too_easy), ("too_hard", p < th.too_hard)):
        flags[:, FLAGS.index(name)] = on
    ids = np.asarray([str(i + 1) for i in range(k)] if item_ids is None else list(item_ids), dtype=str)
    if ids.shape != (k,):
        raise ValueError("one item id per item")
    cols_ = np.array(rows, dtype=np.float64).reshape(-1, 5).T
    sect = SectionStats(np.asarray(names, dtype=str), cols_[0].astype(np.int64), cols_[1], cols_[2], cols_[3], cols_[4])
    return ItemStats(ids, label.astype(str), p, disc, aid, flags), sect


def _options(n: int, m: float, counts: np.ndarray, values: np.ndarray, moments: np.ndarray,
             section_totals: list[np.ndarray], groups: dict[str, np.ndarray], correct: np.ndarray,
             has: np.ndarray, th: Thresholds) -> OptionStats:
    k = counts.shape[1]
    t_sum, t_sq = np.empty(k), np.empty(k)
    for cols, totals in zip(groups.values(), section_totals):
        t_sum[cols], t_sq[cols] = totals.sum(), totals @ totals
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
    prop, upper, lower = count / n * mask, up / m * mask, low / m * mask
    is_key = np.zeros_like(exists)
    is_key[np.flatnonzero(correct >= 0), correct[correct >= 0]] = True
    distractor = exists & ~is_key & (correct >= 0)[:, None]
    distractor[:, MAX_OPTIONS] = False                     # a blank is not a distractor
    with np.errstate(invalid="ignore"):
        unused = distractor & (prop < th.unused_option)
        favours = distractor & (upper > lower + 1e-12)  # not on float noise between equal shares
    labels = tuple(chr(ord("A") + o) for o in keep[:-1]) + ("blank",)
    return OptionStats(labels, prop[:, keep], upper[:, keep], lower[:, keep], pbis[:, keep] * mask[:, keep],
                       is_key[:, keep], unused[:, keep], favours[:, keep])
