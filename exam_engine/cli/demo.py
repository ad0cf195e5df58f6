"""`exam-engine demo`: a ready-to-try sitting on the embedded default (SQLite, one process).

It imports the sample banks, schedules a short "SKD demo" session that starts by itself a
minute later, opens it (forms and session PIN), prints every credential, and serves."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_engine.cli import clear_errors, engine_from
from exam_engine.context import EngineContext
from exam_engine.roster.sample import write_sample_roster

DEMO_EXAM = "DEMO"
VENUE_TZ = ZoneInfo("Asia/Jakarta")
def prepare_demo(engine: EngineContext, candidates: int, start_in: int
                 ) -> tuple[str, str, list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """A new demo session each run: (session code, session PIN, [(number, name, PIN)],
    [(role, username, password)])."""
    from exam_engine.delivery.sittings import open_session
    from exam_engine.problems import InvalidFile
    from exam_engine.roster.attendance import write_attendance
    from exam_engine.roster.importer import import_roster
    from exam_engine.scheduling.models import Exam
    from exam_engine.scheduling.service import create_exam, create_session
    from question_bank.importer import import_items, validate_files

    result = validate_files(sorted((Path(__file__).resolve().parents[2] / "question_bank" / "samples").glob("*.yaml")))
    if result.problems:
        raise InvalidFile(result.problems)
    start = (datetime.now(VENUE_TZ) + timedelta(seconds=start_in)).replace(microsecond=0)
    stamp = secrets.token_hex(3).upper()  # runs in the same second still get their own session
    code = f"DEMO-{start:%H%M}-{stamp}"
    folder = engine.settings.instance_path / "demo"
    with engine.db.transaction() as session:
        import_items(session, engine.vault, result.items)
        if session.scalar(select(Exam).where(Exam.code == DEMO_EXAM)) is None:
            create_exam(session, DEMO_EXAM, "skd-demo", "SKD Demo")
        exam_session = create_session(session, DEMO_EXAM, code, start.date().isoformat(), start.strftime("%H:%M:%S"),
                                      "Ruang Demo 1", max(candidates, 1), timezone=str(VENUE_TZ))
        exam_session.auto_start = True
        exam_session.scoreboard_public = True  # the waiting-room screen needs no login
        issued = import_roster(session, engine.vault, engine.pins,
                               write_sample_roster(folder / f"roster-{code}.csv", candidates, code, f"D{stamp}",
                                                   last_is_blind=True))
        write_attendance(issued, folder, replace=True)
        session_pin = open_session(session, engine.pins, exam_session)
        staff = demo_staff(session, code)
    return code, session_pin, [(i.candidate.number, i.name, i.pin) for i in issued], staff


def demo_staff(session: Session, session_code: str) -> list[tuple[str, str, str]]:
    """A proctor for this session and a committee member: (role, username, password). Each run
    sets new passwords, since they are stored hashed and printed only here."""
    from exam_engine.accounts.models import StaffUser
    from exam_engine.accounts.service import assign_proctor, create_user, get_user, set_password

    made = []
    for role, username in (("proctor", "pengawas-demo"), ("committee", "panitia-demo")):
        password = secrets.token_urlsafe(9)
        if session.scalar(select(StaffUser.id).where(StaffUser.username == username)) is None:
            create_user(session, username, role, password, display_name=f"{role.title()} (demo)")
        else:
            set_password(session, get_user(session, username), password)
        if role == "proctor":
            assign_proctor(session, username, session_code)
        made.append((role, username, password))
    return made


def register(main: click.Group) -> None:
    @main.command("demo")
    @click.option("--candidates", default=10, show_default=True, help="Demo candidates in the room.")
    @click.option("--start-in", default=60, show_default=True, help="Seconds until the session starts by itself.")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, show_default=True)
    @click.option("--no-serve", is_flag=True, help="Prepare the sitting and print credentials only.")
    @click.pass_context
    @clear_errors
    def demo(ctx: click.Context, candidates: int, start_in: int, host: str, port: int, no_serve: bool) -> None:
        """Set up a demo sitting on the embedded default and serve it."""
        from exam_engine.cli.server import exec_server
        from exam_engine.migrate import upgrade
        from exam_engine.vault import create_key_file

        engine = engine_from(ctx, require_db=False)
        if not engine.settings.master_key and not engine.settings.resolved_key_file.exists():
            create_key_file(engine.settings.resolved_key_file)
        upgrade(engine.db)
        code, session_pin, credentials, staff = prepare_demo(engine, candidates, start_in)
        base = f"http://{host}:{port}"
        click.echo(f"exam-engine demo: exam {DEMO_EXAM} (SKD demo profile, 15 items, 15 minutes), session {code}")
        click.echo(f"instance: {engine.settings.instance_path.resolve()}")
        click.echo(f"candidate terminal: {base}/candidate/   (English: {base}/candidate/?lang=en)")
        click.echo(f"proctor console: {base}/proctor/?session={code}")
        click.echo(f"venue scoreboard: {base}/scoreboard/{code}   (public for this session)")
        click.echo(f"committee page: {base}/committee/   (results, ranking, freeze, exports)")
        for role, username, password in staff:
            click.echo(f"{role} login: {username} / {password}   (POST {base}/staff/api/login)")
        click.echo(f"session PIN (announced in the room): {session_pin}")
        click.echo(f"the session starts by itself in {start_in} s; or now: exam-engine session start --session {code}")
        click.echo("candidates (nomor peserta / PIN registrasi / nama):")
        for number, name, pin in credentials:
            click.echo(f"  {number}  {pin}  {name}")
        click.echo(f"attendance lists: {engine.settings.instance_path.resolve() / 'demo'}")
        if not no_serve:
            exec_server(str(engine.settings.instance_path.resolve()), host, port)
