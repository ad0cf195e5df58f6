"""Proctor actions: one service function per action, each with a required reason.

Every function runs inside the caller's transaction, writes one audit entry and returns
the pushes to send to candidate terminals once the caller has committed (stored before
shown, as everywhere in delivery)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_engine import audit
from exam_engine.accounts.models import StaffUser
from exam_engine.accounts.service import can_view_session
from exam_engine.delivery import attempts, clock, sittings
from exam_engine.delivery.models import Attempt
from exam_engine.roster.models import Candidate
from exam_engine.scheduling.models import ExamSession
from exam_engine.scheduling.service import SchedulingError
from exam_engine.scoring.keys import KeyCache
from exam_engine.vault import Vault

#: Roles that may act; committee watches (and will approve re-opening an attempt).
ACTORS = frozenset({"admin", "proctor"})
MAX_MINUTES = 180
Targets = Sequence[str] | Literal["all"]


class ActionRefused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class Push:
    """One event for one terminal: the room is the attempt's current workstation."""

    attempt_id: int
    terminal: str | None
    event: str
    payload: dict[str, Any]


@dataclass
class Outcome:
    applied: list[str] = field(default_factory=list)  # candidate numbers the action changed
    pushes: list[Push] = field(default_factory=list)
    touched: set[int] = field(default_factory=set)  # attempt ids whose console rows changed


def check(actor: StaffUser, exam_session: ExamSession, reason: Any) -> str:
    """The stripped reason, or ActionRefused: the room first, so no role learns about rooms it
    cannot see."""
    if not can_view_session(actor, exam_session):
        raise ActionRefused(403, "forbidden", f"you are not assigned to session {exam_session.code!r}")
    if actor.role not in ACTORS:
        raise ActionRefused(403, "forbidden", f"a {actor.role} account cannot act on candidates")
    if not isinstance(reason, str) or not reason.strip():
        raise ActionRefused(400, "reason_required", "every proctor action needs a reason")
    return reason.strip()[:500]


def select_attempts(session: Session, exam_session: ExamSession, targets: Targets) -> list[tuple[str, Attempt]]:
    """(number, attempt) of the targets, locked; absent candidates have no attempt to act on."""
    query = (select(Candidate.number, Attempt).join(Attempt, Attempt.candidate_id == Candidate.id)
             .where(Candidate.session_id == exam_session.id).order_by(Candidate.number).with_for_update())
    if targets != "all":
        numbers = list(targets)
        known = set(session.scalars(select(Candidate.number).where(Candidate.session_id == exam_session.id,
                                                                   Candidate.number.in_(numbers))))
        unknown = [n for n in numbers if n not in known]
        if unknown:
            raise ActionRefused(404, "unknown_candidate", f"not in session {exam_session.code}: {', '.join(unknown)}")
        query = query.where(Candidate.number.in_(numbers))
    return [(number, attempt) for number, attempt in session.execute(query)]


def _record(session: Session, vault: Vault, actor: StaffUser, exam_session: ExamSession, action: str,
            outcome: Outcome, reason: str, **extra: Any) -> Outcome:
    audit.append(session, vault, "proctor_action", f"staff:{actor.username}", f"session:{exam_session.code}",
                 action=action, candidates=outcome.applied, reason=reason, **extra)
    return outcome


def _clock_action(session: Session, vault: Vault, actor: StaffUser, exam_session: ExamSession, targets: Targets,
                  reason: Any, now: datetime, action: str, change: Callable[[Attempt], bool],
                  **extra: Any) -> Outcome:
    """Apply CHANGE (True when it changed the attempt) and push the new clock to each terminal."""
    why = check(actor, exam_session, reason)
    outcome = Outcome()
    for number, attempt in select_attempts(session, exam_session, targets):
        if change(attempt):
            outcome.applied.append(number)
            outcome.touched.add(attempt.id)
            outcome.pushes.append(Push(attempt.id, attempt.terminal, "time", clock.time_payload(attempt, now)))
    return _record(session, vault, actor, exam_session, action, outcome, why, **extra)


def pause(session: Session, vault: Vault, actor: StaffUser, exam_session: ExamSession, targets: Targets,
          reason: Any, now: datetime) -> Outcome:
    def change(attempt: Attempt) -> bool:
        was = attempt.status
        clock.pause(attempt, now)
        return was != attempt.status

    return _clock_action(session, vault, actor, exam_session, targets, reason, now, "pause", change)


def resume(session: Session, vault: Vault, actor: StaffUser, exam_session: ExamSession, targets: Targets,
           reason: Any, now: datetime) -> Outcome:
    """The paused time is credited: the deadline moves by exactly the pause."""
    def change(attempt: Attempt) -> bool:
        if attempt.locked:  # only `unlock` releases a locked terminal
            return False
        was = attempt.status
        clock.resume(attempt, now)
        return was != attempt.status

    return _clock_action(session, vault, actor, exam_session, targets, reason, now, "resume", change)


def add_time(session: Session, vault: Vault, actor: StaffUser, exam_session: ExamSession, targets: Targets,
             reason: Any, now: datetime, minutes: Any) -> Outcome:
    if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or not 0 < minutes <= MAX_MINUTES:
        raise ActionRefused(400, "bad_minutes", f"minutes: a number above 0 and at most {MAX_MINUTES}")

    def change(attempt: Attempt) -> bool:
        if attempt.status == "finished":
            return False
        clock.add_time(attempt, float(minutes) * 60)
        return True

    return _clock_action(session, vault, actor, exam_session, targets, reason, now, "add_time", change,
                         minutes=minutes)


def end_attempt(session: Session, vault: Vault, actor: StaffUser, exam_session: ExamSession, targets: Targets,
                reason: Any, now: datetime, keys: KeyCache) -> Outcome:
    why = check(actor, exam_session, reason)
    outcome = Outcome()
    for number, attempt in select_attempts(session, exam_session, targets):
        if attempt.status == "finished":
            continue
        attempts.finish(session, vault, keys, attempt, "proctor", now)
        outcome.applied.append(number)
        outcome.touched.add(attempt.id)
        outcome.pushes.append(Push(attempt.id, attempt.terminal, "ended",
                                   {"reason": "proctor", "result": attempts.visible_result(session, attempt)}))
    return _record(session, vault, actor, exam_session, "end_attempt", outcome, why)


def allow_move(session: Session, vault: Vault, actor: StaffUser, exam_session: ExamSession, targets: Targets,
               reason: Any, now: datetime) -> Outcome:
    """Nothing to push: the old terminal learns `moved` when the new one logs in."""
    why = check(actor, exam_session, reason)
    if targets == "all":
        raise ActionRefused(400, "bad_request", "a move is approved for named candidates only")
    select_attempts(session, exam_session, targets)  # 404 for numbers outside this session
    outcome = Outcome()
    for number in targets:
        try:
            attempt = sittings.allow_move(session, exam_session.code, number)
        except SchedulingError as exc:
            raise ActionRefused(409, "not_logged_in", str(exc)) from None
        outcome.applied.append(number)
        outcome.touched.add(attempt.id)
    return _record(session, vault, actor, exam_session, "allow_move", outcome, why)


def start_session(session: Session, vault: Vault, actor: StaffUser, exam_session: ExamSession, targets: Targets,
                  reason: Any, now: datetime) -> Outcome:
    """Keys go out through every node's ticker within a second, as for a scheduled start."""
    why = check(actor, exam_session, reason)
    try:
        sittings.start_session(session, exam_session, now)
    except SchedulingError as exc:
        raise ActionRefused(409, "not_open", str(exc)) from None
    outcome = Outcome()
    for number, attempt in select_attempts(session, exam_session, "all"):
        outcome.applied.append(number)
        outcome.touched.add(attempt.id)
    return _record(session, vault, actor, exam_session, "start_session", outcome, why)


ACTIONS: dict[str, Callable[..., Outcome]] = {
    "pause": pause, "resume": resume, "add_time": add_time, "allow_move": allow_move,
    "end_attempt": end_attempt, "start_session": start_session,
}
