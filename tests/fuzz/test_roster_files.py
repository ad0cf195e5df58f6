"""Mutated roster files (CSV, XLSX): every row imported, or the file refused with problems that
name the file, a row and a column; never an unexpected exception, never some rows stored."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError
from sqlalchemy import delete, func, select

from exam_engine.context import EngineContext
from exam_engine.problems import InvalidFile, Problem
from exam_engine.roster.importer import import_roster
from exam_engine.roster.models import Candidate
from exam_engine.scheduling.service import create_exam, create_session
from tests.conftest import write_table

SESSION = "FZ-01"
HEADER = ["candidate_number", "nik", "name", "formation", "date_of_birth", "session", "accommodations"]
ALIASES = ["nomor_peserta", "nama", "formasi", "tanggal_lahir", "sesi", "akomodasi", "dob", "no_peserta", "extra", ""]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20),
    st.dates(), st.datetimes(), st.integers(min_value=10**15, max_value=10**16 - 1),  # a NIK typed as a number
    st.sampled_from(["umum", "UMUM", "Tunanetra", "tunanetra; tunanetra", "1995-04-17", "17-04-1995",
                     "17/04/1995", "31-02-1990", "0001-01-01", "9999-12-31", SESSION, "FZ-99", "C-1", "-x",
                     "3201000000000001", "32010000000000012", "C" * 40, "x" * 300, "9" * 5000, "²", ""]),
)


def person(n: int = 1) -> dict[str, Any]:
    return {"candidate_number": f"C-{n:03d}", "nik": f"3201{n:012d}", "name": f"Siti Rahayu {n}",
            "formation": "umum", "date_of_birth": "1995-04-17", "session": SESSION, "accommodations": ""}


@st.composite
def tables(draw: st.DrawFn) -> list[list[Any]]:
    """A header and one to three rows of a valid roster, then cells, columns or rows damaged."""
    header = list(HEADER)
    rows = [person(n) for n in range(1, draw(st.integers(1, 3)) + 1)]
    for _ in range(draw(st.integers(1, 4))):
        what = draw(st.sampled_from(["cell", "cell", "cell", "drop_column", "rename_column", "extra_cells"]))
        if what == "cell":
            rows[draw(st.integers(0, len(rows) - 1))][draw(st.sampled_from(HEADER))] = draw(scalars)
        elif what == "drop_column":
            header.remove(draw(st.sampled_from(header))) if len(header) > 1 else None
        elif what == "rename_column":
            header[draw(st.integers(0, len(header) - 1))] = draw(st.sampled_from(ALIASES) | st.text(max_size=8))
        else:
            rows[draw(st.integers(0, len(rows) - 1))]["surplus"] = draw(scalars)
    columns = [*header, *(["surplus"] if any("surplus" in r for r in rows) else [])]
    by_alias = dict(zip(["nomor_peserta", "nama", "formasi", "tanggal_lahir", "sesi", "akomodasi"],
                        ["candidate_number", "name", "formation", "date_of_birth", "session", "accommodations"]))
    return [columns] + [[r.get(by_alias.get(c, c)) for c in columns] for r in rows]


def csv_cell(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def xlsx_cell(value: Any) -> Any:
    # Excel's numbers are doubles: a 5,000-digit integer only exists as text.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**18 else value


def count(engine: EngineContext) -> int:
    with engine.db.session() as s:
        return s.scalar(select(func.count()).select_from(Candidate)) or 0


def import_file(engine: EngineContext, path: Path) -> list[Problem] | int:
    """`roster import`: the problems, or how many candidates were stored (then removed again,
    so the next example starts from the same empty roster)."""
    try:
        with engine.db.transaction() as session:
            issued = import_roster(session, engine.vault, engine.pins, path)
    except InvalidFile as refusal:
        return refusal.problems
    with engine.db.transaction() as session:
        session.execute(delete(Candidate))
    return len(issued)


@pytest.fixture(scope="module")
def scheduled(module_engine: EngineContext) -> EngineContext:
    with module_engine.db.transaction() as s:
        create_exam(s, "FZ-EXAM", "skd-cpns")
        create_session(s, "FZ-EXAM", SESSION, "2026-09-01", "08:00", "Aula A", 1000)
    return module_engine


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("rosters")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(suffix=st.sampled_from([".csv", ".xlsx"]), table=tables())
def test_mutated_roster_is_imported_whole_or_clearly_refused(scheduled, folder, suffix, table):
    path = folder / f"roster{suffix}"
    if suffix == ".csv":
        write_table(path, [[csv_cell(v) for v in row] for row in table])
    else:
        try:
            write_table(path, [[xlsx_cell(v) for v in row] for row in table])
        except IllegalCharacterError:  # no spreadsheet holds control characters: nothing to read
            hypothesis.assume(False)
    assert count(scheduled) == 0
    outcome = import_file(scheduled, path)
    if isinstance(outcome, int):
        hypothesis.event("imported")
        assert outcome == len(table) - 1  # every row, never some of them
        return
    hypothesis.event("refused")
    assert outcome and count(scheduled) == 0
    for problem in outcome:
        assert problem.file == str(path) and 1 <= problem.line <= len(table) + 1, problem
        assert isinstance(problem.field, str) and problem.field.strip() and problem.message.strip(), problem


_valid: dict[str, bytes] = {}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(suffix=st.sampled_from([".csv", ".xlsx"]), data=st.data())
def test_damaged_roster_bytes_are_refused_or_imported(scheduled, folder, suffix, data):
    if suffix not in _valid:  # written once: an XLSX holds its write time
        _valid[suffix] = write_table(folder / f"valid{suffix}", [HEADER, list(person(1).values())]).read_bytes()
    raw = _valid[suffix]
    kinds = ["splice", "cut", "garbage"] if suffix == ".xlsx" else ["splice", "cut", "cp1252", "utf-16", "garbage"]
    damage = data.draw(st.sampled_from(kinds))
    if damage == "splice":
        at = data.draw(st.integers(0, len(raw)))
        raw = raw[:at] + data.draw(st.binary(min_size=1, max_size=16)) + raw[at + data.draw(st.integers(0, 8)):]
    elif damage == "cut":
        raw = raw[:data.draw(st.integers(0, len(raw)))]
    elif damage == "garbage":
        raw = data.draw(st.binary(max_size=200))
    else:
        raw = raw.decode("utf-8").replace("Siti", "Sîtî Ñ").encode(damage)
    path = folder / f"damaged{suffix}"
    path.write_bytes(raw)
    outcome = import_file(scheduled, path)
    if not isinstance(outcome, int):
        assert outcome and count(scheduled) == 0
        assert all(p.file == str(path) and p.line >= 1 and p.field.strip() for p in outcome), outcome
