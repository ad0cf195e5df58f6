"""Registry of item types. Adding a type: one module, one line here."""
from __future__ import annotations

from question_bank.item_types.base import ItemType
from question_bank.item_types.kraepelin import KraepelinColumn
from question_bank.item_types.likert import Likert
from question_bank.item_types.single_choice import SingleChoice
from question_bank.item_types.weighted import Weighted

#: Types a bank file may hold: bank validation accepts (and names) these.
ITEM_TYPES: dict[str, ItemType] = {t.name: t for t in (SingleChoice(), Weighted(), Likert())}
#: Types whose items each form generates at assembly (`generated`); never in a bank file.
GENERATED_TYPES: dict[str, ItemType] = {t.name: t for t in (KraepelinColumn(),)}


def get_item_type(name: str) -> ItemType:
    return ITEM_TYPES.get(name) or GENERATED_TYPES[name]
