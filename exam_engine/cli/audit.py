"""`exam-engine audit verify`."""
from __future__ import annotations

import sys

import click

from exam_engine.cli import clear_errors, engine_from


@click.group("audit")
def audit() -> None:
    """The hash-chained audit log of logins, answers, actions and exports."""


def _parse_head(value: str | None) -> tuple[int, str] | None:
    if value is None:
        return None
    number, _, digest = value.partition(":")
    if not number.lstrip("#").isdigit() or len(digest) != 64:
        raise click.BadParameter("expected ID:HASH, as printed by an earlier `audit verify`", param_hint="--head")
    return int(number.lstrip("#")), digest


@audit.command("verify")
@click.option("--head", "head_text", default=None, metavar="ID:HASH",
              help="A head printed earlier: also catches entries cut off the end of the log.")
@click.pass_context
@clear_errors
def audit_verify(ctx: click.Context, head_text: str | None) -> None:
    """Re-check every entry's HMAC and chain link, and every stored answer against the
    chained digests; exit 1 naming each problem."""
    from exam_engine.audit.answers import verify_answers
    from exam_engine.audit.verify import head, verify

    expect = _parse_head(head_text)
    engine = engine_from(ctx)
    with engine.db.session() as session:
        problems = verify(session, engine.vault, expect) + verify_answers(session)
        newest = head(session)
    if problems:
        for problem in problems:
            click.echo(str(problem))
        click.echo(f"INVALID: {len(problems)} problem(s)", err=True)
        sys.exit(1)
    click.echo(f"VALID ({newest.count if newest else 0} entries)")
    if newest:
        # Written down elsewhere (berita acara, export manifest), it lets a later check
        # notice entries cut off the end, which no chain can show by itself.
        click.echo(f"head: {newest.id}:{newest.hash}")


def register(main: click.Group) -> None:
    main.add_command(audit)
