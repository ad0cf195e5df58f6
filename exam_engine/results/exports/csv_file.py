"""The machine-readable export: CSV that `result_rows` reads back, safe to open in a spreadsheet.

One file, one line per candidate: the main sheet's columns (number, name, formation, the
sections that add into the total, total, passed, rank, present; then advances, true/false or
empty when unknown, once some row knows who advances), then the sections apart
flattened into dotted columns, so that one line still holds one candidate whole:
KEPRIBADIAN.valid, KEPRIBADIAN.<trait>.raw|t|stanine; KRAEPELIN.valid, KRAEPELIN.<metric>
(speed, accuracy, ...) and KRAEPELIN.correct|errors|skipped.<column>, columns from 1. A cell a
candidate has no value for (absent, a trait without a score) is empty."""
from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from exam_engine.results.exports.rows import ResultRow, flat_apart, ordered, section_codes, shows_advances


def _csv_text(value: Any) -> Any:
    # Spreadsheets run cells starting with these as formulas (CSV injection).
    return "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") else value


def _cell(value: Any) -> Any:
    return "" if value is None else str(value).lower() if isinstance(value, bool) else value


def write_csv(rows: Sequence[ResultRow], path: Path, bom: bool = False) -> Path:
    """Machine-readable: the same column names `result_rows` reads back. BOM for Excel."""
    sections, advances = section_codes(rows), shows_advances(rows)
    flat = [flat_apart(row.apart) for row in rows]
    extra = list(dict.fromkeys(key for found in flat for key in found))
    by_row = {id(row): found for row, found in zip(rows, flat)}
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["number", "name", "formation", *sections, "total", "passed", "rank", "present",
                      *(["advances"] if advances else []), *extra])
        for row in ordered(rows):
            found = by_row[id(row)]
            out.writerow([_csv_text(row.number), _csv_text(row.name), _csv_text(row.formation),
                          *(row.sections.get(s, "") for s in sections),
                          "" if row.total is None else row.total, str(row.passed).lower(),
                          "" if row.rank is None else row.rank, str(row.present).lower(),
                          *([_cell(row.advances)] if advances else []),
                          *(_cell(found.get(key)) for key in extra)])
    return path
