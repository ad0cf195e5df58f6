"""One candidate's score certificate (surat keterangan hasil ujian) as PDF."""
from __future__ import annotations

from pathlib import Path

from fpdf import FontFace

from exam_engine.results.exports.pdf import FAMILY, document, facts, score, signatures
from exam_engine.results.exports.rows import LABELS, ResultRow, SessionInfo


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
            table.row([code, score(value)])
        table.row([LABELS["total"], score(row.total)], style=FontFace(emphasis="BOLD"))
    pdf.ln(4)
    facts(pdf, [(LABELS["status"], row.status),
                ("Peringkat dalam formasi", "-" if row.rank is None else str(row.rank))])
    signatures(pdf, [("Ketua Panitia", info.chair)])
    pdf.output(str(path))
    return path
