"""`exam-engine results keygen|export|verify`: signed committee exports."""
from __future__ import annotations

import csv
import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from exam_engine.cli import clear_errors, engine_from

F = TypeVar("F", bound=Callable[..., Any])


def _signing_errors(func: F) -> F:
    """Key and input problems become a message and exit status 1, like the other commands."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from exam_engine.results.signing import SigningError

        try:
            return func(*args, **kwargs)
        except (SigningError, ValueError, KeyError) as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


@click.group("results")
def results() -> None:
    """Committee results: exports signed with the exam authority's key, and their check."""


@results.command("keygen")
@click.pass_context
@_signing_errors
def results_keygen(ctx: click.Context) -> None:
    """Create the exam authority's Ed25519 key (mode 600) in the instance folder."""
    from exam_engine.results.signing import PRIVATE_FILE, PUBLIC_FILE, keygen

    folder = engine_from(ctx, require_db=False).settings.instance_path
    public = keygen(folder)
    click.echo(f"authority key: {folder / PRIVATE_FILE} (keep it secret and backed up)")
    click.echo(f"public key file: {folder / PUBLIC_FILE}")
    click.echo(f"public key: {public}")


def _read_rows(path: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A JSON list of rows, a JSON {"session": {...}, "rows": [...]}, or a CSV with a header."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        return list(csv.DictReader(text.splitlines())), {}
    data = json.loads(text)
    if isinstance(data, list):
        return data, {}
    return data["rows"], data.get("session") or {}


# The data source is wired in later (`--session S`); until then the rows come from a file.
@results.command("export")
@click.option("--rows", "rows_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="Results as JSON (a list, or {session, rows}) or CSV.")
@click.option("--format", "formats", type=click.Choice(["xlsx", "csv", "pdf"]), multiple=True, required=True,
              help="Repeat for several formats in one signed folder.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--bom", is_flag=True, help="Start the CSV with a UTF-8 BOM (for Excel).")
@click.pass_context
@clear_errors
@_signing_errors
def results_export(ctx: click.Context, rows_file: Path, formats: tuple[str, ...], out: Path, bom: bool) -> None:
    """Write the exports into OUT and sign them with a manifest."""
    from exam_engine.results.exports import SessionInfo, export, result_rows
    from exam_engine.results.signing import load_private_key, write_manifest

    key = load_private_key(engine_from(ctx, require_db=False).settings.instance_path)
    if out.exists() and any(out.iterdir()):
        # Everything in the folder gets signed: stray files must not slip in.
        raise ValueError(f"{out}: the folder is not empty")
    records, session = _read_rows(rows_file)
    info = SessionInfo.from_dict(session)
    written = export(result_rows(records), info, out, formats, bom=bom)
    manifest = write_manifest(out, key, {"exam": info.exam, "session": info.session})
    click.echo(f"wrote {len(written)} file(s) into {out}, signed in {manifest.name}")


@results.command("verify")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--public-key", "public", default=None,
              help="The authority's public key (base64 or PEM) or a file holding it; "
                   "default: the instance's authority.pub.")
@click.pass_context
@_signing_errors
def results_verify(ctx: click.Context, folder: Path, public: str | None) -> None:
    """Say VALID, or exactly which file was altered, added or removed."""
    from exam_engine.results.signing import PUBLIC_FILE, SigningError, load_public_key, verify

    if public is None:
        default = engine_from(ctx, require_db=False).settings.instance_path / PUBLIC_FILE
        if not default.exists():
            raise SigningError(f"{default}: no public key; pass --public-key")
        public = default.read_text(encoding="ascii")
    elif "\n" not in public and Path(public).is_file():  # a PEM on the command line is no path
        public = Path(public).read_text(encoding="ascii")
    problems = verify(folder, load_public_key(public))
    if problems:
        for problem in problems:
            click.echo(problem)
        sys.exit(1)
    click.echo("VALID")


def register(main: click.Group) -> None:
    main.add_command(results)
