"""A simulation sitting: the sample banks, exam SIM (skd-demo), a fresh session of N made-up
candidates with their plaintext PINs, opened (forms assembled, session PIN issued).

The session is not started: the runner starts it once every terminal has its package, so
the key release can be timed."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import question_bank
from exam_engine.context import EngineContext
from exam_engine.roster.sample import write_sample_roster

SIM_EXAM = "SIM"
SIM_PROFILE = "skd-demo"
VENUE_TZ = ZoneInfo("Asia/Jakarta")


@dataclass(frozen=True)
class Credential:
    number: str
    pin: str
    candidate_id: int


@dataclass(frozen=True)
class Sitting:
    session_code: str
    session_id: int
    session_pin: str
    candidates: list[Credential]


def prepare_sitting(engine: EngineContext, candidates: int) -> Sitting:
    """Import the sample banks, ensure exam SIM, create and open a new session of N candidates."""
    from sqlalchemy import select

    from exam_engine.delivery.sittings import open_session
    from exam_engine.problems import InvalidFile
    from exam_engine.roster.importer import import_roster
    from exam_engine.scheduling.models import Exam
    from exam_engine.scheduling.service import create_exam, create_session
    from question_bank.importer import import_items, validate_files

    if candidates < 1:
        raise ValueError("at least one candidate")
    samples = Path(question_bank.__file__).resolve().parent / "samples"
    banks = validate_files(sorted(samples.glob("*.yaml")))
    if banks.problems:
        raise InvalidFile(banks.problems)
    now = datetime.now(VENUE_TZ).replace(microsecond=0)
    stamp = secrets.token_hex(3).upper()
    code = f"SIM-{now:%Y%m%d-%H%M%S}-{stamp}"
    roster = engine.settings.instance_path / "simulate" / f"roster-{code}.csv"
    with engine.db.transaction() as session:
        import_items(session, engine.vault, banks.items)
        if session.scalar(select(Exam).where(Exam.code == SIM_EXAM)) is None:
            create_exam(session, SIM_EXAM, SIM_PROFILE, "Simulasi SKD")
        exam_session = create_session(session, SIM_EXAM, code, now.date().isoformat(), now.strftime("%H:%M:%S"),
                                      "Ruang Simulasi", candidates, timezone=str(VENUE_TZ))
        exam_session.auto_start = False
        issued = import_roster(session, engine.vault, engine.pins,
                               write_sample_roster(roster, candidates, code, f"S{stamp}",
                                                   name=lambda n, _rng: f"Peserta Simulasi {n}"))
        session_pin = open_session(session, engine.pins, exam_session)
        session.flush()
        credentials = [Credential(i.candidate.number, i.pin, i.candidate.id) for i in issued]
        session_id = exam_session.id
    return Sitting(code, session_id, session_pin, credentials)


def start_sitting(engine: EngineContext, session_id: int) -> int:
    """`session start` in one transaction; returns the number of attempts whose clock started."""
    from exam_engine.db import utcnow
    from exam_engine.delivery.sittings import start_session
    from exam_engine.scheduling.models import ExamSession

    with engine.db.transaction() as session:
        exam_session = session.get(ExamSession, session_id)
        assert exam_session is not None
        return start_session(session, exam_session, utcnow())
