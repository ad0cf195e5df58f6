"""The counting behind the item analysis, pure numpy with no loop over candidates: section
totals, and per (item, option) the count, the sum of totals and the upper/lower-group weights.

Per section the candidates are grouped by total score; the counts come from one-byte block sums
over those groups (exact integers for whole-number scores). Candidates tied at the 27 % cut-off
count fractionally, so each group holds exactly 27 % and nothing depends on row order."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from exam_engine.scoring import kernels

BLANK = -1
_STEP = 8192  # rows per pass of the option loop: its byte masks and folds stay in L2
MAX_OPTIONS = 7  # option codes are read with `& 7`, which maps blank (-1) to column 7


def option_values(correct: np.ndarray, weights: np.ndarray | None, n_opt: np.ndarray, k: int) -> np.ndarray:
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


def section_columns(sections: Mapping[str, slice | Sequence[int]] | None, k: int) -> dict[str, np.ndarray]:
    """Section name -> its column indices; one section "all" when none are given."""
    groups = {"all": np.arange(k)} if sections is None else {
        name: np.arange(k)[cols] if isinstance(cols, slice) else np.asarray(cols, dtype=np.int64)
        for name, cols in sections.items()}
    seen = np.concatenate(list(groups.values())) if groups else np.empty(0, np.int64)
    if np.sort(seen).tolist() != list(range(k)):
        raise ValueError("sections must cover every item exactly once")
    return groups


def as_slice(cols: np.ndarray) -> slice | np.ndarray:
    """A run of adjacent columns as a slice: a view instead of a gathered copy."""
    if len(cols) and (np.diff(cols) == 1).all():
        return slice(int(cols[0]), int(cols[-1]) + 1)
    return cols


def totals(chosen: np.ndarray, values: np.ndarray) -> np.ndarray:
    """(candidates,) section total: int32 for whole-number scores, else float64."""
    n, k = chosen.shape
    key = values.argmax(1)
    keyed = bool((values == np.eye(MAX_OPTIONS + 1)[key]).all() and (key < MAX_OPTIONS).all())  # every item 0/1
    if kernels.fits(chosen):
        # the scoring rules' kernels: contiguous cache-sized chunks, rows summed as uint64 words
        if keyed:
            return kernels.count_equal(chosen, key.astype(np.int8))
        packed = kernels.pack_table(values)
        if packed is not None:
            return kernels.sum_packed(chosen, packed, np.int32)
    if keyed:
        hits = (chosen == key.astype(np.int8)).view(np.uint8)
        # a uint8 matvec is the quickest row count, and cannot overflow below 256 items
        counted: np.ndarray = hits @ np.ones(k, np.uint8) if k < 256 else hits.sum(1, dtype=np.int32)
        return counted.astype(np.int32)
    whole = bool(np.all((values >= 0) & (values <= 255) & (values == np.round(values))))
    lut = values.ravel().astype(np.uint8 if whole else np.float64)
    base = np.arange(k, dtype=np.intp) * (MAX_OPTIONS + 1)
    out = np.empty(n, dtype=np.int32 if whole else np.float64)
    code = np.empty((min(n, 2048), k), dtype=np.intp)
    for start in range(0, n, 2048):  # chunks small enough for the index to stay in cache
        rows = chosen[start:start + 2048]
        part = code[:len(rows)]
        np.bitwise_and(rows, MAX_OPTIONS, out=part, casting="unsafe")  # blank (-1) -> column 7
        part += base
        out[start:start + 2048] = lut.take(part).sum(1, dtype=out.dtype)
    return out


def option_counts(chosen: np.ndarray, totals: np.ndarray, n_opt: int, fraction: float) -> np.ndarray:
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
    # A contiguous copy first: take then moves whole rows (~4x faster than gathering from a
    # column slice), and its extra last row, -2, matching no option and no blank, is the padding.
    rows_plus_pad = np.empty((n + 1, k), dtype=chosen.dtype)
    rows_plus_pad[:n] = chosen
    rows_plus_pad[n] = -2
    source = np.full(int(padded.sum()), n, dtype=np.intp)
    source[np.arange(n) + np.repeat(pad_starts - starts, sizes)] = order
    m = fraction * n
    lower = np.clip((m - starts) / np.maximum(sizes, 1), 0, 1)
    upper = np.clip((m - (n - starts - sizes)) / np.maximum(sizes, 1), 0, 1)
    per_block = np.repeat(np.arange(len(starts)), padded // block)
    weights = np.stack([np.ones(len(starts)), ranked[starts], upper, lower])[:, per_block]  # (4, blocks)
    out = np.zeros((4, k, MAX_OPTIONS + 1))
    step = _STEP if block >= 8 else 4096
    # Gathered a chunk at a time into one reused buffer: a whole gathered copy per section was
    # megabytes of fresh pages, and their first-touch faults cost more than the copy.
    chunk = np.empty((min(step, len(source)), k), dtype=chosen.dtype)
    eq = np.empty(chunk.shape, dtype=bool)
    for start in range(0, len(source), step):
        part = source[start:start + step]
        rows = rows_plus_pad.take(part, axis=0, out=chunk[:len(part)], mode="clip")  # in range; "raise" would buffer
        w = weights[:, start // block:(start + len(rows)) // block]
        for o in range(n_opt):
            sums = block_sums(np.equal(rows, o, out=eq[:len(rows)]), block)
            out[:, :, o] += w @ sums
    out[:, :, MAX_OPTIONS] = np.array([n, ranked.sum(), m, m])[:, None] - out[:, :, :MAX_OPTIONS].sum(2)
    return out


def block_sums(hit: np.ndarray, block: int) -> np.ndarray:
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
