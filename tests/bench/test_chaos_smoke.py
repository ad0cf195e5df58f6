"""bench/chaos_bench.py at toy size (10 candidates, every fault, SQLite): under a SIGKILL, a
cut network, a rolling restart of two nodes and a full disk, every acknowledged answer is
stored and every clock is right. The table is parsed, not the timings."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
FAULTS = ("sigkill", "network_cut", "rolling_restart", "disk_full")


def test_every_fault_is_survived_with_nothing_lost(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "chaos_bench.py", "--candidates", "10", "--speed", "20", "--after", "2", "--down", "2"],
        check=False, cwd=BENCH, capture_output=True, text=True, timeout=600,
        env={"TMPDIR": str(tmp_path), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
    out = done.stdout
    assert done.returncode == 0, out + done.stderr[-3000:]
    assert out.startswith("machine: ")
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.split()[:1] and line.split()[0] in FAULTS}
    assert set(rows) == set(FAULTS), out
    for fault, (_, cands, acked, stored, lost, refused, reconnects, unavailable, clock, result) in rows.items():
        assert int(acked) == int(stored) > 10 * 15, (fault, out)  # every item of every candidate, at least
        assert (lost, refused, clock, result) == ("0", "0", "ok", "survived"), (fault, out)
    assert int(rows["disk_full"][7]) > 0, "the full disk was never noticed: the fault did not happen"
    assert all(int(rows[f][6]) >= 10 for f in ("sigkill", "network_cut", "rolling_restart")), out
    assert "faults survived: 4/4" in out
