"""Who advances from the database: N x vacancies (N from the profile, vacancies from the
`vacancies` table) with ties at the cut-off, exam-wide; a formation without a count is named.
The result rows carry it into the exports, and the freeze digest changes only once it is known."""
from __future__ import annotations

import csv
import dataclasses
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from exam_engine.results import service
from exam_engine.results.exports import ResultRow, SessionInfo, export, result_rows, write_xlsx
from exam_engine.scheduling.service import get_exam, get_session
from exam_engine.scheduling.vacancies import set_vacancies
from tests.exam_engine.results.test_results_service import sit

# skd-demo (advance_multiple 3; floors TWK 10, TIU 10, TKP 17; chain TKP, TIU, TWK).
# number -> (TWK correct, TIU correct, TKP weight per item, formation); 5 marks a correct answer.
ROSTER: dict[str, tuple[int, int, list[int], str]] = {
    "P001": (5, 5, [5] * 5, "umum"),              # 25 + 25 + 25 = 75: rank 1
    "P002": (4, 5, [5] * 5, "umum"),              # 20 + 25 + 25 = 70, TIU 25: rank 2
    "P003": (5, 4, [5] * 5, "umum"),              # 25 + 20 + 25 = 70, TIU 20: rank 3
    "P004": (4, 4, [5] * 5, "umum"),              # 65: rank 4
    "P005": (3, 4, [5] * 5, "umum"),              # 60: rank 5
    "P006": (3, 3, [5] * 5, "umum"),              # 55: rank 6
    "P007": (3, 3, [5] * 5, "umum"),              # 55, equal to P006 on the whole chain: rank 6 too
    "P008": (3, 3, [5, 5, 5, 5, 4], "umum"),      # 15 + 15 + 24 = 54: rank 8, past the cut-off
    "P009": (1, 5, [5] * 5, "umum"),              # 5 + 25 + 25 = 55 but TWK 5 < 10: fails, not ranked
    "P010": (3, 3, [4] * 5, "cumlaude"),          # 50: rank 1 of cumlaude
}                                                  # P011 stays away


@pytest.fixture
def roster(engine: Any) -> Any:
    sit(engine, ROSTER, size=11)
    return engine


def standings(engine: Any) -> tuple[service.Standings, str | None]:
    with engine.db.session() as s:
        exam = get_exam(s, "EXAM")
        found = service.exam_standings(s, engine.vault, exam)
        return found, found.problem(exam)


def test_two_vacancies_times_three_with_a_tie_at_the_sixth_place_let_seven_advance(roster: Any) -> None:
    with roster.db.transaction() as s:
        exam = get_exam(s, "EXAM")
        set_vacancies(s, exam, "umum", 2)
        set_vacancies(s, exam, "cumlaude", 1)
    found, problem = standings(roster)
    assert problem is None and found.quota("umum") == 6 and found.quota("cumlaude") == 3
    assert found.rank == {"P001": 1, "P002": 2, "P003": 3, "P004": 4, "P005": 5, "P006": 6, "P007": 6, "P008": 8,
                          "P010": 1}
    assert [n for n, a in sorted(found.advances.items()) if a] == \
        ["P001", "P002", "P003", "P004", "P005", "P006", "P007", "P010"]     # 7 of umum for 6 places
    assert found.advances["P008"] is False and found.advances["P009"] is False  # past the cut-off; failed
    assert "P011" not in found.advances                                         # absent


def test_one_vacancy_lets_three_advance(roster: Any) -> None:
    with roster.db.transaction() as s:
        exam = get_exam(s, "EXAM")
        set_vacancies(s, exam, "umum", 1)
        set_vacancies(s, exam, "cumlaude", 1)
    found, _ = standings(roster)
    assert [n for n, a in sorted(found.advances.items()) if a] == ["P001", "P002", "P003", "P010"]


def test_a_formation_without_a_vacancy_count_is_named_not_everyone_advancing(roster: Any) -> None:
    with roster.db.transaction() as s:
        set_vacancies(s, get_exam(s, "EXAM"), "umum", 2)
    found, problem = standings(roster)
    assert found.unset == ("cumlaude",) and found.quota("cumlaude") is None
    assert found.advances["P010"] is None                     # unknown, not True
    assert found.advances["P007"] is True                     # umum has its count
    assert problem == ("exam EXAM: no vacancy count for formation(s) cumlaude, so who advances is unknown there; "
                       "set them with `exam-engine exam vacancies --exam EXAM --formation F --count N` "
                       "(or --file formasi.csv)")
    with roster.db.session() as s, pytest.raises(service.ResultsError, match="no vacancy count for formation.*cumlaude"):
        service.exam_advancing(s, roster.vault, get_exam(s, "EXAM"))


def test_no_counts_at_all_names_every_ranked_formation(roster: Any) -> None:
    found, problem = standings(roster)
    assert found.unset == ("cumlaude", "umum")
    assert found.advances["P009"] is False                        # failed: never advances, count or not
    assert {a for n, a in found.advances.items() if n != "P009"} == {None}
    assert problem is not None and "cumlaude, umum" in problem


# --- in the rows and the exports ----------------------------------------------------------

def session_rows(engine: Any) -> dict[str, ResultRow]:
    with engine.db.session() as s:
        return {r.number: r for r in service.session_rows(s, engine.vault, get_session(s, "S1"))}


def test_the_exports_say_who_advances_where_the_formation_has_a_count(roster: Any, tmp_path: Path) -> None:
    with roster.db.transaction() as s:  # umum: 3 x 1 places; cumlaude: no count, so unknown
        set_vacancies(s, get_exam(s, "EXAM"), "umum", 1)
    rows = session_rows(roster)
    assert {n: r.advances for n, r in rows.items()} == {
        "P001": True, "P002": True, "P003": True, "P004": False, "P005": False, "P006": False, "P007": False,
        "P008": False, "P009": False,   # failed: never advances
        "P010": None,                   # cumlaude has no vacancy count
        "P011": None}                   # absent

    folder = tmp_path / "export"
    export(list(rows.values()), SessionInfo(exam="SKD", session="S1"), folder, ["xlsx", "csv"])
    book = openpyxl.load_workbook(folder / "hasil.xlsx")
    assert [c.value for c in book["umum"][1]] == ["No. Peserta", "Nama", "Formasi", "TWK", "TIU", "TKP", "Total",
                                                  "Lulus", "Peringkat", "Lolos ke tahap berikut", "Keterangan"]
    found = {sheet: {r[0]: (r[8], r[9]) for r in book[sheet].iter_rows(min_row=2, values_only=True)}
             for sheet in ("umum", "cumlaude")}
    assert found["umum"] == {
        "P001": (1, "Ya"), "P002": (2, "Ya"), "P003": (3, "Ya"), "P004": (4, "Tidak"), "P005": (5, "Tidak"),
        "P006": (6, "Tidak"), "P007": (6, "Tidak"), "P008": (8, "Tidak"), "P009": (None, "Tidak"),
        "P011": (None, "—")}
    assert found["cumlaude"] == {"P010": (1, "—")}

    with (folder / "hasil.csv").open(encoding="utf-8", newline="") as fh:
        lines = list(csv.DictReader(fh))
    assert {line["number"]: line["advances"] for line in lines} == {
        **{n: "true" for n in ("P001", "P002", "P003")},
        **{n: "false" for n in ("P004", "P005", "P006", "P007", "P008", "P009")}, "P010": "", "P011": ""}
    assert {r.number: r for r in result_rows(lines)} == rows  # and reads back, unknown as unknown


def test_without_vacancy_counts_the_exports_and_the_digest_are_as_before(roster: Any, tmp_path: Path) -> None:
    rows = session_rows(roster)
    assert {r.advances for r in rows.values()} == {None}
    book = openpyxl.load_workbook(write_xlsx(list(rows.values()), tmp_path / "hasil.xlsx"))
    assert "Lolos ke tahap berikut" not in [c.value for c in book["umum"][1]]
    with roster.db.transaction() as s:
        set_vacancies(s, get_exam(s, "EXAM"), "umum", 1)
    counted = session_rows(roster)
    # the digest follows who advances once it is known, and only then
    assert service.rows_digest(list(counted.values())) != service.rows_digest(list(rows.values()))
    assert service.rows_digest([dataclasses.replace(r, advances=None) for r in counted.values()]) == \
        service.rows_digest(list(rows.values()))


def test_the_digest_of_rows_without_a_section_apart_or_a_verdict_is_the_one_frozen_before_them() -> None:
    # rows_digest of these rows as computed before ResultRow had `apart` and `advances` (0eeef17^):
    # a freeze of such a session made then still matches
    rows = [ResultRow("P002", "Budi", "umum", {"TWK": 20.0, "TIU": 25.0}, 45.0, True, 1, True),
            ResultRow("P001", "Ani", "umum", {}, None, False, None, False),
            ResultRow("P003", "Citra", "umum", {"TWK": 10.0, "TIU": 12.5}, 22.5, False, None, True)]
    assert service.rows_digest(rows) == "0d90ab9d623db2fe8d1f8933a9e8227419d66fac56ff88709054feea481acd99"
    assert service.rows_digest([dataclasses.replace(rows[0], advances=False), *rows[1:]]) != service.rows_digest(rows)
    apart = {"KEPRIBADIAN": {"valid": True, "traits": {}, "metrics": {}, "columns": {}}}
    assert service.rows_digest([dataclasses.replace(rows[0], apart=apart), *rows[1:]]) != service.rows_digest(rows)
