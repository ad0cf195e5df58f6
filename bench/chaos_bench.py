"""Chaos: a simulated sitting under load while something breaks; afterwards every acknowledged
answer must be stored and every attempt's clock must be right.

Faults (each in a fresh instance, on the embedded default unless --db postgres):
  sigkill          the node is SIGKILLed mid-sitting and started again after --down seconds
  network_cut      a proxy between the terminals and the node drops every connection and
                   refuses new ones for --down seconds (the node itself stays up)
  rolling_restart  two nodes behind the proxy; each is stopped and started in turn
  disk_full        the database's file system (a tmpfs) is filled for --down seconds

Usage: python bench/chaos_bench.py [--candidates 200] [--faults sigkill,network_cut,...]
Prints the machine, then one row per fault; exits 1 if any acknowledged answer is lost or a
clock check fails. Needs root for disk_full (it mounts a small tmpfs)."""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from machine import describe

from exam_engine.config import load_settings
from exam_engine.context import EngineContext
from exam_engine.migrate import upgrade
from exam_engine.node import ServerProcess, free_port
from exam_engine.simulate.runner import Options, Outcome, server_env, simulate
from exam_engine.vault import create_key_file

FAULTS = ("sigkill", "network_cut", "rolling_restart", "disk_full")
TICK = 1.5  # the ticker runs every second; a deadline is enforced within one tick


class Proxy:
    """A TCP proxy on loopback: each new connection goes to the first upstream that accepts.
    `cut()` drops every connection and refuses new ones until `restore()`."""

    def __init__(self, upstreams: list[int]) -> None:
        self.upstreams, self.port = upstreams, free_port()
        self.loop = asyncio.new_event_loop()
        self.cutting = False
        self.live: set[asyncio.StreamWriter] = set()
        self.dropped = 0
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Proxy:
        self._thread.start()
        self._call(asyncio.start_server(self._serve, "127.0.0.1", self.port, backlog=4096))
        return self

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(30)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.cutting:
            writer.transport.abort()
            return
        for port in self.upstreams:
            try:
                up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
                break
            except OSError:
                continue
        else:
            writer.transport.abort()
            return
        self.live.update((writer, up_writer))
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True)
        for w in (writer, up_writer):
            self.live.discard(w)
            w.transport.abort()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.transport.abort()  # one side gone: the other goes too, like a cut cable

    def cut(self) -> None:
        async def drop() -> None:
            self.cutting = True
            self.dropped += len(self.live)
            for w in list(self.live):
                w.transport.abort()
        self._call(drop())

    def restore(self) -> None:
        self.cutting = False

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)


@dataclass
class Row:
    fault: str
    candidates: int
    acked: int = 0
    stored: int = 0
    lost: int = 0
    refused: int = 0
    reconnects: int = 0
    unavailable: int = 0
    clock: str = "?"
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.clock == "ok" and not self.notes


@contextlib.contextmanager
def small_tmpfs(size_mb: int) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="chaos-disk-"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)
        path.rmdir()


def fill(path: Path) -> Path:
    """Write zeros until the file system is full."""
    junk = path / "junk"
    block = b"\0" * (1 << 20)
    with junk.open("wb") as f, contextlib.suppress(OSError):
        while True:
            f.write(block)
            f.flush()
            os.fsync(f.fileno())
    return junk


def make_engine(instance: Path, database_url: str) -> EngineContext:
    create_key_file(instance / "master.key")
    engine = EngineContext(load_settings(environ={}, overrides={"instance_path": instance,
                                                                "database_url": database_url}))
    upgrade(engine.db)
    return engine


def wait_for_start(engine: EngineContext, timeout: float = 600) -> None:
    from sqlalchemy import select

    from exam_engine.scheduling.models import ExamSession

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.db.session() as session:
            if session.scalar(select(ExamSession.id).where(ExamSession.status == "started")) is not None:
                return
        time.sleep(0.2)


def inject(fault: str, engine: EngineContext, nodes: list[ServerProcess], proxy: Proxy, fill_dir: Path | None,
           after: float, down: float, log: Callable[[str], None]) -> threading.Thread:
    """The fault, on its own thread, AFTER seconds after the session started."""

    def run() -> None:
        wait_for_start(engine)
        time.sleep(after)
        if fault == "sigkill":
            nodes[0].kill()
            log(f"node SIGKILLed; back in {down:g} s")
            time.sleep(down)
            nodes[0].start()
        elif fault == "network_cut":
            proxy.cut()
            log(f"network cut: {proxy.dropped} connection(s) dropped, none accepted for {down:g} s")
            time.sleep(down)
            proxy.restore()
        elif fault == "rolling_restart":
            for node in nodes:
                node.stop()  # SIGTERM: gunicorn's graceful stop
                log(f"node :{node.port} stopped")
                time.sleep(down)
                node.start()
                log(f"node :{node.port} started again")
                time.sleep(down)
        elif fault == "disk_full":
            assert fill_dir is not None
            # Empty the WAL first: SQLite reuses a WAL's space, so without this the commits would
            # go on in space already allocated and the full disk would never be noticed.
            with engine.db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            junk = fill(fill_dir)
            log(f"disk full ({junk.stat().st_size >> 20} MB of junk) for {down:g} s")
            time.sleep(down)
            junk.unlink()
            log("disk space back")

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def check_clocks(engine: EngineContext, outcome: Outcome, fault: str, down: float) -> tuple[str, list[str]]:
    """No attempt closed by the clock before its allowed time plus credit; after a SIGKILL,
    every attempt that was running is credited at least the outage (less one tick)."""
    from sqlalchemy import select

    from exam_engine.delivery.models import Attempt

    problems = []
    with engine.db.session() as session:
        attempts = list(session.scalars(select(Attempt).where(Attempt.session_id == outcome.sitting.session_id)))
    for a in attempts:
        if a.status != "finished" or a.started_at is None or a.finished_at is None:
            problems.append(f"attempt {a.id}: {a.status}, not finished")
            continue
        used = (a.finished_at - a.started_at).total_seconds()
        if a.finish_reason == "time" and used < a.allowed_seconds + a.credited_seconds - TICK:
            problems.append(f"attempt {a.id}: closed by the clock after {used:.1f} s of "
                            f"{a.allowed_seconds + a.credited_seconds:.1f} s")
        if fault == "sigkill" and a.credited_seconds < down - TICK:
            problems.append(f"attempt {a.id}: credited {a.credited_seconds:.1f} s for a {down:g} s outage")
    return ("ok" if not problems else f"{len(problems)} wrong"), problems


def run_fault(fault: str, candidates: int, speed: float, after: float, down: float, database_url: str,
              verbose: bool) -> Row:
    row = Row(fault, candidates)
    log = (lambda m: print(f"  [{fault}] {m}", flush=True)) if verbose else (lambda m: None)
    with contextlib.ExitStack() as stack:
        base = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="chaos-")))
        fill_dir = stack.enter_context(small_tmpfs(64)) if fault == "disk_full" else None
        instance = (fill_dir or base) / "instance"
        engine = make_engine(instance, database_url)
        stack.callback(engine.db.dispose)
        count = 2 if fault == "rolling_restart" else 1
        nodes = [ServerProcess(instance, env=server_env(engine), log=base / f"node{i}.log") for i in range(count)]
        for node in nodes:
            node.start()
            stack.callback(node.stop)
        proxy = Proxy([n.port for n in nodes]).start()
        stack.callback(proxy.stop)
        injector = inject(fault, engine, nodes, proxy, fill_dir, after, down, log)
        outcome = simulate(engine, Options(candidates=candidates, url=proxy.url, speed=speed, seed=7),
                           echo=log)
        injector.join(120)
        records = outcome.records
        row.acked = sum(len(r.acked) for r in records)
        row.stored, row.lost = outcome.checks.stored, len(outcome.checks.lost)
        row.refused = sum(len(r.refused) for r in records)
        row.reconnects = sum(r.reconnects for r in records)
        row.clock, clock_problems = check_clocks(engine, outcome, fault, down)
        row.notes += clock_problems[:3]
        if outcome.aborted:
            row.notes.append(outcome.aborted)
        row.notes += [f"{r.number}: {e}" for r in records for e in r.errors][:3]
        row.notes += outcome.checks.scores_failed[:3]
        # Events the node answered `unavailable` (not stored, so not acknowledged; sent again).
        logs = "".join(p.read_text(errors="replace") for p in base.glob("node*.log"))
        row.unavailable = logs.count("not stored")
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--faults", default=",".join(FAULTS))
    parser.add_argument("--speed", type=float, default=8.0, help="divides the 4-25 s think time per item")
    parser.add_argument("--after", type=float, default=5.0, help="seconds into the sitting")
    parser.add_argument("--down", type=float, default=4.0, help="seconds each fault lasts")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    faults = [f for f in args.faults.split(",") if f]
    unknown = set(faults) - set(FAULTS)
    if unknown:
        parser.error(f"unknown fault(s): {', '.join(sorted(unknown))}; choose from {', '.join(FAULTS)}")
    if args.db == "postgres" and "disk_full" in faults:
        # The tmpfs holds the instance; PostgreSQL's data directory lives elsewhere.
        faults.remove("disk_full")
        print("disk_full: SQLite only here (PostgreSQL keeps its data outside the instance)")
    print(describe())
    print(f"chaos: {args.candidates} candidates, speed x{args.speed:g}, fault at +{args.after:g} s "
          f"lasting {args.down:g} s, database {args.db}", flush=True)
    rows = []
    with contextlib.ExitStack() as stack:
        url = ""
        if args.db == "postgres":
            from exam_engine.throwaway import Postgres

            url = stack.enter_context(Postgres()).url
        for fault in faults:
            if url:  # a fresh database per fault
                import psycopg

                with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
                    conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            rows.append(run_fault(fault, args.candidates, args.speed, args.after, args.down, url, args.verbose))
    header = f"{'fault':<16} {'cands':>5} {'acked':>6} {'stored':>6} {'lost':>4} {'refused':>7} " \
             f"{'reconn':>6} {'unavail':>7} {'clock':>8}  result"
    print(header)
    for r in rows:
        print(f"{r.fault:<16} {r.candidates:>5} {r.acked:>6} {r.stored:>6} {r.lost:>4} {r.refused:>7} "
              f"{r.reconnects:>6} {r.unavailable:>7} {r.clock:>8}  {'survived' if r.ok else 'FAILED'}")
        for note in r.notes:
            print(f"    {note}")
    print(f"faults survived: {sum(r.ok for r in rows)}/{len(rows)}")
    return 0 if all(r.ok for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
