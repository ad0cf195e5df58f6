"""A fresh, migrated instance for a benchmark run: SQLite in WORK, or a throw-away PostgreSQL."""
from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

from exam_engine.config import load_settings
from exam_engine.context import EngineContext
from exam_engine.migrate import upgrade
from exam_engine.vault import create_key_file


def fresh_engine(stack: ExitStack, db: str, work: Path) -> EngineContext:
    """DB is "sqlite" or "postgres"; the database (and its server) goes with STACK."""
    overrides: dict[str, object] = {"instance_path": work}
    if db == "postgres":
        from exam_engine.throwaway import Postgres

        overrides["database_url"] = stack.enter_context(Postgres()).url
    create_key_file(work / "master.key")
    engine = EngineContext(load_settings(environ={}, overrides=overrides))
    stack.callback(engine.db.dispose)
    upgrade(engine.db)
    return engine
