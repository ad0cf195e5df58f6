"""`exam-engine roster import|pins`."""
from __future__ import annotations

from pathlib import Path

import click

from exam_engine.cli import clear_errors, engine_from


@click.group("roster")
def roster() -> None:
    """Candidates: import a roster, issue registration PINs, print attendance lists."""


def _attendance_folder(engine, out: Path | None) -> Path:  # type: ignore[no-untyped-def]
    return out or engine.settings.instance_path / "attendance"


@roster.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Folder for the attendance lists with PINs (default: <instance>/attendance).")
@click.pass_context
@clear_errors
def roster_import(ctx: click.Context, file: Path, out: Path | None) -> None:
    """Import FILE (CSV/XLSX): all rows or none; PINs go to the attendance lists."""
    from exam_engine.roster.attendance import write_attendance
    from exam_engine.roster.importer import import_roster

    engine = engine_from(ctx)
    with engine.db.transaction() as session:
        issued = import_roster(session, engine.vault, engine.pins, file)
        written = write_attendance(issued, _attendance_folder(engine, out))
    click.echo(f"imported {len(issued)} candidate(s)")
    for path in written:
        click.echo(f"attendance list: {path}")


@roster.command("pins")
@click.option("--session", "session_code", required=True)
@click.option("--out", type=click.Path(path_type=Path), default=None)
@click.pass_context
@clear_errors
def roster_pins(ctx: click.Context, session_code: str, out: Path | None) -> None:
    """Issue new PINs for a session (old ones stop working) and print the attendance list."""
    from exam_engine.roster.attendance import reissue_pins, write_attendance
    from exam_engine.scheduling.service import get_session

    engine = engine_from(ctx)
    with engine.db.transaction() as session:
        issued = reissue_pins(session, engine.vault, engine.pins, get_session(session, session_code))
        written = write_attendance(issued, _attendance_folder(engine, out), replace=True)
    click.echo(f"issued {len(issued)} new PIN(s)")
    for path in written:
        click.echo(f"attendance list: {path}")


def register(main: click.Group) -> None:
    main.add_command(roster)
