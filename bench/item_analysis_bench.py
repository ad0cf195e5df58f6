"""Benchmark: item analysis of 100,000 candidates x 110 items (SKD layout: TWK 30 and TIU 35
keyed items, TKP 45 weighted items), beside a straightforward per-item Python loop.

Run: .venv/bin/python bench/item_analysis_bench.py [--candidates N] [--subset N]"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import time
import tracemalloc

import numpy as np
from machine import describe

from exam_engine.results.item_analysis import ItemAnalysis, analyse_choices

SECTIONS = {"TWK": slice(0, 30), "TIU": slice(30, 65), "TKP": slice(65, 110)}
N_OPTIONS = 5


def simulate(n: int, seed: int = 2024) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(chosen int8, correct, weights): 2PL-like keyed items, TKP choices drifting with ability."""
    rng = np.random.default_rng(seed)
    theta = rng.standard_normal(n).astype(np.float32)
    chosen = np.empty((n, 110), dtype=np.int8)
    correct = np.full(110, -1, dtype=np.int8)
    correct[:65] = rng.integers(0, N_OPTIONS, 65)
    a, b = rng.uniform(0.5, 2.0, 65).astype(np.float32), rng.normal(0, 1, 65).astype(np.float32)
    right = rng.random((n, 65), dtype=np.float32) < 1 / (1 + np.exp(-1.7 * a * (theta[:, None] - b)))
    wrong = (correct[:65] + rng.integers(1, N_OPTIONS, (n, 65), dtype=np.int8)) % N_OPTIONS
    chosen[:, :65] = np.where(right, correct[:65], wrong)
    weights = np.zeros((110, N_OPTIONS))
    perms = np.argsort(rng.random((45, N_OPTIONS)), axis=1)     # option index -> weight 1..5
    weights[65:] = perms + 1
    level = np.clip(np.rint(3 + theta[:, None] + rng.standard_normal((n, 45), dtype=np.float32)), 1, 5)
    chosen[:, 65:] = np.argsort(perms, axis=1)[np.arange(45), level.astype(np.int64) - 1]
    chosen[rng.random((n, 110), dtype=np.float32) < 0.02] = -1
    return chosen, correct, weights


def run(chosen: np.ndarray, correct: np.ndarray, weights: np.ndarray) -> ItemAnalysis:
    return analyse_choices(chosen, correct, weights, n_options=N_OPTIONS, sections=SECTIONS)


def loop_baseline(chosen: np.ndarray, correct: np.ndarray, weights: np.ndarray) -> list[float]:
    """The same statistics written plainly: Python loops over items and candidates."""
    rows = chosen.tolist()
    n = len(rows)
    disc: list[float] = []
    for cols in SECTIONS.values():
        items = list(range(110))[cols]
        score = [[(1.0 if r[j] == correct[j] else 0.0) if correct[j] >= 0 else
                  (0.0 if r[j] < 0 else float(weights[j][r[j]])) for j in items] for r in rows]
        total = [sum(s) for s in score]
        ranked = sorted(range(n), key=lambda i: total[i])
        g = round(0.27 * n)
        lower, upper = set(ranked[:g]), set(ranked[-g:])
        item_var = []
        for pos, j in enumerate(items):
            x = [s[pos] for s in score]
            rest = [t - v for t, v in zip(total, x)]
            mx, mr = sum(x) / n, sum(rest) / n
            sxy = sum((a - mx) * (b - mr) for a, b in zip(x, rest))
            sxx = sum((a - mx) ** 2 for a in x)
            syy = sum((b - mr) ** 2 for b in rest)
            disc.append(sxy / math.sqrt(sxx * syy) if sxx and syy else math.nan)
            item_var.append(sxx / (n - 1))
            for o in range(-1, N_OPTIONS):
                pick = [1.0 if rows[i][j] == o else 0.0 for i in range(n)]
                _ = (sum(pick) / n, sum(pick[i] for i in upper) / g, sum(pick[i] for i in lower) / g)
                mp = sum(pick) / n
                spp = sum((a - mp) ** 2 for a in pick)
                spr = sum((a - mp) * (b - mr) for a, b in zip(pick, rest))
                _ = spr / math.sqrt(spp * syy) if spp and syy else math.nan
        mt = sum(total) / n
        var_t = sum((t - mt) ** 2 for t in total) / (n - 1)
        k = len(items)
        _ = k / (k - 1) * (1 - sum(item_var) / var_t)
        for pos, j in enumerate(items):  # alpha-if-deleted: recompute the total without the item
            rest_t = [t - s[pos] for t, s in zip(total, score)]
            mr = sum(rest_t) / n
            var_r = sum((t - mr) ** 2 for t in rest_t) / (n - 1)
            _ = (k - 1) / (k - 2) * (1 - (sum(item_var) - item_var[pos]) / var_r)
    return disc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--candidates", type=int, default=100_000)
    ap.add_argument("--subset", type=int, default=2_000, help="candidates for the Python-loop baseline")
    ap.add_argument("--runs", type=int, default=9, help="runs for the median (at least 7)")
    args = ap.parse_args()
    if args.runs < 7:
        ap.error("--runs: medians need at least 7 runs on this shared machine")
    chosen, correct, weights = simulate(args.candidates)
    print(describe())
    print(f"load average before the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          "(the machine is shared: other benchmarks may run at the same time)")
    print(f"matrix: {chosen.shape[0]:,} x {chosen.shape[1]} {chosen.dtype}, {chosen.itemsize} byte per cell "
          f"= {chosen.nbytes / 1e6:.1f} MB "
          f"(sections {', '.join(f'{k} {s.stop - s.start}' for k, s in SECTIONS.items())})")
    run(chosen, correct, weights)  # warm-up: first-touch page faults and BLAS start-up
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        result = run(chosen, correct, weights)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(f"item analysis: median {median * 1e3:.1f} ms of {args.runs} runs "
          f"(min {min(times) * 1e3:.1f}, max {max(times) * 1e3:.1f}); "
          f"alpha {', '.join(f'{n} {a:.3f}' for n, a in zip(result.sections.names, result.sections.alpha))}")
    tracemalloc.start()
    run(chosen, correct, weights)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"peak memory (tracemalloc, beyond the response matrix): {peak / 1e6:.1f} MB")
    sub = chosen[:args.subset]
    start = time.perf_counter()
    disc = loop_baseline(sub, correct, weights)
    loop = (time.perf_counter() - start) * args.candidates / args.subset
    check = run(sub, correct, weights).items.discrimination
    print(f"Python loop baseline: {args.subset:,} candidates timed, scaled x{args.candidates / args.subset:g} "
          f"to {loop:.1f} s; ratio {loop / median:,.0f}x "
          f"(max |r difference| on the subset {np.nanmax(np.abs(np.array(disc) - check)):.1e})")


if __name__ == "__main__":
    main()
