"""The rows every export writes: one candidate's result, the sitting's facts, and their order."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

FIXED = ("number", "name", "formation", "sections", "total", "passed", "rank", "present")
LABELS = {"number": "No. Peserta", "name": "Nama", "formation": "Formasi", "total": "Total",
          "passed": "Lulus", "rank": "Peringkat", "status": "Keterangan"}


@dataclass(frozen=True)
class ResultRow:
    number: str
    name: str
    formation: str
    sections: dict[str, float]
    total: float | None
    passed: bool
    rank: int | None = None
    present: bool = True

    @property
    def status(self) -> str:
        return "TIDAK HADIR" if not self.present else "LULUS" if self.passed else "TIDAK LULUS"


@dataclass(frozen=True)
class SessionInfo:
    """What the berita acara states about the sitting; plain text, already formatted."""

    exam: str = ""
    session: str = ""
    room: str = ""
    date: str = ""
    start: str = ""
    proctors: tuple[str, ...] = ()
    chair: str = ""  # the committee chair who signs the report and the certificates
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SessionInfo:
        """Known keys fill the fields; any other key is printed as one more fact."""
        known = {f.name for f in fields(cls)} - {"extra", "proctors"}
        return cls(**{k: str(v) for k, v in data.items() if k in known},
                   proctors=tuple(str(p) for p in data.get("proctors") or ()),
                   extra={k: str(v) for k, v in data.items() if k not in known | {"proctors"}})


def _number(value: Any) -> float | int | None:
    if value is None or value == "":
        return None
    number = float(value)
    return int(number) if number.is_integer() else number  # 85, not 85.0, in every format


def _flag(value: Any, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "ya", "yes", "y", "lulus", "l"}
    return bool(value)


def result_rows(records: Iterable[dict[str, Any]]) -> list[ResultRow]:
    """Rows from dicts: sections nested under "sections" or as extra flat columns (CSV)."""
    rows = []
    for record in records:
        sections = record.get("sections") or {k: v for k, v in record.items() if k not in FIXED}
        rank = _number(record.get("rank"))
        rows.append(ResultRow(
            number=str(record["number"]), name=str(record.get("name", "")),
            formation=str(record.get("formation", "")),
            sections={code: n for code, v in sections.items() if (n := _number(v)) is not None},
            total=_number(record.get("total")), passed=_flag(record.get("passed"), False),
            rank=int(rank) if rank is not None else None, present=_flag(record.get("present"), True)))
    return rows


def section_codes(rows: Sequence[ResultRow]) -> list[str]:
    return list(dict.fromkeys(code for row in rows for code in row.sections))


def ordered(rows: Sequence[ResultRow]) -> list[ResultRow]:
    """By formation, then rank (unranked last), then candidate number."""
    return sorted(rows, key=lambda r: (r.formation, r.rank is None, r.rank or 0, r.number))
