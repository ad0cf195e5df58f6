"""The machine-readable export: CSV that `result_rows` reads back, safe to open in a spreadsheet."""
from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from exam_engine.results.exports.rows import ResultRow, ordered, section_codes


def _csv_text(value: Any) -> Any:
    # Spreadsheets run cells starting with these as formulas (CSV injection).
    return "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") else value


def write_csv(rows: Sequence[ResultRow], path: Path, bom: bool = False) -> Path:
    """Machine-readable: the same column names `result_rows` reads back. BOM for Excel."""
    sections = section_codes(rows)
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["number", "name", "formation", *sections, "total", "passed", "rank", "present"])
        for row in ordered(rows):
            out.writerow([_csv_text(row.number), _csv_text(row.name), _csv_text(row.formation),
                          *(row.sections.get(s, "") for s in sections),
                          "" if row.total is None else row.total, str(row.passed).lower(),
                          "" if row.rank is None else row.rank, str(row.present).lower()])
    return path
