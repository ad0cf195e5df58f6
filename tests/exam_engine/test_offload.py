"""offload.blocking: a native thread under gevent (the served node), a plain call elsewhere."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

import pytest

from exam_engine.offload import blocking


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
