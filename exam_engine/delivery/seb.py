"""Safe Exam Browser: check the Config Key / Browser Exam Key request hashes.

SEB sends, with every request, SHA-256(absolute URL + key) in
X-SafeExamBrowser-ConfigKeyHash and X-SafeExamBrowser-RequestHash; a matching hash for one
of the exam's keys proves the request came from SEB with the approved configuration."""
from __future__ import annotations

import hashlib
import hmac
from typing import Any, Mapping

CONFIG_HEADER = "X-SafeExamBrowser-ConfigKeyHash"
BROWSER_HEADER = "X-SafeExamBrowser-RequestHash"


def _matches(url: str, received: str | None, keys: list[str]) -> bool:
    if not received:
        return False
    return any(hmac.compare_digest(hashlib.sha256((url + key).encode()).hexdigest(), received.lower())
               for key in keys)


def seb_allows(settings: Mapping[str, Any] | None, url: str, headers: Mapping[str, str]) -> bool:
    """True when the exam does not require SEB, or the request carries a valid hash."""
    if not settings or not settings.get("required"):
        return True
    config_keys, browser_keys = settings.get("config_keys") or [], settings.get("browser_exam_keys") or []
    return (_matches(url, headers.get(CONFIG_HEADER), config_keys)
            or _matches(url, headers.get(BROWSER_HEADER), browser_keys))
