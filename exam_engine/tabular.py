"""Rows of a CSV or XLSX file as dicts keyed by lower-case header, with 1-based row numbers."""
from __future__ import annotations

import csv
import io
import zipfile
import zlib
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterator
from xml.etree.ElementTree import ParseError

from exam_engine.problems import Problems, read_text

Row = tuple[int, dict[str, Any]]  # (row number, header -> cell value)

TABULAR_SUFFIXES = {".csv", ".xlsx"}


def _normalise_header(cells: list[Any]) -> list[str]:
    return [str(c).strip().lower().replace(" ", "_") if c is not None else "" for c in cells]


def _check_header(header: list[str], problems: Problems) -> bool:
    seen: set[str] = set()
    ok = True
    for name in header:
        if name and name in seen:
            problems.add(1, name, "column appears twice in the header row")
            ok = False
        seen.add(name)
    if not any(header):
        problems.add(1, "header", "the first row must name the columns")
        ok = False
    return ok


def _csv_rows(path: Path, problems: Problems) -> Iterator[Row]:
    text = read_text(path, problems)
    if text is None:
        return
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = _normalise_header(next(reader))
    except StopIteration:
        return
    if not _check_header(header, problems):
        return
    # Spreadsheet row numbers count records, not physical lines: a quoted cell may span
    # several lines (reader.line_num would then point past the row), and a blank line is
    # still a row in Excel.
    number = 1
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(header):
                problems.add(number, "row", f"{len(cells)} cells but the header has {len(header)} columns")
                continue
            yield number, {h: (c.strip() if c.strip() else None) for h, c in zip(header, cells) if h}
    except csv.Error as exc:
        problems.add(number + 1, "csv", str(exc))


def _xlsx_rows(path: Path, problems: Problems) -> Iterator[Row]:
    import openpyxl  # heavy import, only when an XLSX file is read

    if not path.exists():
        problems.add(1, "file", "file not found")
        return
    if path.stat().st_size == 0:
        problems.add(1, "file", "the file is empty")
        return
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, zlib.error, ParseError) as exc:
        problems.add(1, "file", f"not a readable XLSX workbook ({type(exc).__name__}); save it as .xlsx")
        return
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        try:
            header = _normalise_header(list(next(rows)))
        except StopIteration:
            problems.add(1, "file", "the first sheet is empty")
            return
        if not _check_header(header, problems):
            return
        for number, cells in enumerate(rows, start=2):
            values = {h: _xlsx_cell(c) for h, c in zip(header, cells) if h}
            if all(v is None for v in values.values()):
                continue
            yield number, values
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, zlib.error, ParseError) as exc:
        # The sheet is read lazily: damage deep inside shows up while iterating, not at opening.
        problems.add(1, "file", f"the workbook is damaged ({type(exc).__name__}); save it again as .xlsx")
    finally:
        book.close()


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip() or None
    return value


def read_rows(path: Path, problems: Problems) -> list[Row]:
    """All non-empty data rows; an empty table is reported as a problem."""
    reader = _xlsx_rows if path.suffix.lower() == ".xlsx" else _csv_rows
    rows = list(reader(path, problems))
    if not rows and not problems:
        problems.add(2, "file", "the file has a header row but no data rows")
    return rows


def cell_text(value: Any) -> str | None:
    """A cell as text; integral floats lose their '.0' (Excel stores 5 as 5.0)."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip() or None
