"""Scoring keys from stored item content, cached per item revision (they never change)."""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np

from exam_engine.scoring.base import BLANK, SectionKey

MAX_OPTIONS = 6


class ItemKey(NamedTuple):
    """What scoring needs of one item revision. A plain (correct, weights) pair converts with
    ItemKey(*pair): the Likert fields then say "not a Likert item"."""

    correct: int                      # option index of the one correct answer, or -1
    weights: tuple[float, ...]        # per option A.., padded to MAX_OPTIONS
    trait: str | None = None          # Likert: the trait the statement measures
    reverse: bool = False             # Likert: agreeing lowers the trait
    points: int = 0                   # Likert: scale points (the item's option count)


def letter_index(letter: str) -> int:
    return ord(letter) - ord("A")


def scoring_key(content: dict[str, Any]) -> ItemKey:
    """The full key of one item from its decrypted content ({options, key})."""
    key = content["key"]
    weights = [0.0] * MAX_OPTIONS
    for letter, weight in (key.get("weights") or {}).items():
        weights[letter_index(letter)] = float(weight)
    correct = letter_index(key["answer"]) if "answer" in key else -1
    if "trait" in key:
        # A Likert statement's options are its scale points in order (never shuffled).
        return ItemKey(correct, tuple(weights), str(key["trait"]), bool(key.get("reverse")),
                       len(content.get("options") or ()))
    return ItemKey(correct, tuple(weights))


def item_key(content: dict[str, Any]) -> tuple[int, tuple[float, ...]]:
    """(correct option index or -1, weight per option) of one item."""
    full = scoring_key(content)
    return full.correct, full.weights


def section_key(keys: Sequence[ItemKey | tuple[int, tuple[float, ...]]]) -> SectionKey:
    """One section's key in form order; Likert items also fill the trait fields."""
    full = [k if isinstance(k, ItemKey) else ItemKey(*k) for k in keys]
    key = SectionKey(correct=np.array([k.correct for k in full], dtype=np.int8),
                     weights=np.array([k.weights for k in full], dtype=np.float64).reshape(len(full), MAX_OPTIONS))
    likert = [k for k in full if k.trait is not None]
    if not likert:
        return key
    if len(likert) != len(full):
        raise ValueError("a section mixes Likert statements with other items: its traits cannot be scored")
    points = {k.points for k in likert}
    if len(points) != 1:
        raise ValueError(f"the section's Likert statements have different scale lengths: {sorted(points)}")
    traits = tuple(dict.fromkeys(k.trait for k in likert if k.trait))  # first-seen order, like likert_key
    return SectionKey(correct=np.full(len(full), BLANK, dtype=np.int8), weights=key.weights, traits=traits,
                      trait_of=np.array([traits.index(str(k.trait)) for k in likert], dtype=np.intp),
                      reverse=np.array([k.reverse for k in likert], dtype=bool), points=points.pop())


class KeyCache:
    """Decrypting a key costs an AES-GCM call; live scoring asks for the same items often."""

    def __init__(self, load: Any) -> None:
        self._cached = lru_cache(maxsize=50_000)(lambda pk: scoring_key(load(pk)))

    def __call__(self, pk: int) -> ItemKey:
        return self._cached(pk)  # type: ignore[no-any-return]
