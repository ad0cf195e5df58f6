"""Answer events: validated, stored durably, idempotent, resolved by sequence number.

The caller commits before acknowledging; an ack therefore always means "on disk"."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, case, insert, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from exam_engine.delivery import clock
from exam_engine.delivery.models import LOCKED, AnswerEvent, Attempt, Response
from exam_engine.delivery.shapes import FormShapes
from exam_engine.delivery.writer import journal

KINDS = ("answer", "mark", "clear")
NAVIGATE = "navigate"  # a position, batched with the events, but neither stored nor acked by seq
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


@dataclass(slots=True)
class AttemptRow:
    """What the answer path reads and writes of an attempt, as plain columns: loading a batch's
    attempts through the ORM (identity map, unit of work) cost more than storing their answers."""

    id: int
    candidate_id: int
    form_id: int
    terminal: str | None
    status: str
    finish_reason: str | None
    deadline_at: datetime | None
    last_seq: int
    group_index: int
    position: int

    @property
    def locked(self) -> bool:
        return self.status == "paused" and self.finish_reason == LOCKED


ATTEMPT_COLUMNS = tuple(getattr(Attempt, name) for name in AttemptRow.__slots__)  # type: ignore[attr-defined]


def check_open(attempt: Attempt | AttemptRow, now: datetime) -> None:
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


#: (attempt id, seq) -> (kind, handle, value) of stored events
Known = dict[tuple[int, int], tuple[str, int, "int | None"]]
#: (attempt id, handle) -> what this batch changes of the response, as columns: a seq of 0
#: means "not touched", so the stored value stays (see `UPSERTS`)
Changes = dict[tuple[int, int], dict[str, Any]]
EVENTS, RESPONSES, ATTEMPTS = AnswerEvent.__table__, Response.__table__, Attempt.__table__
UPDATE_ATTEMPT = (update(ATTEMPTS).where(ATTEMPTS.c.id == bindparam("_id"))
                  .values(last_seq=bindparam("last_seq"), position=bindparam("position")))
INSERT_EVENTS = insert(EVENTS)
# Built once: constructing a statement per batch cost more than running it.
LOCK_ATTEMPTS = (select(*ATTEMPT_COLUMNS).where(Attempt.id.in_(bindparam("ids", expanding=True)))
                 .order_by(Attempt.id).with_for_update())  # one lock order: no deadlocks


def _upsert(dialect: Any) -> Insert:
    """Responses are written without reading them first: the row is inserted, or merged into
    the stored one where the batch's seq is higher, answer and mark apart (reading them back
    cost more than the rest of the batch). Needs ON CONFLICT: SQLite and PostgreSQL."""
    stmt = dialect.insert(RESPONSES)
    new, old = stmt.excluded, RESPONSES.c
    newer_choice, newer_mark = new.choice_seq > old.choice_seq, new.mark_seq > old.mark_seq
    return stmt.on_conflict_do_update(index_elements=[old.attempt_id, old.handle], set_={
        "choice": case((newer_choice, new.choice), else_=old.choice),
        "option": case((newer_choice, new.option), else_=old.option),
        "choice_seq": case((newer_choice, new.choice_seq), else_=old.choice_seq),
        "marked": case((newer_mark, new.marked), else_=old.marked),
        "mark_seq": case((newer_mark, new.mark_seq), else_=old.mark_seq),
    })


UPSERTS = {"sqlite": _upsert(sqlite), "postgresql": _upsert(postgresql)}


def upsert_responses(session: Session) -> Insert:
    name = session.get_bind().dialect.name
    try:
        return UPSERTS[name]
    except KeyError:
        raise RuntimeError(f"answers are stored with INSERT ... ON CONFLICT, which exam-engine uses on SQLite and "
                           f"PostgreSQL only, not on {name}") from None


def _expire(session: Session, model: type, keys: set[Any], key: Callable[[Any], Any] = lambda obj: obj.id) -> None:
    """ORM copies loaded earlier in this transaction no longer match the rows: those of MODEL
    whose KEY is in KEYS."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, model) and key(obj) in keys:
            session.expire(obj)


class Stored(NamedTuple):
    """An answer event as inserted: what the audit chain digests."""

    attempt_id: int
    seq: int
    kind: str
    handle: int
    value: int | None
    received_at: datetime


@dataclass
class _Writes:
    """The batch's inserts and upserts, sent as two executemany statements at the end
    (the ORM's unit of work costs more per row than the rest of an answer together)."""

    events: list[dict[str, Any]] = field(default_factory=list)
    changes: Changes = field(default_factory=dict)

    def send(self, session: Session) -> None:
        # Core statements on the session's connection (same transaction, same savepoints):
        # the ORM's bulk paths cost about as much per statement as the whole answer.
        conn = session.connection()
        if self.events:
            conn.execute(INSERT_EVENTS, self.events)
        if self.changes:
            conn.execute(upsert_responses(session), list(self.changes.values()))
            _expire(session, Response, set(self.changes), key=lambda r: (r.attempt_id, r.handle))


def record(session: Session, attempt: Attempt, event: Event, now: datetime, shapes: FormShapes | None = None) -> bool:
    """Store one event; returns False when it was a resend of a stored event. SHAPES is the
    node's form cache (a fresh one reads the form: scripts and tests)."""
    seen = session.scalar(select(AnswerEvent).where(AnswerEvent.attempt_id == attempt.id,
                                                    AnswerEvent.seq == event.seq))
    known: Known = {} if seen is None else {(attempt.id, event.seq): (seen.kind, seen.handle, seen.value)}
    writes = _Writes()
    stored = _apply(session, attempt, event, now, shapes or FormShapes(), known, writes)
    writes.send(session)
    return stored


@dataclass(frozen=True)
class Submission:
    """One answer, mark or clear from a connection, for `store_batch`."""

    attempt_id: int
    terminal: str
    event: Event


MOVED = {"code": "moved", "message": "the attempt moved to another workstation"}


def store_batch(session: Session, batch: Sequence[Submission], now: datetime,
                shapes: FormShapes) -> tuple[list[dict[str, Any] | None], dict[int, AttemptRow]]:
    """The rules of `record` for many attempts at once, with two or three reads for the whole batch.
    Per submission: its ack, or None when its attempt's time is up (closing a part is the
    caller's, one attempt at a time); and the attempts, by id."""
    ids = sorted({b.attempt_id for b in batch})
    session.flush()  # the reads below go to the connection, past the ORM's autoflush
    conn = session.connection()
    attempts = {r.id: AttemptRow(*r) for r in conn.execute(LOCK_ATTEMPTS, {"ids": ids})}
    before = {a.id: (a.last_seq, a.position) for a in attempts.values()}
    events = [b for b in batch if b.event.kind != NAVIGATE]
    # Only a seq at or below its attempt's last one can be a resend: usually none is.
    resent = {(b.attempt_id, b.event.seq) for b in events
              if b.attempt_id in attempts and b.event.seq <= attempts[b.attempt_id].last_seq}
    known: Known = {(a, q): (k, h, v) for a, q, k, h, v in conn.execute(
        select(AnswerEvent.attempt_id, AnswerEvent.seq, AnswerEvent.kind, AnswerEvent.handle, AnswerEvent.value)
        .where(tuple_(AnswerEvent.attempt_id, AnswerEvent.seq).in_(resent)))} if resent else {}
    writes = _Writes()
    acks: list[dict[str, Any] | None] = []
    for b in batch:
        attempt, seq = attempts.get(b.attempt_id), b.event.seq
        if attempt is None or attempt.terminal != b.terminal:
            acks.append({"ok": False, "seq": seq, **MOVED} if b.event.kind != NAVIGATE else {"ok": False, **MOVED})
        elif attempt.status == "active" and clock.expired(attempt, now):
            acks.append(None)
        elif b.event.kind == NAVIGATE:
            acks.append(navigate(session, attempt, b.event.handle, shapes))
        else:
            try:
                stored = _apply(session, attempt, b.event, now, shapes, known, writes)
                acks.append({"ok": True, "seq": seq} if stored else {"ok": True, "seq": seq, "duplicate": True})
            except Refused as refusal:
                acks.append({"ok": False, "seq": seq, "code": refusal.code, "message": refusal.message})
    writes.send(session)
    moved = [{"_id": a.id, "last_seq": a.last_seq, "position": a.position} for a in attempts.values()
             if (a.last_seq, a.position) != before[a.id]]
    if moved:
        conn.execute(UPDATE_ATTEMPT, moved)
        _expire(session, Attempt, {m["_id"] for m in moved})
    return acks, attempts


def navigate(session: Session, attempt: Attempt | AttemptRow, handle: int, shapes: FormShapes) -> dict[str, Any]:
    """The item on screen, for resume and the proctor: no event, no seq."""
    if handle >= len(shapes.get(session, attempt.form_id).letters):
        return {"ok": False, "code": "bad_handle", "message": "no such item"}
    attempt.position = handle
    return {"ok": True}


def navigation(handle: int) -> Event:
    return Event(0, NAVIGATE, handle, None)


def _apply(session: Session, attempt: Attempt | AttemptRow, event: Event, now: datetime, shapes: FormShapes,
           known: Known, writes: _Writes) -> bool:
    """Check and store one event against what is already known of its attempt; keeps KNOWN
    and the batch's changes up to date, so the next event of a batch sees this one."""
    seen = known.get((attempt.id, event.seq))
    if seen is not None:
        if seen == (event.kind, event.handle, event.value):
            return False
        raise Refused("bad_seq", f"seq {event.seq} was already used for another event")
    check_open(attempt, now)
    if event.seq > attempt.last_seq + MAX_SEQ_GAP:
        raise Refused("bad_seq", f"seq {event.seq} is too far ahead of {attempt.last_seq}")
    shape = shapes.get(session, attempt.form_id)
    if not 0 <= event.handle < len(shape.letters):
        raise Refused("bad_handle", f"h must be 0..{len(shape.letters) - 1}")
    if event.handle not in shape.part(attempt.group_index):
        raise Refused("section_closed", "this item's part of the exam is closed")
    letters = shape.letters[event.handle]
    if event.kind == "answer" and not 0 <= event.value < len(letters):  # type: ignore[operator]
        raise Refused("bad_choice", f"choice must be 0..{len(letters) - 1}")
    stored = Stored(attempt.id, event.seq, event.kind, event.handle, event.value, now)
    writes.events.append(stored._asdict())
    journal(session).append(stored)  # chained in the audit log with the batch's commit
    known[(attempt.id, event.seq)] = (event.kind, event.handle, event.value)
    key = (attempt.id, event.handle)
    response = writes.changes.get(key)
    if response is None:  # untouched: a fresh row's values, which the upsert leaves out of a merge
        response = writes.changes[key] = {"attempt_id": attempt.id, "handle": event.handle, "choice": None,
                                          "option": None, "choice_seq": 0, "marked": False, "mark_seq": 0}
    if event.kind == "mark":
        if event.seq > response["mark_seq"]:  # a mark never touches the answer
            response["marked"], response["mark_seq"] = bool(event.value), event.seq
    elif event.seq > response["choice_seq"]:
        response["choice_seq"] = event.seq
        response["choice"] = event.value
        response["option"] = letters[event.value] if event.value is not None else None
    attempt.last_seq = max(attempt.last_seq, event.seq)
    return True
