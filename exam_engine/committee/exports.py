"""Signed exports made from the committee page: one folder per export under the instance,
written by results/exports.py and signed by results/signing.py exactly as
`exam-engine results export --session` does, then offered file by file for download.

Folders: <instance>/committee-exports/<session>/<export id>/, the id being the UTC time and a
random suffix, so two exports never share a folder and the list sorts by time."""
from __future__ import annotations

import hashlib
import json
import re
import secrets
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from exam_engine import audit
from exam_engine.committee.errors import CommitteeRefused
from exam_engine.db import utcnow
from exam_engine.results.exports import FORMATS, export
from exam_engine.results.service import ResultsFrozen, check_exportable, rows_digest, session_info, session_rows
from exam_engine.results.signing import MANIFEST, SIGNATURE, SigningError, load_private_key, write_manifest
from exam_engine.scheduling.models import ExamSession
from exam_engine.vault import Vault

FOLDER = "committee-exports"
EXPORT_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{8}$")
MAX_CHAIR = 200


def parse_request(data: Any) -> tuple[list[str], bool, str]:
    """(formats, bom, chair) from the JSON body, or CommitteeRefused naming what is wrong."""
    if not isinstance(data, dict):
        raise CommitteeRefused(400, "bad_request", "expected a JSON object with formats, e.g. {\"formats\": [\"xlsx\"]}")
    formats = data.get("formats")
    if not isinstance(formats, list) or not formats or not all(isinstance(f, str) for f in formats):
        raise CommitteeRefused(400, "bad_format", f"formats: a non-empty list of {', '.join(FORMATS)}")
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise CommitteeRefused(400, "bad_format", f"formats: unknown {', '.join(map(repr, unknown))} "
                                               f"(known: {', '.join(FORMATS)})")
    bom, chair = data.get("bom", False), data.get("chair", "")
    if not isinstance(bom, bool):
        raise CommitteeRefused(400, "bad_request", "bom: true or false")
    if not isinstance(chair, str) or len(chair) > MAX_CHAIR:
        raise CommitteeRefused(400, "bad_request", f"chair: text of at most {MAX_CHAIR} characters")
    return list(dict.fromkeys(formats)), bom, " ".join(chair.split())


def root(instance: Path, exam_session: ExamSession) -> Path:
    return instance / FOLDER / exam_session.code


def create(session: Session, vault: Vault, instance: Path, exam_session: ExamSession, actor: str,
           formats: list[str], bom: bool = False, chair: str = "") -> dict[str, Any]:
    """Write and sign one export of the session's current rows; audited in the caller's transaction.

    Refused before a single file is written when there is no authority key, or when the
    results changed after a freeze."""
    try:
        key = load_private_key(instance)
    except SigningError as exc:
        raise CommitteeRefused(409, "no_authority_key", str(exc)) from None
    rows = session_rows(session, vault, exam_session)
    try:
        state = check_exportable(session, exam_session, rows)
    except ResultsFrozen as exc:
        raise CommitteeRefused(409, "results_changed", str(exc)) from None
    info = session_info(session, exam_session, chair, state)
    meta = {"rows_sha256": rows_digest(rows), "frozen": state.frozen}
    export_id = f"{utcnow().strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(4)}"
    folder = root(instance, exam_session) / export_id
    export(rows, info, folder, formats, bom=bom)
    manifest = write_manifest(folder, key, {"exam": info.exam, "session": info.session, **meta})
    audit.append(session, vault, "results_exported", actor, f"session:{exam_session.code}",
                 formats=formats, export=export_id,
                 manifest_sha256=hashlib.sha256(manifest.read_bytes()).hexdigest(), **meta)
    return describe(folder)


def describe(folder: Path) -> dict[str, Any]:
    """An export as the page lists it: every signed file plus the manifest and its signature."""
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    files = [{"name": name, "sha256": digest, "size": (folder / name).stat().st_size}
             for name, digest in sorted(manifest["files"].items())]
    files += [{"name": name, "sha256": None, "size": (folder / name).stat().st_size} for name in (MANIFEST, SIGNATURE)]
    return {"id": folder.name, "signed_at": manifest.get("signed_at"), "meta": manifest.get("meta") or {},
            "files": files}


def listing(instance: Path, exam_session: ExamSession) -> list[dict[str, Any]]:
    """The session's signed exports, newest first (an unsigned leftover folder is not listed)."""
    base = root(instance, exam_session)
    if not base.is_dir():
        return []
    return [describe(f) for f in sorted(base.iterdir(), reverse=True)
            if EXPORT_ID.match(f.name) and (f / MANIFEST).is_file()]


def file_path(instance: Path, exam_session: ExamSession, export_id: str, name: str) -> Path:
    """The file NAME of an export, only if the signed manifest lists it (or is the manifest)."""
    folder = root(instance, exam_session) / export_id
    if not EXPORT_ID.match(export_id) or not (folder / MANIFEST).is_file():
        raise CommitteeRefused(404, "not_found", f"session {exam_session.code}: no export {export_id!r}")
    listed = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["files"]
    # Only names the manifest lists: never a path the caller made up (../, absolute, ...).
    if name not in listed and name not in (MANIFEST, SIGNATURE):
        raise CommitteeRefused(404, "not_found", f"export {export_id}: no file {name!r}")
    return folder / name
