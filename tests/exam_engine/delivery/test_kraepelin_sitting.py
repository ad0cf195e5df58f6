"""A Kraepelin sitting on a real node: 3 columns of 5 digits, 3 s each. The terminal gets the
sheet (not the key) in its package, the server moves it to the next column when a column's
time is up, refuses answers to a closed column, and the stored result holds the hand-worked
per-column counts and metrics."""
from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from exam_engine.delivery.models import Attempt
from exam_engine.roster.models import Candidate
from question_bank.forms import Form
from tests.exam_engine.delivery.conftest import Sitting, decrypt, prepare_sitting
from tests.exam_engine.delivery.test_sitting import logged_in

SECONDS = 3
KRAEPELIN_ONLY = f"""
code: kraepelin-short
duration_minutes: 1
accommodations:
  tunanetra: {{extra_minutes: 1}}  # the roster's blind candidate; a column's interval does not change
sections:
  - {{code: KRAEPELIN, name: {{id: Tes Kraepelin, en: Kraepelin Test}}, item_type: kraepelin,
     scoring: {{rule: kraepelin}}, sheet: {{columns: 3, digits: 5, seconds_per_column: {SECONDS}}}}}
"""
ROWS = 4  # cells per column: 5 digits, 4 adjacent pairs
# Per column and row: "right", "wrong" (the right digit + 1) or None (nothing written).
PATTERN = [["right", "right", "wrong", "right"],   # 3 correct, 1 error
           [None, "right", None, None],            # 1 correct, 1 skipped (row 0), rows 2-3 not reached
           ["right", "right", "right", "right"]]   # 4 correct


@pytest.fixture
def sitting(engine, tmp_path) -> Sitting:
    profile = tmp_path / "kraepelin-short.yaml"
    profile.write_text(KRAEPELIN_ONLY)
    return prepare_sitting(engine, 2, profile=str(profile))


def form_of(engine: Any, number: str) -> list[dict[str, Any]]:
    with engine.db.session() as s:
        attempt = s.scalar(select(Attempt).join(Attempt.candidate).where(Candidate.number == number))
        return list(s.get(Form, attempt.form_id).items)


def written(cell: dict[str, Any], plan: str | None) -> int | None:
    """The digit the candidate writes: the last digit of the pair's sum, or one more."""
    right = (cell["pair"][0] + cell["pair"][1]) % 10
    return None if plan is None else right if plan == "right" else (right + 1) % 10


def answer_column(t: Any, form: list[dict[str, Any]], column: int, seq: int) -> int:
    for row, plan in enumerate(PATTERN[column]):
        h = column * ROWS + row
        digit = written(form[h], plan)
        if digit is not None:
            assert t.call("answer", {"seq": seq, "h": h, "choice": digit}) == {"ok": True, "seq": seq}
            seq += 1
    return seq


def test_the_server_moves_the_terminal_column_by_column(sitting, terminals):
    number = sitting.candidates[0][0]
    t = logged_in(terminals, sitting)
    package = t.package()
    waiting = t.connect().wait_for("state")
    assert waiting["group"] == {"code": "KRAEPELIN.1", "index": 0, "count": 3, "sections": ["KRAEPELIN"],
                                "first": 0, "last": 3, "column": 0}
    sitting.start()
    document = decrypt(package, t.wait_key()["key"])
    form = form_of(sitting.engine, number)

    # The package shows the sheet, column by column, and per cell only where it sits.
    (section,) = document["sections"]
    assert section["sheet"] == [[form[c * ROWS]["pair"][0]] + [form[c * ROWS + r]["pair"][1] for r in range(ROWS)]
                                for c in range(3)]
    assert (section["first"], section["count"]) == (0, 12)
    assert document["items"][5] == {"h": 5, "section": "KRAEPELIN", "column": 1, "row": 1}
    assert all(set(i) == {"h", "section", "column", "row"} for i in document["items"])
    assert '"pair"' not in json.dumps(document) and '"options"' not in json.dumps(document)

    first = t.wait_for("key")["time"]  # the clock rides with the key
    deadline_1 = first["server_time"] + first["remaining"]
    seq = answer_column(t, form, 0, 1)
    refused = t.call("answer", {"seq": seq, "h": 4, "choice": 0})  # column 2 is not open yet
    assert refused["ok"] is False and refused["code"] == "section_closed"

    # The server moves the terminal: not before column 1's time is up, with a full interval.
    second = t.wait_for("state", 2)
    assert second["group"]["column"] == 1 and (second["group"]["first"], second["group"]["last"]) == (4, 7)
    assert second["server_time"] >= deadline_1 and SECONDS * 1000 - 1500 < second["remaining"] <= SECONDS * 1000
    late = t.call("answer", {"seq": seq, "h": 3, "choice": 0})
    assert late["ok"] is False and late["code"] == "section_closed"
    seq = answer_column(t, form, 1, seq)

    third = t.wait_for("state", 3)
    assert third["group"]["column"] == 2 and third["server_time"] >= second["server_time"] + second["remaining"]
    seq = answer_column(t, form, 2, seq)

    # After the last column the attempt ends by itself, scored.
    ended = t.wait_for("ended")
    assert ended["reason"] == "time"
    with sitting.engine.db.session() as s:
        stored = s.scalar(select(Attempt).join(Attempt.candidate).where(Candidate.number == number)).result
    assert ended["result"] == stored
    (entry,) = stored["sections"]
    assert (entry["code"], entry["score"], entry["in_total"], entry["valid"]) == ("KRAEPELIN", 8, False, True)
    assert entry["columns"] == {"correct": [3, 1, 4], "errors": [1, 0, 0], "skipped": [0, 1, 0]}
    # speed 8/3; accuracy 1 + 1; range 4 - 1; mean deviation (1/3 + 5/3 + 4/3) / 3 = 10/9;
    # endurance over x = -1, 0, 1: (-3 + 4) / 2
    assert entry["metrics"] == {"correct": 8, "errors": 1, "skipped": 1, "speed": 2.67, "accuracy": 2,
                                "range": 3, "mean_deviation": 1.11, "endurance": 0.5}
    assert (stored["total"], stored["passed"]) == (0, True)


def test_the_demo_package_carries_the_sheet_and_nothing_that_scores(engine):
    import base64

    from exam_engine.delivery import packages
    from exam_engine.delivery.attempts import get_or_create_attempt, package_key
    from tests.exam_engine.delivery.test_package import ALLOWED

    prepare_sitting(engine, 2, profile="kraepelin-demo")
    with engine.db.transaction() as s:
        candidate = s.scalars(select(Candidate).order_by(Candidate.number)).first()
        attempt = get_or_create_attempt(s, engine.vault, candidate)
        key = package_key(engine.vault, attempt)
        document = decrypt(packages.build(s, engine.vault, attempt, key), base64.b64encode(key).decode())
        form = s.get(Form, attempt.form_id).items
    tiu, kraepelin = document["sections"]
    assert set(tiu) == ALLOWED["section"] and set(kraepelin) == ALLOWED["section"] | {"sheet"}
    assert (kraepelin["first"], kraepelin["count"], len(kraepelin["sheet"])) == (5, 200, 10)
    assert all(len(column) == 21 for column in kraepelin["sheet"])
    for item in document["items"]:
        assert set(item) == (ALLOWED["item"] if item["section"] == "TIU" else {"h", "section", "column", "row"})
    cell = document["items"][5 + 20 * 3 + 7]  # column 3, row 7: between the sheet's digits 7 and 8
    assert (cell["column"], cell["row"]) == (3, 7)
    assert kraepelin["sheet"][3][7:9] == form[cell["h"]]["pair"]
    text = json.dumps(document)
    for forbidden in ('"answer"', '"weights"', '"key"', '"correct"', '"pair"', '"expected"'):
        assert forbidden not in text


def test_a_terminal_cannot_end_a_column_early(sitting, terminals):
    """`finish` would skip the rest of a column's interval: the server alone moves columns."""
    t = logged_in(terminals, sitting)
    t.connect().wait_for("state")
    sitting.start()
    t.wait_key()
    refused = t.call("finish", {"seq": 1})
    assert refused == {"ok": False, "seq": 1, "code": "section_timed",
                       "message": "a Kraepelin column ends when the server moves on"}
    state = t.call("sync", {})
    assert state["group"]["column"] == 0 and state["last_seq"] == 0  # nothing moved, nothing stored
