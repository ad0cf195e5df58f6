"""The encrypted package a terminal downloads before the start.

It holds what the screen needs (stems, images, option texts in the candidate's order,
section boundaries) and nothing that scores: no correct option, no weight, no item id.
A Kraepelin section carries its sheet (the digits are the test) and, per cell, only its
column and row; the expected digits stay on the server."""
from __future__ import annotations

import base64
import json
import secrets
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.orm import Session

from exam_engine.delivery.models import Attempt
from exam_engine.roster.models import Candidate
from exam_engine.scheduling.service import profile_of
from exam_engine.vault import Vault
from question_bank.forms import Form
from question_bank.models import Asset, Item
from question_bank.profiles import SectionBlueprint


def _data_url(session: Session, vault: Vault, asset_id: str | None) -> str | None:
    if asset_id is None:
        return None
    asset = session.get(Asset, asset_id)
    if asset is None:
        return None
    data = vault.decrypt(asset.data, asset.context)
    return f"data:{asset.media_type};base64,{base64.b64encode(data).decode()}"


def plaintext(session: Session, vault: Vault, attempt: Attempt) -> dict[str, Any]:
    form = session.get(Form, attempt.form_id)
    candidate = session.get(Candidate, attempt.candidate_id)
    profile = profile_of(candidate.exam)  # type: ignore[union-attr]
    items: list[dict[str, Any]] = []
    sections: list[dict[str, Any]] = []
    for h, entry in enumerate(form.items):  # type: ignore[union-attr]
        if "pair" in entry:
            _add_cell(h, entry, items, sections, profile.section(entry["section"]))
            continue
        item = session.get(Item, entry["item"])
        content = vault.decrypt_json(item.payload, item.context)  # type: ignore[union-attr]
        by_key = {o["key"]: o for o in content["options"]}
        items.append({
            "h": h, "section": entry["section"], "stem": content["stem"],
            "image": _data_url(session, vault, content.get("image")),
            "options": [{"text": by_key[k]["text"], "image": _data_url(session, vault, by_key[k].get("image"))}
                        for k in entry["options"]],
        })
        if not sections or sections[-1]["code"] != entry["section"]:
            blueprint = profile.section(entry["section"])
            sections.append({"code": blueprint.code, "name": blueprint.name, "first": h, "count": 0,
                             "time_group": blueprint.time_group})
        sections[-1]["count"] += 1
    return {"v": 1, "title": candidate.exam.title, "sections": sections, "items": items}  # type: ignore[union-attr]


def _add_cell(h: int, entry: dict[str, Any], items: list[dict[str, Any]], sections: list[dict[str, Any]],
              blueprint: SectionBlueprint) -> None:
    """One Kraepelin cell; the section's `sheet` gathers the digits column by column."""
    if not sections or sections[-1]["code"] != entry["section"]:
        sections.append({"code": blueprint.code, "name": blueprint.name, "first": h, "count": 0,
                         "time_group": None, "sheet": []})
    section = sections[-1]
    sheet = section["sheet"]
    column = int(entry["column"])
    if len(sheet) == column:  # a new column starts with the upper digit of its first pair
        sheet.append([entry["pair"][0]])
    sheet[column].append(entry["pair"][1])
    items.append({"h": h, "section": entry["section"], "column": column, "row": len(sheet[column]) - 2})
    section["count"] += 1


def encrypt(document: dict[str, Any], key: bytes) -> dict[str, str]:
    """AES-256-GCM, as WebCrypto decrypts it: ciphertext with the tag appended."""
    iv = secrets.token_bytes(12)
    data = AESGCM(key).encrypt(iv, json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode(), None)
    return {"iv": base64.b64encode(iv).decode(), "data": base64.b64encode(data).decode()}


def build(session: Session, vault: Vault, attempt: Attempt, key: bytes) -> dict[str, str]:
    return encrypt(plaintext(session, vault, attempt), key)
