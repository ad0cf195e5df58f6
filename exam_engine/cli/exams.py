"""`exam-engine exam create|vacancies`, `session create`, `forms assemble`, `profile list|show`."""
from __future__ import annotations

from pathlib import Path

import click

from exam_engine.cli import clear_errors, engine_from


@click.group("exam")
def exam() -> None:
    """Exams: a profile (sections, blueprint, thresholds) with sessions."""


@exam.command("create")
@click.option("--code", required=True, help="Short code, e.g. CPNS-2026.")
@click.option("--profile", "profile_name", required=True, help="Shipped profile (skd-cpns, skd-demo, pppk) or a file.")
@click.option("--title", default=None)
@click.pass_context
@clear_errors
def exam_create(ctx: click.Context, code: str, profile_name: str, title: str | None) -> None:
    from exam_engine.scheduling.service import create_exam

    engine = engine_from(ctx)
    with engine.db.transaction() as session:
        created = create_exam(session, code, profile_name, title)
        click.echo(f"exam {created.code}: profile {created.profile_code}")


@exam.command("vacancies")
@click.option("--exam", "exam_code", required=True)
@click.option("--formation", default=None, help="A formation of the exam's profile, e.g. umum.")
@click.option("--count", default=None, help="Posts (vacancies) of that formation, at least 1.")
@click.option("--file", "file", type=click.Path(path_type=Path), default=None,
              help="CSV/XLSX with columns formation,vacancies (or formasi,kebutuhan): all rows or none.")
@click.pass_context
@clear_errors
def exam_vacancies(ctx: click.Context, exam_code: str, formation: str | None, count: str | None,
                   file: Path | None) -> None:
    """Set the vacancies (formasi) per formation; "N x vacancies advance" reads them.
    With neither --formation/--count nor --file, list them."""
    from exam_engine.scheduling.service import get_exam, profile_of
    from exam_engine.scheduling.vacancies import import_vacancies, set_vacancies, vacancies_of

    if file is not None and (formation is not None or count is not None):
        raise click.UsageError("give either --file or --formation with --count, not both")
    if (formation is None) != (count is None):
        raise click.UsageError("--formation and --count go together")
    engine = engine_from(ctx)
    with engine.db.transaction() as session:
        found = get_exam(session, exam_code)
        if file is not None:
            import_vacancies(session, found, file)
        elif formation is not None:
            set_vacancies(session, found, formation, count)
        counts = vacancies_of(session, found)
        profile = profile_of(found)
    multiple = profile.ranking.get("advance_multiple", 1)
    for name in profile.formations:
        if name in counts:
            click.echo(f"{name}: {counts[name]} vacancies ({multiple} x {counts[name]} advance)")
        else:
            click.echo(f"{name}: no vacancy count set")


@click.group("session")
def session_group() -> None:
    """Exam sessions (date, start, room, capacity)."""


@session_group.command("create")
@click.option("--exam", "exam_code", required=True)
@click.option("--code", required=True, help="Session code, e.g. JKT-01-S1.")
@click.option("--date", "day", required=True, help="YYYY-MM-DD")
@click.option("--start", required=True, help="HH:MM, local time of the venue")
@click.option("--room", required=True)
@click.option("--capacity", required=True, type=int)
@click.option("--timezone", default="Asia/Jakarta", show_default=True)
@click.pass_context
@clear_errors
def session_create(ctx: click.Context, exam_code: str, code: str, day: str, start: str, room: str,
                   capacity: int, timezone: str) -> None:
    from exam_engine.scheduling.service import create_session

    engine = engine_from(ctx)
    with engine.db.transaction() as session:
        created = create_session(session, exam_code, code, day, start, room, capacity, timezone)
        click.echo(f"session {created.code}: {created.date} {created.start_time:%H:%M} {created.timezone}, "
                   f"room {created.room}, {created.capacity} seats")


@session_group.command("open")
@click.option("--session", "session_code", required=True)
@click.pass_context
@clear_errors
def session_open(ctx: click.Context, session_code: str) -> None:
    """Assemble the forms and issue the session PIN to announce in the room."""
    from exam_engine.delivery.sittings import open_session
    from exam_engine.scheduling.service import get_session

    engine = engine_from(ctx)
    with engine.db.transaction() as session:
        pin = open_session(session, engine.pins, get_session(session, session_code))
    click.echo(f"session {session_code} is open for login; session PIN: {pin}")


@session_group.command("start")
@click.option("--session", "session_code", required=True)
@click.pass_context
@clear_errors
def session_start(ctx: click.Context, session_code: str) -> None:
    """Start the clocks; running servers release every terminal's key within a second."""
    from exam_engine.db import utcnow
    from exam_engine.delivery.sittings import start_session
    from exam_engine.scheduling.service import get_session

    engine = engine_from(ctx)
    with engine.db.transaction() as session:
        count = start_session(session, get_session(session, session_code), utcnow())
    click.echo(f"session {session_code} started ({count} attempt(s) logged in so far)")


@session_group.command("allow-move")
@click.option("--session", "session_code", required=True)
@click.option("--candidate", "number", required=True, help="Candidate number.")
@click.pass_context
@clear_errors
def session_allow_move(ctx: click.Context, session_code: str, number: str) -> None:
    """Let a candidate continue on another workstation (their next login takes over)."""
    from exam_engine.delivery.sittings import allow_move

    engine = engine_from(ctx)
    with engine.db.transaction() as session:
        allow_move(session, session_code, number)
    click.echo(f"candidate {number} may now log in on another workstation")


@click.group("forms")
def forms() -> None:
    """Per-candidate forms drawn from the bank by the blueprint."""


@forms.command("assemble")
@click.option("--session", "session_code", required=True)
@click.pass_context
@clear_errors
def forms_assemble(ctx: click.Context, session_code: str) -> None:
    """Give every candidate of the session their own form (already assembled ones are kept)."""
    from exam_engine.scheduling.service import get_session
    from question_bank.service import assemble_session

    engine = engine_from(ctx)
    with engine.db.transaction() as session:
        created = assemble_session(session, get_session(session, session_code))
    click.echo(f"assembled {len(created)} form(s) for session {session_code}")


@click.group("profile")
def profile() -> None:
    """Exam profiles shipped as data."""


@profile.command("list")
def profile_list() -> None:
    from question_bank.profiles import builtin_profiles, load_profile

    for code in sorted(builtin_profiles()):
        p = load_profile(code)
        sections = ", ".join(f"{s.code} {s.items}" for s in p.sections)
        click.echo(f"{code:10} {p.name.get('id', code):30} {p.duration_minutes} min  {sections}")


def register(main: click.Group) -> None:
    for group in (exam, session_group, forms, profile):
        main.add_command(group)
