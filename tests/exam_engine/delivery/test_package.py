"""The package a terminal receives holds nothing that scores."""
from __future__ import annotations

import json

from sqlalchemy import select

from exam_engine.delivery import packages
from exam_engine.delivery.attempts import get_or_create_attempt, package_key
from exam_engine.roster.models import Candidate
from question_bank.models import Item
from tests.exam_engine.delivery.conftest import decrypt, prepare_sitting

ALLOWED = {"top": {"v", "title", "sections", "items"}, "section": {"code", "name", "first", "count", "time_group"},
           "item": {"h", "section", "stem", "image", "options"}, "option": {"text", "image"}}


def built_package(engine):
    prepare_sitting(engine, 2)
    with engine.db.transaction() as s:
        candidate = s.scalars(select(Candidate).order_by(Candidate.number)).first()
        attempt = get_or_create_attempt(s, engine.vault, candidate)
        key = package_key(engine.vault, attempt)
        wire = packages.build(s, engine.vault, attempt, key)
        item_ids = list(s.scalars(select(Item.item_id)))
    return wire, key, item_ids


def test_decrypted_package_has_no_key_weight_or_item_id(engine):
    import base64

    wire, key, item_ids = built_package(engine)
    assert set(wire) == {"iv", "data"}
    document = decrypt(wire, base64.b64encode(key).decode())
    assert set(document) == ALLOWED["top"]
    for section in document["sections"]:
        assert set(section) == ALLOWED["section"]
    for item in document["items"]:
        assert set(item) == ALLOWED["item"]
        for option in item["options"]:
            assert set(option) == ALLOWED["option"]
    text = json.dumps(document, ensure_ascii=False)
    for forbidden in ('"answer"', '"weights"', '"weight"', '"key"', '"trait"', '"reverse"', '"correct"'):
        assert forbidden not in text
    assert not [i for i in item_ids if i in text]


def test_package_is_unreadable_without_its_key(engine):
    import base64

    import pytest
    from cryptography.exceptions import InvalidTag

    wire, key, _ = built_package(engine)
    assert set(wire) == {"iv", "data"}
    # The plaintext's telltale runs are absent from the ciphertext bytes. (A short word like
    # "TWK" would turn up in 50 KB of random base64 about one time in five; these cannot.)
    clear = json.dumps(decrypt(wire, base64.b64encode(key).decode()), ensure_ascii=False).encode()
    assert b'"section": "TWK"' in clear and b'"options": [' in clear
    sealed = base64.b64decode(wire["data"])
    for run in (b'"section":"TWK"', b'"section": "TWK"', b'"options":[', b'"options": ['):
        assert run not in sealed
    with pytest.raises(InvalidTag):  # another key opens nothing
        decrypt(wire, base64.b64encode(bytes(32)).decode())
