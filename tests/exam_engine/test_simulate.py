"""`exam-engine simulate`: simulated terminals against a real gunicorn node, checked in the database.

The speed factor divides the candidates' think time so a 15-item sitting takes seconds."""
from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import delete, select

from exam_engine.cli.simulate import register
from exam_engine.context import EngineContext


@pytest.fixture
def simulate(engine: EngineContext):  # type: ignore[no-untyped-def]
    """Run `simulate ARGS...` on the temp instance. The command is registered on a group of
    its own, so the test does not depend on the main group's wiring."""
    group = click.Group()
    register(group)

    def run(*args: object) -> Result:
        return CliRunner().invoke(group, ["simulate", *map(str, args)], obj=engine, catch_exceptions=False)

    return run


def numbers(pattern: str, output: str) -> tuple[int, ...]:
    match = re.search(pattern, output, re.MULTILINE)
    assert match, f"{pattern!r} not in:\n{output}"
    return tuple(int(g) for g in match.groups())


def test_a_small_sitting_is_stored_and_scored_exactly(simulate):
    result = simulate("--candidates", 5, "--speed", 200, "--seed", 1)
    out = result.output
    assert result.exit_code == 0, out
    assert re.search(r"^lost: 0$", out, re.MULTILINE), out
    assert numbers(r"^logins: (\d+) ok, (\d+) failed$", out) == (5, 0)
    assert numbers(r"^keys received: (\d+)/(\d+);", out) == (5, 5)
    sent, acked, stored = numbers(r"^answers: (\d+) sent, (\d+) acknowledged, (\d+) stored;", out)
    assert sent == acked == stored >= 5 * 15  # every item answered, plus marks and changes
    assert numbers(r"^score checks: (\d+) passed, (\d+) failed$", out) == (5, 0)
    assert re.search(r"^ack latency: p50 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms$", out, re.MULTILINE), out
    assert out.rstrip().endswith("result: ok")


def test_the_checks_catch_a_lost_answer_and_a_wrong_score(engine):
    """The verification is not vacuous: remove one stored event and falsify one result."""
    from exam_engine.delivery.models import AnswerEvent, Attempt
    from exam_engine.simulate.report import summary
    from exam_engine.simulate.runner import Checks, Options, verify
    from exam_engine.simulate.runner import simulate as run

    outcome = run(engine, Options(candidates=2, speed=400, seed=2), echo=lambda _: None)
    assert summary(outcome)[1] == []
    first = outcome.records[0]
    seq, kind, _, _ = next(e for e in first.acked if e[1] == "answer")
    with engine.db.transaction() as session:
        attempt = session.scalar(select(Attempt).where(Attempt.candidate_id == first.candidate_id))
        session.execute(delete(AnswerEvent).where(AnswerEvent.attempt_id == attempt.id, AnswerEvent.seq == seq))
        other = session.scalar(select(Attempt).where(Attempt.candidate_id == outcome.records[1].candidate_id))
        other.result = {**other.result, "total": other.result["total"] + 5}
    outcome.checks = Checks()
    verify(engine, outcome)
    lines, failures = summary(outcome)
    assert "lost: 1" in lines
    assert f"  lost: {first.number} seq {seq} ({kind})" in lines
    assert "score checks: 1 passed, 1 failed" in lines
    assert "acknowledged events lost" in failures and "score checks failed" in failures


def test_sigkill_mid_sitting_loses_nothing_and_credits_the_outage(simulate):
    """50 terminals; the node is SIGKILLed 4 s into a ~12 s sitting and back 3 s later."""
    result = simulate("--candidates", 50, "--speed", 20, "--seed", 3, "--kill-after", 4, "--down-for", 3)
    out = result.output
    assert result.exit_code == 0, out
    assert re.search(r"^lost: 0$", out, re.MULTILINE), out
    assert numbers(r"^logins: (\d+) ok, (\d+) failed$", out) == (50, 0)
    sent, acked, stored = numbers(r"^answers: (\d+) sent, (\d+) acknowledged, (\d+) stored;", out)
    assert sent == acked == stored > 0
    running, = numbers(r"^outage: server killed at .*; (\d+) attempt\(s\) running$", out)
    assert running > 0  # the kill really fell inside the sitting
    assert numbers(r"reconnects (\d+)$", out)[0] >= running
    assert re.search(r"^outage credited: ok ", out, re.MULTILINE), out
    assert numbers(r"^score checks: (\d+) passed, (\d+) failed$", out) == (50, 0)
