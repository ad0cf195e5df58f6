"""`exam-engine bank validate|import|list`."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from exam_engine.cli import clear_errors, engine_from
from exam_engine.problems import InvalidFile

files_argument = click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))


@click.group("bank")
def bank() -> None:
    """Item banks: validate and import files (YAML, JSON, CSV, XLSX)."""


def bank_files(arguments: tuple[Path, ...]) -> list[Path]:
    """Files as given; a folder stands for the bank files directly inside it, so
    `bank validate question_bank/samples/*` works although samples/ holds images/."""
    from question_bank.bank_files import SUFFIXES

    files: list[Path] = []
    for path in arguments:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
            if not found:
                click.echo(f"{path}: folder without bank files, skipped", err=True)
            files += found
        else:
            files.append(path)
    if not files:
        raise click.UsageError("no bank files given")
    return files


def _validate(arguments: tuple[Path, ...]):  # type: ignore[no-untyped-def]
    from question_bank.importer import validate_files

    result = validate_files(bank_files(arguments))
    if result.problems:
        raise InvalidFile(result.problems)
    return result


@bank.command("validate")
@files_argument
@clear_errors
def validate(files: tuple[Path, ...]) -> None:
    """Check FILES as a whole; report every problem as FILE:LINE: field: message."""
    result = _validate(files)
    click.echo(f"OK: {len(result.items)} items in {result.files} file(s)")


@bank.command("import")
@files_argument
@click.pass_context
@clear_errors
def import_(ctx: click.Context, files: tuple[Path, ...]) -> None:
    """Validate FILES, then import all of them in one transaction, or nothing."""
    from question_bank.importer import import_items

    engine = engine_from(ctx)
    result = _validate(files)
    with engine.db.transaction() as session:
        report = import_items(session, engine.vault, result.items)
    click.echo(f"imported {', '.join(sorted(report.banks))}: {report.added} new, {report.revised} revised, "
               f"{report.unchanged} unchanged, {report.retired} retired")


@bank.command("list")
@click.pass_context
@clear_errors
def list_(ctx: click.Context) -> None:
    """Active items per bank, section, topic and difficulty."""
    from question_bank.service import bank_summary

    engine = engine_from(ctx)
    with engine.db.session() as session:
        rows = bank_summary(session)
    if not rows:
        click.echo("the bank is empty; import files with `exam-engine bank import`")
        sys.exit(0)
    click.echo(f"{'bank':24} {'section':12} {'topic':20} {'difficulty':>10} {'items':>6}")
    for bank_name, section, topic, difficulty, count in rows:
        click.echo(f"{bank_name:24} {section:12} {topic:20} {difficulty:>10} {count:>6}")


def register(main: click.Group) -> None:
    main.add_command(bank)
