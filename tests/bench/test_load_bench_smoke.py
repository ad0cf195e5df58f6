"""bench/load_bench.py at toy size (20 candidates, SQLite, seconds): it runs end to end, the
echo ceiling is measured beside the node, and every acknowledged answer is found stored.
Figures are not asserted: speed belongs in bench/, not in tests."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_the_load_bench_runs_small_and_loses_nothing(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "load_bench.py", "--candidates", "20", "--db", "sqlite", "--duration", "2",
         "--senders", "20", "--closed-seconds", "1", "--closed-runs", "1", "--idle-seconds", "0.5", "--key-timeout", "20"],
        check=False, cwd=BENCH, capture_output=True, text=True, timeout=120,
        env={"TMPDIR": str(tmp_path), "PATH": "/usr/bin:/bin"})
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert out.startswith("machine: ")
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.split()[:2] in (["echo", "20"],
                                                                                             ["sqlite", "20"])}
    assert set(rows) == {"echo", "sqlite"}, out
    head = next(line for line in out.splitlines() if "closed acks/s" in line)
    columns = re.split(r"\s{2,}", head.strip())  # the table's columns are two or more spaces apart
    sqlite = dict(zip(columns, rows["sqlite"]))
    assert sqlite["conn"] == "20"
    assert int(sqlite["acked"]) == int(sqlite["stored"]) > 20
    assert sqlite["lost"] == "0"
    assert "lost: 0" in out.splitlines()


def test_holds_are_logged_by_the_node_and_reported_beside_the_acks(tmp_path: Path) -> None:
    """--holds 1: a 1 ms threshold, so that a toy run too has holds to report."""
    done = subprocess.run(
        [sys.executable, "load_bench.py", "--candidates", "20", "--db", "sqlite", "--duration", "2", "--no-echo",
         "--senders", "20", "--closed-seconds", "1", "--closed-runs", "1", "--idle-seconds", "0.5", "--key-timeout", "20",
         "--holds", "1"],
        check=False, cwd=BENCH, capture_output=True, text=True, timeout=120,
        env={"TMPDIR": str(tmp_path), "PATH": "/usr/bin:/bin"})
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    (summary,) = [line for line in out.splitlines() if line.startswith("holds sqlite N=20: ")]
    logged = int(re.search(r"holds over 1 ms: (\d+),", summary).group(1))  # type: ignore[union-attr]
    assert logged > 0, out
    assert re.search(r"^\s+\d+ ms in\s+\d+ holds \(max \d+\): \S+ at ", out, re.M), out
