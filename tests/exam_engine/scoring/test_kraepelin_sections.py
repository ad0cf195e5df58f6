"""A Kraepelin section of a form, scored as a sitting scores it: a known answer pattern on a
small seeded sheet gives hand-worked per-column counts and metrics in the result."""
from __future__ import annotations

import pytest
import yaml

from exam_engine.scoring.results import in_total, judge, score_sections
from question_bank.generators.kraepelin import form_cells, sheet_digits
from question_bank.profiles import parse_profile

PROFILE = """
code: kraepelin-unit
duration_minutes: 5
sections:
  - {code: KRAEPELIN, name: {id: Tes Kraepelin, en: Kraepelin Test}, item_type: kraepelin,
     scoring: {rule: kraepelin}, sheet: {columns: 4, digits: 4, seconds_per_column: 2}}
"""

# The sheet of form seed "demo" (pinned below), column by column, and the last digit of each pair:
#   column 0: 6 0 4 7 -> 6+0=6, 0+4=4, 4+7=11 -> 6 4 1
#   column 1: 2 8 7 7 -> 10, 15, 14        -> 0 5 4
#   column 2: 4 0 2 8 -> 4, 2, 10          -> 4 2 0
#   column 3: 1 6 8 5 -> 7, 14, 13         -> 7 4 3
SHEET = [[6, 0, 4, 7], [2, 8, 7, 7], [4, 0, 2, 8], [1, 6, 8, 5]]
# What the candidate wrote (None: nothing), per column:
WRITTEN = [[6, 4, 1],          # 3 correct
           [0, 9, 4],          # 2 correct, 1 error (9 for 5)
           [None, 2, None],    # 1 correct, the first cell jumped over (skipped), the last not reached
           [7, None, None]]    # 1 correct, the rest not reached (neither error nor skip)


@pytest.fixture
def profile():
    return parse_profile(yaml.safe_load(PROFILE), "kraepelin-unit")


def options_of(written):
    """handle -> stored option letter (A = digit 0), as the delivery stores a choice."""
    flat = [d for column in written for d in column]
    return {h: None if d is None else chr(ord("A") + d) for h, d in enumerate(flat)}


def test_the_sheet_is_generated_from_the_form_seed(profile):
    sheet = profile.section("KRAEPELIN").sheet
    assert sheet_digits("demo", "KRAEPELIN", sheet).tolist() == SHEET
    cells = form_cells("demo", "KRAEPELIN", sheet)
    assert [(c["column"], c["pair"]) for c in cells[:4]] == [(0, [6, 0]), (0, [0, 4]), (0, [4, 7]), (1, [2, 8])]
    assert len(cells) == 12 and all(c["options"] == list("ABCDEFGHIJ") and c["item"] is None for c in cells)
    assert form_cells("demo", "KRAEPELIN", sheet) == cells
    assert sheet_digits("demo2", "KRAEPELIN", sheet).tolist() != SHEET


def test_a_known_pattern_gives_the_hand_worked_work_curve(profile):
    cells = form_cells("demo", "KRAEPELIN", profile.section("KRAEPELIN").sheet)
    scores = score_sections(profile, cells, options_of(WRITTEN), key_of=None)  # type: ignore[arg-type]
    assert dict(scores) == {} and not in_total(profile.section("KRAEPELIN"))  # a profile, not points
    result = judge(profile, "umum", scores)
    entry = result["sections"][0]
    assert (result["total"], result["max"], result["passed"]) == (0, 0, True)
    assert (entry["code"], entry["score"], entry["max"], entry["in_total"], entry["passed"], entry["valid"]) == (
        "KRAEPELIN", 7, None, False, None, True)
    assert entry["columns"] == {"correct": [3, 2, 1, 1], "errors": [0, 1, 0, 0], "skipped": [0, 0, 1, 0]}
    # speed 7 / 4; accuracy 1 error + 1 skip; range 3 - 1;
    # mean deviation (|3 - 1.75| + |2 - 1.75| + 2 |1 - 1.75|) / 4 = 3 / 4;
    # endurance: x centred -1.5 -0.5 0.5 1.5, sum x^2 = 5, sum x c = -4.5 - 1 + 0.5 + 1.5 = -3.5 -> -0.7
    assert entry["metrics"] == {"correct": 7, "errors": 1, "skipped": 1, "speed": 1.75, "accuracy": 2,
                                "range": 2, "mean_deviation": 0.75, "endurance": -0.7}


def test_the_score_param_and_in_total_put_a_metric_into_the_total(profile):
    raw = yaml.safe_load(PROFILE)
    raw["sections"][0]["scoring"] = {"rule": "kraepelin", "score": "speed", "in_total": True}
    counted = parse_profile(raw, "counted")
    cells = form_cells("demo", "KRAEPELIN", counted.section("KRAEPELIN").sheet)
    scores = score_sections(counted, cells, options_of(WRITTEN), key_of=None)  # type: ignore[arg-type]
    assert dict(scores) == {"KRAEPELIN": 1.75}
    assert judge(counted, "umum", scores)["total"] == 1.75


def test_nothing_written_is_all_zero_and_a_single_column_has_no_slope():
    raw = yaml.safe_load(PROFILE)
    raw["sections"][0]["sheet"]["columns"] = 1
    one = parse_profile(raw, "one")
    cells = form_cells("demo", "KRAEPELIN", one.section("KRAEPELIN").sheet)
    entry = judge(one, "umum", score_sections(one, cells, {}, key_of=None))["sections"][0]  # type: ignore[arg-type]
    assert entry["columns"] == {"correct": [0], "errors": [0], "skipped": [0]}
    assert entry["metrics"]["endurance"] is None and entry["valid"] is False and entry["score"] == 0
