"""The audit log: a keyed hash chain that names edited, deleted and reordered entries."""
from __future__ import annotations

import threading
from datetime import UTC, datetime
from itertools import pairwise

import pytest
from sqlalchemy import text

from exam_engine.audit import append, verify
from exam_engine.audit.verify import head
from exam_engine.cli import main
from exam_engine.cli.audit import register


@pytest.fixture
def cli_audit(cli):  # type: ignore[no-untyped-def]
    """The `cli` fixture with the audit group, whether or not the CLI registers it yet."""
    added = "audit" not in main.commands
    if added:
        register(main)
    yield cli
    if added:
        main.commands.pop("audit")


@pytest.fixture
def log(engine):  # type: ignore[no-untyped-def]
    """Five entries: a login, three answers and an export."""
    with engine.db.transaction() as s:
        append(s, engine.vault, "login", "candidate:0012", "session:JKT-01", ip="10.0.0.7")
        for handle, choice in enumerate("ACE", start=1):
            append(s, engine.vault, "answer", "candidate:0012", "attempt:1", handle=handle, choice=choice)
        append(s, engine.vault, "export", "committee:ani", "session:JKT-01", files=["hasil.xlsx"])
    return engine


def sql(engine, *statements: str) -> None:  # type: ignore[no-untyped-def]
    """Tamper behind the application's back, as someone with the database file could."""
    with engine.db.engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)


def problems(engine) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    with engine.db.session() as s:
        return [(p.entry, p.kind) for p in verify(s, engine.vault)]


def test_an_untouched_log_verifies(log, cli_audit):
    assert problems(log) == []
    result = cli_audit("audit", "verify")
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == "VALID (5 entries)"


def test_entries_are_chained_in_order(log):
    with log.db.session() as s:
        rows = s.execute(text("SELECT id, prev_hash, hash FROM audit_entries ORDER BY id")).all()
    assert [r.id for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == "0" * 64
    assert all(later.prev_hash == earlier.hash for earlier, later in pairwise(rows))


@pytest.mark.parametrize("column, value", [
    ("payload", """'{"choice":"B","handle":2}'"""), ("actor", "'candidate:0099'"), ("kind", "'clear'"),
    ("subject", "'attempt:2'"), ("at", "'2026-01-01 00:00:00.000000'"), ("prev_hash", "'" + "1" * 64 + "'"),
    ("payload", """'"{\\"choice\\":\\"C\\",\\"handle\\":2}"'"""),  # the same object, as a JSON string
    ("at", "'yesterday'"),
])
def test_an_edited_row_is_named(log, column, value):
    sql(log, f"UPDATE audit_entries SET {column} = {value} WHERE id = 3")
    assert problems(log) == [(3, "edited")]


def test_an_unreadable_payload_is_named(log):
    if log.db.engine.dialect.name == "postgresql":
        # Its json type refuses 'not json'; the database's owner can change the type first.
        sql(log, "ALTER TABLE audit_entries ALTER COLUMN payload TYPE text")
    sql(log, "UPDATE audit_entries SET payload = 'not json' WHERE id = 3")
    assert problems(log) == [(3, "edited")]


def test_a_rewritten_hash_is_named_once(log):
    sql(log, "UPDATE audit_entries SET hash = '" + "f" * 64 + "' WHERE id = 3")
    assert problems(log) == [(3, "edited")]


def test_a_deleted_row_is_named(log, cli_audit):
    sql(log, "DELETE FROM audit_entries WHERE id = 3")
    assert problems(log) == [(3, "deleted")]
    result = cli_audit("audit", "verify")
    assert result.exit_code == 1
    assert "#3: deleted: #3 missing between #2 and #4" in result.output


def test_a_deletion_hidden_by_renumbering_is_found(log):
    sql(log, "DELETE FROM audit_entries WHERE id = 3", "UPDATE audit_entries SET id = id - 1 WHERE id > 3")
    assert problems(log) == [(3, "deleted")]


def test_an_edit_next_to_a_deletion_is_named_with_it(log):
    sql(log, "UPDATE audit_entries SET actor = 'x' WHERE id = 2", "DELETE FROM audit_entries WHERE id = 3",
        "UPDATE audit_entries SET hash = '" + "f" * 64 + "' WHERE id = 5")
    assert problems(log) == [(2, "edited"), (3, "deleted"), (5, "edited")]


def test_deleting_the_first_entry_is_found(log):
    sql(log, "DELETE FROM audit_entries WHERE id = 1")
    assert problems(log) == [(2, "deleted")]


def test_a_reordered_pair_is_named(log, cli_audit):
    sql(log, "UPDATE audit_entries SET id = -1 WHERE id = 2", "UPDATE audit_entries SET id = 2 WHERE id = 3",
        "UPDATE audit_entries SET id = 3 WHERE id = -1")
    found = problems(log)
    assert {kind for _, kind in found} == {"reordered"}
    assert {2, 3} <= {entry for entry, _ in found}
    output = cli_audit("audit", "verify").output
    assert "#2: reordered: it was written right after #3, but follows #1" in output
    assert "#3: reordered: it was written right after #1, but follows #2" in output


def test_a_cut_off_tail_needs_the_recorded_head(log, cli_audit):
    with log.db.session() as s:
        recorded = head(s)
    assert recorded is not None and (recorded.count, recorded.id) == (5, 5)
    sql(log, "DELETE FROM audit_entries WHERE id = 5")
    assert problems(log) == []  # no chain can see its own end removed
    with log.db.session() as s:
        assert [(p.entry, p.kind) for p in verify(s, log.vault, (recorded.id, recorded.hash))] == [(5, "deleted")]
    result = cli_audit("audit", "verify", "--head", f"{recorded.id}:{recorded.hash}")
    assert result.exit_code == 1 and "#5: deleted" in result.output


def test_another_key_cannot_vouch_for_the_log(log):
    from exam_engine.vault import Vault

    with log.db.session() as s:
        assert len(verify(s, Vault(b"\x01" * 32))) == 5


def test_payload_must_be_plain_json(engine):
    with engine.db.transaction() as s, pytest.raises(TypeError):
        append(s, engine.vault, "answer", "x", "y", at=datetime.now(UTC))


def test_an_entry_rolls_back_with_the_callers_transaction(log):
    with pytest.raises(RuntimeError), log.db.transaction() as s:
        append(s, log.vault, "export", "committee:ani", "session:JKT-01")
        raise RuntimeError("the export failed")
    with log.db.session() as s:
        assert head(s).count == 5  # type: ignore[union-attr]


def test_concurrent_appends_form_one_chain(engine):
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(8):
                with engine.db.transaction() as s:
                    append(s, engine.vault, "answer", f"candidate:{n}", "attempt", i=i)
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert problems(engine) == []
    with engine.db.session() as s:
        assert head(s).count == 32  # type: ignore[union-attr]
