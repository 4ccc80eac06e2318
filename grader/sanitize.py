"""One sanitiser at the results boundary: learner text made safe for a terminal, JSON, XML and CSV.

Learner code controls exception texts, file, folder and zip member names and
the name of a submission. Before any of it reaches the instructor's terminal,
results.json, junit.xml or gradebook.csv, `text` escapes what those cannot
carry safely and leaves everything else readable (Korean, accents, emoji):

- lone surrogates (not encodable as UTF-8) become `\\udXXX`;
- C0 and C1 control characters other than newline and tab (ESC, NUL, BEL, CR,
  DEL ...), the bidirectional overrides and the two non-characters XML refuses
  become `\\xNN` / `\\uNNNN`.

`cell` also neutralises a spreadsheet formula the way OWASP recommends: a
cell that starts with = + - @, a tab or a carriage return gets a leading '.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\ufffe\uffff]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def text(value: object) -> str:
    """`value` as text that any terminal, JSON, XML or CSV writer takes as it is."""
    return _UNSAFE.sub(_escape, value if isinstance(value, str) else str(value))


def document(value):
    """Every str in a JSON-like structure (keys too) through `text`; numbers and None unchanged."""
    if isinstance(value, str):
        return text(value)
    if isinstance(value, dict):
        return {text(key): document(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [document(item) for item in value]
    return value


def cell(value: object) -> str:
    """A CSV cell: `text`, with a leading ' when a spreadsheet would read the cell as a formula."""
    cleaned = text(value)
    return f"'{cleaned}" if cleaned.startswith(FORMULA_STARTS) else cleaned
