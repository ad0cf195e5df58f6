"""`exam-engine simulate`: simulated candidates sit a fresh session; the database is checked after."""
from __future__ import annotations

import sys

import click

from exam_engine.cli import clear_errors, engine_from


def register(main: click.Group) -> None:
    @main.command("simulate")
    @click.option("--candidates", required=True, type=click.IntRange(min=1), help="Simulated candidates.")
    @click.option("--url", default=None, help="Use this running server instead of starting one "
                                              "(it must serve this instance's database).")
    @click.option("--speed", default=1.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
                  help="Divides the think time (4..25 s per item).")
    @click.option("--kill-after", type=click.FloatRange(min=0), default=None,
                  help="Chaos: SIGKILL the server this many seconds after the start.")
    @click.option("--down-for", type=click.FloatRange(min=0), default=3.0, show_default=True,
                  help="Chaos: seconds before the killed server is started again on the same port.")
    @click.option("--seed", type=int, default=None, help="Seed of the candidates' behaviour.")
    @click.pass_context
    @clear_errors
    def simulate(ctx: click.Context, candidates: int, url: str | None, speed: float, kill_after: float | None,
                 down_for: float, seed: int | None) -> None:
        """Run a sitting of simulated candidates and verify every acknowledged answer was stored."""
        from exam_engine.simulate.report import summary
        from exam_engine.simulate.runner import Options
        from exam_engine.simulate.runner import simulate as run

        if kill_after is not None and url:
            raise click.UsageError("--kill-after needs the simulator's own server; drop --url")
        engine = engine_from(ctx)
        outcome = run(engine, Options(candidates, url, speed, kill_after, down_for, seed), echo=click.echo)
        lines, failures = summary(outcome)
        for line in lines:
            click.echo(line)
        if failures:
            sys.exit(1)
