"""Storage: migrations and SQLite settings chosen for durable acknowledgements."""
from __future__ import annotations

import os

import pytest

from sqlalchemy import inspect, text

from exam_engine.migrate import current_revision


def test_migrations_create_every_table(engine):
    assert current_revision(engine.db) == "0007"
    tables = set(inspect(engine.db.engine).get_table_names())
    assert {"items", "assets", "exams", "exam_sessions", "candidates", "forms", "presence", "vacancies"} <= tables


def test_migrations_match_the_models(engine):
    """Autogenerate finds nothing to do: the models and migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from exam_engine.models import Base

    with engine.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


@pytest.mark.skipif(os.environ.get("EXAM_ENGINE_TEST_DATABASE") == "postgres",
                    reason="SQLite's own settings; PostgreSQL's durability is its server's")
def test_sqlite_is_wal_with_full_sync_and_a_busy_timeout(engine):
    with engine.db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_health_endpoint(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
