"""Validating and importing bank files: all files are checked first, then imported in one
transaction, so a bad file never leaves a half-imported bank behind."""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_engine.problems import InvalidFile, Problem, Problems
from exam_engine.vault import Vault
from question_bank.bank_files import read_bank_file
from question_bank.images import sniff_media_type
from question_bank.models import Asset, Item
from question_bank.validation import BankItem, validate_bank


@dataclass
class Validation:
    items: list[BankItem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: int = 0


@dataclass
class ImportReport:
    added: int = 0
    revised: int = 0
    unchanged: int = 0
    retired: int = 0
    banks: set[str] = field(default_factory=set)


def validate_files(paths: Iterable[Path]) -> Validation:
    result = Validation()
    seen: dict[str, str] = {}  # item id -> "file:line", across all files of one command
    for path in paths:
        result.files += 1
        problems = Problems(str(path))
        raw = read_bank_file(path, problems)
        items = validate_bank(raw, path, problems) if raw is not None else []
        for item in items:
            where = f"{path}:{item.line}"
            if item.item_id in seen:
                problems.add(item.line, "id", f"duplicate id {item.item_id!r} (also at {seen[item.item_id]})")
            seen.setdefault(item.item_id, where)
        result.problems.extend(problems)
        if not problems:
            result.items.extend(items)
    return result


class _Hasher:
    def __init__(self, vault: Vault) -> None:
        self._key = vault.subkey("content-hash")

    def __call__(self, data: bytes) -> str:
        return hmac.new(self._key, data, hashlib.sha256).hexdigest()


def _store_asset(session: Session, vault: Vault, hasher: _Hasher, path: Path | None) -> str | None:
    if path is None:
        return None
    data = path.read_bytes()
    asset_id = hasher(data)
    if session.get(Asset, asset_id) is None:
        asset = Asset(id=asset_id, media_type=sniff_media_type(data) or "application/octet-stream", size=len(data), data=b"")
        asset.data = vault.encrypt(data, asset.context)
        session.add(asset)
        session.flush()
    return asset_id


def _content(session: Session, vault: Vault, hasher: _Hasher, item: BankItem) -> dict[str, Any]:
    return {
        "type": item.item_type, "section": item.section, "topic": item.topic, "difficulty": item.difficulty,
        "stem": item.stem, "image": _store_asset(session, vault, hasher, item.image),
        "options": [{"key": o.key, "text": o.text, "image": _store_asset(session, vault, hasher, o.image)}
                    for o in item.options],
        "key": item.key,
    }


def _check_against_store(session: Session, items: list[BankItem]) -> list[Problem]:
    """An id belongs to one bank forever; moving it would silently rewrite another bank."""
    problems: list[Problem] = []
    owners = dict(session.execute(select(Item.item_id, Item.bank).where(
        Item.item_id.in_([i.item_id for i in items]))).all())
    for item in items:
        owner = owners.get(item.item_id)
        if owner is not None and owner != item.bank:
            problems.append(Problem(item.source, item.line, "id",
                                    f"{item.item_id!r} already belongs to bank {owner!r}"))
    return problems


def import_items(session: Session, vault: Vault, items: list[BankItem]) -> ImportReport:
    """Store validated items in the caller's transaction. Each bank file is the whole bank:
    items missing from it are retired (kept for existing forms, never drawn again)."""
    conflicts = _check_against_store(session, items)
    if conflicts:
        raise InvalidFile(conflicts)
    hasher = _Hasher(vault)
    report = ImportReport()
    by_bank: dict[str, list[BankItem]] = {}
    for item in items:
        by_bank.setdefault(item.bank, []).append(item)
    for bank, bank_items in by_bank.items():
        report.banks.add(bank)
        current = {i.item_id: i for i in session.scalars(select(Item).where(Item.bank == bank, Item.active))}
        latest = dict(session.execute(select(Item.item_id, Item.revision).where(Item.bank == bank)
                                      .order_by(Item.revision)).all())
        for item in bank_items:
            content = _content(session, vault, hasher, item)
            digest = hasher(json.dumps(content, sort_keys=True, ensure_ascii=False).encode())
            existing = current.pop(item.item_id, None)
            if existing is not None and existing.content_hash == digest:
                report.unchanged += 1
                continue
            if existing is not None:
                existing.active = False
                report.revised += 1
            else:
                report.added += 1
            row = Item(item_id=item.item_id, revision=latest.get(item.item_id, 0) + 1, bank=bank,
                       item_type=item.item_type, section=item.section, topic=item.topic,
                       difficulty=item.difficulty, option_count=len(item.options),
                       content_hash=digest, payload=b"", active=True)
            row.payload = vault.encrypt_json(content, row.context)
            session.add(row)
            session.flush()  # the old revision must be inactive before the next import sees it
        for retired in current.values():
            retired.active = False
            report.retired += 1
    return report
