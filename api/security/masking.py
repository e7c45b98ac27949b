"""What of a resident ID a caller without the full-ID permission may see together with the rest of a
record (issue 14 item 4; 个人信息保护法 Art 28: the resident ID is sensitive personal information).

The stored mask keeps the first 3 and last 4 characters. Seen next to the full birth date, that left only
the county digits unknown: with the public county codes and the check digit, most numbers came down to
one candidate. Callers without ``members.national_id`` over a member therefore see only the last 4
characters and the birth **year**: even an attacker who knows the member's exact county code is left
with the dates of a whole year that fit the check digit (at least 30 candidates, ~33 on average; see
tests/security/test_masking.py), and one who does not, with that times every county.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = ["ID_LENGTH", "VISIBLE_TAIL", "IdView", "coarse_birth", "coarse_masked", "mask_resident_id_view"]

ID_LENGTH = 18
VISIBLE_TAIL = 4


def coarse_masked(masked: str) -> str:
    """``110***********002X`` (the stored mask) -> ``**************002X``."""
    return "*" * (ID_LENGTH - VISIBLE_TAIL) + masked[-VISIBLE_TAIL:]


def coarse_birth(birth_date: date) -> int:
    """The birth year only."""
    return birth_date.year


@dataclass(frozen=True, slots=True)
class IdView:
    national_id_masked: str
    birth_date: date | None
    birth_year: int


def mask_resident_id_view(masked: str, birth_date: date, *, full: bool) -> IdView:
    """What a caller sees of the ID and the birth date: ``full`` for callers holding
    ``members.national_id`` over the member (they may read the whole number anyway)."""
    if full:
        return IdView(masked, birth_date, birth_date.year)
    return IdView(coarse_masked(masked), None, coarse_birth(birth_date))
