"""The venue scoreboard against a real server: live provisional totals while a candidate
answers, final results after finishing, nothing a candidate could use (no item text, no
answer) and no personal data; closed boards refuse without revealing anything, and only the
committee (or an admin) opens and closes them."""
from __future__ import annotations

import json
import time
from typing import Any

import requests
from sqlalchemy import select

from exam_engine.delivery.models import Attempt
from exam_engine.roster.models import Candidate
from question_bank.forms import Form
from question_bank.service import item_content
from tests.exam_engine.scoreboard.conftest import set_public

ROW_KEYS = {"number", "status", "final", "sections", "total", "passed"}


def form_entries(engine: Any, number: str) -> list[dict[str, Any]]:
    with engine.db.session() as s:
        candidate = s.scalar(select(Candidate).where(Candidate.number == number))
        return list(s.scalar(select(Form).where(Form.candidate_id == candidate.id)).items)


def secrets(engine: Any) -> list[str]:
    """Every stem and option text of the session's forms, and every NIK and name."""
    found: set[str] = set()
    with engine.db.session() as s:
        for form in s.scalars(select(Form)):
            for entry in form.items:
                content = item_content(s, engine.vault, entry["item"])
                found.add(content["stem"])
                # Short option texts ("12") could match a score by chance: those are left out.
                found.update(o["text"] for o in content["options"] if isinstance(o.get("text"), str)
                             and len(o["text"]) >= 6)
        for c in s.scalars(select(Candidate)):
            personal = engine.vault.decrypt_json(c.personal, c.context)
            found.update({personal["nik"], personal["name"]})
    assert len(found) > 20
    return sorted(found)


def assert_reveals_nothing(engine: Any, *texts: str) -> None:
    leaked = [(secret, i) for secret in secrets(engine) for i, text in enumerate(texts) if secret in text]
    assert leaked == []


def assert_rows_only(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        assert set(row) == ROW_KEYS, row  # no choice, option, answer, name or NIK field
        assert row["sections"] is None or set(row["sections"]) == {"TWK", "TIU", "TKP"}


def anonymous(url: str, path: str) -> requests.Response:
    return requests.get(f"{url}{path}", timeout=10)


def test_the_board_follows_answers_live_and_shows_the_final_result(engine, server, consoles, terminals, viewers,
                                                                   sitting):
    assert set_public(consoles("panitia"), True).json() == {"ok": True, "session": "S1", "public": True}
    viewer = viewers()
    joined = viewer.join("S1")
    assert joined["ok"] is True and [s["code"] for s in joined["sections"]] == ["TWK", "TIU", "TKP"]
    assert [r["status"] for r in joined["rows"]] == ["absent"] * 4
    sitting.start()
    t = terminals(0)
    t.wait_key()
    number = sitting.candidates[0][0]
    # A TKP item scores 1 to 5 whichever option is chosen: the total must rise with each.
    tkp = [h for h, entry in enumerate(form_entries(engine, number)) if entry["section"] == "TKP"]
    last = 0.0
    for seq, h in enumerate(tkp[:3], start=1):
        sent = time.monotonic()
        assert t.call("answer", {"seq": seq, "h": h, "choice": 1})["ok"] is True
        event = viewer.wait_for("scores", lambda e, floor=last: any(
            r["number"] == number and r["total"] is not None and r["total"] > floor for r in e["rows"]), timeout=3.0)
        assert time.monotonic() - sent < 3.0
        row = next(r for r in event["rows"] if r["number"] == number)
        assert row["status"] == "active" and row["final"] is False and row["passed"] is None
        assert row["total"] == sum(row["sections"].values()) and row["sections"]["TKP"] > 0
        last = row["total"]
    api = anonymous(server.url, "/scoreboard/api/S1")
    assert api.status_code == 200 and api.headers["Cache-Control"] == "no-store"
    rows = api.json()["rows"]
    assert_rows_only(rows)
    assert rows[0]["number"] == number and rows[0]["total"] == last  # sorted by total
    html = anonymous(server.url, "/scoreboard/S1?lang=en").text
    assert f'data-number="{number}"' in html and f'data-total="{last}"' in html and "Provisional" in html

    assert t.call("finish", {"seq": 10})["ok"] is True
    t.wait_for("ended")
    final = viewer.wait_for("scores", lambda e: any(r["number"] == number and r["final"] for r in e["rows"]))
    row = next(r for r in final["rows"] if r["number"] == number)
    with engine.db.session() as s:
        result = s.scalar(select(Attempt).join(Candidate).where(Candidate.number == number)).result
    assert row["total"] == result["total"] == last and row["passed"] is result["passed"] is False  # TKP < 17
    assert row["status"] == "finished"
    rows = anonymous(server.url, "/scoreboard/api/S1").json()["rows"]
    assert rows[0] == row
    html = anonymous(server.url, "/scoreboard/S1").text  # Bahasa Indonesia by default
    assert "TIDAK LULUS" in html and 'data-final="true"' in html

    # Nothing a candidate could use, nothing personal: in the JSON, the page or the pushes.
    api_text = anonymous(server.url, "/scoreboard/api/S1").text
    assert_rows_only(json.loads(api_text)["rows"])
    for event in viewer.events["scores"]:
        assert_rows_only(event["rows"])
    assert_reveals_nothing(engine, api_text, html, anonymous(server.url, "/scoreboard/S1?lang=en").text,
                           json.dumps(viewer.events, ensure_ascii=False), json.dumps(joined, ensure_ascii=False))


def test_a_closed_board_refuses_without_revealing_anything(server, consoles, viewers):
    closed = anonymous(server.url, "/scoreboard/api/S1")
    unknown = anonymous(server.url, "/scoreboard/api/NOPE")
    assert closed.status_code == unknown.status_code == 404
    assert closed.json() == unknown.json() == {"error": {"code": "not_found", "message": "no scoreboard here"}}
    page, missing = anonymous(server.url, "/scoreboard/S1"), anonymous(server.url, "/scoreboard/NOPE")
    assert page.status_code == missing.status_code == 404 and page.text == missing.text
    assert "S1" not in page.text and "P001" not in page.text
    viewer = viewers()
    assert viewer.join("S1") == viewer.join("NOPE") == {
        "ok": False, "error": {"code": "not_found", "message": "no scoreboard here"}}
    # Staff who can view the session see it closed or not; a proctor of another room cannot.
    for username in ("panitia", "admin", "pengawas"):
        console = consoles(username)
        assert console.http.get(f"{server.url}/scoreboard/api/S1", timeout=10).status_code == 200
        assert console.http.get(f"{server.url}/scoreboard/S1", timeout=10).status_code == 200
        assert viewers(console.cookie).join("S1")["ok"] is True
    other = consoles("lain")
    assert other.http.get(f"{server.url}/scoreboard/api/S1", timeout=10).json() == closed.json()
    assert viewers(other.cookie).join("S1")["ok"] is False


def test_only_the_committee_or_an_admin_opens_and_closes_a_board(server, consoles, viewers):
    url = f"{server.url}/scoreboard/api/S1/visibility"
    assert requests.post(url, json={"public": True}, timeout=10).status_code == 401
    proctor = consoles("pengawas")
    refused = set_public(proctor, True)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert anonymous(server.url, "/scoreboard/api/S1").status_code == 404

    committee = consoles("panitia")
    assert set_public(committee, "yes").status_code == 400
    assert set_public(committee, True, code="NOPE").status_code == 404
    assert set_public(committee, True).status_code == 200
    assert anonymous(server.url, "/scoreboard/api/S1").status_code == 200
    assert anonymous(server.url, "/scoreboard/api/S2").status_code == 404  # per session
    watching = viewers()
    assert watching.join("S1")["ok"] is True
    staff_viewer = viewers(committee.cookie)
    assert staff_viewer.join("S1")["ok"] is True

    assert set_public(consoles("admin"), False).json()["public"] is False
    watching.wait_for("closed", lambda e: e == {"session": "S1"})
    assert "closed" not in staff_viewer.events  # staff keep their board
    assert anonymous(server.url, "/scoreboard/api/S1").status_code == 404
    assert viewers().join("S1")["ok"] is False
