"""Reading bank files (YAML, JSON, CSV, XLSX) into records that remember their line or row."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from exam_engine.problems import Problems, read_text
from exam_engine.tabular import TABULAR_SUFFIXES, cell_text, read_rows

SUFFIXES = {".yaml", ".yml", ".json"} | TABULAR_SUFFIXES
OPTION_LETTERS = "ABCDEF"


@dataclass
class RawBank:
    """A parsed file before item validation: bank-level fields and item records."""

    name: str
    settings: dict[str, Any] = field(default_factory=dict)
    records: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that tags every mapping with its line and reports duplicate keys."""

    duplicates: list[tuple[int, str]]

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)  # type: ignore[no-untyped-call]
        except (ValueError, OverflowError) as exc:
            # PyYAML lets these through: a date like 2026-13-45, or an integer longer than
            # Python converts (4,300 digits). Reported with the line like any YAML error.
            raise yaml.constructor.ConstructorError(None, None, f"cannot read this value ({exc})",
                                                    node.start_mark) from None

    def construct_yaml_str(self, node: yaml.ScalarNode) -> str:
        value: str = super().construct_yaml_str(node)  # type: ignore[no-untyped-call]
        try:
            # YAML decodes each half of an escaped surrogate pair ("\ud83d\ude00", as json.dump
            # writes an emoji) on its own; join them. A lone half is no character at all.
            return value.encode("utf-16", "surrogatepass").decode("utf-16")
        except UnicodeDecodeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a \\uD800-\\uDFFF escape without its pair is not a character",
                node.start_mark) from None

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                if key in seen:
                    self.duplicates.append((key_node.start_mark.line + 1, str(key)))
                seen.add(key)
            except TypeError:
                pass  # an unhashable key (a list or a mapping): the constructor below reports it
        mapping = super().construct_mapping(node, deep=True)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


_LineLoader.add_constructor("tag:yaml.org,2002:str", _LineLoader.construct_yaml_str)


def _load_structured(path: Path, text: str, problems: Problems) -> Any:
    if path.suffix.lower() == ".json":
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            problems.add(exc.lineno, "json", f"{exc.msg} (column {exc.colno})")
            return None
        except RecursionError:
            problems.add(1, "json", "nested too deeply")
            return None
        except ValueError:
            pass  # valid JSON that Python refuses (a 4,300-digit number): the YAML pass names its line
    loader: _LineLoader | None = None
    try:
        loader = _LineLoader(text)
        loader.duplicates = []
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problems.add(mark.line + 1 if mark else 1, "yaml", str(exc.problem or exc))
        return None
    except yaml.YAMLError as exc:  # the reader's refusal of a control character, before any mark exists
        position = getattr(exc, "position", None)
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else 1
        problems.add(line, "yaml", str(getattr(exc, "reason", None) or exc).strip())
        return None
    except RecursionError:
        problems.add(1, "yaml", "nested too deeply")
        return None
    finally:
        if loader is not None:
            loader.dispose()
    for line, key in loader.duplicates:
        problems.add(line, key, "this key appears twice in the same mapping")
    return data


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def _read_structured(path: Path, problems: Problems) -> RawBank | None:
    text = read_text(path, problems)
    if text is None:
        return None
    data = _load_structured(path, text, problems)
    if data is None:
        if not problems:
            problems.add(1, "file", "the file holds no data")
        return None
    if isinstance(data, list):
        data = {"items": data}
    if not isinstance(data, dict):
        problems.add(1, "file", "expected a mapping with 'bank' and 'items', or a list of items")
        return None
    items = data.get("items")
    if not isinstance(items, list) or not items:
        problems.add(data.get("__line__", 1), "items", "missing or empty: the bank must list its items")
        return None
    bank = RawBank(name=str(data.get("bank") or path.stem))
    bank.settings = {k: _strip_lines(v) for k, v in data.items() if k not in {"items", "__line__", "bank"}}
    for index, record in enumerate(items):
        if not isinstance(record, dict):
            problems.add(None, f"items[{index}]", "each item must be a mapping of fields")
            continue
        line = record.get("__line__", 1)
        bank.records.append((line, _strip_lines(record)))
    return bank


def _row_to_record(row: dict[str, Any]) -> dict[str, Any]:
    """Flatten spreadsheet columns (option_a, weight_a, ...) into the YAML record shape."""
    record: dict[str, Any] = {}
    options: dict[str, Any] = {}
    weights: dict[str, Any] = {}
    for letter in OPTION_LETTERS:
        low = letter.lower()
        text, image = cell_text(row.pop(f"option_{low}", None)), cell_text(row.pop(f"option_{low}_image", None))
        weight = row.pop(f"weight_{low}", None)
        if text is None and image is None:
            if weight is not None:
                weights[letter] = weight  # reported: weight for an option that does not exist
            continue
        options[letter] = {"text": text or "", "image": image} if image else text
        if weight is not None:
            weights[letter] = weight
    for name, value in row.items():
        if name == "difficulty" or name.startswith("weight"):
            record[name] = value
        else:
            record[name] = cell_text(value)
    record["options"] = options
    if weights:
        record["weights"] = weights
    return {k: v for k, v in record.items() if v is not None}


def _read_tabular(path: Path, problems: Problems) -> RawBank | None:
    rows = read_rows(path, problems)
    if not rows:
        return None
    names = {cell_text(r.get("bank")) for _, r in rows} - {None}
    if len(names) > 1:
        problems.add(2, "bank", f"one file holds one bank, found {', '.join(sorted(map(str, names)))}")
    bank = RawBank(name=next(iter(names)) if len(names) == 1 else path.stem)  # type: ignore[arg-type]
    for number, row in rows:
        row.pop("bank", None)
        bank.records.append((number, _row_to_record(dict(row))))
    return bank


def read_bank_file(path: Path, problems: Problems) -> RawBank | None:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        problems.add(1, "file", f"unsupported file type {suffix or '(none)'}; use {', '.join(sorted(SUFFIXES))}")
        return None
    if suffix in TABULAR_SUFFIXES:
        return _read_tabular(path, problems)
    return _read_structured(path, problems)
