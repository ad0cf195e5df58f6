"""The committee JSON API with Flask's test client over a sitting with hand-worked results
(tests/exam_engine/results PLAN/EXPECTED): who may call it, results per formation with
thresholds and ranks, live changes while the session runs, freeze and re-open with a reason,
signed exports and their downloads, the item analysis, and every bad input."""
from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from exam_engine import create_app
from exam_engine.accounts import passwords
from exam_engine.accounts.service import create_user
from exam_engine.audit.models import AuditEntry
from exam_engine.results.signing import PUBLIC_FILE, load_public_key, verify
from tests.conftest import FAST_PINS
from tests.exam_engine.committee.conftest import CHEAP, PASSWORD, finish_attempt, new_engine, start_attempt
from tests.exam_engine.results.test_results_service import EXPECTED, PLAN, sit, tamper

API = "/committee/api/sessions"
ALL_ENDPOINTS = [("get", f"{API}"), ("get", f"{API}/S1/results"), ("post", f"{API}/S1/freeze"),
                 ("post", f"{API}/S1/reopen"), ("get", f"{API}/S1/exports"), ("post", f"{API}/S1/exports"),
                 ("get", f"{API}/S1/item-analysis"), ("get", f"{API}/S1/item-analysis.xlsx")]


def error(response: Any) -> dict[str, str]:
    body = response.get_json()
    assert response.is_json and set(body) == {"error"}, response.data
    return body["error"]  # type: ignore[no-any-return]


def audit_entries(engine: Any, kind: str) -> list[AuditEntry]:
    with engine.db.session() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.kind == kind).order_by(AuditEntry.id)))


def by_number(data: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    return {row["number"]: (f["name"], row) for f in data["formations"] for row in f["rows"]}


# --- who may call it ----------------------------------------------------------------------

def test_anonymous_gets_401_json(app: Any, sat: Any) -> None:
    client = app.test_client()
    for method, path in ALL_ENDPOINTS:
        response = getattr(client, method)(path, json={"reason": "x", "formats": ["xlsx"]})
        assert response.status_code == 401, path
        assert error(response)["code"] == "login_required", path


def test_a_proctor_gets_403_json_even_for_the_session_they_watch(login: Any, sat: Any) -> None:
    client = login("pengawas")
    assert client.get("/proctor/api/sessions/S1/candidates").status_code == 200  # their own console works
    for method, path in ALL_ENDPOINTS:
        response = getattr(client, method)(path, json={"reason": "x", "formats": ["xlsx"]})
        assert response.status_code == 403, path
        assert error(response) == {"code": "forbidden",
                                   "message": "this needs the committee or admin role; you are a proctor"}
    assert audit_entries(sat, "results_frozen") == [] and audit_entries(sat, "results_exported") == []


def test_committee_and_admin_see_every_session(login: Any, sat: Any) -> None:
    for username in ("panitia", "admin"):
        sessions = login(username).get(API).get_json()["sessions"]
        assert [s["code"] for s in sessions] == ["S1"]
        assert sessions[0]["attempts"] == {"finished": len(PLAN)}
        assert sessions[0]["results"]["frozen"] is False


def test_the_page_is_served_in_indonesian_by_default_and_in_english(app: Any, sat: Any) -> None:
    client = app.test_client()
    page = client.get("/committee/").get_data(as_text=True)
    assert '<html lang="id">' in page and "Masuk panitia" in page and "Bekukan hasil" in page
    page = client.get("/committee/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page and "Committee login" in page and "Freeze results" in page
    # the language sticks (cookie) for the next visit
    assert '<html lang="en">' in client.get("/committee/").get_data(as_text=True)


def test_every_committee_message_exists_in_both_languages() -> None:
    folder = Path(__file__).resolve().parents[3] / "exam_engine" / "i18n" / "messages"
    keys = [{k for k in json.loads((folder / f"{lang}.json").read_text("utf-8")) if k.startswith("committee.")}
            for lang in ("id", "en")]
    assert keys[0] == keys[1] and len(keys[0]) > 50


# --- results ------------------------------------------------------------------------------

def test_results_per_formation_with_thresholds_pass_fail_and_ranks(login: Any) -> None:
    data = login("panitia").get(f"{API}/S1/results").get_json()
    assert [f["name"] for f in data["formations"]] == ["umum", "cumlaude"]  # the profile's order
    umum = data["formations"][0]
    assert umum["thresholds"] == {"sections": {"TWK": 10.0, "TIU": 10.0, "TKP": 17.0}, "total": None}
    assert data["tie_breaks"] == ["TKP", "TIU", "TWK"]
    # ranked first, by rank (ties share one, then by number); then the failed; then the absent
    assert [(r["number"], r["rank"], r["result"]) for r in umum["rows"]] == [
        ("P005", 1, "passed"), ("P002", 2, "passed"), ("P003", 3, "passed"), ("P007", 3, "passed"),
        ("P001", 5, "passed"), ("P004", None, "failed"), ("P006", None, "absent")]
    assert umum["counts"] == {"passed": 5, "failed": 1, "running": 0, "absent": 1}
    rows = by_number(data)
    for number, (twk, tiu, tkp, total, passed, rank) in EXPECTED.items():
        formation, row = rows[number]
        assert formation == PLAN[number][3]
        assert {c: s["score"] for c, s in row["sections"].items()} == {"TWK": twk, "TIU": tiu, "TKP": tkp}
        assert (row["total"], row["passed"], row["rank"]) == (total, passed, rank)
    # P004: TWK 5 is under its threshold of 10, the other sections meet theirs
    p004 = rows["P004"][1]["sections"]
    assert p004["TWK"] == {"score": 5, "threshold": 10.0, "passed": False}
    assert p004["TIU"]["passed"] is True and p004["TKP"]["passed"] is True
    assert rows["P008"][1]["rank"] == 1  # alone in cumlaude
    assert data["running"] == 0 and data["results"]["frozen"] is False


def test_results_follow_the_session_while_it_runs(login: Any, sat: Any) -> None:
    client = login("panitia")
    start_attempt(sat, "P006", correct=3)  # three TWK items answered right so far
    data = client.get(f"{API}/S1/results").get_json()
    _, row = by_number(data)["P006"]
    assert data["running"] == 1 and row["result"] == "running" and row["status"] == "active"
    assert row["provisional"] is True and row["sections"]["TWK"]["score"] == 15 and row["rank"] is None
    refused = client.post(f"{API}/S1/freeze", json={"reason": "rapat pleno"})
    assert refused.status_code == 409 and error(refused)["code"] == "attempts_running"

    finish_attempt(sat, "P006")
    data = client.get(f"{API}/S1/results").get_json()
    _, row = by_number(data)["P006"]
    assert data["running"] == 0 and row["status"] == "finished" and row["provisional"] is False
    assert row["sections"]["TWK"]["score"] == 15 and row["result"] in ("passed", "failed")


def test_an_unknown_session_is_a_404_naming_it(login: Any) -> None:
    client = login("panitia")
    for method, path in ALL_ENDPOINTS[1:]:
        response = getattr(client, method)(path.replace("/S1/", "/NOPE/"), json={"reason": "x", "formats": ["xlsx"]})
        assert response.status_code == 404, path
        assert error(response) == {"code": "not_found", "message": "no session 'NOPE'"}


# --- freeze and re-open -------------------------------------------------------------------

def test_freeze_needs_a_reason(login: Any, sat: Any) -> None:
    client = login("panitia")
    for body in (None, {}, {"reason": ""}, {"reason": "   "}, {"reason": 7}, {"because": "pleno"}):
        response = client.post(f"{API}/S1/freeze", json=body)
        assert response.status_code == 400, body
        assert error(response) == {"code": "reason_required",
                                   "message": "reason: say why (it is recorded in the audit log)"}, body
    too_long = client.post(f"{API}/S1/freeze", json={"reason": "x" * 501})
    assert too_long.status_code == 400 and error(too_long)["code"] == "reason_too_long"
    assert audit_entries(sat, "results_frozen") == []


def test_freeze_is_audited_with_who_and_why_and_refused_twice(login: Any, sat: Any) -> None:
    client = login("panitia")
    response = client.post(f"{API}/S1/freeze", json={"reason": "rapat pleno  22 Desember"})
    assert response.status_code == 200
    digest = response.get_json()["sha256"]
    [frozen] = audit_entries(sat, "results_frozen")
    assert (frozen.actor, frozen.subject, frozen.payload["sha256"]) == ("staff:panitia", "session:S1", digest)
    assert frozen.payload["reason"] == "rapat pleno 22 Desember"  # the why is in the freeze entry itself
    assert audit_entries(sat, "results_freeze_reason") == []
    state = client.get(f"{API}/S1/results").get_json()["results"]
    assert (state["frozen"], state["by"], state["entry"], state["sha256"], state["reason"]) == \
        (True, "staff:panitia", frozen.id, digest, "rapat pleno 22 Desember")

    again = client.post(f"{API}/S1/freeze", json={"reason": "lagi"})
    assert again.status_code == 409 and error(again)["code"] == "already_frozen"
    assert len(audit_entries(sat, "results_frozen")) == 1


def test_reopen_needs_frozen_results_and_a_reason(login: Any, sat: Any) -> None:
    client = login("admin")
    not_frozen = client.post(f"{API}/S1/reopen", json={"reason": "koreksi"})
    assert not_frozen.status_code == 409 and error(not_frozen)["code"] == "not_frozen"
    assert client.post(f"{API}/S1/freeze", json={"reason": "pleno"}).status_code == 200
    assert error(client.post(f"{API}/S1/reopen", json={"reason": ""}))["code"] == "reason_required"
    assert client.post(f"{API}/S1/reopen", json={"reason": "sanggahan peserta P004"}).status_code == 200
    [entry] = audit_entries(sat, "results_reopened")
    assert (entry.actor, entry.payload["reason"]) == ("staff:admin", "sanggahan peserta P004")
    assert client.get(f"{API}/S1/results").get_json()["results"]["frozen"] is False


# --- exports ------------------------------------------------------------------------------

def test_an_export_is_signed_listed_audited_and_downloadable(login: Any, sat: Any, tmp_path: Path) -> None:
    client = login("panitia")
    assert client.post(f"{API}/S1/freeze", json={"reason": "pleno"}).status_code == 200
    response = client.post(f"{API}/S1/exports", json={"formats": ["xlsx", "csv", "pdf"], "chair": "Dr. Sari"})
    assert response.status_code == 201
    made = response.get_json()["export"]
    names = {f["name"] for f in made["files"]}
    assert {"hasil.xlsx", "hasil.csv", "berita-acara.pdf", "MANIFEST.json", "MANIFEST.sig",
            "sertifikat/P001.pdf"} <= names
    assert made["meta"]["frozen"] is True and made["meta"]["session"] == "S1"
    assert client.get(f"{API}/S1/exports").get_json()["exports"] == [made]

    # every file downloads, byte for byte what the manifest signed
    copy = tmp_path / "copy"
    for name in names:
        with client.get(f"{API}/S1/exports/{made['id']}/{name}") as got:  # closes the sent file
            assert got.status_code == 200 and "attachment" in got.headers["Content-Disposition"], name
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            (copy / name).write_bytes(got.data)
    public = load_public_key((sat.settings.instance_path / PUBLIC_FILE).read_text("ascii"))
    assert verify(copy, public) == []

    book = openpyxl.load_workbook(copy / "hasil.xlsx")
    assert book.sheetnames == ["cumlaude", "umum"]
    umum = list(book["umum"].iter_rows(values_only=True))
    assert umum[0][0] == "No. Peserta" and umum[1][0] == "P005" and umum[1][6] == 75
    [entry] = audit_entries(sat, "results_exported")
    assert (entry.actor, entry.payload["export"], entry.payload["frozen"]) == ("staff:panitia", made["id"], True)


BAD_EXPORTS = [  # (body, code, what the message must name)
    (None, "bad_request", "formats"),
    ({}, "bad_format", "formats"),
    ({"formats": []}, "bad_format", "xlsx, csv, pdf"),
    ({"formats": ["docx"]}, "bad_format", "'docx'"),
    ({"formats": "xlsx"}, "bad_format", "list"),
    ({"formats": ["xlsx"], "bom": "ya"}, "bad_request", "bom"),
    ({"formats": ["xlsx"], "chair": "x" * 201}, "bad_request", "chair"),
]


def test_bad_export_requests_say_what_is_wrong(login: Any, sat: Any) -> None:
    client = login("panitia")
    for body, code, needle in BAD_EXPORTS:
        response = client.post(f"{API}/S1/exports", json=body)
        assert response.status_code == 400, body
        assert error(response)["code"] == code and needle in error(response)["message"], body
    assert not (sat.settings.instance_path / "committee-exports").exists()


def test_an_export_without_the_authority_key_is_refused_before_writing(login: Any, sat: Any) -> None:
    (sat.settings.instance_path / "authority.key").unlink()
    response = login("panitia").post(f"{API}/S1/exports", json={"formats": ["csv"]})
    assert response.status_code == 409
    assert error(response)["code"] == "no_authority_key" and "keygen" in error(response)["message"]
    assert not (sat.settings.instance_path / "committee-exports").exists()


def test_results_changed_after_the_freeze_are_not_exported(login: Any, sat: Any) -> None:
    client = login("panitia")
    assert client.post(f"{API}/S1/freeze", json={"reason": "pleno"}).status_code == 200
    tamper(sat)
    response = client.post(f"{API}/S1/exports", json={"formats": ["xlsx"]})
    assert response.status_code == 409 and error(response)["code"] == "results_changed"
    assert client.get(f"{API}/S1/exports").get_json()["exports"] == []


def test_only_files_the_manifest_lists_can_be_downloaded(login: Any) -> None:
    client = login("panitia")
    made = client.post(f"{API}/S1/exports", json={"formats": ["csv"]}).get_json()["export"]
    base = f"{API}/S1/exports/{made['id']}"
    for path in (f"{base}/hasil.xlsx", f"{base}/../../authority.key", f"{base}/%2e%2e/%2e%2e/authority.key",
                 f"{API}/S1/exports/20260101T000000Z-00000000/hasil.csv", f"{API}/S1/exports/../hasil.csv"):
        response = client.get(path)
        assert response.status_code == 404, path
        if response.is_json:
            assert error(response)["code"] == "not_found"
    with client.get(f"{base}/hasil.csv") as response:
        assert response.status_code == 200 and response.data.startswith(b"number,name,formation")


# --- item analysis ------------------------------------------------------------------------

def test_item_analysis_rows_and_chart(login: Any, sat: Any) -> None:
    client = login("panitia")
    data = client.get(f"{API}/S1/item-analysis").get_json()
    assert data["exam"]["code"] == "EXAM" and data["candidates"] == len(PLAN)
    assert [s["name"] for s in data["sections"]] == ["TWK", "TIU", "TKP"]
    items = data["items"]
    assert items and {i["section"] for i in items} == {"TWK", "TIU", "TKP"}
    for item in items:
        assert item["p"] is None or 0.0 <= item["p"] <= 1.0
        assert bool(item["flags"]) == bool(item["reasons"])
    assert data["flagged"] == sum(bool(i["flags"]) for i in items)
    assert data["svg"].startswith("<svg") and data["svg"].count("<circle") >= 2
    report = client.get(f"{API}/S1/item-analysis.xlsx")
    assert report.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(report.data))
    assert book.sheetnames == ["Items", "Options", "Sections"]
    assert book["Items"].max_row == len(items) + 1
    [entry] = audit_entries(sat, "item_analysis_exported")
    assert (entry.actor, entry.subject, entry.payload["items"]) == ("staff:panitia", "exam:EXAM", len(items))


def test_item_analysis_needs_two_finished_attempts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "PARAMETERS", CHEAP)
    engine = new_engine(tmp_path / "alone")
    sit(engine, plan={"P001": PLAN["P001"]})
    with engine.db.transaction() as s:
        create_user(s, "panitia", "committee", PASSWORD)
    engine.db.dispose()
    client = create_app({"instance_path": engine.settings.instance_path, **FAST_PINS}).test_client()
    client.post("/staff/api/login", json={"username": "panitia", "password": PASSWORD})
    response = client.get(f"{API}/S1/item-analysis")
    assert response.status_code == 409
    assert error(response)["code"] == "too_few_attempts" and "found 1" in error(response)["message"]


def test_who_advances_from_the_stored_vacancies_and_a_formation_without_a_count(login: Any, sat: Any) -> None:
    from exam_engine.scheduling.service import get_exam
    from exam_engine.scheduling.vacancies import set_vacancies

    client = login("panitia")
    with sat.db.transaction() as s:  # skd-demo: 3 x 1 vacancy; the tie at 3rd (P003, P007) lets 4 advance
        set_vacancies(s, get_exam(s, "EXAM"), "umum", 1)
    data = client.get(f"{API}/S1/results").get_json()
    umum, cumlaude = data["formations"]
    assert (umum["vacancies"], umum["quota"], umum["advancing"]) == (1, 3, 4)
    assert [(r["number"], r["exam_rank"], r["advances"]) for r in umum["rows"]] == [
        ("P005", 1, True), ("P002", 2, True), ("P003", 3, True), ("P007", 3, True),
        ("P001", 5, False), ("P004", None, False), ("P006", None, None)]
    # cumlaude has no count: P008's advancing is unknown and the page says what to set
    assert (cumlaude["vacancies"], cumlaude["quota"], cumlaude["advancing"]) == (None, None, 0)
    assert cumlaude["rows"][0]["advances"] is None
    assert data["advance"]["multiple"] == 3 and data["advance"]["unset"] == ["cumlaude"]
    assert "no vacancy count for formation(s) cumlaude" in data["advance"]["problem"]
    with sat.db.transaction() as s:
        set_vacancies(s, get_exam(s, "EXAM"), "cumlaude", 1)
    data = client.get(f"{API}/S1/results").get_json()
    assert data["advance"]["problem"] is None and data["formations"][1]["rows"][0]["advances"] is True
    assert data["advance"]["unset"] == []
