"""A weight for every option (TKP 1..5; PPPK managerial, socio-cultural, interview 1..4)."""
from __future__ import annotations

from typing import Any

from question_bank.item_types.base import ItemType, Report

DEFAULT_RANGE = (1, 5)


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    # isdecimal, not isdigit: "²" is a digit int() refuses; the length keeps int() away from
    # its 4,300-digit limit.
    text = value.strip() if isinstance(value, str) else ""
    if text.lstrip("-").isdecimal() and text.isascii() and len(text) <= 6:
        return int(text)
    return None


class Weighted(ItemType):
    name = "weighted"
    key_fields = ("weights",)

    def validate_key(self, record: dict[str, Any], option_keys: list[str], context: dict[str, Any]) -> Report:
        low, high = context.get("weight_range") or DEFAULT_RANGE
        weights = record.get("weights")
        if not isinstance(weights, dict) or not weights:
            return [("weights", "missing: give a weight for every option, e.g. {A: 5, B: 3, ...}")]
        report: Report = []
        for key, value in weights.items():
            key = str(key).strip().upper()
            if key not in option_keys:
                report.append((f"weights.{key}", f"option {key!r} does not exist (options: {', '.join(option_keys)})"))
                continue
            weight = _as_int(value)
            if weight is None:
                report.append((f"weights.{key}", f"{value!r} is not a whole number"))
            elif not low <= weight <= high:
                report.append((f"weights.{key}", f"weight {weight} is out of range {low}..{high}"))
        missing = [k for k in option_keys if k not in {str(w).strip().upper() for w in weights}]
        if missing:
            report.append(("weights", f"no weight for option(s) {', '.join(missing)}"))
        return report

    def scoring_key(self, record: dict[str, Any]) -> dict[str, Any]:
        return {"weights": {str(k).strip().upper(): _as_int(v) for k, v in record["weights"].items()}}
