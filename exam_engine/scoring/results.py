"""Section scores, totals and pass/fail by the profile's thresholds for one attempt.

Thresholds: the profile's default applies unless the candidate's formation has its own
entry, which replaces it whole (special formations judge total and TIU only).

Sections apart from the total. A section whose rule reports a profile rather than points
(Likert inventories; any section with `in_total: false` in its scoring) adds nothing to the
total, has no pass mark unless the thresholds name it, and carries its named results: for a
Likert section the raw sum, T-score and stanine of every trait; for a Kraepelin section the
per-column counts (correct, errors, skipped) and the metrics (speed, accuracy, range,
mean_deviation, endurance), the metrics rounded half up like trait scores.

Scoring one attempt is two steps: `plan_sections` takes what depends on the profile and the
form alone (each section's handles, rule and key), `score_planned` applies the answers. A form
never changes once assembled, so live scoring plans it once and scores every round from it."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from exam_engine.scoring import get_rule, kraepelin
from exam_engine.scoring.base import BLANK, ScoringRule, SectionKey, round_half_up
from exam_engine.scoring.keys import ItemKey, section_key
from question_bank.profiles import Profile, SectionBlueprint

#: Reported values of sections apart (trait raw sums, T-scores) are rounded half up to this.
DECIMALS = 2


def thresholds_for(profile: Profile, formation: str) -> dict[str, Any]:
    table = profile.thresholds or {}
    return (table.get("formations") or {}).get(formation) or table.get("default") or {}


def in_total(section: SectionBlueprint) -> bool:
    """Whether the section's score adds into the total: its `in_total` param, else its rule's default."""
    return bool(section.scoring.get("in_total", get_rule(section.scoring.get("rule", "dichotomous")).in_total))


class SectionScores(dict[str, float]):
    """Section code -> score of the sections that add into the total, so that the live views,
    which sum the values, sum the right ones. `apart` holds the other sections, JSON-ready:
    code -> {"score": summary, "valid": no value is missing, "traits": {trait: {raw, t, stanine}}}
    with None where the missing-answer policy leaves a trait without a score (NaN breaks JSON)."""

    def __init__(self, scores: dict[str, float], apart: dict[str, dict[str, Any]]) -> None:
        super().__init__(scores)
        self.apart = apart


def _report(detail: dict[str, np.ndarray]) -> tuple[dict[str, dict[str, float | None]], bool]:
    """{"trait.measure": (1,) array} -> ({trait: {measure: value}}, every value present)."""
    nested: dict[str, dict[str, float | None]] = {}
    valid = True
    for name, values in detail.items():
        group, _, measure = name.rpartition(".")
        value = float(values[0])
        valid &= bool(np.isfinite(value))
        nested.setdefault(group or name, {})[measure] = (
            float(round_half_up(np.array([value]), DECIMALS)[0]) if np.isfinite(value) else None)
    return nested, valid


@dataclass(frozen=True)
class PlannedSection:
    """One profile section on one form: all that scoring it needs besides the answers."""

    section: SectionBlueprint
    handles: np.ndarray  # (items,) intp: the section's handles in form order, read-only
    rule: ScoringRule
    key: SectionKey  # arrays read-only: a plan is shared by every later round
    counted: bool  # adds into the total
    cells: bool  # generated Kraepelin cells: the answers are digits, shaped like key.correct


@dataclass(frozen=True)
class SectionsPlan:
    size: int  # handles on the form
    sections: tuple[PlannedSection, ...]  # in profile order


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _frozen_key(key: SectionKey) -> SectionKey:
    """The same key with its arrays read-only, so that no rule can change a shared plan."""
    for f in fields(key):
        value = getattr(key, f.name)
        if isinstance(value, np.ndarray):
            _read_only(value)
    return key


def plan_sections(profile: Profile, form_items: list[dict[str, Any]],
                  key_of: Callable[[int], ItemKey | tuple[int, tuple[float, ...]]]) -> SectionsPlan:
    """What scoring one form needs of the profile and the form; `key_of` is called here only."""
    planned = []
    for section in profile.sections:
        handles = [h for h, entry in enumerate(form_items) if entry["section"] == section.code]
        cells = bool(handles) and "pair" in form_items[handles[0]]
        if cells:
            key = kraepelin.sitting_key([form_items[h] for h in handles])
            rule = get_rule(section.scoring.get("rule", "kraepelin"))
        else:
            key = section_key([key_of(form_items[h]["item"]) for h in handles])
            rule = get_rule(section.scoring.get("rule", "dichotomous"))
        planned.append(PlannedSection(section, _read_only(np.array(handles, dtype=np.intp)), rule,
                                      _frozen_key(key), in_total(section), cells))
    return SectionsPlan(len(form_items), tuple(planned))


def answered_indexes(size: int, options: dict[int, str | None]) -> np.ndarray:
    """(size,) int8 per handle of the form: the bank option's index (A = 0), BLANK where none.
    Handles outside the form belong to no section and are left out."""
    chosen = np.full(size, BLANK, dtype=np.int8)
    for handle, option in options.items():
        if option is not None and 0 <= handle < size:
            chosen[handle] = ord(option) - ord("A")
    return chosen


def score_planned(plan: SectionsPlan, options: dict[int, str | None]) -> SectionScores:
    """Scores per section of one planned form; `options` maps handle -> the bank's option key."""
    answered = answered_indexes(plan.size, options)
    scores: dict[str, float] = {}
    apart: dict[str, dict[str, Any]] = {}
    for planned in plan.sections:
        code = planned.section.code
        chosen = answered[planned.handles]
        if planned.cells:
            # Generated cells (Kraepelin): the written digit is the option's index, A = 0.
            apart[code] = _kraepelin_entry(planned, chosen.reshape(1, *planned.key.correct.shape))
            if planned.counted:
                scores[code] = apart.pop(code)["score"]
            continue
        chosen = chosen[np.newaxis]
        params = planned.section.scoring
        score = float(planned.rule.score(chosen, planned.key, params)[0])
        if planned.counted:
            scores[code] = score
            continue
        traits, valid = _report(planned.rule.detail(chosen, planned.key, params))
        apart[code] = {"score": score, "valid": valid, "traits": traits}
    return SectionScores(scores, apart)


def score_sections(profile: Profile, form_items: list[dict[str, Any]], options: dict[int, str | None],
                   key_of: Callable[[int], ItemKey | tuple[int, tuple[float, ...]]]) -> SectionScores:
    """Scores per section of one form; `options` maps handle -> the bank's option key."""
    return score_planned(plan_sections(profile, form_items, key_of), options)


def _kraepelin_entry(planned: PlannedSection, written: np.ndarray) -> dict[str, Any]:
    score = float(planned.rule.score(written, planned.key, planned.section.scoring)[0])
    found = kraepelin.report(written, planned.key)
    shown = {name: None if v is None else float(round_half_up(np.array([v]), DECIMALS)[0])
             for name, v in found["metrics"].items()}
    return {"score": score, "valid": all(v is not None for v in shown.values()), "traits": {},
            "metrics": shown, "columns": found["columns"]}


def _apart_entry(section: SectionBlueprint, scores: dict[str, float], limit: float | None) -> dict[str, Any]:
    """The result entry of a section apart: a pass mark only when the thresholds name it, and
    then an invalid profile (a trait without a score) does not pass."""
    found = getattr(scores, "apart", {}).get(section.code)
    if found is None:  # a plain dict (tests, re-judging stored scores): the summary alone
        found = {"score": scores.get(section.code), "valid": True, "traits": {}}
    score = found["score"]
    passed = None if limit is None else bool(found["valid"] and score is not None and score >= limit)
    entry = {"code": section.code, "name": section.name, "score": score, "max": None, "threshold": limit,
             "passed": passed, "in_total": False, "valid": found["valid"], "traits": found["traits"]}
    entry.update({k: found[k] for k in ("metrics", "columns") if k in found})  # Kraepelin's work curve
    return entry


def judge(profile: Profile, formation: str, scores: dict[str, float], lang: str = "id") -> dict[str, Any]:
    limits = thresholds_for(profile, formation)
    section_limits: dict[str, float] = limits.get("sections") or {}
    reasons = []
    sections = []
    counted = [s for s in profile.sections if in_total(s)]
    for s in profile.sections:
        limit = section_limits.get(s.code)
        if s not in counted:
            entry = _apart_entry(s, scores, limit)
            if entry["passed"] is False:
                reasons.append(f"{s.code} {entry['score']:g} < {limit:g}" if entry["valid"] else f"{s.code} invalid")
            sections.append(entry)
            continue
        ok = limit is None or scores[s.code] >= limit
        if not ok:
            reasons.append(f"{s.code} {scores[s.code]:g} < {limit:g}")
        sections.append({"code": s.code, "name": s.name, "score": scores[s.code], "max": s.max_score,
                         "threshold": limit, "passed": ok})
    total = float(sum(scores[s.code] for s in counted))
    total_limit = limits.get("total")
    if total_limit is not None and total < total_limit:
        reasons.append(f"total {total:g} < {total_limit:g}")
    return {"sections": sections, "total": total, "total_threshold": total_limit,
            "max": float(sum(s.max_score for s in counted)), "passed": not reasons, "reasons": reasons}
