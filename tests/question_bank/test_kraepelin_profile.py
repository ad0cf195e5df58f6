"""Kraepelin sections in profiles and forms: a sheet instead of a blueprint, one timed part per
column, cells generated from each form's seed beside the bank's items."""
from __future__ import annotations

import pytest

from exam_engine.problems import InvalidFile
from exam_engine.roster.models import Candidate
from exam_engine.scheduling.service import create_exam, create_session
from question_bank.generators.kraepelin import form_cells
from question_bank.importer import import_items, validate_files
from question_bank.item_types import ITEM_TYPES, get_item_type
from question_bank.profiles import Sheet, load_profile, parse_profile
from question_bank.service import assemble_session
from tests.conftest import SAMPLES


def test_the_demo_profile_times_every_column():
    profile = load_profile("kraepelin-demo")
    kraepelin = profile.section("KRAEPELIN")
    assert kraepelin.sheet == Sheet(columns=10, digits=21, seconds_per_column=15)
    assert kraepelin.items == 10 * 20 and kraepelin.item_type == "kraepelin"
    plan = profile.time_plan(extra_minutes=5)
    # The TIU part gets its 10 minutes and the extra 5; each column exactly its 15 s.
    assert [(g.code, g.seconds, g.sections, g.column) for g in plan[:3]] == [
        ("all", 15 * 60, ("TIU",), None), ("KRAEPELIN.1", 15, ("KRAEPELIN",), 0), ("KRAEPELIN.2", 15, ("KRAEPELIN",), 1)]
    assert len(plan) == 11 and plan[-1].code == "KRAEPELIN.10" and plan[-1].column == 9


def test_columns_first_and_time_groups_around_them():
    raw = {"code": "k", "duration_minutes": 1, "time_groups": {"after": {"minutes": 2}}, "sections": [
        {"code": "K", "item_type": "kraepelin", "sheet": {"columns": 2, "digits": 3, "seconds_per_column": 30}},
        {"code": "TKP", "item_type": "weighted", "items": 1, "topics": {"a": 1}, "time_group": "after"}]}
    plan = parse_profile(raw, "k").time_plan(extra_minutes=1)
    # Extra minutes skip the columns: the interval is the test itself.
    assert [(g.code, g.seconds, g.column) for g in plan] == [("K.1", 30, 0), ("K.2", 30, 1), ("after", 180, None)]
    assert parse_profile(raw, "k").section("K").scoring == {"rule": "kraepelin"}


@pytest.mark.parametrize(("section", "field", "message"), [
    ({"sheet": {"columns": 0, "digits": 3, "seconds_per_column": 5}}, "sheet.columns", "at least 1"),
    ({"sheet": {"columns": 2, "digits": 1, "seconds_per_column": 5}}, "sheet.digits", "at least 2"),
    ({"sheet": {"columns": 2, "digits": 3}}, "sheet.seconds_per_column", "at least 1"),
    ({"sheet": {"columns": 2, "digits": 3, "seconds_per_column": 5}, "scoring": {"rule": "dichotomous"}},
     "scoring.rule", "scored by the kraepelin rule"),
    ({"sheet": {"columns": 2, "digits": 3, "seconds_per_column": 5}, "time_group": "main"},
     "time_group", "timed per column"),
])
def test_a_bad_sheet_is_named(section, field, message):
    raw = {"code": "k", "duration_minutes": 1, "sections": [{"code": "K", "item_type": "kraepelin", **section}]}
    with pytest.raises(InvalidFile) as caught:
        parse_profile(raw, "k.yaml")
    text = str(caught.value)
    assert f"sections[0].{field}" in text and message in text


def test_kraepelin_cells_are_not_bank_items():
    assert "kraepelin" not in ITEM_TYPES  # a bank file naming it is refused with the bank types
    assert get_item_type("kraepelin").generated and not get_item_type("kraepelin").shuffle_options


def test_each_form_has_its_own_sheet_after_the_bank_items(engine):
    result = validate_files(sorted(SAMPLES.glob("*.yaml")))
    with engine.db.transaction() as s:
        import_items(s, engine.vault, result.items)
        exam = create_exam(s, "KR", "kraepelin-demo")
        room = create_session(s, exam.code, "KR-S1", "2026-12-01", "08:00", "R1", 3, seed=5)
        for n in range(3):
            s.add(Candidate(exam_id=exam.id, session=room, number=f"2026{n:06d}", formation="umum",
                            nik_hash=f"h{n}", personal=b"", accommodations=[], extra_minutes=0))
        s.flush()
        forms = assemble_session(s, room)
    sheet = load_profile("kraepelin-demo").section("KRAEPELIN").sheet
    for form in forms:
        assert [e["section"] for e in form.items] == ["TIU"] * 5 + ["KRAEPELIN"] * 200
        assert all(isinstance(e["item"], int) for e in form.items[:5])
        assert form.items[5:] == form_cells(form.seed, "KRAEPELIN", sheet)  # reproducible from the seed
        assert [e["column"] for e in form.items[5:]] == [c for c in range(10) for _ in range(20)]
        assert set(form.difficulty) == {"TIU"}
    sheets = [tuple(tuple(e["pair"]) for e in f.items[5:]) for f in forms]
    assert len(set(sheets)) == 3  # neighbours never share a sheet
