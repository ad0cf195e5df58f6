"""Benchmark: score and rank 100,000 candidates x 110 items (SKD: TWK 30, TIU 35, TKP 45) by the
shipped skd-cpns profile, beside a straightforward per-candidate Python loop.

Run: .venv/bin/python bench/scoring_bench.py [--candidates N] [--subset N] [--runs N] [--no-item-analysis]
Prints figures; it is not a test. Item analysis is timed through the hook `item_analysis_step`,
and score + rank + item analysis once more as one job."""
from __future__ import annotations

import argparse
import os
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


def pipeline(chosen: np.ndarray, keys: dict[str, SectionKey], formation: np.ndarray) -> Callable[[], Any]:
    """Score + rank + item analysis as one job: what the committee view runs after a session."""
    analyse = item_analysis_step(chosen, keys)
    return lambda: (score_and_rank(chosen, keys, formation), analyse())


def medians(jobs: dict[str, Callable[[], Any]], runs: int) -> dict[str, float]:
    """Median seconds of each job over `runs` rounds. The jobs take turns within a round, so a
    burst of load from another process on this shared machine slows all of them alike."""
    for job in jobs.values():
        job()  # warm-up: first-touch page faults, lazy imports
    times: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(runs):
        for name, job in jobs.items():
            start = time.perf_counter()
            job()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def traced_peak(job: Callable[[], Any]) -> float:
    """Bytes tracemalloc saw allocated at the peak of `job` (numpy reports its buffers to it)."""
    tracemalloc.start()
    job()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--candidates", type=int, default=100_000)
    ap.add_argument("--subset", type=int, default=None,
                    help="candidates for the Python-loop baseline, scaled up (default: all; quicker but flattering)")
    ap.add_argument("--runs", type=int, default=9, help="rounds for each median (at least 7)")
    ap.add_argument("--item-analysis", action=argparse.BooleanOptionalAction, default=True,
                    help="also time the item analysis (item_analysis_step) and the whole pipeline")
    args = ap.parse_args()
    if args.runs < 7:
        ap.error("--runs: medians need at least 7 runs on this shared machine")
    chosen, keys, formation = simulate(args.candidates)
    print(describe())
    print(f"load average before the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          "(the machine is shared: other benchmarks may run at the same time)")
    print(f"responses: {chosen.shape[0]:,} x {chosen.shape[1]} {chosen.dtype}, {chosen.itemsize} byte per cell "
          f"= {chosen.nbytes / 2**20:.1f} MB")

    jobs: dict[str, Callable[[], Any]] = {"score + rank": lambda: score_and_rank(chosen, keys, formation)}
    if args.item_analysis:
        jobs["item analysis"] = item_analysis_step(chosen, keys)
        jobs["score + rank + item analysis"] = pipeline(chosen, keys, formation)
    took = medians(jobs, args.runs)
    result = score_and_rank(chosen, keys, formation)
    fast = took["score + rank"]
    print(f"score + rank: median {fast * 1e3:.1f} ms of {args.runs} runs "
          f"({int(result.passed.sum()):,} pass, {int(result.advances.sum()):,} advance)")
    if not args.item_analysis:
        print("item analysis: not measured here (drop --no-item-analysis; hook: item_analysis_step)")
    else:
        whole = took["score + rank + item analysis"]
        print(f"item analysis: median {took['item analysis'] * 1e3:.1f} ms of {args.runs} runs")
        print(f"score + rank + item analysis, timed as one job: median {whole * 1e3:.1f} ms "
              f"(target < 100 ms: {'met' if whole < 0.1 else 'NOT met'})")

    # Memory before the loop baseline, whose Python lists would dominate the process peak.
    peak = traced_peak(pipeline(chosen, keys, formation) if args.item_analysis
                       else lambda: score_and_rank(chosen, keys, formation))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    what = "score + rank + item analysis" if args.item_analysis else "score + rank"
    print(f"peak memory: {what} allocates at most {peak / 2**20:.1f} MB beyond the {chosen.nbytes / 2**20:.1f} MB "
          f"of responses (tracemalloc); process peak RSS so far {rss:.0f} MB, interpreter and simulation included "
          f"(target < 200 MB: {'met' if rss < 200 else 'NOT met'})")

    # The loop does the same job on the same candidates by default: timed on a subset and scaled,
    # it would look ~15 % faster than it is (its lists outgrow the caches, its sort is n log n).
    subset = min(args.subset or args.candidates, args.candidates)
    sub = slice(0, subset)
    last: dict[str, list[int]] = {}  # the last run's ranks, to check the loop does the same job

    def run_loop() -> None:
        last["ranks"] = loop_baseline(chosen[sub], keys, formation[sub])

    loop = medians({"loop": run_loop}, args.runs)["loop"] * args.candidates / subset
    same = last["ranks"] == score_and_rank(chosen[sub], keys, formation[sub]).rank.tolist()
    where = (f"on all {subset:,} candidates" if subset == args.candidates else
             f"on {subset:,} candidates, scaled to {args.candidates:,} (flatters the loop)")
    print(f"per-candidate Python loop: median of {args.runs} {where}: {loop:.2f} s "
          f"(same ranks as numpy: {same})")
    print(f"ratio, loop / numpy score + rank: {loop / fast:,.0f}x (target >= 100x: {'met' if loop / fast >= 100 else 'NOT met'})")


if __name__ == "__main__":
    main()
