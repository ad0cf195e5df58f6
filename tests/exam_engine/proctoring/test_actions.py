"""Proctor actions over HTTP against a real server: each pushed to the terminal at once,
each with a required reason and an audit entry, and only for the right roles and rooms."""
from __future__ import annotations

from sqlalchemy import select

from exam_engine.audit.models import AuditEntry


def audit_actions(engine) -> list[dict]:  # type: ignore[no-untyped-def]
    with engine.db.session() as s:
        return [e.payload | {"actor": e.actor, "subject": e.subject}
                for e in s.scalars(select(AuditEntry).where(AuditEntry.kind == "proctor_action"))]


def test_pause_resume_and_add_time_reach_the_terminal(consoles, terminals, sitting, engine):
    proctor = consoles("pengawas")
    sitting.start()
    t = terminals(0)
    t.wait_key()
    number = sitting.candidates[0][0]
    assert t.call("answer", {"seq": 1, "h": 0, "choice": 0})["ok"] is True

    response = proctor.act("pause", [number], reason="toilet break")
    assert response.status_code == 200 and response.json() == {"ok": True, "action": "pause", "applied": [number]}
    # `time` may also have come with the key (a terminal that connected before the release).
    paused = t.matching("time", lambda e: e["status"] == "paused")[0]
    assert paused["status"] == "paused"
    refused = t.call("answer", {"seq": 2, "h": 1, "choice": 0})
    assert refused["ok"] is False and refused["code"] == "paused"
    row = proctor.candidates().json()["candidates"][0]
    assert row["status"] == "paused" and row["answered"] == 1

    assert proctor.act("resume", [number], reason="back").status_code == 200
    resumed = t.matching("time", lambda e: e["status"] == "active" and e["server_time"] > paused["server_time"])[0]
    assert resumed["status"] == "active"
    assert t.call("answer", {"seq": 2, "h": 1, "choice": 0})["ok"] is True

    assert proctor.act("add_time", [number], reason="power cut in row 3", minutes=5).status_code == 200
    # Only added time makes the remaining time grow; other `time` events may come in between.
    added = t.matching("time", lambda e: e["remaining"] > resumed["remaining"])[0]
    elapsed = added["server_time"] - resumed["server_time"]
    assert abs(added["remaining"] - (resumed["remaining"] - elapsed + 300_000)) < 2_000

    entries = audit_actions(engine)
    assert [(e["action"], e["reason"]) for e in entries] == [
        ("pause", "toilet break"), ("resume", "back"), ("add_time", "power cut in row 3")]
    assert entries[0]["actor"] == "staff:pengawas" and entries[0]["subject"] == "session:S1"
    assert entries[0]["candidates"] == [number] and entries[2]["minutes"] == 5


def test_pause_all_pauses_every_attempt(consoles, terminals, sitting):
    admin = consoles("admin")
    sitting.start()
    first, second = terminals(0), terminals(1)
    response = admin.act("pause", "all", reason="fire alarm")
    assert sorted(response.json()["applied"]) == sorted(n for n, _ in sitting.candidates[:2])
    for t in (first, second):
        assert t.matching("time", lambda e: e["status"] == "paused")
    assert admin.act("resume", "all", reason="false alarm").json()["applied"] == response.json()["applied"]


def test_end_attempt_ends_it_with_reason_proctor(consoles, terminals, sitting, engine):
    proctor = consoles("pengawas")
    sitting.start()
    t = terminals(0)
    number = sitting.candidates[0][0]
    assert proctor.act("end_attempt", [number], reason="caught with a phone").json()["applied"] == [number]
    ended = t.wait_for("ended")
    assert ended["reason"] == "proctor" and ended["result"]["total"] == 0
    assert t.call("answer", {"seq": 1, "h": 0, "choice": 0})["code"] == "finished"
    # Ending it again changes nothing and says so.
    assert proctor.act("end_attempt", [number], reason="again").json()["applied"] == []
    row = proctor.candidates().json()["candidates"][0]
    assert row["status"] == "finished" and row["score"] == 0


def test_start_session_releases_the_keys(consoles, terminals, sitting):
    proctor = consoles("pengawas")
    t = terminals(0)
    assert proctor.act("start_session", reason="").status_code == 400  # a reason even here
    assert proctor.act("start_session", reason="08:00, room ready").status_code == 200
    assert t.wait_key()["key"]
    again = proctor.act("start_session", reason="twice")
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_open"


def test_allow_move_lets_another_workstation_take_over(consoles, terminals, sitting):
    proctor = consoles("pengawas")
    sitting.start()
    terminals(0)
    number, pin = sitting.candidates[0]
    assert proctor.act("allow_move", [number], reason="monitor died").json()["applied"] == [number]
    from tests.exam_engine.delivery.conftest import Terminal

    assert Terminal(proctor.url, "T9").login(number, pin, sitting.session_pin).status_code == 200
    absent = sitting.candidates[3][0]
    not_in = proctor.act("allow_move", [absent], reason="x")
    assert not_in.status_code == 409 and not_in.json()["error"]["code"] == "not_logged_in"
    assert proctor.act("allow_move", "all", reason="x").status_code == 400


def test_a_reason_is_required_and_requests_are_checked(consoles, terminals, sitting, engine):
    proctor = consoles("pengawas")
    sitting.start()
    t = terminals(0)
    number = sitting.candidates[0][0]
    for reason in (None, "", "   ", 5):
        response = proctor.act("pause", [number], reason=reason)
        assert response.status_code == 400
        assert response.json()["error"] == {"code": "reason_required", "message": "every proctor action needs a reason"}
    assert proctor.act("explode", [number]).status_code == 400
    assert proctor.act("pause", []).status_code == 400
    assert proctor.act("pause", ["NOPE"]).json()["error"]["code"] == "unknown_candidate"
    assert proctor.act("add_time", [number], minutes=0).json()["error"]["code"] == "bad_minutes"
    assert proctor.act("add_time", [number], minutes="5").status_code == 400
    assert t.call("answer", {"seq": 1, "h": 0, "choice": 0})["ok"] is True  # nothing was paused
    assert audit_actions(engine) == []


def test_roles_and_rooms(consoles, terminals, sitting, server):
    sitting.start()
    t = terminals(0)
    number = sitting.candidates[0][0]
    outsider = consoles("lain")
    for response in (outsider.act("pause", [number]), outsider.candidates()):
        assert response.status_code == 403
        assert response.json()["error"] == {"code": "forbidden", "message": "you are not assigned to session 'S1'"}
    assert outsider.act("pause", [number], code="NOPE").status_code == 403  # no probing for codes
    committee = consoles("panitia")
    assert committee.candidates().status_code == 200  # the committee watches...
    refused = committee.act("pause", [number])
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"  # ...but does not act
    assert consoles("admin").act("pause", [number], code="NOPE").status_code == 404
    import requests

    anonymous = requests.post(f"{server.url}/proctor/api/sessions/S1/actions", timeout=10,
                              json={"action": "pause", "candidates": "all", "reason": "x"})
    assert anonymous.status_code == 401
    assert t.call("answer", {"seq": 1, "h": 0, "choice": 0})["ok"] is True


def test_snapshot_rows(consoles, terminals, sitting):
    proctor = consoles("pengawas")
    t = terminals(0)
    body = proctor.candidates().json()
    assert body["session"] == "S1" and isinstance(body["server_time"], int)
    first, absent = body["candidates"][0], body["candidates"][1]
    assert first["number"] == sitting.candidates[0][0] and first["status"] == "waiting" and first["connected"]
    assert first["score"] is None and first["since_answer"] is None and first["flags"] == []
    assert absent["status"] == "absent" and absent["connected"] is False and absent["remaining"] is None
    assert isinstance(first["name"], str) and first["name"]
    t.close()
