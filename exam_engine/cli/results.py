"""`exam-engine results keygen|export|verify|freeze|reopen|show`: signed committee exports
from the database (or a rows file), and the freeze of a session's results (see results/service.py)."""
from __future__ import annotations

import csv
import hashlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from exam_engine.cli import clear_errors, engine_from, exit_on

if TYPE_CHECKING:
    from exam_engine.results.exports import ResultRow


def _signing_error_types() -> tuple[type[Exception], ...]:
    from exam_engine.results.signing import SigningError

    return SigningError, ValueError, KeyError


#: Key and input problems become a message and exit status 1, like the other commands.
_signing_errors = exit_on(_signing_error_types)


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


@results.command("export")
@click.option("--session", "session_code", default=None, help="Export this session's results from the database.")
@click.option("--rows", "rows_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Or: results as JSON (a list, or {session, rows}) or CSV.")
@click.option("--format", "formats", type=click.Choice(["xlsx", "csv", "pdf"]), multiple=True, required=True,
              help="Repeat for several formats in one signed folder.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--bom", is_flag=True, help="Start the CSV with a UTF-8 BOM (for Excel).")
@click.option("--chair", default="", help="The committee chair named under the signature lines.")
@click.pass_context
@clear_errors
@_signing_errors
def results_export(ctx: click.Context, session_code: str | None, rows_file: Path | None, formats: tuple[str, ...],
                   out: Path, bom: bool, chair: str) -> None:
    """Write the exports into OUT and sign them with a manifest.

    A frozen session is exported only while its results are still the frozen ones."""
    from exam_engine import audit
    from exam_engine.results.exports import SessionInfo, export, result_rows
    from exam_engine.results.signing import load_private_key, write_manifest

    if (session_code is None) == (rows_file is None):
        raise click.UsageError("give exactly one of --session and --rows")
    engine = engine_from(ctx, require_db=session_code is not None)
    key = load_private_key(engine.settings.instance_path)
    if out.exists() and any(out.iterdir()):
        # Everything in the folder gets signed: stray files must not slip in.
        raise ValueError(f"{out}: the folder is not empty")
    meta: dict[str, Any] = {}
    if rows_file is not None:
        records, session_data = _read_rows(rows_file)
        rows, info = result_rows(records), SessionInfo.from_dict(session_data)
    else:
        from exam_engine.results.service import check_exportable, rows_digest, session_info, session_rows
        from exam_engine.scheduling.service import get_session

        with engine.db.session() as session:
            exam_session = get_session(session, session_code)  # type: ignore[arg-type]
            rows = session_rows(session, engine.vault, exam_session)
            state = check_exportable(session, exam_session, rows)  # before a single file is written
            info = session_info(session, exam_session, chair, state)
            meta = {"rows_sha256": rows_digest(rows), "frozen": state.frozen}
    written = export(rows, info, out, formats, bom=bom)
    manifest = write_manifest(out, key, {"exam": info.exam, "session": info.session, **meta})
    if session_code is not None:
        # logged once the signed folder exists; the manifest's digest ties the entry to it
        with engine.db.transaction() as session:
            audit.append(session, engine.vault, "results_exported", "cli", f"session:{session_code}",
                         formats=list(dict.fromkeys(formats)),
                         manifest_sha256=hashlib.sha256(manifest.read_bytes()).hexdigest(), **meta)
    click.echo(f"wrote {len(written)} file(s) into {out}, signed in {manifest.name}")


@results.command("freeze")
@click.option("--session", "session_code", required=True)
@click.option("--by", required=True, help="The committee or admin account (username) freezing the results.")
@click.option("--reason", required=True, help="Why the results are frozen now (recorded in the audit log).")
@click.pass_context
@clear_errors
@_signing_errors
def results_freeze(ctx: click.Context, session_code: str, by: str, reason: str) -> None:
    """Freeze a session's results: from now on they export only unchanged."""
    from exam_engine.results.service import committee_member, freeze
    from exam_engine.scheduling.service import get_session

    engine = engine_from(ctx)
    with engine.db.transaction() as session:
        actor = committee_member(session, by)
        digest = freeze(session, engine.vault, get_session(session, session_code), actor, reason)
    click.echo(f"session {session_code}: results frozen by {actor} (sha256 {digest})")


@results.command("reopen")
@click.option("--session", "session_code", required=True)
@click.option("--by", required=True, help="The committee or admin account (username) approving the re-opening.")
@click.option("--reason", required=True, help="Why the frozen results are re-opened (recorded in the audit log).")
@click.pass_context
@clear_errors
@_signing_errors
def results_reopen(ctx: click.Context, session_code: str, by: str, reason: str) -> None:
    """Re-open frozen results, recording who approved it and why."""
    from exam_engine.results.service import committee_member, reopen
    from exam_engine.scheduling.service import get_session

    engine = engine_from(ctx)
    with engine.db.transaction() as session:
        actor = committee_member(session, by)
        reopen(session, engine.vault, get_session(session, session_code), actor, reason)
    click.echo(f"session {session_code}: results re-opened, approved by {actor}")


@results.command("show")
@click.option("--session", "session_code", required=True)
@click.pass_context
@clear_errors
@_signing_errors
def results_show(ctx: click.Context, session_code: str) -> None:
    """Print the session's results as a table, by formation and rank."""
    from exam_engine.results.service import freeze_state, session_rows
    from exam_engine.scheduling.service import get_session

    engine = engine_from(ctx)
    with engine.db.session() as session:
        exam_session = get_session(session, session_code)
        rows = session_rows(session, engine.vault, exam_session)
        state = freeze_state(session, exam_session)
    present = sum(r.present for r in rows)
    status = f"frozen by {state.by} (audit entry #{state.entry})" if state.frozen else "not frozen"
    click.echo(f"session {session_code}: {len(rows)} candidate(s), {present} present, "
               f"{sum(r.passed for r in rows)} passed; results {status}")
    click.echo(_table(rows))


def _table(rows: list[ResultRow]) -> str:
    """Plain aligned columns: numbers right, text left; readable in any terminal."""
    from exam_engine.results.exports import LABELS, section_codes

    sections = section_codes(rows)
    header = [LABELS["number"], LABELS["name"], LABELS["formation"], *sections, LABELS["total"],
              LABELS["rank"], LABELS["status"]]
    body = [[r.number, r.name, r.formation, *(_score(r.sections.get(s)) for s in sections), _score(r.total),
             "" if r.rank is None else str(r.rank), r.status] for r in sorted(rows, key=_order)]
    widths = [max(len(str(line[i])) for line in [header, *body]) for i in range(len(header))]
    numeric = set(range(3, 3 + len(sections) + 2))
    return "\n".join("  ".join(cell.rjust(w) if i in numeric else cell.ljust(w)
                               for i, (cell, w) in enumerate(zip(line, widths))).rstrip()
                     for line in [header, *body])


def _order(row: ResultRow) -> tuple[Any, ...]:
    """As in the exports: by formation, then rank (unranked last), then candidate number."""
    return (row.formation, row.rank is None, row.rank or 0, row.number)


def _score(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


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
