"""Throw-away PostgreSQL and Redis servers on loopback, for the multi-node tests and the
load benchmark.

Each runs from Debian's packages in a temporary directory and is stopped (and its data
removed) by `stop()`. Nothing is left running: CI starts what it needs itself."""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from exam_engine.node import free_port


class ServiceMissing(RuntimeError):
    pass


def pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        raise ServiceMissing("PostgreSQL is not installed: apt-get install -y postgresql")
    return Path(found[-1]).parent


def _run(args: list[str], user: str | None) -> None:
    if user is not None:
        # initdb and postgres refuse to run as root.
        args = ["runuser", "-u", user, "--", *args]
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr or done.stdout}")


class Postgres:
    """`with Postgres() as pg: pg.url` -> postgresql+psycopg://postgres@127.0.0.1:PORT/postgres"""

    def __init__(self) -> None:
        self.bin = pg_bin()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="exam-engine-pg-"))
        self.user = "postgres" if os.geteuid() == 0 else None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> Postgres:
        if self.user is not None:
            uid = pwd.getpwnam(self.user).pw_uid
            os.chown(self.dir, uid, -1)
        data = self.dir / "data"
        _run([str(self.bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"], self.user)
        # fsync stays on: the durability of acknowledged answers is what the tests check.
        _run([str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(self.dir / "log"), "-w", "start", "-o",
              f"-k {self.dir} -p {self.port} -c listen_addresses=127.0.0.1 -c max_connections=200"], self.user)
        return self

    def stop(self) -> None:
        try:
            _run([str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop"], self.user)
        except RuntimeError:
            pass  # never started, or already gone
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Postgres:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


class Redis:
    def __init__(self) -> None:
        server = shutil.which("redis-server")
        if server is None:
            raise ServiceMissing("Redis is not installed: apt-get install -y redis-server")
        self.server = server
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="exam-engine-redis-"))

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> Redis:
        # Only the Socket.IO message queue lives here: nothing to persist.
        _run([self.server, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
              "--daemonize", "yes", "--pidfile", str(self.dir / "pid"), "--save", "", "--appendonly", "no",
              "--logfile", str(self.dir / "log")], None)
        deadline = time.monotonic() + timeout
        while not (self.dir / "pid").exists():
            if time.monotonic() > deadline:
                raise TimeoutError(f"redis did not start; see {self.dir / 'log'}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        pid_file = self.dir / "pid"
        if pid_file.exists():
            try:
                os.kill(int(pid_file.read_text()), 15)
            except (ProcessLookupError, ValueError):
                pass
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Redis:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
