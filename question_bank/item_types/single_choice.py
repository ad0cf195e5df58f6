"""One correct option (TWK, TIU, PPPK technical)."""
from __future__ import annotations

from typing import Any

from question_bank.item_types.base import ItemType, Report


class SingleChoice(ItemType):
    name = "single_choice"
    key_fields = ("answer",)

    def validate_key(self, record: dict[str, Any], option_keys: list[str], context: dict[str, Any]) -> Report:
        answer = record.get("answer")
        if answer is None or str(answer).strip() == "":
            return [("answer", "missing: give the key of the correct option")]
        answer = str(answer).strip().upper()
        if answer not in option_keys:
            return [("answer", f"option {answer!r} does not exist (options: {', '.join(option_keys)})")]
        return []

    def scoring_key(self, record: dict[str, Any]) -> dict[str, Any]:
        return {"answer": str(record["answer"]).strip().upper()}
