"""Scoring rules against hand-worked cases: SKD sections, negative marking, Likert traits and
norms, Kraepelin column metrics."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from exam_engine.scoring import RULES, get_rule
from exam_engine.scoring.base import BLANK, SectionKey, round_half_up
from exam_engine.scoring.keys import MAX_OPTIONS, section_key
from exam_engine.scoring.kraepelin import column_counts, expected_digits, generate_columns, kraepelin_key, metrics
from exam_engine.scoring.likert import likert_key, load_norms, norm_scores, trait_sums
from exam_engine.scoring.results import judge, score_sections
from question_bank.profiles import load_profile

SAMPLES = Path(__file__).resolve().parents[3] / "question_bank" / "samples"

# --- SKD: a known answer pattern ------------------------------------------------------------
# TWK item i's answer is option i % 5, TIU item i's is 2i % 5; TKP item i gives option o the
# weight (o + i) % 5 + 1, so every TKP item has each weight 1..5 exactly once.
TWK = np.arange(30) % 5
TIU = (2 * np.arange(35)) % 5
TKP = np.array([[(o + i) % 5 + 1 for o in range(5)] + [0] * (MAX_OPTIONS - 5) for i in range(45)], dtype=float)


def dichotomous_row(correct: np.ndarray, right: int, wrong: int) -> np.ndarray:
    """The first `right` items answered correctly, the next `wrong` wrongly, the rest blank."""
    row = np.full(len(correct), BLANK)
    row[:right] = correct[:right]
    row[right:right + wrong] = (correct[right:right + wrong] + 1) % 5
    return row


def tkp_row(plan: list[tuple[int, int]]) -> np.ndarray:
    """plan: (weight, how many items) in item order; items after the plan stay blank."""
    weights = [w for w, n in plan for _ in range(n)]
    row = np.full(45, BLANK)
    row[:len(weights)] = [(w - 1 - i) % 5 for i, w in enumerate(weights)]
    return row


TKP_167 = [(4, 30), (5, 5), (3, 7), (1, 1)]        # 120 + 25 + 21 + 1, 2 blanks
TKP_165 = [(4, 30), (5, 5), (3, 6), (2, 1)]        # 120 + 25 + 18 + 2, 3 blanks
# (TWK right, wrong), (TIU right, wrong), TKP plan -> the scores worked by hand below.
ATTEMPTS = [((14, 10), (17, 12), TKP_167),   # 70, 85, 167 = 322
            ((12, 15), (17, 12), TKP_167),   # 60, 85, 167 = 312
            ((14, 10), (16, 19), TKP_167),   # 70, 80, 167 = 317
            ((14, 16), (17, 0), TKP_165)]    # 70, 85, 165 = 320
EXPECTED = [(70, 85, 167), (60, 85, 167), (70, 80, 167), (70, 85, 165)]


def skd_matrix() -> dict[str, np.ndarray]:
    return {"TWK": np.array([dichotomous_row(TWK, *a[0]) for a in ATTEMPTS], dtype=np.int8),
            "TIU": np.array([dichotomous_row(TIU, *a[1]) for a in ATTEMPTS], dtype=np.int8),
            "TKP": np.array([tkp_row(a[2]) for a in ATTEMPTS], dtype=np.int8)}


def skd_keys() -> dict[str, SectionKey]:
    return {"TWK": SectionKey(TWK.astype(np.int8), np.zeros((30, MAX_OPTIONS))),
            "TIU": SectionKey(TIU.astype(np.int8), np.zeros((35, MAX_OPTIONS))),
            "TKP": SectionKey(np.full(45, BLANK, dtype=np.int8), TKP)}


def test_skd_sections_vectorised_over_candidates():
    profile = load_profile("skd-cpns")
    chosen, keys = skd_matrix(), skd_keys()
    got = {s.code: get_rule(s.scoring["rule"]).score(chosen[s.code], keys[s.code], s.scoring) for s in profile.sections}
    assert [tuple(got[c][k] for c in ("TWK", "TIU", "TKP")) for k in range(4)] == EXPECTED
    assert all(v.dtype == np.float64 for v in got.values())


def form_of(candidate: int) -> tuple[list[dict], dict[int, str | None], dict[int, tuple[int, tuple[float, ...]]]]:
    """The same attempt as the delivery path sees it: form entries, letters by handle, keys by item."""
    chosen, items, options, keys = skd_matrix(), [], {}, {}
    for code, key in (("TWK", TWK), ("TIU", TIU), ("TKP", None)):
        for i, picked in enumerate(chosen[code][candidate]):
            handle = len(items)
            items.append({"section": code, "item": 1000 + handle})
            options[handle] = None if picked == BLANK else "ABCDE"[picked]
            keys[1000 + handle] = (int(key[i]), (0.0,) * MAX_OPTIONS) if key is not None else (-1, tuple(TKP[i]))
    return items, options, keys


@pytest.mark.parametrize("candidate", range(4))
def test_skd_attempt_through_score_sections(candidate):
    items, options, keys = form_of(candidate)
    scores = score_sections(load_profile("skd-cpns"), items, options, keys.__getitem__)
    assert (scores["TWK"], scores["TIU"], scores["TKP"]) == EXPECTED[candidate]


@pytest.mark.parametrize(("candidate", "formation", "passed", "reasons"), [
    (0, "umum", True, []),
    (1, "umum", False, ["TWK 60 < 65"]),
    (2, "umum", True, []),                      # TIU 80 is exactly the threshold
    (3, "umum", False, ["TKP 165 < 166"]),
    (0, "cumlaude", True, []),                  # 322 >= 311 and TIU 85 >= 85
    (1, "cumlaude", True, []),                  # no TWK floor: 312 >= 311
    (2, "cumlaude", False, ["TIU 80 < 85"]),
    (3, "diaspora", True, []),                  # no TKP floor
    (1, "disabilitas", True, []),
])
def test_skd_pass_fail_general_and_special_formations(candidate, formation, passed, reasons):
    twk, tiu, tkp = EXPECTED[candidate]
    verdict = judge(load_profile("skd-cpns"), formation, {"TWK": twk, "TIU": tiu, "TKP": tkp})
    assert (verdict["passed"], verdict["reasons"], verdict["total"]) == (passed, reasons, twk + tiu + tkp)


# --- dichotomous: negative marking ----------------------------------------------------------
def test_negative_marking():
    key = SectionKey(np.array([0, 1, 2, 3], dtype=np.int8), np.zeros((4, MAX_OPTIONS)))
    chosen = np.array([[0, 1, 3, BLANK],      # 2 right, 1 wrong, 1 blank
                       [1, 2, 3, 0],          # 4 wrong
                       [0, 1, 2, 3],          # 4 right
                       [BLANK] * 4], dtype=np.int8)
    rule = get_rule("dichotomous")
    assert rule.score(chosen, key, {"correct": 4, "wrong": -1}).tolist() == [7, -4, 16, 0]
    assert rule.score(chosen, key, {"correct": 4, "wrong": -1, "blank": -0.5}).tolist() == [6.5, -4, 16, -2]
    assert rule.score(chosen, key, {"correct": 4, "wrong": -1, "floor": 0}).tolist() == [7, 0, 16, 0]
    assert rule.score(chosen, key, {}).tolist() == [2, 0, 4, 0]  # default: 1 / 0 / 0


def test_weighted_blank_mark_and_section_key_from_items():
    key = section_key([(-1, (1.0, 2.0, 3.0, 4.0, 0.0, 0.0)), (-1, (4.0, 3.0, 2.0, 1.0, 0.0, 0.0))])
    chosen = np.array([[3, 0], [BLANK, 1], [BLANK, BLANK]], dtype=np.int8)
    assert get_rule("weighted").score(chosen, key, {}).tolist() == [8, 3, 0]
    assert get_rule("weighted").score(chosen, key, {"blank": 1}).tolist() == [8, 4, 2]


def test_registry():
    assert set(RULES) == {"dichotomous", "weighted", "likert", "kraepelin"}
    assert get_rule("weighted").detail(np.zeros((2, 0), np.int8), section_key([]), {})["score"].tolist() == [0, 0]
    with pytest.raises(ValueError, match="unknown scoring rule 'irt'"):
        get_rule("irt")


def test_round_half_up():
    assert round_half_up(np.array([2.345, 0.125, 0.4 * 311, 1.005]), 2).tolist() == [2.35, 0.13, 124.4, 1.01]
    assert round_half_up(np.array([2.5, 3.5, -2.5]), 0).tolist() == [3, 4, -2]


# --- Likert ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def kepribadian() -> SectionKey:
    """The sample inventory: 4 traits x 5 items; per trait 3 forward and 2 reverse-keyed items."""
    items = yaml.safe_load((SAMPLES / "kepribadian.yaml").read_text(encoding="utf-8"))["items"]
    return likert_key(items)


def responses(kepribadian: SectionKey, per_item: list[str | None]) -> np.ndarray:
    return np.array([[BLANK if c is None else "ABCDE".index(c) for c in per_item]], dtype=np.int8)


def test_likert_key_of_the_sample_bank(kepribadian):
    assert kepribadian.traits == ("ketelitian", "stabilitas_emosi", "kerja_sama", "inisiatif")
    assert kepribadian.reverse.tolist() == [False] * 4 + [True] * 4 + [False] * 4 + [True] * 4 + [False] * 4
    assert np.bincount(kepribadian.trait_of).tolist() == [5, 5, 5, 5]


def test_likert_reverse_keying(kepribadian):
    chosen = np.concatenate([
        responses(kepribadian, ["D"] * 20),                                # 3 x 4 + 2 x (6 - 4) = 16
        responses(kepribadian, ["A"] * 20),                                # 3 x 1 + 2 x (6 - 1) = 13
        responses(kepribadian, [("A" if r else "E") for r in kepribadian.reverse]),  # 25 everywhere
    ])
    assert trait_sums(chosen, kepribadian).tolist() == [[16] * 4, [13] * 4, [25] * 4]


def test_likert_missing_policies(kepribadian):
    # ketelitian is items 1, 5 (reverse), 9, 13 (reverse), 17: E, B, D, blank, blank
    # -> 5 + (6 - 2) + 4 = 13 from 3 answers; the other traits are complete (all C = 3 x 5 = 15).
    per_item = ["C"] * 20
    per_item[0], per_item[4], per_item[8], per_item[12], per_item[16] = "E", "B", "D", None, None
    chosen = responses(kepribadian, per_item)
    assert trait_sums(chosen, kepribadian, missing="prorate").tolist() == [[21.67, 15, 15, 15]]  # 13 / 3 x 5
    assert trait_sums(chosen, kepribadian, missing="zero").tolist() == [[13, 15, 15, 15]]
    invalid = trait_sums(chosen, kepribadian, missing={"invalid_if_more_than": 1})
    assert np.isnan(invalid[0, 0]) and invalid[0, 1:].tolist() == [15, 15, 15]
    assert trait_sums(chosen, kepribadian, missing={"invalid_if_more_than": 2}).tolist() == [[21.67, 15, 15, 15]]
    assert trait_sums(chosen, kepribadian, missing={"invalid_if_more_than": 2, "otherwise": "zero"}).tolist() == [
        [13, 15, 15, 15]]
    nothing = trait_sums(responses(kepribadian, [None] * 20), kepribadian)
    assert np.isnan(nothing).all()
    with pytest.raises(ValueError, match="missing-answer policy"):
        trait_sums(chosen, kepribadian, missing="mean")


def test_likert_prorating_rounds_half_up():
    # One trait of 9 items, 8 answered summing to 13: 13 x 9 / 8 = 14.625 -> 14.63 (half-even: 14.62).
    key = likert_key([{"trait": "t", "reverse": False}] * 9)
    chosen = np.array([[0, 0, 0, 0, 1, 1, 1, 2, BLANK]], dtype=np.int8)
    assert trait_sums(chosen, key).tolist() == [[14.63]]
    with pytest.raises(ValueError, match="beyond the 2-point scale"):
        trait_sums(chosen, key, points=2)


def test_norm_scores_by_hand():
    norms = load_norms("kepribadian-sample")
    assert norms["ketelitian"] == (18.0, 4.0) and norms["kerja_sama"] == (19.0, 2.5)
    traits = ("ketelitian", "stabilitas_emosi", "kerja_sama", "inisiatif")
    raw = np.array([[16, 16, 16, 16], [25, 25, 25, 25], [17, 5, 21.67, np.nan]])
    t, stanine = norm_scores(raw, traits, norms)
    # z = (raw - mean) / sd; T = 50 + 10 z; stanine = clip(round_half_up(2 z + 5), 1, 9)
    assert t[0] == pytest.approx([45, 50 - 10 * 1.5 / 3.5, 38, 50], abs=1e-12)
    assert stanine[0].tolist() == [4, 4, 3, 5]            # 2z + 5 = 4, 4.14, 2.6, 5
    assert t[1] == pytest.approx([67.5, 50 + 10 * 7.5 / 3.5, 74, 78.125], abs=1e-12)
    assert stanine[1].tolist() == [9, 9, 9, 9]            # 8.5 (half up), 9.29, 9.8 and 10.6 clipped
    assert t[2, :3] == pytest.approx([47.5, 50 - 10 * 12.5 / 3.5, 60.68], abs=1e-12)
    assert stanine[2, :3].tolist() == [5, 1, 7]           # 4.5 (half up), -2.1 clipped, 7.136
    assert np.isnan(t[2, 3]) and np.isnan(stanine[2, 3])


def test_likert_rule_detail(kepribadian):
    chosen = responses(kepribadian, ["D"] * 20)
    params = {"rule": "likert", "norms": "kepribadian-sample"}
    detail = get_rule("likert").detail(chosen, kepribadian, params)
    assert detail["ketelitian.raw"].tolist() == [16] and detail["ketelitian.t"].tolist() == [45]
    assert detail["inisiatif.stanine"].tolist() == [5]
    assert get_rule("likert").score(chosen, kepribadian, params).tolist() == [64]
    with pytest.raises(ValueError, match="needs trait keys"):
        get_rule("likert").score(chosen, section_key([(-1, (0.0,) * MAX_OPTIONS)] * 20), params)
    with pytest.raises(ValueError, match="no norm table"):
        get_rule("likert").detail(chosen, kepribadian, {"norms": "nowhere"})


# --- Kraepelin ------------------------------------------------------------------------------
SHEET = np.array([[3, 5, 6, 4, 1],      # pairs: 8, 11, 10, 5 -> 8 1 0 5
                  [2, 8, 5, 2, 3],      # 10, 13, 7, 5        -> 0 3 7 5
                  [6, 5, 6, 0, 8]])     # 11, 11, 6, 8        -> 1 1 6 8
WRITTEN = np.array([
    [[8, 1, 0, 5], [0, 4, -1, 5], [1, -1, -1, -1]],     # correct 4 2 1; 1 error, 1 skip; col 3 not reached
    [[-1] * 4] * 3,                                     # nothing written
    [[-1, -1, -1, 8], [0, 3, 7, 5], [1, 1, 6, 8]],      # 3 skips and 1 error, then 4 and 4 correct
], dtype=np.int8)


def test_generated_sheet_is_reproducible():
    sheet = generate_columns(7, 3, 5)
    # Pinned: the same seed must give the same sheet on every machine and numpy version.
    assert sheet.tolist() == SHEET.tolist() and sheet.dtype == np.int8
    assert np.array_equal(generate_columns(7, 45, 60), generate_columns(7, 45, 60))
    assert not np.array_equal(generate_columns(8, 45, 60), generate_columns(7, 45, 60))
    big = generate_columns(1, 50, 60)
    assert big.shape == (50, 60) and big.min() == 0 and big.max() == 9
    with pytest.raises(ValueError):
        generate_columns(1, 3, 1)


def test_kraepelin_per_column_counts():
    assert expected_digits(SHEET).tolist() == [[8, 1, 0, 5], [0, 3, 7, 5], [1, 1, 6, 8]]
    correct, errors, skipped = column_counts(WRITTEN, expected_digits(SHEET))
    assert correct.tolist() == [[4, 2, 1], [0, 0, 0], [0, 4, 4]]
    assert errors.tolist() == [[0, 1, 0], [0, 0, 0], [1, 0, 0]]
    assert skipped.tolist() == [[0, 1, 0], [0, 0, 0], [3, 0, 0]]


def test_kraepelin_metrics_by_hand():
    m = get_rule("kraepelin").detail(WRITTEN, kraepelin_key(SHEET), {})
    assert m["correct"].tolist() == [7, 0, 8]
    assert m["speed"] == pytest.approx([7 / 3, 0, 8 / 3], abs=1e-12)
    assert m["accuracy"].tolist() == [2, 0, 4]                     # errors + skips
    assert m["range"].tolist() == [3, 0, 4]
    # |4 - 7/3| + |2 - 7/3| + |1 - 7/3| = 10/3 over 3 columns; |0 - 8/3| + 2 |4 - 8/3| = 16/3
    assert m["mean_deviation"] == pytest.approx([10 / 9, 0, 16 / 9], abs=1e-12)
    # slope over x = 0, 1, 2: sum((x - 1)(c - mean)) / 2 = (1 - 4) / 2 and (4 - 0) / 2
    assert m["endurance"] == pytest.approx([-1.5, 0, 2], abs=1e-12)
    assert get_rule("kraepelin").score(WRITTEN, kraepelin_key(SHEET), {}).tolist() == [7, 0, 8]
    assert get_rule("kraepelin").score(WRITTEN, kraepelin_key(SHEET), {"score": "accuracy"}).tolist() == [2, 0, 4]


def test_kraepelin_endurance_is_the_least_squares_slope():
    rng = np.random.default_rng(5)
    correct = rng.integers(0, 30, size=(20, 45))
    slopes = metrics(correct, np.zeros_like(correct), np.zeros_like(correct))["endurance"]
    reference = np.polyfit(np.arange(45), correct.T, 1)[0]
    assert slopes == pytest.approx(reference, abs=1e-9)
    assert np.isnan(metrics(correct[:, :1], correct[:, :1] * 0, correct[:, :1] * 0)["endurance"]).all()


def test_kraepelin_rejects_bad_input():
    key = kraepelin_key(SHEET)
    with pytest.raises(ValueError, match="written must be"):
        get_rule("kraepelin").score(WRITTEN[:, :2], key, {})
    with pytest.raises(ValueError, match="outside 0..9"):
        get_rule("kraepelin").score(np.where(WRITTEN == 8, 10, WRITTEN).astype(np.int8), key, {})
    with pytest.raises(ValueError, match="Kraepelin score 'panker'"):
        get_rule("kraepelin").score(WRITTEN, key, {"score": "panker"})
