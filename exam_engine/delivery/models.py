"""Attempts, their answer events and current responses, and server heartbeats."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exam_engine.db import Base, UTCDateTime, utcnow
from exam_engine.roster.models import Candidate

#: finish_reason of an unfinished, paused attempt that a proctor locked (no column of its own:
#: finishing overwrites it). See exam_engine/proctoring/more_actions.py.
LOCKED = "locked"


class Attempt(Base):
    """One candidate's sitting. The clock lives here, never in a socket session."""

    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id"), index=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("forms.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="waiting", index=True)
    #: The package key (AES-256), encrypted with the vault; released when the session starts.
    package_key: Mapped[bytes] = mapped_column(LargeBinary)
    terminal: Mapped[str | None] = mapped_column(String(64))
    terminal_ip: Mapped[str | None] = mapped_column(String(64))
    #: Set by a proctor: the next login from another workstation takes the attempt over.
    move_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Index into the profile's time plan: the timed part the candidate is in.
    group_index: Mapped[int] = mapped_column(Integer, default=0)
    #: Length of the current timed part (the whole exam unless the profile has time groups).
    allowed_seconds: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Outages, pauses and added time in the current part: the deadline moves by this much.
    credited_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: started_at + allowed + credited; NULL while waiting or paused. Indexed for the ticker.
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finish_reason: Mapped[str | None] = mapped_column(String(16))
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict | None] = mapped_column(JSON)

    candidate: Mapped[Candidate] = relationship()

    @property
    def key_context(self) -> str:
        return f"attempt-key:{self.id}"

    @property
    def locked(self) -> bool:
        return self.status == "paused" and self.finish_reason == LOCKED


class AnswerEvent(Base):
    """Every answer, clear and mark as received: the durable log behind each ack."""

    __tablename__ = "answer_events"
    __table_args__ = (UniqueConstraint("attempt_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))
    handle: Mapped[int] = mapped_column(Integer)
    value: Mapped[int | None] = mapped_column(Integer)  # display choice, or 0/1 for a mark
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Response(Base):
    """The current answer and mark of one item; the highest seq wins for each."""

    __tablename__ = "responses"
    __table_args__ = (UniqueConstraint("attempt_id", "handle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), index=True)
    handle: Mapped[int] = mapped_column(Integer)
    choice: Mapped[int | None] = mapped_column(Integer)  # position shown to the candidate
    option: Mapped[str | None] = mapped_column(String(1))  # the bank's option key behind it
    choice_seq: Mapped[int] = mapped_column(Integer, default=0)
    marked: Mapped[bool] = mapped_column(Boolean, default=False)
    mark_seq: Mapped[int] = mapped_column(Integer, default=0)


class Heartbeat(Base):
    """Each node's last sign of life; the gap after a restart is credited to attempts."""

    __tablename__ = "heartbeats"

    node: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class LoginRecord(Base):
    """Login attempts, for rate limiting across nodes and for the proctor's evidence."""

    __tablename__ = "login_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    terminal: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class Presence(Base):
    """A terminal's live connection to a node, so that the proctor console on any node shows
    who is connected anywhere. Rows of a node whose heartbeat stopped no longer count."""

    __tablename__ = "presence"

    id: Mapped[int] = mapped_column(primary_key=True)
    node: Mapped[str] = mapped_column(String(64), index=True)
    sid: Mapped[str] = mapped_column(String(64))
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), index=True)
    terminal: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
