"""Form assembly over a full room of 100 candidates drawn from the sample banks."""
from __future__ import annotations

import itertools
import math
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from exam_engine.roster.models import Candidate
from exam_engine.scheduling.service import create_exam, create_session, profile_of
from question_bank.assembly import BAND_OF, AssemblyError, PoolItem, RoomState, assemble_form
from question_bank.forms import Form
from question_bank.importer import import_items, validate_files
from question_bank.models import Item
from question_bank.profiles import load_profile
from question_bank.service import active_pool, assemble_session
from tests.conftest import SAMPLES

ROOM = 100
SEED = 20261125


def build_room(engine, seed: int = SEED) -> list[Form]:
    """Sample banks, the SKD CPNS exam, one session of 100 candidates, all forms."""
    result = validate_files(sorted(SAMPLES.glob("*.yaml")))
    assert result.problems == []
    with engine.db.transaction() as s:
        import_items(s, engine.vault, result.items)
        exam = create_exam(s, "CPNS-2026", "skd-cpns")
        room = create_session(s, exam.code, "JKT-S1", "2026-12-01", "08:00", "R1", ROOM, seed=seed)
        for n in range(ROOM):
            # Candidates without PINs are enough for assembly.
            s.add(Candidate(exam_id=exam.id, session=room, number=f"2026{n:06d}", formation="umum",
                            nik_hash=f"h{n}", personal=b"", accommodations=[], extra_minutes=0))
        s.flush()
        return assemble_session(s, room)


@pytest.fixture
def room(engine):
    forms = build_room(engine)
    with engine.db.session() as s:
        items = {i.id: i for i in s.scalars(select(Item))}
    return forms, items


def test_every_candidate_gets_one_form(room):
    forms, _ = room
    assert len(forms) == ROOM
    assert len({f.candidate_id for f in forms}) == ROOM


def test_forms_follow_the_blueprint(room):
    forms, items = room
    profile = load_profile("skd-cpns")
    for form in forms:
        for section in profile.sections:
            drawn = [items[e["item"]] for e in form.items if e["section"] == section.code]
            assert len(drawn) == section.items
            assert all(i.section == section.code and i.item_type == section.item_type for i in drawn)
            assert Counter(i.topic for i in drawn) == Counter(section.topics)
            bands = Counter(BAND_OF[i.difficulty] for i in drawn)
            assert bands == Counter({b: n for b, n in section.band_counts().items() if n})


def test_sections_come_in_blueprint_order(room):
    forms, _ = room
    order = [e["section"] for e in forms[0].items]
    assert order == ["TWK"] * 30 + ["TIU"] * 35 + ["TKP"] * 45


def test_no_two_candidates_share_a_form(room):
    forms, _ = room
    item_sets = [frozenset(e["item"] for e in f.items) for f in forms]
    assert len(set(item_sets)) == ROOM
    orders = [tuple(e["item"] for e in f.items) for f in forms]
    assert len(set(orders)) == ROOM


def test_neighbours_share_only_part_of_their_items(room):
    forms, _ = room
    overlaps = [len(frozenset(e["item"] for e in a.items) & frozenset(e["item"] for e in b.items))
                for a, b in itertools.pairwise(forms)]
    assert max(overlaps) < 110


def test_options_are_shuffled_per_candidate(room):
    forms, items = room
    first_item = forms[0].items[0]
    assert sorted(first_item["options"]) == [chr(65 + k) for k in range(items[first_item["item"]].option_count)]
    orders = Counter(tuple(e["options"]) for f in forms for e in f.items)
    assert len(orders) > 60  # 5 options: up to 120 orders, drawn thousands of times


def test_difficulty_is_parallel_across_forms(room):
    forms, items = room
    profile = load_profile("skd-cpns")
    for section in profile.sections:
        means = [f.difficulty[section.code] for f in forms]
        assert max(means) - min(means) <= profile.difficulty_tolerance, (section.code, min(means), max(means))
        for form in forms:
            drawn = [items[e["item"]].difficulty for e in form.items if e["section"] == section.code]
            assert math.isclose(sum(drawn) / len(drawn), form.difficulty[section.code], abs_tol=1e-4)


def test_exposure_limit_holds(room):
    forms, _ = room
    cap = math.floor(load_profile("skd-cpns").exposure_limit * ROOM)
    exposure = Counter(e["item"] for f in forms for e in f.items)
    assert max(exposure.values()) <= cap
    # Least-exposed-first keeps use spread: every sample item in a drawn cell gets used.
    assert min(exposure.values()) > 0


def test_same_seed_and_bank_give_the_same_forms(room, tmp_path):
    from exam_engine.config import load_settings
    from exam_engine.context import EngineContext
    from exam_engine.migrate import upgrade
    from exam_engine.vault import create_key_file

    forms, items = room
    other_instance = tmp_path / "other"
    create_key_file(other_instance / "master.key")
    other = EngineContext(load_settings(environ={}, overrides={"instance_path": other_instance}))
    upgrade(other.db)
    again = build_room(other)
    with other.db.session() as s:
        other_items = {i.id: i.item_id for i in s.scalars(select(Item))}
    other.db.dispose()

    def readable(form_list, names):  # item pks differ between databases; ids and orders must not
        return [[(names[e["item"]], e["options"]) for e in f.items] for f in form_list]

    assert readable(forms, {pk: i.item_id for pk, i in items.items()}) == readable(again, other_items)
    assert [f.seed for f in forms] == [f.seed for f in again]
    assert {f.bank_version for f in forms} == {f.bank_version for f in again}


def test_one_form_is_reproducible_from_its_seed_alone():
    pool, profile = pool_from_samples(), load_profile("skd-cpns")
    first = assemble_form(profile, pool, RoomState(room_size=ROOM), SEED, "2026000001")
    again = assemble_form(profile, pool, RoomState(room_size=ROOM), SEED, "2026000001")
    other = assemble_form(profile, pool, RoomState(room_size=ROOM), SEED + 1, "2026000001")
    assert first.items == again.items and first.seed == again.seed
    assert [e["item"] for e in other.items] != [e["item"] for e in first.items]


def pool_from_samples() -> list[PoolItem]:
    result = validate_files(sorted(SAMPLES.glob("*.yaml")))
    return [PoolItem(k, i.item_id, 1, i.section, i.item_type, i.topic, i.difficulty, len(i.options))
            for k, i in enumerate(result.items, start=1)]


def test_assembling_again_keeps_existing_forms(engine):
    build_room(engine)
    with engine.db.transaction() as s:
        room = s.scalar(select(Form)).session_id
        from exam_engine.scheduling.models import ExamSession

        assert assemble_session(s, s.get(ExamSession, room)) == []


def test_a_bank_too_small_is_a_clear_error():
    profile = load_profile("skd-cpns")
    pool = [p for p in pool_from_samples() if not (p.section == "TWK" and p.topic == "integritas")]
    with pytest.raises(AssemblyError, match=r"section TWK: topic integritas: needs 6, bank has 0 usable"):
        assemble_form(profile, pool, RoomState(room_size=1), 1, "X")


def test_likert_options_keep_their_scale_order(tmp_path):
    profile_file = tmp_path / "likert.yaml"
    profile_file.write_text(
        "code: kepribadian\nduration_minutes: 20\nsections:\n"
        "  - {code: KEPRIBADIAN, item_type: likert, scoring: {rule: likert}, items: 8,\n"
        "     topics: {ketelitian: 2, stabilitas_emosi: 2, kerja_sama: 2, inisiatif: 2},\n"
        "     difficulty_mix: {medium: 1.0}}\n")
    form = assemble_form(load_profile(str(profile_file)), pool_from_samples(), RoomState(room_size=1), 5, "X")
    assert len(form.items) == 8
    assert all(e["options"] == list("ABCDE") for e in form.items)


def test_profile_of_an_exam_is_a_snapshot(engine):
    with engine.db.transaction() as s:
        exam = create_exam(s, "E1", "skd-demo")
        assert profile_of(exam) == load_profile("skd-demo")
        exam.profile_data = {**exam.profile_data, "duration_minutes": 99}
        assert profile_of(exam).duration_minutes == 99


def test_pool_ignores_retired_items(engine, write_bank):
    from tests.conftest import item

    with engine.db.transaction() as s:
        import_items(s, engine.vault, validate_files([write_bank([item("A-1"), item("A-2")])]).items)
        import_items(s, engine.vault, validate_files([write_bank([item("A-1")])]).items)
        assert [p.item_id for p in active_pool(s, ["TWK"])] == ["A-1"]


def test_samples_hold_one_and_a_half_blueprints():
    profile = load_profile("skd-cpns")
    pool = pool_from_samples()
    for section in profile.sections:
        per_topic = Counter(p.topic for p in pool if p.section == section.code)
        for topic, need in section.topics.items():
            assert per_topic[topic] >= 1.5 * need, (section.code, topic, per_topic[topic], need)


def test_samples_folder_exists():
    assert Path(SAMPLES).is_dir()
