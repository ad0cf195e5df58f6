"""The printed summary of a simulation, and whether it passed."""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from exam_engine.simulate.runner import Outcome


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _ms(values: Sequence[float], *ps: int) -> str:
    if not values:
        return "n/a"
    return ", ".join(f"p{p} {percentile(values, p):.1f} ms" for p in ps)


def summary(outcome: Outcome) -> tuple[list[str], list[str]]:
    """(lines to print, failures); the simulation passed when there is no failure."""
    records, checks, chaos = outcome.records, outcome.checks, outcome.chaos
    n = len(records)
    failures: list[str] = []
    logged_in = [r for r in records if r.logged_in]
    packages = [r for r in logged_in if r.package_bytes]
    keyed = [r for r in records if r.key_at is not None]
    started = outcome.started
    key_ms = [(r.key_at - started) * 1000 for r in keyed if started is not None and r.key_at is not None]
    sent = sum(r.sent for r in records)
    acked = sum(len(r.acked) for r in records)
    resent = sum(max(0, r.transmissions - len(r.acked) - len(r.refused)) for r in records)
    refused = [(r.number, seq, code) for r in records for seq, code in r.refused]
    errors = [(r.number, e) for r in records for e in r.errors]
    ack_ms = [ms for r in records for ms in r.ack_ms]
    bytes_avg = sum(r.package_bytes for r in packages) / len(packages) if packages else 0
    lines = [
        (f"simulation: session {outcome.sitting.session_code} on {outcome.url}, {n} candidates, "
         f"speed x{outcome.options.speed:g}"),
        f"logins: {len(logged_in)} ok, {n - len(logged_in)} failed",
        (f"packages: {len(packages)} downloaded ({bytes_avg / 1024:.0f} KiB each), "
         f"{len(logged_in) - len(packages)} failed; pre-load {outcome.preload_seconds:.1f} s"),
        f"keys received: {len(keyed)}/{n}; key latency {_ms(key_ms, 50, 99)}",
        (f"answers: {sent} sent, {acked} acknowledged, {checks.stored} stored; "
         f"{sum(r.queued_offline for r in records)} queued offline, {resent} resent "
         f"({sum(r.duplicates for r in records)} already stored), {len(refused)} refused"),
        f"lost: {len(checks.lost)}",
        f"ack latency: {_ms(ack_ms, 50, 95, 99)}",
        (f"attempts finished: {sum(checks.finish_reasons.values())}/{n} "
         f"({', '.join(f'{k} {v}' for k, v in sorted(checks.finish_reasons.items())) or 'none'}); "
         f"sitting {outcome.sitting_seconds:.1f} s; reconnects {sum(r.reconnects for r in records)}"),
        f"score checks: {checks.scores_ok} passed, {len(checks.scores_failed)} failed",
    ]
    if chaos is not None:
        if chaos.outage is not None:
            lines.append(f"outage: server killed at +{chaos.killed_at:.1f} s, serving again after {chaos.outage:.1f} s "
                         f"(down for {chaos.down_for:g} s + start-up); {len(chaos.active_at_kill)} attempt(s) running")
        short = chaos.short
        credited = [chaos.credited.get(a, 0.0) for a in chaos.active_at_kill]
        if chaos.error:
            lines.append(f"outage credited: FAILED ({chaos.error})")
        elif not chaos.active_at_kill:
            lines.append("outage credited: FAILED (no attempt was running at the kill)")
        elif short:
            lines.append(f"outage credited: FAILED ({len(short)} attempt(s) credited less than "
                         f"{chaos.down_for - 1:g} s, e.g. {min(short.values()):.1f} s)")
        else:
            lines.append(f"outage credited: ok ({len(credited)} attempt(s), {min(credited):.1f} s to "
                         f"{max(credited):.1f} s)")
        if lines[-1].startswith("outage credited: FAILED"):
            failures.append("outage not credited")
    if outcome.aborted:
        failures.append(f"aborted: {outcome.aborted}")
    for condition, failure in (
            (len(logged_in) < n, "logins failed"), (len(packages) < len(logged_in), "package downloads failed"),
            (len(keyed) < n, "keys missing"), (checks.lost, "acknowledged events lost"),
            (refused, "events refused"), (checks.unfinished, "attempts not finished"),
            (checks.scores_failed, "score checks failed"), (errors, "client errors")):
        if condition:
            failures.append(failure)
    for number, seq, kind in checks.lost[:10]:
        lines.append(f"  lost: {number} seq {seq} ({kind})")
    for number, seq, code in refused[:10]:
        lines.append(f"  refused: {number} seq {seq}: {code}")
    for detail in checks.scores_failed[:10]:
        lines.append(f"  score mismatch: {detail}")
    for number, error in errors[:10]:
        lines.append(f"  error: {number}: {error}")
    for r in [r for r in records if not r.logged_in][:10]:
        lines.append(f"  login failed: {r.number}: {r.login_error}")
    lines.append("result: FAILED (" + "; ".join(failures) + ")" if failures else "result: ok")
    return lines, failures
