"""bench/answer_path_bench.py at toy size: it runs end to end on SQLite, prints a row per batch
size beside its baseline, and every answer it sent is stored. Figures are not asserted."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_the_answer_path_bench_runs_small_and_stores_every_answer(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "answer_path_bench.py", "--candidates", "12", "--batches", "1,8", "--seconds", "0.2",
         "--runs", "1"], check=False, cwd=BENCH, capture_output=True, text=True, timeout=300,
        env={"TMPDIR": str(tmp_path), "PATH": "/usr/bin:/bin"})
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert out.startswith("machine: ")
    rows = [line.split() for line in out.splitlines() if line.split()[:1] == ["sqlite"]]
    assert [r[1] for r in rows[:2]] == ["1", "8"], out
    assert all(float(r[6]) > 0 and float(r[7]) > 0 for r in rows[:2])  # ratios against the baseline
    stored, sent = rows[2][2], rows[2][4]
    assert rows[2][1] == "stored" and stored == sent and int(sent.replace(",", "")) > 0, out
