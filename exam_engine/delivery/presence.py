"""Who is connected, across nodes: one row per live candidate connection.

Each node records its own connects and disconnects; a node that dies leaves rows behind,
which stop counting once its heartbeat is older than the outage threshold and are removed
when any node starts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from exam_engine.delivery.clock import OUTAGE_THRESHOLD
from exam_engine.delivery.models import Heartbeat, Presence


def arrived(session: Session, node: str, sid: str, attempt_id: int, terminal: str, now: datetime) -> None:
    session.add(Presence(node=node, sid=sid, attempt_id=attempt_id, terminal=terminal, at=now))


def left(session: Session, node: str, sid: str) -> None:
    session.execute(delete(Presence).where(Presence.node == node, Presence.sid == sid))


def connected(session: Session, now: datetime) -> set[tuple[int, str]]:
    """(attempt id, terminal) connected to any node that is alive."""
    return {(a, t) for a, t in session.execute(
        select(Presence.attempt_id, Presence.terminal).join(Heartbeat, Heartbeat.node == Presence.node)
        .where(Heartbeat.at > now - OUTAGE_THRESHOLD))}


def sweep(session: Session, now: datetime) -> None:
    """At a node's start: forget connections held by nodes that are gone."""
    alive = select(Heartbeat.node).where(Heartbeat.at > now - OUTAGE_THRESHOLD)
    session.execute(delete(Presence).where(Presence.node.not_in(alive)))
