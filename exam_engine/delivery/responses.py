"""Answer events: validated, stored durably, idempotent, resolved by sequence number.

The caller commits before acknowledging; an ack therefore always means "on disk"."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_engine.delivery import clock
from exam_engine.delivery.attempts import open_handles
from exam_engine.delivery.models import AnswerEvent, Attempt, Response
from exam_engine.delivery.writer import journal
from question_bank.forms import Form

KINDS = ("answer", "mark", "clear")
MAX_SEQ_GAP = 10_000  # a terminal never runs this far ahead; larger gaps are garbage
MAX_SEQ = 2**31 - 1  # the column is a 32-bit integer on PostgreSQL; no sitting comes near it


class Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Event:
    seq: int
    kind: str
    handle: int
    value: int | None  # display choice for answers, 1/0 for marks, None for clears


def _int(data: dict[str, Any], name: str) -> int:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise Refused("bad_request", f"{name}: expected an integer")
    return value


def parse(kind: str, data: Any) -> Event:
    if not isinstance(data, dict):
        raise Refused("bad_request", "expected an object")
    seq = _int(data, "seq")
    if not 1 <= seq <= MAX_SEQ:
        raise Refused("bad_seq", f"seq must be 1..{MAX_SEQ}")
    handle = _int(data, "h")
    if kind == "answer":
        return Event(seq, kind, handle, _int(data, "choice"))
    if kind == "mark":
        marked = data.get("marked")
        if not isinstance(marked, bool):
            raise Refused("bad_request", "marked: expected true or false")
        return Event(seq, kind, handle, int(marked))
    return Event(seq, kind, handle, None)


def check_open(attempt: Attempt, now: datetime) -> None:
    """Refuse with the reason the terminal shows. An expired attempt is reported as finished;
    the caller closes it."""
    if attempt.status == "waiting":
        raise Refused("not_started", "the session has not started")
    if attempt.status == "finished" or clock.expired(attempt, now):
        raise Refused("finished", "the exam has ended; answers are no longer accepted")
    if attempt.locked:
        raise Refused("locked", "the proctor has locked this terminal")
    if attempt.status == "paused":
        raise Refused("paused", "the proctor has paused this exam")


def record(session: Session, attempt: Attempt, event: Event, now: datetime) -> bool:
    """Store one event; returns False when it was a resend of a stored event."""
    existing = session.scalar(select(AnswerEvent).where(AnswerEvent.attempt_id == attempt.id,
                                                        AnswerEvent.seq == event.seq))
    if existing is not None:
        if (existing.kind, existing.handle, existing.value) == (event.kind, event.handle, event.value):
            return False
        raise Refused("bad_seq", f"seq {event.seq} was already used for another event")
    check_open(attempt, now)
    if event.seq > attempt.last_seq + MAX_SEQ_GAP:
        raise Refused("bad_seq", f"seq {event.seq} is too far ahead of {attempt.last_seq}")
    form = session.get(Form, attempt.form_id)
    entries = form.items  # type: ignore[union-attr]
    if not 0 <= event.handle < len(entries):
        raise Refused("bad_handle", f"h must be 0..{len(entries) - 1}")
    if event.handle not in open_handles(session, attempt):
        raise Refused("section_closed", "this item's part of the exam is closed")
    if event.kind == "answer" and not 0 <= event.value < len(entries[event.handle]["options"]):  # type: ignore[operator]
        raise Refused("bad_choice", f"choice must be 0..{len(entries[event.handle]['options']) - 1}")
    stored = AnswerEvent(attempt_id=attempt.id, seq=event.seq, kind=event.kind, handle=event.handle,
                         value=event.value, received_at=now)
    session.add(stored)
    journal(session).append(stored)  # chained in the audit log with the batch's commit
    response = session.scalar(select(Response).where(Response.attempt_id == attempt.id,
                                                     Response.handle == event.handle))
    if response is None:
        response = Response(attempt_id=attempt.id, handle=event.handle, choice_seq=0, mark_seq=0, marked=False)
        session.add(response)
    if event.kind == "mark":
        if event.seq > response.mark_seq:  # a mark never touches the answer
            response.marked, response.mark_seq = bool(event.value), event.seq
    elif event.seq > response.choice_seq:
        response.choice_seq = event.seq
        response.choice = event.value
        response.option = entries[event.handle]["options"][event.value] if event.value is not None else None
    attempt.last_seq = max(attempt.last_seq, event.seq)
    return True
