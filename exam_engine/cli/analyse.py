"""`exam-engine analyse items --exam E --out DIR`: item analysis of an exam's finished attempts
(the statistics: results/exam_analysis.py)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from exam_engine.cli import clear_errors, engine_from


@click.group("analyse")
def analyse() -> None:
    """Psychometric analysis of finished attempts."""


@analyse.command("items")
@click.option("--exam", "exam_code", required=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.pass_context
@clear_errors
def analyse_items(ctx: click.Context, exam_code: str, out: Path) -> None:
    """Item analysis as OUT/item-analysis.xlsx and a difficulty/discrimination chart (SVG)."""
    # Every command module is imported when `exam-engine` starts: numpy, the models and the
    # statistics are imported here, so other commands start quickly.
    import numpy as np

    from exam_engine import audit
    from exam_engine.results.exam_analysis import analyse_matrix, response_matrix
    from exam_engine.results.item_report import write_report
    from exam_engine.scheduling.service import get_exam

    engine = engine_from(ctx)
    with engine.db.session() as session:
        matrix = response_matrix(session, engine.vault, get_exam(session, exam_code))
    try:
        analysis = analyse_matrix(matrix)
    except ValueError as exc:
        click.echo(f"error: exam {exam_code}: {exc}", err=True)
        sys.exit(1)
    paths = write_report(analysis, out)
    with engine.db.transaction() as session:
        audit.append(session, engine.vault, "item_analysis_written", "cli", f"exam:{exam_code}",
                     candidates=analysis.n_candidates, items=len(matrix.item_ids), files=[p.name for p in paths])
    flagged = int(analysis.items.flags.any(1).sum())
    click.echo(f"exam {exam_code}: {analysis.n_candidates} candidate(s), {len(matrix.item_ids)} item(s), "
               f"{flagged} flagged for review")
    if not matrix.present.all():
        click.echo("  forms differ: item statistics over the candidates who had each item; "
                   "alpha estimated (see `exam_engine/results/exam_analysis.py`)")
    se = analysis.sections
    for name, alpha in zip(se.names, se.alpha):
        click.echo(f"  {name}: alpha {alpha:.3f}" if np.isfinite(alpha) else f"  {name}: alpha n/a")
    for path in paths:
        click.echo(f"wrote {path}")


def register(main: click.Group) -> None:
    main.add_command(analyse)
