"""The berita acara (official report of the sitting) as PDF."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fpdf import FontFace, XPos, YPos

from exam_engine.results.exports.pdf import FAMILY, document, facts, score, signatures
from exam_engine.results.exports.rows import LABELS, ResultRow, SessionInfo, ordered, section_codes


def write_report_pdf(rows: Sequence[ResultRow], info: SessionInfo, path: Path) -> Path:
    """The berita acara: the sitting, attendance, the score table, and signature lines."""
    present = [r for r in rows if r.present]
    passed = sum(r.passed for r in present)
    pdf = document("BERITA ACARA PELAKSANAAN UJIAN", info.exam)
    facts(pdf, [("Sesi", info.session), ("Ruang", info.room), ("Tanggal", info.date),
                ("Waktu mulai", info.start), ("Pengawas", ", ".join(info.proctors)),
                *info.extra.items(),
                ("Peserta terdaftar", str(len(rows))), ("Hadir", str(len(present))),
                ("Tidak hadir", str(len(rows) - len(present))),
                ("Lulus / tidak lulus", f"{passed} / {len(present) - passed}")])
    sections = section_codes(rows)
    pdf.set_font(FAMILY, size=8)
    numeric = ("RIGHT",) * (len(sections) + 1)
    with pdf.table(col_widths=(7, 22, 38, 20, *(11,) * len(sections), 11, 19, 11), line_height=5,
                   text_align=("RIGHT", "LEFT", "LEFT", "LEFT", *numeric, "LEFT", "RIGHT"),
                   headings_style=FontFace(emphasis="BOLD")) as table:
        table.row(["No", LABELS["number"], LABELS["name"], LABELS["formation"], *sections,
                   LABELS["total"], LABELS["status"], "Rank"])
        for i, row in enumerate(ordered(rows), start=1):
            table.row([str(i), row.number, row.name, row.formation,
                       *(score(row.sections.get(s)) for s in sections), score(row.total),
                       row.status, "" if row.rank is None else str(row.rank)])
    pdf.ln(6)
    pdf.set_font(FAMILY, size=10)
    pdf.multi_cell(0, 6, "Demikian berita acara ini dibuat dengan sebenarnya.",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    signers = [(f"Pengawas {i}", name) for i, name in enumerate(info.proctors, start=1)]
    signatures(pdf, signers + [("Ketua Panitia", info.chair)])
    pdf.output(str(path))
    return path
