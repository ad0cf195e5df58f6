"""Lock / unlock, admit (check-in) and re-open (committee only) against a real server."""
from __future__ import annotations

import threading
import time

from tests.exam_engine.proctoring.test_actions import audit_actions


def test_lock_refuses_events_until_unlocked_and_credits_the_time(consoles, terminals, sitting, engine):
    proctor = consoles("pengawas")
    sitting.start()
    t = terminals(0)
    t.wait_key()
    number = sitting.candidates[0][0]
    response = proctor.act("lock", [number], reason="suspicious device")
    assert response.json() == {"ok": True, "action": "lock", "applied": [number]}
    # `time` events: the key's (when the terminal connected before the release), then the lock's.
    locked = t.matching("time", lambda e: "locked" in e)[0]
    assert locked["status"] == "paused" and locked["locked"] is True
    refused = t.call("answer", {"seq": 1, "h": 0, "choice": 0})
    assert refused["ok"] is False and refused["code"] == "locked"
    row = proctor.candidates().json()["candidates"][0]
    assert row["locked"] is True and row["status"] == "paused"
    # resume does not release a lock; locking twice changes nothing
    assert proctor.act("resume", [number], reason="x").json()["applied"] == []
    assert proctor.act("lock", [number], reason="again").json()["applied"] == []
    time.sleep(1.0)
    assert proctor.act("unlock", [number], reason="checked, fine").json()["applied"] == [number]
    unlocked = t.matching("time", lambda e: e.get("locked") is False)[0]
    assert unlocked["status"] == "active" and unlocked["locked"] is False
    assert abs(unlocked["remaining"] - locked["remaining"]) < 500  # the locked second was credited
    assert t.call("answer", {"seq": 1, "h": 0, "choice": 0})["ok"] is True
    assert proctor.act("unlock", [number], reason="twice").json()["applied"] == []
    assert proctor.candidates().json()["candidates"][0]["locked"] is False
    entries = [(e["action"], e["reason"]) for e in audit_actions(engine)]
    assert entries[0] == ("lock", "suspicious device") and ("unlock", "checked, fine") in entries


def test_a_locked_attempt_can_still_be_ended(consoles, terminals, sitting):
    proctor = consoles("pengawas")
    sitting.start()
    t = terminals(0)
    number = sitting.candidates[0][0]
    proctor.act("lock", [number], reason="x")
    assert proctor.act("end_attempt", [number], reason="phone").json()["applied"] == [number]
    assert t.wait_for("ended")["reason"] == "proctor"


def test_admit_checks_candidates_in_once(consoles, terminals, sitting, engine):
    proctor = consoles("pengawas").connect()
    proctor.join("S1")
    t = terminals(0)
    admitted: list = []
    arrived = threading.Event()
    t.client.on("admitted", lambda data: (admitted.append(data), arrived.set()), namespace="/candidate")
    first, absent = sitting.candidates[0][0], sitting.candidates[3][0]
    assert proctor.act("admit", [first, absent], reason="ID card checked").json()["applied"] == [first, absent]
    assert arrived.wait(5) and admitted == [{"number": first}]
    flag = proctor.wait_for("flag", lambda e: e["kind"] == "admitted" and e["number"] == absent)
    assert flag["evidence"] == {"by": "staff:pengawas", "reason": "ID card checked"}
    assert proctor.act("admit", "all", reason="the rest").json()["applied"] == [sitting.candidates[1][0],
                                                                                sitting.candidates[2][0]]
    rows = proctor.candidates().json()["candidates"]
    assert all(r["admitted"] for r in rows)
    assert [f["kind"] for f in rows[0]["flags"]] == ["admitted"]
    assert proctor.act("admit", ["NOPE"], reason="x").json()["error"]["code"] == "unknown_candidate"
    assert consoles("panitia").act("admit", [first], reason="x").status_code == 403
    assert [e["action"] for e in audit_actions(engine)] == ["admit", "admit"]


def test_reopen_restores_the_remaining_time_for_committee_only(consoles, terminals, sitting, engine):
    proctor, committee = consoles("pengawas"), consoles("panitia")
    sitting.start()
    t = terminals(0)
    t.wait_key()
    number = sitting.candidates[0][0]
    assert t.call("answer", {"seq": 1, "h": 0, "choice": 0})["ok"] is True
    before = t.call("sync")
    proctor.act("end_attempt", [number], reason="wrong candidate ended")
    assert t.wait_for("ended")["reason"] == "proctor"
    time.sleep(1.0)

    refused = proctor.act("reopen_attempt", [number], reason="mistake")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert consoles("admin").act("reopen_attempt", [number], reason="mistake").status_code == 403
    assert committee.act("reopen_attempt", [number], reason=" ").json()["error"]["code"] == "reason_required"
    assert committee.act("reopen_attempt", "all", reason="x").status_code == 400
    other = committee.act("reopen_attempt", [sitting.candidates[1][0]], reason="x")
    assert other.json()["applied"] == []  # never logged in: no attempt to re-open

    response = committee.act("reopen_attempt", [number], reason="ended the wrong seat")
    assert response.json() == {"ok": True, "action": "reopen_attempt", "applied": [number]}
    state = t.wait_for("state", count=2)
    assert state["status"] == "active" and state["result"] is None and state["finish_reason"] is None
    assert state["answers"]["0"]["choice"] == 0  # nothing lost
    elapsed_before_end = 1_500  # the end came within moments of the sync
    assert before["remaining"] - elapsed_before_end <= state["remaining"] <= before["remaining"]
    assert t.call("answer", {"seq": 2, "h": 1, "choice": 0})["ok"] is True
    row = proctor.candidates().json()["candidates"][0]
    assert row["status"] == "active" and row["answered"] == 2
    entry = [e for e in audit_actions(engine) if e["action"] == "reopen_attempt" and e["candidates"]]
    assert len(entry) == 1 and entry[0]["actor"] == "staff:panitia" and entry[0]["reason"] == "ended the wrong seat"
    assert entry[0]["previous"][0]["finish_reason"] == "proctor" and entry[0]["previous"][0]["total"] == 0
    again = committee.act("reopen_attempt", [number], reason="twice")
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_finished"
