"""Per-candidate form assembly from the bank by the blueprint.

For each section: a max-flow splits the topic counts over the difficulty bands within
what the bank holds under the exposure limit; each (topic, band) cell is then filled with
its least-exposed items (random among equals); swaps within a cell bring the section's
mean difficulty within the profile's tolerance of the target, and make the item set
differ from every form already drawn in the session. Item and option order are shuffled.
Everything random comes from one generator seeded by (session seed, candidate), and items
are ordered by id and revision, never by database key: the same seed and the same bank
version give the same forms, in this database or a restored copy elsewhere.
A generated section (Kraepelin) draws nothing from the bank: its cells come from the form's
seed (question_bank/generators/kraepelin.py), in the section's place on the form.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np

from question_bank.generators.kraepelin import form_cells
from question_bank.item_types import get_item_type
from question_bank.profiles import BANDS, Profile, SectionBlueprint

BAND_OF = {d: band for band, levels in BANDS.items() for d in levels}


class AssemblyError(ValueError):
    """The bank cannot satisfy the blueprint; the message names the section and shortage."""


@dataclass(frozen=True)
class PoolItem:
    pk: int
    item_id: str
    revision: int
    section: str
    item_type: str
    topic: str
    difficulty: int
    option_count: int


@dataclass
class RoomState:
    """What earlier forms of the session used: exposure counts and item sets."""

    room_size: int
    exposure: dict[int, int] = field(default_factory=dict)
    signatures: set[frozenset[int]] = field(default_factory=set)

    def record(self, pks: Iterable[int]) -> None:
        pks = list(pks)
        for pk in pks:
            self.exposure[pk] = self.exposure.get(pk, 0) + 1
        self.signatures.add(frozenset(pks))


@dataclass
class AssembledForm:
    seed: str
    bank_version: str
    items: list[dict[str, Any]]
    difficulty: dict[str, float]


def bank_version(pool: Iterable[PoolItem]) -> str:
    """Digest of everything assembly reads from the bank (content is covered by the revision)."""
    digest = hashlib.sha256()
    for i in sorted(pool, key=lambda i: (i.item_id, i.revision)):
        digest.update(f"{i.item_id}:{i.revision}:{i.section}:{i.item_type}:{i.topic}:{i.difficulty}:"
                      f"{i.option_count}\n".encode())
    return digest.hexdigest()


def form_seed(session_seed: int, candidate: str) -> str:
    return hashlib.sha256(f"{session_seed}:{candidate}".encode()).hexdigest()


def _max_flow_split(topics: dict[str, int], bands: dict[str, int], capacity: dict[tuple[str, str], int],
                    rng: np.random.Generator) -> dict[tuple[str, str], int] | None:
    """Counts per (topic, band) meeting both marginals within capacity, or None."""
    flow: dict[tuple[str, str], int] = {cell: 0 for cell in capacity}
    topic_left = dict(topics)
    band_left = dict(bands)

    def augment() -> bool:
        # Breadth-first search over the residual graph: source->topic->band->sink,
        # with back edges band->topic where flow exists. Neighbour order is random.
        parents: dict[str, tuple[str, str] | None] = {}
        queue: list[str] = []
        for t in rng.permutation(sorted(topics)).tolist():
            if topic_left[t] > 0:
                parents["t:" + t] = None
                queue.append("t:" + t)
        while queue:
            node = queue.pop(0)
            kind, name = node.split(":", 1)
            if kind == "t":
                for b in rng.permutation(sorted(bands)).tolist():
                    if flow[(name, b)] < capacity[(name, b)] and "b:" + b not in parents:
                        parents["b:" + b] = (node, "fwd")
                        if band_left[b] > 0:
                            _apply("b:" + b, parents)
                            return True
                        queue.append("b:" + b)
            else:
                for t in sorted(topics):
                    if flow[(t, name)] > 0 and "t:" + t not in parents:
                        parents["t:" + t] = (node, "back")
                        queue.append("t:" + t)
        return False

    def _apply(end: str, parents: dict[str, tuple[str, str] | None]) -> None:
        band_left[end[2:]] -= 1
        node = end
        while parents[node] is not None:
            prev, direction = parents[node]  # type: ignore[misc]
            if direction == "fwd":
                flow[(prev[2:], node[2:])] += 1
            else:
                flow[(node[2:], prev[2:])] -= 1
            node = prev
        topic_left[node[2:]] -= 1

    while sum(topic_left.values()) and augment():
        pass
    return flow if not sum(topic_left.values()) else None


def _shortage(section: SectionBlueprint, bands: dict[str, int], capacity: dict[tuple[str, str], int]) -> str:
    lines = []
    for topic, need in section.topics.items():
        have = sum(capacity.get((topic, b), 0) for b in bands)
        if have < need:
            lines.append(f"topic {topic}: needs {need}, bank has {have} usable")
    for band, need in bands.items():
        have = sum(capacity.get((t, band), 0) for t in section.topics)
        if have < need:
            lines.append(f"difficulty {band}: needs {need}, bank has {have} usable")
    detail = "; ".join(lines) or "topics and difficulty bands cannot be combined as the blueprint asks"
    return f"section {section.code}: {detail} (under the exposure limit)"


def _assemble_section(section: SectionBlueprint, pool: list[PoolItem], state: RoomState, cap: int,
                      tolerance: float, rng: np.random.Generator) -> tuple[list[PoolItem], list[PoolItem]]:
    """(chosen items, unchosen eligible items) for one section."""
    eligible = [i for i in pool if i.section == section.code and i.item_type == section.item_type
                and i.topic in section.topics and state.exposure.get(i.pk, 0) < cap]
    bands = section.band_counts()
    cells: dict[tuple[str, str], list[PoolItem]] = {(t, b): [] for t in section.topics for b in bands}
    for item in eligible:
        cells.setdefault((item.topic, BAND_OF[item.difficulty]), []).append(item)
    capacity = {cell: len(items) for cell, items in cells.items()}
    split = _max_flow_split(section.topics, bands, capacity, rng)
    if split is None:
        raise AssemblyError(_shortage(section, bands, capacity))
    chosen: list[PoolItem] = []
    rest: list[PoolItem] = []
    for cell in sorted(cells):
        items = cells[cell]
        noise = rng.random(len(items))
        order = sorted(range(len(items)), key=lambda k: (state.exposure.get(items[k].pk, 0), noise[k]))
        chosen += [items[k] for k in order[: split.get(cell, 0)]]
        rest += [items[k] for k in order[split.get(cell, 0):]]
    return chosen, rest


def _target(section: SectionBlueprint, pool: list[PoolItem]) -> float:
    """Mean difficulty a form should have: the band mix applied to the bank's band means."""
    bands = section.band_counts()
    total = 0.0
    for band, count in bands.items():
        levels = [i.difficulty for i in pool if i.section == section.code and BAND_OF[i.difficulty] == band]
        total += count * (float(np.mean(levels)) if levels else float(np.mean(BANDS[band])))
    return total / section.items


def _balance(chosen: list[PoolItem], rest: list[PoolItem], target: float, tolerance: float) -> None:
    """Swap within a (topic, band) cell until the mean is within tolerance of the target."""
    n = len(chosen)
    for _ in range(4 * n):
        gap = sum(i.difficulty for i in chosen) / n - target
        if abs(gap) <= tolerance / 2:
            return
        best = None
        for a, out in enumerate(chosen):
            for b, into in enumerate(rest):
                if (out.topic, BAND_OF[out.difficulty]) != (into.topic, BAND_OF[into.difficulty]):
                    continue
                new_gap = abs(gap + (into.difficulty - out.difficulty) / n)
                if new_gap < abs(gap) and (best is None or new_gap < best[0]):
                    best = (new_gap, a, b)
        if best is None:
            return
        _, a, b = best
        chosen[a], rest[b] = rest[b], chosen[a]


def _make_distinct(chosen: list[PoolItem], rest: list[PoolItem], state: RoomState,
                   rng: np.random.Generator) -> None:
    """Swap one item for a same-difficulty item of its cell until the set is new."""
    for _ in range(200):
        if frozenset(i.pk for i in chosen) not in state.signatures:
            return
        options = [(a, b) for a, out in enumerate(chosen) for b, into in enumerate(rest)
                   if (out.topic, out.difficulty) == (into.topic, into.difficulty)]
        if not options:
            options = [(a, b) for a, out in enumerate(chosen) for b, into in enumerate(rest)
                       if (out.topic, BAND_OF[out.difficulty]) == (into.topic, BAND_OF[into.difficulty])]
        if not options:
            break
        a, b = options[int(rng.integers(len(options)))]
        chosen[a], rest[b] = rest[b], chosen[a]
    if frozenset(i.pk for i in chosen) in state.signatures:
        raise AssemblyError("the bank is too small to give this candidate a form different from the others")


def assemble_form(profile: Profile, pool: list[PoolItem], state: RoomState, session_seed: int,
                  candidate: str, version: str | None = None) -> AssembledForm:
    version = version or bank_version(pool)
    pool = sorted(pool, key=lambda i: (i.item_id, i.revision))
    seed = form_seed(session_seed, candidate)
    rng = np.random.default_rng(int(seed[:16], 16))
    cap = max(1, math.floor(profile.exposure_limit * state.room_size))
    all_chosen: list[PoolItem] = []
    all_rest: list[PoolItem] = []
    for section in profile.sections:
        if section.sheet is not None:
            continue
        chosen, rest = _assemble_section(section, pool, state, cap, profile.difficulty_tolerance, rng)
        _balance(chosen, rest, _target(section, pool), profile.difficulty_tolerance)
        all_chosen += chosen
        all_rest += rest
    if all_chosen:  # a form of generated sections only differs from its neighbours by its seed
        _make_distinct(all_chosen, all_rest, state, rng)
    final = {i.pk for i in all_chosen}
    delivery: list[dict[str, Any]] = []
    difficulty: dict[str, float] = {}
    by_pk = {i.pk: i for i in all_chosen}
    for section in profile.sections:
        if section.sheet is not None:
            delivery += form_cells(seed, section.code, section.sheet)
            continue
        items = sorted((by_pk[pk] for pk in final if by_pk[pk].section == section.code),
                       key=lambda i: (i.item_id, i.revision))
        difficulty[section.code] = round(float(np.mean([i.difficulty for i in items])), 4)
        for k in rng.permutation(len(items)).tolist():
            item = items[k]
            letters = [chr(ord("A") + j) for j in range(item.option_count)]
            if get_item_type(item.item_type).shuffle_options:
                letters = [letters[j] for j in rng.permutation(len(letters)).tolist()]
            delivery.append({"item": item.pk, "section": section.code, "options": letters})
    state.record(final)
    return AssembledForm(seed, version, delivery, difficulty)
