"""The database: one engine and session factory per app, SQLite tuned for durable acks."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Iterator

from sqlalchemy import DateTime, MetaData, create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from exam_engine.offload import blocking, gevent_hub_active

# Explicit constraint names keep Alembic migrations stable across SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database: SQLite stores none and returns naive ones."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use exam_engine.db.utcnow()")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _sqlite_pragmas(busy_timeout_ms: int) -> Any:
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        # WAL: readers (proctor views, scoreboards) never block the single writer.
        cur.execute("PRAGMA journal_mode=WAL")
        # FULL: in WAL mode NORMAL may lose the last commits on power loss; an answer is
        # acknowledged only after commit, so the commit must reach the disk.
        cur.execute("PRAGMA synchronous=FULL")
        # Wait for the write lock instead of failing at once when another process
        # (a CLI import during a sitting) holds it.
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    return on_connect


def make_engine(url: str, busy_timeout_ms: int = 10_000) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_ms))
        return engine
    return create_engine(url, pool_pre_ping=True)


_TAKE_WRITE_LOCK = text("UPDATE heartbeats SET node = node WHERE 1 = 0")


def hold_sqlite_write_lock(session: Session) -> None:
    """On SQLite, open the real transaction (and take the database's single write lock) now.

    pysqlite opens a transaction only at the first data-changing statement, so a SAVEPOINT
    issued before any write would open it instead, and releasing that savepoint would commit
    on its own, even if the outer transaction then rolled back. Other databases: nothing."""
    if session.get_bind().dialect.name != "sqlite":
        return
    transaction = session.get_transaction()
    if transaction is not None and session.info.get("sqlite_write_lock") is transaction:
        return  # held already: the group writer takes it, then the audit append asks again
    session.execute(_TAKE_WRITE_LOCK)
    session.info["sqlite_write_lock"] = session.get_transaction()


def commit_sqlite_off_hub(session: Session) -> None:
    """Under gevent on SQLite: COMMIT now, in a native thread. A commit waits for its fsync
    (milliseconds on honest disks), and a sqlite3 call blocks the hub: every socket of the node
    would wait with it. sqlite3 releases the GIL while it commits, and the session's connection
    is this caller's alone until then. SQLAlchemy's own commit afterwards finds nothing left to
    commit. Elsewhere (PostgreSQL's driver waits cooperatively; no gevent): nothing."""
    if session.get_bind().dialect.name != "sqlite" or not gevent_hub_active():
        return
    session.flush()
    raw = session.connection().connection.driver_connection
    blocking(raw.commit)  # type: ignore[union-attr]


class Database:
    """Engine plus session factory; `with db.transaction() as s:` commits or rolls back."""

    def __init__(self, url: str, busy_timeout_ms: int = 10_000) -> None:
        self.url = url
        self.engine = make_engine(url, busy_timeout_ms)
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self.session_factory() as session, session.begin():
            yield session

    def session(self) -> Session:
        return self.session_factory()

    def dispose(self) -> None:
        self.engine.dispose()
