"""The rows every export writes: one candidate's result, the sitting's facts, and their order.

Sections apart. A section that adds nothing into the total (a Likert inventory, a Kraepelin
work curve: `in_total: false` in the stored result) is not a score column: its results travel
in `ResultRow.apart`, code -> {"valid", "traits": {trait: {raw, t, stanine}}, "metrics":
{name: value}, "columns": {"correct"|"errors"|"skipped": [per column]}}, every key present
(empty where the section has none) so that a row read back from the CSV equals the written one.

Who advances. `ResultRow.advances` is whether the candidate goes on to the next stage (N x
vacancies, results/service.py): True/False, or None where unknown (absent, or the formation has
no vacancy count). The column "Lolos ke tahap berikut" is written only when some row knows it,
so exports of an exam without an advance step look as they always did.
`apart_of` takes them from a stored attempt result; flat keys ("KEPRIBADIAN.ketelitian.t",
"KRAEPELIN.speed", "KRAEPELIN.correct.3", "KRAEPELIN.valid") are the CSV's spelling."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

FIXED = ("number", "name", "formation", "sections", "total", "passed", "rank", "present", "apart", "advances")
#: Committee labels of what a section apart reports; names not listed print as they are.
MEASURE_LABELS = {"raw": "mentah", "t": "T", "stanine": "stanine"}
METRIC_LABELS = {"correct": "Benar", "errors": "Salah", "skipped": "Terlewat", "speed": "Kecepatan",
                 "accuracy": "Salah + terlewat", "range": "Rentang", "mean_deviation": "Simpangan rata-rata",
                 "endurance": "Ketahanan"}
LABELS = {"number": "No. Peserta", "name": "Nama", "formation": "Formasi", "total": "Total",
          "passed": "Lulus", "rank": "Peringkat", "status": "Keterangan", "advances": "Lolos ke tahap berikut"}
#: How a workbook spells `advances`: yes, no, unknown.
ADVANCES_TEXT = {True: "Ya", False: "Tidak", None: "—"}


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
    apart: dict[str, dict[str, Any]] = field(default_factory=dict)  # sections outside the total
    advances: bool | None = None  # to the next stage (N x vacancies); None: unknown

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


def _maybe_flag(value: Any) -> bool | None:
    """A yes/no cell that may be empty: empty is unknown, not no."""
    return None if value is None or value == "" else _flag(value, False)


def _apart_entry(found: dict[str, Any]) -> dict[str, Any]:
    """One section apart in the one shape every export reads (numbers as `_number` spells them)."""
    columns = found.get("columns") or {}
    return {"valid": _flag(found.get("valid"), True),
            "traits": {trait: {m: _number(v) for m, v in measures.items()}
                       for trait, measures in (found.get("traits") or {}).items()},
            "metrics": {name: _number(v) for name, v in (found.get("metrics") or {}).items()},
            "columns": {kind: [_number(v) for v in values] for kind, values in columns.items()}}


def apart_of(result: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The sections apart of a stored attempt result (its entries with `in_total: false`)."""
    return {entry["code"]: _apart_entry(entry) for entry in (result or {}).get("sections", [])
            if entry.get("in_total") is False}


def flat_apart(apart: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Flat CSV keys of the sections apart; `_unflatten` reads them back."""
    flat: dict[str, Any] = {}
    for code, entry in apart.items():
        flat[f"{code}.valid"] = entry["valid"]
        for trait, measures in entry["traits"].items():
            flat.update({f"{code}.{trait}.{m}": v for m, v in measures.items()})
        flat.update({f"{code}.{name}": v for name, v in entry["metrics"].items()})
        for kind, values in entry["columns"].items():
            flat.update({f"{code}.{kind}.{i}": v for i, v in enumerate(values, start=1)})  # columns count from 1
    return flat


def _unflatten(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Sections apart from flat keys: CODE.valid, CODE.metric, CODE.trait.measure, CODE.kind.column.
    A section whose cells are all empty (an absent candidate) is left out."""
    grouped: dict[str, dict[str, Any]] = {}
    for key, value in record.items():
        if key is None or "." not in key:
            continue
        code, _, rest = key.partition(".")
        grouped.setdefault(code, {})[rest] = value
    apart = {}
    for code, cells in grouped.items():
        if all(v is None or v == "" for v in cells.values()):
            continue
        entry: dict[str, Any] = {"valid": cells.get("valid"), "traits": {}, "metrics": {}, "columns": {}}
        for rest, value in cells.items():
            group, _, last = rest.rpartition(".")
            if not group:
                if rest != "valid":
                    entry["metrics"][rest] = value
            elif last.isdigit():
                if value not in (None, ""):  # a shorter sheet than another row's
                    entry["columns"].setdefault(group, []).append((int(last), value))
            else:
                entry["traits"].setdefault(group, {})[last] = value
        entry["columns"] = {kind: [v for _, v in sorted(found)] for kind, found in entry["columns"].items()}
        apart[code] = _apart_entry(entry)
    return apart


def result_rows(records: Iterable[dict[str, Any]]) -> list[ResultRow]:
    """Rows from dicts: sections nested under "sections" or as extra flat columns (CSV); sections
    apart nested under "apart" (stored-result shape) or as flat dotted columns (CSV)."""
    rows = []
    for record in records:
        sections = record.get("sections") or {k: v for k, v in record.items()
                                              if k not in FIXED and k is not None and "." not in k}
        apart = ({code: _apart_entry(e) for code, e in record["apart"].items()} if record.get("apart")
                 else _unflatten(record))
        rank = _number(record.get("rank"))
        rows.append(ResultRow(
            number=str(record["number"]), name=str(record.get("name", "")),
            formation=str(record.get("formation", "")),
            sections={code: n for code, v in sections.items() if (n := _number(v)) is not None},
            total=_number(record.get("total")), passed=_flag(record.get("passed"), False),
            rank=int(rank) if rank is not None else None, present=_flag(record.get("present"), True),
            apart=apart, advances=_maybe_flag(record.get("advances"))))
    return rows


def apart_codes(rows: Sequence[ResultRow]) -> list[str]:
    """Codes of the sections apart, in first-seen order."""
    return list(dict.fromkeys(code for row in rows for code in row.apart))


def apart_columns(rows: Sequence[ResultRow], code: str) -> list[tuple[str, Callable[[dict[str, Any]], Any]]]:
    """(label, value of an entry) of one section apart's table: every trait's measures, the
    metrics, the correct count of every column (as many as the longest sheet), then validity."""
    entries = [row.apart[code] for row in rows if code in row.apart]
    traits = dict.fromkeys((t, m) for e in entries for t, measures in e["traits"].items() for m in measures)
    metrics = dict.fromkeys(name for e in entries for name in e["metrics"])
    width = max((len(e["columns"].get("correct", ())) for e in entries), default=0)
    return [*((f"{t} ({MEASURE_LABELS.get(m, m)})", lambda e, t=t, m=m: e["traits"].get(t, {}).get(m))
              for t, m in traits),
            *((METRIC_LABELS.get(name, name), lambda e, n=name: e["metrics"].get(n)) for name in metrics),
            *((f"Kolom {i + 1} benar", lambda e, i=i: next(iter(e["columns"].get("correct", [])[i:i + 1]), None))
              for i in range(width)),
            ("Valid", lambda e: e["valid"])]


def section_codes(rows: Sequence[ResultRow]) -> list[str]:
    """Score columns: the sections that add into the total. A section apart is left out even if
    its summary also sits in `sections` (its sum of raw scores is no score of the exam)."""
    apart = set(apart_codes(rows))
    return [code for code in dict.fromkeys(c for row in rows for c in row.sections) if code not in apart]


def shows_advances(rows: Sequence[ResultRow]) -> bool:
    """Whether the exports carry the advances column: only once some row knows it."""
    return any(row.advances is not None for row in rows)


def ordered(rows: Sequence[ResultRow]) -> list[ResultRow]:
    """By formation, then rank (unranked last), then candidate number."""
    return sorted(rows, key=lambda r: (r.formation, r.rank is None, r.rank or 0, r.number))
