"""Checking bank records field by field; every problem is reported, none is fatal alone."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exam_engine.problems import Problems
from question_bank.bank_files import OPTION_LETTERS, RawBank
from question_bank.images import check_image
from question_bank.item_types import ITEM_TYPES

ITEM_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
BANK_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")
SECTION = re.compile(r"^[A-Z][A-Z0-9_]{0,31}$")
TOPIC = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
COMMON_FIELDS = {"id", "type", "section", "topic", "difficulty", "stem", "image", "options"}
KEY_FIELDS = {f for t in ITEM_TYPES.values() for f in t.key_fields}
BANK_SETTINGS = {"language", "weight_range", "description"}
MAX_TEXT = 20_000


@dataclass(frozen=True)
class Option:
    key: str
    text: str
    image: Path | None = None


@dataclass(frozen=True)
class BankItem:
    """A validated item, ready to store."""

    bank: str
    item_id: str
    item_type: str
    section: str
    topic: str
    difficulty: int
    stem: str
    image: Path | None
    options: tuple[Option, ...]
    key: dict[str, Any]
    source: str
    line: int


def _weight_range(bank: RawBank, problems: Problems) -> tuple[int, int] | None:
    value = bank.settings.get("weight_range")
    if value is None:
        return None
    if (isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value)
            and 0 <= value[0] < value[1]):
        return value[0], value[1]
    problems.add(1, "weight_range", f"{value!r} must be [low, high] whole numbers, e.g. [1, 4]")
    return None


def _options(record: dict[str, Any], line: int, bank_dir: Path, problems: Problems) -> list[Option]:
    raw = record.get("options")
    if not isinstance(raw, dict) or not raw:
        problems.add(line, "options", "missing: give 2 to 6 options keyed A, B, C, ...")
        return []
    keys = [str(k).strip().upper() for k in raw]
    expected = list(OPTION_LETTERS[: len(keys)])
    if len(keys) < 2 or len(keys) > len(OPTION_LETTERS):
        problems.add(line, "options", f"{len(keys)} options; an item has 2 to {len(OPTION_LETTERS)}")
    elif keys != expected:
        problems.add(line, "options", f"keys must be {', '.join(expected)} in order, got {', '.join(keys)}")
    options: list[Option] = []
    seen_text: dict[str, str] = {}
    for key, value in zip(keys, raw.values()):
        text, image_ref = (value.get("text"), value.get("image")) if isinstance(value, dict) else (value, None)
        text = "" if text is None else str(text).strip()
        image = None
        if image_ref is not None:
            image, message = check_image(image_ref, bank_dir)
            if message:
                problems.add(line, f"options.{key}.image", message)
        if not text and image_ref is None:
            problems.add(line, f"options.{key}", "empty option: give a text or an image")
        if len(text) > MAX_TEXT:
            problems.add(line, f"options.{key}", f"text longer than {MAX_TEXT} characters")
        if text and image_ref is None:
            # Exact comparison: items on capitalisation differ only in case.
            normalised = " ".join(text.split())
            if normalised in seen_text:
                problems.add(line, f"options.{key}", f"same text as option {seen_text[normalised]}")
            seen_text[normalised] = key
        options.append(Option(key, text, image))
    return options


def _field(name: Any) -> str:
    """A key as the field of a problem: always text (problems sort by it), never blank."""
    text = str(name)
    return text if text.strip() else repr(text)


def _difficulty(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # isdecimal, not isdigit: int() refuses "²"; the length keeps int() under Python's
    # 4,300-digit limit (a longer "number" is no difficulty either).
    if isinstance(value, str) and value.strip().isdecimal() and len(value.strip()) <= 3:
        value = int(value)
    return value if isinstance(value, int) and 1 <= value <= 5 else None


def _check_pattern(record: dict[str, Any], name: str, pattern: re.Pattern[str], hint: str,
                   line: int, problems: Problems) -> str | None:
    value = record.get(name)
    if value is None or str(value).strip() == "":
        problems.add(line, name, "missing")
        return None
    value = str(value).strip()
    if not pattern.match(value):
        problems.add(line, name, f"{value!r}: {hint}")
        return None
    return value


def validate_record(bank: RawBank, line: int, record: dict[str, Any], bank_dir: Path,
                    problems: Problems, context: dict[str, Any]) -> BankItem | None:
    before = len(problems.items)
    for name in record:
        if name not in COMMON_FIELDS | KEY_FIELDS:
            problems.add(line, _field(name), "unknown field (check the spelling; see docs/bank-format.md)")
    item_id = _check_pattern(record, "id", ITEM_ID, "letters, digits, '-', '_' and '.' only", line, problems)
    section = _check_pattern(record, "section", SECTION, "upper-case letters, digits and _", line, problems)
    topic = _check_pattern(record, "topic", TOPIC, "lower-case letters, digits and _", line, problems)
    type_name = str(record.get("type") or "").strip()
    item_type = ITEM_TYPES.get(type_name)
    if item_type is None:
        problems.add(line, "type", f"{type_name or 'missing'}: use one of {', '.join(ITEM_TYPES)}")
    difficulty = _difficulty(record.get("difficulty"))
    if difficulty is None:
        problems.add(line, "difficulty", f"{record.get('difficulty')!r}: must be a whole number 1..5")
    stem = str(record.get("stem") or "").strip()
    if not stem:
        problems.add(line, "stem", "missing: the item needs a question text")
    elif len(stem) > MAX_TEXT:
        problems.add(line, "stem", f"longer than {MAX_TEXT} characters")
    image = None
    if record.get("image") is not None:
        image, message = check_image(record["image"], bank_dir)
        if message:
            problems.add(line, "image", message)
    options = _options(record, line, bank_dir, problems)
    key: dict[str, Any] = {}
    if item_type is not None and options:
        report = item_type.validate_key(record, [o.key for o in options], context)
        for field_name, message in report:
            problems.add(line, field_name, message)
        if not report:
            key = item_type.scoring_key(record)
    if len(problems.items) != before:
        return None
    return BankItem(bank.name, item_id, type_name, section, topic, difficulty, stem, image,  # type: ignore[arg-type]
                    tuple(options), key, problems.file, line)


def validate_bank(bank: RawBank, path: Path, problems: Problems) -> list[BankItem]:
    """Every record checked; duplicate ids reported with the line of the first one."""
    if not BANK_NAME.match(bank.name):
        problems.add(1, "bank", f"{bank.name!r}: letters, digits, '-' and '_' only")
    for name in bank.settings:
        if name not in BANK_SETTINGS:
            problems.add(1, _field(name), f"unknown bank setting (known: {', '.join(sorted(BANK_SETTINGS))})")
    context = {"weight_range": _weight_range(bank, problems)}
    first_line: dict[str, int] = {}
    items: list[BankItem] = []
    for line, record in bank.records:
        raw_id = str(record.get("id") or "").strip()
        duplicate = raw_id in first_line
        if duplicate:
            problems.add(line, "id", f"duplicate id {raw_id!r} (first defined at line {first_line[raw_id]})")
        elif raw_id:
            first_line[raw_id] = line
        item = validate_record(bank, line, record, path.parent, problems, context)
        if item is not None and not duplicate:
            items.append(item)
    return items
