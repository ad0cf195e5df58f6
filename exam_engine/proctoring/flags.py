"""Raising flags: one function, so every kind is recorded the same way."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from exam_engine.proctoring.models import Flag
from exam_engine.roster.models import Candidate


def raise_flag(session: Session, candidate: Candidate, kind: str, **evidence: Any) -> Flag:
    flag = Flag(session_id=candidate.session_id, candidate_id=candidate.id, kind=kind, evidence=evidence)
    session.add(flag)
    return flag
