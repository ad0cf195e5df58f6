"""A candidate's form: which item revisions, in which order, with which option order."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from exam_engine.db import Base, UTCDateTime, utcnow


class Form(Base):
    __tablename__ = "forms"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id"), index=True)
    #: Derived from the session seed and the candidate number; reproduces this form.
    seed: Mapped[str] = mapped_column(String(64))
    bank_version: Mapped[str] = mapped_column(String(64))
    #: Delivery order: [{"item": items.id, "section": "TWK", "options": ["C", "A", ...]}, ...]
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    #: Mean difficulty per section, kept to show parallelism without reloading items.
    difficulty: Mapped[dict[str, float]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
