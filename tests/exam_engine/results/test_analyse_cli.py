"""`exam-engine analyse items`: the response matrix of an exam's finished attempts, item
statistics over the candidates who had each item, and the XLSX + SVG report."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
from sqlalchemy import select

from exam_engine.cli import main
from exam_engine.cli.analyse import analyse
from exam_engine.delivery.models import Attempt, Response
from exam_engine.results.exam_analysis import ResponseMatrix, analyse_matrix, response_matrix
from exam_engine.results.item_analysis import analyse_choices
from exam_engine.scheduling.service import get_exam
from question_bank.forms import Form
from question_bank.models import Item
from question_bank.service import item_content
from tests.exam_engine.results.test_results_service import PLAN, sit


@pytest.fixture
def cli_analyse(cli: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The `cli` fixture with the analyse group, whether or not the CLI registers it yet."""
    monkeypatch.setitem(main.commands, "analyse", analyse)
    return cli


def on_forms(engine: Any) -> dict[int, dict[str, Any]]:
    """Item pk -> {id, section, key, had, right} over the finished attempts, straight from the rows."""
    out: dict[int, dict[str, Any]] = {}
    with engine.db.session() as s:
        for attempt in s.scalars(select(Attempt).where(Attempt.status == "finished")):
            options = {r.handle: r.option for r in s.scalars(select(Response).where(Response.attempt_id == attempt.id))}
            for handle, entry in enumerate(s.get(Form, attempt.form_id).items):
                item = s.get(Item, entry["item"])
                info = out.setdefault(item.id, {"id": item.item_id, "section": item.section, "had": 0, "right": 0,
                                                "key": item_content(s, engine.vault, item.id)["key"]})
                info["had"] += 1
                info["right"] += options.get(handle) == info["key"].get("answer", "-")
    return out


def test_analyse_cli_writes_one_row_per_item_on_some_form(engine: Any, cli_analyse: Any, tmp_path: Path) -> None:
    sit(engine)
    done = cli_analyse("analyse", "items", "--exam", "EXAM", "--out", tmp_path / "ia")
    assert done.exit_code == 0, done.output
    assert f"{len(PLAN)} candidate(s)" in done.output
    expected = on_forms(engine)
    book = openpyxl.load_workbook(tmp_path / "ia" / "item-analysis.xlsx")
    assert book.sheetnames == ["Items", "Options", "Sections"]
    items = [[c.value for c in row] for row in book["Items"].iter_rows(min_row=2)]
    assert sorted(r[0] for r in items) == sorted(i["id"] for i in expected.values())  # one row each
    by_id = {r[0]: r for r in items}
    for info in expected.values():
        row = by_id[info["id"]]
        assert row[1] == info["section"]
        if "answer" in info["key"]:  # p = proportion correct among the candidates who had the item
            assert row[2] == pytest.approx(info["right"] / info["had"])
    assert [r[0] for r in book["Sections"].iter_rows(min_row=2, values_only=True)] == ["TWK", "TIU", "TKP"]
    svg = ET.parse(tmp_path / "ia" / "item-analysis.svg").getroot()
    assert svg.tag.endswith("svg")
    points = svg.findall("{http://www.w3.org/2000/svg}circle")
    shown = sum(1 for r in items if r[2] is not None and r[3] is not None)
    assert len(points) == shown + 2  # plus the two legend markers


def test_the_matrix_marks_items_off_the_form_and_blanks(engine: Any) -> None:
    sit(engine)
    with engine.db.session() as s:
        m = response_matrix(s, engine.vault, get_exam(s, "EXAM"))
    assert m.chosen.dtype == np.int8 and m.chosen.shape == m.present.shape == (len(PLAN), len(m.item_ids))
    assert (m.present.sum(1) == 15).all()  # every form: 5 items in each of 3 sections
    assert (m.chosen[~m.present] == -1).all()
    assert ((m.chosen >= 0) <= m.present).all()
    assert ((m.chosen[:, np.asarray(m.groups) == "TKP"] >= 0) == m.present[:, np.asarray(m.groups) == "TKP"]).all()


def test_too_few_finished_attempts_is_a_clear_error(engine: Any, cli_analyse: Any, tmp_path: Path) -> None:
    sit(engine, {"P001": PLAN["P001"]})
    failed = cli_analyse("analyse", "items", "--exam", "EXAM", "--out", tmp_path / "ia")
    assert failed.exit_code == 1 and "at least two finished attempts" in failed.output


# --- the statistics on crafted matrices -----------------------------------------------------

def matrix(chosen: np.ndarray, present: np.ndarray, correct: np.ndarray, groups: list[str]) -> ResponseMatrix:
    k = chosen.shape[1]
    return ResponseMatrix(np.where(present, chosen, -1).astype(np.int8), present, [f"I{j}" for j in range(k)], groups,
                          correct.astype(np.int64), np.zeros((k, 6)), np.full(k, 4, dtype=np.int64))


def test_with_one_common_form_it_is_the_plain_item_analysis() -> None:
    rng = np.random.default_rng(7)
    ability = rng.normal(size=300)
    correct = rng.integers(0, 4, 12)
    right = rng.random((300, 12)) < 1 / (1 + np.exp(-(ability[:, None] - rng.normal(size=12))))
    chosen = np.where(right, correct, (correct + rng.integers(1, 4, (300, 12))) % 4)
    chosen[rng.random((300, 12)) < 0.05] = -1
    groups = ["A"] * 7 + ["B"] * 5
    ours = analyse_matrix(matrix(chosen, np.ones_like(chosen, bool), correct, groups))
    plain = analyse_choices(chosen, correct, n_options=4, sections={"A": slice(0, 7), "B": slice(7, 12)})
    for name in ("p", "discrimination", "alpha_if_deleted", "flags"):
        np.testing.assert_allclose(getattr(ours.items, name), getattr(plain.items, name), rtol=1e-12, err_msg=name)
    for name in ("alpha", "kr20", "mean", "sd"):
        np.testing.assert_allclose(getattr(ours.sections, name), getattr(plain.sections, name), rtol=1e-12)
    assert ours.options is not None and plain.options is not None
    assert ours.options.labels == plain.options.labels == ("A", "B", "C", "D", "blank")
    for name in ("proportion", "upper", "lower", "point_biserial"):
        np.testing.assert_allclose(getattr(ours.options, name), getattr(plain.options, name), rtol=1e-12)


def test_with_differing_forms_each_item_counts_only_those_who_had_it() -> None:
    rng = np.random.default_rng(11)
    n, k = 400, 10
    ability = rng.normal(size=n)
    correct = rng.integers(0, 4, k)
    right = rng.random((n, k)) < 1 / (1 + np.exp(-(ability[:, None] - rng.normal(size=k))))
    chosen = np.where(right, correct, (correct + 1) % 4)
    present = np.zeros((n, k), bool)
    for r in range(n):  # a form: 6 of the 10 items
        present[r, rng.choice(k, 6, replace=False)] = True
    result = analyse_matrix(matrix(chosen, present, correct, ["S"] * k))
    score = (np.where(present, chosen, -1) == correct).astype(float)
    total = score.sum(1)  # each candidate's own form total
    for j in range(k):
        had = present[:, j]
        assert result.items.p[j] == pytest.approx(score[had, j].mean(), abs=1e-12)
        r = np.corrcoef(score[had, j], total[had] - score[had, j])[0, 1]
        assert result.items.discrimination[j] == pytest.approx(r, abs=1e-9)
    assert result.options is not None
    for j in range(k):  # options over those who had the item; nobody left one blank
        had = present[:, j]
        expected = [np.mean(chosen[had, j] == o) for o in range(4)] + [0.0]
        np.testing.assert_allclose(result.options.proportion[j], expected, atol=1e-12)
    assert 0 < result.sections.alpha[0] < 1


def test_with_differing_forms_alpha_estimates_the_alpha_of_a_form() -> None:
    """Against the mean alpha of fixed forms of the same length drawn from the same pool. The
    estimate runs a little high: the spread of the totals also holds the forms' differences in
    difficulty, which parallel assembly keeps small but these random forms do not."""
    rng = np.random.default_rng(3)
    n, k, length = 3000, 30, 10
    correct = rng.integers(0, 4, k)
    right = rng.random((n, k)) < 1 / (1 + np.exp(-(rng.normal(size=n)[:, None] - rng.normal(size=k))))
    chosen = np.where(right, correct, (correct + 1) % 4)
    present = np.zeros((n, k), bool)
    for r in range(n):
        present[r, rng.choice(k, length, replace=False)] = True
    estimate = analyse_matrix(matrix(chosen, present, correct, ["S"] * k)).sections.alpha[0]
    forms = [rng.choice(k, length, replace=False) for _ in range(30)]
    reference = np.mean([analyse_choices(chosen[:, f], correct[f], n_options=4).sections.alpha[0] for f in forms])
    assert reference - 0.01 < estimate < reference + 0.05


def test_an_item_with_fewer_options_has_no_columns_for_the_missing_ones() -> None:
    rng = np.random.default_rng(5)
    chosen = rng.integers(-1, 4, (60, 3))
    chosen[:, :2] = rng.integers(-1, 5, (60, 2))  # items 0 and 1 have five options, item 2 four
    m = matrix(chosen, np.ones((60, 3), bool), np.array([0, 1, 2]), ["S"] * 3)
    m = ResponseMatrix(m.chosen, m.present, m.item_ids, m.groups, m.correct, m.weights, np.array([5, 5, 4]))
    result = analyse_matrix(m)
    assert result.options is not None and result.options.labels == ("A", "B", "C", "D", "E", "blank")
    assert np.isnan(result.options.proportion[2, 4]) and not result.options.unused[2, 4]
    assert np.isfinite(result.options.proportion[:2]).all() and np.isfinite(result.options.proportion[2, [0, 1, 2, 3, 5]]).all()


def test_likert_statements_score_their_scale_points_as_the_likert_rule_does() -> None:
    from exam_engine.results.exam_analysis import _key

    options = {"options": {letter: "" for letter in "ABCDE"}}
    assert _key({**options, "key": {"trait": "ketelitian"}}) == (-1, (1.0, 2.0, 3.0, 4.0, 5.0, 0.0), "ketelitian")
    assert _key({**options, "key": {"trait": "ketelitian", "reverse": True}}) == \
        (-1, (5.0, 4.0, 3.0, 2.0, 1.0, 0.0), "ketelitian")
    assert _key({**options, "key": {"answer": "C"}}) == (2, (0.0,) * 6, None)
