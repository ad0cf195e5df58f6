"""Attempts: creation at first login, the state a terminal resumes from, finishing."""
from __future__ import annotations

import base64
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from exam_engine.delivery import clock
from exam_engine.delivery.models import Attempt, Response
from exam_engine.roster.models import Candidate
from exam_engine.scheduling.service import profile_of
from exam_engine.scoring.keys import KeyCache
from exam_engine.scoring.results import judge, score_sections
from exam_engine.vault import Vault
from question_bank.forms import Form


class NoForm(Exception):
    """The candidate's form has not been assembled: the session is not open yet."""


def get_or_create_attempt(session: Session, vault: Vault, candidate: Candidate) -> Attempt:
    attempt = session.scalar(select(Attempt).where(Attempt.candidate_id == candidate.id))
    if attempt is not None:
        return attempt
    form = session.scalar(select(Form).where(Form.candidate_id == candidate.id))
    if form is None:
        raise NoForm(candidate.number)
    profile = profile_of(candidate.exam)
    attempt = Attempt(candidate_id=candidate.id, session_id=candidate.session_id, form_id=form.id,
                      package_key=b"", allowed_seconds=(profile.duration_minutes + candidate.extra_minutes) * 60)
    try:
        with session.begin_nested():  # two terminals racing to create it: one insert wins
            session.add(attempt)
            session.flush()
    except IntegrityError:
        return session.scalars(select(Attempt).where(Attempt.candidate_id == candidate.id)).one()
    attempt.package_key = vault.encrypt(secrets.token_bytes(32), attempt.key_context)
    exam_session = candidate.session
    if exam_session.started_at is not None:
        clock.start(attempt, exam_session.started_at)  # a late arrival's clock runs from the start
    session.flush()
    return attempt


def package_key(vault: Vault, attempt: Attempt) -> bytes:
    return vault.decrypt(attempt.package_key, attempt.key_context)


def state(session: Session, vault: Vault, attempt: Attempt, now: datetime) -> dict[str, Any]:
    """Everything a terminal needs to resume: status, clock, answers, position, key, result."""
    answers = {str(r.handle): {"choice": r.choice, "marked": r.marked}
               for r in session.scalars(select(Response).where(Response.attempt_id == attempt.id))}
    started = attempt.status != "waiting"
    return {
        "status": attempt.status,
        "server_time": int(now.timestamp() * 1000),
        "remaining": int(clock.remaining_seconds(attempt, now) * 1000),
        "position": attempt.position,
        "last_seq": attempt.last_seq,
        "answers": answers,
        "key": base64.b64encode(package_key(vault, attempt)).decode() if started else None,
        "result": visible_result(session, attempt),
        "finish_reason": attempt.finish_reason,
    }


def visible_result(session: Session, attempt: Attempt) -> dict[str, Any] | None:
    if attempt.status != "finished" or attempt.result is None:
        return None
    profile = profile_of(session.get(Candidate, attempt.candidate_id).exam)  # type: ignore[union-attr]
    return attempt.result if profile.show_scores else None


def finish(session: Session, vault: Vault, keys: KeyCache, attempt: Attempt, reason: str, now: datetime) -> None:
    """Close the attempt and score it; idempotent."""
    if attempt.status == "finished":
        return
    attempt.status, attempt.finished_at, attempt.finish_reason = "finished", now, reason
    attempt.paused_at = None
    clock.recompute_deadline(attempt)
    candidate = session.get(Candidate, attempt.candidate_id)
    form = session.get(Form, attempt.form_id)
    profile = profile_of(candidate.exam)  # type: ignore[union-attr]
    options = {r.handle: r.option for r in session.scalars(select(Response).where(Response.attempt_id == attempt.id))}
    scores = score_sections(profile, form.items, options, keys)  # type: ignore[union-attr]
    attempt.result = judge(profile, candidate.formation, scores)  # type: ignore[union-attr]
