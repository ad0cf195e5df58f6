"""Bank files as CSV and XLSX: one item per row, problems carry the spreadsheet row (header = 1)."""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from question_bank.models import Item
from tests.conftest import item, weighted_item, write_table

LETTERS = "ABCDEF"
COLUMNS = (["bank", "id", "type", "section", "topic", "difficulty", "stem", "image"]
           + [f"option_{x}" for x in LETTERS.lower()] + ["answer"]
           + [f"weight_{x}" for x in LETTERS.lower()] + ["trait", "reverse"])
SCALE = {"A": "Sangat tidak setuju", "B": "Tidak setuju", "C": "Netral", "D": "Setuju", "E": "Sangat setuju"}
NOT_IMPORTED = "problem(s); nothing was imported."


def likert_item(item_id: str = "K-001", **fields: Any) -> dict[str, Any]:
    base = item(item_id, type="likert", section="KEPRIBADIAN", topic="ketelitian", answer=None,
                stem="Saya memeriksa ulang pekerjaan saya.", options=SCALE, trait="ketelitian", reverse=True)
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def row(record: dict[str, Any]) -> dict[str, Any]:
    """A conftest item record flattened into spreadsheet columns (option_a, weight_a, ...)."""
    flat = {k: v for k, v in record.items() if k not in {"options", "weights"}}
    for letter, text in record.get("options", {}).items():
        flat[f"option_{letter.lower()}"] = text
    for letter, weight in record.get("weights", {}).items():
        flat[f"weight_{letter.lower()}"] = weight
    return flat


def three_types() -> list[dict[str, Any]]:
    return [row(item("T-001")), row(weighted_item("W-001")), row(likert_item("K-001"))]


@pytest.fixture
def sheet(tmp_path: Path):  # type: ignore[no-untyped-def]
    """sheet(rows, name=...) -> a CSV or XLSX bank file (by the name's suffix), all columns."""

    def write(rows: list[dict[str, Any]], name: str = "bank.csv") -> Path:
        return write_table(tmp_path / name, [COLUMNS] + [[r.get(c) for c in COLUMNS] for r in rows])

    return write


@pytest.fixture(params=["bank.csv", "bank.xlsx"])
def name(request: pytest.FixtureRequest) -> str:
    return request.param


def rejected(cli, path: Path) -> list[str]:  # type: ignore[no-untyped-def]
    """`bank validate` refusing the file; returns the problem lines."""
    result = cli("bank", "validate", path)
    assert result.exit_code == 1, result.output
    *problems, summary = result.stderr.splitlines()
    assert summary == f"{len(problems)} {NOT_IMPORTED}"
    return problems


def stored_keys(engine) -> dict[str, tuple[str, dict[str, Any]]]:  # type: ignore[no-untyped-def]
    """item id -> (bank, decrypted scoring key) of the active items."""
    with engine.db.session() as session:
        return {i.item_id: (i.bank, engine.vault.decrypt_json(i.payload, i.context)["key"])
                for i in session.scalars(select(Item).where(Item.active))}


# --- valid files --------------------------------------------------------------------------

def test_valid_file_validates(cli, sheet, name):
    result = cli("bank", "validate", sheet(three_types(), name=name))
    assert result.exit_code == 0, result.output
    assert result.stdout == "OK: 3 items in 1 file(s)\n"


def test_valid_file_imports_with_its_scoring_keys(engine, cli, sheet, name):
    result = cli("bank", "import", sheet(three_types(), name=name))
    assert result.exit_code == 0, result.output
    assert result.stdout == "imported bank: 3 new, 0 revised, 0 unchanged, 0 retired\n"
    assert stored_keys(engine) == {
        "T-001": ("bank", {"answer": "C"}),
        "W-001": ("bank", {"weights": {"A": 1, "B": 2, "C": 3, "D": 4, "E": 5}}),
        "K-001": ("bank", {"trait": "ketelitian", "reverse": True}),
    }


def test_bank_column_names_the_bank(engine, cli, sheet, name):
    rows = [{**r, "bank": "skd-tabular"} for r in three_types()]
    assert cli("bank", "import", sheet(rows, name=name)).exit_code == 0
    assert {bank for bank, _ in stored_keys(engine).values()} == {"skd-tabular"}


def test_xlsx_numbers_and_booleans_are_read(cli, sheet):
    rows = [row(weighted_item("W-001", difficulty=2.0, weights={"A": 5.0, "B": 4, "C": 3, "D": 2, "E": 1})),
            row(likert_item("K-001", reverse=False))]
    result = cli("bank", "validate", sheet(rows, name="bank.xlsx"))
    assert result.exit_code == 0, result.output


# --- problems carry the spreadsheet row ----------------------------------------------------

def test_answer_naming_a_missing_option(cli, sheet, name):
    path = sheet([row(item("T-001")), row(item("T-002", answer="F"))], name=name)
    assert rejected(cli, path) == [f"{path}:3: answer: option 'F' does not exist (options: A, B, C, D, E)"]


def test_weight_out_of_range(cli, sheet, name):
    bad = weighted_item("W-002", weights={"A": 1, "B": 2, "C": 3, "D": 4, "E": 6})
    path = sheet([row(weighted_item("W-001")), row(bad)], name=name)
    assert rejected(cli, path) == [f"{path}:3: weights.E: weight 6 is out of range 1..5"]


def test_missing_stem(cli, sheet, name):
    path = sheet([row(item("T-001")), row(item("T-002", stem=None))], name=name)
    assert rejected(cli, path) == [f"{path}:3: stem: missing: the item needs a question text"]


def test_duplicate_id_names_the_first_row(cli, sheet, name):
    path = sheet([row(item("T-001")), row(item("T-002")), row(item("T-001", stem="Soal lain?"))], name=name)
    assert rejected(cli, path) == [f"{path}:4: id: duplicate id 'T-001' (first defined at line 2)"]


def test_weight_for_an_empty_option(cli, sheet, name):
    path = sheet([row(item("T-001")), {**row(weighted_item("W-001")), "weight_f": 3}], name=name)
    assert rejected(cli, path) == [f"{path}:3: weights.F: option 'F' does not exist (options: A, B, C, D, E)"]


def test_csv_row_with_a_multiline_stem_counts_as_one_row(cli, sheet):
    path = sheet([row(item("T-001", stem="Baris satu\nbaris dua?")), row(item("T-002", answer="F"))])
    assert rejected(cli, path) == [f"{path}:3: answer: option 'F' does not exist (options: A, B, C, D, E)"]


def test_blank_rows_still_count(cli, sheet, name):
    path = sheet([row(item("T-001")), {}, row(item("T-002", answer="F"))], name=name)
    assert rejected(cli, path) == [f"{path}:4: answer: option 'F' does not exist (options: A, B, C, D, E)"]


def test_bad_file_imports_nothing(engine, cli, sheet, name):
    path = sheet([row(item("T-001")), row(item("T-002", answer="F"))], name=name)
    result = cli("bank", "import", path)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == f"1 {NOT_IMPORTED}"
    with engine.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Item)) == 0


# --- unreadable files ---------------------------------------------------------------------

def test_xlsx_that_is_not_a_zip(cli, tmp_path):
    path = tmp_path / "bank.xlsx"
    path.write_bytes(b"id,type,stem\nT-001,single_choice,Soal?\n" * 4)
    assert rejected(cli, path) == [f"{path}:1: file: not a readable XLSX workbook (BadZipFile); save it as .xlsx"]


def test_cp1252_csv(cli, tmp_path):
    path = tmp_path / "bank.csv"
    with path.open("w", encoding="cp1252", newline="") as fh:
        csv.writer(fh).writerows([COLUMNS] + [[r.get(c) for c in COLUMNS] for r in [
            row(item("T-001")), row(item("T-002", stem="Makna sila ke\u20135 Pancasila adalah \u2026"))]])
    assert rejected(cli, path) == [
        f"{path}:3: encoding: not valid UTF-8 (byte 0x96); save the file as UTF-8 (Excel: 'CSV UTF-8'),"
        " not as Windows-1252/Latin-1"]
