"""One export: the chosen formats written into one folder, which the caller then signs."""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from exam_engine.results.exports.berita_acara import write_report_pdf
from exam_engine.results.exports.certificate import write_certificate_pdf
from exam_engine.results.exports.csv_file import write_csv
from exam_engine.results.exports.rows import ResultRow, SessionInfo
from exam_engine.results.exports.xlsx import write_xlsx

FORMATS = ("xlsx", "csv", "pdf")


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
