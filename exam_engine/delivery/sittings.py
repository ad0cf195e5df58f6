"""Opening and starting a session: forms, the session PIN, and the start of every clock."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_engine.delivery import clock
from exam_engine.delivery.models import Attempt
from exam_engine.roster.pins import PinHasher
from exam_engine.scheduling.models import ExamSession
from exam_engine.scheduling.service import SchedulingError
from question_bank.service import assemble_session


def scheduled_start(exam_session: ExamSession) -> datetime:
    """The session's start as an aware datetime, from its date, time and venue time zone."""
    return datetime.combine(exam_session.date, exam_session.start_time, ZoneInfo(exam_session.timezone))


def open_session(session: Session, pins: PinHasher, exam_session: ExamSession) -> str:
    """Assemble missing forms and issue a new session PIN (returned once, to announce)."""
    if exam_session.status in ("started", "closed"):
        raise SchedulingError(f"session {exam_session.code} is already {exam_session.status}")
    assemble_session(session, exam_session)
    pin = pins.new_pin()
    exam_session.session_pin_hash = pins.hash(pin)
    exam_session.status = "open"
    return pin


def start_session(session: Session, exam_session: ExamSession, now: datetime) -> int:
    """Start every attempt's clock now; nodes release the keys within a tick."""
    if exam_session.status != "open":
        raise SchedulingError(f"session {exam_session.code} is {exam_session.status}; open it first")
    exam_session.status, exam_session.started_at = "started", now
    attempts = list(session.scalars(select(Attempt).where(Attempt.session_id == exam_session.id)))
    for attempt in attempts:
        clock.start(attempt, now)
    return len(attempts)


def allow_move(session: Session, exam_session_code: str, number: str) -> Attempt:
    """Proctor-approved move: the next login from another workstation takes the attempt over,
    with every answer, mark, position and the remaining time."""
    from exam_engine.proctoring.flags import raise_flag
    from exam_engine.roster.models import Candidate

    candidate = session.scalar(select(Candidate).join(Candidate.session)
                               .where(Candidate.number == number, ExamSession.code == exam_session_code))
    if candidate is None:
        raise SchedulingError(f"no candidate {number} in session {exam_session_code}")
    attempt = session.scalar(select(Attempt).where(Attempt.candidate_id == candidate.id))
    if attempt is None:
        raise SchedulingError(f"candidate {number} has not logged in yet; nothing to move")
    attempt.move_allowed = True
    raise_flag(session, candidate, "move_approved", terminal=attempt.terminal)
    return attempt
