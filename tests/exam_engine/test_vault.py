"""Encryption at rest and the master key file."""
from __future__ import annotations

import base64
import os

import pytest

from exam_engine.vault import DecryptionError, MasterKeyError, Vault, create_key_file, load_master_key


def test_key_file_is_owner_only_and_never_overwritten(tmp_path):
    path = tmp_path / "inst" / "master.key"
    create_key_file(path)
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert len(load_master_key(path)) == 32
    with pytest.raises(FileExistsError):
        create_key_file(path)


def test_group_readable_key_is_refused(tmp_path):
    path = tmp_path / "master.key"
    create_key_file(path)
    path.chmod(0o644)
    with pytest.raises(MasterKeyError, match="readable by other users"):
        load_master_key(path)


def test_missing_and_malformed_keys(tmp_path):
    with pytest.raises(MasterKeyError, match="run `exam-engine init`"):
        load_master_key(tmp_path / "none.key")
    with pytest.raises(MasterKeyError, match="not valid base64"):
        load_master_key(tmp_path / "x", env_value="***")
    with pytest.raises(MasterKeyError, match="must be 32 bytes"):
        load_master_key(tmp_path / "x", env_value=base64.b64encode(b"short").decode())


def test_ciphertext_is_bound_to_its_row():
    vault = Vault(os.urandom(32))
    blob = vault.encrypt_json({"stem": "Soal"}, "item:T-1:1")
    assert vault.decrypt_json(blob, "item:T-1:1") == {"stem": "Soal"}
    with pytest.raises(DecryptionError):
        vault.decrypt(blob, "item:T-2:1")  # moved to another row
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(DecryptionError):
        vault.decrypt(tampered, "item:T-1:1")
    with pytest.raises(DecryptionError):
        Vault(os.urandom(32)).decrypt(blob, "item:T-1:1")  # another key


def test_same_plaintext_encrypts_differently():
    vault = Vault(os.urandom(32))
    assert vault.encrypt(b"x", "c") != vault.encrypt(b"x", "c")


def test_subkeys_differ_per_purpose():
    vault = Vault(os.urandom(32))
    assert vault.subkey("storage") != vault.subkey("pin-pepper")
