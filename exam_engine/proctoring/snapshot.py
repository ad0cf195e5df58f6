"""One console row per candidate: what a proctor sees of a seat, built with a few grouped
queries so a room of 500 costs the same handful of statements as a room of 5."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from exam_engine.delivery import clock, presence
from exam_engine.delivery.models import AnswerEvent, Attempt, Response
from exam_engine.delivery.running import running_scores
from exam_engine.delivery.runtime import Delivery
from exam_engine.proctoring.models import Flag
from exam_engine.roster.models import Candidate
from exam_engine.scheduling.models import ExamSession
from exam_engine.scheduling.service import profile_of


def millis(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def flag_payload(flag: Flag, number: str) -> dict[str, Any]:
    return {"id": flag.id, "number": number, "kind": flag.kind, "at": flag.at.isoformat(), "evidence": flag.evidence}


def connected_attempts(session: Session, now: datetime) -> set[tuple[int, str]]:
    """(attempt id, terminal) of the candidate connections to every live node."""
    return presence.connected(session, now)


def rows(session: Session, d: Delivery, exam_session: ExamSession, now: datetime,
         only: Collection[int] | None = None,
         connected: set[tuple[int, str]] | None = None) -> list[dict[str, Any]]:
    """Rows of every candidate of the session, or of the candidates with ids in ONLY.
    CONNECTED: the live connections when the caller has just read them."""
    query = select(Candidate).where(Candidate.session_id == exam_session.id).order_by(Candidate.number)
    if only is not None:
        query = query.where(Candidate.id.in_(list(only)))
    candidates = list(session.scalars(query))
    if not candidates:
        return []
    ids = [c.id for c in candidates]
    by_candidate = {a.candidate_id: a for a in session.scalars(select(Attempt).where(Attempt.candidate_id.in_(ids)))}
    attempt_ids = [a.id for a in by_candidate.values()]
    counts = {aid: (answered or 0, marked or 0) for aid, answered, marked in session.execute(
        select(Response.attempt_id, func.sum(case((Response.choice.is_not(None), 1), else_=0)),
               func.sum(case((Response.marked.is_(True), 1), else_=0)))
        .where(Response.attempt_id.in_(attempt_ids)).group_by(Response.attempt_id))}
    last_answer = dict(session.execute(
        select(AnswerEvent.attempt_id, func.max(AnswerEvent.received_at))
        .where(AnswerEvent.attempt_id.in_(attempt_ids)).group_by(AnswerEvent.attempt_id)).all())
    flags: dict[int, list[Flag]] = defaultdict(list)
    for flag in session.scalars(select(Flag).where(Flag.candidate_id.in_(ids)).order_by(Flag.id)):
        flags[flag.candidate_id].append(flag)
    if connected is None:
        connected = connected_attempts(session, now)
    scores = _live_totals(session, d, exam_session, list(by_candidate.values()))
    out = []
    for c in candidates:
        attempt = by_candidate.get(c.id)
        answered, marked = counts.get(attempt.id, (0, 0)) if attempt else (0, 0)
        last = last_answer.get(attempt.id) if attempt else None
        if last is not None and last.tzinfo is None:  # aggregates bypass the UTC column type
            last = last.replace(tzinfo=now.tzinfo)
        out.append({
            "number": c.number,
            "name": d.engine.vault.decrypt_json(c.personal, c.context).get("name"),
            "status": attempt.status if attempt else "absent",
            "connected": bool(attempt) and (attempt.id, attempt.terminal) in connected,  # type: ignore[union-attr]
            "position": attempt.position if attempt else None,
            "answered": int(answered),
            "marked": int(marked),
            "remaining": int(clock.remaining_seconds(attempt, now) * 1000) if attempt else None,
            "since_answer": round((now - last).total_seconds(), 1) if last else None,
            "score": scores.get(attempt.id) if attempt else None,
            "flags": [flag_payload(f, c.number) for f in flags[c.id]],
            "admitted": any(f.kind == "admitted" for f in flags[c.id]),
            "locked": bool(attempt) and attempt.locked,  # type: ignore[union-attr]
        })
    return out


def _live_totals(session: Session, d: Delivery, exam_session: ExamSession,
                 attempts: list[Attempt]) -> dict[int, float]:
    """attempt id -> the live total: the stored result once finished, else the answers so far.
    Empty when the exam does not show scores."""
    profile = profile_of(exam_session.exam)
    if not profile.show_scores:
        return {}
    final = {a.id: float(a.result["total"]) for a in attempts if a.status == "finished" and a.result is not None}
    running = running_scores(session, profile, [a for a in attempts if a.id not in final], d.keys, d.plans)
    return {**{aid: float(sum(s.values())) for aid, s in running.items()}, **final}
