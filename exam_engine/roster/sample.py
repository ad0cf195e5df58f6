"""Made-up rosters for the demo, the simulator and tests, shaped like a committee's file."""
from __future__ import annotations

import csv
import random
import secrets
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

HEADER = ["nomor_peserta", "nik", "nama", "formasi", "tanggal_lahir", "sesi", "akomodasi"]
FIRST_NAMES = ["Ayu", "Budi", "Citra", "Dewi", "Eko", "Fajar", "Gita", "Hadi", "Indah", "Joko", "Kartika",
               "Lestari", "Made", "Nur", "Oktavia", "Putu", "Rizky", "Sari", "Taufik", "Wulan"]
LAST_NAMES = ["Pratama", "Saputra", "Wijaya", "Lestari", "Hidayat", "Siregar", "Nasution", "Santoso",
              "Kurniawan", "Halim"]


def indonesian_name(n: int, rng: random.Random) -> str:
    return f"{FIRST_NAMES[(n - 1) % len(FIRST_NAMES)]} {rng.choice(LAST_NAMES)}"


def write_sample_roster(path: Path, count: int, session_code: str, prefix: str,
                        name: Callable[[int, random.Random], str] = indonesian_name,
                        last_is_blind: bool = False) -> Path:
    """`count` candidates numbered <prefix>001...; with last_is_blind the last one sits with
    the `tunanetra` accommodation (extra time)."""
    # NIKs must be unique per exam across runs, so they are not seeded.
    rng = random.Random(secrets.randbits(64))
    niks: set[str] = set()
    while len(niks) < count:
        niks.add(f"3171{rng.randrange(10**11, 10**12)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for n, nik in enumerate(sorted(niks), start=1):
            born = date(1990, 1, 1) + timedelta(days=rng.randrange(0, 4000))
            blind = last_is_blind and n == count > 1
            writer.writerow([f"{prefix}{n:03d}", nik, name(n, rng), "umum", born.isoformat(), session_code,
                             "tunanetra" if blind else ""])
    return path
