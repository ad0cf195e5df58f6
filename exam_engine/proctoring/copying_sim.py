"""Simulated exam rooms for testing and benchmarking the answer-copying detector.

Honest candidates answer on their own from an IRT-like model: a 3PL chance of the key (ability,
item discrimination and difficulty, guessing), and, when wrong, a distractor drawn by per-item
attractiveness that weaker candidates follow more closely, so honest candidates of similar
ability agree on wrong answers more than chance alone would say. Each candidate's form holds a
random share of the item pool; a planted copier takes the source's answers, right or wrong."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

BLANK = -1


@dataclass(frozen=True)
class Room:
    """responses: candidates x items int8 in the bank's option order (-1 blank); present: the
    item is on the candidate's form; correct: key per item; ability: the simulated theta."""

    responses: np.ndarray
    correct: np.ndarray
    present: np.ndarray
    ability: np.ndarray


def simulate_room(n_candidates: int, *, n_items: int = 120, form_share: float = 0.8, n_options: int = 5,
                  blank_rate: float = 0.01, seed: int | np.random.Generator = 0) -> Room:
    """A room of honest candidates; each sees round(form_share * n_items) items of the pool."""
    rng = np.random.default_rng(seed)
    n, k = n_candidates, n_options
    theta = rng.standard_normal(n)
    a = rng.uniform(0.6, 2.0, n_items)
    b = rng.normal(0.0, 1.0, n_items)
    correct = rng.integers(0, k, n_items)
    p_right = 1 / k + (1 - 1 / k) / (1 + np.exp(-1.7 * a * (theta[:, None] - b)))
    right = rng.random((n, n_items)) < p_right

    # distractor attractiveness per item; weaker candidates (low theta) follow it more sharply
    appeal = rng.normal(0.0, 1.0, (n_items, k))
    appeal[np.arange(n_items), correct] = -np.inf
    sharpness = np.clip(1.0 - 0.5 * theta, 0.2, None)[:, None, None]
    logits = appeal[None] * sharpness
    weights = np.exp(logits - logits.max(-1, keepdims=True))
    cdf = np.cumsum(weights / weights.sum(-1, keepdims=True), -1)
    wrong = (rng.random((n, n_items, 1)) > cdf).sum(-1).clip(max=k - 1)   # inverse-CDF draw

    responses = np.where(right, correct, wrong)
    responses[rng.random((n, n_items)) < blank_rate] = BLANK
    shown = round(form_share * n_items)
    present = np.argsort(rng.random((n, n_items)), axis=1).argsort(axis=1) < shown
    responses[~present] = BLANK
    return Room(responses.astype(np.int8), correct.astype(np.int8), present, theta)


def plant_copier(room: Room, source: int, copier: int, fraction: float,
                 seed: int | np.random.Generator = 0) -> Room:
    """A copy of `room` where `copier` takes `source`'s answer (right, wrong or blank) on a random
    `fraction` of the items on both their forms."""
    rng = np.random.default_rng(seed)
    both = np.flatnonzero(room.present[source] & room.present[copier])
    taken = rng.choice(both, size=round(fraction * len(both)), replace=False)
    responses = room.responses.copy()
    responses[copier, taken] = responses[source, taken]
    return replace(room, responses=responses)
