"""Item analysis against independent references (scipy, pingouin, plain formulas) on simulated
2PL-like responses with planted bad items, and the XLSX / SVG report."""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from openpyxl import load_workbook

from exam_engine.results.item_analysis import FLAGS, ItemAnalysis, Thresholds, analyse_choices, analyse_scores
from exam_engine.results.item_report import write_report

N, K, OPTIONS = 1_000, 40, 5
REVERSED, EASY, DEAD, LURE, GOOD = 0, 1, 2, 3, 4  # planted items
TOL = 1e-9


@dataclass(frozen=True)
class Sim:
    chosen: np.ndarray   # (N, K) int8, -1 blank
    correct: np.ndarray  # (K,)

    @property
    def scored(self) -> np.ndarray:
        hits: np.ndarray = self.chosen == self.correct
        return hits.astype(np.float64)


def simulate(seed: int = 7) -> Sim:
    """2PL-like keyed items; wrong answers spread over the distractors; 3 % blanks."""
    rng = np.random.default_rng(seed)
    theta = rng.standard_normal(N)
    a, b = rng.uniform(0.6, 2.0, K), rng.normal(0, 0.8, K)
    a[REVERSED], b[EASY], a[GOOD], b[GOOD] = -1.2, -4.0, 2.0, 0.0
    right = rng.random((N, K)) < 1 / (1 + np.exp(-1.7 * a * (theta[:, None] - b)))
    correct = rng.integers(0, OPTIONS, K)
    appeal = rng.uniform(0.5, 1.5, (K, OPTIONS - 1))
    appeal[DEAD, 0] = 0.0                                   # first distractor of DEAD: never chosen
    cum = np.cumsum(appeal / appeal.sum(1, keepdims=True), axis=1)
    pick = (rng.random((N, K, 1)) > cum[None]).sum(2).clip(max=OPTIONS - 2)
    chosen = np.where(right, correct, (correct + 1 + pick) % OPTIONS)
    lure = rng.random(N) < 1 / (1 + np.exp(-3 * (theta - 0.5)))  # able candidates fall for a lure
    chosen[lure, LURE] = (correct[LURE] + 1) % OPTIONS
    chosen[rng.random((N, K)) < 0.03] = -1
    return Sim(chosen.astype(np.int8), correct)


@pytest.fixture(scope="module")
def sim() -> Sim:
    return simulate()


@pytest.fixture(scope="module")
def result(sim: Sim) -> ItemAnalysis:
    return analyse_choices(sim.chosen, sim.correct, n_options=OPTIONS)


@pytest.fixture(scope="module")
def stats() -> Any:
    """scipy.stats, the reference for correlations (a declared test dependency: missing means
    the install is broken, so import, never skip)."""
    import scipy.stats

    return scipy.stats


def alpha_by_covariance(x: np.ndarray) -> float:
    """Cronbach's alpha from the covariance matrix: a different route from the engine's sums."""
    c = np.cov(x, rowvar=False)
    k = c.shape[0]
    return float(k / (k - 1) * (1 - np.trace(c) / c.sum()))


def test_p_and_corrected_point_biserial_match_scipy(sim: Sim, result: ItemAnalysis, stats: Any) -> None:
    x = sim.scored
    rest = x.sum(1, keepdims=True) - x
    ref = [stats.pointbiserialr(x[:, j], rest[:, j]).statistic for j in range(K)]
    np.testing.assert_allclose(result.items.p, x.mean(0), rtol=0, atol=TOL)
    np.testing.assert_allclose(result.items.discrimination, ref, rtol=0, atol=TOL)


def test_alpha_matches_pingouin_and_kr20_equals_alpha(sim: Sim, result: ItemAnalysis) -> None:
    import pandas as pd
    import pingouin as pg
    alpha = result.sections.alpha[0]
    assert alpha == pytest.approx(pg.cronbach_alpha(data=pd.DataFrame(sim.scored))[0], abs=TOL)
    assert alpha == pytest.approx(alpha_by_covariance(sim.scored), abs=TOL)
    assert result.sections.kr20[0] == pytest.approx(alpha, abs=TOL)


def test_alpha_if_deleted_is_alpha_without_the_item(sim: Sim, result: ItemAnalysis) -> None:
    import pandas as pd
    import pingouin as pg
    x = sim.scored
    for j in range(K):
        rest = np.delete(x, j, axis=1)
        assert result.items.alpha_if_deleted[j] == pytest.approx(alpha_by_covariance(rest), abs=TOL)
        if j < 5:  # pingouin is slower; the covariance route covers every item
            assert result.items.alpha_if_deleted[j] == pytest.approx(pg.cronbach_alpha(data=pd.DataFrame(rest))[0],
                                                                     abs=TOL)


def reference_group_shares(totals: np.ndarray, picked: np.ndarray, fraction: float = 0.27) -> tuple[float, float]:
    """Upper/lower shares with ties at the cut-off counted fractionally, per candidate."""
    n, m = len(totals), fraction * len(totals)
    ranked = np.sort(totals)
    below = np.searchsorted(ranked, totals, "left")
    tied = np.searchsorted(ranked, totals, "right") - below
    above = n - below - tied
    w_low, w_up = np.clip((m - below) / tied, 0, 1), np.clip((m - above) / tied, 0, 1)
    return float(w_up @ picked / m), float(w_low @ picked / m)


def test_option_analysis_matches_direct_counts_and_scipy(sim: Sim, result: ItemAnalysis, stats: Any) -> None:
    op = result.options
    assert op is not None and op.labels == ("A", "B", "C", "D", "E", "blank")
    x = sim.scored
    total = x.sum(1)
    for j in range(K):
        rest = total - x[:, j]
        for o, code in enumerate([0, 1, 2, 3, 4, -1]):
            picked = (sim.chosen[:, j] == code).astype(np.float64)
            assert op.proportion[j, o] == pytest.approx(picked.mean(), abs=TOL)
            up, low = reference_group_shares(total, picked)
            assert (op.upper[j, o], op.lower[j, o]) == pytest.approx((up, low), abs=TOL)
            if 0 < picked.sum() < N:
                assert op.point_biserial[j, o] == pytest.approx(stats.pointbiserialr(picked, rest).statistic, abs=TOL)
            else:
                assert math.isnan(op.point_biserial[j, o])
        assert op.is_key[j].sum() == 1 and op.is_key[j, sim.correct[j]]
        assert op.point_biserial[j, sim.correct[j]] == pytest.approx(result.items.discrimination[j], abs=TOL)


def test_flags_fire_on_planted_items(result: ItemAnalysis) -> None:
    flag = {name: result.items.flags[:, i] for i, name in enumerate(FLAGS)}
    assert flag["negative_discrimination"][REVERSED]
    assert flag["too_easy"][EASY]
    assert flag["unused_distractor"][DEAD]
    assert result.options is not None and result.options.unused[DEAD].sum() == 1
    assert flag["distractor_favours_upper"][LURE]
    assert not result.items.flags[GOOD].any(), result.reasons(GOOD)
    assert any("negative discrimination" in r for r in result.reasons(REVERSED))
    assert any("chosen more by the upper group" in r for r in result.reasons(LURE))


def test_thresholds_are_parameters(sim: Sim) -> None:
    strict = analyse_choices(sim.chosen, sim.correct, n_options=OPTIONS, thresholds=Thresholds(too_easy=0.5))
    assert strict.items.flags[:, FLAGS.index("too_easy")].sum() > 1


def test_sections_equal_separate_analyses(sim: Sim) -> None:
    odd, even = list(range(1, K, 2)), list(range(0, K, 2))
    both = analyse_choices(sim.chosen, sim.correct, n_options=OPTIONS, sections={"odd": odd, "even": even})
    for s, cols in enumerate((odd, even)):
        alone = analyse_choices(sim.chosen[:, cols], sim.correct[cols], n_options=OPTIONS)
        np.testing.assert_allclose(both.items.discrimination[cols], alone.items.discrimination, atol=TOL)
        np.testing.assert_allclose(both.items.alpha_if_deleted[cols], alone.items.alpha_if_deleted, atol=TOL)
        assert both.sections.alpha[s] == pytest.approx(alone.sections.alpha[0], abs=TOL)
        assert both.sections.alpha[s] == pytest.approx(alpha_by_covariance(sim.scored[:, cols]), abs=TOL)
    assert list(both.items.section[:2]) == ["even", "odd"]


def test_row_order_does_not_matter(sim: Sim, result: ItemAnalysis) -> None:
    shuffled = np.random.default_rng(1).permutation(N)
    again = analyse_choices(sim.chosen[shuffled], sim.correct, n_options=OPTIONS)
    assert again.options is not None and result.options is not None
    np.testing.assert_allclose(again.options.upper, result.options.upper, atol=1e-12)
    np.testing.assert_array_equal(again.items.flags, result.items.flags)


def test_scored_matrix_gives_the_same_item_statistics(sim: Sim, result: ItemAnalysis) -> None:
    scored = analyse_scores(sim.scored.astype(np.int8))
    assert scored.options is None
    for field in ("p", "discrimination", "alpha_if_deleted"):
        np.testing.assert_allclose(getattr(scored.items, field), getattr(result.items, field), atol=TOL)
    np.testing.assert_array_equal(scored.items.flags[:, :5], result.items.flags[:, :5])
    assert scored.sections.kr20[0] == pytest.approx(result.sections.alpha[0], abs=TOL)


@pytest.mark.parametrize("whole", [True, False], ids=["tkp-weights", "fractional-weights"])
def test_weighted_items_match_scipy(sim: Sim, whole: bool, stats: Any) -> None:
    """TKP-like items (no key, a weight per option). Fractional weights give nearly every
    candidate a different total, which exercises the one-row-per-group path."""
    rng = np.random.default_rng(3)
    weights = np.argsort(rng.random((K, OPTIONS)), axis=1) + 1.0 if whole else rng.uniform(0, 4, (K, OPTIONS))
    res = analyse_choices(sim.chosen, np.full(K, -1), weights, n_options=OPTIONS)
    x = np.where(sim.chosen >= 0, weights[np.arange(K), sim.chosen.clip(0)], 0.0)  # a blank scores 0
    rest = x.sum(1, keepdims=True) - x
    ref = [stats.pearsonr(x[:, j], rest[:, j]).statistic for j in range(K)]
    np.testing.assert_allclose(res.items.discrimination, ref, rtol=0, atol=TOL)
    np.testing.assert_allclose(res.items.p, x.mean(0) / weights.max(1), atol=TOL)
    assert res.sections.alpha[0] == pytest.approx(alpha_by_covariance(x), abs=TOL)
    assert math.isnan(res.sections.kr20[0])
    assert res.options is not None and not res.options.is_key.any()
    scored = analyse_scores(x, max_scores=weights.max(1))
    np.testing.assert_allclose(scored.items.discrimination, res.items.discrimination, atol=TOL)


def test_scoring_section_key_shape_is_accepted(sim: Sim, result: ItemAnalysis) -> None:
    """A SectionKey carries 6 zero weights for keyed items: they add no phantom option F."""
    res = analyse_choices(sim.chosen, sim.correct, np.zeros((K, 6)))
    assert res.options is not None and res.options.labels == ("A", "B", "C", "D", "E", "blank")
    np.testing.assert_array_equal(res.items.flags, result.items.flags)


def test_scored_item_nobody_answers_has_p_zero() -> None:
    x = np.random.default_rng(0).integers(0, 2, (50, 4))
    x[:, 0] = 0
    res = analyse_scores(x)
    assert res.items.p[0] == 0 and res.items.flags[0, FLAGS.index("no_variance")]
    assert res.items.flags[0, FLAGS.index("too_hard")]


def test_bad_input_is_refused(sim: Sim) -> None:
    with pytest.raises(ValueError, match="choices must lie"):
        analyse_choices(np.full((3, 2), 5, np.int8), np.zeros(2), n_options=5)
    with pytest.raises(ValueError, match="sections"):
        analyse_choices(sim.chosen, sim.correct, sections={"a": slice(0, 10)})
    with pytest.raises(ValueError, match="need weights"):
        analyse_choices(sim.chosen, np.full(K, -1))


def test_report_xlsx_and_svg(tmp_path: Path, sim: Sim) -> None:
    ids = [f"TIU-{j:03d}" for j in range(K)]
    named = analyse_choices(sim.chosen, sim.correct, n_options=OPTIONS, item_ids=ids)
    xlsx, svg = write_report(named, tmp_path)
    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["Items", "Options", "Sections"]
    items = wb["Items"]
    assert items.freeze_panes == "A2"
    assert [c.value for c in items[1]][:3] == ["Item", "Section", "p"]
    assert items.max_row == K + 1
    for row in items.iter_rows(min_row=2):
        j = ids.index(str(row[0].value))
        assert row[2].data_type == "n" and row[2].value == pytest.approx(named.items.p[j])
        assert row[3].data_type == "n" and row[3].value == pytest.approx(named.items.discrimination[j])
        assert row[5].value is bool(named.items.flags[j].any())
    options = wb["Options"]
    assert options.max_row == K * (OPTIONS + 1) + 1 and options.freeze_panes == "A2"
    assert all(r[4].data_type == "n" for r in options.iter_rows(min_row=2))
    sections = wb["Sections"]
    assert sections["F2"].data_type == "n" and sections["F2"].value == pytest.approx(named.sections.alpha[0])

    root = ET.parse(svg).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg"
    points = [c for c in root.iter(f"{ns}circle") if c.get("class")]
    assert len(points) == K
    titles = [c.find(f"{ns}title") for c in points]
    assert all(t is not None and t.text and t.text.startswith("Item TIU-") for t in titles)
    flagged = [c for c in points if c.get("class") == "flagged"]
    assert len(flagged) == int(named.items.flags.any(1).sum())
    assert {c.get("fill") for c in flagged} == {"#d62728"}
    assert any("Difficulty" in (t.text or "") for t in root.iter(f"{ns}text"))
