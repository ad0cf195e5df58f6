"""Committee exports of a session's results: XLSX, CSV, the berita acara PDF and certificates.

Rows come in as plain dicts (the results service will supply them); the files are what the
manifest later signs, so every writer here is deterministic apart from PDF timestamps.
The package: rows.py (ResultRow, SessionInfo), xlsx.py, csv_file.py, pdf.py (the shared PDF
layout and fonts), berita_acara.py, certificate.py and folder.py (`export`, all formats at once).
Sections outside the total (personality inventories, Kraepelin) travel in `ResultRow.apart`
(`apart_of` reads them from a stored result): a sheet each in the XLSX, dotted columns in the
CSV, a small table on the certificate; score columns and the berita acara leave them out."""
from exam_engine.results.exports.berita_acara import write_report_pdf
from exam_engine.results.exports.certificate import write_certificate_pdf
from exam_engine.results.exports.csv_file import write_csv
from exam_engine.results.exports.folder import FORMATS, export
from exam_engine.results.exports.rows import (
                                           FIXED,
                                           LABELS,
                                           ResultRow,
                                           SessionInfo,
                                           apart_codes,
                                           apart_of,
                                           result_rows,
                                           section_codes,
)
from exam_engine.results.exports.xlsx import write_xlsx

__all__ = ["FIXED", "FORMATS", "LABELS", "ResultRow", "SessionInfo", "apart_codes", "apart_of", "export",
           "result_rows", "section_codes",
           "write_certificate_pdf", "write_csv", "write_report_pdf", "write_xlsx"]
