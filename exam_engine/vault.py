"""Encryption at rest: the master key, and AES-256-GCM for item content and personal data.

A database dump alone must not reveal a question, an answer key or a NIK, so every such
value is stored as `nonce || ciphertext` under a subkey derived from the master key. The
associated data binds each ciphertext to its row, so ciphertexts cannot be swapped
between rows without detection.
"""
from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
import stat
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12
KEY_BYTES = 32


class MasterKeyError(Exception):
    """The master key is missing, malformed or unsafely stored."""


class DecryptionError(Exception):
    """A stored value does not decrypt: wrong key, or the row was altered."""


def create_key_file(path: Path) -> None:
    """Write a fresh random master key, readable by the owner only; never overwrite one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = base64.b64encode(secrets.token_bytes(KEY_BYTES))
    # O_EXCL: losing an existing key makes every encrypted row unreadable.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key + b"\n")


def _decode_key(raw: str, source: str) -> bytes:
    try:
        key = base64.b64decode(raw.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise MasterKeyError(f"{source}: the master key is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise MasterKeyError(f"{source}: the master key must be {KEY_BYTES} bytes, got {len(key)}")
    return key


def load_master_key(key_file: Path, env_value: str = "") -> bytes:
    if env_value:
        return _decode_key(env_value, "EXAM_ENGINE_MASTER_KEY")
    if not key_file.exists():
        raise MasterKeyError(f"{key_file}: no master key; run `exam-engine init` first")
    mode = key_file.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise MasterKeyError(
            f"{key_file}: the master key is readable by other users (mode {oct(mode & 0o777)});"
            f" run `chmod 600 {key_file}`"
        )
    return _decode_key(key_file.read_text(encoding="ascii"), str(key_file))


class Vault:
    """Subkeys derived from the master key, one per purpose."""

    def __init__(self, master_key: bytes) -> None:
        self._master = master_key
        self._subkeys: dict[str, bytes] = {}
        self._aead = AESGCM(self.subkey("storage"))

    def subkey(self, purpose: str) -> bytes:
        # Derived once per purpose: the audit chain asks for its key at every group commit.
        key = self._subkeys.get(purpose)
        if key is None:
            key = self._subkeys[purpose] = HKDF(
                algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None,
                info=f"exam-engine/{purpose}".encode(),
            ).derive(self._master)
        return key

    def encrypt(self, plaintext: bytes, context: str) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, context.encode())

    def decrypt(self, blob: bytes, context: str) -> bytes:
        try:
            return self._aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], context.encode())
        except (InvalidTag, ValueError):
            raise DecryptionError(f"{context}: stored value does not decrypt") from None

    def encrypt_text(self, text: str, context: str) -> bytes:
        return self.encrypt(text.encode("utf-8"), context)

    def decrypt_text(self, blob: bytes, context: str) -> str:
        return self.decrypt(blob, context).decode("utf-8")

    def encrypt_json(self, value: Any, context: str) -> bytes:
        return self.encrypt(json.dumps(value, ensure_ascii=False, sort_keys=True).encode(), context)

    def decrypt_json(self, blob: bytes, context: str) -> Any:
        return json.loads(self.decrypt(blob, context))
