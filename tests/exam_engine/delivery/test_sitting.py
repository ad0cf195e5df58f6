"""A whole sitting against a real server with real Socket.IO clients."""
from __future__ import annotations

import threading

from sqlalchemy import select

from exam_engine.delivery.models import AnswerEvent, Attempt, Response
from exam_engine.proctoring.models import Flag
from exam_engine.roster.models import Candidate
from question_bank.forms import Form
from question_bank.service import item_content
from tests.exam_engine.delivery.conftest import decrypt


def logged_in(terminals, sitting, index: int = 0, terminal: str = "T1"):
    number, pin = sitting.candidates[index]
    t = terminals(terminal)
    response = t.login(number, pin, sitting.session_pin)
    assert response.status_code == 200, response.text
    return t


def expected_score(engine, number: str, choices: dict[int, int]) -> dict[str, float]:
    """Score by hand from the server-side keys: TWK/TIU 5 per correct, TKP the weight."""
    with engine.db.session() as s:
        attempt = s.scalar(select(Attempt).join(Attempt.candidate).where(Candidate.number == number))
        form = s.get(Form, attempt.form_id)
        totals: dict[str, float] = {}
        for h, entry in enumerate(form.items):
            content = item_content(s, engine.vault, entry["item"])
            letter = entry["options"][choices[h]] if h in choices else None
            key = content["key"]
            if letter is None:
                points = 0.0
            elif "answer" in key:
                points = 5.0 if key["answer"] == letter else 0.0
            else:
                points = float(key["weights"][letter])
            totals[entry["section"]] = totals.get(entry["section"], 0.0) + points
    return totals


def test_full_sitting(sitting, terminals):
    t = logged_in(terminals, sitting)
    package = t.package()
    t.connect()
    before = t.wait_for("state")
    assert before["status"] == "waiting" and before["key"] is None
    refused = t.call("answer", {"seq": 1, "h": 0, "choice": 0})
    assert refused == {"ok": False, "seq": 1, "code": "not_started", "message": "the session has not started"}

    sitting.start()
    pushed = t.wait_for("key")
    key = pushed["key"]
    # One push per terminal at the start: the clock rides with the key, so no `sync` is needed.
    assert pushed["time"]["status"] == "active" and 14 * 60_000 < pushed["time"]["remaining"] <= 15 * 60_000
    assert pushed["time"]["server_time"] >= before["server_time"] and "time" not in t.events
    document = decrypt(package, key)
    assert [s["code"] for s in document["sections"]] == ["TWK", "TIU", "TKP"]
    assert len(document["items"]) == 15

    choices = {h: h % len(item["options"]) for h, item in enumerate(document["items"]) if h != 3}
    for seq, (h, choice) in enumerate(choices.items(), start=1):
        assert t.call("answer", {"seq": seq, "h": h, "choice": choice}) == {"ok": True, "seq": seq}
    marked = t.call("mark", {"seq": 100, "h": 0, "marked": True})
    assert marked == {"ok": True, "seq": 100}
    assert t.call("finish", {"seq": 101}) == {"ok": True, "seq": 101}
    ended = t.wait_for("ended")
    assert ended["reason"] == "finished"
    expected = expected_score(sitting.engine, sitting.candidates[0][0], choices)
    got = {s["code"]: s["score"] for s in ended["result"]["sections"]}
    assert got == expected
    assert ended["result"]["total"] == sum(expected.values())
    after = t.call("answer", {"seq": 102, "h": 3, "choice": 0})
    assert after["ok"] is False and after["code"] == "finished"


def test_marking_ragu_ragu_never_clears_the_answer(sitting, terminals):
    sitting.start()
    t = logged_in(terminals, sitting).connect()
    t.wait_for("state")
    t.call("answer", {"seq": 1, "h": 2, "choice": 1})
    t.call("mark", {"seq": 2, "h": 2, "marked": True})
    t.call("mark", {"seq": 3, "h": 2, "marked": False})
    t.call("clear", {"seq": 4, "h": 5})
    state = t.call("sync", {})
    assert state["answers"]["2"] == {"choice": 1, "marked": False}
    assert state["answers"]["5"] == {"choice": None, "marked": False}
    assert state["last_seq"] == 4


def test_duplicates_and_out_of_order_events(sitting, terminals):
    sitting.start()
    t = logged_in(terminals, sitting).connect()
    t.wait_for("state")
    assert t.call("answer", {"seq": 2, "h": 0, "choice": 3}) == {"ok": True, "seq": 2}
    assert t.call("answer", {"seq": 1, "h": 0, "choice": 1}) == {"ok": True, "seq": 1}  # late, older
    assert t.call("answer", {"seq": 2, "h": 0, "choice": 3}) == {"ok": True, "seq": 2, "duplicate": True}
    conflict = t.call("answer", {"seq": 2, "h": 0, "choice": 4})
    assert conflict["ok"] is False and conflict["code"] == "bad_seq"
    assert t.call("sync", {})["answers"]["0"]["choice"] == 3  # the highest seq wins
    with sitting.engine.db.session() as s:
        assert len(s.scalars(select(AnswerEvent)).all()) == 2


def test_reconnect_resends_unacknowledged_answers(sitting, terminals):
    sitting.start()
    t = logged_in(terminals, sitting).connect()
    t.wait_for("state")
    t.call("answer", {"seq": 1, "h": 0, "choice": 1})
    t.client.emit("answer", {"seq": 2, "h": 1, "choice": 2}, namespace="/candidate")  # no ack awaited
    t.close()  # the network drops; seq 2 may or may not have arrived
    again = logged_in(terminals, sitting)  # same terminal id: a reload on the same workstation
    again.connect()
    state = again.wait_for("state")
    assert state["answers"]["0"]["choice"] == 1
    resend = again.call("answer", {"seq": 2, "h": 1, "choice": 2})
    assert resend["ok"] is True and resend["seq"] == 2
    assert again.call("sync", {})["answers"]["1"]["choice"] == 2


def test_key_release_to_early_and_late_connectors(sitting, terminals):
    early = logged_in(terminals, sitting, 0).connect()
    assert early.wait_for("state")["key"] is None
    sitting.start()
    early_key = early.wait_key()["key"]
    late = logged_in(terminals, sitting, 1, "T2").connect()
    late_state = late.wait_for("state")
    assert late_state["status"] == "active" and late_state["key"]
    assert late_state["key"] != early_key  # a key per attempt
    assert decrypt(late.package(), late_state["key"])["items"]


def test_second_login_is_refused_and_flagged(sitting, terminals):
    logged_in(terminals, sitting, 0, "T1")
    number, pin = sitting.candidates[0]
    second = terminals("T2").login(number, pin, sitting.session_pin)
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "terminal_conflict"
    with sitting.engine.db.session() as s:
        flags = s.scalars(select(Flag)).all()
    assert [(f.kind, f.evidence["terminal"]) for f in flags] == [("second_login", "T2")]


def test_pin_race_has_exactly_one_winner(sitting, terminals):
    number, pin = sitting.candidates[0]
    racers = [terminals(f"R{k}") for k in range(6)]
    barrier = threading.Barrier(len(racers))
    codes: list[int] = []

    def race(t) -> None:
        barrier.wait()
        codes.append(t.login(number, pin, sitting.session_pin).status_code)

    threads = [threading.Thread(target=race, args=(t,)) for t in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [200] + [409] * 5
    with sitting.engine.db.session() as s:
        assert len(s.scalars(select(Attempt)).all()) == 1
        assert len([f for f in s.scalars(select(Flag)) if f.kind == "second_login"]) == 5


def test_wrong_pins_are_refused_then_rate_limited(sitting, terminals):
    number, pin = sitting.candidates[0]
    t = terminals()
    for _ in range(5):
        assert t.login(number, "000000", sitting.session_pin).status_code == 401
    assert t.login(number, pin, "999999").json()["error"]["code"] == "rate_limited"
    limited = t.login(number, pin, sitting.session_pin)
    assert limited.status_code == 429 and limited.json()["error"]["retry_after"] > 0


def test_responses_are_stored_with_the_bank_option(sitting, terminals):
    sitting.start()
    t = logged_in(terminals, sitting).connect()
    t.wait_for("state")
    t.call("answer", {"seq": 1, "h": 4, "choice": 2})
    with sitting.engine.db.session() as s:
        response = s.scalar(select(Response))
        form = s.get(Form, s.scalar(select(Attempt)).form_id)
    assert (response.handle, response.choice) == (4, 2)
    assert response.option == form.items[4]["options"][2]


def test_extra_time_from_the_roster_applies_by_itself(sitting, terminals):
    """The demo roster's last candidate is blind (tunanetra): skd-demo gives 5 more minutes."""
    sitting.start()
    regular = logged_in(terminals, sitting, 0, "T1").connect().wait_for("state")
    blind = logged_in(terminals, sitting, 3, "T4").connect().wait_for("state")
    assert 14 * 60_000 < regular["remaining"] <= 15 * 60_000
    assert 19 * 60_000 < blind["remaining"] <= 20 * 60_000


def test_proctor_approved_move_to_another_workstation(sitting, terminals, cli):
    sitting.start()
    old = logged_in(terminals, sitting, 0, "T1").connect()
    old.wait_for("state")
    old.call("answer", {"seq": 1, "h": 0, "choice": 2})
    old.call("mark", {"seq": 2, "h": 0, "marked": True})
    old.call("navigate", {"h": 7})
    number, pin = sitting.candidates[0]
    assert terminals("T2").login(number, pin, sitting.session_pin).status_code == 409  # not yet approved
    result = cli("session", "allow-move", "--session", sitting.code, "--candidate", number)
    assert result.exit_code == 0, result.output
    new = logged_in(terminals, sitting, 0, "T2").connect()
    state = new.wait_for("state")
    assert state["answers"]["0"] == {"choice": 2, "marked": True} and state["position"] == 7
    assert state["last_seq"] == 2 and state["remaining"] > 14 * 60_000
    stale = old.call("answer", {"seq": 3, "h": 1, "choice": 1})
    assert stale["ok"] is False and stale["code"] == "moved"
    assert new.call("answer", {"seq": 3, "h": 1, "choice": 1})["ok"] is True


def test_a_moved_away_terminal_receives_nothing_more(sitting, terminals, cli):
    old = logged_in(terminals, sitting, 0, "T1").connect()
    old.wait_for("state")
    number, _ = sitting.candidates[0]
    cli("session", "allow-move", "--session", sitting.code, "--candidate", number)
    new = logged_in(terminals, sitting, 0, "T2").connect()
    new.wait_for("state")
    sitting.start()
    assert new.wait_key()["key"]
    assert old.call("sync", {})["code"] == "moved"
    new.call("finish", {"seq": 1})
    new.wait_for("ended")
    assert "key" not in old.events and "ended" not in old.events


def test_logins_and_results_are_in_the_audit_chain(sitting, terminals, cli):
    from exam_engine.audit.models import AuditEntry

    number, pin = sitting.candidates[0]
    assert terminals("TX").login(number, "000000", sitting.session_pin).status_code == 401
    sitting.start()
    t = logged_in(terminals, sitting).connect()
    t.wait_for("state")
    t.call("finish", {"seq": 1})
    t.wait_for("ended")
    with sitting.engine.db.session() as s:
        entries = [(e.kind, e.payload.get("outcome") or e.payload.get("reason"))
                   for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert entries == [("login", "invalid_credentials"), ("login", "ok"), ("attempt_finished", "finished")]
    verified = cli("audit", "verify")
    assert verified.exit_code == 0 and verified.output.startswith("VALID (3 entries)")


def test_the_candidate_sees_the_running_score_while_answering(sitting, terminals):
    """The exam shows scores (skd-demo): after stored answers the terminal gets its own
    running total, the same the server's keys give by hand; the final one comes with `ended`."""
    t = logged_in(terminals, sitting)
    t.connect().wait_for("state")
    sitting.start()
    t.wait_key()
    choices = {0: 0, 5: 1, 10: 2}  # one item of each section
    for seq, (h, choice) in enumerate(choices.items(), start=1):
        assert t.call("answer", {"seq": seq, "h": h, "choice": choice}) == {"ok": True, "seq": seq}
    expected = sum(expected_score(sitting.engine, sitting.candidates[0][0], choices).values())
    pushed = t.matching("score", lambda s: s["total"] == expected)
    assert pushed, t.events.get("score")
    assert all(set(s) == {"total"} for s in t.events["score"])  # the total only: no key, no per-item marks
