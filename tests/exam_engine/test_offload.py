"""offload.blocking: a native thread under gevent (the served node), a plain call elsewhere."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

import pytest

from exam_engine.offload import blocking, settle


def test_plain_call_outside_gevent() -> None:
    assert blocking(threading.get_native_id) == threading.get_native_id()
    with pytest.raises(ValueError, match="no such"):
        blocking(int, "no such number")


def test_native_thread_under_gevent_and_the_hub_keeps_running() -> None:
    # A fresh interpreter: monkey-patching must happen before anything else is imported.
    script = textwrap.dedent("""
        from gevent import monkey; monkey.patch_all()
        import threading, gevent
        from argon2 import PasswordHasher
        from argon2.exceptions import VerifyMismatchError
        from exam_engine.offload import blocking

        hasher = PasswordHasher(time_cost=3, memory_cost=8192, parallelism=1)
        stored = hasher.hash("right")
        beats = []
        beat = gevent.spawn(lambda: [beats.append(1) or gevent.sleep(0.001) for _ in iter(int, 1)])
        here = threading.get_native_id()
        assert blocking(threading.get_native_id) != here, "ran on the hub's own thread"
        assert all(blocking(hasher.verify, stored, "right") for _ in range(5))
        before = len(beats)
        try:
            blocking(hasher.verify, stored, "wrong")
        except VerifyMismatchError:
            pass
        else:
            raise AssertionError("the mismatch was not raised in the caller")
        # while the hash ran in its thread, the other greenlet was scheduled
        assert len(beats) > before, beats
        beat.kill()
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
    assert "Traceback" not in done.stderr  # a refused PIN is not logged as a pool error


def test_settle_waits_for_pending_socket_reads_and_is_bounded() -> None:
    """The group writer settles before taking its batch: answers already on the sockets join it."""
    script = textwrap.dedent("""
        from gevent import monkey; monkey.patch_all()
        import socket, tempfile, gevent
        from sqlalchemy import text
        from exam_engine.db import Database
        from exam_engine.delivery.models import Heartbeat
        from exam_engine.delivery import writer as writer_module
        from exam_engine.delivery.writer import GroupWriter
        from exam_engine.offload import settle

        writer_module.GATHER = 5.0  # the bound is tested below; here only "until idle" counts

        db = Database(f"sqlite:///{tempfile.mkdtemp()}/w.db")
        Heartbeat.__table__.create(db.engine)  # the table SQLite's write lock is taken on
        writer = GroupWriter(db)
        pairs = [socket.socketpair() for _ in range(30)]
        acked = []

        def terminal(i, sock):  # like a connection's handler: read an event, store it, ack
            sock.recv(1)
            if i == 0:  # the first answer's handler runs while the other 29 arrive on their sockets
                for a, _ in pairs[1:]:
                    a.send(b"x")
            acked.append(writer.run(lambda s: s.execute(text("select 1")).scalar()))

        readers = [gevent.spawn(terminal, i, b) for i, (_, b) in enumerate(pairs)]
        gevent.sleep(0.01)  # every reader is now blocked on its socket
        pairs[0][0].send(b"x")
        gevent.joinall(readers, timeout=30)
        assert acked == [1] * 30, acked
        # woken by the first job, the writer let the loop read the other 29: one commit, not two
        assert writer.batches == 1, writer.batches

        # a loop that never goes idle does not hold settle for longer than its bound
        spinner = gevent.spawn(lambda: [gevent.sleep(0) for _ in iter(int, 1)])
        gevent.sleep(0)
        with gevent.Timeout(5):
            settle(0.01)
        spinner.kill()
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_settle_outside_gevent_returns_at_once() -> None:
    settle(3600)  # would hang the test if it waited
