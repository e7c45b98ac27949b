"""Unified social credit codes (统一社会信用代码) of employers and unions, as defined by GB 32100-2015.

18 characters from a 31-character alphabet (digits and capital letters without I, O, Z, S, V); the last
is a check character over the first 17 with the weights ``3**(i-1) mod 31`` (GB 32100-2015 §4-§5).
A union registers the code of the employer it is founded in and its own (工会法人) code, and a typo in
either makes the registration useless — so it is checked on entry.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

__all__ = ["USCC_ALPHABET", "UsccError", "UsccErrorKind", "compute_uscc_check_char", "validate_uscc"]

UsccErrorKind = Literal["uscc_short", "uscc_long", "uscc_format", "uscc_checksum"]

#: Code character set of GB 32100-2015 §4.2 (no I, O, Z, S, V: they are too easily misread).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {char: index for index, char in enumerate(USCC_ALPHABET)}
#: Weights of positions 1-17 (GB 32100-2015 §5): 3**(i-1) mod 31.
_WEIGHTS: tuple[int, ...] = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_LENGTH = 18


class UsccError(ValueError):
    """A unified social credit code is not valid; ``kind`` is a stable code, ``message`` English text."""

    def __init__(self, kind: UsccErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind: UsccErrorKind = kind
        self.message = message


def compute_uscc_check_char(first17: str) -> str:
    """Return the 18th character for 17 code characters: ``(31 - sum % 31) % 31`` (GB 32100-2015 §5)."""
    if len(first17) != 17 or any(char not in _VALUE for char in first17):
        raise ValueError("expected exactly 17 characters of the GB 32100-2015 alphabet")
    total = sum(_VALUE[char] * weight for char, weight in zip(first17, _WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(raw: str) -> str:
    """Return ``raw`` normalised (NFKC, trimmed, upper-case) or raise :class:`UsccError` (GB 32100-2015)."""
    value = unicodedata.normalize("NFKC", raw).strip().upper()
    if any(char not in _VALUE for char in value):
        raise UsccError("uscc_format", "may contain only digits and capital letters other than I, O, S, V, Z")
    if len(value) < _LENGTH:
        raise UsccError("uscc_short", f"has {len(value)} characters, expected 18")
    if len(value) > _LENGTH:
        raise UsccError("uscc_long", f"has {len(value)} characters, expected 18")
    if compute_uscc_check_char(value[:17]) != value[17]:
        raise UsccError("uscc_checksum", "check character does not match")
    return value
