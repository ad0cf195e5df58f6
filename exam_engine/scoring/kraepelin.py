"""Speed and accuracy of the Kraepelin/Pauli kind ("tes koran").

The sheet is `columns` columns of `digits` single digits; the candidate adds each adjacent pair
of a column and writes the last digit, and is moved to the next column on a fixed interval.
`written` is (candidates, columns, digits - 1) int8: the digit written for each pair, or -1.

Per column: correct; errors (a wrong digit); skipped (a -1 before the last digit written in
that column: jumped over). A -1 after the last written digit was not reached: it counts as
neither, since running out of time is what speed measures. Over the columns:
- speed (panker): mean correct per column;
- accuracy (tianker): errors + skips over all columns (lower is better);
- consistency (janker): range (max - min) and mean absolute deviation of per-column correct;
- endurance (hanker): least-squares slope of per-column correct over column index 0, 1, ...

In a sitting every cell is one handle of the form, in column-major order, carrying the pair of
digits it sits between; `sitting_arrays` turns those cells and the stored answers into the
arrays above, and `report` into the JSON a result carries."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from exam_engine.scoring.base import BLANK, ScoringRule, SectionKey


def generate_columns(seed: int, columns: int, digits: int) -> np.ndarray:
    """(columns, digits) int8 digits 0..9, the same for the same seed on every machine.

    Drawn from PCG64's raw output, which numpy keeps stable across versions (Generator methods
    such as integers() may change their stream); the modulo bias of 2**64 % 10 is ~1e-19."""
    if columns < 1 or digits < 2:
        raise ValueError("a Kraepelin sheet needs at least 1 column of at least 2 digits")
    raw = np.random.PCG64(seed).random_raw(columns * digits)
    return np.asarray(raw % 10, dtype=np.int8).reshape(columns, digits)


def expected_digits(sheet: np.ndarray) -> np.ndarray:
    """(columns, digits - 1) int8: the last digit of each adjacent pair's sum."""
    return np.asarray((sheet[:, :-1] + sheet[:, 1:]) % 10, dtype=np.int8)


def kraepelin_key(sheet: np.ndarray) -> SectionKey:
    """The scoring key of a sheet: the expected digit of every cell, in `correct`."""
    return SectionKey(correct=expected_digits(sheet), weights=np.zeros((0, 0)))


def column_counts(written: np.ndarray, expected: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(correct, errors, skipped), each (candidates, columns) int64."""
    if written.ndim != 3 or written.shape[1:] != expected.shape:
        raise ValueError(f"written must be (candidates, {expected.shape[0]}, {expected.shape[1]}), got {written.shape}")
    if written.size and (int(written.min()) < BLANK or int(written.max()) > 9):
        raise ValueError("a written digit lies outside 0..9 (or -1 for nothing written)")
    answered = written != BLANK
    rows = written.shape[2]
    # Cells up to and including the last written one were reached; argmax on the reversed
    # mask finds it for every candidate and column at once (0 reached if nothing written).
    reached = np.where(answered.any(axis=2), rows - np.argmax(answered[:, :, ::-1], axis=2), 0)
    n_answered = np.count_nonzero(answered, axis=2)
    correct = np.count_nonzero(written == expected[np.newaxis], axis=2)
    return correct, n_answered - correct, reached - n_answered


def metrics(correct: np.ndarray, errors: np.ndarray, skipped: np.ndarray) -> dict[str, np.ndarray]:
    """Per-candidate speed, accuracy, consistency and endurance from per-column counts."""
    columns = correct.shape[1]
    speed = correct.mean(axis=1)
    x = np.arange(columns, dtype=np.float64) - (columns - 1) / 2  # centred column index
    sxx = float(x @ x)
    # One column has no slope; NaN rather than a division warning.
    endurance = correct @ x / sxx if sxx else np.full(len(correct), np.nan)
    return {
        "correct": correct.sum(axis=1).astype(np.float64),
        "errors": errors.sum(axis=1).astype(np.float64),
        "skipped": skipped.sum(axis=1).astype(np.float64),
        "speed": speed,
        "accuracy": (errors.sum(axis=1) + skipped.sum(axis=1)).astype(np.float64),
        "range": (correct.max(axis=1) - correct.min(axis=1)).astype(np.float64),
        "mean_deviation": np.abs(correct - speed[:, np.newaxis]).mean(axis=1),
        "endurance": np.asarray(endurance, dtype=np.float64),
    }


def sitting_key(cells: Sequence[dict[str, Any]]) -> SectionKey:
    """The key of a section from its form cells ({"column", "pair"}, column-major): the expected
    last digit of every cell, shaped (columns, rows). It depends on the form alone, so live
    scoring builds it once per form."""
    if not cells:
        raise ValueError("a Kraepelin section without cells")
    columns = int(cells[-1]["column"]) + 1
    rows, extra = divmod(len(cells), columns)
    if extra or [int(c["column"]) for c in cells] != [k // rows for k in range(len(cells))]:
        raise ValueError("Kraepelin cells must come column by column, every column as long as the others")
    expected = np.array([(int(c["pair"][0]) + int(c["pair"][1])) % 10 for c in cells], dtype=np.int8)
    return SectionKey(correct=expected.reshape(columns, rows), weights=np.zeros((0, 0)))


def sitting_arrays(cells: Sequence[dict[str, Any]], written: Sequence[int | None]) -> tuple[np.ndarray, SectionKey]:
    """(written (1, columns, rows), key) of one candidate's section from its form cells
    ({"column", "pair"}, column-major) and the digit written in each cell (None: nothing)."""
    key = sitting_key(cells)
    chosen = np.array([BLANK if d is None else d for d in written], dtype=np.int8)
    return chosen.reshape(1, *key.correct.shape), key


def report(written: np.ndarray, key: SectionKey) -> dict[str, Any]:
    """One candidate's per-column counts and metrics, JSON-ready: NaN (the slope of a single
    column) becomes None. Metrics are unrounded here; the caller rounds what it shows."""
    correct, errors, skipped = column_counts(written, key.correct)
    found = metrics(correct, errors, skipped)
    return {"columns": {"correct": correct[0].tolist(), "errors": errors[0].tolist(), "skipped": skipped[0].tolist()},
            "metrics": {name: (float(v[0]) if np.isfinite(v[0]) else None) for name, v in found.items()}}


class Kraepelin(ScoringRule):
    """`score` is the metric named by params `score` (default `correct`, the total correct,
    which grows answer by answer for the live view). A work curve is a profile, not points
    of a competence test: by default it adds nothing into the total."""

    name = "kraepelin"
    in_total = False

    def detail(self, chosen: np.ndarray, key: SectionKey, params: dict[str, Any]) -> dict[str, np.ndarray]:
        return metrics(*column_counts(chosen, key.correct))

    def score(self, chosen: np.ndarray, key: SectionKey, params: dict[str, Any]) -> np.ndarray:
        found = self.detail(chosen, key, params)
        name = str(params.get("score", "correct"))
        if name not in found:
            raise ValueError(f"Kraepelin score {name!r}: use one of {', '.join(found)}")
        return found[name]
