"""What the answer path needs of a form, kept per node.

A form never changes once assembled, and its exam's profile is a snapshot, so the option
letters per handle and the handles each timed part opens are read and parsed once per form
instead of once per answer."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

from exam_engine.delivery.attempts import part_handles
from exam_engine.scheduling.models import ExamSession
from exam_engine.scheduling.service import profile_of
from question_bank.forms import Form

LIMIT = 50_000  # forms; a venue's day is a few thousand


@dataclass(frozen=True)
class FormShape:
    letters: tuple[tuple[str, ...], ...]  # per handle: the bank option letter of each displayed choice
    parts: tuple[range, ...]  # per timed part (Attempt.group_index): the handles it opens

    def part(self, index: int) -> range:
        return self.parts[min(index, len(self.parts) - 1)]


K = TypeVar("K")
V = TypeVar("V")


class PerForm(Generic[K, V]):
    """What a node keeps per form (forms never change): bounded, emptied whole when full."""

    def __init__(self) -> None:
        self._entries: dict[K, V] = {}
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        return self._entries.get(key)

    def put(self, key: K, value: V) -> None:
        with self._lock:
            if len(self._entries) >= LIMIT:
                self._entries.clear()  # a new exam day; they are rebuilt on demand
            self._entries[key] = value


class FormShapes:
    def __init__(self) -> None:
        self._shapes: PerForm[int, FormShape] = PerForm()

    def get(self, session: Session, form_id: int) -> FormShape:
        shape = self._shapes.get(form_id)
        if shape is None:
            form = session.get(Form, form_id)
            if form is None:
                raise LookupError(f"no form {form_id}")
            exam_session = session.get(ExamSession, form.session_id)
            # Extra minutes change a part's length, never which handles it opens.
            plan = profile_of(exam_session.exam).time_plan(0)  # type: ignore[union-attr]
            shape = FormShape(tuple(tuple(e["options"]) for e in form.items),
                              tuple(part_handles(form.items, group) for group in plan))
            self._shapes.put(form_id, shape)
        return shape
