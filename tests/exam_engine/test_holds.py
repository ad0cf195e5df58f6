"""holds: a greenlet that keeps the hub is named, with its time and our frames where it yielded."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from exam_engine import holds

ROOT = str(Path(__file__).resolve().parents[2])


def test_a_long_hold_is_logged_with_its_greenlet_and_frames_and_short_ones_are_not() -> None:
    script = textwrap.dedent("""
        from gevent import monkey; monkey.patch_all()
        import time, gevent
        from exam_engine import holds

        def spin(seconds):
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:
                pass
            gevent.sleep(0)

        def busy_slice():
            spin(0.08)

        def short_slices():
            for _ in range(20):
                spin(0.002)

        holds.install(30)
        gevent.joinall([gevent.spawn(busy_slice), gevent.spawn(short_slices)])
        gevent.sleep(0.05)  # the hub waiting is not a hold
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    found = [h for h in map(holds.parse, done.stderr.splitlines()) if h is not None]
    assert len(found) == 1, done.stderr
    until, held, name, where = found[0]
    assert 80 <= held < 1000 and until > 1.7e9
    # innermost first; the script is not our package's code, so its innermost frames are shown
    assert name == "busy_slice" and ":spin < <string>:" in where and where.endswith(":busy_slice"), found


def test_parse_reads_a_hold_line_and_ignores_others() -> None:
    line = "hub held 12.5 ms until 1796378843.230 by flush at live.py:145:pause < live.py:186:_round\n"
    assert holds.parse(line) == (1796378843.23, 12.5, "flush", "live.py:145:pause < live.py:186:_round")
    assert holds.parse("[2026-12-04 10:00:00] WARNING something else") is None
    assert holds.parse("hub held nonsense") is None
