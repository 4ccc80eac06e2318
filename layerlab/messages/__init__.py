"""The message catalog: every learner-facing sentence, in English and Korean.

Messages live in this package's TOML files (one per area, so that one
file never holds two people's edits); together they are one catalog, and a key
may appear in only one file. Each key has an ``en`` and a ``ko`` text with
``str.format`` fields.

A Korean particle after a field depends on the word the field becomes, so a
Korean text writes both forms, `{path}을(를)`, and `korean_particles` keeps the
one that word takes once the fields are filled in.
"""

from __future__ import annotations

import functools
import locale
import os
import re
import unicodedata
from pathlib import Path

from layerlab.compat import tomllib

MESSAGES_DIR = Path(__file__).resolve().parent
LANGUAGES = ("en", "ko")
LANG_ENV = "LAYERLAB_LANG"
_override: str | None = None


class MessageError(KeyError):
    """A message key is missing or defined twice."""


@functools.lru_cache(maxsize=None)
def catalog() -> dict[str, dict[str, str]]:
    """All messages: key -> {'en': ..., 'ko': ...}."""
    merged: dict[str, dict[str, str]] = {}
    origin: dict[str, str] = {}
    for path in sorted(MESSAGES_DIR.glob("*.toml")):
        with open(path, "rb") as handle:
            for key, texts in tomllib.load(handle).items():
                if key in merged:
                    raise MessageError(f"message '{key}' is in both {origin[key]} and {path.name}")
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
        raise MessageError(f"no message '{key}' in {MESSAGES_DIR}") from None
    lang = lang or language()
    text = texts[lang].format(**fields)
    return korean_particles(text) if lang == "ko" else text


# A particle written both ways -> (form after a final consonant, form after none).
# (으)로 is special: a final ㄹ takes 로, as a vowel does.
PARTICLE_PAIRS = {
    "을(를)": ("을", "를"), "를(을)": ("을", "를"), "이(가)": ("이", "가"), "가(이)": ("이", "가"),
    "은(는)": ("은", "는"), "는(은)": ("은", "는"), "과(와)": ("과", "와"), "와(과)": ("과", "와"),
    "(으)로": ("으로", "로"), "으로(로)": ("으로", "로"), "로(으로)": ("으로", "로"),
}
_PARTICLE = re.compile("|".join(re.escape(pair) for pair in PARTICLE_PAIRS))
_CLOSING = "`'\")]}>»」』 "  # looked through: the particle goes with the word inside
# How a digit or a Latin letter is read at the end of a word: its final consonant, "" for none.
# 0 ends 영, 10 십, 100 백 ...: a zero always ends in a consonant other than ㄹ.
FINAL_OF_DIGIT = dict(zip("0123456789", ["ㅇ", "ㄹ", "", "ㅁ", "", "", "ㄱ", "ㄹ", "ㄹ", ""]))
FINAL_OF_LETTER = {"l": "ㄹ", "r": "ㄹ", "m": "ㅁ", "n": "ㄴ"}  # 엘, 알, 엠, 엔; every other letter ends in a vowel
_FINALS = " ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"


def final_consonant(word: str) -> str:
    """The final consonant of how `word` ends when read aloud in Korean ("" when it ends in a vowel)."""
    word = word.rstrip(_CLOSING)
    if not word:
        return ""
    last = word[-1]
    if "\uac00" <= last <= "\ud7a3":  # a Hangul syllable: 28 finals per initial-and-vowel
        return _FINALS[(ord(last) - 0xAC00) % 28].strip()
    return FINAL_OF_DIGIT.get(last, FINAL_OF_LETTER.get(last.lower(), ""))


def korean_particles(text: str) -> str:
    """Each particle written both ways, as in "13을(를)", reduced to the one its word takes: "13을"."""
    def choose(match: re.Match) -> str:
        after_consonant, after_vowel = PARTICLE_PAIRS[match.group(0)]
        final = final_consonant(text[:match.start()])
        if after_consonant == "으로":
            return after_consonant if final not in ("", "ㄹ") else after_vowel
        return after_consonant if final else after_vowel
    return _PARTICLE.sub(choose, text)


def width(text: str) -> int:
    """Columns a terminal gives `text`: Korean letters take two, so columns line up in both languages."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def pad(text: str, columns: int) -> str:
    """`text` followed by spaces up to `columns` terminal columns."""
    return text + " " * max(0, columns - width(text))
