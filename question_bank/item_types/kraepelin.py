"""Kraepelin/Pauli cells: add two adjacent digits of a column, write the last digit.

Nothing of this type lives in a bank: each form's sheet is generated from its seed at assembly
(question_bank/generators/kraepelin.py). A cell's options are the digits 0..9 in order, so the
chosen index is the digit written and the bank-letter A..J it is stored as maps straight back."""
from __future__ import annotations

from typing import Any

from question_bank.item_types.base import ItemType, Report

DIGITS = tuple(chr(ord("A") + d) for d in range(10))  # option letter of digit d


class KraepelinColumn(ItemType):
    name = "kraepelin"
    shuffle_options = False  # the options are the digits 0..9 themselves
    generated = True

    def validate_key(self, record: dict[str, Any], option_keys: list[str], context: dict[str, Any]) -> Report:
        return [("item_type", "kraepelin cells are generated from the form's seed, not imported into a bank")]

    def scoring_key(self, record: dict[str, Any]) -> dict[str, Any]:
        raise ValueError("kraepelin cells have no stored scoring key: it is the pair's sum modulo 10")
