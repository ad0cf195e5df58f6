"""The committee's workbook: one sheet per formation, numbers as numbers, text never a formula.

Formation sheets hold the sections that add into the total. Each section apart (a personality
inventory, a Kraepelin work curve) gets one more sheet named by its code: the candidates who
have it, their traits' raw/T/stanine or the metrics and per-column correct counts, and whether
the profile is valid. "Lolos ke tahap berikut" (Ya / Tidak / — unknown) follows the rank once some
row knows who advances."""
from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import groupby
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from exam_engine.results.exports.rows import (
    ADVANCES_TEXT,
    LABELS,
    ResultRow,
    apart_codes,
    apart_columns,
    ordered,
    section_codes,
    shows_advances,
)

IDENTITY = [LABELS["number"], LABELS["name"], LABELS["formation"]]


def _sheet_title(formation: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "-", formation).strip("'")[:31] or "Tanpa formasi"
    title, n = base, 2
    while title.lower() in used:  # Excel compares sheet names case-insensitively
        title, n = f"{base[:28]}-{n}", n + 1
    used.add(title.lower())
    return title


def _cells(row: ResultRow, sections: list[str], advances: bool) -> list[Any]:
    return [row.number, row.name, row.formation, *(row.sections.get(s) for s in sections),
            row.total, row.passed, row.rank, *([ADVANCES_TEXT[row.advances]] if advances else []), row.status]


def _append(sheet: Worksheet, cells: list[Any]) -> None:
    sheet.append(cells)
    for cell in sheet[sheet.max_row][:3]:
        cell.data_type = "s"  # a name starting with "=" stays text, never a formula


def _finish(sheet: Worksheet, freeze: str) -> None:
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = freeze
    sheet.auto_filter.ref = sheet.dimensions
    for index, column in enumerate(sheet.iter_cols(values_only=True), start=1):
        width = max(len(str(v)) for v in column if v is not None)
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 45)


def write_xlsx(rows: Sequence[ResultRow], path: Path) -> Path:
    """One sheet per formation, then one per section apart; numbers as numbers, candidate numbers as text."""
    sections, advances = section_codes(rows), shows_advances(rows)
    header = [*IDENTITY, *sections, LABELS["total"], LABELS["passed"], LABELS["rank"],
              *([LABELS["advances"]] if advances else []), LABELS["status"]]
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    used: set[str] = set()
    for formation, members in groupby(ordered(rows), key=lambda r: r.formation):
        sheet = book.create_sheet(_sheet_title(formation, used))
        sheet.append(header)
        for row in members:
            _append(sheet, _cells(row, sections, advances))
        _finish(sheet, "A2")
    if not used:
        book.create_sheet("Hasil").append(header)  # an empty session still opens cleanly
    for code in apart_codes(rows):
        sheet = book.create_sheet(_sheet_title(code, used))
        columns = apart_columns(rows, code)
        sheet.append([*IDENTITY, *(label for label, _ in columns)])
        for row in ordered(rows):
            if code in row.apart:
                _append(sheet, [row.number, row.name, row.formation, *(value(row.apart[code]) for _, value in columns)])
        _finish(sheet, "D2")  # wide: who the row is stays in sight while scrolling right
    book.save(path)
    return path
