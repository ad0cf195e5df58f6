"""One audit log entry; its hash chains it to the entry before."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from exam_engine.db import Base, UTCDateTime

#: The prev_hash of the first entry.
GENESIS = "0" * 64


class AuditEntry(Base):
    __tablename__ = "audit_entries"

    #: The sequence number, 1, 2, 3...; set by `append`, never by the database, so two
    #: writers chaining onto the same entry collide on the primary key instead of forking.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
