"""`exam-engine roster import`: CSV/XLSX rows checked as a whole, then stored in one
transaction with fresh registration PINs. Bad rows are reported like bank errors."""
from __future__ import annotations

import hashlib
import hmac
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_engine.db import utcnow
from exam_engine.problems import InvalidFile, Problems
from exam_engine.roster.models import Candidate
from exam_engine.roster.pins import PinHasher
from exam_engine.scheduling.models import ExamSession
from exam_engine.scheduling.service import profile_of
from exam_engine.tabular import cell_text, read_rows
from exam_engine.vault import Vault

#: Accepted header names, English and Bahasa Indonesia.
COLUMNS = {
    "number": ("candidate_number", "nomor_peserta", "no_peserta", "number"),
    "nik": ("nik",),
    "name": ("name", "nama"),
    "formation": ("formation", "formasi"),
    "date_of_birth": ("date_of_birth", "tanggal_lahir", "dob"),
    "session": ("session", "sesi"),
    "accommodations": ("accommodations", "akomodasi"),
}
REQUIRED = ("number", "nik", "name", "formation", "date_of_birth", "session")
NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,31}$")
NIK = re.compile(r"^\d{16}$")
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y")


@dataclass
class RosterRow:
    row: int
    number: str
    nik: str
    name: str
    formation: str
    date_of_birth: date
    session: ExamSession
    accommodations: list[str] = field(default_factory=list)


@dataclass
class IssuedPin:
    candidate: Candidate
    name: str
    pin: str


def _column_map(header: set[str], problems: Problems) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for field_name, aliases in COLUMNS.items():
        found = [a for a in aliases if a in header]
        if found:
            mapping[field_name] = found[0]
        elif field_name in REQUIRED:
            problems.add(1, field_name, f"missing column (accepted names: {', '.join(aliases)})")
    return mapping


def _parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text or "", fmt).date()
        except ValueError:
            continue
    return None


def _check_row(number: int, values: dict[str, Any], sessions: dict[str, ExamSession],
               problems: Problems) -> RosterRow | None:
    before = len(problems.items)
    cand_number = cell_text(values.get("number")) or ""
    if not NUMBER.match(cand_number):
        problems.add(number, "number", f"{cand_number!r}: letters, digits, '.' and '-' only" if cand_number else "missing")
    raw_nik = values.get("nik")
    if isinstance(raw_nik, (int, float)) and not isinstance(raw_nik, bool):
        # 16 digits exceed a spreadsheet number's precision: the last digits are already lost.
        problems.add(number, "nik", "stored as a number, which loses digits; format the NIK column as Text")
    else:
        nik = cell_text(raw_nik) or ""
        if not NIK.match(nik):
            problems.add(number, "nik", f"{nik!r}: a NIK has exactly 16 digits" if nik else "missing")
    name = cell_text(values.get("name")) or ""
    if not name:
        problems.add(number, "name", "missing")
    elif len(name) > 200:
        problems.add(number, "name", "longer than 200 characters")
    born = _parse_date(values.get("date_of_birth"))
    if born is None:
        problems.add(number, "date_of_birth", f"{cell_text(values.get('date_of_birth'))!r}: use YYYY-MM-DD or DD-MM-YYYY")
    elif not 15 <= (date.today() - born).days // 365 <= 80:
        problems.add(number, "date_of_birth", f"{born.isoformat()}: not a plausible candidate's birth date")
    code = cell_text(values.get("session")) or ""
    exam_session = sessions.get(code)
    if exam_session is None:
        problems.add(number, "session", f"no session {code!r}; create it first" if code else "missing")
    # Profile codes are lower-case; committees type "Umum" or "Tunanetra" as well.
    formation = (cell_text(values.get("formation")) or "").lower()
    # A code listed twice counts once: "tunanetra; tunanetra" must not double the extra time.
    accommodations = list(dict.fromkeys(
        a.strip().lower() for a in re.split(r"[;,]", cell_text(values.get("accommodations")) or "") if a.strip()))
    if exam_session is not None:
        profile = profile_of(exam_session.exam)
        if formation not in profile.formations:
            problems.add(number, "formation", f"{formation!r}: not a formation of this exam ({', '.join(profile.formations)})")
        for code_ in accommodations:
            if code_ not in profile.accommodations:
                known = ", ".join(profile.accommodations) or "none"
                problems.add(number, "accommodations", f"{code_!r}: unknown accommodation (known: {known})")
    if len(problems.items) != before:
        return None
    return RosterRow(number, cand_number, cell_text(raw_nik) or "", name, formation, born,  # type: ignore[arg-type]
                     exam_session, accommodations)  # type: ignore[arg-type]


def _check_file(session: Session, vault: Vault, path: Path, problems: Problems) -> list[RosterRow]:
    rows = read_rows(path, problems)
    if not rows:
        return []
    mapping = _column_map(set(rows[0][1]), problems)
    if problems:
        return []
    sessions = {s.code: s for s in session.scalars(select(ExamSession))}
    checked = [r for n, values in rows
               if (r := _check_row(n, {f: values.get(col) for f, col in mapping.items()}, sessions, problems))]
    first_number: dict[str, int] = {}
    first_nik: dict[str, int] = {}
    for r in checked:
        if r.number in first_number:
            problems.add(r.row, "number", f"duplicate candidate number {r.number} (first at row {first_number[r.number]})")
        first_number.setdefault(r.number, r.row)
        if r.nik in first_nik:
            problems.add(r.row, "nik", f"the same NIK is already at row {first_nik[r.nik]}")
        first_nik.setdefault(r.nik, r.row)
    nik_key = vault.subkey("nik-hash")
    for r in checked:
        exam_id = r.session.exam_id
        if session.scalar(select(Candidate.id).where(Candidate.exam_id == exam_id, Candidate.number == r.number)):
            problems.add(r.row, "number", f"candidate {r.number} is already on this exam's roster")
        if session.scalar(select(Candidate.id).where(Candidate.exam_id == exam_id,
                                                     Candidate.nik_hash == nik_hash(nik_key, r.nik))):
            problems.add(r.row, "nik", "this NIK is already registered for this exam")
    seats = Counter(r.session.code for r in checked)
    for code, count in seats.items():
        exam_session = next(r.session for r in checked if r.session.code == code)
        taken = len(session.scalars(select(Candidate.id).where(Candidate.session_id == exam_session.id)).all())
        if taken + count > exam_session.capacity:
            last = max(r.row for r in checked if r.session.code == code)
            problems.add(last, "session", f"session {code} seats {exam_session.capacity}; this file would make it "
                                          f"{taken + count}")
    return checked


def nik_hash(key: bytes, nik: str) -> str:
    return hmac.new(key, nik.encode(), hashlib.sha256).hexdigest()


def import_roster(session: Session, vault: Vault, pins: PinHasher, path: Path) -> list[IssuedPin]:
    """Store every row or none; returns the new PINs (shown once, for the attendance list)."""
    problems = Problems(str(path))
    rows = _check_file(session, vault, path, problems)
    if problems:
        raise InvalidFile(problems.items)
    nik_key = vault.subkey("nik-hash")
    issued: list[IssuedPin] = []
    for r in rows:
        profile = profile_of(r.session.exam)
        candidate = Candidate(exam_id=r.session.exam_id, session=r.session, number=r.number, formation=r.formation,
                              nik_hash=nik_hash(nik_key, r.nik), personal=b"", accommodations=r.accommodations,
                              extra_minutes=profile.extra_minutes(r.accommodations))
        candidate.personal = vault.encrypt_json(
            {"nik": r.nik, "name": r.name, "date_of_birth": r.date_of_birth.isoformat()}, candidate.context)
        pin = pins.new_pin()
        candidate.pin_hash, candidate.pin_issued_at = pins.hash(pin), utcnow()
        session.add(candidate)
        issued.append(IssuedPin(candidate, r.name, pin))
    session.flush()
    return issued
