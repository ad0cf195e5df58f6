"""Thresholds, ranking, quota and the final-score chain on crafted rosters (PermenPANRB 27/2021)."""
from __future__ import annotations

import numpy as np
import pytest

from exam_engine.results.ranking import formation_codes, passes, rank_final, rank_stage, tie_chain
from exam_engine.scoring.results import judge
from question_bank.profiles import Profile, load_profile


@pytest.fixture(scope="module")
def skd() -> Profile:
    return load_profile("skd-cpns")


def roster(rows: list[tuple[int, int, int, str]]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """(TWK, TIU, TKP, formation) per candidate -> section score columns and formations."""
    twk, tiu, tkp, formation = zip(*rows, strict=True)
    return {"TWK": np.array(twk, float), "TIU": np.array(tiu, float), "TKP": np.array(tkp, float)}, np.array(formation)


THRESHOLD_CASES = [
    ((65, 80, 166, "umum"), True),            # every floor exactly met
    ((60, 90, 200, "umum"), False),           # TWK
    ((65, 75, 200, "umum"), False),           # TIU
    ((100, 100, 165, "umum"), False),         # TKP
    ((60, 85, 166, "cumlaude"), True),        # total 311, TIU 85: no TWK/TKP floor
    ((60, 84, 170, "cumlaude"), False),       # TIU 84 < 85
    ((50, 85, 175, "diaspora"), False),       # total 310 < 311
    ((40, 60, 186, "disabilitas"), True),     # total 286, TIU 60
    ((40, 55, 200, "papua"), False),          # TIU 55 < 60
    ((30, 60, 196, "daerah_tertinggal"), True),
]


def test_pass_fail_per_formation_matches_judge(skd):
    scores, formation = roster([row for row, _ in THRESHOLD_CASES])
    codes, names = formation_codes(formation)
    got = passes(skd, scores, codes, names)
    assert got.tolist() == [ok for _, ok in THRESHOLD_CASES]
    # The vectorised rule and the per-attempt judge() read the same thresholds.
    for k, (row, _) in enumerate(THRESHOLD_CASES):
        assert judge(skd, row[3], {"TWK": row[0], "TIU": row[1], "TKP": row[2]})["passed"] == got[k]


def test_chain_decides_ties_on_total(skd):
    scores, formation = roster([
        (100, 100, 200, "umum"),   # A 400
        (90, 100, 200, "umum"),    # B 390
        (85, 95, 200, "umum"),     # G 380, TKP 200, TIU 95
        (90, 90, 200, "umum"),     # H 380, TKP 200, TIU 90
        (70, 100, 210, "umum"),    # F 380, TKP 210: first of the 380s
        (95, 90, 195, "umum"),     # I 380, TKP 195
    ])
    result = rank_stage(skd, scores, formation, {"umum": 1})  # 3 x 1 vacancy advance
    assert result.total.tolist() == [400, 390, 380, 380, 380, 380]
    assert result.rank.tolist() == [1, 2, 4, 5, 3, 6]
    assert result.order.tolist() == [0, 1, 4, 2, 3, 5]
    assert result.advances.tolist() == [True, True, False, False, True, False]
    assert rank_stage(skd, scores, formation, {"umum": 2}).advances.all()


def test_everyone_tied_at_the_cut_off_advances(skd):
    scores, formation = roster([
        (100, 100, 200, "umum"),   # 400, rank 1
        (90, 100, 200, "umum"),    # 390, rank 2
        (80, 100, 200, "umum"),    # 380: three candidates equal on the total and the whole chain
        (80, 100, 200, "umum"),
        (80, 100, 200, "umum"),
        (85, 95, 200, "umum"),     # 380 but TIU 95: after them
        (60, 175, 225, "umum"),    # 460 but TWK 60: fails, never ranked, takes no place
    ])
    result = rank_stage(skd, scores, formation, {"umum": 1})
    assert result.passed.tolist() == [True] * 6 + [False]
    assert result.rank.tolist() == [1, 2, 3, 3, 3, 6, 0]
    assert result.advances.tolist() == [True] * 5 + [False, False]     # 5 go on for a quota of 3


def test_ranking_is_per_formation(skd):
    scores, formation = roster([
        (70, 90, 180, "umum"),          # 340
        (60, 90, 200, "cumlaude"),      # 350: fails the general floors, ranked in cumlaude
        (80, 90, 180, "umum"),          # 350
        (100, 100, 200, "cumlaude"),    # 400
        (60, 85, 170, "cumlaude"),      # 315
        (90, 90, 190, "cumlaude"),      # 370
        (70, 90, 180, "umum"),          # 340
    ])
    result = rank_stage(skd, scores, formation, {"umum": 1, "cumlaude": 1})
    assert result.rank.tolist() == [2, 3, 1, 1, 4, 2, 2]
    assert result.order.tolist() == [3, 5, 1, 4, 2, 0, 6]               # cumlaude < umum by name
    assert result.advances.tolist() == [True, True, True, True, False, True, True]
    # int codes into profile.formations give the same ranking
    codes = np.array([skd.formations.index(f) for f in formation])
    again = rank_stage(skd, scores, codes, {"umum": 1, "cumlaude": 1})
    assert again.rank.tolist() == result.rank.tolist() and again.advances.tolist() == result.advances.tolist()


def test_quota_needs_vacancies_for_every_ranked_formation(skd):
    scores, formation = roster([(70, 90, 180, "umum"), (60, 90, 200, "cumlaude")])
    with pytest.raises(ValueError, match="no vacancy count for formation.*cumlaude"):
        rank_stage(skd, scores, formation, {"umum": 1})
    assert rank_stage(skd, scores, formation).advances.tolist() == [True, True]   # ranking only
    with pytest.raises(ValueError, match="formation codes"):
        rank_stage(skd, scores, np.array([0, 9]))


def test_tie_chain_from_data():
    chain = tie_chain(["TKP", {"key": "date_of_birth", "order": "ascending"}])
    assert chain == [("TKP", True), ("date_of_birth", False)]
    with pytest.raises(ValueError, match="ascending or descending"):
        tie_chain([{"key": "x", "order": "up"}])


# --- final score: SKD 40 % + SKB 60 %, chain SKD, TKP, TIU, TWK, older first ------------------
CPNS_FINAL = {"stages": {"SKD": 0.4, "SKB": 0.6}, "decimals": 3, "advance_multiple": 1,
              "tie_breaks": ["SKD", "TKP", "TIU", "TWK", {"key": "date_of_birth", "order": "ascending"}]}


def final_roster(rows: list[tuple[str, float, float, int, int, int, str]]) -> dict[str, np.ndarray]:
    """(name, SKD, SKB, TWK, TIU, TKP, date of birth) per candidate."""
    _, skd, skb, twk, tiu, tkp, born = zip(*rows, strict=True)
    columns = {"SKD": np.array(skd, float), "SKB": np.array(skb, float), "TWK": np.array(twk),
               "TIU": np.array(tiu), "TKP": np.array(tkp), "date_of_birth": np.array(born, dtype="datetime64[D]")}
    assert (columns["TWK"] + columns["TIU"] + columns["TKP"] == columns["SKD"]).all()
    return columns


def test_final_score_chain_down_to_date_of_birth():
    columns = final_roster([
        ("P", 400, 300, 95, 100, 205, "1996-01-01"),   # 160 + 180 = 340
        ("Q", 370, 320, 80, 100, 190, "1990-01-01"),   # 148 + 192 = 340: lower SKD
        ("R", 400, 300, 100, 100, 200, "1990-01-01"),  # 340, SKD 400, TKP 200
        ("S", 400, 300, 100, 95, 205, "1990-01-01"),   # 340, SKD 400, TKP 205, TIU 95
        ("T", 400, 300, 95, 100, 205, "1995-03-01"),   # as P, born earlier: before P
        ("U", 400, 300, 95, 100, 205, "1998-07-15"),   # as P, born later: after P
        ("V", 420, 310, 100, 110, 210, "1999-12-31"),  # 168 + 186 = 354: first
    ])
    result = rank_final(CPNS_FINAL, columns, np.array(["umum"] * 7), vacancies={"umum": 2})
    assert result.total.tolist() == [340] * 6 + [354]
    names = "PQRSTUV"
    assert "".join(names[k] for k in result.order) == "VTPUSRQ"
    assert result.rank.tolist() == [3, 7, 6, 5, 2, 4, 1]
    assert result.advances.tolist() == [False, False, False, False, True, False, True]


def test_final_ties_after_the_whole_chain_share_a_rank_and_ineligible_are_not_ranked():
    columns = final_roster([
        ("A", 400, 300, 95, 100, 205, "1996-01-01"),
        ("B", 400, 300, 95, 100, 205, "1996-01-01"),   # equal in everything, birth date included
        ("C", 380, 300, 95, 100, 185, "1996-01-01"),
        ("D", 500, 90, 100, 200, 200, "1980-01-01"),   # did not sit SKB
    ])
    result = rank_final(CPNS_FINAL, columns, np.array(["umum"] * 4), eligible=np.array([True, True, True, False]),
                        vacancies={"umum": 1})
    assert result.rank.tolist() == [1, 1, 3, 0]
    assert result.advances.tolist() == [True, True, False, False]


def test_final_score_rounds_before_comparing():
    # 0.4 x 300 + 0.6 x 53 and 0.4 x 324 + 0.6 x 37 are both 151.8, but not in floating point
    # (151.8 vs 151.79999999999998): rounding makes it a tie that SKD decides, not float noise.
    columns = final_roster([("X", 300, 53, 90, 90, 120, "1990-01-01"), ("Y", 324, 37, 90, 100, 134, "1990-01-01")])
    assert 0.4 * 300 + 0.6 * 53 != 0.4 * 324 + 0.6 * 37
    result = rank_final(CPNS_FINAL, columns, ["umum", "umum"])
    assert result.total.tolist() == [151.8, 151.8] and result.rank.tolist() == [2, 1]


def test_final_stage_rescaled_to_100():
    # SKD on 0..550 and SKB on 0..100, each rescaled to 0..100 before weighting:
    # 440 / 550 x 100 x 0.4 + 75 x 0.6 = 32 + 45 = 77; 311 / 550 x 100 x 0.4 = 22.61818... -> 22.618
    stages = {"stages": {"SKD": {"weight": 0.4, "max": 550}, "SKB": {"weight": 0.6, "max": 100}}, "decimals": 3}
    columns = {"SKD": np.array([440.0, 311.0]), "SKB": np.array([75.0, 0.0])}
    result = rank_final(stages, columns, ["umum", "umum"])
    assert result.total.tolist() == [77.0, 22.618]
    assert result.rank.tolist() == [1, 2]


def test_unknown_date_of_birth_never_wins_the_last_tie_break():
    columns = {"SKD": np.array([400.0] * 3), "SKB": np.array([300.0] * 3),
               "date_of_birth": np.array(["2000-01-01", "NaT", "1990-01-01"], dtype="datetime64[D]")}
    chain = {"stages": {"SKD": 0.4, "SKB": 0.6}, "tie_breaks": [{"key": "date_of_birth", "order": "ascending"}]}
    assert rank_final(chain, columns, ["umum"] * 3).rank.tolist() == [2, 3, 1]
