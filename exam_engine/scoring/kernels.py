"""Row sums over one-byte response matrices, shared by the scoring rules and the item analysis.

numpy's reductions along a short item axis (30..45 cells a row) pay a loop call per row, and an
operand broadcast along rows does the same. These kernels work on chunks of rows copied into
contiguous buffers padded to whole 8-byte words, so every ufunc runs as one flat loop, and sum
each row's bytes as a few uint64 words ("SWAR": eight byte lanes added at once). Results are
exact integers; callers fall back to plain numpy outside the stated limits."""
from __future__ import annotations

import numpy as np

STEP = 2048        # rows per chunk: measured best; its buffers (under 1 MB) stay in L2 beside other work
MAX_ITEMS = 128    # 16 words a row: byte lanes hold 16 x 15 = 240 <= 255, so no carry between lanes
LANES = 8          # 4-bit lanes of a packed uint32 weight table: option codes 0..6, 7 = blank (-1 & 7)
MIN_ROWS = 1024    # below this, setting up the buffers costs more than plain numpy (live scoring: one row)
_LOW_BYTES = np.uint64(0x00FF00FF00FF00FF)
_ONES16 = np.uint64(0x0001000100010001)


def fits(chosen: np.ndarray) -> bool:
    """Whether the kernels take this matrix: 2-D int8 (the stored form), at least MIN_ROWS rows and
    at most MAX_ITEMS columns."""
    return chosen.ndim == 2 and chosen.dtype == np.int8 and chosen.shape[0] >= MIN_ROWS \
        and 0 < chosen.shape[1] <= MAX_ITEMS


def _add_words(cells: np.ndarray, out: np.ndarray) -> None:
    """out (rows,) uint64 = the sum of each row's 8-byte words of a (rows, 8w) uint8 buffer whose
    bytes are <= 15: byte lanes of at most 16 x 15 = 240, added up later by _Lanes.fold."""
    words = cells.view(np.uint64)
    if words.shape[1] == 1:
        out[:] = words[:, 0]
        return
    np.add(words[:, 0], words[:, 1], out=out)
    for i in range(2, words.shape[1]):  # a handful of word columns, not candidates
        out += words[:, i]


class _Lanes:
    """Word sums of the rows, kept FOLD rows at a time, whose byte lanes are added up per FOLD
    rows rather than per chunk (fewer numpy calls) into `out`, with no fresh full-length
    temporaries (page faults on a busy machine)."""

    FOLD = 8 * STEP

    def __init__(self, n: int, dtype: type) -> None:
        self.out = np.empty(n, dtype=dtype)
        self.acc = np.empty(min(n, self.FOLD), dtype=np.uint64)
        self.low = np.empty_like(self.acc)

    def words(self, start: int, m: int) -> np.ndarray:
        """Where rows start..start+m put their word sums (start: a multiple of STEP)."""
        at = start % self.FOLD
        return self.acc[at:at + m]

    def fold(self, start: int, m: int) -> None:
        """After rows start..start+m: add up the lanes of the FOLD rows just completed, or of the last ones."""
        end = start + m
        if end % self.FOLD and end != len(self.out):
            return
        first = (end - 1) // self.FOLD * self.FOLD
        acc, low = self.acc[:end - first], self.low[:end - first]
        # byte lanes <= 240 -> 16-bit lanes <= 480; the multiply gathers the four lanes in the top 16 bits
        np.bitwise_and(acc, _LOW_BYTES, out=low)
        acc >>= np.uint64(8)
        acc &= _LOW_BYTES
        acc += low
        acc *= _ONES16
        acc >>= np.uint64(48)
        self.out[first:end] = acc


def count_equal(chosen: np.ndarray, key: np.ndarray, dtype: type = np.int32) -> np.ndarray:
    """(candidates,) number of cells per row equal to `key` (items,) int8, as `dtype` (exact: at
    most MAX_ITEMS). Requires fits(chosen)."""
    n, k = chosen.shape
    width = -(-k // 8) * 8
    step = min(STEP, n)
    cells = np.zeros((step, width), dtype=np.int8)    # padding cells 0 ...
    wanted = np.ones((step, width), dtype=np.int8)    # ... never equal their key, 1
    wanted[:, :k] = key                               # tiled once: the compare then runs as one flat loop
    hits = np.empty((step, width), dtype=np.uint8)
    lanes = _Lanes(n, dtype)
    for start in range(0, n, step):
        rows = chosen[start:start + step]
        m = len(rows)
        cells[:m, :k] = rows                          # the only pass over the strided section view
        np.equal(cells[:m], wanted[:m], out=hits[:m].view(bool))
        _add_words(hits[:m], lanes.words(start, m))
        lanes.fold(start, m)
    return lanes.out


def pack_table(table: np.ndarray) -> np.ndarray | None:
    """(items,) uint32: each item's whole weights 0..15 as 4-bit lanes by option code, the last
    column of `table` (the blank mark) in lane 7; None when the table does not fit."""
    if table.shape[1] > LANES or not np.all((table >= 0) & (table <= 15) & (table == np.floor(table))):
        return None
    lanes = np.zeros((len(table), LANES), dtype=np.uint32)
    lanes[:, :table.shape[1] - 1] = table[:, :-1]
    lanes[:, LANES - 1] = table[:, -1]
    return (lanes << (4 * np.arange(LANES, dtype=np.uint32))).sum(axis=1, dtype=np.uint32)


def sum_packed(chosen: np.ndarray, packed: np.ndarray, dtype: type = np.int64) -> np.ndarray:
    """(candidates,) sum of each row's weights as `dtype` (exact: at most 15 x MAX_ITEMS): item j's
    cell c scores lane (c & 7) of packed[j]. Requires fits(chosen)."""
    n, k = chosen.shape
    width = -(-k // 8) * 8
    step = min(STEP, n)
    table = np.zeros((step, width), dtype=np.uint32)
    table[:, :k] = packed                             # tiled once: the shift then runs as one flat loop
    cells = np.zeros((step, width), dtype=np.int8)    # padding: code 0 of a zero table scores 0
    code = np.empty((step, width), dtype=np.uint8)
    shift = np.empty((step, width), dtype=np.uint32)
    picked = np.empty((step, width), dtype=np.uint8)
    lanes = _Lanes(n, dtype)
    for start in range(0, n, step):
        rows = chosen[start:start + step]
        m = len(rows)
        cells[:m, :k] = rows                          # the only pass over the strided section view
        c = code[:m]
        np.bitwise_and(cells[:m].view(np.uint8), LANES - 1, out=c)   # blank -1 (255) -> lane 7
        np.add(c, c, out=c)                                          # x 4 by adds: uint8 shifts are slow
        np.add(c, c, out=c)
        s = shift[:m]
        np.copyto(s, c)
        np.right_shift(table[:m], s, out=s)
        s &= 15
        np.copyto(picked[:m], s, casting="unsafe")
        _add_words(picked[:m], lanes.words(start, m))
        lanes.fold(start, m)
    return lanes.out
