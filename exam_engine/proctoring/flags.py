"""Raising flags: one function, so every kind is recorded the same way."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exam_engine.delivery.models import AnswerEvent, Attempt
from exam_engine.proctoring.models import Flag
from exam_engine.roster.models import Candidate


def raise_flag(session: Session, candidate: Candidate, kind: str, **evidence: Any) -> Flag:
    flag = Flag(session_id=candidate.session_id, candidate_id=candidate.id, kind=kind, evidence=evidence)
    session.add(flag)
    return flag


#: More than BURST_COUNT answers stored within BURST_WINDOW: faster than a person reads.
BURST_COUNT = 5
BURST_WINDOW = timedelta(seconds=3)
BURST_QUIET = timedelta(minutes=1)  # at most one burst flag per attempt in this time


def answer_burst(session: Session, attempt: Attempt, now: datetime) -> Flag | None:
    """Called in the transaction that stored an answer: one indexed count, and a second query
    only when the count is over the limit."""
    count = session.scalar(select(func.count(AnswerEvent.id)).where(
        AnswerEvent.attempt_id == attempt.id, AnswerEvent.kind == "answer", AnswerEvent.received_at > now - BURST_WINDOW))
    if not count or count <= BURST_COUNT:
        return None
    recent = session.scalar(select(Flag.id).where(Flag.candidate_id == attempt.candidate_id, Flag.kind == "answer_burst",
                                                  Flag.at > now - BURST_QUIET).limit(1))
    if recent is not None:
        return None
    candidate = session.get(Candidate, attempt.candidate_id)
    flag = raise_flag(session, candidate, "answer_burst", answers=int(count),  # type: ignore[arg-type]
                      seconds=BURST_WINDOW.total_seconds(), terminal=attempt.terminal)
    flag.at = now
    return flag
