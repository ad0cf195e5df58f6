"""Vacancies (formasi): how many posts each formation of an exam has.

"N x vacancies advance" (ranking.py) multiplies these by the profile's
`ranking.advance_multiple`. A count is a whole number of at least 1 for a formation the exam's
profile names; a formation without a count has none (never "everyone advances")."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_engine.problems import InvalidFile, Problems
from exam_engine.scheduling.models import Exam, Vacancy
from exam_engine.scheduling.service import SchedulingError, profile_of
from exam_engine.tabular import cell_text, read_rows

#: Accepted CSV/XLSX headers, English or Indonesian, like the roster's.
COLUMNS = {"formation": ("formation", "formasi"), "vacancies": ("vacancies", "kebutuhan", "jumlah")}


def _formation(exam: Exam, value: Any) -> str:
    """The formation as the roster stores it (lower case), if the exam's profile has it."""
    name = (cell_text(value) or "").lower()
    formations = profile_of(exam).formations
    if name not in formations:
        raise SchedulingError(f"formation {name!r}: not a formation of exam {exam.code} ({', '.join(formations)})")
    return name


def _count(value: Any) -> int:
    text = cell_text(value)
    try:
        number = float(text) if text is not None else None
    except ValueError:
        number = None
    if number is None or not number.is_integer():
        raise SchedulingError(f"vacancies {text!r}: must be a whole number of posts")
    if number < 1:
        raise SchedulingError(f"vacancies {int(number)}: must be at least 1 (a formation without posts has no row)")
    return int(number)


def set_vacancies(session: Session, exam: Exam, formation: str, count: Any) -> Vacancy:
    """Set (or change) one formation's count."""
    name, number = _formation(exam, formation), _count(count)
    found = session.scalar(select(Vacancy).where(Vacancy.exam_id == exam.id, Vacancy.formation == name))
    if found is None:
        found = Vacancy(exam_id=exam.id, formation=name, count=number)
        session.add(found)
    found.count = number
    session.flush()
    return found


def import_vacancies(session: Session, exam: Exam, path: Path) -> dict[str, int]:
    """Counts from a CSV/XLSX `formation,vacancies`: every row or none; formations not in the
    file keep their counts. Returns what the file set."""
    problems = Problems(str(path))
    rows = read_rows(path, problems)
    wanted: dict[str, int] = {}
    first_seen: dict[str, int] = {}
    for line, cells in rows:
        values = {}
        for key, names in COLUMNS.items():
            header = next((n for n in names if n in cells), None)
            if header is None:
                problems.add(1, key, f"missing column (one of: {', '.join(names)})")
                raise InvalidFile(problems.items)
            values[key] = cells[header]
        try:
            name = _formation(exam, values["formation"])
        except SchedulingError as exc:
            problems.add(line, "formation", str(exc))
            name = None
        try:
            number = _count(values["vacancies"])
        except SchedulingError as exc:
            problems.add(line, "vacancies", str(exc))
            number = None
        if name is not None and name in first_seen:
            problems.add(line, "formation", f"{name!r} appears twice (first on line {first_seen[name]})")
        elif name is not None and number is not None:
            wanted[name], first_seen[name] = number, line
    if problems:
        raise InvalidFile(problems.items)
    for name, number in wanted.items():
        set_vacancies(session, exam, name, number)
    return wanted


def vacancies_of(session: Session, exam: Exam) -> dict[str, int]:
    """Formation -> posts, for the formations that have a count."""
    return dict(session.execute(select(Vacancy.formation, Vacancy.count).where(Vacancy.exam_id == exam.id)).all())
