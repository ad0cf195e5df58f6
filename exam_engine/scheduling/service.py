"""Creating exams and sessions; plain functions over a SQLAlchemy session."""
from __future__ import annotations

import re
import secrets
from datetime import date, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_engine.scheduling.models import Exam, ExamSession
from question_bank.profiles import Profile, load_profile, parse_profile

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


class SchedulingError(ValueError):
    """A request that names something missing or invalid; the message says what."""


def profile_of(exam: Exam) -> Profile:
    return parse_profile(exam.profile_data, f"exam {exam.code}")


def create_exam(session: Session, code: str, profile: str, title: str | None = None) -> Exam:
    if not CODE.match(code):
        raise SchedulingError(f"exam code {code!r}: letters, digits, '-', '_' and '.' only")
    if session.scalar(select(Exam).where(Exam.code == code)):
        raise SchedulingError(f"exam {code!r} already exists")
    loaded = load_profile(profile)
    exam = Exam(code=code, title=title or loaded.name.get("id", loaded.code),
                profile_code=loaded.code, profile_data=loaded.source)
    session.add(exam)
    session.flush()
    return exam


def get_exam(session: Session, code: str) -> Exam:
    exam = session.scalar(select(Exam).where(Exam.code == code))
    if exam is None:
        raise SchedulingError(f"no exam {code!r}")
    return exam


def create_session(session: Session, exam_code: str, code: str, day: str, start: str, room: str,
                   capacity: int, timezone: str = "Asia/Jakarta", seed: int | None = None) -> ExamSession:
    exam = get_exam(session, exam_code)
    if not CODE.match(code):
        raise SchedulingError(f"session code {code!r}: letters, digits, '-', '_' and '.' only")
    if session.scalar(select(ExamSession).where(ExamSession.code == code)):
        raise SchedulingError(f"session {code!r} already exists")
    try:
        parsed_day = date.fromisoformat(day)
    except ValueError:
        raise SchedulingError(f"date {day!r}: use YYYY-MM-DD") from None
    try:
        parsed_start = time.fromisoformat(start)
    except ValueError:
        raise SchedulingError(f"start {start!r}: use HH:MM") from None
    if capacity < 1:
        raise SchedulingError(f"capacity {capacity}: must be at least 1")
    if not room.strip():
        raise SchedulingError("room: must not be empty")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SchedulingError(f"timezone {timezone!r}: not a known IANA zone (e.g. Asia/Jakarta)") from None
    exam_session = ExamSession(exam=exam, code=code, date=parsed_day, start_time=parsed_start, room=room.strip(),
                               capacity=capacity, timezone=timezone,
                               seed=seed if seed is not None else secrets.randbelow(2**31))
    session.add(exam_session)
    session.flush()
    return exam_session


def get_session(session: Session, code: str) -> ExamSession:
    found = session.scalar(select(ExamSession).where(ExamSession.code == code))
    if found is None:
        raise SchedulingError(f"no session {code!r}")
    return found
