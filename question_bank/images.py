"""Images that travel with a bank: checked for existence, location and real content."""
from __future__ import annotations

import re
from pathlib import Path

MAX_IMAGE_BYTES = 2 * 1024 * 1024
MEDIA_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif", ".webp": "image/webp", ".svg": "image/svg+xml"}
_SVG_START = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*<svg[\s>]", re.S)


def sniff_media_type(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if _SVG_START.match(data.removeprefix(b"\xef\xbb\xbf")):
        return "image/svg+xml"
    return None


def check_image(reference: object, bank_dir: Path) -> tuple[Path | None, str | None]:
    """Resolve an image reference; return (path, None) or (None, message)."""
    if not isinstance(reference, str) or not reference.strip():
        return None, "must be a file path relative to the bank file"
    rel = Path(reference.strip())
    if rel.is_absolute() or ".." in rel.parts:
        return None, f"{reference}: must be a path inside the bank's folder, so it travels with the bank"
    suffix = rel.suffix.lower()
    if suffix not in MEDIA_TYPES:
        return None, f"{reference}: unsupported image type (use {', '.join(sorted(MEDIA_TYPES))})"
    path = bank_dir / rel
    if not path.is_file():
        return None, f"{reference}: image file not found"
    data = path.read_bytes()
    if len(data) > MAX_IMAGE_BYTES:
        return None, f"{reference}: image is {len(data)} bytes, the limit is {MAX_IMAGE_BYTES}"
    actual = sniff_media_type(data)
    if actual is None:
        return None, f"{reference}: not an image (content is not PNG, JPEG, GIF, WebP or SVG)"
    if actual != MEDIA_TYPES[suffix]:
        return None, f"{reference}: content is {actual} but the name ends in {suffix}"
    return path, None
