"""Importing: encrypted at rest, revisions, retirement, and all-or-nothing."""
from __future__ import annotations

import sqlite3
from contextlib import closing

import yaml
from sqlalchemy import func, select

from question_bank.models import Asset, Item
from question_bank.service import item_content
from tests.conftest import SAMPLES, item, stored_bytes, weighted_item

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def count_items(engine, **filters) -> int:
    with engine.db.session() as s:
        return s.scalar(select(func.count()).select_from(Item).filter_by(**filters))


def test_import_then_reimport_is_a_no_op(engine, cli, write_bank):
    path = write_bank([item("T-001"), weighted_item("W-001")])
    first = cli("bank", "import", path)
    assert first.exit_code == 0, first.output
    assert "2 new, 0 revised, 0 unchanged, 0 retired" in first.output
    again = cli("bank", "import", path)
    assert "0 new, 0 revised, 2 unchanged, 0 retired" in again.output
    assert count_items(engine) == 2


def test_changed_item_gets_a_new_revision_and_old_one_is_kept(engine, cli, write_bank):
    cli("bank", "import", write_bank([item("T-001")]))
    result = cli("bank", "import", write_bank([item("T-001", stem="Soal yang diperbaiki?")]))
    assert "0 new, 1 revised" in result.output
    with engine.db.session() as s:
        rows = s.scalars(select(Item).order_by(Item.revision)).all()
        assert [(r.revision, r.active) for r in rows] == [(1, False), (2, True)]
        assert item_content(s, engine.vault, rows[1].id)["stem"] == "Soal yang diperbaiki?"
        assert item_content(s, engine.vault, rows[0].id)["stem"] == "Soal T-001?"


def test_item_missing_from_the_bank_file_is_retired(engine, cli, write_bank):
    cli("bank", "import", write_bank([item("T-001"), item("T-002")]))
    result = cli("bank", "import", write_bank([item("T-001")]))
    assert "1 retired" in result.output
    assert count_items(engine, active=True) == 1 and count_items(engine) == 2


def test_one_bad_file_imports_nothing(engine, cli, write_bank):
    good = write_bank([item("T-001")], name="good.yaml")
    bad = write_bank([item("T-002", answer="Q")], name="bad.yaml", bank="other")
    result = cli("bank", "import", good, bad)
    assert result.exit_code == 1
    assert f"{bad}:" in result.output and "nothing was imported" in result.output
    assert count_items(engine) == 0


def test_an_id_cannot_move_to_another_bank(engine, cli, write_bank):
    cli("bank", "import", write_bank([item("T-001")], name="a.yaml", bank="bank-a"))
    result = cli("bank", "import", write_bank([item("T-001")], name="b.yaml", bank="bank-b"))
    assert result.exit_code == 1
    assert "'T-001' already belongs to bank 'bank-a'" in result.output
    assert count_items(engine) == 1


def test_content_and_key_round_trip(engine, cli, write_bank, tmp_path):
    (tmp_path / "banks" / "images").mkdir(parents=True)
    (tmp_path / "banks" / "images" / "q.png").write_bytes(PNG)
    cli("bank", "import", write_bank([item("T-001", image="images/q.png"), weighted_item("W-001")]))
    with engine.db.session() as s:
        by_id = {i.item_id: i for i in s.scalars(select(Item))}
        single = item_content(s, engine.vault, by_id["T-001"].id)
        weighted = item_content(s, engine.vault, by_id["W-001"].id)
        asset = s.get(Asset, single["image"])
        assert engine.vault.decrypt(asset.data, asset.context) == PNG
    assert single["key"] == {"answer": "C"}
    assert [o["key"] for o in single["options"]] == list("ABCDE")
    assert weighted["key"] == {"weights": {"A": 1, "B": 2, "C": 3, "D": 4, "E": 5}}


def test_database_dump_reveals_no_sample_stem_option_or_key(engine, cli):
    """The whole sample bank imported; no stem or option text appears in the file bytes."""
    banks = sorted(SAMPLES.glob("*.yaml"))
    result = cli("bank", "import", *banks)
    assert result.exit_code == 0, result.output
    dump = stored_bytes(engine)
    url = engine.settings.resolved_database_url
    sql_dump = dump  # pg_dump is SQL already; SQLite's file is not, so its SQL dump is read too
    if url.startswith("sqlite"):
        with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn:
            sql_dump = "\n".join(conn.iterdump()).encode()
    texts: list[str] = []
    for bank in banks:
        for record in yaml.safe_load(bank.read_text(encoding="utf-8"))["items"]:
            texts.append(record["stem"])
            texts += [o if isinstance(o, str) else o["text"] for o in record["options"].values()]
    long_texts = {t for t in texts if len(t) >= 12}  # short ones ("Setuju") would match by chance
    assert len(long_texts) > 100
    for text in long_texts:
        needle = text.encode("utf-8")
        assert needle not in dump, text
        assert needle not in sql_dump, text
    assert b'"answer"' not in dump and b'"weights"' not in dump


def test_sample_folder_glob_validates(cli):
    """`exam-engine bank validate question_bank/samples/*`: images/ is a folder, not a bank."""
    result = cli("bank", "validate", *sorted(SAMPLES.iterdir()))
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("items in 4 file(s)")
    assert "images: folder without bank files, skipped" in result.output


def test_a_folder_stands_for_its_bank_files(cli, write_bank, tmp_path):
    write_bank([item("T-001")], name="a.yaml")
    write_bank([item("T-002")], name="b.yaml", bank="other")
    result = cli("bank", "validate", tmp_path / "banks")
    assert result.exit_code == 0 and "OK: 2 items in 2 file(s)" in result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    refused = cli("bank", "validate", empty)
    assert refused.exit_code == 2 and "no bank files given" in refused.output
