"""Printable attendance lists (daftar hadir) carrying the registration PINs.

PINs are stored hashed, so a list can only be printed when PINs are issued; reissuing
invalidates the old ones (a lost list is handled by printing a new one)."""
from __future__ import annotations

import csv
import html
import os
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_engine.db import utcnow
from exam_engine.roster.importer import IssuedPin
from exam_engine.roster.models import Candidate
from exam_engine.roster.pins import PinHasher
from exam_engine.scheduling.models import ExamSession
from exam_engine.vault import Vault

HEADER = ["nomor_peserta", "nama", "formasi", "sesi", "ruang", "tanggal", "mulai", "pin_registrasi", "tanda_tangan"]


def reissue_pins(session: Session, vault: Vault, pins: PinHasher, exam_session: ExamSession) -> list[IssuedPin]:
    issued = []
    for candidate in session.scalars(select(Candidate).where(Candidate.session_id == exam_session.id)
                                     .order_by(Candidate.number)):
        pin = pins.new_pin()
        candidate.pin_hash, candidate.pin_issued_at = pins.hash(pin), utcnow()
        name = vault.decrypt_json(candidate.personal, candidate.context)["name"]
        issued.append(IssuedPin(candidate, name, pin))
    return issued


def _private_open(path: Path):  # type: ignore[no-untyped-def]
    path.parent.mkdir(parents=True, exist_ok=True)
    # The list holds live PINs: owner-only, like the key file.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    # The mode above applies only to a new file; an existing list keeps its old mode.
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "w", encoding="utf-8-sig", newline="")


def _list_stem(folder: Path, code: str, replace: bool) -> str:
    """A later import of more candidates must not overwrite a list whose PINs are still
    valid (they exist nowhere else); a reissue for the whole session replaces it."""
    stem = f"daftar-hadir-{code}"
    n = 1
    while not replace and ((folder / f"{stem}.csv").exists() or (folder / f"{stem}.html").exists()):
        n += 1
        stem = f"daftar-hadir-{code}-{n}"
    return stem


def write_attendance(issued: list[IssuedPin], folder: Path, replace: bool = False) -> list[Path]:
    """One CSV (opens in Excel) and one printable HTML page per session."""
    by_session: dict[str, list[IssuedPin]] = {}
    for entry in issued:
        by_session.setdefault(entry.candidate.session.code, []).append(entry)
    written = []
    for code, entries in sorted(by_session.items()):
        entries.sort(key=lambda e: e.candidate.number)
        s = entries[0].candidate.session
        rows = [[e.candidate.number, e.name, e.candidate.formation, code, s.room, s.date.isoformat(),
                 s.start_time.strftime("%H:%M"), e.pin, ""] for e in entries]
        stem = _list_stem(folder, code, replace)
        csv_path = folder / f"{stem}.csv"
        with _private_open(csv_path) as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADER)
            writer.writerows(rows)
        html_path = folder / f"{stem}.html"
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
        head = "".join(f"<th>{html.escape(h.replace('_', ' ').title())}</th>" for h in HEADER)
        with _private_open(html_path) as fh:
            fh.write(
                f"<!doctype html><html lang=id><meta charset=utf-8><title>Daftar Hadir {html.escape(code)}</title>"
                "<style>body{font-family:sans-serif}table{border-collapse:collapse;width:100%}"
                "td,th{border:1px solid #000;padding:6px}td:last-child{width:20%}</style>"
                f"<h1>Daftar Hadir Sesi {html.escape(code)}</h1><p>Ruang {html.escape(s.room)}, "
                f"{s.date.isoformat()} {s.start_time.strftime('%H:%M')}</p>"
                f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></html>")
        written += [csv_path, html_path]
    return written
