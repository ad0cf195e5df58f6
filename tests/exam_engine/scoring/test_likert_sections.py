"""A Likert section in the delivery path: keys from the stored item revisions, score_sections
and judge over the profile skd-kepribadian-demo, against hand-worked trait sums and norms."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from exam_engine.scoring.keys import MAX_OPTIONS, ItemKey, KeyCache, scoring_key, section_key
from exam_engine.scoring.likert import scale_points
from exam_engine.scoring.results import in_total, judge, score_sections
from question_bank.importer import import_items, validate_files
from question_bank.models import Item
from question_bank.profiles import load_profile, parse_profile
from question_bank.service import item_content
from tests.conftest import SAMPLES

NO_WEIGHTS = (0.0,) * MAX_OPTIONS
FIVE = [{"key": k, "text": k, "image": None} for k in "ABCDE"]

# The sample inventory cycles ketelitian, stabilitas_emosi, kerja_sama, inisiatif over KEP-001..020;
# KEP-005..008 and KEP-013..016 are reverse-keyed (a reverse answer x scores 6 - x).
TRAIT = {n: ("ketelitian", "stabilitas_emosi", "kerja_sama", "inisiatif")[(n - 1) % 4] for n in range(1, 21)}
REVERSE = {n: n in (5, 6, 7, 8, 13, 14, 15, 16) for n in range(1, 21)}

# Answer by statement (None: blank), worked by hand with the sample norms
# (ketelitian 18/4, stabilitas_emosi 17.5/3.5, kerja_sama 19/2.5; T = 50 + 10z, stanine = 2z + 5 half up):
PATTERN: dict[int, str | None] = {
    # ketelitian: E 5, B rev 4, D 4, A rev 5, E 5 = 23; z 1.25, T 62.5, 2z+5 = 7.5 -> 8
    1: "E", 5: "B", 9: "D", 13: "A", 17: "E",
    # stabilitas_emosi: C 3, C rev 3, C 3, D rev 2, B 2 = 13; z -9/7, T 37.142857 -> 37.14, 2z+5 = 2.43 -> 2
    2: "C", 6: "C", 10: "C", 14: "D", 18: "B",
    # kerja_sama: E 5, A rev 5, D 4, blank, E 5 = 19 from 4 -> prorated 23.75; z 1.9, T 69, 8.8 -> 9
    3: "E", 7: "A", 11: "D", 15: None, 19: "E",
    # inisiatif: 2 blanks > invalid_if_more_than 1: no score
    4: None, 8: "B", 12: None, 16: "E", 20: "C",
}
TRAITS = {
    "ketelitian": {"raw": 23.0, "t": 62.5, "stanine": 8.0},
    "stabilitas_emosi": {"raw": 13.0, "t": 37.14, "stanine": 2.0},
    "kerja_sama": {"raw": 23.75, "t": 69.0, "stanine": 9.0},
    "inisiatif": {"raw": None, "t": None, "stanine": None},
}


def likert(n: int) -> ItemKey:
    return ItemKey(-1, NO_WEIGHTS, TRAIT[n], REVERSE[n], 5)


def sitting_form(pattern: dict[int, str | None]) -> tuple[list[dict], dict[int, str | None], dict[int, ItemKey]]:
    """Form entries, letters by handle and keys by item of one attempt at skd-kepribadian-demo.

    TWK/TIU: the key is A; the first 3 TWK and 2 TIU answers are right (15, 10). TKP: option o
    weighs o + 1, the candidate picks D every time (4 x 5 = 20). The statements come in reverse
    bank order, as a shuffled form would give them: scoring must follow the items, not positions."""
    items: list[dict] = []
    options: dict[int, str | None] = {}
    keys: dict[int, ItemKey] = {}

    def add(section: str, pk: int, key: ItemKey, letter: str | None) -> None:
        options[len(items)] = letter
        items.append({"section": section, "item": pk})
        keys[pk] = key

    for i in range(5):
        add("TWK", 100 + i, ItemKey(0, NO_WEIGHTS), "A" if i < 3 else "B")
        add("TIU", 200 + i, ItemKey(0, NO_WEIGHTS), "A" if i < 2 else "C")
        add("TKP", 300 + i, ItemKey(-1, (1.0, 2.0, 3.0, 4.0, 5.0, 0.0)), "D")
    for n in range(20, 0, -1):
        add("KEPRIBADIAN", n, likert(n), pattern.get(n))
    return items, options, keys


@pytest.fixture(scope="module")
def profile():
    return load_profile("skd-kepribadian-demo")


def test_keys_carry_trait_reverse_and_scale_points_from_the_stored_revision(engine):
    with engine.db.transaction() as s:
        import_items(s, engine.vault, validate_files([SAMPLES / "kepribadian.yaml", SAMPLES / "tkp.yaml"]).items)
    with engine.db.session() as s:
        pk = {i.item_id: i.id for i in s.scalars(select(Item))}
        keys = KeyCache(lambda p: item_content(s, engine.vault, p))
        assert keys(pk["KEP-013"]) == ItemKey(-1, NO_WEIGHTS, "ketelitian", True, 5)
        assert keys(pk["KEP-002"]) == ItemKey(-1, NO_WEIGHTS, "stabilitas_emosi", False, 5)
        tkp = keys(pk[next(i for i in pk if i.startswith("TKP"))])
        assert tkp.trait is None and tkp.correct == -1 and sorted(tkp.weights[:5]) == [1, 2, 3, 4, 5]


def test_scoring_key_and_section_key():
    content = {"options": FIVE[:4], "key": {"trait": "kerja_sama", "reverse": True}}
    assert scoring_key(content) == ItemKey(-1, NO_WEIGHTS, "kerja_sama", True, 4)
    assert scoring_key({"options": FIVE, "key": {"answer": "C"}}) == ItemKey(2, NO_WEIGHTS)
    key = section_key([likert(3), likert(1), likert(7), likert(5)])
    assert key.traits == ("kerja_sama", "ketelitian")             # first seen, in form order
    assert key.trait_of.tolist() == [0, 1, 0, 1] and key.reverse.tolist() == [False, False, True, True]
    assert key.points == 5 and key.correct.tolist() == [-1] * 4
    # Plain (correct, weights) pairs still make a key without traits.
    assert section_key([(1, NO_WEIGHTS)]).traits == () and section_key([(1, NO_WEIGHTS)]).trait_of is None
    with pytest.raises(ValueError, match="mixes Likert statements"):
        section_key([likert(1), ItemKey(0, NO_WEIGHTS)])
    with pytest.raises(ValueError, match="different scale lengths"):
        section_key([likert(1), likert(2)._replace(points=4)])


def test_scale_points_come_from_the_items_and_must_match_the_profile():
    key = section_key([likert(1)._replace(points=4)])
    assert scale_points(key, {}) == 4
    assert scale_points(key, {"points": 4}) == 4
    with pytest.raises(ValueError, match="5-point scale, the items have 4 options"):
        scale_points(key, {"points": 5})


def test_the_profile_keeps_the_inventory_out_of_the_total(profile):
    assert [(s.code, in_total(s)) for s in profile.sections] == [
        ("TWK", True), ("TIU", True), ("TKP", True), ("KEPRIBADIAN", False)]


def test_score_sections_gives_the_hand_worked_trait_profile(profile):
    items, options, keys = sitting_form(PATTERN)
    scores = score_sections(profile, items, options, keys.__getitem__)
    # What the live views sum: the competence sections only.
    assert dict(scores) == {"TWK": 15, "TIU": 10, "TKP": 20}
    # Summary: the valid traits, 23 + 13 + 23.75; inisiatif has no score, so the profile is invalid.
    assert scores.apart == {"KEPRIBADIAN": {"score": 59.75, "valid": False, "traits": TRAITS}}


def test_judge_puts_the_profile_in_the_result_without_a_pass_mark(profile):
    items, options, keys = sitting_form(PATTERN)
    result = judge(profile, "umum", score_sections(profile, items, options, keys.__getitem__))
    assert (result["total"], result["max"], result["passed"], result["reasons"]) == (45, 75, True, [])
    assert [s["code"] for s in result["sections"]] == ["TWK", "TIU", "TKP", "KEPRIBADIAN"]
    assert result["sections"][3] == {
        "code": "KEPRIBADIAN", "name": profile.section("KEPRIBADIAN").name, "score": 59.75, "max": None,
        "threshold": None, "passed": None, "in_total": False, "valid": False, "traits": TRAITS}
    json.dumps(result, allow_nan=False)  # what the terminal and the database receive


def test_a_threshold_on_the_inventory_applies_only_when_the_profile_sets_one(profile):
    data = {**profile.source, "thresholds": {"default": {"sections": {"TWK": 10, "KEPRIBADIAN": 60}}}}
    strict = parse_profile(data, "strict")
    items, options, keys = sitting_form(PATTERN)
    invalid = judge(strict, "umum", score_sections(strict, items, options, keys.__getitem__))
    assert (invalid["passed"], invalid["reasons"]) == (False, ["KEPRIBADIAN invalid"])
    # inisiatif answered 5 times (8: B rev 4, 16: E rev 1, 20: C 3, 4: A 1, 12: A 1 = 10): 23 + 13 + 23.75 + 10
    complete = {**PATTERN, 4: "A", 12: "A"}
    items, options, keys = sitting_form(complete)
    low = judge(strict, "umum", score_sections(strict, items, options, keys.__getitem__))
    assert low["sections"][3]["traits"]["inisiatif"] == {"raw": 10, "t": 31.25, "stanine": 1}  # z = -1.875
    assert (low["sections"][3]["score"], low["passed"], low["reasons"]) == (69.75, True, [])
    higher = parse_profile({**data, "thresholds": {"default": {"sections": {"KEPRIBADIAN": 70}}}}, "higher")
    assert judge(higher, "umum", score_sections(higher, items, options, keys.__getitem__))["reasons"] == [
        "KEPRIBADIAN 69.75 < 70"]


def test_live_scores_while_the_inventory_is_half_answered(profile):
    # Only KEP-001 and KEP-002 so far: every trait has more than 1 blank, so none has a score yet.
    items, options, keys = sitting_form({1: "E", 2: "A"})
    scores = score_sections(profile, items, options, keys.__getitem__)
    assert sum(scores.values()) == 45
    assert scores.apart["KEPRIBADIAN"]["score"] == 0 and scores.apart["KEPRIBADIAN"]["valid"] is False
    assert all(v == {"raw": None, "t": None, "stanine": None} for v in scores.apart["KEPRIBADIAN"]["traits"].values())
    json.dumps(scores.apart, allow_nan=False)


def test_in_total_can_be_set_per_section(profile):
    data = {**profile.source, "sections": [
        {**raw, "scoring": {**raw["scoring"], "in_total": True}} if raw["code"] == "KEPRIBADIAN" else raw
        for raw in profile.source["sections"]]}
    counted = parse_profile(data, "counted")
    items, options, keys = sitting_form(PATTERN)
    scores = score_sections(counted, items, options, keys.__getitem__)
    assert dict(scores) == {"TWK": 15, "TIU": 10, "TKP": 20, "KEPRIBADIAN": 59.75} and scores.apart == {}
    assert judge(counted, "umum", scores)["total"] == 104.75
