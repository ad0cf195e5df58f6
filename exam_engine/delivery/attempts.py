"""Attempts: creation at first login, the state a terminal resumes from, finishing."""
from __future__ import annotations

import base64
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from exam_engine import audit
from exam_engine.delivery import clock
from exam_engine.delivery.models import Attempt, Response
from exam_engine.roster.models import Candidate
from exam_engine.scheduling.service import profile_of
from exam_engine.scoring.keys import KeyCache
from exam_engine.scoring.results import judge, score_sections
from exam_engine.vault import Vault
from question_bank.forms import Form
from question_bank.profiles import TimeGroup


class NoForm(Exception):
    """The candidate's form has not been assembled: the session is not open yet."""


def get_or_create_attempt(session: Session, vault: Vault, candidate: Candidate) -> Attempt:
    attempt = session.scalar(select(Attempt).where(Attempt.candidate_id == candidate.id))
    if attempt is not None:
        return attempt
    form = session.scalar(select(Form).where(Form.candidate_id == candidate.id))
    if form is None:
        raise NoForm(candidate.number)
    plan = profile_of(candidate.exam).time_plan(candidate.extra_minutes)
    attempt = Attempt(candidate_id=candidate.id, session_id=candidate.session_id, form_id=form.id,
                      package_key=b"", group_index=0, allowed_seconds=plan[0].seconds)
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


def time_group(session: Session, attempt: Attempt) -> tuple[TimeGroup, int]:
    """The attempt's current timed part, and how many parts there are."""
    candidate = session.get(Candidate, attempt.candidate_id)
    plan = profile_of(candidate.exam).time_plan(candidate.extra_minutes)  # type: ignore[union-attr]
    return plan[min(attempt.group_index, len(plan) - 1)], len(plan)


def open_handles(session: Session, attempt: Attempt) -> range:
    """Handles of the current part (sections of a part are contiguous on the form; so are the
    cells of one Kraepelin column, the part of a column)."""
    group, _ = time_group(session, attempt)
    return part_handles(session.get(Form, attempt.form_id).items, group)  # type: ignore[union-attr]


def part_handles(items: list[dict[str, Any]], group: TimeGroup) -> range:
    handles = [h for h, e in enumerate(items) if e["section"] in group.sections
               and (group.column is None or e.get("column") == group.column)]
    return range(handles[0], handles[-1] + 1) if handles else range(0)


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
        "group": group_state(session, attempt),
    }


def group_state(session: Session, attempt: Attempt) -> dict[str, Any]:
    group, count = time_group(session, attempt)
    handles = open_handles(session, attempt)
    found = {"code": group.code, "index": attempt.group_index, "count": count, "sections": list(group.sections),
             "first": handles.start, "last": handles.stop - 1}
    if group.column is not None:  # the terminal shows this Kraepelin column
        found["column"] = group.column
    return found


def end_part(session: Session, vault: Vault, keys: KeyCache, attempt: Attempt, reason: str, now: datetime) -> bool:
    """End the current timed part: open the next one with its own clock, or finish the
    attempt after the last. Returns True when the attempt is finished."""
    _, count = time_group(session, attempt)
    if attempt.group_index + 1 >= count:
        finish(session, vault, keys, attempt, reason, now)
        return True
    attempt.group_index += 1
    group, _ = time_group(session, attempt)
    attempt.allowed_seconds, attempt.credited_seconds, attempt.paused_at = group.seconds, 0.0, None
    attempt.started_at, attempt.status = now, "active"
    clock.recompute_deadline(attempt)
    return False


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
    audit.append(session, vault, "attempt_finished", "server", f"attempt:{attempt.id}", reason=reason,
                 last_seq=attempt.last_seq, scores=scores, total=attempt.result["total"])
