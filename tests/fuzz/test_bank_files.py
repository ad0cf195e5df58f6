"""Mutated bank files (YAML, JSON, CSV, XLSX): each is imported, or refused with problems that
name the file, a line and a field; never an unexpected exception, and a refused import stores
nothing. The import mirrors `exam-engine bank import`: validate every file, then import all in
one transaction."""
from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError
from sqlalchemy import func, select

from exam_engine.context import EngineContext
from exam_engine.problems import InvalidFile, Problem
from question_bank.importer import import_items, validate_files
from question_bank.models import Asset, Item
from tests.conftest import item, weighted_item, write_table

FORMATS = (".yaml", ".json", ".csv", ".xlsx")
FIELDS = ("id", "type", "section", "topic", "difficulty", "stem", "image", "options", "answer", "weights",
          "trait", "reverse", "bank", "extra")
COLUMNS = (["bank", "id", "type", "section", "topic", "difficulty", "stem", "image"]
           + [f"option_{x}" for x in "abcdef"] + ["answer"] + [f"weight_{x}" for x in "abcdef"] + ["trait", "reverse"])

# Every code point, lone surrogates included: JSON and YAML can both escape them.
any_text = st.text(st.characters(codec=None, categories=None), max_size=12)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-2, max_value=8),
    st.floats(), st.text(max_size=12), any_text, st.dates(),
    st.sampled_from(["A", "b", " C ", "single_choice", "weighted", "likert", "TWK", "3", "²", "١", "1e3",
                     "../x.png", "/etc/passwd", "img.png", "yes", "~", "", "9" * 5000]),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=4) | st.integers(), inner, max_size=3), max_leaves=6)


@st.composite
def mutated_items(draw: st.DrawFn) -> dict[str, Any]:
    """A valid item of one of the types, then one or a few fields dropped or replaced with anything."""
    record = item("F-001") if draw(st.booleans()) else weighted_item("F-001")
    for name in draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=draw(st.sampled_from([1, 4])), unique=True)):
        if draw(st.integers(0, 3)) == 0:
            record.pop(name, None)
        else:
            record[name] = draw(values)
    return record


def flat(record: dict[str, Any]) -> dict[str, Any]:
    """An item record as spreadsheet columns (option_a, weight_a, ...)."""
    cells = {k: v for k, v in record.items() if k not in ("options", "weights")}
    for group, prefix in (("options", "option_"), ("weights", "weight_")):
        value = record.get(group)
        if isinstance(value, dict):
            cells.update({f"{prefix}{str(k).lower()}": v for k, v in value.items()})
        elif value is not None:
            cells[f"{prefix}a"] = value
    return cells


def cell(value: Any) -> Any:
    """What a spreadsheet cell can hold: numbers, dates and text; anything else as its text."""
    if value is None or isinstance(value, (bool, float, date, str)):
        return value
    if isinstance(value, int) and abs(value) < 10**15:
        return value
    return json.dumps(value, default=str, ensure_ascii=False)


def write(path: Path, record: dict[str, Any], bank: Any = "fuzz-bank") -> Path | None:
    """The bank file with one item in PATH's format; None when that format cannot hold it."""
    if path.suffix in (".yaml", ".json"):
        document = {"bank": bank, "items": [record]}
        if path.suffix == ".json":
            path.write_text(json.dumps(document, default=str), encoding="utf-8")  # ASCII, \u escapes
        else:
            path.write_text(yaml.safe_dump(document, allow_unicode=False, sort_keys=False), encoding="utf-8")
        return path
    cells = {"bank": bank, **flat(record)}
    header = list(dict.fromkeys([*COLUMNS, *cells]))
    row = [cell(cells.get(name)) for name in header]
    if path.suffix == ".csv":
        text_row = ["" if v is None else str(v) for v in row]
        if any(re.search(r"[\ud800-\udfff]", v) for v in text_row):
            return None  # a CSV file is UTF-8 text: it cannot carry a lone surrogate
    try:
        return write_table(path, [header, row])
    except IllegalCharacterError:  # no spreadsheet holds control characters: nothing to read
        return None


def counts(engine: EngineContext) -> tuple[int, int, int]:
    with engine.db.session() as s:
        return (s.scalar(select(func.count()).select_from(Item)) or 0,
                s.scalar(select(func.count()).select_from(Item).where(Item.active)) or 0,
                s.scalar(select(func.count()).select_from(Asset)) or 0)


def import_files(engine: EngineContext, paths: list[Path]) -> list[Problem]:
    """`bank import`: the problems when refused, [] when imported."""
    result = validate_files(paths)
    if result.problems:
        return result.problems
    try:
        with engine.db.transaction() as session:
            import_items(session, engine.vault, result.items)
    except InvalidFile as refusal:
        return refusal.problems
    return []


def assert_clear(problems: list[Problem], paths: list[Path]) -> None:
    names = {str(p) for p in paths}
    for problem in problems:
        assert problem.file in names and problem.line >= 1, problem
        assert isinstance(problem.field, str) and problem.field.strip() and problem.message.strip(), problem
        assert str(problem).startswith(f"{problem.file}:{problem.line}: {problem.field}: "), str(problem)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("banks")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(suffix=st.sampled_from(FORMATS), record=mutated_items(), bank=st.sampled_from(["fuzz-bank"]) | values)
def test_mutated_item_is_imported_or_clearly_refused(module_engine, folder, suffix, record, bank):
    # A valid second file in the same import: a refusal must not store it either.
    good = folder / "good.yaml"
    good.write_text(yaml.safe_dump({"bank": "good-bank", "items": [item("G-001")]}), encoding="utf-8")
    path = write(folder / f"bank{suffix}", record, bank)
    hypothesis.assume(path is not None)
    before = counts(module_engine)
    problems = import_files(module_engine, [good, path])  # type: ignore[list-item]
    after = counts(module_engine)
    hypothesis.event("refused" if problems else "imported")
    if problems:
        assert_clear(problems, [good, path])  # type: ignore[list-item]
        assert after == before
    else:
        assert after[1] >= 2  # both banks hold an active item


_valid: dict[str, bytes] = {}


def valid_bytes(folder: Path, suffix: str) -> bytes:
    """A valid one-item file, written once: an XLSX holds its write time, and hypothesis needs
    the same bytes on every run of an example."""
    if suffix not in _valid:
        path = write(folder / f"valid{suffix}", item("B-001", stem="Soal tentang Pancasila — sila ke-5, café?"), "byte-bank")
        _valid[suffix] = path.read_bytes()  # type: ignore[union-attr]
    return _valid[suffix]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(suffix=st.sampled_from(FORMATS), data=st.data())
def test_damaged_bytes_are_refused_or_imported_never_a_crash(module_engine, folder, suffix, data):
    """Bytes of a valid file, cut, spliced with random bytes or re-encoded."""
    path = folder / f"bytes{suffix}"
    raw = valid_bytes(folder, suffix)
    kinds = ["splice", "cut", "garbage"] if suffix == ".xlsx" else ["splice", "cut", "cp1252", "utf-16", "garbage"]
    damage = data.draw(st.sampled_from(kinds))
    if damage == "splice":
        at = data.draw(st.integers(0, len(raw)))
        raw = raw[:at] + data.draw(st.binary(min_size=1, max_size=16)) + raw[at + data.draw(st.integers(0, 8)):]
    elif damage == "cut":
        raw = raw[:data.draw(st.integers(0, len(raw)))]
    elif damage == "garbage":
        raw = data.draw(st.binary(max_size=200))
    else:
        raw = raw.decode("utf-8").encode(damage)
    hypothesis.event(damage)
    path.write_bytes(raw)
    before = counts(module_engine)
    problems = import_files(module_engine, [path])
    if problems:
        assert_clear(problems, [path])
        assert counts(module_engine) == before


def test_an_escaped_emoji_in_json_is_one_character(module_engine, folder):
    """json.dump writes an emoji as two \\u escapes; YAML, which reads our JSON for its line
    numbers, decodes them one by one into two halves that no database can store."""
    path = folder / "emoji.json"
    path.write_text(json.dumps({"bank": "emoji-bank", "items": [item("E-001", stem="Senyum 😀?")]}), encoding="utf-8")
    assert "\\ud83d\\ude00" in path.read_text(encoding="utf-8")
    assert import_files(module_engine, [path]) == []
    result = validate_files([path])
    assert result.items[0].stem == "Senyum 😀?"


@pytest.mark.parametrize(("text", "line", "message"), [
    ("bank: b\nitems:\n- id: A\n  difficulty: 2026-13-45\n", 4, "month must be in 1..12"),
    ("bank: b\nitems:\n- id: A\n  difficulty: " + "7" * 5000 + "\n", 4, "4300 digits"),
    ("bank: b\nitems:\n- ? [a, b]\n  : 1\n", 3, "unhashable key"),
    ("bank: b\nitems:\n- id: A\n  stem: \"\\ud800\"\n", 4, "without its pair"),
    ("bank: b\nitems:\n- id: A\n  stem: x\x00\n", 4, "special characters"),
    ("bank: b\nitems: " + "[" * 3000 + "]" * 3000 + "\n", 1, "nested too deeply"),
])
def test_yaml_the_parser_let_through_is_a_problem_with_a_line(folder, text, line, message):
    path = folder / "odd.yaml"
    path.write_text(text, encoding="utf-8")
    problems = validate_files([path]).problems
    assert [(p.line, p.field) for p in problems] == [(line, "yaml")]
    assert message in problems[0].message


def test_json_nested_too_deeply_is_a_problem(folder):
    path = folder / "deep.json"
    path.write_text('{"bank": "b", "items": ' + "[" * 3000 + "]" * 3000 + "}", encoding="utf-8")
    assert [(p.line, p.field, p.message) for p in validate_files([path]).problems] == [(1, "json", "nested too deeply")]


@pytest.mark.parametrize("suffix", [".yaml", ".csv"])
@pytest.mark.parametrize("difficulty", ["²", "9" * 5000])
def test_digit_like_difficulty_is_a_problem_not_a_crash(folder, suffix, difficulty):
    """str.isdigit() accepts "²", which int() refuses; 5,000 digits exceed int()'s limit."""
    path = write(folder / f"difficulty{suffix}", item("D-001", difficulty=difficulty))
    problems = validate_files([path]).problems  # type: ignore[list-item]
    assert [(p.field, p.line) for p in problems] == [("difficulty", 2 if suffix == ".csv" else 3)]


def test_odd_keys_are_named_as_text(folder):
    """A number as a bank-level key, and blank item keys: every problem names a field as text
    (an int field used to break sorting the problems of one line: TypeError)."""
    path = folder / "keys.yaml"
    path.write_text('bank: "b c"\n5: x\nitems:\n- {id: A, "": 1, " ": 2}\n', encoding="utf-8")
    fields = {(p.line, p.field) for p in validate_files([path]).problems}
    assert {(1, "5"), (1, "bank"), (4, "''"), (4, "' '")} <= fields
