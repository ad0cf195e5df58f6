"""Result rows from stored attempts, the freeze rule, and `results export|freeze|reopen|show`
from the database. Attempts are sat in-process: known answers give known scores."""
from __future__ import annotations

import csv
import dataclasses
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from argon2.profiles import RFC_9106_LOW_MEMORY
from sqlalchemy import select

from exam_engine.accounts import passwords
from exam_engine.accounts.models import StaffUser
from exam_engine.accounts.service import create_user
from exam_engine.audit.models import AuditEntry
from exam_engine.db import utcnow
from exam_engine.delivery.attempts import finish, get_or_create_attempt
from exam_engine.delivery.models import Attempt
from exam_engine.delivery.responses import Event, record
from exam_engine.results import service
from exam_engine.results.exports import ResultRow, result_rows
from exam_engine.roster.models import Candidate
from exam_engine.scheduling.service import get_session
from exam_engine.scoring.keys import KeyCache
from question_bank.forms import Form
from question_bank.service import item_content
from tests.exam_engine.delivery.conftest import prepare_sitting

# skd-demo: 5 items a section; TWK and TIU 5 marks a correct answer, TKP weights 1..5.
# Thresholds TWK >= 10, TIU >= 10, TKP >= 17; tie-breaks TKP, then TIU, then TWK.
# number -> (TWK correct, TIU correct, TKP weight chosen per item, formation); P006 stays away.
PLAN: dict[str, tuple[int, int, list[int], str]] = {
    "P001": (3, 3, [4, 4, 4, 4, 4], "umum"),  # 15 + 15 + 20 = 50
    "P002": (2, 3, [5, 5, 5, 5, 5], "umum"),  # 10 + 15 + 25 = 50: TKP beats P001
    "P003": (3, 2, [5, 5, 5, 5, 5], "umum"),  # 15 + 10 + 25 = 50: same TKP as P002, lower TIU
    "P004": (1, 5, [5, 5, 5, 5, 5], "umum"),  # 5 + 25 + 25 = 55, but TWK 5 < 10: fails
    "P005": (5, 5, [5, 5, 5, 5, 5], "umum"),  # 75
    "P007": (3, 2, [5, 5, 5, 5, 5], "umum"),  # equal to P003 on everything: shares its rank
    "P008": (3, 3, [4, 4, 4, 4, 4], "cumlaude"),  # as P001, alone in its formation
}
EXPECTED = {  # number -> (TWK, TIU, TKP, total, passed, rank)
    "P001": (15, 15, 20, 50, True, 5), "P002": (10, 15, 25, 50, True, 2), "P003": (15, 10, 25, 50, True, 3),
    "P004": (5, 25, 25, 55, False, None), "P005": (25, 25, 25, 75, True, 1), "P007": (15, 10, 25, 50, True, 3),
    "P008": (15, 15, 20, 50, True, 1),
}


def sit(engine: Any, plan: dict[str, tuple[int, int, list[int], str]] = PLAN, size: int = 8) -> None:
    """Open and start session S1 of exam EXAM, and sit and finish the planned attempts."""
    prepare_sitting(engine, size).start()
    now = utcnow()
    with engine.db.transaction() as s:
        keys = KeyCache(lambda pk: item_content(s, engine.vault, pk))
        for number, (twk, tiu, tkp, formation) in plan.items():
            candidate = s.scalar(select(Candidate).where(Candidate.number == number))
            candidate.formation = formation
            attempt = get_or_create_attempt(s, engine.vault, candidate)
            form = s.get(Form, attempt.form_id)
            seen: Counter[str] = Counter()
            for handle, entry in enumerate(form.items):
                section, n = entry["section"], seen[entry["section"]]
                seen[section] += 1
                key = item_content(s, engine.vault, entry["item"])["key"]
                if section == "TKP":
                    letter: str | None = next(o for o, w in key["weights"].items() if w == tkp[n])
                elif n < {"TWK": twk, "TIU": tiu}[section]:
                    letter = key["answer"]
                else:  # wrong answers and blanks both score 0
                    letter = None if n % 2 else next(o for o in entry["options"] if o != key["answer"])
                if letter is not None:
                    record(s, attempt, Event(attempt.last_seq + 1, "answer", handle, entry["options"].index(letter)), now)
            finish(s, engine.vault, keys, attempt, "submitted", now)


@pytest.fixture
def sat(engine: Any) -> Any:
    sit(engine)
    return engine


CHEAP = dataclasses.replace(RFC_9106_LOW_MEMORY, time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
def staff(sat: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The sitting plus staff accounts: sari (committee) and hadi (admin) may decide, pengawas (proctor) not."""
    monkeypatch.setattr(passwords, "PARAMETERS", CHEAP)
    with sat.db.transaction() as s:
        for username, role, name in (("sari", "committee", "Dr. Sari"), ("hadi", "admin", "Prof. Hadi"),
                                     ("pengawas", "proctor", "Pak Budi")):
            create_user(s, username, role, "kunci-ruang-ujian-7", display_name=name)
    return sat


def entries_of(engine: Any, kind: str) -> list[AuditEntry]:
    with engine.db.session() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.kind == kind).order_by(AuditEntry.id)))


def rows_of(engine: Any) -> dict[str, ResultRow]:
    with engine.db.session() as s:
        return {r.number: r for r in service.session_rows(s, engine.vault, get_session(s, "S1"))}


def tamper(engine: Any, number: str = "P001") -> None:
    """Raise a TWK score straight in the database, as an edit behind the engine's back would."""
    with engine.db.transaction() as s:
        attempt = s.scalar(select(Attempt).join(Candidate, Attempt.candidate_id == Candidate.id)
                           .where(Candidate.number == number))
        result = dict(attempt.result)
        result["sections"] = [dict(x, score=x["score"] + 5) if x["code"] == "TWK" else x for x in result["sections"]]
        result["total"] += 5
        attempt.result = result


# --- rows ---------------------------------------------------------------------------------

def test_rows_have_the_hand_worked_scores_pass_fail_and_ranks(sat: Any) -> None:
    rows = rows_of(sat)
    assert sorted(rows) == [f"P{n:03d}" for n in range(1, 9)]
    for number, (twk, tiu, tkp, total, passed, rank) in EXPECTED.items():
        row = rows[number]
        assert row.present and row.sections == {"TWK": twk, "TIU": tiu, "TKP": tkp}, number
        assert (row.total, row.passed, row.rank) == (total, passed, rank), number
        assert row.formation == PLAN[number][3] and row.name  # decrypted from the roster


def test_a_candidate_without_a_finished_attempt_is_absent(sat: Any) -> None:
    with sat.db.transaction() as s:  # P006 logs in but never finishes
        get_or_create_attempt(s, sat.vault, s.scalar(select(Candidate).where(Candidate.number == "P006")))
    absent = rows_of(sat)["P006"]
    assert (absent.present, absent.sections, absent.total, absent.passed, absent.rank) == (False, {}, None, False, None)
    assert absent.status == "TIDAK HADIR"


def test_ranks_follow_the_tie_break_chain_within_each_formation(sat: Any) -> None:
    rows = rows_of(sat)
    umum = sorted((r for r in rows.values() if r.formation == "umum" and r.rank), key=lambda r: r.rank or 0)
    # 75 first; then four on 50: TKP 25 before 20, and between TKP 25s TIU 15 before 10
    assert [(r.number, r.rank) for r in umum] == [("P005", 1), ("P002", 2), ("P003", 3), ("P007", 3), ("P001", 5)]
    assert rows["P008"].rank == 1  # the same scores as P001, ranked in its own formation


def test_a_chain_naming_date_of_birth_puts_the_older_first(sat: Any) -> None:
    with sat.db.transaction() as s:
        exam = get_session(s, "S1").exam
        chain = [*exam.profile_data["ranking"]["tie_breaks"], {"key": "date_of_birth", "order": "ascending"}]
        exam.profile_data = {**exam.profile_data, "ranking": {**exam.profile_data["ranking"], "tie_breaks": chain}}
        born = {c.number: sat.vault.decrypt_json(c.personal, c.context)["date_of_birth"]
                for c in s.scalars(select(Candidate).where(Candidate.number.in_(["P003", "P007"])))}
    assert born["P003"] != born["P007"]
    older, younger = sorted(born, key=lambda number: born[number])
    rows = rows_of(sat)
    assert (rows[older].rank, rows[younger].rank, rows["P001"].rank) == (3, 4, 5)


def test_exam_rows_rank_the_whole_exam(sat: Any) -> None:
    with sat.db.session() as s:
        exam = get_session(s, "S1").exam
        assert service.exam_rows(s, sat.vault, exam) == sorted(rows_of(sat).values(), key=lambda r: r.number)


def test_the_digest_is_stable_and_follows_every_change(sat: Any) -> None:
    first = service.rows_digest(list(rows_of(sat).values()))
    assert service.rows_digest(list(reversed(rows_of(sat).values()))) == first
    tamper(sat)
    assert service.rows_digest(list(rows_of(sat).values())) != first


# --- the freeze rule ----------------------------------------------------------------------

def test_freeze_and_reopen_are_recorded_in_the_audit_log(sat: Any) -> None:
    from exam_engine.audit import verify
    from exam_engine.audit.models import AuditEntry

    with sat.db.transaction() as s:
        exam_session = get_session(s, "S1")
        with pytest.raises(service.ResultsError, match="not frozen"):
            service.reopen(s, sat.vault, exam_session, "Dr. Sari", "koreksi")
        digest = service.freeze(s, sat.vault, exam_session, "Dr.  Sari ")
        with pytest.raises(service.ResultsError, match="already frozen"):
            service.freeze(s, sat.vault, exam_session, "Dr. Sari")
        with pytest.raises(service.ResultsError, match="reason"):
            service.reopen(s, sat.vault, exam_session, "Dr. Sari", "  ")
        state = service.freeze_state(s, exam_session)
        assert (state.frozen, state.sha256, state.by) == (True, digest, "Dr. Sari")
        service.reopen(s, sat.vault, exam_session, "Prof. Hadi", "keberatan peserta P001 dikabulkan")
    with sat.db.session() as s:
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.subject == "session:S1").order_by(AuditEntry.id)))
        assert [(e.kind, e.actor) for e in entries] == [("results_frozen", "Dr. Sari"), ("results_reopened", "Prof. Hadi")]
        assert entries[0].payload["sha256"] == digest and entries[0].payload["rows"] == 8
        assert "reason" not in entries[0].payload  # none given
        assert entries[1].payload["reason"] == "keberatan peserta P001 dikabulkan"
        assert not service.freeze_state(s, get_session(s, "S1")).frozen
        assert verify(s, sat.vault) == []


def test_the_reason_for_a_freeze_is_in_the_frozen_entry(sat: Any) -> None:
    from exam_engine.audit import verify

    with sat.db.transaction() as s:
        exam_session = get_session(s, "S1")
        with pytest.raises(service.ResultsError, match="the reason for freezing: must not be empty"):
            service.freeze(s, sat.vault, exam_session, "Dr. Sari", " \n ")
        digest = service.freeze(s, sat.vault, exam_session, "Dr. Sari", " rapat pleno\n 22 Desember ")
        state = service.freeze_state(s, exam_session)
        assert (state.frozen, state.sha256, state.reason) == (True, digest, "rapat pleno 22 Desember")
    [frozen] = entries_of(sat, "results_frozen")
    assert frozen.payload == {"sha256": digest, "rows": 8, "by": "Dr. Sari", "reason": "rapat pleno 22 Desember"}
    assert entries_of(sat, "results_freeze_reason") == []  # one entry holds the decision and its reason
    with sat.db.session() as s:
        assert verify(s, sat.vault) == []


def test_no_freeze_while_an_attempt_is_running(sat: Any) -> None:
    with sat.db.transaction() as s:
        get_or_create_attempt(s, sat.vault, s.scalar(select(Candidate).where(Candidate.number == "P006")))
        with pytest.raises(service.ResultsError, match="still running"):
            service.freeze(s, sat.vault, get_session(s, "S1"), "Dr. Sari")


def test_frozen_rows_that_changed_are_refused(sat: Any) -> None:
    with sat.db.transaction() as s:
        service.freeze(s, sat.vault, get_session(s, "S1"), "Dr. Sari")
    with sat.db.session() as s:
        exam_session = get_session(s, "S1")
        assert service.check_exportable(s, exam_session, service.session_rows(s, sat.vault, exam_session)).frozen
    tamper(sat)
    with sat.db.session() as s:
        exam_session = get_session(s, "S1")
        with pytest.raises(service.ResultsFrozen, match="session S1: the results changed after they were frozen"):
            service.check_exportable(s, exam_session, service.session_rows(s, sat.vault, exam_session))


# --- the CLI ------------------------------------------------------------------------------

def test_export_from_the_database_freeze_tamper_reopen(staff: Any, cli: Any, tmp_path: Path) -> None:
    sat = staff
    assert cli("results", "keygen").exit_code == 0
    out = tmp_path / "open"
    done = cli("results", "export", "--session", "S1", "--format", "xlsx", "--format", "csv", "--format", "pdf",
               "--out", out, "--bom", "--chair", "Dr. Sari")
    assert done.exit_code == 0, done.output
    assert cli("results", "verify", out).output == "VALID\n"
    book = openpyxl.load_workbook(out / "hasil.xlsx")
    assert book.sheetnames == ["cumlaude", "umum"]
    umum = [[c.value for c in row] for row in book["umum"].iter_rows(min_row=2)]
    assert [(r[0], r[6], r[8]) for r in umum] == [("P005", 75, 1), ("P002", 50, 2), ("P003", 50, 3), ("P007", 50, 3),
                                                  ("P001", 50, 5), ("P004", 55, None), ("P006", None, None)]
    assert umum[-1][9] == "TIDAK HADIR" and umum[-2][9] == "TIDAK LULUS"
    assert (out / "hasil.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (out / "berita-acara.pdf").exists() and len(list((out / "sertifikat").iterdir())) == 7

    assert cli("results", "freeze", "--session", "S1", "--by", "sari").exit_code == 2  # --reason required
    frozen = cli("results", "freeze", "--session", "S1", "--by", "Sari", "--reason", "rapat pleno 22 Desember")
    assert frozen.exit_code == 0 and "results frozen by staff:sari" in frozen.output, frozen.output
    [entry] = entries_of(sat, "results_frozen")
    assert (entry.actor, entry.payload["reason"]) == ("staff:sari", "rapat pleno 22 Desember")
    assert cli("results", "export", "--session", "S1", "--format", "xlsx", "--out", tmp_path / "frozen").exit_code == 0
    assert cli("results", "verify", tmp_path / "frozen").output == "VALID\n"

    tamper(sat)
    refused = cli("results", "export", "--session", "S1", "--format", "xlsx", "--out", tmp_path / "refused")
    assert refused.exit_code == 1
    assert "session S1" in refused.output and "changed after they were frozen" in refused.output
    assert not (tmp_path / "refused").exists() or not any((tmp_path / "refused").iterdir())

    assert cli("results", "reopen", "--session", "S1", "--by", "hadi").exit_code == 2  # --reason required
    reopened = cli("results", "reopen", "--session", "S1", "--by", "hadi", "--reason", "salah input TWK")
    assert reopened.exit_code == 0 and "approved by staff:hadi" in reopened.output, reopened.output
    [entry] = entries_of(sat, "results_reopened")
    assert (entry.actor, entry.payload["reason"]) == ("staff:hadi", "salah input TWK")
    again = cli("results", "export", "--session", "S1", "--format", "csv", "--out", tmp_path / "reopened")
    assert again.exit_code == 0, again.output
    assert cli("results", "verify", tmp_path / "reopened").output == "VALID\n"
    with (tmp_path / "reopened" / "hasil.csv").open(encoding="utf-8") as fh:
        exported = {r.number: r for r in result_rows(csv.DictReader(fh))}
    assert exported["P001"].sections["TWK"] == 20 and exported["P001"].total == 55  # the re-opened results


def test_export_needs_exactly_one_source(sat: Any, cli: Any, tmp_path: Path) -> None:
    assert cli("results", "keygen").exit_code == 0
    assert cli("results", "export", "--format", "csv", "--out", tmp_path / "x").exit_code == 2
    unknown = cli("results", "export", "--session", "NOPE", "--format", "csv", "--out", tmp_path / "y")
    assert unknown.exit_code == 1 and "NOPE" in unknown.output


def test_by_must_name_a_committee_or_admin_account(staff: Any, cli: Any) -> None:
    for command in (["freeze"], ["reopen"]):
        unknown = cli("results", *command, "--session", "S1", "--by", "Dr. Sari", "--reason", "pleno")
        assert unknown.exit_code == 1
        assert "error: --by 'Dr. Sari': no staff account of that name; name a committee or admin account" \
            in unknown.output
        proctor = cli("results", *command, "--session", "S1", "--by", "pengawas", "--reason", "pleno")
        assert proctor.exit_code == 1
        assert "error: --by 'pengawas': a proctor account; only an active committee or admin account may " \
               "freeze or re-open results" in proctor.output
    assert entries_of(staff, "results_frozen") == [] and entries_of(staff, "results_reopened") == []
    with staff.db.transaction() as s:  # a committee member who left: their account is disabled
        s.scalar(select(StaffUser).where(StaffUser.username == "sari")).active = False
    disabled = cli("results", "freeze", "--session", "S1", "--by", "sari", "--reason", "pleno")
    assert disabled.exit_code == 1 and "a disabled account" in disabled.output
    admin = cli("results", "freeze", "--session", "S1", "--by", "hadi", "--reason", "pleno")
    assert admin.exit_code == 0, admin.output
    assert [e.actor for e in entries_of(staff, "results_frozen")] == ["staff:hadi"]


def test_show_prints_the_table(staff: Any, cli: Any) -> None:
    shown = cli("results", "show", "--session", "S1")
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[0] == "session S1: 8 candidate(s), 7 present, 6 passed; results not frozen"
    assert lines[1].split()[:3] == ["No.", "Peserta", "Nama"]
    body = {line.split()[0]: line for line in lines[2:]}
    assert list(body)[:2] == ["P008", "P005"]  # by formation, then rank
    assert body["P005"].split()[-6:] == ["25", "25", "25", "75", "1", "LULUS"]
    assert body["P004"].split()[-5:] == ["25", "25", "55", "TIDAK", "LULUS"]
    assert body["P006"].split()[-3:] == ["umum", "TIDAK", "HADIR"]
    assert cli("results", "freeze", "--session", "S1", "--by", "sari", "--reason", "pleno").exit_code == 0
    assert "results frozen by staff:sari" in cli("results", "show", "--session", "S1").output
