"""The message catalog: every learner-facing sentence, in English and Korean.

Messages live in TOML files in layerlab/messages/ (one per area, so that one
file never holds two people's edits); together they are one catalog, and a key
may appear in only one file. Each key has an ``en`` and a ``ko`` text with
``str.format`` fields.
"""

from __future__ import annotations

import functools
import locale
import os
import unicodedata
from pathlib import Path

from layerlab.table import tomllib

CATALOG_DIR = Path(__file__).with_name("messages")
LANGUAGES = ("en", "ko")
LANG_ENV = "LAYERLAB_LANG"
_override: str | None = None


class CatalogError(KeyError):
    """A message key is missing or defined twice."""


@functools.lru_cache(maxsize=None)
def catalog() -> dict[str, dict[str, str]]:
    """All messages: key -> {'en': ..., 'ko': ...}."""
    merged: dict[str, dict[str, str]] = {}
    origin: dict[str, str] = {}
    for path in sorted(CATALOG_DIR.glob("*.toml")):
        with open(path, "rb") as handle:
            for key, texts in tomllib.load(handle).items():
                if key in merged:
                    raise CatalogError(f"message '{key}' is in both {origin[key]} and {path.name}")
                merged[key], origin[key] = texts, path.name
    return merged


def set_language(lang: str | None) -> None:
    """Force a language for this process (the --lang option)."""
    global _override
    if lang is not None and lang not in LANGUAGES:
        raise ValueError(f"unknown language '{lang}'; choose one of {', '.join(LANGUAGES)}")
    _override = lang


def language() -> str:
    """--lang, then LAYERLAB_LANG, then the locale (Korean if it says ko), else English."""
    if _override:
        return _override
    chosen = os.environ.get(LANG_ENV, "").strip().lower()
    if chosen in LANGUAGES:
        return chosen
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value:
            return "ko" if value.lower().startswith("ko") else "en"
    current = locale.getlocale()[0] or ""
    return "ko" if current.lower().startswith("ko") else "en"


def say(key: str, /, lang: str | None = None, **fields) -> str:
    """The message `key` in the current language, with its fields filled in.

    `key` is positional-only, so a message may have a {key} field of its own.
    """
    try:
        texts = catalog()[key]
    except KeyError:
        raise CatalogError(f"no message '{key}' in {CATALOG_DIR}") from None
    return texts[lang or language()].format(**fields)


def width(text: str) -> int:
    """Columns a terminal gives `text`: Korean letters take two, so columns line up in both languages."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def pad(text: str, columns: int) -> str:
    """`text` followed by spaces up to `columns` terminal columns."""
    return text + " " * max(0, columns - width(text))
