"""Timed parts: a part with its own clock opens when the previous one ends (PPPK interview)."""
from __future__ import annotations

import pytest

from question_bank.profiles import load_profile
from tests.exam_engine.delivery.conftest import prepare_sitting
from tests.exam_engine.delivery.test_sitting import logged_in

TWO_PARTS = """
code: two-parts
duration_minutes: 3
accommodations:
  tunanetra: {extra_minutes: 1}
sections:
  - {code: TWK, item_type: single_choice, scoring: {rule: dichotomous, correct: 5}, items: 5, max_score: 25,
     topics: {nasionalisme: 1, integritas: 1, bela_negara: 1, pilar_negara: 1, bahasa_negara: 1},
     difficulty_mix: {easy: 0.4, medium: 0.4, hard: 0.2}, time_group: main}
  - {code: TKP, item_type: weighted, scoring: {rule: weighted}, items: 3, max_score: 15,
     topics: {pelayanan_publik: 1, jejaring_kerja: 1, sosial_budaya: 1},
     difficulty_mix: {easy: 0.4, medium: 0.4, hard: 0.2}, time_group: interview}
time_groups:
  main: {minutes: 2}
  interview: {minutes: 1}
"""


@pytest.fixture
def sitting(engine, tmp_path):
    profile = tmp_path / "two-parts.yaml"
    profile.write_text(TWO_PARTS)
    return prepare_sitting(engine, 2, profile=str(profile))


def test_time_plan_of_the_shipped_pppk_profile():
    plan = load_profile("pppk").time_plan(extra_minutes=30)
    assert [(g.code, g.seconds, g.sections) for g in plan] == [
        ("main", 150 * 60, ("TEKNIS", "MANAJERIAL", "SOSIOKULTURAL")), ("interview", 600, ("WAWANCARA",))]
    assert [g.seconds for g in load_profile("skd-cpns").time_plan(30)] == [130 * 60]


def test_parts_open_one_after_the_other(sitting, terminals):
    sitting.start()
    t = logged_in(terminals, sitting).connect()
    state = t.wait_for("state")
    assert state["group"] == {"code": "main", "index": 0, "count": 2, "sections": ["TWK"], "first": 0, "last": 4}
    assert 115_000 < state["remaining"] <= 120_000
    assert t.call("answer", {"seq": 1, "h": 0, "choice": 1})["ok"] is True
    closed = t.call("answer", {"seq": 2, "h": 5, "choice": 1})
    assert closed["ok"] is False and closed["code"] == "section_closed"

    assert t.call("finish", {"seq": 3}) == {"ok": True, "seq": 3}
    interview = t.wait_for("state", 2)
    assert interview["status"] == "active"
    assert interview["group"]["code"] == "interview" and interview["group"]["first"] == 5
    assert 55_000 < interview["remaining"] <= 60_000  # its own clock
    assert t.call("answer", {"seq": 4, "h": 5, "choice": 2})["ok"] is True
    assert t.call("answer", {"seq": 5, "h": 0, "choice": 2})["code"] == "section_closed"
    assert t.call("finish", {"seq": 3})["duplicate"] is True  # a resent finish closes nothing

    assert t.call("finish", {"seq": 6}) == {"ok": True, "seq": 6}
    ended = t.wait_for("ended")
    assert ended["reason"] == "finished"
    assert [s["code"] for s in ended["result"]["sections"]] == ["TWK", "TKP"]
