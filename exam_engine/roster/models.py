"""A candidate on an exam's roster. NIK, name and date of birth are encrypted at rest."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exam_engine.db import Base, UTCDateTime, utcnow
from exam_engine.scheduling.models import Exam, ExamSession


class Candidate(Base):
    __tablename__ = "candidates"
    __table_args__ = (UniqueConstraint("exam_id", "number"), UniqueConstraint("exam_id", "nik_hash"))

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id"), index=True)
    number: Mapped[str] = mapped_column(String(32))
    formation: Mapped[str] = mapped_column(String(64))
    #: Keyed hash of the NIK, so a NIK registered twice is found without decrypting.
    nik_hash: Mapped[str] = mapped_column(String(64))
    #: AES-GCM of {"nik", "name", "date_of_birth"}; associated data "candidate:<exam>:<number>".
    personal: Mapped[bytes] = mapped_column(LargeBinary)
    accommodations: Mapped[list[str]] = mapped_column(JSON, default=list)
    extra_minutes: Mapped[int] = mapped_column(Integer, default=0)
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    pin_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    exam: Mapped[Exam] = relationship()
    session: Mapped[ExamSession] = relationship()

    @property
    def context(self) -> str:
        return f"candidate:{self.exam_id}:{self.number}"
