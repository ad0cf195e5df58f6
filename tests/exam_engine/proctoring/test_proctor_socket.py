"""The /proctor namespace against a real server: login by cookie, room isolation, live
progress within a second or two, and flags pushed to the room."""
from __future__ import annotations

import time

import pytest
import socketio

from tests.exam_engine.proctoring.conftest import Console


def refused(url: str, **kwargs: object) -> list[object]:
    """The connect_error payloads of a connection attempt that must fail."""
    errors: list[object] = []
    client = socketio.Client(reconnection=False)
    client.on("connect_error", errors.append, namespace="/proctor")
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(url, namespaces=["/proctor"], transports=["websocket"], wait_timeout=10, **kwargs)
    return [e["data"] if isinstance(e, dict) and "data" in e else e for e in errors]


def test_connect_needs_a_staff_login(server, consoles):
    expected = {"code": "login_required", "message": "log in first (logins expire)"}
    assert refused(server.url) == [expected]
    forged = "session=eyJzdGFmZiI6eyJ1aWQiOjF9fQ.forged.signature"
    assert refused(server.url, headers={"Cookie": forged}) == [expected]
    console = consoles("pengawas")
    console.http.post(f"{server.url}/staff/api/logout", timeout=10)
    assert refused(server.url, headers={"Cookie": console.cookie}) == [expected]


def test_join_is_limited_to_assigned_sessions(consoles):
    mine = consoles("pengawas").connect()
    snapshot = mine.join("S1")
    assert snapshot["ok"] is True and [c["status"] for c in snapshot["candidates"]] == ["absent"] * 4
    assert mine.join("S2") == {"ok": False, "error": {
        "code": "forbidden", "message": "you are not assigned to session 'S2'"}}
    assert mine.join("NOPE")["error"]["code"] == "forbidden"  # codes cannot be probed
    assert mine.join(None)["error"]["code"] == "bad_request"  # type: ignore[arg-type]
    other = consoles("lain").connect()
    assert other.join("S1")["error"]["code"] == "forbidden"
    assert consoles("panitia").connect().join("S1")["ok"] is True  # committee watches every room


def test_answers_reach_the_console_within_a_second_or_two(consoles, terminals, sitting):
    console = consoles("pengawas").connect()
    console.join("S1")
    sitting.start()
    t = terminals(0)
    t.wait_key()
    number = sitting.candidates[0][0]
    connected = console.wait_for("progress", lambda e: any(c["number"] == number and c["connected"]
                                                           for c in e["candidates"]))
    assert connected["session"] == "S1"
    for seq, h in enumerate((0, 1, 2), start=1):
        sent = time.monotonic()
        assert t.call("answer", {"seq": seq, "h": h, "choice": 1})["ok"] is True
        row = console.wait_for("progress", lambda e, n=seq: any(
            c["number"] == number and c["answered"] == n for c in e["candidates"]), timeout=2.0)
        assert time.monotonic() - sent < 2.0
    mine = next(c for c in row["candidates"] if c["number"] == number)
    assert mine["status"] == "active" and mine["since_answer"] is not None and mine["score"] is not None
    assert mine["name"] and mine["remaining"] > 0
    t.call("mark", {"seq": 4, "h": 0, "marked": True})
    console.wait_for("progress", lambda e: any(c["number"] == number and c["marked"] == 1 for c in e["candidates"]))
    t.call("navigate", {"h": 5})
    console.wait_for("progress", lambda e: any(c["number"] == number and c["position"] == 5 for c in e["candidates"]))
    # Coalesced: three answers, a mark and a move came as a handful of progress events.
    assert len(console.events["progress"]) <= 8


def test_a_focus_loss_is_flagged_to_the_room_at_once(consoles, terminals, sitting):
    console = consoles("pengawas").connect()
    console.join("S1")
    outsider = consoles("lain").connect()
    outsider.join("S2")
    sitting.start()
    t = terminals(1)
    assert t.call("focus", {"kind": "blur"}) == {"ok": True}
    flag = console.wait_for("flag", lambda e: e["kind"] == "focus_lost", timeout=1.0)
    assert flag["number"] == sitting.candidates[1][0] and flag["evidence"]["reported"] == "blur"
    assert t.call("focus", {"kind": "wander"})["code"] == "bad_request"
    t.call("focus", {"kind": "fullscreen_exit"})
    console.wait_for("flag", lambda e: e["kind"] == "fullscreen_exit")
    time.sleep(0.6)  # one flush later: pushed once, never again by the flag poll
    assert [f["kind"] for f in console.events["flag"]] == ["focus_lost", "fullscreen_exit"]
    assert "flag" not in outsider.events
    rows = console.candidates().json()["candidates"]
    assert [f["kind"] for f in rows[1]["flags"]] == ["focus_lost", "fullscreen_exit"]


def test_a_second_login_is_pushed_too(consoles, terminals, sitting):
    console: Console = consoles("pengawas").connect()
    console.join("S1")
    terminals(2)
    number, pin = sitting.candidates[2]
    from tests.exam_engine.delivery.conftest import Terminal

    intruder = Terminal(console.url, "ELSEWHERE")
    assert intruder.login(number, pin, sitting.session_pin).status_code == 409
    flag = console.wait_for("flag", lambda e: e["kind"] == "second_login")
    assert flag["number"] == number and flag["evidence"]["terminal"] == "ELSEWHERE"
