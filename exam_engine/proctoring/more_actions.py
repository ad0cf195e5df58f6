"""More proctor actions: lock / unlock a terminal, admit (check-in) a candidate, and re-open an
attempt that ended by mistake (committee only). Same contract as `actions`: inside the caller's
transaction, one audit entry each, pushes returned for after the commit.

Lock without a schema change: a locked attempt is a paused one (the clock stops, the time is
credited on unlock) whose `finish_reason` holds LOCKED, a column otherwise empty until the
attempt finishes (finishing overwrites it). Answers are refused with code `locked`; `resume`
leaves locked attempts alone, only `unlock` releases them."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_engine.accounts.models import StaffUser
from exam_engine.accounts.service import can_view_session
from exam_engine.delivery import attempts, clock
from exam_engine.delivery.models import LOCKED, Attempt
from exam_engine.proctoring.actions import (
    ACTIONS,
    ActionRefused,
    Outcome,
    Push,
    Targets,
    _clock_action,
    _record,
    check,
    select_attempts,
)
from exam_engine.proctoring.flags import raise_flag
from exam_engine.proctoring.models import Flag
from exam_engine.roster.models import Candidate
from exam_engine.scheduling.models import ExamSession
from exam_engine.vault import Vault

#: Re-opening a finished attempt needs committee approval: proctors and admins are refused.
REOPENERS = frozenset({"committee"})


def lock(session: Session, vault: Vault, actor: StaffUser, exam_session: ExamSession, targets: Targets,
         reason: Any, now: datetime) -> Outcome:
    """Stop the clock and refuse every event until unlocked (a paused attempt can be locked too)."""
    def change(attempt: Attempt) -> bool:
        if attempt.status not in ("active", "paused") or attempt.locked:
            return False
        clock.pause(attempt, now)
        attempt.finish_reason = LOCKED
        return True

    return _clock_action(session, vault, actor, exam_session, targets, reason, now, "lock", change)


def unlock(session: Session, vault: Vault, actor: StaffUser, exam_session: ExamSession, targets: Targets,
           reason: Any, now: datetime) -> Outcome:
    """Release the lock and restart the clock; the locked time is credited."""
    def change(attempt: Attempt) -> bool:
        if not attempt.locked:
            return False
        attempt.finish_reason = None
        clock.resume(attempt, now)
        return True

    return _clock_action(session, vault, actor, exam_session, targets, reason, now, "unlock", change)


def admit(session: Session, vault: Vault, actor: StaffUser, exam_session: ExamSession, targets: Targets,
          reason: Any, now: datetime) -> Outcome:
    """Check-in: an `admitted` flag (the console shows it) and an audit entry, once per candidate.
    Candidates are admitted before they log in, so this works without an attempt."""
    why = check(actor, exam_session, reason)
    by_number = dict(select_attempts(session, exam_session, targets))  # 404 for unknown numbers
    query = select(Candidate).where(Candidate.session_id == exam_session.id).order_by(Candidate.number)
    if targets != "all":
        query = query.where(Candidate.number.in_(list(targets)))
    done = set(session.scalars(select(Flag.candidate_id).where(Flag.session_id == exam_session.id,
                                                               Flag.kind == "admitted")))
    outcome = Outcome()
    for candidate in session.scalars(query):
        if candidate.id in done:
            continue
        flag = raise_flag(session, candidate, "admitted", by=f"staff:{actor.username}", reason=why)
        flag.at = now
        outcome.applied.append(candidate.number)
        attempt = by_number.get(candidate.number)
        if attempt is not None:
            outcome.touched.add(attempt.id)
            outcome.pushes.append(Push(attempt.id, attempt.terminal, "admitted", {"number": candidate.number}))
    return _record(session, vault, actor, exam_session, "admit", outcome, why)


def remaining_at_end(attempt: Attempt) -> float:
    """The time the attempt had left when it finished. An attempt finished while paused loses
    the paused time here: finishing clears paused_at."""
    if attempt.started_at is None or attempt.finished_at is None:
        return 0.0
    used = (attempt.finished_at - attempt.started_at).total_seconds()
    return max(0.0, attempt.allowed_seconds + attempt.credited_seconds - used)


def reopen_attempt(session: Session, vault: Vault, actor: StaffUser, exam_session: ExamSession, targets: Targets,
                   reason: Any, now: datetime) -> Outcome:
    """Back to active with the time it had left when it ended (the gap since is credited); the
    result is cleared (the audit entry keeps the old one) and the terminal gets `state`."""
    if not can_view_session(actor, exam_session):
        raise ActionRefused(403, "forbidden", f"you are not assigned to session {exam_session.code!r}")
    if actor.role not in REOPENERS:
        raise ActionRefused(403, "forbidden", "re-opening an attempt needs a committee account")
    if not isinstance(reason, str) or not reason.strip():
        raise ActionRefused(400, "reason_required", "every proctor action needs a reason")
    why = reason.strip()[:500]
    if targets == "all":
        raise ActionRefused(400, "bad_request", "attempts are re-opened for named candidates only")
    outcome, previous = Outcome(), []
    for number, attempt in select_attempts(session, exam_session, targets):
        if attempt.status != "finished":
            raise ActionRefused(409, "not_finished", f"the attempt of {number} has not ended")
        left = remaining_at_end(attempt)
        if left <= 0:
            raise ActionRefused(409, "no_time_left", f"the attempt of {number} had no time left when it ended")
        previous.append({"number": number, "finish_reason": attempt.finish_reason, "remaining": round(left, 1),
                         "total": (attempt.result or {}).get("total")})
        gap = (now - attempt.finished_at).total_seconds()  # type: ignore[operator]
        attempt.status, attempt.finished_at, attempt.finish_reason, attempt.result = "active", None, None, None
        clock.add_time(attempt, gap)
        outcome.applied.append(number)
        outcome.touched.add(attempt.id)
        outcome.pushes.append(Push(attempt.id, attempt.terminal, "state",
                                   attempts.state(session, vault, attempt, now)))
    return _record(session, vault, actor, exam_session, "reopen_attempt", outcome, why, previous=previous)


ALL_ACTIONS: dict[str, Callable[..., Outcome]] = {
    **ACTIONS, "lock": lock, "unlock": unlock, "admit": admit, "reopen_attempt": reopen_attempt,
}
