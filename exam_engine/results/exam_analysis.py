"""Item analysis of an exam's finished attempts, shared by `exam-engine analyse items` and the
committee page.

Forms differ per candidate, so an item is analysed over the candidates who had it on their
form, and item_analysis (which has no presence mask) is run per item on those candidates and
the item's whole section: an item off a candidate's form is -1 and scores 0 like a blank, so
each candidate's section total is exactly their own form's total, and p, the corrected
point-biserial and the option analysis are those of the candidates who saw the item. Where
every candidate had every item of a section, one run covers the section (the same numbers).

Section reliability with differing forms: alpha = k/(k-1) (1 - V/var(T)), with k the mean
form length of the section, T the section total, and V = k times the mean item variance, each
item's sample variance taken over the candidates who had it and weighted by their number (an
item seen once has none and is left out of V); alpha-if-deleted takes the item out of k, V and
T. With one common form these are exactly Cronbach's alpha and alpha-if-item-deleted (KR-20
for 0/1 items); with differing forms they are estimates, only as good as the exposure of each
item (a few candidates per item give unstable values, even outside 0..1), and a little high
where forms differ in difficulty, since var(T) then holds that difference too."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_engine.delivery.models import Attempt, Response
from exam_engine.results.item_analysis import (
    FLAGS,
    ItemAnalysis,
    ItemStats,
    OptionStats,
    SectionStats,
    Thresholds,
    analyse_choices,
)
from exam_engine.roster.models import Candidate
from exam_engine.scheduling.models import Exam
from exam_engine.scheduling.service import profile_of
from exam_engine.scoring.keys import MAX_OPTIONS, scoring_key
from exam_engine.vault import Vault
from question_bank.forms import Form
from question_bank.models import Item
from question_bank.service import item_content


@dataclass(frozen=True)
class ResponseMatrix:
    """Finished attempts x distinct item revisions on their forms."""

    chosen: np.ndarray     # (candidates, items) int8 option index (0 = A); -1 blank or not on the form
    present: np.ndarray    # (candidates, items) bool: the item was on the candidate's form
    item_ids: list[str]    # "TWK-001", or "TWK-001 r2" for a later revision
    groups: list[str]      # per item: its section, or "section/trait" for Likert statements
    correct: np.ndarray    # (items,) int64 key index, -1 for weighted and Likert items
    weights: np.ndarray    # (items, options) float64 score per option where unkeyed
    n_options: np.ndarray  # (items,) int64


def _key(content: dict[str, Any]) -> tuple[int, tuple[float, ...], str | None]:
    """(correct, weights, Likert trait or None); a Likert statement's options score 1..k, reversed k..1,
    as the Likert rule scores them (its scale k is the statement's option count)."""
    key = scoring_key(content)
    if key.trait is None:
        return key.correct, key.weights, None
    points = np.arange(1, key.points + 1, dtype=np.float64)
    weights = (points[::-1] if key.reverse else points).tolist() + [0.0] * (MAX_OPTIONS - key.points)
    return -1, tuple(weights), key.trait


def response_matrix(session: Session, vault: Vault, exam: Exam) -> ResponseMatrix:
    """The matrix of every finished attempt of EXAM, candidates by number, items by section."""
    attempts = session.execute(
        select(Attempt.id, Form.items).join(Form, Attempt.form_id == Form.id)
        .join(Candidate, Attempt.candidate_id == Candidate.id)
        .where(Candidate.exam_id == exam.id, Attempt.status == "finished").order_by(Candidate.number)).all()
    pks = {entry["item"] for _, items in attempts for entry in items if entry.get("item") is not None}
    order = {s.code: i for i, s in enumerate(profile_of(exam).sections)}
    items = sorted(session.scalars(select(Item).where(Item.id.in_(pks))),
                   key=lambda i: (order.get(i.section, len(order)), i.section, i.item_id, i.revision))
    column = {item.id: j for j, item in enumerate(items)}
    row_of = {attempt_id: r for r, (attempt_id, _) in enumerate(attempts)}
    chosen = np.full((len(attempts), len(items)), -1, dtype=np.int8)
    present = np.zeros(chosen.shape, dtype=bool)
    handles: dict[int, list[int]] = {}  # attempt -> column per handle (-1: no bank item)
    for attempt_id, entries in attempts:
        cols = [column.get(e.get("item"), -1) for e in entries]
        handles[attempt_id] = cols
        present[row_of[attempt_id], [c for c in cols if c >= 0]] = True
    answered = session.execute(
        select(Response.attempt_id, Response.handle, Response.option).join(Attempt, Response.attempt_id == Attempt.id)
        .join(Candidate, Attempt.candidate_id == Candidate.id)
        .where(Candidate.exam_id == exam.id, Attempt.status == "finished", Response.option.is_not(None)))
    for attempt_id, handle, option in answered:
        cols = handles[attempt_id]
        if 0 <= handle < len(cols) and cols[handle] >= 0:
            chosen[row_of[attempt_id], cols[handle]] = ord(option) - ord("A")
    keys = [_key(item_content(session, vault, item.id)) for item in items]
    return ResponseMatrix(
        chosen=chosen, present=present,
        item_ids=[i.item_id if i.revision == 1 else f"{i.item_id} r{i.revision}" for i in items],
        groups=[i.section if trait is None else f"{i.section}/{trait}" for i, (_, _, trait) in zip(items, keys)],
        correct=np.array([k[0] for k in keys], dtype=np.int64),
        weights=np.array([k[1] for k in keys], dtype=np.float64).reshape(len(items), MAX_OPTIONS),
        n_options=np.array([i.option_count for i in items], dtype=np.int64))


def item_scores(m: ResponseMatrix) -> np.ndarray:
    """(candidates, items) float64: 0/1 for keyed items, the option's weight otherwise; 0 for
    a blank or an item off the form."""
    width = m.weights.shape[1]
    values = np.zeros((len(m.correct), width + 1))  # last column: blank
    values[:, :width] = m.weights
    keyed = np.flatnonzero(m.correct >= 0)
    values[keyed] = 0.0
    values[keyed, m.correct[keyed]] = 1.0
    code = np.where(m.chosen < 0, width, m.chosen).astype(np.intp)
    return np.take_along_axis(values.T, code, axis=0) if code.size else np.zeros(code.shape)


def analyse_matrix(m: ResponseMatrix, thresholds: Thresholds | None = None) -> ItemAnalysis:
    """Item, option and section statistics of the matrix; ValueError with fewer than two attempts."""
    thresholds = thresholds or Thresholds()
    n, k = m.chosen.shape
    if n < 2:
        raise ValueError(f"item analysis needs at least two finished attempts (found {n})")
    width = int(m.n_options.max(initial=2))
    labels = tuple(chr(ord("A") + o) for o in range(width)) + ("blank",)
    p, disc, flags = np.full(k, np.nan), np.full(k, np.nan), np.zeros((k, len(FLAGS)), dtype=bool)
    opt = {name: np.full((k, width + 1), np.nan) for name in ("proportion", "upper", "lower", "point_biserial")}
    marks = {name: np.zeros((k, width + 1), dtype=bool) for name in ("is_key", "unused", "favours_upper")}
    names = list(dict.fromkeys(m.groups))
    groups = {name: np.flatnonzero(np.asarray(m.groups) == name) for name in names}
    for cols in groups.values():
        present = m.present[:, cols]
        # everyone had every item: one run; otherwise one run per item over those who had it
        runs = [(np.arange(n), np.arange(len(cols)))] if present.all() else \
            [(np.flatnonzero(present[:, j]), np.array([j])) for j in range(len(cols))]
        for rows, take in runs:
            if len(rows) < 2:
                continue  # seen by fewer than two candidates: nothing to correlate
            res = analyse_choices(m.chosen[np.ix_(rows, cols)], m.correct[cols], m.weights[cols],
                                  n_options=int(m.n_options[cols].max()), thresholds=thresholds)
            at = cols[take]
            p[at], disc[at], flags[at] = res.items.p[take], res.items.discrimination[take], res.items.flags[take]
            assert res.options is not None
            for o, label in enumerate(res.options.labels):
                g = labels.index(label)
                for name, values in (*opt.items(), *marks.items()):
                    values[at, g] = getattr(res.options, name)[take, o]
    # An item with fewer options than its section's widest: its missing letters are no options.
    letter = np.arange(width + 1)[None, :]  # the last column is blank, which every item has
    missing = (letter < width) & (letter >= m.n_options[:, None])
    for values in opt.values():
        values[missing] = np.nan
    for flagged in marks.values():
        flagged[missing] = False
    flags[:, FLAGS.index("unused_distractor")] = marks["unused"].any(1)
    flags[:, FLAGS.index("distractor_favours_upper")] = marks["favours_upper"].any(1)
    alone = np.isnan(p) & (m.present.sum(0) == 1)  # one candidate: a proportion, but nothing to correlate
    if alone.any():
        top = np.where(m.correct >= 0, 1.0, m.weights.max(1))
        p[alone] = item_scores(m)[:, alone].sum(0) / top[alone]
    alpha_if_deleted, sections = _reliability(m, groups)
    items = ItemStats(np.asarray(m.item_ids, dtype=str), np.asarray(m.groups, dtype=str), p, disc,
                      alpha_if_deleted, flags)
    options = OptionStats(labels, opt["proportion"], opt["upper"], opt["lower"], opt["point_biserial"],
                          marks["is_key"], marks["unused"], marks["favours_upper"])
    return ItemAnalysis(n, items, sections, options, thresholds)


def _alpha(k: np.ndarray | float, item_var: np.ndarray | float, total_var: np.ndarray | float) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(np.asarray(k) > 1, k / (k - 1) * (1 - item_var / total_var), np.nan))


def _reliability(m: ResponseMatrix, groups: dict[str, np.ndarray]) -> tuple[np.ndarray, SectionStats]:
    """Alpha-if-deleted per item and the section statistics (see the module docstring)."""
    x = item_scores(m)
    aid = np.full(len(m.correct), np.nan)
    rows_out = []
    for cols in groups.values():
        present = m.present[:, cols]
        who = present.any(1)  # candidates who had the section at all
        sx, pres = x[who][:, cols], present[who]
        n_g, n_i = int(who.sum()), pres.sum(0)
        if n_g < 2:
            rows_out.append((len(cols), sx.sum(1).mean() if n_g else np.nan, np.nan, np.nan, np.nan))
            continue
        total = sx.sum(1)
        rest = total[:, None] - sx                          # totals without each item
        # sample variances (ddof 1) throughout: with one form the n's cancel as in the textbook
        # formula, and an item seen by a handful of candidates is not pulled towards zero
        weight = np.where(n_i >= 2, n_i, 0)                 # an item seen once has no variance
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_i = sx.sum(0) / n_i
            var_i = np.where(weight > 0, np.where(pres, (sx - mean_i) ** 2, 0.0).sum(0) / (n_i - 1), 0.0)
            spread = weight * var_i
            k_bar = pres.sum(1).mean()
            alpha = float(_alpha(k_bar, k_bar * spread.sum() / weight.sum(), total.var(ddof=1)))
            k_rest = k_bar - n_i / n_g
            aid[cols] = _alpha(k_rest, k_rest * (spread.sum() - spread) / (weight.sum() - weight), rest.var(0, ddof=1))
        binary = bool((m.correct[cols] >= 0).all())
        rows_out.append((len(cols), total.mean(), total.std(ddof=1), alpha, alpha if binary else np.nan))
    table = np.array(rows_out, dtype=np.float64).reshape(-1, 5).T
    sections = SectionStats(np.asarray(list(groups), dtype=str), table[0].astype(np.int64), table[1], table[2],
                            table[3], table[4])
    return aid, sections
