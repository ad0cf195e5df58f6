"""Answers in the audit chain, one entry per group commit.

An entry per answer would double the writes of the busiest path; instead each committed batch
appends one `answers` entry listing its events with a digest of each stored row. The chain's
HMAC covers those digests, so editing, deleting or inserting an answer row afterwards is found
by `verify_answers`, which names the attempt and sequence number."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from exam_engine.audit.log import append, canonical_json
from exam_engine.audit.models import AuditEntry
from exam_engine.audit.verify import Problem
from exam_engine.delivery.models import AnswerEvent
from exam_engine.vault import Vault

KIND = "answers"
LOOKUP_CHUNK = 500  # (attempt, seq) pairs per query when verifying


def row_digest(attempt_id: int, seq: int, kind: str, handle: int, value: int | None, received_at: datetime) -> str:
    body = canonical_json([attempt_id, seq, kind, handle, value,
                           received_at.astimezone(UTC).isoformat(timespec="microseconds")])
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:32]  # 128 bits: a forged match is out of reach


def _digest(event: AnswerEvent) -> str:
    return row_digest(event.attempt_id, event.seq, event.kind, event.handle, event.value, event.received_at)


def chain(session: Session, vault: Vault, events: Sequence[AnswerEvent]) -> None:
    """Called by the group writer inside the batch's transaction, before its commit."""
    if events:
        append(session, vault, KIND, "server", f"batch:{len(events)}",
               events=[[e.attempt_id, e.seq, _digest(e)] for e in events])


def verify_answers(session: Session) -> list[Problem]:
    """Answer rows that differ from, are missing from, or are absent in the chained entries.
    The entries themselves are checked by `verify` (their HMAC covers these digests)."""
    problems: list[Problem] = []
    chained: dict[tuple[int, int], tuple[int, str]] = {}  # (attempt, seq) -> (entry id, digest)
    for entry_id, payload in session.execute(select(AuditEntry.id, AuditEntry.payload)
                                             .where(AuditEntry.kind == KIND).order_by(AuditEntry.id)):
        for attempt_id, seq, digest in (payload or {}).get("events", []):
            chained[(attempt_id, seq)] = (entry_id, digest)
    stored: dict[tuple[int, int], str] = {}
    for rows in _chunks(list(chained), LOOKUP_CHUNK):
        for e in session.scalars(select(AnswerEvent).where(tuple_(AnswerEvent.attempt_id, AnswerEvent.seq).in_(rows))):
            stored[(e.attempt_id, e.seq)] = _digest(e)
    for (attempt_id, seq), (entry_id, digest) in chained.items():
        found = stored.get((attempt_id, seq))
        if found is None:
            problems.append(Problem(entry_id, "answer deleted", f"attempt {attempt_id} seq {seq} is no longer stored"))
        elif found != digest:
            problems.append(Problem(entry_id, "answer edited", f"attempt {attempt_id} seq {seq} differs from what was "
                                                               "acknowledged"))
    for attempt_id, seq in session.execute(select(AnswerEvent.attempt_id, AnswerEvent.seq)
                                           .order_by(AnswerEvent.attempt_id, AnswerEvent.seq)):
        if (attempt_id, seq) not in chained:
            problems.append(Problem(0, "answer added", f"attempt {attempt_id} seq {seq} is in no audit entry"))
    return problems


def _chunks(items: list[tuple[int, int]], size: int) -> Iterable[list[tuple[int, int]]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
