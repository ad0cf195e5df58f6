"""`exam-engine demo`: a ready-to-try instance on the embedded default (SQLite, one process).

It imports the sample banks, schedules the short "SKD demo" exam with one session of demo
candidates, assembles their forms, prints the credentials, and serves the app."""
from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

import click

from exam_engine.cli import clear_errors, engine_from
from exam_engine.context import EngineContext

DEMO_EXAM = "DEMO"
DEMO_SESSION = "DEMO-S1"
FIRST_NAMES = ["Ayu", "Budi", "Citra", "Dewi", "Eko", "Fajar", "Gita", "Hadi", "Indah", "Joko", "Kartika",
               "Lestari", "Made", "Nur", "Oktavia", "Putu", "Rizky", "Sari", "Taufik", "Wulan"]
LAST_NAMES = ["Pratama", "Saputra", "Wijaya", "Lestari", "Hidayat", "Siregar", "Nasution", "Santoso",
              "Kurniawan", "Halim"]


def write_demo_roster(path: Path, count: int, session_code: str, seed: int = 7) -> Path:
    """A roster file like a committee's: made-up names and NIK-shaped numbers."""
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["nomor_peserta", "nik", "nama", "formasi", "tanggal_lahir", "sesi", "akomodasi"])
        for n in range(1, count + 1):
            born = datetime(1990, 1, 1) + timedelta(days=rng.randrange(0, 4000))
            nik = f"3171{rng.randrange(10**11, 10**12)}"
            name = f"{FIRST_NAMES[(n - 1) % len(FIRST_NAMES)]} {rng.choice(LAST_NAMES)}"
            writer.writerow([f"DEMO{n:04d}", nik, name, "umum", born.date().isoformat(), session_code,
                             "tunanetra" if n == count else ""])
    return path


def prepare_demo(engine: EngineContext, candidates: int) -> list[tuple[str, str, str]]:
    """Idempotent set-up; returns (number, name, PIN) for every demo candidate."""
    from question_bank.importer import import_items, validate_files
    from question_bank.service import assemble_session
    from exam_engine.roster.attendance import reissue_pins, write_attendance
    from exam_engine.roster.importer import import_roster
    from exam_engine.scheduling.models import Exam
    from exam_engine.scheduling.service import create_exam, create_session, get_session
    from exam_engine.problems import InvalidFile
    from sqlalchemy import select

    samples = sorted((Path(__file__).resolve().parents[2] / "question_bank" / "samples").glob("*.yaml"))
    result = validate_files(samples)
    if result.problems:
        raise InvalidFile(result.problems)
    folder = engine.settings.instance_path / "demo"
    with engine.db.transaction() as session:
        import_items(session, engine.vault, result.items)
        if session.scalar(select(Exam).where(Exam.code == DEMO_EXAM)) is None:
            create_exam(session, DEMO_EXAM, "skd-demo", "SKD Demo")
            start = (datetime.now() + timedelta(minutes=10)).replace(second=0, microsecond=0)
            create_session(session, DEMO_EXAM, DEMO_SESSION, start.date().isoformat(), start.strftime("%H:%M"),
                           "Ruang Demo 1", max(candidates, 1))
            issued = import_roster(session, engine.vault, engine.pins,
                                   write_demo_roster(folder / "roster.csv", candidates, DEMO_SESSION))
        else:
            # PINs are stored hashed; printing them again means issuing new ones.
            issued = reissue_pins(session, engine.vault, engine.pins, get_session(session, DEMO_SESSION))
        write_attendance(issued, folder, replace=True)
        assemble_session(session, get_session(session, DEMO_SESSION))
    return [(i.candidate.number, i.name, i.pin) for i in issued]


def register(main: click.Group) -> None:
    @main.command("demo")
    @click.option("--candidates", default=10, show_default=True, help="Demo candidates in the room.")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, show_default=True)
    @click.option("--no-serve", is_flag=True, help="Prepare the instance and print credentials only.")
    @click.pass_context
    @clear_errors
    def demo(ctx: click.Context, candidates: int, host: str, port: int, no_serve: bool) -> None:
        """Set up a demo sitting on the embedded default and serve it."""
        from exam_engine.migrate import upgrade
        from exam_engine.vault import create_key_file

        engine = engine_from(ctx, require_db=False)
        key_file = engine.settings.resolved_key_file
        if not engine.settings.master_key and not key_file.exists():
            create_key_file(key_file)
        upgrade(engine.db)
        credentials = prepare_demo(engine, candidates)
        base = f"http://{host}:{port}"
        click.echo(f"exam-engine demo: exam {DEMO_EXAM} (SKD demo profile), session {DEMO_SESSION}")
        click.echo(f"instance: {engine.settings.instance_path.resolve()}")
        click.echo(f"server: {base}/  (health: {base}/healthz)")
        click.echo("candidate terminal, proctor console and scoreboard: not built yet (issues 3 and 4)")
        click.echo("candidates (nomor peserta / PIN registrasi):")
        for number, name, pin in credentials:
            click.echo(f"  {number}  {pin}  {name}")
        click.echo(f"attendance lists: {engine.settings.instance_path.resolve() / 'demo'}")
        if no_serve:
            return
        from exam_engine import create_app

        app = create_app({"instance_path": engine.settings.instance_path})
        app.run(host=host, port=port)
