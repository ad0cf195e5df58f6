"""Answer-copying detection on simulated rooms: a planted copier is found, honest pairs stay
quiet, agreement on right answers by perfect scorers is no evidence, and bad input is refused."""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from exam_engine.proctoring.copying import DEFAULT_THRESHOLD, SuspectPair, detect_copying
from exam_engine.proctoring.copying_model import choice_probabilities
from exam_engine.proctoring.copying_sim import Room, plant_copier, simulate_room

N = 300
SEED = 2024
HONEST_PAIRS = N * (N - 1) // 2


@pytest.fixture(scope="module")
def room() -> Room:
    return simulate_room(N, seed=SEED)


def detect(room: Room, **kwargs: Any) -> list[SuspectPair]:
    return detect_copying(room.responses, room.correct, room.present, **kwargs)


def pair_of(found: list[SuspectPair], a: int, b: int) -> SuspectPair | None:
    return next((p for p in found if (p.first, p.second) == (min(a, b), max(a, b))), None)


def test_simulated_room_has_partial_forms(room: Room) -> None:
    assert room.responses.shape == (N, 120) and room.responses.dtype == np.int8
    assert (room.present.sum(1) == 96).all()                      # 80 % of the pool each
    assert (room.responses[~room.present] == -1).all()
    overlap = (room.present[0] & room.present[1:]).sum(1) / 120   # about 0.8 x 0.8 of the pool
    assert 0.55 < overlap.mean() < 0.75 and overlap.max() < 0.8


def test_planted_copier_is_found_and_honest_pairs_stay_quiet(room: Room) -> None:
    source, copier = (int(v) for v in np.random.default_rng(SEED).choice(N, 2, replace=False))
    planted = plant_copier(room, source, copier, fraction=0.4, seed=SEED)
    found = detect(planted)
    hit = pair_of(found, source, copier)
    assert hit is not None and found[0] == hit                   # flagged, and the strongest flag
    assert hit.z > DEFAULT_THRESHOLD + 1
    assert hit.identical_wrong > 2 * hit.expected_wrong and hit.identical > hit.expected
    honest = [p for p in found if p is not hit]
    assert len(honest) / (HONEST_PAIRS - 1) < 0.01
    # even a lax threshold flags well under 1 % of the honest room
    assert len(detect(room, threshold=3.0)) / HONEST_PAIRS < 0.01


def test_copying_more_gives_more_evidence(room: Room) -> None:
    z = [pair_of(detect(plant_copier(room, 10, 20, fraction=f, seed=1), threshold=1.0), 10, 20)
         for f in (0.2, 0.4, 0.8)]
    assert all(p is not None for p in z)
    assert z[0].z < z[1].z < z[2].z  # type: ignore[union-attr]


def test_identical_perfect_scorers_are_not_flagged(room: Room) -> None:
    responses, present = room.responses.copy(), room.present.copy()
    present[[0, 1]] = True
    responses[[0, 1]] = room.correct
    found = detect_copying(responses, room.correct, present, threshold=0.0)
    assert pair_of(found, 0, 1) is None
    # whereas two identical rows with their wrong answers are plain copying
    responses[1] = responses[2] = room.responses[2]
    present[1] = present[2] = room.present[2]
    assert pair_of(detect_copying(responses, room.correct, present), 1, 2) is not None


def test_pairs_without_enough_shared_items_are_never_flagged(room: Room) -> None:
    responses, present = room.responses[:60].copy(), room.present[:60].copy()
    present[0], present[1] = np.arange(120) < 60, np.arange(120) >= 60          # disjoint forms
    present[2] = (np.arange(120) >= 50) & (np.arange(120) < 110)               # 10 items shared with 0
    responses[[0, 1, 2]] = np.where(present[[0, 1, 2]], room.responses[3], -1)  # all copy one candidate
    kwargs: dict[str, Any] = {"threshold": -99.0}
    assert pair_of(detect_copying(responses, room.correct, present, min_shared=1, **kwargs), 0, 1) is None
    assert pair_of(detect_copying(responses, room.correct, present, **kwargs), 0, 2) is None  # 10 < 20
    assert pair_of(detect_copying(responses, room.correct, present, min_shared=10, **kwargs), 0, 2) is not None


def test_blocks_give_the_same_pairs(room: Room) -> None:
    assert detect(room, threshold=2.5, block=37) == detect(room, threshold=2.5)


def test_matches_a_plain_per_pair_computation(room: Room) -> None:
    """The vectorised z against the docstring's formula, one pair and one item at a time."""
    small = Room(room.responses[:40], room.correct, room.present[:40], room.ability[:40])
    got = {(p.first, p.second): p for p in detect(small, threshold=-99, min_shared=1, wrong_weight=2.5)}
    x, key = small.responses.astype(int), small.correct.astype(int)
    prob = choice_probabilities(x[..., None] == np.arange(5), key, 1)
    for a in range(40):
        for b in range(a + 1, 40):
            z = []
            for s, c in ((a, b), (b, a)):
                w = e = v = 0.0
                for j in np.flatnonzero((x[s] >= 0) & (x[c] >= 0)):
                    weight = 2.5 if x[s, j] != key[j] else 1.0
                    p = prob[c, j, x[s, j]]
                    w, e, v = w + weight * (x[c, j] == x[s, j]), e + weight * p, v + weight ** 2 * p * (1 - p)
                z.append((w - e) / math.sqrt(v))
            assert got[a, b].z == pytest.approx(max(z), abs=1e-4)
            assert got[a, b].identical == int(((x[a] == x[b]) & (x[a] >= 0)).sum())


def test_unkeyed_items_count_matches_but_not_wrong_matches(room: Room) -> None:
    key = room.correct.astype(np.int8).copy()
    key[:30] = -1                                                 # e.g. weighted TKP items
    found = detect_copying(room.responses, key, room.present, threshold=-99, min_shared=1)
    x = room.responses
    p = found[0]
    both = (x[p.first] == x[p.second]) & (x[p.first] >= 0)
    assert p.identical == both.sum()
    assert p.identical_wrong == (both & (x[p.first] != key) & (key >= 0)).sum()


BAD_INPUTS: list[tuple[dict[str, Any], str]] = [
    ({"responses": np.zeros(5, np.int8)}, "candidates x items"),
    ({"responses": np.zeros((3, 4))}, "integer option indices"),
    ({"responses": np.full((3, 4), 6, np.int8)}, "option indices 0..5"),
    ({"responses": np.full((3, 4), -2, np.int8)}, "option indices 0..5"),
    ({"correct": np.zeros(5, np.int8)}, "one entry per item"),
    ({"correct": np.full(4, 9, np.int8)}, "correct must hold"),
    ({"present": np.ones((3, 5), bool)}, "shape of responses"),
    ({"present": np.full((3, 4), 0.5)}, "boolean mask"),
    ({"present": np.eye(3, 4, dtype=bool)}, "not on the candidate's form"),
    ({"threshold": math.nan}, "threshold"),
    ({"wrong_weight": 0.5}, "wrong_weight"),
    ({"min_shared": 0}, "min_shared"),
]


@pytest.mark.parametrize(("change", "message"), BAD_INPUTS)
def test_bad_input_raises_a_clear_error(change: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"responses": np.zeros((3, 4), np.int8), "correct": np.zeros(4, np.int8),
                            "present": np.ones((3, 4), bool)}
    args.update(change)
    with pytest.raises(ValueError, match=message):
        detect_copying(**args)


def test_tiny_rooms_have_no_pairs() -> None:
    assert detect_copying(np.zeros((1, 4), np.int8), np.zeros(4, np.int8), np.ones((1, 4), bool)) == []
