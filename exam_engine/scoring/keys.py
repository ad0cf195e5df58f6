"""Scoring keys from stored item content, cached per item revision (they never change)."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from exam_engine.scoring.base import SectionKey

MAX_OPTIONS = 6


def letter_index(letter: str) -> int:
    return ord(letter) - ord("A")


def item_key(content: dict[str, Any]) -> tuple[int, tuple[float, ...]]:
    """(correct option index or -1, weight per option) of one item."""
    key = content["key"]
    weights = [0.0] * MAX_OPTIONS
    for letter, weight in (key.get("weights") or {}).items():
        weights[letter_index(letter)] = float(weight)
    correct = letter_index(key["answer"]) if "answer" in key else -1
    return correct, tuple(weights)


def section_key(keys: list[tuple[int, tuple[float, ...]]]) -> SectionKey:
    return SectionKey(correct=np.array([k[0] for k in keys], dtype=np.int8),
                      weights=np.array([k[1] for k in keys], dtype=np.float64).reshape(len(keys), MAX_OPTIONS))


class KeyCache:
    """Decrypting a key costs an AES-GCM call; live scoring asks for the same items often."""

    def __init__(self, load: Any) -> None:
        self._cached = lru_cache(maxsize=50_000)(lambda pk: item_key(load(pk)))

    def __call__(self, pk: int) -> tuple[int, tuple[float, ...]]:
        return self._cached(pk)  # type: ignore[no-any-return]
