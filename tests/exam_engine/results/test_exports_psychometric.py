"""Exports of sittings with sections apart: a personality inventory (skd-kepribadian-demo) and a
Kraepelin test (kraepelin-demo), sat in-process. The stored results are the reference: the
XLSX sheet of each section apart, the flattened CSV, the certificates and the berita acara
must carry exactly what each candidate's result holds, and the formation sheets only what
adds into the total."""
from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from exam_engine.db import utcnow
from exam_engine.delivery.attempts import end_part, finish, get_or_create_attempt, open_handles
from exam_engine.delivery.models import Attempt
from exam_engine.delivery.responses import Event, record
from exam_engine.results import service
from exam_engine.results.exports import ResultRow, SessionInfo, apart_of, export, result_rows, write_csv, write_xlsx
from exam_engine.results.signing import verify, write_manifest
from exam_engine.roster.models import Candidate
from exam_engine.scheduling.service import get_session
from exam_engine.scoring.keys import KeyCache
from question_bank.forms import Form
from question_bank.models import Item
from question_bank.service import item_content
from tests.exam_engine.delivery.conftest import prepare_sitting
from tests.exam_engine.results.test_exports import pdf_text
from tests.exam_engine.scoring.test_likert_sections import PATTERN, TRAITS

INFO = SessionInfo(exam="Ujian Psikometri", session="S1", room="R1", date="2026-12-01", chair="Dr. Ketua")
SAT = ("P001", "P002")  # P003 stays away


def _choice(s: Any, engine: Any, entry: dict[str, Any], n: int, number: str) -> str | int | None:
    """The planned answer: TWK/TIU right, TKP's 5-weight option; the inventory by the hand-worked
    PATTERN (P001) or a rotation of the options (P002); Kraepelin right in even columns of P001."""
    if "pair" in entry:  # a Kraepelin cell: the digit written is the choice
        right = (entry["pair"][0] + entry["pair"][1]) % 10
        if number == "P001":
            return right if entry["column"] % 2 == 0 else (right + 1) % 10 if n % 3 == 0 else None
        return right if n % 4 else (right + 1) % 10  # steady, one error in four
    key = item_content(s, engine.vault, entry["item"])["key"]
    if entry["section"] == "KEPRIBADIAN":
        if number == "P001":
            return PATTERN[int(s.get(Item, entry["item"]).item_id.removeprefix("KEP-"))]
        return entry["options"][n % len(entry["options"])]
    return key.get("answer") or next(k for k, w in key["weights"].items() if w == 5)


def answer(s: Any, attempt: Attempt, event: Event, now: Any) -> None:
    record(s, attempt, event, now)


def sit(engine: Any, profile: str) -> dict[str, ResultRow]:
    """Sit P001 and P002 through the delivery services; the session's rows with their sections apart."""
    prepare_sitting(engine, 3, profile=profile).start()
    now = utcnow()
    with engine.db.transaction() as s:
        keys = KeyCache(lambda pk: item_content(s, engine.vault, pk))
        for number in SAT:
            attempt = get_or_create_attempt(s, engine.vault, s.scalar(select(Candidate).where(Candidate.number == number)))
            seen: dict[str, int] = {}
            for handle, entry in enumerate(s.get(Form, attempt.form_id).items):
                n = seen[entry["section"]] = seen.get(entry["section"], -1) + 1
                choice = _choice(s, engine, entry, n, number)
                while handle not in open_handles(s, attempt):  # the server's clock moving on a part/column
                    end_part(s, engine.vault, keys, attempt, "submitted", now)
                if choice is not None:
                    index = choice if isinstance(choice, int) else entry["options"].index(choice)
                    answer(s, attempt, Event(attempt.last_seq + 1, "answer", handle, index), now)
            finish(s, engine.vault, keys, attempt, "submitted", now)
    with engine.db.session() as s:
        rows = service.session_rows(s, engine.vault, get_session(s, "S1"))
        results = {a.candidate.number: a.result for a in s.scalars(select(Attempt))}
    # the service itself carries the sections apart, exactly as the stored results hold them
    assert {r.number: r.apart for r in rows} == {r.number: apart_of(results.get(r.number)) for r in rows}
    return {r.number: r for r in rows}


def stored(engine: Any, number: str, code: str) -> dict[str, Any]:
    with engine.db.session() as s:
        result = s.scalar(select(Attempt).join(Attempt.candidate).where(Candidate.number == number)).result
    return next(e for e in result["sections"] if e["code"] == code)


def sheet_records(sheet: Any) -> dict[str, dict[str, Any]]:
    header = [c.value for c in sheet[1]]
    return {row[0].value: {h: c for h, c in zip(header, row)} for row in sheet.iter_rows(min_row=2)}


@pytest.fixture
def kepribadian(engine: Any) -> tuple[Any, dict[str, ResultRow]]:
    return engine, sit(engine, "skd-kepribadian-demo")


@pytest.fixture
def kraepelin(engine: Any) -> tuple[Any, dict[str, ResultRow]]:
    return engine, sit(engine, "kraepelin-demo")


def exported(tmp_path: Path, rows: dict[str, ResultRow]) -> Path:
    folder = tmp_path / "export"
    export(list(rows.values()), INFO, folder, ["xlsx", "csv", "pdf"])
    return folder


# --- personality inventory ----------------------------------------------------------------

def test_the_inventory_has_its_own_sheet_with_every_trait_as_stored(tmp_path, kepribadian):
    engine, rows = kepribadian
    assert stored(engine, "P001", "KEPRIBADIAN")["traits"] == TRAITS  # the hand-worked profile
    book = openpyxl.load_workbook(write_xlsx(list(rows.values()), tmp_path / "hasil.xlsx"))
    assert book.sheetnames == ["umum", "KEPRIBADIAN"]

    main = book["umum"]
    assert [c.value for c in main[1]] == ["No. Peserta", "Nama", "Formasi", "TWK", "TIU", "TKP", "Total", "Lulus",
                                          "Peringkat", "Keterangan"]  # the inventory's summary is no score column
    for number, found in sheet_records(main).items():
        assert found["Total"].value == rows[number].total, number
        if number in SAT:
            assert [found[c].value for c in ("TWK", "TIU", "TKP", "Total")] == [25, 25, 25, 75]

    sheet = book["KEPRIBADIAN"]
    assert sheet.freeze_panes == "D2"
    records = sheet_records(sheet)
    assert sorted(records) == list(SAT)  # the absent candidate has no profile
    for number in SAT:
        entry = stored(engine, number, "KEPRIBADIAN")
        found = records[number]
        assert found["Nama"].value == rows[number].name and found["Formasi"].value == "umum"
        assert found["Valid"].value is entry["valid"] and found["Valid"].data_type == "b"
        for trait, measures in entry["traits"].items():
            for measure, label in (("raw", "mentah"), ("t", "T"), ("stanine", "stanine")):
                cell = found[f"{trait} ({label})"]
                assert cell.value == measures[measure], (number, trait, measure)
                assert cell.data_type == "n"  # numbers as numbers; a trait without a score is empty
    assert records["P001"]["Valid"].value is False and records["P001"]["inisiatif (T)"].value is None
    assert records["P001"]["ketelitian (T)"].value == 62.5 and records["P001"]["kerja_sama (stanine)"].value == 9


def test_the_inventory_csv_flattens_the_traits_and_reads_back(tmp_path, kepribadian):
    engine, rows = kepribadian
    path = write_csv(list(rows.values()), tmp_path / "hasil.csv")
    with path.open(encoding="utf-8", newline="") as fh:
        lines = list(csv.DictReader(fh))
    assert list(lines[0])[:11] == ["number", "name", "formation", "TWK", "TIU", "TKP", "total", "passed", "rank",
                                   "present", "KEPRIBADIAN.valid"]
    by_number = {line["number"]: line for line in lines}
    for number in SAT:
        entry = stored(engine, number, "KEPRIBADIAN")
        assert by_number[number]["KEPRIBADIAN.valid"] == str(entry["valid"]).lower()
        for trait, measures in entry["traits"].items():
            for measure, value in measures.items():
                assert by_number[number][f"KEPRIBADIAN.{trait}.{measure}"] == ("" if value is None else f"{value:g}")
    assert by_number["P001"]["KEPRIBADIAN.ketelitian.t"] == "62.5"
    assert all(v == "" for k, v in by_number["P003"].items() if k.startswith("KEPRIBADIAN."))
    back = {r.number: r for r in result_rows(lines)}
    # the service leaves the inventory's summary out of the score columns: the rows read back whole
    assert rows["P001"].sections == {"TWK": 25, "TIU": 25, "TKP": 25}
    assert back == rows


def test_the_certificate_shows_the_trait_scores_and_the_report_no_none(tmp_path, kepribadian):
    engine, rows = kepribadian
    folder = exported(tmp_path, rows)
    text = pdf_text(folder / "sertifikat" / "P001.pdf")
    for trait, measures in TRAITS.items():
        shown = [("-" if v is None else f"{v:g}") for v in measures.values()]
        assert re.search(rf"{trait}\s+" + r"\s+".join(map(re.escape, shown)), text), trait
    assert "Catatan: hasil tidak lengkap" in text and "59.75" not in text  # the summary is no score
    assert re.search(r"Total\s+75\b", text)
    other = pdf_text(folder / "sertifikat" / "P002.pdf")
    for trait, measures in stored(engine, "P002", "KEPRIBADIAN")["traits"].items():
        assert re.search(rf"{trait}\s+.*\b{measures['t']:g}\b", other), trait
    report = pdf_text(folder / "berita-acara.pdf")
    assert "None" not in report and "KEPRIBADIAN" not in report and "TIDAK HADIR" in report


# --- Kraepelin ----------------------------------------------------------------------------

def test_the_kraepelin_sheet_has_the_metrics_and_every_column_as_stored(tmp_path, kraepelin):
    engine, rows = kraepelin
    book = openpyxl.load_workbook(write_xlsx(list(rows.values()), tmp_path / "hasil.xlsx"))
    assert book.sheetnames == ["umum", "KRAEPELIN"]
    assert [c.value for c in book["umum"][1]][3:5] == ["TIU", "Total"]
    assert {n: f["Total"].value for n, f in sheet_records(book["umum"]).items()} == {
        "P001": 25, "P002": 25, "P003": None}  # the correct count adds nothing to the total
    sheet = book["KRAEPELIN"]
    header = [c.value for c in sheet[1]]
    assert header == ["No. Peserta", "Nama", "Formasi", "Benar", "Salah", "Terlewat", "Kecepatan",
                      "Salah + terlewat", "Rentang", "Simpangan rata-rata", "Ketahanan",
                      *(f"Kolom {i} benar" for i in range(1, 11)), "Valid"]
    records = sheet_records(sheet)
    assert sorted(records) == list(SAT)
    labels = dict(zip(("correct", "errors", "skipped", "speed", "accuracy", "range", "mean_deviation", "endurance"),
                      header[3:11]))
    for number in SAT:
        entry = stored(engine, number, "KRAEPELIN")
        found = records[number]
        assert {name: found[labels[name]].value for name in entry["metrics"]} == entry["metrics"], number
        assert all(found[label].data_type == "n" for label in labels.values())
        assert [found[f"Kolom {i} benar"].value for i in range(1, 11)] == entry["columns"]["correct"]
        assert found["Valid"].value is entry["valid"] is True
    # P001 got even columns right and odd ones wrong or blank: a zig-zag work curve
    assert records["P001"]["Kolom 1 benar"].value == 20 and records["P001"]["Kolom 2 benar"].value == 0
    assert records["P001"]["Rentang"].value == 20 and records["P001"]["Kecepatan"].value == 10


def test_the_kraepelin_csv_reads_back_and_the_certificate_shows_the_metrics(tmp_path, kraepelin):
    engine, rows = kraepelin
    folder = exported(tmp_path, rows)
    with (folder / "hasil.csv").open(encoding="utf-8", newline="") as fh:
        lines = list(csv.DictReader(fh))
    entry = stored(engine, "P002", "KRAEPELIN")
    line = next(x for x in lines if x["number"] == "P002")
    assert line["KRAEPELIN.speed"] == f"{entry['metrics']['speed']:g}"
    assert [line[f"KRAEPELIN.correct.{i}"] for i in range(1, 11)] == [str(v) for v in entry["columns"]["correct"]]
    assert [line[f"KRAEPELIN.skipped.{i}"] for i in range(1, 11)] == [str(v) for v in entry["columns"]["skipped"]]
    back = {r.number: r for r in result_rows(lines)}
    assert {n: r.apart for n, r in back.items()} == {n: r.apart for n, r in rows.items()}
    assert "KRAEPELIN" not in back["P002"].sections and back["P002"].total == rows["P002"].total

    text = pdf_text(folder / "sertifikat" / "P002.pdf")
    for name, label in (("speed", "Kecepatan"), ("accuracy", "Salah \\+ terlewat"), ("range", "Rentang"),
                        ("mean_deviation", "Simpangan rata-rata"), ("endurance", "Ketahanan")):
        value = re.escape(format(entry["metrics"][name], "g"))
        assert re.search(rf"{label}\s+{value}(\s|$)", text), name
    assert "Benar per kolom: " + ", ".join(str(v) for v in entry["columns"]["correct"]) in text
    report = pdf_text(folder / "berita-acara.pdf")
    assert "None" not in report and "KRAEPELIN" not in report

    signer = Ed25519PrivateKey.generate()
    write_manifest(folder, signer, {"session": "S1"})
    assert verify(folder, signer.public_key()) == []
    assert sorted(p.name for p in (folder / "sertifikat").iterdir()) == ["P001.pdf", "P002.pdf"]


def test_the_committee_page_has_no_score_column_for_the_inventory(kepribadian):
    from types import SimpleNamespace

    from exam_engine.committee.results import session_results

    engine, rows = kepribadian
    with engine.db.session() as s:  # nobody is running: the live board (the Delivery's) is not read
        data = session_results(s, SimpleNamespace(engine=engine), get_session(s, "S1"))  # type: ignore[arg-type]
    assert [x["code"] for x in data["sections"]] == ["TWK", "TIU", "TKP"]
    found = {r["number"]: r for f in data["formations"] for r in f["rows"]}
    assert {n: {c: x["score"] for c, x in r["sections"].items()} for n, r in found.items()} == {
        "P001": {"TWK": 25, "TIU": 25, "TKP": 25}, "P002": {"TWK": 25, "TIU": 25, "TKP": 25},
        "P003": {"TWK": None, "TIU": None, "TKP": None}}
    assert data["sha256"] == service.rows_digest(list(rows.values()))
