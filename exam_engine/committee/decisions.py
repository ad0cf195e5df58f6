"""Freezing and re-opening a session's results from the committee page.

Both go through results/service.py, whose audit entries are the record; the page asks a
reason for both, and it is stored in the `results_frozen` or `results_reopened` entry itself."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_engine.accounts.models import StaffUser
from exam_engine.committee.errors import CommitteeRefused
from exam_engine.delivery.models import Attempt
from exam_engine.results import service
from exam_engine.scheduling.models import ExamSession
from exam_engine.vault import Vault

MAX_REASON = 500


def actor(user: StaffUser) -> str:
    """Who acted, as the other staff actions name them in the audit log."""
    return f"staff:{user.username}"


def parse_reason(data: Any) -> str:
    reason = data.get("reason") if isinstance(data, dict) else None
    if not isinstance(reason, str) or not reason.strip():
        raise CommitteeRefused(400, "reason_required", "reason: say why (it is recorded in the audit log)")
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON:
        raise CommitteeRefused(400, "reason_too_long", f"reason: at most {MAX_REASON} characters")
    return reason


def freeze(session: Session, vault: Vault, exam_session: ExamSession, user: StaffUser, reason: str) -> str:
    """Freeze the current rows; returns their digest. Refused with a code the page can name."""
    state = service.freeze_state(session, exam_session)
    if state.frozen:
        raise CommitteeRefused(409, "already_frozen", f"session {exam_session.code}: results are already frozen "
                                                      f"(by {state.by}, audit entry #{state.entry})")
    running = session.scalar(select(Attempt.id).where(Attempt.session_id == exam_session.id,
                                                      Attempt.status.in_(service.RUNNING)).limit(1))
    if running is not None:
        raise CommitteeRefused(409, "attempts_running", f"session {exam_session.code}: attempts are still running; "
                                                        "freeze after they finish")
    return service.freeze(session, vault, exam_session, actor(user), reason)


def reopen(session: Session, vault: Vault, exam_session: ExamSession, user: StaffUser, reason: str) -> None:
    if not service.freeze_state(session, exam_session).frozen:
        raise CommitteeRefused(409, "not_frozen", f"session {exam_session.code}: results are not frozen; "
                                                  "nothing to re-open")
    service.reopen(session, vault, exam_session, actor(user), reason)
