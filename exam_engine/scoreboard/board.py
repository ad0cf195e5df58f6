"""Scoreboard rows: what a projector in the venue may show of a session, and who may see it.

A row holds the candidate number, the status, section scores, the total and pass/fail; never
the NIK, the name, an item, an option or an answer. While a candidate answers the scores come
from the stored responses (provisional); once finished, from the stored result (final).

Only sections that add into the total are shown: a personality inventory (`in_total: false`)
is a profile of the person, not a score for a public screen, live or final."""
from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_engine.accounts.models import StaffUser
from exam_engine.accounts.service import can_view_session
from exam_engine.delivery.models import Attempt
from exam_engine.delivery.running import running_scores
from exam_engine.delivery.runtime import Delivery
from exam_engine.roster.models import Candidate
from exam_engine.scheduling.models import ExamSession
from exam_engine.scheduling.service import profile_of
from exam_engine.scoring.results import in_total

#: The one answer for unknown codes, closed boards and sessions the viewer may not see.
NOT_FOUND = "no scoreboard here"


def find(session: Session, code: Any, user: StaffUser | None) -> tuple[ExamSession, bool] | None:
    """(the session, whether the viewer is staff allowed to see it), or None: refuse alike."""
    if not isinstance(code, str) or not code:
        return None
    found = session.scalar(select(ExamSession).where(ExamSession.code == code))
    if found is None:
        return None
    staff = user is not None and can_view_session(user, found)
    if staff or found.scoreboard_public:
        return found, staff
    return None


def header(exam_session: ExamSession) -> dict[str, Any]:
    profile = profile_of(exam_session.exam)
    shown = [s for s in profile.sections if in_total(s)]
    return {"session": exam_session.code, "room": exam_session.room, "exam": exam_session.exam.title,
            "show_scores": profile.show_scores,
            "sections": [{"code": s.code, "name": s.name, "max": s.max_score} for s in shown],
            "max": float(sum(s.max_score for s in shown))}


def sort_key(row: dict[str, Any]) -> tuple[int, float, str]:
    total = row.get("total")
    return (0 if total is not None else 1, -(total or 0.0), row["number"])


def rows(session: Session, d: Delivery, exam_session: ExamSession,
         only: Collection[int] | None = None) -> list[dict[str, Any]]:
    """Rows of the session's candidates (or of candidate ids ONLY), highest total first."""
    profile = profile_of(exam_session.exam)
    query = select(Candidate.id, Candidate.number).where(Candidate.session_id == exam_session.id)
    if only is not None:
        query = query.where(Candidate.id.in_(list(only)))
    candidates = session.execute(query).all()
    if not candidates:
        return []
    attempts = {a.candidate_id: a for a in session.scalars(
        select(Attempt).where(Attempt.candidate_id.in_([cid for cid, _ in candidates])))}
    live = [a for a in attempts.values() if a.status != "waiting" and not (a.status == "finished" and a.result)]
    running = running_scores(session, profile, live, d.keys, d.plans) if profile.show_scores else {}
    out = []
    for cid, number in candidates:
        attempt = attempts.get(cid)
        row: dict[str, Any] = {"number": number, "status": attempt.status if attempt else "absent",
                               "final": False, "sections": None, "total": None, "passed": None}
        if attempt is not None and profile.show_scores and attempt.status != "waiting":
            if attempt.status == "finished" and attempt.result:
                row["sections"] = {s["code"]: float(s["score"]) for s in attempt.result["sections"]
                                   if s.get("in_total") is not False}
                row["total"] = float(attempt.result["total"])
                row["passed"] = bool(attempt.result["passed"])
                row["final"] = True
            else:
                scores = running[attempt.id]
                row["sections"] = scores
                row["total"] = float(sum(scores.values()))
        out.append(row)
    out.sort(key=sort_key)
    return out
