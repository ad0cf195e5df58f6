"""Bank files are validated as a whole; every problem is FILE:LINE: field: message."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from question_bank.importer import validate_files
from tests.conftest import item, weighted_item

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
LINE = re.compile(r"^(?P<file>.+):(?P<line>\d+): (?P<field>[^:]+): (?P<message>.+)$")


def problems_of(path: Path) -> list[str]:
    return [str(p) for p in validate_files([path]).problems]


def only_problem(path: Path) -> re.Match[str]:
    problems = problems_of(path)
    assert len(problems) == 1, problems
    match = LINE.match(problems[0])
    assert match, problems[0]
    assert match["file"] == str(path)
    return match


def test_valid_bank_has_no_problems(write_bank):
    path = write_bank([item("T-001"), weighted_item("W-001")])
    result = validate_files([path])
    assert result.problems == []
    assert [i.item_id for i in result.items] == ["T-001", "W-001"]


def test_json_bank_is_read_like_yaml(write_bank):
    path = write_bank([item("T-001"), item("T-002", answer="Z")], name="bank.json")
    match = only_problem(path)
    assert match["field"] == "answer" and "'Z' does not exist" in match["message"]
    assert int(match["line"]) > 1  # the line of the second item, not of the file


def test_duplicate_id_names_the_first_line(write_bank):
    path = write_bank([item("T-001"), item("T-002"), item("T-001")])
    match = only_problem(path)
    assert match["field"] == "id"
    assert "duplicate id 'T-001' (first defined at line" in match["message"]
    first_line = int(re.search(r"line (\d+)", match["message"])[1])
    assert int(match["line"]) > first_line


def test_answer_naming_a_missing_option(write_bank):
    match = only_problem(write_bank([item(answer="F")]))
    assert (match["field"], match["message"]) == ("answer", "option 'F' does not exist (options: A, B, C, D, E)")


def test_weight_for_a_missing_option(write_bank):
    weights = {"A": 1, "B": 2, "C": 3, "D": 4, "E": 5, "F": 2}
    match = only_problem(write_bank([weighted_item(weights=weights)]))
    assert match["field"] == "weights.F" and "does not exist" in match["message"]


def test_weight_out_of_range(write_bank):
    match = only_problem(write_bank([weighted_item(weights={"A": 1, "B": 2, "C": 3, "D": 4, "E": 6})]))
    assert (match["field"], match["message"]) == ("weights.E", "weight 6 is out of range 1..5")


def test_weight_range_of_the_bank_applies(write_bank):
    path = write_bank([weighted_item(weights={"A": 1, "B": 2, "C": 3, "D": 4, "E": 5})], weight_range=[1, 4])
    match = only_problem(path)
    assert match["message"] == "weight 5 is out of range 1..4"


def test_missing_weight(write_bank):
    match = only_problem(write_bank([weighted_item(weights={"A": 1, "B": 2, "C": 3, "D": 4})]))
    assert (match["field"], match["message"]) == ("weights", "no weight for option(s) E")


def test_missing_image(write_bank):
    match = only_problem(write_bank([item(image="images/none.png")]))
    assert (match["field"], match["message"]) == ("image", "images/none.png: image file not found")


def test_image_that_is_not_an_image(write_bank, tmp_path):
    (tmp_path / "banks" / "images").mkdir(parents=True)
    (tmp_path / "banks" / "images" / "fake.png").write_text("hello")
    match = only_problem(write_bank([item(image="images/fake.png")]))
    assert "not an image" in match["message"]


def test_image_outside_the_bank_folder(write_bank):
    match = only_problem(write_bank([item(image="../secret.png")]))
    assert "inside the bank's folder" in match["message"]


def test_option_image_is_checked_and_accepted(write_bank, tmp_path):
    (tmp_path / "banks" / "images").mkdir(parents=True)
    (tmp_path / "banks" / "images" / "a.png").write_bytes(PNG)
    options = {"A": {"text": "", "image": "images/a.png"}, "B": "dua", "C": {"text": "tiga", "image": "images/x.png"}}
    match = only_problem(write_bank([item(options=options, answer="A")]))
    assert (match["field"], match["message"]) == ("options.C.image", "images/x.png: image file not found")


def test_wrong_encoding(tmp_path):
    path = tmp_path / "latin.yaml"
    path.write_bytes("bank: x\nitems:\n  - id: T-1\n    stem: 'Pertanyaan caf\u00e9'\n".encode("cp1252"))
    match = only_problem(path)
    assert (match["line"], match["field"]) == ("4", "encoding")
    assert "not valid UTF-8" in match["message"]


def test_empty_file(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("  \n")
    match = only_problem(path)
    assert (match["line"], match["field"], match["message"]) == ("1", "file", "the file is empty")


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("bank: x\nitems:\n  - id: T-1\n    stem: [unclosed\n")
    match = only_problem(path)
    assert match["field"] == "yaml" and int(match["line"]) >= 4


def test_json_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"bank": "x",\n "items": [\n  {"id": "T-1",}\n ]}\n')
    match = only_problem(path)
    assert (match["line"], match["field"]) == ("3", "json")


def test_unsupported_file_type(tmp_path):
    path = tmp_path / "bank.txt"
    path.write_text("hello")
    assert "unsupported file type .txt" in only_problem(path)["message"]


def test_no_items(write_bank):
    match = only_problem(write_bank([]))
    assert match["field"] == "items"


def test_unknown_field_is_reported_as_a_likely_typo(write_bank):
    record = item()
    record["anwser"] = "C"
    match = only_problem(write_bank([record]))
    assert match["field"] == "anwser" and "unknown field" in match["message"]


def test_duplicate_key_in_one_mapping(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text("bank: x\nitems:\n  - id: T-1\n    id: T-2\n")
    problems = problems_of(path)
    assert any(p.startswith(f"{path}:4: id: this key appears twice") for p in problems), problems


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("difficulty", 7, "7: must be a whole number 1..5"),
    ("difficulty", "sulit", "'sulit': must be a whole number 1..5"),
    ("type", "essay", "essay: use one of single_choice, weighted, likert"),
    ("section", "twk", "'twk': upper-case letters, digits and _"),
    ("stem", "", "missing: the item needs a question text"),
])
def test_field_checks(write_bank, field, value, expected):
    match = only_problem(write_bank([item(**{field: value})]))
    assert (match["field"], match["message"]) == (field, expected)


def test_options_must_be_lettered_in_order(write_bank):
    match = only_problem(write_bank([item(options={"A": "satu", "C": "tiga"}, answer="A")]))
    assert match["message"] == "keys must be A, B in order, got A, C"


def test_identical_option_texts(write_bank):
    match = only_problem(write_bank([item(options={"A": "sama", "B": "sama", "C": "beda"}, answer="C")]))
    assert (match["field"], match["message"]) == ("options.B", "same text as option A")


def test_options_differing_only_in_case_are_distinct(write_bank):
    options = {"A": "Hari Senin", "B": "hari senin", "C": "Hari senin"}
    assert problems_of(write_bank([item(options=options, answer="C")])) == []


def test_likert_needs_a_trait_and_a_boolean_reverse(write_bank):
    record = item(type="likert", section="KEPRIBADIAN", topic="ketelitian", answer=None, reverse="maybe")
    problems = problems_of(write_bank([record]))
    assert any(": trait: missing" in p for p in problems)
    assert any(": reverse: 'maybe' is not true/false" in p for p in problems)


def test_every_problem_is_reported_not_only_the_first(write_bank):
    path = write_bank([item("T-1", answer="Z"), weighted_item("W-1", weights={"A": 9}), item("T-1")])
    fields = {LINE.match(p)["field"] for p in problems_of(path)}
    assert {"answer", "weights.A", "weights", "id"} <= fields


def test_duplicate_id_across_files(write_bank):
    first = write_bank([item("T-001")], name="a.yaml")
    second = write_bank([item("T-001")], name="b.yaml", bank="other")
    problems = [str(p) for p in validate_files([first, second]).problems]
    assert len(problems) == 1 and problems[0].startswith(f"{second}:")
    assert f"also at {first}:" in problems[0]
