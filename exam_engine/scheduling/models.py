"""Exams, sessions, and the vacancies (formasi) of each exam's formations."""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Time, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exam_engine.db import Base, UTCDateTime, utcnow


class Exam(Base):
    __tablename__ = "exams"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    profile_code: Mapped[str] = mapped_column(String(64))
    #: The profile as it was when the exam was created: later edits to the shipped
    #: profile files must not change an exam that is already scheduled.
    profile_data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    sessions: Mapped[list[ExamSession]] = relationship(back_populates="exam", order_by="ExamSession.code")


class ExamSession(Base):
    __tablename__ = "exam_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    date: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Jakarta")
    room: Mapped[str] = mapped_column(String(100))
    capacity: Mapped[int] = mapped_column(Integer)
    #: Seed of every form of this session; with the bank version it reproduces them.
    seed: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    #: Announced in the room; hashed like registration PINs.
    session_pin_hash: Mapped[str | None] = mapped_column(String(200))
    #: Start by itself at the scheduled time (otherwise a proctor or `session start` does).
    auto_start: Mapped[bool] = mapped_column(Boolean, default=False)
    #: When the keys were released; every attempt's clock starts here.
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The committee opened the venue scoreboard to the room: no login needed to watch it.
    scoreboard_public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    exam: Mapped[Exam] = relationship(back_populates="sessions")


class Vacancy(Base):
    """How many posts a formation of an exam has: "N x vacancies advance" reads it."""

    __tablename__ = "vacancies"
    # No index of its own: the unique (exam_id, formation) constraint serves lookups by exam.
    __table_args__ = (UniqueConstraint("exam_id", "formation"), CheckConstraint("count > 0", name="positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"))
    formation: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
