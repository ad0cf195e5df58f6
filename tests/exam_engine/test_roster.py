"""Roster import (CSV/XLSX): all rows or none, personal data encrypted, PINs only on paper."""
from __future__ import annotations

import csv
import stat
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from exam_engine.problems import InvalidFile
from exam_engine.roster.importer import import_roster
from exam_engine.roster.models import Candidate
from exam_engine.scheduling.service import profile_of
from tests.conftest import stored_bytes, write_table

EXAM = "CPNS-2026"
SESSION = "JKT-01-S1"
CAPACITY = 3
HEADER = ["candidate_number", "nik", "name", "formation", "date_of_birth", "session", "accommodations"]
INDONESIAN = ["nomor_peserta", "nik", "nama", "formasi", "tanggal_lahir", "sesi", "akomodasi"]
NOT_IMPORTED = "problem(s); nothing was imported."


def nik(n: int) -> str:
    return f"3201{n:012d}"


def person(n: int = 1, **fields: Any) -> dict[str, Any]:
    """One valid roster row; keyword arguments override fields."""
    row: dict[str, Any] = {
        "candidate_number": f"C-{n:03d}", "nik": nik(n), "name": f"Siti Rahayu Nomor{n}",
        "formation": "umum", "date_of_birth": "1995-04-17", "session": SESSION, "accommodations": "",
    }
    row.update(fields)
    return row


@pytest.fixture
def scheduled(engine, cli):  # type: ignore[no-untyped-def]
    """The engine with exam CPNS-2026 (skd-cpns) and session JKT-01-S1 of 3 seats, made via the CLI."""
    assert cli("exam", "create", "--code", EXAM, "--profile", "skd-cpns").exit_code == 0
    result = cli("session", "create", "--exam", EXAM, "--code", SESSION, "--date", "2026-09-01",
                 "--start", "08:00", "--room", "Aula A", "--capacity", CAPACITY)
    assert result.exit_code == 0, result.output
    return engine


@pytest.fixture
def roster_file(tmp_path: Path):  # type: ignore[no-untyped-def]
    """roster_file(rows, name=..., header=...) -> a CSV or XLSX file (by the name's suffix)."""

    def write(rows: list[dict[str, Any]], name: str = "roster.csv", header: list[str] = HEADER) -> Path:
        english = dict(zip(INDONESIAN, HEADER))
        return write_table(tmp_path / name, [header] + [[row.get(english.get(h, h)) for h in header] for row in rows])

    return write


def import_file(engine, path: Path):  # type: ignore[no-untyped-def]
    with engine.db.transaction() as session:
        return import_roster(session, engine.vault, engine.pins, path)


def candidates(engine) -> list[Candidate]:  # type: ignore[no-untyped-def]
    with engine.db.session() as session:
        return list(session.scalars(select(Candidate).order_by(Candidate.number)))


def count(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.db.session() as session:
        return session.scalar(select(func.count()).select_from(Candidate))


def personal(engine, candidate: Candidate) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return engine.vault.decrypt_json(candidate.personal, candidate.context)


def attendance(engine) -> Path:  # type: ignore[no-untyped-def]
    return engine.settings.instance_path / "attendance"


def pins_in_list(engine) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Candidate number -> PIN, as printed in the session's attendance CSV."""
    with (attendance(engine) / f"daftar-hadir-{SESSION}.csv").open(encoding="utf-8-sig", newline="") as fh:
        return {row["nomor_peserta"]: row["pin_registrasi"] for row in csv.DictReader(fh)}


def rejected(cli, engine, path: Path, already: int = 0) -> list[str]:  # type: ignore[no-untyped-def]
    """Import through the CLI, expecting refusal; returns the problem lines."""
    result = cli("roster", "import", path)
    assert result.exit_code == 1, result.output
    assert count(engine) == already
    *problems, summary = result.stderr.splitlines()
    assert summary == f"{len(problems)} {NOT_IMPORTED}"
    return problems


# --- a good import -------------------------------------------------------------------------

def test_service_import_stores_every_candidate(scheduled, roster_file):
    issued = import_file(scheduled, roster_file([person(1), person(2)]))
    assert [(e.candidate.number, e.name) for e in issued] == [("C-001", "Siti Rahayu Nomor1"),
                                                              ("C-002", "Siti Rahayu Nomor2")]
    stored = candidates(scheduled)
    assert [(c.number, c.formation, c.extra_minutes) for c in stored] == [("C-001", "umum", 0), ("C-002", "umum", 0)]
    assert personal(scheduled, stored[0]) == {"nik": nik(1), "name": "Siti Rahayu Nomor1",
                                              "date_of_birth": "1995-04-17"}


def test_cli_import_reports_count_and_lists(scheduled, cli, roster_file):
    result = cli("roster", "import", roster_file([person(1), person(2)]))
    assert result.exit_code == 0, result.output
    folder = attendance(scheduled)
    assert result.stdout.splitlines() == [
        "imported 2 candidate(s)",
        f"attendance list: {folder / f'daftar-hadir-{SESSION}.csv'}",
        f"attendance list: {folder / f'daftar-hadir-{SESSION}.html'}",
    ]
    assert count(scheduled) == 2


def test_pins_appear_only_in_the_attendance_lists(scheduled, cli, roster_file):
    result = cli("roster", "import", roster_file([person(1), person(2)]))
    pins = pins_in_list(scheduled)
    assert sorted(pins) == ["C-001", "C-002"]
    assert all(len(pin) == 6 and pin.isdigit() for pin in pins.values())
    html = (attendance(scheduled) / f"daftar-hadir-{SESSION}.html").read_text(encoding="utf-8")
    for pin in pins.values():
        assert f"<td>{pin}</td>" in html
        assert pin not in result.output


def test_attendance_lists_are_owner_only(scheduled, cli, roster_file):
    cli("roster", "import", roster_file([person(1)]))
    written = sorted(attendance(scheduled).iterdir())
    assert [p.name for p in written] == [f"daftar-hadir-{SESSION}.csv", f"daftar-hadir-{SESSION}.html"]
    assert [stat.S_IMODE(p.stat().st_mode) for p in written] == [0o600, 0o600]


def test_an_existing_readable_list_is_made_owner_only(scheduled, cli, roster_file):
    """Reissuing PINs replaces the list; a list left readable by others is tightened."""
    cli("roster", "import", roster_file([person(1)]))
    old = attendance(scheduled) / f"daftar-hadir-{SESSION}.csv"
    old.chmod(0o644)
    before = old.read_text(encoding="utf-8-sig")
    assert cli("roster", "pins", "--session", SESSION).exit_code == 0
    assert stat.S_IMODE(old.stat().st_mode) == 0o600
    after = old.read_text(encoding="utf-8-sig")
    assert "C-001" in after and after != before


def test_printed_pin_verifies_and_a_wrong_one_does_not(scheduled, cli, roster_file):
    cli("roster", "import", roster_file([person(1)]))
    pin = pins_in_list(scheduled)["C-001"]
    stored = candidates(scheduled)[0].pin_hash
    assert scheduled.pins.verify(stored, pin)
    assert not scheduled.pins.verify(stored, f"{(int(pin) + 1) % 10**6:06d}")


def test_indonesian_headers(scheduled, roster_file):
    path = roster_file([person(1, date_of_birth="17-04-1995", accommodations="tunanetra")], header=INDONESIAN)
    import_file(scheduled, path)
    (stored,) = candidates(scheduled)
    assert (stored.number, stored.formation, stored.accommodations) == ("C-001", "umum", ["tunanetra"])
    assert personal(scheduled, stored)["date_of_birth"] == "1995-04-17"


def test_xlsx_with_date_cells(scheduled, roster_file):
    path = roster_file([person(1, date_of_birth=date(1995, 4, 17)), person(2)], name="roster.xlsx")
    import_file(scheduled, path)
    stored = candidates(scheduled)
    assert [c.number for c in stored] == ["C-001", "C-002"]
    assert personal(scheduled, stored[0]) == {"nik": nik(1), "name": "Siti Rahayu Nomor1",
                                              "date_of_birth": "1995-04-17"}


def test_cli_imports_xlsx(scheduled, cli, roster_file):
    result = cli("roster", "import", roster_file([person(1)], name="roster.xlsx"))
    assert result.exit_code == 0, result.output
    assert count(scheduled) == 1 and sorted(pins_in_list(scheduled)) == ["C-001"]


def test_tunanetra_gets_thirty_extra_minutes(scheduled, roster_file):
    import_file(scheduled, roster_file([person(1, accommodations="tunanetra"), person(2)]))
    with scheduled.db.session() as session:
        blind, other = session.scalars(select(Candidate).order_by(Candidate.number))
        assert (blind.extra_minutes, other.extra_minutes) == (30, 0)
        assert profile_of(blind.exam).duration_minutes + blind.extra_minutes == 130


def test_an_accommodation_listed_twice_counts_once(scheduled, roster_file):
    import_file(scheduled, roster_file([person(1, accommodations="tunanetra; tunanetra")]))
    (stored,) = candidates(scheduled)
    assert (stored.accommodations, stored.extra_minutes) == (["tunanetra"], 30)


def test_personal_data_is_encrypted_at_rest(scheduled, cli, roster_file):
    row = person(1, name="Kartika Anindya Paramesti", date_of_birth="1994-11-23")
    assert cli("roster", "import", roster_file([row])).exit_code == 0
    raw = stored_bytes(scheduled)
    assert b"C-001" in raw  # the candidate number is stored in the clear: the right bytes were read
    for secret in (row["nik"], row["name"], "Kartika", row["date_of_birth"], "23-11-1994"):
        assert secret.encode() not in raw, secret


# --- bad files: every problem as FILE:ROW: field: message, nothing imported ----------------

def test_service_rejects_a_bad_row_and_stores_nothing(scheduled, roster_file):
    path = roster_file([person(1), person(2, nik="12345")])
    with pytest.raises(InvalidFile) as caught:
        import_file(scheduled, path)
    assert [str(p) for p in caught.value.problems] == [f"{path}:3: nik: '12345': a NIK has exactly 16 digits"]
    assert count(scheduled) == 0


def test_nik_not_16_digits(scheduled, cli, roster_file):
    path = roster_file([person(1), person(2, nik="320101010190000")])
    assert rejected(cli, scheduled, path) == [f"{path}:3: nik: '320101010190000': a NIK has exactly 16 digits"]
    assert not attendance(scheduled).exists()


def test_nik_stored_as_a_number_in_xlsx(scheduled, cli, roster_file):
    path = roster_file([person(1), person(2, nik=int(nik(2)))], name="roster.xlsx")
    assert rejected(cli, scheduled, path) == [
        f"{path}:3: nik: stored as a number, which loses digits; format the NIK column as Text"]


def test_duplicate_candidate_number_in_the_file(scheduled, cli, roster_file):
    path = roster_file([person(1), person(2), person(3, candidate_number="C-001")])
    assert rejected(cli, scheduled, path) == [f"{path}:4: number: duplicate candidate number C-001 (first at row 2)"]


def test_duplicate_nik_in_the_file(scheduled, cli, roster_file):
    path = roster_file([person(1), person(2, nik=nik(1))])
    assert rejected(cli, scheduled, path) == [f"{path}:3: nik: the same NIK is already at row 2"]


def test_unknown_session(scheduled, cli, roster_file):
    path = roster_file([person(1), person(2, session="JKT-99")])
    assert rejected(cli, scheduled, path) == [f"{path}:3: session: no session 'JKT-99'; create it first"]


def test_unknown_formation(scheduled, cli, roster_file):
    path = roster_file([person(1), person(2, formation="umumm")])
    assert rejected(cli, scheduled, path) == [
        f"{path}:3: formation: 'umumm': not a formation of this exam "
        "(umum, cumlaude, diaspora, disabilitas, papua, daerah_tertinggal)"]


def test_unknown_accommodation(scheduled, cli, roster_file):
    path = roster_file([person(1), person(2, accommodations="tuli")])
    assert rejected(cli, scheduled, path) == [
        f"{path}:3: accommodations: 'tuli': unknown accommodation (known: tunanetra)"]


def test_bad_date_of_birth(scheduled, cli, roster_file):
    path = roster_file([person(1), person(2, date_of_birth="31-02-1995")])
    assert rejected(cli, scheduled, path) == [
        f"{path}:3: date_of_birth: '31-02-1995': use YYYY-MM-DD or DD-MM-YYYY"]


def test_missing_required_column(scheduled, cli, roster_file):
    path = roster_file([person(1)], header=[h for h in HEADER if h != "nik"])
    assert rejected(cli, scheduled, path) == [f"{path}:1: nik: missing column (accepted names: nik)"]


def test_session_over_capacity(scheduled, cli, roster_file):
    path = roster_file([person(n) for n in range(1, CAPACITY + 2)])
    assert rejected(cli, scheduled, path) == [
        f"{path}:{CAPACITY + 2}: session: session {SESSION} seats {CAPACITY}; this file would make it {CAPACITY + 1}"]


def test_candidate_already_imported(scheduled, cli, roster_file, tmp_path):
    assert cli("roster", "import", roster_file([person(1)], name="first.csv")).exit_code == 0
    path = roster_file([person(2), person(1)], name="second.csv")
    assert rejected(cli, scheduled, path, already=1) == [
        f"{path}:3: nik: this NIK is already registered for this exam",
        f"{path}:3: number: candidate C-001 is already on this exam's roster",
    ]


def test_cp1252_file(scheduled, cli, tmp_path):
    path = tmp_path / "roster.csv"
    lines = [",".join(HEADER), ",".join(person(1).values()), ",".join(person(2, name="André Wijaya").values())]
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    assert rejected(cli, scheduled, path) == [
        f"{path}:3: encoding: not valid UTF-8 (byte 0xe9); save the file as UTF-8 (Excel: 'CSV UTF-8'),"
        " not as Windows-1252/Latin-1"]


def test_empty_file(scheduled, cli, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(b"")
    assert rejected(cli, scheduled, path) == [f"{path}:1: file: the file is empty"]


def test_header_only_file(scheduled, cli, roster_file):
    path = roster_file([])
    assert rejected(cli, scheduled, path) == [f"{path}:2: file: the file has a header row but no data rows"]


def test_row_numbers_count_spreadsheet_rows_not_lines(scheduled, cli, roster_file):
    """A quoted cell spanning two lines is still one row, as Excel shows it."""
    path = roster_file([person(1, name="Siti\nRahayu"), person(2, nik="123")])
    assert rejected(cli, scheduled, path) == [f"{path}:3: nik: '123': a NIK has exactly 16 digits"]


# --- re-issuing PINs -----------------------------------------------------------------------

def test_reissued_pins_replace_the_old_ones(scheduled, cli, roster_file):
    cli("roster", "import", roster_file([person(1), person(2)]))
    old = pins_in_list(scheduled)
    result = cli("roster", "pins", "--session", SESSION)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "issued 2 new PIN(s)"
    new = pins_in_list(scheduled)
    for stored in candidates(scheduled):
        assert scheduled.pins.verify(stored.pin_hash, new[stored.number])
        assert not scheduled.pins.verify(stored.pin_hash, old[stored.number])


def test_reissue_for_an_unknown_session(scheduled, cli):
    result = cli("roster", "pins", "--session", "NOPE")
    assert result.exit_code == 1
    assert result.stderr == "error: no session 'NOPE'\n"


def test_a_second_import_keeps_the_first_attendance_list(scheduled, cli, roster_file, tmp_path):
    first = cli("roster", "import", roster_file([person(1)], name="a.csv"))
    second = cli("roster", "import", roster_file([person(2)], name="b.csv"))
    assert first.exit_code == 0 and second.exit_code == 0, second.output
    folder = attendance(scheduled)
    assert f"attendance list: {folder / f'daftar-hadir-{SESSION}-2.csv'}" in second.output
    with (folder / f"daftar-hadir-{SESSION}.csv").open(encoding="utf-8-sig") as fh:
        assert "C-001" in fh.read()  # the first batch's PINs are still on paper
    assert (folder / f"daftar-hadir-{SESSION}-2.csv").stat().st_mode & 0o777 == 0o600


def test_codes_are_case_insensitive(scheduled, roster_file):
    import_file(scheduled, roster_file([person(1, formation="Umum", accommodations="Tunanetra")]))
    (stored,) = candidates(scheduled)
    assert (stored.formation, stored.accommodations, stored.extra_minutes) == ("umum", ["tunanetra"], 30)


def test_a_shared_pin_is_checked_by_argon2_once_and_a_wrong_one_every_time(engine, monkeypatch):
    from argon2 import PasswordHasher

    """The session PIN: typed by a whole room, so a node remembers that it verified; a wrong
    PIN is never remembered, so guessing costs a full argon2 check each time."""
    pins = engine.pins
    stored, other = pins.hash("424242"), pins.hash("111111")
    checks: list[str] = []
    real = PasswordHasher.verify  # slotted: count the calls on the class
    monkeypatch.setattr(PasswordHasher, "verify", lambda self, h, p: checks.append(h) or real(self, h, p))
    assert [pins.verify_shared(stored, "424242") for _ in range(3)] == [True, True, True]
    assert checks == [stored]
    assert [pins.verify_shared(stored, "000000") for _ in range(2)] == [False, False]
    assert pins.verify_shared(other, "424242") is False  # another room's PIN hash
    assert checks == [stored, stored, stored, other]
