"""Ranking rules in profiles: the tie-break chains, 'N x vacancies' and the final score of
several stages are data, checked when the profile is read, and ranked from that data."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from exam_engine.problems import InvalidFile
from exam_engine.results.ranking import rank_final_of
from question_bank.profiles import load_profile, parse_profile

TWO_PARTS = Path(__file__).parent / "profiles" / "skb-two-parts.yaml"


def columns(rows: list[tuple[Any, ...]], names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """One tuple per candidate, the last value a date of birth."""
    values = list(zip(*rows, strict=True))
    out = {name: np.array(v, float) for name, v in zip(names, values[:-1], strict=True)}
    out["date_of_birth"] = np.array(values[-1], dtype="datetime64[D]")
    return out


def test_skd_cpns_final_score_40_60_rescaled_with_its_chain_down_to_date_of_birth():
    skd = load_profile("skd-cpns")
    assert skd.final_score["stage"] == "SKD"
    # SKD / 550 x 100 x 0.4 + SKB x 0.6, rounded to 3 decimals
    cols = columns([
        (440, 80, 100, 140, 200, "1995-05-05"),   # A: 32 + 48 = 80; TIU 140
        (385, 85, 100, 100, 185, "1990-01-01"),   # B: 28 + 51 = 79
        (440, 80, 90, 150, 200, "1999-01-01"),    # C: 80, SKD and TKP as A, TIU 150: first
        (440, 80, 100, 140, 200, "1990-01-01"),   # D: as A in everything but born earlier: before A
        (495, 70, 120, 150, 225, "2000-01-01"),   # E: 36 + 42 = 78; SKD 495
        (330, 90, 80, 100, 150, "1980-01-01"),    # F: 24 + 54 = 78; SKD 330: after E, older or not
    ], ("SKD", "SKB", "TWK", "TIU", "TKP"))
    result = rank_final_of(skd, cols, ["umum"] * 6, vacancies={"umum": 2})
    assert result.total.tolist() == [80.0, 79.0, 80.0, 80.0, 78.0, 78.0]
    assert "".join("ABCDEF"[k] for k in result.order) == "CDABEF"
    assert result.rank.tolist() == [3, 4, 1, 2, 5, 6]
    assert result.advances.tolist() == [False, False, True, True, False, False]   # 1 x 2 vacancies


def test_a_test_profile_of_two_parts_ranks_by_its_own_data():
    profile = load_profile(str(TWO_PARTS))
    cols = columns([
        (80, 60, "1995-01-01"),    # X: 60 + 15 = 75
        (70, 90, "1980-01-01"),    # Y: 52.5 + 22.5 = 75, lower CAT: after X although older
        (80, 60, "1990-06-30"),    # Z: as X, born earlier: first
        (60, 100, "1970-01-01"),   # W: 45 + 25 = 70
    ], ("CAT", "PRAKTIK"))
    result = rank_final_of(profile, cols, ["umum"] * 4, vacancies={"umum": 1})
    assert result.total.tolist() == [75.0, 75.0, 75.0, 70.0]
    assert result.rank.tolist() == [2, 3, 1, 4]
    assert result.advances.tolist() == [True, False, True, False]    # advance_multiple 2 x 1 vacancy


def test_final_score_needs_the_profile_block_and_every_column():
    with pytest.raises(ValueError, match="profile skd-demo has no final_score block"):
        rank_final_of(load_profile("skd-demo"), {"SKD": np.zeros(1)}, ["umum"])
    with pytest.raises(ValueError, match="final score of profile skb-two-parts: no column PRAKTIK, date_of_birth"):
        rank_final_of(load_profile(str(TWO_PARTS)), {"CAT": np.zeros(1)}, ["umum"])


def bad(**changes: Any) -> list[str]:
    data = dict(load_profile("skd-cpns").source)
    for key, value in changes.items():
        data[key] = {**data[key], **value} if isinstance(value, dict) and key in data else value
    with pytest.raises(InvalidFile) as caught:
        parse_profile(data, "p.yaml")
    return [f"{p.field}: {p.message}" for p in caught.value.problems]


def test_bad_ranking_rules_are_refused_naming_the_field():
    assert bad(ranking={"advance_multiple": 0}) == [
        "ranking.advance_multiple: must be a positive number (N in 'N x vacancies advance')"]
    assert bad(ranking={"tie_breaks": ["TKP", "IPK"]}) == [
        "ranking.tie_breaks[1]: 'IPK': not one of TWK, TIU, TKP, date_of_birth"]
    assert bad(final_score={"stages": {"SKD": 0.4, "SKB": 0.5}}) == [
        "final_score.stages: the weights must add up to 1 (e.g. SKD 0.4 + SKB 0.6)"]
    assert bad(final_score={"stages": {"SKD": {"weight": 0.4, "max": 0}, "SKB": -0.6}}) == [
        "final_score.stages.SKB: weight (and max, if given) must be positive numbers",
        "final_score.stages.SKD: weight (and max, if given) must be positive numbers"]
    assert bad(final_score={"stage": "SKX", "decimals": -1}) == [
        "final_score.decimals: must be a whole number of at least 0",
        "final_score.stage: 'SKX': name which of the stages (SKD, SKB) this profile's total is"]
    assert bad(final_score={"tie_breaks": ["SKD", {"key": "date_of_birth", "order": "older"}]}) == [
        "final_score.tie_breaks[1].order: 'older': ascending or descending"]
    assert bad(final_score={"stages": "SKD"}) == [
        "final_score.stages: must map each stage to a weight or {weight, max}"]
