"""The interface every item type implements; one module per type, registered in __init__."""
from __future__ import annotations

from typing import Any, ClassVar

Report = list[tuple[str, str]]  # (field, message)


class ItemType:
    """A kind of item: which fields hold its scoring key and how they are checked."""

    name: ClassVar[str]
    #: Options may be shown in a per-candidate order (false for ordered scales).
    shuffle_options: ClassVar[bool] = True
    #: Fields of a bank record that belong to the scoring key (never sent to a terminal).
    key_fields: ClassVar[tuple[str, ...]] = ()
    #: Items are generated per form at assembly (Kraepelin cells), not imported into a bank;
    #: the section's `sheet` params say how many and how they are timed.
    generated: ClassVar[bool] = False

    def validate_key(self, record: dict[str, Any], option_keys: list[str], context: dict[str, Any]) -> Report:
        """Problems with the scoring key of one record, given its valid option keys."""
        raise NotImplementedError

    def scoring_key(self, record: dict[str, Any]) -> dict[str, Any]:
        """The normalised scoring key of a record that passed validate_key."""
        raise NotImplementedError
