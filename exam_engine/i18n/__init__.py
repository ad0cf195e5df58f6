"""The message catalogue: Bahasa Indonesia (default) and English, one JSON file each."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from flask import Request

LANGUAGES = ("id", "en")
DEFAULT = "id"
FOLDER = Path(__file__).parent / "messages"


@lru_cache(maxsize=len(LANGUAGES))
def catalogue(lang: str) -> dict[str, str]:
    lang = lang if lang in LANGUAGES else DEFAULT
    path = FOLDER / f"{lang}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def pick_language(request: Request) -> str:
    """?lang=, then the lang cookie, then the default."""
    for value in (request.args.get("lang"), request.cookies.get("lang")):
        if value in LANGUAGES:
            return value
    return DEFAULT


def other(lang: str) -> str:
    return "en" if lang == "id" else "id"
