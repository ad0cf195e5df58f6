"""One candidate's score certificate (surat keterangan hasil ujian) as PDF.

Under the scores of the sections that add into the total, each section apart gets a small
table: a personality inventory its traits' raw score, T-score and stanine; a Kraepelin test
its metrics and the correct count of every column."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from fpdf import FontFace, XPos, YPos

from exam_engine.results.exports.pdf import FAMILY, Document, document, facts, score, signatures
from exam_engine.results.exports.rows import LABELS, METRIC_LABELS, ResultRow, SessionInfo


def _shown(value: Any) -> str:
    return "-" if value is None else score(value)  # "-": the policy left it without a value


def _apart(pdf: Document, code: str, entry: dict[str, Any]) -> None:
    pdf.set_font(FAMILY, "B", 10)
    pdf.cell(0, 6, code, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, size=10)
    if entry["traits"]:
        with pdf.table(col_widths=(60, 30, 20, 25), width=135, align="LEFT",
                       text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"), headings_style=FontFace(emphasis="BOLD")) as table:
            table.row(["Aspek", "Skor mentah", "T", "Stanine"])
            for trait, measures in entry["traits"].items():
                table.row([trait, *(_shown(measures.get(m)) for m in ("raw", "t", "stanine"))])
    if entry["metrics"]:
        with pdf.table(col_widths=(60, 30), width=90, align="LEFT", text_align=("LEFT", "RIGHT"),
                       headings_style=FontFace(emphasis="BOLD")) as table:
            table.row(["Ukuran", "Nilai"])
            for name, value in entry["metrics"].items():
                table.row([METRIC_LABELS.get(name, name), _shown(value)])
    correct = entry["columns"].get("correct")
    if correct:
        pdf.ln(1)
        pdf.multi_cell(0, 6, "Benar per kolom: " + ", ".join(_shown(v) for v in correct),
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if not entry["valid"]:
        pdf.multi_cell(0, 6, "Catatan: hasil tidak lengkap; nilai bertanda - tidak dapat dihitung.",
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)


def write_certificate_pdf(row: ResultRow, info: SessionInfo, path: Path) -> Path:
    """One candidate's score certificate (surat keterangan hasil ujian)."""
    pdf = document("SURAT KETERANGAN HASIL UJIAN", info.exam)
    facts(pdf, [(LABELS["number"], row.number), (LABELS["name"], row.name),
                (LABELS["formation"], row.formation), ("Sesi", info.session),
                ("Ruang", info.room), ("Tanggal", info.date)])
    pdf.set_font(FAMILY, size=10)
    with pdf.table(col_widths=(60, 30), width=90, align="LEFT", text_align=("LEFT", "RIGHT"),
                   headings_style=FontFace(emphasis="BOLD")) as table:
        table.row(["Subtes", "Nilai"])
        for code, value in row.sections.items():
            if code not in row.apart:  # its summary adds nothing to the total: shown below instead
                table.row([code, score(value)])
        table.row([LABELS["total"], score(row.total)], style=FontFace(emphasis="BOLD"))
    pdf.ln(4)
    for code, entry in row.apart.items():
        _apart(pdf, code, entry)
    facts(pdf, [(LABELS["status"], row.status),
                ("Peringkat dalam formasi", "-" if row.rank is None else str(row.rank))])
    signatures(pdf, [("Ketua Panitia", info.chair)])
    pdf.output(str(path))
    return path
