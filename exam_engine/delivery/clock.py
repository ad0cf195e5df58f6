"""The server-owned clock of an attempt.

The deadline is started_at + allowed + credited, where credited collects time lost to
server outages, proctor pauses and added time. While paused there is no deadline; the
remaining time is frozen at the moment of the pause.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from exam_engine.delivery.models import Attempt, Heartbeat

#: A gap between heartbeats longer than this is an outage and is credited.
OUTAGE_THRESHOLD = timedelta(seconds=3)


def recompute_deadline(attempt: Attempt) -> None:
    if attempt.started_at is None or attempt.status in ("finished", "paused"):
        attempt.deadline_at = None
    else:
        attempt.deadline_at = attempt.started_at + timedelta(
            seconds=attempt.allowed_seconds + attempt.credited_seconds)


def remaining_seconds(attempt: Attempt, now: datetime) -> float:
    if attempt.status == "finished":
        return 0.0
    total = attempt.allowed_seconds + attempt.credited_seconds
    if attempt.started_at is None:
        return float(total)
    at = attempt.paused_at if attempt.status == "paused" and attempt.paused_at else now
    return max(0.0, total - (at - attempt.started_at).total_seconds())


def time_payload(attempt: Attempt, now: datetime) -> dict[str, Any]:
    """The `time` event: what a terminal needs to show the clock (it keeps its own offset)."""
    return {"status": attempt.status, "server_time": int(now.timestamp() * 1000),
            "remaining": int(remaining_seconds(attempt, now) * 1000), "locked": attempt.locked}


def start(attempt: Attempt, started_at: datetime) -> None:
    if attempt.status != "waiting":
        return
    attempt.started_at = started_at
    attempt.status = "active"
    recompute_deadline(attempt)


def pause(attempt: Attempt, now: datetime) -> None:
    if attempt.status == "active":
        attempt.status, attempt.paused_at = "paused", now
        recompute_deadline(attempt)


def resume(attempt: Attempt, now: datetime) -> None:
    if attempt.status == "paused" and attempt.paused_at is not None:
        attempt.credited_seconds += (now - attempt.paused_at).total_seconds()
        attempt.status, attempt.paused_at = "active", None
        recompute_deadline(attempt)


def add_time(attempt: Attempt, seconds: float) -> None:
    attempt.credited_seconds += seconds
    recompute_deadline(attempt)


class Timed(Protocol):
    """What `expired` reads: an ORM attempt, or the answer path's plain `AttemptRow`."""

    @property
    def status(self) -> str: ...

    @property
    def deadline_at(self) -> datetime | None: ...


def expired(attempt: Timed, now: datetime) -> bool:
    return attempt.status == "active" and attempt.deadline_at is not None and now >= attempt.deadline_at


def credit_outage(session: Session, now: datetime) -> float:
    """At start-up: credit the time since the last heartbeat of any node to every running
    attempt, before anything can expire or refuse an answer. Returns the credited seconds."""
    last = session.scalar(select(func.max(Heartbeat.at)))
    if last is None or now - last <= OUTAGE_THRESHOLD:
        return 0.0
    gap = (now - last).total_seconds()
    running = session.scalars(select(Attempt).where(Attempt.status == "active", Attempt.started_at < last))
    for attempt in running:
        add_time(attempt, gap)
    return gap


def beat(session: Session, node: str, now: datetime) -> None:
    if session.execute(update(Heartbeat).where(Heartbeat.node == node).values(at=now)).rowcount == 0:
        session.add(Heartbeat(node=node, at=now))
