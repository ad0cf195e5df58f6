"""score_sections in two steps: a plan of the form (handles, rules, keys), then the answers.
The planned path must give what the one-step path gave, for every kind of section."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import yaml

from exam_engine.scoring import get_rule, kraepelin
from exam_engine.scoring.base import BLANK, round_half_up
from exam_engine.scoring.keys import section_key
from exam_engine.scoring.results import (DECIMALS, SectionScores, _report, in_total, plan_sections, score_planned,
                                         score_sections)
from question_bank.generators.kraepelin import form_cells
from question_bank.profiles import Profile, load_profile, parse_profile
from tests.exam_engine.scoring.test_kraepelin_sections import PROFILE as KRAEPELIN_PROFILE
from tests.exam_engine.scoring.test_kraepelin_sections import WRITTEN, options_of
from tests.exam_engine.scoring.test_likert_sections import PATTERN, sitting_form
from tests.exam_engine.scoring.test_rules import form_of


def one_step(profile: Profile, form_items: list[dict[str, Any]], options: dict[int, str | None],
             key_of: Callable[[int], Any]) -> SectionScores:
    """score_sections as it was before the split, kept here as the reference."""
    scores: dict[str, float] = {}
    apart: dict[str, dict[str, Any]] = {}
    for section in profile.sections:
        handles = [h for h, entry in enumerate(form_items) if entry["section"] == section.code]
        if handles and "pair" in form_items[handles[0]]:
            chosen, key = kraepelin.sitting_arrays([form_items[h] for h in handles],
                                                   [None if options.get(h) is None else ord(options[h]) - ord("A")
                                                    for h in handles])
            rule = get_rule(section.scoring.get("rule", "kraepelin"))
            found = kraepelin.report(chosen, key)
            shown = {n: None if v is None else float(round_half_up(np.array([v]), DECIMALS)[0])
                     for n, v in found["metrics"].items()}
            apart[section.code] = {"score": float(rule.score(chosen, key, section.scoring)[0]),
                                   "valid": all(v is not None for v in shown.values()), "traits": {},
                                   "metrics": shown, "columns": found["columns"]}
            if in_total(section):
                scores[section.code] = apart.pop(section.code)["score"]
            continue
        chosen = np.array([[BLANK if options.get(h) is None else ord(options[h]) - ord("A")
                            for h in handles]], dtype=np.int8)
        key = section_key([key_of(form_items[h]["item"]) for h in handles])
        rule = get_rule(section.scoring.get("rule", "dichotomous"))
        score = float(rule.score(chosen, key, section.scoring)[0])
        if in_total(section):
            scores[section.code] = score
            continue
        traits, valid = _report(rule.detail(chosen, key, section.scoring))
        apart[section.code] = {"score": score, "valid": valid, "traits": traits}
    return SectionScores(scores, apart)


def kraepelin_form(counted: bool) -> tuple[Profile, list[dict[str, Any]], dict[int, str | None]]:
    raw = yaml.safe_load(KRAEPELIN_PROFILE)
    if counted:
        raw["sections"][0]["scoring"] = {"rule": "kraepelin", "score": "speed", "in_total": True}
    profile = parse_profile(raw, "kraepelin-unit")
    return profile, form_cells("demo", "KRAEPELIN", profile.section("KRAEPELIN").sheet), options_of(WRITTEN)


def forms() -> list[tuple[str, Profile, list[dict[str, Any]], dict[int, str | None], Callable[[int], Any]]]:
    """(name, profile, form, options, key_of): dichotomous + weighted (TKP), Likert, Kraepelin."""
    out = []
    for candidate in range(4):
        items, options, keys = form_of(candidate)
        out.append((f"skd-{candidate}", load_profile("skd-cpns"), items, options, keys.__getitem__))
    items, options, likert_keys = sitting_form(PATTERN)
    out.append(("likert", load_profile("skd-kepribadian-demo"), items, options, likert_keys.__getitem__))
    for counted in (False, True):
        profile, cells, written = kraepelin_form(counted)
        out.append((f"kraepelin-counted-{counted}", profile, cells, written, None))
    return out


FORMS = forms()


@pytest.mark.parametrize(("profile", "items", "options", "key_of"), [f[1:] for f in FORMS], ids=[f[0] for f in FORMS])
def test_planned_scores_equal_the_one_step_scores(profile, items, options, key_of):
    planned = score_planned(plan_sections(profile, items, key_of), options)
    expected = one_step(profile, items, options, key_of)
    assert dict(planned) == dict(expected) and planned.apart == expected.apart
    assert score_sections(profile, items, options, key_of).apart == expected.apart


@pytest.mark.parametrize(("profile", "items", "options", "key_of"), [f[1:] for f in FORMS], ids=[f[0] for f in FORMS])
def test_one_plan_scores_many_answer_sets_without_asking_for_keys(profile, items, options, key_of):
    """The plan is what live scoring keeps: later rounds (more answers, changed ones, handles
    outside the form) are scored from it alone, and it stays as it was."""
    asked: list[int] = []

    def counting(pk: int) -> Any:
        asked.append(pk)
        return key_of(pk)

    plan = plan_sections(profile, items, counting)
    planned_asks = len(asked)
    handles = [h.copy() for h in (p.handles for p in plan.sections)]
    rounds = [{}, dict(list(options.items())[: len(options) // 2]), options,
              {h: ("B" if o == "A" else "A") if o is not None else "C" for h, o in options.items()},
              {**options, len(items): "A", -1: "B"}]
    for answers in rounds:
        got = score_planned(plan, answers)
        expected = one_step(profile, items, {h: o for h, o in answers.items() if 0 <= h < len(items)}, key_of)
        assert dict(got) == dict(expected) and got.apart == expected.apart
    assert len(asked) == planned_asks
    assert all(np.array_equal(a, p.handles) for a, p in zip(handles, plan.sections))
    with pytest.raises(ValueError):
        plan.sections[0].handles[0] = 1  # read-only: a shared plan cannot be changed by a caller
    with pytest.raises(ValueError):
        plan.sections[0].key.correct.flat[0] = 1


def test_a_changed_answer_changes_the_planned_score():
    items, options, keys = form_of(0)
    plan = plan_sections(load_profile("skd-cpns"), items, keys.__getitem__)
    before = score_planned(plan, options)
    # Handle 14 is the first TWK item answered wrongly (14 right, 10 wrong): answer it right.
    after = score_planned(plan, {**options, 14: "ABCDE"[keys[1014][0]]})
    assert (before["TWK"], after["TWK"]) == (70, 75) and before["TIU"] == after["TIU"]
