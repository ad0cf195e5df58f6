"""Stored items and their images. Content is encrypted; only metadata for assembly is plain."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from exam_engine.db import Base, UTCDateTime, utcnow


class Item(Base):
    """One revision of a bank item. A changed item gets a new revision; old ones stay for
    the forms that already use them."""

    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("item_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[str] = mapped_column(String(64), index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    bank: Mapped[str] = mapped_column(String(64), index=True)
    item_type: Mapped[str] = mapped_column(String(32))
    section: Mapped[str] = mapped_column(String(32), index=True)
    topic: Mapped[str] = mapped_column(String(64))
    difficulty: Mapped[int] = mapped_column(Integer)
    option_count: Mapped[int] = mapped_column(Integer)
    #: Keyed hash of the content: detects changes without revealing anything.
    content_hash: Mapped[str] = mapped_column(String(64))
    #: AES-GCM of {stem, image, options, key}; associated data "item:<item_id>:<revision>".
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def context(self) -> str:
        return f"item:{self.item_id}:{self.revision}"


class Asset(Base):
    """An image referenced by item stems or options, stored once, encrypted."""

    __tablename__ = "assets"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # keyed hash of the bytes
    media_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)

    @property
    def context(self) -> str:
        return f"asset:{self.id}"
