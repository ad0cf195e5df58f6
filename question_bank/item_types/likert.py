"""Likert statements keyed to a trait, possibly reverse-keyed (personality inventories)."""
from __future__ import annotations

import re
from typing import Any

from question_bank.item_types.base import ItemType, Report

TRAIT = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
TRUE = {"true", "yes", "ya", "1"}
FALSE = {"false", "no", "tidak", "0", ""}


def parse_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    return None


class Likert(ItemType):
    name = "likert"
    # The options are the scale points in order; shuffling them would confuse candidates.
    shuffle_options = False
    key_fields = ("trait", "reverse")

    def validate_key(self, record: dict[str, Any], option_keys: list[str], context: dict[str, Any]) -> Report:
        report: Report = []
        trait = record.get("trait")
        if not trait:
            report.append(("trait", "missing: name the trait this statement measures"))
        elif not TRAIT.match(str(trait)):
            report.append(("trait", f"{trait!r} must be lower-case letters, digits and _"))
        if parse_bool(record.get("reverse")) is None:
            report.append(("reverse", f"{record.get('reverse')!r} is not true/false"))
        if len(option_keys) < 3:
            report.append(("options", "a Likert scale needs at least 3 points"))
        return report

    def scoring_key(self, record: dict[str, Any]) -> dict[str, Any]:
        return {"trait": str(record["trait"]), "reverse": bool(parse_bool(record.get("reverse")))}
