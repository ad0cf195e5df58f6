"""`exam-engine proctor copying --session S`: the answer-copying report of a session."""
from __future__ import annotations

import click

from exam_engine.cli import clear_errors, engine_from


@click.group("proctor")
def proctor() -> None:
    """Proctoring reports."""


@proctor.command("copying")
@click.option("--session", "code", required=True, help="Session code.")
@click.option("--threshold", type=float, default=None,
              help="z above which a pair is reported (default EXAM_ENGINE_COPYING_THRESHOLD or 4.5).")
@click.pass_context
@clear_errors
def copying(ctx: click.Context, code: str, threshold: float | None) -> None:
    """Pairs of candidates whose identical (especially identical wrong) answers exceed chance."""
    from exam_engine.delivery.runtime import Delivery
    from exam_engine.proctoring.live_copying import evidence, suspect_pairs
    from exam_engine.proctoring.live_copying import threshold as default_threshold
    from exam_engine.scheduling.service import get_session

    engine = engine_from(ctx)
    keys = Delivery.create(engine).keys
    z = default_threshold(engine.settings) if threshold is None else threshold
    with engine.db.session() as s:
        exam_session = get_session(s, code)
        m, pairs = suspect_pairs(s, keys, exam_session.id, z, engine.settings)
    click.echo(f"session {code}: {len(m.numbers)} started attempt(s), {m.responses.shape[1]} item(s); "
               f"{len(pairs)} pair(s) above z = {z:g}")
    for pair in pairs:
        e = evidence(m, pair, pair.second)
        click.echo(f"{m.numbers[pair.first]}  {e['other']}  z={e['z']:.2f}  identical wrong {e['identical_wrong']} "
                   f"(chance {e['expected_wrong']:.1f})  identical {e['identical']}/{e['shared']} shared items")


def register(main: click.Group) -> None:
    main.add_command(proctor)
