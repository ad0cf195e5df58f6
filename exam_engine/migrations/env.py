"""Alembic environment: the URL comes from the engine's settings, never from alembic.ini."""
from __future__ import annotations

from alembic import context

from exam_engine.models import Base

config = context.config


def run_migrations() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        from exam_engine.db import make_engine

        connectable = make_engine(config.get_main_option("sqlalchemy.url") or "")
        with connectable.connect() as connection:
            _run(connection)
    else:
        _run(connectable)


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Migrations use plain SQLAlchemy types, never the app's decorators."""
    from exam_engine.db import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    # Batch mode: SQLite can only change a table by copying it.
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                      compare_type=True, render_item=_render_item)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
