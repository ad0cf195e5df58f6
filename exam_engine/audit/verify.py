"""`verify`: re-check every entry's HMAC and link, and say where the log was tampered with."""
from __future__ import annotations

import hmac
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, Text, cast, func, select, type_coerce
from sqlalchemy.orm import Session

from exam_engine.audit.log import entry_hash
from exam_engine.audit.models import GENESIS, AuditEntry
from exam_engine.vault import Vault


@dataclass(frozen=True)
class Problem:
    entry: int  # the id (sequence number) where the problem shows
    kind: str  # edited | deleted | reordered | renumbered
    message: str

    def __str__(self) -> str:
        return f"#{self.entry}: {self.kind}: {self.message}"


@dataclass(frozen=True)
class Head:
    """The newest entry; record it elsewhere (berita acara, export manifest) to catch truncation."""

    count: int
    id: int
    hash: str


def head(session: Session) -> Head | None:
    last = session.execute(select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).first()
    if last is None:
        return None
    return Head(session.scalar(select(func.count()).select_from(AuditEntry)) or 0, last[0], last[1])


@dataclass(frozen=True)
class _Row:
    """An entry as stored; `at` or `payload` is None when raw edits left them unreadable."""

    id: int
    at: datetime | None
    actor: str
    kind: str
    subject: str
    payload: Any
    prev_hash: str
    hash: str


def _parse_at(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        return _parse_at(datetime.fromisoformat(str(value)))
    except ValueError:
        return None


def _parse_payload(value: str | None) -> Any:
    try:
        return json.loads(value) if value is not None else None
    except ValueError:
        return None


def _rows(session: Session) -> Iterator[_Row]:
    # Read as text, not through the model's types: a tampered row that no longer parses
    # must be reported as edited, not crash the check. The payload is CAST in SQL: psycopg
    # decodes json itself, and a JSON string holding the original object would then be
    # decoded twice and pass.
    t = AuditEntry
    query = select(t.id, type_coerce(t.at, String), t.actor, t.kind, t.subject, cast(t.payload, Text),
                   t.prev_hash, t.hash).order_by(t.id).execution_options(yield_per=1000)
    for r in session.execute(query):
        yield _Row(r[0], _parse_at(r[1]), r[2], r[3], r[4], _parse_payload(r[5]), r[6], r[7])


def verify(session: Session, vault: Vault, expect: tuple[int, str] | None = None) -> list[Problem]:
    """Every problem found, in log order; empty when the log is intact.

    The chain alone cannot notice that its newest entries were cut off; pass `expect`
    (id, hash) of a head recorded earlier to check that too."""
    key = vault.subkey("audit")
    # Only the id per hash is kept whole: enough to name where a moved entry came from.
    id_of: dict[str, int] = {h: i for h, i in session.execute(select(AuditEntry.hash, AuditEntry.id))}
    problems = list(_check(_rows(session), key, id_of))
    if expect is not None:
        problems += _check_head(session, *expect)
    return problems


def _authentic(key: bytes, e: _Row) -> bool:
    if e.at is None or e.payload is None:
        return False
    expected = entry_hash(key, e.prev_hash, e.at, e.actor, e.kind, e.subject, e.payload)
    return hmac.compare_digest(expected.encode(), e.hash.encode())


def _check(entries: Iterable[_Row], key: bytes, id_of: dict[str, int]) -> Iterable[Problem]:
    prev: _Row | None = None
    prev_authentic = True
    for e in entries:
        authentic = _authentic(key, e)
        expected = prev.hash if prev else GENESIS
        if not authentic:
            yield Problem(e.id, "edited", "its content or hash does not match its HMAC")
            if prev is not None and e.id > prev.id + 1:  # its prev_hash is untrustworthy, the gap is not
                yield _gap(prev.id, e.id)
        elif e.prev_hash != expected:
            yield from _broken_link(e, prev, prev_authentic, id_of)
        elif e.id != (prev.id + 1 if prev else 1):
            after = f"#{prev.id}" if prev else "the start"
            yield Problem(e.id, "renumbered", f"the ids jump from {after}, but the chain shows nothing missing")
        prev, prev_authentic = e, authentic


def _broken_link(e: _Row, prev: _Row | None, prev_authentic: bool,
                 id_of: dict[str, int]) -> Iterable[Problem]:
    here = f"follows #{prev.id}" if prev else "is the first entry"
    if e.prev_hash == GENESIS:
        yield Problem(e.id, "reordered", f"it was written as the first entry, but {here}")
    elif e.prev_hash in id_of:
        yield Problem(e.id, "reordered", f"it was written right after #{id_of[e.prev_hash]}, but {here}")
    elif prev is None:
        yield Problem(e.id, "deleted", f"the entries before #{e.id} are missing")
    elif e.id > prev.id + 1:
        yield _gap(prev.id, e.id)
    elif not prev_authentic:
        return  # #prev's own hash was altered: already reported there
    else:
        yield Problem(e.id, "deleted", f"an entry between #{prev.id} and #{e.id} is missing (ids renumbered)")


def _gap(before: int, after: int) -> Problem:
    missing = f"#{before + 1}" if after == before + 2 else f"#{before + 1}..#{after - 1}"
    return Problem(before + 1, "deleted", f"{missing} missing between #{before} and #{after}")


def _check_head(session: Session, head_id: int, head_hash: str) -> list[Problem]:
    stored = session.get(AuditEntry, head_id)
    if stored is None:
        return [Problem(head_id, "deleted", "the recorded head is missing: the log was cut off")]
    if stored.hash != head_hash:
        return [Problem(head_id, "edited", "it is not the head recorded earlier")]
    return []
