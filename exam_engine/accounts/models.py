"""Staff users, their session assignments, and login records for rate limiting."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exam_engine.db import Base, UTCDateTime, utcnow
from exam_engine.scheduling.models import ExamSession

ROLES = ("admin", "committee", "proctor")


class StaffUser(Base):
    __tablename__ = "staff_users"
    __table_args__ = (CheckConstraint("role IN ('admin', 'committee', 'proctor')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    #: argon2id, PHC string format (parameters and salt travel with the hash).
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    # selectin: a user is loaded once per request and the room check needs every assignment;
    # loading them up front also keeps the check working on a detached user.
    assignments: Mapped[list[ProctorAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin")


class ProctorAssignment(Base):
    """A proctor may see and act on this session (admins and committee see every session)."""

    __tablename__ = "proctor_assignments"
    __table_args__ = (UniqueConstraint("user_id", "session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: the unique (user_id, session_id) constraint serves lookups by user.
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[StaffUser] = relationship(back_populates="assignments")
    exam_session: Mapped[ExamSession] = relationship()


class StaffLoginRecord(Base):
    """Staff login attempts, kept in the database so the rate limit holds across nodes."""

    __tablename__ = "staff_login_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: As typed (normalised), so guesses at unknown usernames are limited too.
    username: Mapped[str] = mapped_column(String(64), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
