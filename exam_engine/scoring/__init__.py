"""Scoring rules, registered by name. Adding a rule: one module, one line here."""
from __future__ import annotations

from exam_engine.scoring.base import ScoringRule
from exam_engine.scoring.dichotomous import Dichotomous
from exam_engine.scoring.kraepelin import Kraepelin
from exam_engine.scoring.likert import Likert
from exam_engine.scoring.weighted import Weighted

RULES: dict[str, ScoringRule] = {r.name: r for r in (Dichotomous(), Weighted(), Likert(), Kraepelin())}


def get_rule(name: str) -> ScoringRule:
    try:
        return RULES[name]
    except KeyError:
        raise ValueError(f"unknown scoring rule {name!r} (known: {', '.join(RULES)})") from None
