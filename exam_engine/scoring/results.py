"""Section scores, totals and pass/fail by the profile's thresholds for one attempt.

Thresholds: the profile's default applies unless the candidate's formation has its own
entry, which replaces it whole (special formations judge total and TIU only)."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from exam_engine.scoring import get_rule
from exam_engine.scoring.base import BLANK
from exam_engine.scoring.keys import section_key
from question_bank.profiles import Profile


def thresholds_for(profile: Profile, formation: str) -> dict[str, Any]:
    table = profile.thresholds or {}
    return (table.get("formations") or {}).get(formation) or table.get("default") or {}


def score_sections(profile: Profile, form_items: list[dict[str, Any]], options: dict[int, str | None],
                   key_of: Callable[[int], tuple[int, tuple[float, ...]]]) -> dict[str, float]:
    """Scores per section of one form; `options` maps handle -> the bank's option key."""
    scores: dict[str, float] = {}
    for section in profile.sections:
        handles = [h for h, entry in enumerate(form_items) if entry["section"] == section.code]
        chosen = np.array([[BLANK if options.get(h) is None else ord(options[h]) - ord("A")  # type: ignore[arg-type]
                            for h in handles]], dtype=np.int8)
        key = section_key([key_of(form_items[h]["item"]) for h in handles])
        rule = get_rule(section.scoring.get("rule", "dichotomous"))
        scores[section.code] = float(rule.score(chosen, key, section.scoring)[0])
    return scores


def judge(profile: Profile, formation: str, scores: dict[str, float], lang: str = "id") -> dict[str, Any]:
    limits = thresholds_for(profile, formation)
    section_limits: dict[str, float] = limits.get("sections") or {}
    reasons = []
    sections = []
    for s in profile.sections:
        limit = section_limits.get(s.code)
        ok = limit is None or scores[s.code] >= limit
        if not ok:
            reasons.append(f"{s.code} {scores[s.code]:g} < {limit:g}")
        sections.append({"code": s.code, "name": s.name, "score": scores[s.code], "max": s.max_score,
                         "threshold": limit, "passed": ok})
    total = float(sum(scores.values()))
    total_limit = limits.get("total")
    if total_limit is not None and total < total_limit:
        reasons.append(f"total {total:g} < {total_limit:g}")
    return {"sections": sections, "total": total, "total_threshold": total_limit,
            "max": float(sum(s.max_score for s in profile.sections)), "passed": not reasons, "reasons": reasons}
