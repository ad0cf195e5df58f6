"""offload.blocking: a native thread under gevent (the served node), a plain call elsewhere."""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

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


# offload.in_child: a niced child process under gevent, a plain call elsewhere. The functions it
# runs live in tests/offload_support.py, importable by name from the child.
ROOT = str(Path(__file__).resolve().parents[2])


def test_in_child_is_a_plain_call_outside_gevent() -> None:
    from exam_engine.offload import in_child
    from tests import offload_support as support

    here = support.whoami()
    assert in_child(support.whoami) == here  # same pid, same niceness
    assert in_child(os.getpid) == os.getpid()  # outside gevent any callable will do
    with pytest.raises(support.Refused, match="no"):
        in_child(support.refuse, "no")


def test_in_child_under_gevent_runs_in_a_niced_process_and_the_hub_keeps_running() -> None:
    script = textwrap.dedent("""
        from gevent import monkey; monkey.patch_all()
        import os, gevent
        import numpy as np
        from exam_engine.offload import ChildFailed, in_child
        from tests import offload_support as support

        beats = []
        beat = gevent.spawn(lambda: [beats.append(1) or gevent.sleep(0.001) for _ in iter(int, 1)])
        gevent.sleep(0.01)

        # another process, NICE steps nicer, without gevent or the app; the hub kept beating
        before = len(beats)
        child = in_child(support.whoami, 0.5)
        assert len(beats) - before > 50, len(beats) - before
        mine = os.nice(0)
        assert child["pid"] != os.getpid(), child
        assert child["nice"] == min(19, mine + 10) > mine or mine == 19, (child, mine)
        assert child["loaded"] == [], child
        assert in_child(support.whoami, nice=3)["nice"] == min(19, mine + 3)

        # numpy arrays and keyword arguments travel both ways intact
        a = np.arange(-5, 995, dtype=np.int8).reshape(20, 50)
        twice, dtype = in_child(support.doubled, a, plus=1)
        assert dtype == "int8" and twice.dtype == np.int8 and np.array_equal(twice, a * 2 + 1)

        # the child's exception, type and message, is raised here, with its traceback as a note
        try:
            in_child(support.refuse, "not today")
        except support.Refused as exc:
            assert str(exc) == "not today", exc
            assert any("raised in the child process" in n and "raise Refused(message)" in n
                       for n in exc.__notes__), exc.__notes__
        else:
            raise AssertionError("the child's exception was not raised")

        # a child that dies: a clear error naming the exit code and its stderr, not a hang
        with gevent.Timeout(60):
            try:
                in_child(support.die, 3)
            except ChildFailed as exc:
                assert "exited with code 3" in str(exc) and "about to die" in str(exc), exc
                assert "tests.offload_support.die" in str(exc), exc
            else:
                raise AssertionError("a dead child was not reported")
            try:
                in_child(support.hang, 60, timeout=1)
            except ChildFailed as exc:
                assert "no answer within 1 s" in str(exc), exc
            else:
                raise AssertionError("a hung child was not reported")

        # only functions a fresh interpreter can import by name
        def nested():
            return 1

        for fn in (lambda: 1, nested):
            try:
                in_child(fn)
            except ValueError as exc:
                assert "cannot run in a child process" in str(exc), exc
            else:
                raise AssertionError(f"{fn} was accepted")
        beat.kill()
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_in_child_dies_with_its_parent(tmp_path: Path) -> None:
    """A node killed with SIGKILL (no cleanup runs) leaves no analysis running behind it."""
    pid_file = tmp_path / "child.pid"
    script = textwrap.dedent(f"""
        from gevent import monkey; monkey.patch_all()
        from exam_engine.offload import in_child
        from tests import offload_support as support
        in_child(support.hang_here, {str(pid_file)!r}, 300)
    """)
    with open(tmp_path / "stderr", "wb") as stderr:
        parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stderr=stderr)
    try:
        deadline = time.monotonic() + 60
        while not (pid_file.exists() and pid_file.read_text()):
            assert parent.poll() is None, (tmp_path / "stderr").read_text()
            assert time.monotonic() < deadline, "the child never started"
            time.sleep(0.05)
        child = int(pid_file.read_text())
        os.kill(child, 0)  # running
    finally:
        parent.kill()
        parent.wait(30)
    deadline = time.monotonic() + 10
    while _alive(child):
        assert time.monotonic() < deadline, f"child {child} outlived its SIGKILLed parent"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    """Running (a zombie reaped by init counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_in_child_reports_an_answer_that_is_not_one() -> None:
    from exam_engine.offload import ChildFailed, _outcome

    with pytest.raises(ChildFailed, match=r"answered 7 byte\(s\) that are not a result.*stderr ends with:\nboom"):
        _outcome("the child", 0, b"garbage", b"boom\n")
    with pytest.raises(ChildFailed, match="was killed by signal 9 without an answer; its stderr is empty"):
        _outcome("the child", -9, b"", b"")
    with pytest.raises(ChildFailed, match="not a result"):
        _outcome("the child", 0, pickle.dumps((False, "not an exception")), b"")
    assert _outcome("the child", 0, pickle.dumps((True, [1, 2])), b"") == [1, 2]


def test_group_commit_on_sqlite_commits_in_a_native_thread_under_gevent() -> None:
    """A COMMIT waits for its fsync: the hub must not wait with it."""
    script = textwrap.dedent("""
        from gevent import monkey; monkey.patch_all()
        import sqlite3, tempfile, threading
        from sqlalchemy import event, select
        from exam_engine.db import Database, utcnow
        from exam_engine.delivery.models import Heartbeat
        from exam_engine.delivery.writer import GroupWriter

        path = f"{tempfile.mkdtemp()}/w.db"
        db = Database(f"sqlite:///{path}")
        commits = []

        @event.listens_for(db.engine, "connect")
        def trace(dbapi_conn, _record):  # runs in the thread that executes each statement
            dbapi_conn.set_trace_callback(lambda sql: sql.startswith("COMMIT") and commits.append(
                threading.get_native_id()))

        Heartbeat.__table__.create(db.engine)
        commits.clear()

        writer = GroupWriter(db)
        assert writer.run(lambda s: s.add(Heartbeat(node="n1", at=utcnow())) or "stored") == "stored"
        hub = threading.get_native_id()
        assert commits and all(tid != hub for tid in commits), (commits, hub)
        with sqlite3.connect(path) as other:  # durable: another connection sees it
            assert other.execute("select node from heartbeats").fetchall() == [("n1",)]

        import exam_engine.db
        def full_disk(fn):
            raise sqlite3.OperationalError("database or disk is full")
        exam_engine.db.blocking = full_disk  # the COMMIT fails: nothing acknowledged, nothing kept
        try:
            writer.run(lambda s: s.add(Heartbeat(node="n2", at=utcnow())) or "stored")
        except sqlite3.OperationalError as exc:
            assert "disk is full" in str(exc)
        else:
            raise AssertionError("a failed commit was acknowledged")
        with sqlite3.connect(path) as other:
            assert other.execute("select node from heartbeats").fetchall() == [("n1",)]
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
