"""Raising flags: one function, so every kind is recorded the same way."""
from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from exam_engine.delivery.models import Attempt
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


class BurstWatch:
    """Answer bursts, watched in this node's memory (a terminal talks to one node at a time):
    the times of each attempt's latest stored answers, so the answer path runs no query for
    it. A flag at most once per BURST_QUIET per attempt."""

    def __init__(self) -> None:
        self._recent: dict[int, deque[datetime]] = {}
        self._flagged: dict[int, datetime] = {}

    def stored(self, session: Session, attempt: Attempt, now: datetime) -> Flag | None:
        """Called in the transaction that stored an answer."""
        recent = self._recent.setdefault(attempt.id, deque(maxlen=BURST_COUNT + 1))
        recent.append(now)
        if len(recent) <= BURST_COUNT or recent[0] <= now - BURST_WINDOW:
            return None
        last = self._flagged.get(attempt.id)
        if last is not None and now - last < BURST_QUIET:
            return None
        self._flagged[attempt.id] = now
        candidate = session.get(Candidate, attempt.candidate_id)
        flag = raise_flag(session, candidate, "answer_burst", answers=len(recent),  # type: ignore[arg-type]
                          seconds=BURST_WINDOW.total_seconds(), terminal=attempt.terminal)
        flag.at = now
        return flag
