"""Resident identity numbers (公民身份号码) as defined by GB 11643-1999.

Layout of the 18 characters (GB 11643-1999 §4-§5):

* 1-6   address code (行政区划代码, GB/T 2260), first two digits = province;
* 7-14  birth date ``YYYYMMDD``;
* 15-17 sequence code, the 17th digit odd for men and even for women;
* 18    check character, ISO 7064:1983 MOD 11-2 over the first 17 digits (``X`` stands for 10).

Members are registered under their real name (docs/rules.md §1 Record), so an import must reject numbers that
cannot be right, and say *why* in terms a union clerk can act on — in particular numbers a spreadsheet
turned into a float, which is the most common way real HR exports get broken.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from operator import mul
from typing import Literal

__all__ = [
    "PROVINCE_CODES",
    "ResidentId",
    "ResidentIdError",
    "ResidentIdErrorKind",
    "compute_check_char",
    "parse_resident_id",
]

ResidentIdErrorKind = Literal[
    "id_short", "id_long", "id_excel_float", "id_format", "id_region", "id_birth_date", "id_checksum"
]

#: Weights of the MOD 11-2 check (GB 11643-1999 §6.2): 2**(18-i) mod 11 for positions i = 1..17.
_WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
#: Check character for each value of ``sum mod 11`` (GB 11643-1999 §6.2).
_CHECK_CHARS = "10X98765432"

#: Province-level codes of GB/T 2260 (first two digits of the address code), kept to the province list on
#: purpose: prefecture and county codes change every year, province codes practically never.
PROVINCE_CODES: frozenset[str] = frozenset(
    f"{code:02d}"
    for code in (
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
        71,
        81,
        82,
        83,
    )
)

_DIGIT_OFFSET = 48 * sum(_WEIGHTS)
_LENGTH = 18
_EARLIEST_BIRTH = date(1900, 1, 1)
#: What spreadsheets make of a long number: ``1.40105E+17``, ``1.40105198310051e+17``, ``1401...793.0``.
_FLOAT_FORM = re.compile(r"^[+-]?\d+(?:\.\d*)?[eE][+-]?\d+$|^[+-]?\d+\.\d*$")
_ID_FORM = re.compile(r"^\d{17}[\dX]$")
_VALID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_ID_CHARS = re.compile(r"[0-9X]*")


class ResidentIdError(ValueError):
    """A resident ID number is not valid; ``kind`` is a stable code, ``message`` short English text."""

    def __init__(self, kind: ResidentIdErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind: ResidentIdErrorKind = kind
        self.message = message


@dataclass(frozen=True, slots=True)
class ResidentId:
    """A valid GB 11643-1999 number. ``value`` stays out of ``repr`` so logs show only ``masked``."""

    value: str = field(repr=False)
    birth_date: date = field(repr=False)
    gender: Literal["male", "female"]
    masked: str

    def __str__(self) -> str:
        return self.masked


def compute_check_char(first17: str) -> str:
    """Return the 18th character for 17 ASCII digits (GB 11643-1999 §6.2, ISO 7064 MOD 11-2)."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("expected exactly 17 ASCII digits")
    return _check_char(first17)


def _check_char(first17: str) -> str:
    """:func:`compute_check_char` for 17 characters already known to be ASCII digits."""
    # ASCII digits as bytes are 48 + d: subtract 48 x (sum of weights) once instead of int() per digit
    total = sum(map(mul, first17.encode(), _WEIGHTS)) - _DIGIT_OFFSET
    return _CHECK_CHARS[total % 11]


def mask_resident_id(value: str) -> str:
    """Show the first 3 and last 4 characters only, as is usual for displaying ID numbers."""
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


#: An ID number as gonghui's own exports show it (api.security.masking), after the same clean-up as
#: :func:`parse_resident_id` (NFKC, trim, upper-case x): 18 characters, the last four the number's own
#: (three digits and a digit or X), the 11 before them ``*``, the first three either the number's digits
#: (the stored mask ``110***********002X``) or ``*`` too (the coarse mask ``**************002X``). Nothing
#: else counts as masked: a cell with any other ``*`` is simply a malformed ID (``id_format``).
MASKED_ID = re.compile(r"(?:[0-9]{3}|\*{3})\*{11}[0-9]{3}[0-9X]")


def masked_tail(raw: str) -> str | None:
    """The visible last four characters when ``raw`` is a masked ID (:data:`MASKED_ID`), else None."""
    if raw.isascii() and "*" not in raw:  # most IDs: no asterisk (only non-ASCII ones can become one)
        return None
    value = _normalise(raw)
    return value[-4:] if MASKED_ID.fullmatch(value) else None


def parse_resident_id(raw: str, *, today: date | None = None) -> ResidentId:
    """Validate and normalise ``raw`` (GB 11643-1999); raise :class:`ResidentIdError` if it cannot be right.

    Harmless mess is accepted because HR exports are full of it: surrounding ASCII or ideographic spaces,
    full-width digits and a lower-case ``x``. The check digit is verified before the region and the birth
    date so that any single mistyped digit is reported as ``id_checksum`` — the likeliest cause.
    """
    value = _normalise(raw)
    if not _VALID_SHAPE.fullmatch(value):  # the shape of every valid number: one match, then the details
        _check_shape(value)
    _check_checksum(value)
    _check_region(value)
    birth = _birth_date(value, today or date.today())
    gender: Literal["male", "female"] = "male" if value[16] in "13579" else "female"
    return ResidentId(value=value, birth_date=birth, gender=gender, masked=mask_resident_id(value))


def _normalise(raw: str) -> str:
    """NFKC folds full-width digits/letters and U+3000 to ASCII; then trim and upper-case the ``x``."""
    return (raw if raw.isascii() else unicodedata.normalize("NFKC", raw)).strip().upper()


def _check_shape(value: str) -> None:
    """Length and characters; spreadsheet floats are told apart because the fix is different."""
    if _FLOAT_FORM.match(value):
        raise ResidentIdError(
            "id_excel_float", "turned into a number by a spreadsheet; format the column as text"
        )
    if not value.isascii() or not _ID_CHARS.fullmatch(value):
        raise ResidentIdError("id_format", "may contain only digits and a final X")
    if len(value) < _LENGTH:
        raise ResidentIdError("id_short", f"has {len(value)} characters, expected 18")
    if len(value) > _LENGTH:
        raise ResidentIdError("id_long", f"has {len(value)} characters, expected 18")
    if not _ID_FORM.match(value):
        raise ResidentIdError("id_format", "X is allowed only as the last character")


def _check_checksum(value: str) -> None:
    """GB 11643-1999 §6.2. A spreadsheet that kept only 15 significant digits leaves ``...000``: say so."""
    if _check_char(value[:17]) == value[17]:
        return
    if value.endswith("000"):
        raise ResidentIdError(
            "id_excel_float", "last digits lost to a spreadsheet (ends in 000); format the column as text"
        )
    raise ResidentIdError("id_checksum", "check digit does not match")


def _check_region(value: str) -> None:
    """The first two digits must be a province code of GB/T 2260 (referenced by GB 11643-1999 §5.1)."""
    if value[:2] not in PROVINCE_CODES:
        raise ResidentIdError("id_region", f"no province has code {value[:2]}")


def _birth_date(value: str, today: date) -> date:
    """Digits 7-14 are the birth date (GB 11643-1999 §5.2); it must exist and not be in the future."""
    try:
        birth = date.fromisoformat(value[6:14])  # YYYYMMDD, ISO 8601 basic format
    except ValueError:
        raise ResidentIdError("id_birth_date", f"contains no valid birth date ({value[6:14]})") from None
    if birth > today:
        raise ResidentIdError("id_birth_date", "contains a birth date in the future")
    if birth < _EARLIEST_BIRTH:
        raise ResidentIdError("id_birth_date", "contains a birth date before 1900")
    return birth
