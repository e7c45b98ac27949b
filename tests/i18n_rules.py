"""What "no English in a Chinese text" means (tests/core/test_i18n_catalog.py explains the rule)."""

from __future__ import annotations

import re

#: ASCII words a Chinese text may contain besides identifiers (see the module docstring)
TECHNICAL = frozenset(
    {
        *("JSON", "CSV", "XLSX", "UTF-8", "UTF-16", "ISO", "GB", "MB"),  # standards, formats, units
        *("ETag", "If-Match", "Retry-After"),  # HTTP headers
        *("SQLite", "PostgreSQL"),  # database engines
        *("true", "false"),  # JSON literals
        *("X", "I", "O", "Z", "S", "V", "B"),  # ID check character, letters GB 32100 excludes, answer class B
    }
)
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:[-.=][A-Za-z0-9_]+)*")
PLACEHOLDER = re.compile(r"\{(\w+)[^{}]*\}")


def english_words(text: str, allowed: frozenset[str] | set[str] = frozenset()) -> set[str]:
    """The ASCII words of ``text`` that are neither identifiers nor :data:`TECHNICAL` nor ``allowed``."""
    text = PLACEHOLDER.sub(" ", text)
    found = set()
    for match in WORD.finditer(text):
        word, before = match.group(), text[max(match.start() - 1, 0) : match.start()]
        if "_" in word or before in {"-", "."} or word in TECHNICAL or word in allowed:
            continue
        found.add(word)
    return found
