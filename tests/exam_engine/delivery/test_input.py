"""Bad input on the socket and over HTTP: a clear error, and nothing changes."""
from __future__ import annotations

import hashlib

import pytest
import requests
import socketio
from sqlalchemy import func, select, update

from exam_engine.delivery.models import AnswerEvent, Attempt
from exam_engine.scheduling.models import Exam
from tests.exam_engine.delivery.test_sitting import logged_in


def stored(sitting) -> int:
    with sitting.engine.db.session() as s:
        return s.scalar(select(func.count()).select_from(AnswerEvent))


@pytest.fixture
def active(sitting, terminals):
    sitting.start()
    t = logged_in(terminals, sitting).connect()
    t.wait_for("state")
    return t


@pytest.mark.parametrize(("payload", "code"), [
    (None, "bad_request"),
    ([1, 2, 3], "bad_request"),
    ({"h": 0, "choice": 1}, "bad_request"),
    ({"seq": "1", "h": 0, "choice": 1}, "bad_request"),
    ({"seq": True, "h": 0, "choice": 1}, "bad_request"),
    ({"seq": 0, "h": 0, "choice": 1}, "bad_seq"),
    ({"seq": 10**9, "h": 0, "choice": 1}, "bad_seq"),
    ({"seq": 1, "h": -1, "choice": 1}, "bad_handle"),
    ({"seq": 1, "h": 15, "choice": 1}, "bad_handle"),
    ({"seq": 1, "h": 10**12, "choice": 1}, "bad_handle"),
    ({"seq": 1, "h": 0, "choice": 9}, "bad_choice"),
    ({"seq": 1, "h": 0, "choice": 1.5}, "bad_request"),
])
def test_bad_answer_payloads(sitting, active, payload, code):
    ack = active.call("answer", payload)
    assert ack["ok"] is False and ack["code"] == code, ack
    assert stored(sitting) == 0


def test_bad_mark_payload(sitting, active):
    assert active.call("mark", {"seq": 1, "h": 0, "marked": "yes"})["code"] == "bad_request"
    assert stored(sitting) == 0


def test_unknown_event_gets_an_error_event(sitting, active):
    ack = active.call("grade_myself", {"score": 550})
    assert ack == {"ok": False, "code": "unknown_event", "message": "unknown event 'grade_myself'"}
    assert active.wait_for("error")["code"] == "unknown_event"


def test_extra_arguments_are_refused(sitting, active):
    ack = active.client.call("answer", ({"seq": 1, "h": 0, "choice": 1}, "extra"), namespace="/candidate", timeout=10)
    assert ack["ok"] is False and ack["code"] == "bad_request"
    assert stored(sitting) == 0


def test_huge_payload_is_dropped_and_nothing_is_stored(sitting, active):
    active.client.emit("answer", {"seq": 1, "h": 0, "choice": 1, "pad": "x" * 200_000}, namespace="/candidate")
    active.client.sleep(1)
    assert stored(sitting) == 0
    assert not active.client.connected  # Engine.IO closed the connection before any handler ran


def test_connect_without_or_with_a_forged_token_is_refused(sitting, server):
    for auth in (None, {"token": "forged.token.value"}, {"token": 12}):
        client = socketio.Client(reconnection=False)
        errors = []
        client.on("connect_error", lambda data: errors.append(data), namespace="/candidate")
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(server.url, namespaces=["/candidate"], auth=auth, transports=["websocket"], wait_timeout=5)
        client.disconnect()


def test_foreign_origin_is_refused(sitting, terminals):
    """A page served elsewhere cannot open a candidate socket (polling sends our Origin alone;
    the websocket client adds its own same-origin header)."""
    t = logged_in(terminals, sitting)
    with pytest.raises(socketio.exceptions.ConnectionError):
        t.connect(transports=("polling",), headers={"Origin": "http://evil.example"})
    same = logged_in(terminals, sitting)
    same.connect(transports=("polling",), headers={"Origin": same.url})
    assert same.wait_for("state")["status"] == "waiting"


def test_package_needs_a_valid_token(sitting, server):
    missing = requests.get(f"{server.url}/candidate/api/package", timeout=10)
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "invalid_token"
    forged = requests.get(f"{server.url}/candidate/api/package", headers={"Authorization": "Bearer abc"}, timeout=10)
    assert forged.status_code == 401


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"number": 5}', b'{"number": "x", "pin": ""}'])
def test_bad_login_bodies(sitting, server, body):
    response = requests.post(f"{server.url}/candidate/api/login", data=body, timeout=10,
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_request"


def test_events_after_the_deadline_are_refused_and_the_attempt_closes(sitting, active):
    with sitting.engine.db.transaction() as s:
        s.execute(update(Attempt).values(allowed_seconds=2, credited_seconds=0))
        attempt = s.scalar(select(Attempt))
        from exam_engine.delivery import clock

        clock.recompute_deadline(attempt)
    ended = active.wait_for("ended")  # the ticker closes it without the terminal doing anything
    assert ended["reason"] == "time"
    late = active.call("answer", {"seq": 1, "h": 0, "choice": 1})
    assert late["ok"] is False and late["code"] == "finished"
    assert stored(sitting) == 0


def test_safe_exam_browser_is_required_where_configured(sitting, terminals):
    config_key = "c0ffee"
    with sitting.engine.db.transaction() as s:
        exam = s.scalar(select(Exam))
        exam.profile_data = {**exam.profile_data, "seb": {"required": True, "config_keys": [config_key]}}
    number, pin = sitting.candidates[0]
    t = terminals("T1")
    refused = t.login(number, pin, sitting.session_pin)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "seb_required"
    url = f"{t.url}/candidate/api/login"
    digest = hashlib.sha256((url + config_key).encode()).hexdigest()
    allowed = requests.post(
        url, json={"number": number, "pin": pin, "session_pin": sitting.session_pin, "terminal": "T1"},
        headers={"X-SafeExamBrowser-ConfigKeyHash": digest}, timeout=10)
    assert allowed.status_code == 200, allowed.text
