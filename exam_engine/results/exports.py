"""Committee exports of a session's results: XLSX, CSV, the berita acara PDF and certificates.

Rows come in as plain dicts (the results service will supply them); the files are what the
manifest later signs, so every writer here is deterministic apart from PDF timestamps."""
from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from itertools import groupby
from pathlib import Path
from typing import Any

from fpdf import FPDF, FontFace, XPos, YPos
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FIXED = ("number", "name", "formation", "sections", "total", "passed", "rank", "present")
LABELS = {"number": "No. Peserta", "name": "Nama", "formation": "Formasi", "total": "Total",
          "passed": "Lulus", "rank": "Peringkat", "status": "Keterangan"}
FORMATS = ("xlsx", "csv", "pdf")


@dataclass(frozen=True)
class ResultRow:
    number: str
    name: str
    formation: str
    sections: dict[str, float]
    total: float | None
    passed: bool
    rank: int | None = None
    present: bool = True

    @property
    def status(self) -> str:
        return "TIDAK HADIR" if not self.present else "LULUS" if self.passed else "TIDAK LULUS"


@dataclass(frozen=True)
class SessionInfo:
    """What the berita acara states about the sitting; plain text, already formatted."""

    exam: str = ""
    session: str = ""
    room: str = ""
    date: str = ""
    start: str = ""
    proctors: tuple[str, ...] = ()
    chair: str = ""  # the committee chair who signs the report and the certificates
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SessionInfo:
        """Known keys fill the fields; any other key is printed as one more fact."""
        known = {f.name for f in fields(cls)} - {"extra", "proctors"}
        return cls(**{k: str(v) for k, v in data.items() if k in known},
                   proctors=tuple(str(p) for p in data.get("proctors") or ()),
                   extra={k: str(v) for k, v in data.items() if k not in known | {"proctors"}})


def _number(value: Any) -> float | int | None:
    if value is None or value == "":
        return None
    number = float(value)
    return int(number) if number.is_integer() else number  # 85, not 85.0, in every format


def _flag(value: Any, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "ya", "yes", "y", "lulus", "l"}
    return bool(value)


def result_rows(records: Iterable[dict[str, Any]]) -> list[ResultRow]:
    """Rows from dicts: sections nested under "sections" or as extra flat columns (CSV)."""
    rows = []
    for record in records:
        sections = record.get("sections") or {k: v for k, v in record.items() if k not in FIXED}
        rank = _number(record.get("rank"))
        rows.append(ResultRow(
            number=str(record["number"]), name=str(record.get("name", "")),
            formation=str(record.get("formation", "")),
            sections={code: n for code, v in sections.items() if (n := _number(v)) is not None},
            total=_number(record.get("total")), passed=_flag(record.get("passed"), False),
            rank=int(rank) if rank is not None else None, present=_flag(record.get("present"), True)))
    return rows


def section_codes(rows: Sequence[ResultRow]) -> list[str]:
    return list(dict.fromkeys(code for row in rows for code in row.sections))


def _ordered(rows: Sequence[ResultRow]) -> list[ResultRow]:
    """By formation, then rank (unranked last), then candidate number."""
    return sorted(rows, key=lambda r: (r.formation, r.rank is None, r.rank or 0, r.number))


def _cells(row: ResultRow, sections: list[str]) -> list[Any]:
    return [row.number, row.name, row.formation, *(row.sections.get(s) for s in sections),
            row.total, row.passed, row.rank, row.status]


# --- XLSX and CSV -------------------------------------------------------------------------

def _sheet_title(formation: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "-", formation).strip("'")[:31] or "Tanpa formasi"
    title, n = base, 2
    while title.lower() in used:  # Excel compares sheet names case-insensitively
        title, n = f"{base[:28]}-{n}", n + 1
    used.add(title.lower())
    return title


def write_xlsx(rows: Sequence[ResultRow], path: Path) -> Path:
    """One sheet per formation; numbers as numbers, candidate numbers as text."""
    sections = section_codes(rows)
    header = [LABELS["number"], LABELS["name"], LABELS["formation"], *sections,
              LABELS["total"], LABELS["passed"], LABELS["rank"], LABELS["status"]]
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    used: set[str] = set()
    for formation, members in groupby(_ordered(rows), key=lambda r: r.formation):
        sheet = book.create_sheet(_sheet_title(formation, used))
        sheet.append(header)
        for row in members:
            sheet.append(_cells(row, sections))
            for cell in sheet[sheet.max_row][:3]:
                cell.data_type = "s"  # a name starting with "=" stays text, never a formula
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
        for index, column in enumerate(sheet.iter_cols(values_only=True), start=1):
            width = max(len(str(v)) for v in column if v is not None)
            sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 45)
    if not used:
        book.create_sheet("Hasil").append(header)  # an empty session still opens cleanly
    book.save(path)
    return path


def _csv_text(value: Any) -> Any:
    # Spreadsheets run cells starting with these as formulas (CSV injection).
    return "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") else value


def write_csv(rows: Sequence[ResultRow], path: Path, bom: bool = False) -> Path:
    """Machine-readable: the same column names `result_rows` reads back. BOM for Excel."""
    sections = section_codes(rows)
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["number", "name", "formation", *sections, "total", "passed", "rank", "present"])
        for row in _ordered(rows):
            out.writerow([_csv_text(row.number), _csv_text(row.name), _csv_text(row.formation),
                          *(row.sections.get(s, "") for s in sections),
                          "" if row.total is None else row.total, str(row.passed).lower(),
                          "" if row.rank is None else row.rank, str(row.present).lower()])
    return path


# --- PDF ----------------------------------------------------------------------------------

def _latin(text: Any) -> str:
    """The PDF core fonts cover Latin-1 only: fold other letters to their base (ā -> a)."""
    out = []
    for char in "" if text is None else str(text):
        if ord(char) < 256:
            out.append(char)
        else:
            base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
            out.append(base or "?")
    return "".join(out)


def _score(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")


class _Document(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("helvetica", size=8)
        self.cell(0, 6, f"Halaman {self.page_no()} dari {{nb}}", align="C")


def _document(title: str, subtitle: str) -> _Document:
    pdf = _Document(format="A4")
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    pdf.set_font("helvetica", "B", 13)
    pdf.cell(0, 7, _latin(title), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("helvetica", size=11)
    pdf.cell(0, 6, _latin(subtitle), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    return pdf


def _facts(pdf: FPDF, facts: list[tuple[str, str]]) -> None:
    pdf.set_font("helvetica", size=10)
    for label, value in facts:
        pdf.cell(45, 6, _latin(label))
        pdf.multi_cell(0, 6, _latin(f": {value}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)


def _signatures(pdf: FPDF, signers: list[tuple[str, str]]) -> None:
    """Signature blocks side by side, three a row, flush right, never split from their titles."""
    pdf.set_font("helvetica", size=10)
    width = pdf.epw / 3
    for start in range(0, len(signers), 3):
        group = signers[start:start + 3]
        if pdf.y + 36 > pdf.page_break_trigger:
            pdf.add_page()
        top = pdf.y
        for i, (role, name) in enumerate(group):
            x = pdf.l_margin + (3 - len(group) + i) * width
            pdf.set_xy(x, top)
            pdf.cell(width, 6, _latin(role), align="C")
            pdf.set_xy(x, top + 24)
            pdf.cell(width, 6, _latin(f"( {name or ' ' * 30} )"), align="C")
            pdf.line(x + 8, top + 24, x + width - 8, top + 24)
        pdf.set_xy(pdf.l_margin, top + 36)


def write_report_pdf(rows: Sequence[ResultRow], info: SessionInfo, path: Path) -> Path:
    """The berita acara: the sitting, attendance, the score table, and signature lines."""
    present = [r for r in rows if r.present]
    passed = sum(r.passed for r in present)
    pdf = _document("BERITA ACARA PELAKSANAAN UJIAN", info.exam)
    _facts(pdf, [("Sesi", info.session), ("Ruang", info.room), ("Tanggal", info.date),
                 ("Waktu mulai", info.start), ("Pengawas", ", ".join(info.proctors)),
                 *info.extra.items(),
                 ("Peserta terdaftar", str(len(rows))), ("Hadir", str(len(present))),
                 ("Tidak hadir", str(len(rows) - len(present))),
                 ("Lulus / tidak lulus", f"{passed} / {len(present) - passed}")])
    sections = section_codes(rows)
    pdf.set_font("helvetica", size=8)
    numeric = ("RIGHT",) * (len(sections) + 1)
    with pdf.table(col_widths=(7, 22, 38, 20, *(11,) * len(sections), 11, 19, 11), line_height=5,
                   text_align=("RIGHT", "LEFT", "LEFT", "LEFT", *numeric, "LEFT", "RIGHT"),
                   headings_style=FontFace(emphasis="BOLD")) as table:
        table.row(["No", LABELS["number"], LABELS["name"], LABELS["formation"], *sections,
                   LABELS["total"], LABELS["status"], "Rank"])
        for i, row in enumerate(_ordered(rows), start=1):
            table.row([str(i), _latin(row.number), _latin(row.name), _latin(row.formation),
                       *(_score(row.sections.get(s)) for s in sections), _score(row.total),
                       row.status, "" if row.rank is None else str(row.rank)])
    pdf.ln(6)
    pdf.set_font("helvetica", size=10)
    pdf.multi_cell(0, 6, "Demikian berita acara ini dibuat dengan sebenarnya.",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    signers = [(f"Pengawas {i}", name) for i, name in enumerate(info.proctors, start=1)]
    _signatures(pdf, signers + [("Ketua Panitia", info.chair)])
    pdf.output(str(path))
    return path


def write_certificate_pdf(row: ResultRow, info: SessionInfo, path: Path) -> Path:
    """One candidate's score certificate (surat keterangan hasil ujian)."""
    pdf = _document("SURAT KETERANGAN HASIL UJIAN", info.exam)
    _facts(pdf, [(LABELS["number"], row.number), (LABELS["name"], row.name),
                 (LABELS["formation"], row.formation), ("Sesi", info.session),
                 ("Ruang", info.room), ("Tanggal", info.date)])
    pdf.set_font("helvetica", size=10)
    with pdf.table(col_widths=(60, 30), width=90, align="LEFT", text_align=("LEFT", "RIGHT"),
                   headings_style=FontFace(emphasis="BOLD")) as table:
        table.row(["Subtes", "Nilai"])
        for code, value in row.sections.items():
            table.row([_latin(code), _score(value)])
        table.row([LABELS["total"], _score(row.total)], style=FontFace(emphasis="BOLD"))
    pdf.ln(4)
    _facts(pdf, [(LABELS["status"], row.status),
                 ("Peringkat dalam formasi", "-" if row.rank is None else str(row.rank))])
    _signatures(pdf, [("Ketua Panitia", info.chair)])
    pdf.output(str(path))
    return path


def _file_name(number: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", number) or "_"


def export(rows: Sequence[ResultRow], info: SessionInfo, folder: Path, formats: Iterable[str],
           bom: bool = False) -> list[Path]:
    """Write the chosen formats into `folder`; the caller signs the folder afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for fmt in dict.fromkeys(formats):
        if fmt == "xlsx":
            written.append(write_xlsx(rows, folder / "hasil.xlsx"))
        elif fmt == "csv":
            written.append(write_csv(rows, folder / "hasil.csv", bom=bom))
        elif fmt == "pdf":
            written.append(write_report_pdf(rows, info, folder / "berita-acara.pdf"))
            certificates = folder / "sertifikat"
            certificates.mkdir(exist_ok=True)
            written += [write_certificate_pdf(row, info, certificates / f"{_file_name(row.number)}.pdf")
                        for row in rows if row.present]
        else:
            raise ValueError(f"unknown export format {fmt!r} (known: {', '.join(FORMATS)})")
    return written
