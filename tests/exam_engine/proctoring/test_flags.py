"""Server-raised flags pushed to the proctor room: disconnects and reconnects, answer bursts,
and live answer-copying suspicion (with its after-session CLI report)."""
from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from exam_engine.node import ServerProcess
from exam_engine.proctoring.models import Flag


@pytest.fixture
def server_env() -> dict[str, str]:
    return {}


@pytest.fixture
def server(engine, staff, server_env) -> Iterator[ServerProcess]:  # type: ignore[no-untyped-def]
    node = ServerProcess(engine.settings.instance_path, env=server_env)
    node.start()
    yield node
    node.stop()


def kinds(engine, kind: str) -> list[Flag]:  # type: ignore[no-untyped-def]
    with engine.db.session() as s:
        return list(s.scalars(select(Flag).where(Flag.kind == kind).order_by(Flag.id)))


def test_disconnect_and_reconnect_are_flagged(consoles, terminals, sitting, engine):
    console = consoles("pengawas").connect()
    console.join("S1")
    t = terminals(0)
    number = sitting.candidates[0][0]
    time.sleep(0.6)
    assert "flag" not in console.events  # a first connect is no reconnect
    t.client.disconnect()
    flag = console.wait_for("flag", lambda e: e["kind"] == "disconnect")
    assert flag["number"] == number and flag["evidence"]["terminal"] == "T0"
    assert flag["evidence"]["status"] == "waiting"
    console.wait_for("progress", lambda e: any(c["number"] == number and not c["connected"] for c in e["candidates"]))
    t.connect().wait_for("state", count=2)
    flag = console.wait_for("flag", lambda e: e["kind"] == "reconnect")
    assert flag["number"] == number and flag["evidence"]["terminal"] == "T0"
    assert [f["kind"] for f in console.candidates().json()["candidates"][0]["flags"]] == ["disconnect", "reconnect"]


def test_disconnect_after_finishing_is_not_flagged(consoles, terminals, sitting, engine):
    sitting.start()
    t = terminals(0)
    t.wait_key()
    assert consoles("pengawas").act("end_attempt", [sitting.candidates[0][0]], reason="done").status_code == 200
    t.wait_for("ended")
    t.client.disconnect()
    time.sleep(0.5)
    assert kinds(engine, "disconnect") == []


def test_an_answer_burst_is_flagged_once_a_minute(consoles, terminals, sitting, engine):
    console = consoles("pengawas").connect()
    console.join("S1")
    sitting.start()
    t = terminals(1)
    t.wait_key()
    for seq in range(1, 4):  # marks do not count (sent first: only answers need to fit in 3 s)
        assert t.call("mark", {"seq": seq, "h": 0, "marked": True})["ok"] is True
    for seq in range(4, 9):  # five answers: still a person
        assert t.call("answer", {"seq": seq, "h": seq, "choice": 0})["ok"] is True
    assert kinds(engine, "answer_burst") == []
    assert t.call("answer", {"seq": 9, "h": 9, "choice": 1})["ok"] is True  # the sixth within 3 s
    flag = console.wait_for("flag", lambda e: e["kind"] == "answer_burst")
    assert flag["number"] == sitting.candidates[1][0]
    assert flag["evidence"]["answers"] == 6 and flag["evidence"]["seconds"] == 3.0
    for seq in range(10, 20):
        assert t.call("answer", {"seq": seq, "h": seq % 5, "choice": seq % 2})["ok"] is True
    time.sleep(0.6)
    assert len(kinds(engine, "answer_burst")) == 1
    assert [e["kind"] for e in console.events["flag"]].count("answer_burst") == 1


COPYING = {"EXAM_ENGINE_COPYING_THRESHOLD": "-1000", "EXAM_ENGINE_COPYING_INTERVAL": "1",
           "EXAM_ENGINE_COPYING_MIN_SHARED": "10"}


def share_form(engine, source: int, target: int) -> None:  # type: ignore[no-untyped-def]
    """The demo forms of four candidates share no item: give TARGET the items of SOURCE."""
    from question_bank.forms import Form

    with engine.db.transaction() as s:
        forms = {f.candidate_id: f for f in s.scalars(select(Form))}
        ids = sorted(forms)
        forms[ids[target]].items = [dict(e) for e in forms[ids[source]].items]


@pytest.mark.parametrize("server_env", [COPYING])
def test_copying_is_flagged_live_once_per_pair_and_reported(consoles, terminals, sitting, engine, server_env, monkeypatch):
    # The threshold is set below every z: this tests the live plumbing, test_copying the statistic.
    console = consoles("pengawas").connect()
    console.join("S1")
    share_form(engine, 0, 1)
    sitting.start()
    first, second = terminals(0), terminals(1)
    for t in (first, second):
        t.wait_key()
        group = t.wait_for("state")["group"]
        for h in range(group["first"], group["last"] + 1):
            reply = t.call("answer", {"seq": h + 1, "h": h, "choice": 0})
            assert reply["ok"] is True, (reply, group)
    flags = [console.wait_for("flag", lambda e, n=n: e["kind"] == "copying_suspected" and e["number"] == n)
             for n in (sitting.candidates[0][0], sitting.candidates[1][0])]
    assert flags[0]["evidence"]["other"] == sitting.candidates[1][0]
    assert flags[1]["evidence"]["other"] == sitting.candidates[0][0]
    evidence = flags[0]["evidence"]
    assert {"z", "identical_wrong", "identical", "shared", "expected_wrong"} <= set(evidence)
    assert evidence["shared"] == 15  # analysed as answers arrive: the first scan may see only some
    assert first.call("answer", {"seq": 1000, "h": 0, "choice": 1})["ok"] is True
    time.sleep(2.0)  # past the interval: analysed again, nothing new to flag
    assert len(kinds(engine, "copying_suspected")) == 2

    from exam_engine.cli import main
    from exam_engine.cli.proctor import register

    if "proctor" not in main.commands:
        register(main)
    monkeypatch.setenv("EXAM_ENGINE_COPYING_MIN_SHARED", "10")
    result = CliRunner().invoke(main, ["--instance", str(engine.settings.instance_path), "proctor", "copying",
                                       "--session", "S1", "--threshold", "-1000"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "2 started attempt(s)" in lines[0] and "1 pair(s) above z = -1000" in lines[0]
    assert lines[1].split()[:2] == [sitting.candidates[0][0], sitting.candidates[1][0]]
    assert "identical wrong" in lines[1] and "identical 14/15 shared items" in lines[1]
    missing = CliRunner().invoke(main, ["--instance", str(engine.settings.instance_path), "proctor", "copying",
                                        "--session", "NOPE"])
    assert missing.exit_code == 1 and "no session 'NOPE'" in missing.output
    # The live scan reads the room in slices with a yield between them: the same matrix.
    from exam_engine.proctoring import live_copying
    from exam_engine.scheduling.models import ExamSession

    def key_of(item_id: int) -> tuple[int, None]:
        return 0, None

    pauses: list[int] = []
    with engine.db.session() as s:
        session_id = s.scalar(select(ExamSession.id).where(ExamSession.code == "S1"))
        whole = live_copying.session_matrix(s, key_of, session_id)
        monkeypatch.setattr(live_copying, "SLICE", 3)
        sliced = live_copying.session_matrix(s, key_of, session_id, pause=lambda: pauses.append(1))
    assert (whole.responses >= 0).sum() == 30  # 15 items each; the changed answer replaced the first
    assert (sliced.responses == whole.responses).all() and (sliced.present == whole.present).all()
    assert len(pauses) >= 30 // 3
