"""What the staff API shows of a user and of a session: never PIN hashes, seeds or personal data."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exam_engine.accounts.models import ProctorAssignment, StaffUser
from exam_engine.roster.models import Candidate
from exam_engine.scheduling.models import ExamSession


def user_summary(user: StaffUser) -> dict[str, Any]:
    return {"username": user.username, "name": user.display_name, "role": user.role}


def session_summaries(session: Session, sessions: list[ExamSession]) -> list[dict[str, Any]]:
    ids = [s.id for s in sessions]
    # Two grouped queries for the whole list, not two per session.
    candidates: dict[int, int] = {session_id: count for session_id, count in session.execute(
        select(Candidate.session_id, func.count()).where(Candidate.session_id.in_(ids)).group_by(Candidate.session_id))}
    proctors: dict[int, list[str]] = {}
    for session_id, username in session.execute(
            select(ProctorAssignment.session_id, StaffUser.username).join(StaffUser)
            .where(ProctorAssignment.session_id.in_(ids)).order_by(StaffUser.username)):
        proctors.setdefault(session_id, []).append(username)
    return [{
        "code": s.code,
        "exam": {"code": s.exam.code, "title": s.exam.title},
        "date": s.date.isoformat(),
        "start_time": s.start_time.strftime("%H:%M"),
        "timezone": s.timezone,
        "room": s.room,
        "capacity": s.capacity,
        "status": s.status,
        "started_at": s.started_at.isoformat() if s.started_at else None,
        "candidates": candidates.get(s.id, 0),
        "proctors": proctors.get(s.id, []),
    } for s in sessions]
