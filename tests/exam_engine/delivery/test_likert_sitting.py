"""A sitting of skd-kepribadian-demo on a real node: a terminal answers the personality
inventory with a known pattern, and the stored result carries the hand-worked trait profile
beside SKD scores it does not change."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from exam_engine.delivery.models import Attempt
from exam_engine.delivery.runtime import Delivery
from exam_engine.proctoring import snapshot
from exam_engine.roster.models import Candidate
from exam_engine.scheduling.service import get_session
from exam_engine.scoreboard import board
from question_bank.forms import Form
from question_bank.models import Item
from question_bank.service import item_content
from tests.exam_engine.delivery.conftest import Sitting, decrypt, prepare_sitting
from tests.exam_engine.scoring.test_likert_sections import PATTERN, TRAITS


@pytest.fixture
def sitting(engine) -> Sitting:
    return prepare_sitting(engine, 4, profile="skd-kepribadian-demo")


def planned_choices(engine: Any, number: str) -> dict[int, int]:
    """handle -> choice (index into the form's option order): every TWK/TIU answer right, the
    5-weight TKP option, and the inventory's statements by PATTERN (blanks left out)."""
    choices: dict[int, int] = {}
    with engine.db.session() as s:
        attempt = s.scalar(select(Attempt).join(Attempt.candidate).where(Candidate.number == number))
        for h, entry in enumerate(s.get(Form, attempt.form_id).items):
            key = item_content(s, engine.vault, entry["item"])["key"]
            if entry["section"] == "KEPRIBADIAN":
                letter = PATTERN[int(s.get(Item, entry["item"]).item_id.removeprefix("KEP-"))]
            else:
                letter = key.get("answer") or next(k for k, w in key["weights"].items() if w == 5)
            if letter is not None:
                choices[h] = entry["options"].index(letter)
    return choices


def live_views(engine: Any, number: str) -> tuple[float | None, dict[str, Any]]:
    """The proctor console's live score and the scoreboard row of one candidate, as the node
    computes them (same code, same database, a fresh key cache)."""
    d = Delivery.create(engine)
    with engine.db.session() as s:
        exam_session = get_session(s, "S1")
        proctor = next(r for r in snapshot.rows(s, d, exam_session, d.now()) if r["number"] == number)
        scoreboard = next(r for r in board.rows(s, d, exam_session) if r["number"] == number)
    return proctor["score"], scoreboard


def test_the_inventory_is_scored_live_and_in_the_final_result(sitting, terminals):
    number, pin = sitting.candidates[0]
    t = terminals("T1")
    assert t.login(number, pin, sitting.session_pin).status_code == 200
    package = t.package()
    t.connect().wait_for("state")
    sitting.start()
    document = decrypt(package, t.wait_key()["key"])
    assert [s["code"] for s in document["sections"]] == ["TWK", "TIU", "TKP", "KEPRIBADIAN"]
    kepribadian = [item for item in document["items"] if item["section"] == "KEPRIBADIAN"]
    assert len(kepribadian) == 20 and "trait" not in str(kepribadian) and "reverse" not in str(kepribadian)

    choices = planned_choices(sitting.engine, number)
    assert len(choices) == 15 + 17  # 3 statements stay blank
    for seq, (h, choice) in enumerate(sorted(choices.items()), start=1):
        assert t.call("answer", {"seq": seq, "h": h, "choice": choice}) == {"ok": True, "seq": seq}

    # Live, every answer stored: the inventory adds nothing to the total the proctor sees.
    score, row = live_views(sitting.engine, number)
    assert score == 75 and row["total"] == 75 and row["sections"] == {"TWK": 25, "TIU": 25, "TKP": 25}

    assert t.call("finish", {"seq": len(choices) + 1})["ok"] is True
    ended = t.wait_for("ended")
    with sitting.engine.db.session() as s:
        stored = s.scalar(select(Attempt).join(Attempt.candidate).where(Candidate.number == number)).result
    assert ended["result"] == stored
    assert (stored["total"], stored["max"], stored["passed"], stored["reasons"]) == (75, 75, True, [])
    assert [(e["code"], e["score"]) for e in stored["sections"]] == [
        ("TWK", 25), ("TIU", 25), ("TKP", 25), ("KEPRIBADIAN", 59.75)]
    inventory = stored["sections"][3]
    assert (inventory["in_total"], inventory["threshold"], inventory["passed"], inventory["valid"]) == (
        False, None, None, False)
    assert inventory["traits"] == TRAITS

    score, row = live_views(sitting.engine, number)
    assert score == 75 and row["final"] is True and row["passed"] is True and row["total"] == 75
