"""A Kraepelin/Pauli sheet for one form, generated from the form's seed (no bank needed).

Each cell (one pair of adjacent digits) becomes one form entry, column by column:
{"item": None, "section", "options": A..J, "column", "pair": [upper digit, lower digit]}.
The options are the digits 0..9 (A = 0), so answers travel and are stored like any choice;
the key, the pair's sum modulo 10, is worked out on the server when scoring (the digits
themselves are the test, and go to the terminal)."""
from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from exam_engine.scoring.kraepelin import generate_columns
from question_bank.item_types.kraepelin import DIGITS
from question_bank.profiles import Sheet


def sheet_seed(form_seed: str, section: str) -> int:
    """A 64-bit seed per form and section: two Kraepelin sections of one form differ."""
    return int(hashlib.sha256(f"{form_seed}:{section}".encode()).hexdigest()[:16], 16)


def sheet_digits(form_seed: str, section: str, sheet: Sheet) -> np.ndarray:
    """(columns, digits) int8, the same on every machine for the same seed."""
    return generate_columns(sheet_seed(form_seed, section), sheet.columns, sheet.digits)


def form_cells(form_seed: str, section: str, sheet: Sheet) -> list[dict[str, Any]]:
    """The section's form entries, column by column, top to bottom."""
    digits = sheet_digits(form_seed, section, sheet).tolist()
    return [{"item": None, "section": section, "options": list(DIGITS), "column": c,
             "pair": [column[r], column[r + 1]]}
            for c, column in enumerate(digits) for r in range(sheet.digits - 1)]
