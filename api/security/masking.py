"""Masking for callers who may not see a value in full: one rule for every view (API responses,
exports, the HR upsert's answer, transfers), so a value is never shown more in one place than another.

Contact details: :func:`mask_phone`, :func:`mask_email`.

Resident ID numbers have their own stored mask (``api.rules.resident_id.ResidentId.masked``: the first 3
and last 4 characters). Seen next to the full birth date, that left only the county digits unknown: with
the public county codes and the check digit, most numbers came down to one candidate (issue 14 item 4;
个人信息保护法 Art 28: the resident ID is sensitive personal information). Callers without
``members.national_id`` over a member therefore see only the last 4 characters and the birth **year**
(:func:`mask_resident_id_view`): even an attacker who knows the member's exact county code is left with
the dates of a whole year that fit the check digit (at least 30 candidates, ~33 on average; see
tests/security/test_masking.py), and one who does not, with that times every county.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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


def mask_phone(phone: str | None) -> str | None:
    """``13812345678`` -> ``138****5678``: enough to recognise a number, not to call it.

    Numbers shorter than 8 characters are masked entirely; the length is kept."""
    if not phone:
        return phone
    if len(phone) < 8:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_email(email: str | None) -> str | None:
    """``zhang.san@example.com`` -> ``z***@example.com``; a value without ``@`` -> ``z***``.

    Only the first character of the local part is kept; a malformed value (no ``@``, as HR files
    sometimes hold) is masked too, never shown as it is."""
    if not email:
        return email
    local, at, domain = email.partition("@")
    return f"{local[:1]}***{at}{domain}"
