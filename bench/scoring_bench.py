"""Benchmark: score and rank 100,000 candidates x 110 items (SKD: TWK 30, TIU 35, TKP 45) by the
shipped skd-cpns profile, beside a straightforward per-candidate Python loop.

Run: .venv/bin/python bench/scoring_bench.py [--candidates N] [--subset N] [--runs N] [--item-analysis]
Prints figures; it is not a test. Item analysis is timed through the hook `item_analysis_step`."""
from __future__ import annotations

import argparse
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
from machine import describe

from exam_engine.results.ranking import Ranking, rank_stage
from exam_engine.scoring import get_rule
from exam_engine.scoring.base import BLANK, SectionKey
from exam_engine.scoring.keys import MAX_OPTIONS
from question_bank.profiles import Profile, load_profile

PROFILE = load_profile("skd-cpns")
VACANCIES = {"umum": 2_000, "cumlaude": 300, "diaspora": 50, "disabilitas": 150, "papua": 100, "daerah_tertinggal": 100}


def columns_of(profile: Profile) -> dict[str, slice]:
    start, out = 0, {}
    for s in profile.sections:
        out[s.code], start = slice(start, start + s.items), start + s.items
    return out


def simulate(n: int, seed: int = 2024, block: int = 10_000) -> tuple[np.ndarray, dict[str, SectionKey], np.ndarray]:
    """(chosen int8 (n, 110), keys per section, formation codes): ability-driven answers, 3 % blank.
    Generated in blocks of rows so the generator's float temporaries stay small."""
    rng = np.random.default_rng(seed)
    cols = columns_of(PROFILE)
    keys: dict[str, SectionKey] = {}
    for s in PROFILE.sections:
        if s.scoring["rule"] == "weighted":   # each item: the weights 1..5 in some order
            weights = np.zeros((s.items, MAX_OPTIONS))
            weights[:, :5] = np.argsort(rng.random((s.items, 5)), axis=1) + 1
            keys[s.code] = SectionKey(np.full(s.items, BLANK, dtype=np.int8), weights)
        else:
            keys[s.code] = SectionKey(rng.integers(0, 5, s.items).astype(np.int8), np.zeros((s.items, MAX_OPTIONS)))
    difficulty = {s.code: rng.normal(-0.6, 1, s.items).astype(np.float32) for s in PROFILE.sections}
    chosen = np.empty((n, sum(s.items for s in PROFILE.sections)), dtype=np.int8)
    for first in range(0, n, block):
        rows = slice(first, min(first + block, n))
        m = rows.stop - first
        theta = rng.standard_normal((m, 1), dtype=np.float32)
        for s in PROFILE.sections:
            key, k = keys[s.code], s.items
            if s.scoring["rule"] == "weighted":
                level = np.clip(np.rint(3.8 + theta + rng.standard_normal((m, k), dtype=np.float32)), 1, 5)
                option_of = np.argsort(key.weights[:, :5], axis=1)     # weight w -> option option_of[:, w - 1]
                chosen[rows, cols[s.code]] = option_of[np.arange(k), level.astype(np.intp) - 1]
            else:
                p_right = 1 / (1 + np.exp(-1.7 * (theta - difficulty[s.code])))
                wrong = (key.correct + rng.integers(1, 5, (m, k), dtype=np.int8)) % 5
                right = rng.random((m, k), dtype=np.float32) < p_right
                chosen[rows, cols[s.code]] = np.where(right, key.correct, wrong)
        chosen[rows][rng.integers(0, 100, (m, chosen.shape[1]), dtype=np.int8) < 3] = BLANK
    formation = rng.choice(len(PROFILE.formations), n, p=[0.85, 0.05, 0.01, 0.04, 0.03, 0.02])
    return chosen, keys, formation


def score_and_rank(chosen: np.ndarray, keys: dict[str, SectionKey], formation: np.ndarray) -> Ranking:
    cols = columns_of(PROFILE)
    scores = {s.code: get_rule(s.scoring["rule"]).score(chosen[:, cols[s.code]], keys[s.code], s.scoring)
              for s in PROFILE.sections}
    return rank_stage(PROFILE, scores, formation, VACANCIES)


def loop_baseline(chosen: np.ndarray, keys: dict[str, SectionKey], formation: np.ndarray) -> list[int]:
    """The same job written plainly: one candidate at a time, then Python's sort; returns ranks."""
    plain = {code: (k.correct.tolist(), k.weights.tolist()) for code, k in keys.items()}
    limits = {f: PROFILE.thresholds.get("formations", {}).get(f) or PROFILE.thresholds["default"]
              for f in PROFILE.formations}
    cols = columns_of(PROFILE)
    rows, ranked = chosen.tolist(), []
    for i, row in enumerate(rows):
        scores = {}
        for s in PROFILE.sections:
            correct, weights = plain[s.code]
            total = 0.0
            for j, picked in enumerate(row[cols[s.code]]):
                if picked == BLANK:
                    total += float(s.scoring.get("blank", 0))
                elif s.scoring["rule"] == "weighted":
                    total += weights[j][picked]
                else:
                    total += float(s.scoring["correct"] if picked == correct[j] else s.scoring.get("wrong", 0))
            scores[s.code] = total
        name = PROFILE.formations[formation[i]]
        lim, total = limits[name], sum(scores.values())
        if all(scores[c] >= v for c, v in (lim.get("sections") or {}).items()) and total >= lim.get("total", 0):
            ranked.append((int(formation[i]), -total, -scores["TKP"], -scores["TIU"], -scores["TWK"], i))
    ranked.sort()
    ranks, last, start, tie = [0] * len(rows), None, 0, 0
    for pos, entry in enumerate(ranked):
        if last is None or entry[0] != last[0]:
            start = pos
        if last is None or entry[:5] != last[:5]:
            tie = pos
        ranks[entry[5]], last = tie - start + 1, entry
    multiple = PROFILE.ranking["advance_multiple"]
    _ = [0 < r <= multiple * VACANCIES[PROFILE.formations[f]] for r, f in zip(ranks, formation, strict=True)]
    return ranks


def item_analysis_step(chosen: np.ndarray, keys: dict[str, SectionKey]) -> Callable[[], Any]:
    """HOOK for the item-analysis owner (run with --item-analysis): a no-argument callable that
    analyses `chosen`; its time is printed and added to score + rank. Adapt the call here if
    analyse_choices changes its signature."""
    from exam_engine.results.item_analysis import analyse_choices

    correct = np.concatenate([k.correct for k in keys.values()])
    weights = np.concatenate([k.weights[:, :5] for k in keys.values()])
    sections = columns_of(PROFILE)
    return lambda: analyse_choices(chosen, correct, weights, n_options=5, sections=sections)


def median_seconds(job: Callable[[], Any], runs: int) -> float:
    job()  # warm-up: first-touch page faults, lazy imports
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        job()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--candidates", type=int, default=100_000)
    ap.add_argument("--subset", type=int, default=2_000, help="candidates for the Python-loop baseline")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--item-analysis", action="store_true", help="also time the item analysis (item_analysis_step)")
    args = ap.parse_args()
    chosen, keys, formation = simulate(args.candidates)
    print(describe())
    print(f"responses: {chosen.shape[0]:,} x {chosen.shape[1]} {chosen.dtype} = {chosen.nbytes / 2**20:.1f} MB")

    fast = median_seconds(lambda: score_and_rank(chosen, keys, formation), args.runs)
    result = score_and_rank(chosen, keys, formation)
    print(f"score + rank: median {fast * 1e3:.1f} ms of {args.runs} runs "
          f"({int(result.passed.sum()):,} pass, {int(result.advances.sum()):,} advance)")

    if not args.item_analysis:
        print("item analysis: not measured here (add --item-analysis; hook: item_analysis_step)")
    else:
        took = median_seconds(item_analysis_step(chosen, keys), args.runs)
        print(f"item analysis: median {took * 1e3:.1f} ms; score + rank + item analysis {(fast + took) * 1e3:.1f} ms")

    sub = slice(0, args.subset)
    # Scaling linearly flatters the loop a little: its final sort is n log n.
    loop = median_seconds(lambda: loop_baseline(chosen[sub], keys, formation[sub]), args.runs)
    loop *= args.candidates / args.subset
    numpy_ranks = score_and_rank(chosen[sub], keys, formation[sub]).rank.tolist()
    same = loop_baseline(chosen[sub], keys, formation[sub]) == numpy_ranks
    print(f"per-candidate Python loop: median of {args.runs} on {args.subset:,} candidates, scaled to "
          f"{args.candidates:,}: {loop:.2f} s (same ranks as numpy on the subset: {same})")
    print(f"ratio: {loop / fast:,.0f}x")

    tracemalloc.start()
    score_and_rank(chosen, keys, formation)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"peak memory: score + rank allocates {peak / 2**20:.1f} MB beyond the responses (tracemalloc); "
          f"process peak RSS {rss:.0f} MB (includes the loop baseline's Python lists)")


if __name__ == "__main__":
    main()
