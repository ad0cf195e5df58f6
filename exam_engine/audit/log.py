"""`append`: add an event to the audit log inside the caller's transaction."""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from exam_engine.audit.models import GENESIS, AuditEntry
from exam_engine.db import hold_sqlite_write_lock, utcnow
from exam_engine.vault import Vault

# Built once: `append` runs at every group commit of answers.
NEWEST = select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
#: PostgreSQL: every appender takes this transaction-scoped advisory lock first, so appends
#: serialise as SQLite's write lock makes them: no race for the next id, no savepoint.
PG_APPEND_LOCK = text("SELECT pg_advisory_xact_lock(7263001)")  # a constant of exam-engine's own
INSERT = insert(AuditEntry.__table__)


def canonical_json(value: Any) -> str:
    """One spelling per value, so the bytes hashed today are the bytes re-hashed years later."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def entry_hash(key: bytes, prev_hash: str, at: datetime, actor: str, kind: str, subject: str,
               payload: dict[str, Any]) -> str:
    # The id is left out on purpose: the chain already fixes each entry's place, and an entry
    # moved elsewhere still authenticates, so verify can say "reordered" rather than "edited".
    body = canonical_json({
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor, "kind": kind, "subject": subject, "payload": payload,
    })
    # prev_hash is fixed-length hex, so the concatenation is unambiguous.
    return hmac.new(key, prev_hash.encode("ascii") + body.encode("utf-8"), hashlib.sha256).hexdigest()


def append(session: Session, vault: Vault, kind: str, actor: str, subject: str, **payload: Any) -> AuditEntry:
    """Chain a new entry after the newest one; commits with the caller's transaction.

    Concurrent appends serialise: SQLite by its write lock, PostgreSQL by an advisory lock
    held until the caller's transaction ends, so the newest entry read here stays the newest."""
    # Round-trip through canonical JSON: what is hashed is exactly what the JSON column
    # gives back (tuples become lists; a datetime or NaN fails here, not at verify time).
    clean: dict[str, Any] = json.loads(canonical_json(payload))
    key = vault.subkey("audit")
    if session.get_bind().dialect.name == "postgresql":
        session.execute(PG_APPEND_LOCK)
    else:
        hold_sqlite_write_lock(session)  # before reading the newest entry
    last = session.execute(NEWEST).first()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at = utcnow()
    row = {"id": seq, "at": at, "actor": actor, "kind": kind, "subject": subject, "payload": clean,
           "prev_hash": prev_hash, "hash": entry_hash(key, prev_hash, at, actor, kind, subject, clean)}
    # A Core insert: the ORM's unit of work costs more than the rest of an append (and this
    # runs at every group commit of answers).
    session.connection().execute(INSERT, [row])
    return AuditEntry(**row)
