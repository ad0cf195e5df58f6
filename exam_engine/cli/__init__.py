"""The `exam-engine` command: one group, one module per domain of sub-commands."""
from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any, Callable, TypeVar

import click

from exam_engine.config import load_settings
from exam_engine.context import EngineContext
from exam_engine.problems import InvalidFile
from exam_engine.vault import DecryptionError, MasterKeyError

F = TypeVar("F", bound=Callable[..., Any])


def exit_on(errors: Callable[[], tuple[type[Exception], ...]]) -> Callable[[F], F]:
    """A decorator: the exceptions ERRORS() names end the command with `error: message` and
    exit status 1, never a traceback. ERRORS is only called when something is raised, so a
    command module can name exceptions of modules it does not import at start-up."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except errors() as exc:
                click.echo(f"error: {exc}", err=True)
                sys.exit(1)

        return wrapper  # type: ignore[return-value]

    return decorate


def _known_errors() -> tuple[type[Exception], ...]:
    from exam_engine.scheduling.service import SchedulingError
    from question_bank.assembly import AssemblyError

    return MasterKeyError, DecryptionError, SchedulingError, AssemblyError


def clear_errors(func: F) -> F:
    """Known failures become a message and exit status 1, never a traceback; an invalid file
    lists every problem."""

    @exit_on(_known_errors)
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InvalidFile as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            click.echo(f"{len(exc.problems)} problem(s); nothing was imported.", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def engine_from(ctx: click.Context, *, require_db: bool = True) -> EngineContext:
    engine: EngineContext = ctx.find_root().obj
    if require_db:
        from sqlalchemy.exc import OperationalError

        from exam_engine.migrate import current_revision

        try:
            revision = current_revision(engine.db)
        except OperationalError:
            revision = None  # no database file yet (SQLite) or nothing to connect to
        if revision is None:
            click.echo(f"error: the database is not initialised; run `exam-engine init` "
                       f"({engine.settings.resolved_database_url})", err=True)
            sys.exit(1)
    return engine


@click.group()
@click.option("--instance", type=click.Path(path_type=Path), default=None,
              help="Instance folder (default ./instance or EXAM_ENGINE_INSTANCE_PATH).")
@click.pass_context
def main(ctx: click.Context, instance: Path | None) -> None:
    """exam-engine: computer-based selection exams (CAT)."""
    overrides = {"instance_path": instance} if instance else None
    ctx.obj = EngineContext(load_settings(overrides=overrides))
    # Not left to process exit: in-process callers (tests, CliRunner) would leak connections.
    ctx.call_on_close(ctx.obj.close)


@main.command("init")
@click.pass_context
@clear_errors
def init_command(ctx: click.Context) -> None:
    """Create the instance folder, the master key (mode 600) and the database."""
    from exam_engine.migrate import upgrade
    from exam_engine.vault import create_key_file

    engine = engine_from(ctx, require_db=False)
    folder = engine.settings.instance_path
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    key_file = engine.settings.resolved_key_file
    if engine.settings.master_key:
        click.echo("master key: from EXAM_ENGINE_MASTER_KEY")
    elif key_file.exists():
        click.echo(f"master key: {key_file} (kept)")
    else:
        create_key_file(key_file)
        click.echo(f"master key: {key_file} (new; back it up: without it nothing can be decrypted)")
    _ = engine.vault  # fail now, clearly, if the key is unusable
    upgrade(engine.db)
    click.echo(f"database: {engine.settings.resolved_database_url} (up to date)")


@main.group("db")
def db_group() -> None:
    """Database schema migrations."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@click.pass_context
@clear_errors
def db_upgrade(ctx: click.Context, revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from exam_engine.migrate import current_revision, upgrade

    engine = engine_from(ctx, require_db=False)
    upgrade(engine.db, revision)
    click.echo(f"database at revision {current_revision(engine.db)}")


def _register() -> None:
    from exam_engine.cli import analyse, audit, bank, demo, exams, proctor, results, roster, server, simulate, users

    for module in (bank, exams, roster, demo, server, simulate, results, audit, users, analyse, proctor):
        module.register(main)


_register()
