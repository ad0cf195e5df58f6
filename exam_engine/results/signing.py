"""The exam authority's Ed25519 key and signed export manifests.

A manifest lists the SHA-256 of every file in an export folder; its exact bytes are signed,
so anyone holding the public key can show that no file was altered, added or removed."""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from exam_engine.db import utcnow

PRIVATE_FILE = "authority.key"
PUBLIC_FILE = "authority.pub"
MANIFEST = "MANIFEST.json"
SIGNATURE = "MANIFEST.sig"


class SigningError(Exception):
    """A key is missing or malformed, or a folder cannot be signed."""


def public_text(key: Ed25519PublicKey) -> str:
    """The raw 32-byte key in base64: short enough to print in the berita acara."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def keygen(folder: Path) -> str:
    """Write a new authority key pair into `folder`; returns the public key (base64)."""
    folder.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        # O_EXCL: replacing the key silently would orphan every export signed so far.
        fd = os.open(folder / PRIVATE_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise SigningError(f"{folder / PRIVATE_FILE}: an authority key exists already; it was kept") from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    public = public_text(key.public_key())
    (folder / PUBLIC_FILE).write_text(public + "\n", encoding="ascii")
    return public


def load_private_key(folder: Path) -> Ed25519PrivateKey:
    path = folder / PRIVATE_FILE
    if not path.exists():
        raise SigningError(f"{path}: no authority key; run `exam-engine results keygen` first")
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError(f"{path}: not an Ed25519 private key")
    return key


def load_public_key(text: str) -> Ed25519PublicKey:
    """A base64 raw key (as printed by keygen) or a PEM public key."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode("ascii"))
            if not isinstance(key, Ed25519PublicKey):
                raise SigningError("not an Ed25519 public key")
            return key
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (ValueError, binascii.Error):
        raise SigningError("the public key is neither base64 of 32 bytes nor PEM") from None


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def _files(folder: Path) -> dict[str, Path]:
    """Every file under `folder` but the manifest itself, by POSIX relative path."""
    found = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if name in (MANIFEST, SIGNATURE) or path.is_dir():
            continue
        found[name] = path
    return found


def write_manifest(folder: Path, key: Ed25519PrivateKey, meta: dict[str, Any] | None = None) -> Path:
    """Hash every file in `folder`, write MANIFEST.json and its signature MANIFEST.sig."""
    manifest = {
        "algorithm": "sha256", "signed_at": utcnow().isoformat(timespec="seconds"),
        "public_key": public_text(key.public_key()), "meta": meta or {},
        "files": {name: _digest(path) for name, path in _files(folder).items()},
    }
    # Sorted keys: the same content gives the same bytes, whoever writes it.
    body = (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    (folder / MANIFEST).write_bytes(body)
    (folder / SIGNATURE).write_text(base64.b64encode(key.sign(body)).decode("ascii") + "\n", encoding="ascii")
    return folder / MANIFEST


def verify(folder: Path, public_key: Ed25519PublicKey) -> list[str]:
    """What is wrong with a signed export folder, one line each; empty means VALID.

    The signature is checked first: an unsigned or forged manifest says nothing about the
    files, so no file-by-file comparison is made against it."""
    body_path, sig_path = folder / MANIFEST, folder / SIGNATURE
    if not body_path.is_file() or not sig_path.is_file():
        return [f"missing: {MANIFEST} or {SIGNATURE}: the folder is not a signed export"]
    body = body_path.read_bytes()
    try:
        public_key.verify(base64.b64decode(sig_path.read_bytes().strip(), validate=True), body)
    except (InvalidSignature, ValueError, binascii.Error):
        return ["manifest signature invalid: the manifest was altered or not signed by this key"]
    listed: dict[str, str] = json.loads(body)["files"]
    present = _files(folder)
    problems = [f"removed: {name}" for name in sorted(listed.keys() - present.keys())]
    problems += [f"added: {name}" for name in sorted(present.keys() - listed.keys())]
    problems += [f"altered: {name}" for name in sorted(listed.keys() & present.keys())
                 if _digest(present[name]) != listed[name]]
    return problems
