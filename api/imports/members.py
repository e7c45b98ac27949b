"""Row-level checks of imported member records: normalise the harmless mess, report the real mistakes.

HR exports are messy in predictable ways (spaces and ideographic spaces, full-width digits, lower-case
``x`` in IDs, several date styles); those are fixed silently. Anything that could register the wrong
person — an ID that cannot exist, a birth date or gender that disagrees with the ID, a join date in the
future — is reported with a stable ``kind`` per field, never guessed. The kinds are the ones in
the rejected rows of ``tests/samples.py``. Checks that need the database (unknown org units, members already
registered) belong to the import service; duplicates *within* a file are found by
:class:`FileDuplicateTracker`.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, NamedTuple

from api.i18n import _
from api.imports.readers import RawRow
from api.rules.dues import yuan_to_fen
from api.rules.resident_id import ResidentId, ResidentIdError, masked_tail, parse_resident_id

__all__ = [
    "KIND_MESSAGES",
    "FieldError",
    "FileDuplicateTracker",
    "MemberRowError",
    "MemberRowOk",
    "normalise_member_row",
    "parse_date",
]

Gender = Literal["male", "female"]

#: The message per error kind, in English marked for the catalogs (``translate(KIND_MESSAGES[kind], lang)``;
#: the resident ID kinds come from :mod:`api.rules.resident_id`).
KIND_MESSAGES: dict[str, str] = {
    "id_short": _("ID number is too short"),
    "id_long": _("ID number is too long"),
    "id_excel_float": _("ID number was turned into a number by a spreadsheet"),
    "id_format": _("ID number contains invalid characters"),
    "id_region": _("ID number does not start with a province code"),
    "id_birth_date": _("ID number contains an impossible birth date"),
    "id_checksum": _("ID number check digit does not match"),
    "missing_national_id": _("ID number is missing"),
    "id_birth_mismatch": _("birth date disagrees with the ID number"),
    "gender_mismatch": _("gender disagrees with the ID number"),
    "bad_gender": _("gender is not 男/女/M/F"),
    "missing_name": _("name is blank"),
    "missing_employee_no": _("employee number is blank"),
    "bad_phone": _("not an 11-digit mobile number"),
    "bad_email": _("not an email address"),
    "bad_date": _("no such date"),
    "future_join": _("join date is in the future"),
    "negative_wage": _("monthly wage is negative"),
    "bad_wage": _("monthly wage is not an amount in yuan with at most two decimals"),
    "bad_flag": _("expected 是/否 (yes/no)"),
    "extra_cells": _("values found outside any named column"),
    "dup_employee_no": _("employee number repeats an earlier row of the file"),
    "dup_national_id": _("ID number repeats an earlier row of the file"),
    "unknown_org": _("no such org unit"),
    "id_masked_new_member": _(
        "masked ID number, but no member has this employee number: a new member needs the full number"
    ),
    "id_masked_mismatch": _("masked ID number does not end like the one on record"),
}


_GENDERS: dict[str, Gender] = {
    "男": "male",
    "m": "male",
    "male": "male",
    "女": "female",
    "f": "female",
    "female": "female",
}
_FLAGS: dict[str, bool] = {
    "是": True,
    "y": True,
    "yes": True,
    "true": True,
    "1": True,
    "否": False,
    "n": False,
    "no": False,
    "false": False,
    "0": False,
}
_DATE_FORMS = (
    re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})()(\d{2})(\d{2})$"),
    re.compile(r"^(\d{4})(年)(\d{1,2})月(\d{1,2})日$"),
)
_EARLIEST_DATE = date(1900, 1, 1)
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_PHONE_PUNCTUATION = re.compile(r"[\s\-()]")
_COUNTRY_CODE = re.compile(r"^(?:\+86|0086)")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TAG_SEPARATORS = re.compile(r"[,;、|]")
#: the birth year alone, as an export shows it to callers who may not see the full date
_YEAR_ONLY = re.compile(r"[0-9]{4}")
_SPACE_RUN = re.compile(r"\s+")
_SPACE_BETWEEN_CJK = re.compile(r"(?<=[\u3400-\u9fff]) (?=[\u3400-\u9fff])")


class FieldError(NamedTuple):
    """One problem of a row: the field at fault, a stable kind and short English text."""

    field: str
    kind: str
    message: str


@dataclass(slots=True)
class MemberRowOk:
    """A row ready to be registered (subject to the database checks of the import service)."""

    row_number: int
    employee_no: str
    name: str
    #: None only for a masked ID (below) with a blank gender cell: the stored gender stays
    gender: Gender | None
    #: None when the file has the masked form of the ID (an export re-imported): ``masked_tail`` is set
    #: and the member must already be on record under the employee number, whose ID then stays as it is
    national_id: ResidentId | None
    phone: str | None
    email: str | None
    #: None only for a masked ID with a blank or year-only birth date (the export's coarse form)
    birth_date: date | None
    join_date: date | None
    org_unit_code: str | None
    monthly_wage_fen: int | None
    is_representative: bool
    tags: list[str] = field(default_factory=list)
    notes: str | None = None
    masked_tail: str | None = None


@dataclass(slots=True)
class MemberRowError:
    """A rejected row with every problem found in it, so that the clerk can fix them all at once."""

    row_number: int
    errors: list[FieldError]


def _error(field_name: str, kind: str, message: str | None = None) -> FieldError:
    return FieldError(field_name, kind, message or KIND_MESSAGES[kind])


#: a cell starting with these is a formula to a spreadsheet: exports quote it with a leading ``'``
#: (CSV/formula injection), and an import takes that quote off again, so an export re-imports as it was
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _unquote(value: str | None) -> str | None:
    return value[1:] if value and value[0] == "'" and value[1:].startswith(FORMULA_START) else value


def _text(value: str | None) -> str | None:
    """NFKC (full-width digits and letters, U+3000 become ASCII) and trim; blank becomes ``None``."""
    if value is None:
        return None
    # ASCII is its own NFKC form (most cells of an HR file): skip the normalisation
    cleaned = (value if value.isascii() else unicodedata.normalize("NFKC", value)).strip()
    return cleaned or None


#: full-width ASCII forms (U+FF01..U+FF5E) to ASCII, the ideographic space to a space
_WIDTH_FOLD = {0xFF01 + i: 0x21 + i for i in range(0x5E)} | {0x3000: 0x20}


def _name(value: str | None) -> str | None:
    """Names are only width-folded, not NFKC'd: NFKC would rewrite rare CJK compatibility characters."""
    if value is None:
        return None
    folded = value.translate(_WIDTH_FOLD)
    if folded.split() == [folded]:  # no whitespace at all (most names): nothing to collapse or trim
        return folded
    cleaned = _SPACE_RUN.sub(" ", folded).strip()
    return _SPACE_BETWEEN_CJK.sub("", cleaned) or None


def parse_date(text: str) -> date:
    """Parse the date styles HR files use: 2024-03-05, 2024/03/05, 2024.3.5, 20240305, 2024年3月5日.

    A time of day after the date (a spreadsheet's midnight) is ignored. Raise ``ValueError`` otherwise,
    including for dates that do not exist (2023-02-30) and for years before 1900.
    """
    if len(text) == 10 and text[4] == "-" == text[7] and text.isascii():
        # YYYY-MM-DD, the usual form: the C parser (its other ISO 8601 forms cannot have this shape)
        parsed = date.fromisoformat(text)
        if parsed < _EARLIEST_DATE:
            raise ValueError("dates before 1900 are not plausible")
        return parsed
    for form in _DATE_FORMS:
        match = form.match(text)
        if match:
            parsed = date(int(match[1]), int(match[3]), int(match[4]))
            if parsed < _EARLIEST_DATE:
                raise ValueError("dates before 1900 are not plausible")
            return parsed
    raise ValueError(f"not a date: {text!r}")


def _check_national_id(value: str | None, today: date, errors: list[FieldError]) -> ResidentId | None:
    if value is None:
        errors.append(_error("national_id", "missing_national_id"))
        return None
    try:
        return parse_resident_id(value, today=today)
    except ResidentIdError as exc:
        errors.append(_error("national_id", exc.kind, f"ID number {exc.message}"))
        return None


def _check_gender(value: str | None, rid: ResidentId | None, errors: list[FieldError]) -> Gender | None:
    """Blank takes the ID's gender (GB 11643-1999: odd 17th digit = male); a different one is an error."""
    if value is None:
        return rid.gender if rid else None
    gender = _GENDERS.get(value.casefold())
    if gender is None:
        errors.append(_error("gender", "bad_gender"))
    elif rid is not None and gender != rid.gender:
        errors.append(_error("gender", "gender_mismatch"))
    return gender


def _check_birth_date(value: str | None, rid: ResidentId | None, errors: list[FieldError]) -> date | None:
    """Blank takes the ID's birth date; a different one means one of the two is wrong — reject."""
    if value is None:
        return rid.birth_date if rid else None
    try:
        birth = parse_date(value)
    except ValueError:
        errors.append(_error("birth_date", "bad_date"))
        return None
    if rid is not None and birth != rid.birth_date:
        errors.append(_error("birth_date", "id_birth_mismatch"))
    return birth


def _check_join_date(value: str | None, today: date, errors: list[FieldError]) -> date | None:
    """Membership dates from approval (章程 Art 2), which cannot lie in the future."""
    if value is None:
        return None
    try:
        joined = parse_date(value)
    except ValueError:
        errors.append(_error("join_date", "bad_date"))
        return None
    if joined > today:
        errors.append(_error("join_date", "future_join"))
    return joined


def _check_phone(value: str | None, errors: list[FieldError]) -> str | None:
    """Mainland mobile numbers only (they receive the union's SMS); spaces, dashes and +86 are dropped."""
    if value is None:
        return None
    digits = value if _MOBILE.match(value) else _COUNTRY_CODE.sub("", _PHONE_PUNCTUATION.sub("", value))
    if not _MOBILE.match(digits):
        errors.append(_error("phone", "bad_phone"))
        return None
    return digits


def _check_email(value: str | None, errors: list[FieldError]) -> str | None:
    if value is not None and not _EMAIL.match(value):
        errors.append(_error("email", "bad_email"))
        return None
    return value


def _check_wage(value: str | None, errors: list[FieldError]) -> int | None:
    """Wage in yuan to integer fen (docs/rules.md §1: money is integer fen); it is the dues base."""
    if value is None:
        return None
    try:
        fen = yuan_to_fen(value)
    except ValueError:
        errors.append(_error("monthly_wage", "bad_wage"))
        return None
    if fen < 0:
        errors.append(_error("monthly_wage", "negative_wage"))
        return None
    return fen


def _check_flag(value: str | None, errors: list[FieldError]) -> bool:
    if value is None:
        return False
    flag = _FLAGS.get(value.casefold())
    if flag is None:
        errors.append(_error("is_representative", "bad_flag"))
        return False
    return flag


def _tags(value: str | None) -> list[str]:
    """Split on ASCII/full-width commas, semicolons, 、 and |; drop blanks and repeats, keep order."""
    if value is None:
        return []
    parts = (part.strip() for part in _TAG_SEPARATORS.split(value))
    return list(dict.fromkeys(part for part in parts if part))


def normalise_member_row(raw: RawRow, *, today: date) -> MemberRowOk | MemberRowError:
    """Check one imported row and return it cleaned, or every problem found in it.

    ``today`` is the day of import, the reference for "in the future" (samples/README.md).
    """
    data = {key: _text(_unquote(value)) for key, value in raw.data.items() if key != "name"}
    errors: list[FieldError] = []
    employee_no = data.get("employee_no")
    if employee_no is None:
        errors.append(_error("employee_no", "missing_employee_no"))
    name = _name(_unquote(raw.data.get("name")))
    if name is None:
        errors.append(_error("name", "missing_name"))
    raw_id = data.get("national_id")
    tail = masked_tail(raw_id) if raw_id is not None else None
    rid = None if tail is not None else _check_national_id(raw_id, today, errors)
    gender = _check_gender(data.get("gender"), rid, errors)
    birth_cell = data.get("birth_date")
    if tail is not None and birth_cell is not None and _YEAR_ONLY.fullmatch(birth_cell):
        birth_cell = None  # the export's coarse birth year next to a masked ID: keep the stored date
    birth_date = _check_birth_date(birth_cell, rid, errors)
    join_date = _check_join_date(data.get("join_date"), today, errors)
    phone = _check_phone(data.get("phone"), errors)
    email = _check_email(data.get("email"), errors)
    wage_fen = _check_wage(data.get("monthly_wage"), errors)
    is_representative = _check_flag(data.get("is_representative"), errors)
    if raw.extra:
        errors.append(_error("row", "extra_cells"))
    if errors:
        return MemberRowError(row_number=raw.row_number, errors=errors)
    # guaranteed when errors is empty; gender and birth date may stay blank only beside a masked ID
    assert employee_no and name and (rid or tail) and ((gender and birth_date) or tail)
    return MemberRowOk(
        row_number=raw.row_number,
        employee_no=employee_no,
        name=name,
        gender=gender,
        national_id=rid,
        phone=phone,
        email=email,
        birth_date=birth_date,
        join_date=join_date,
        org_unit_code=data.get("org_unit_code"),
        monthly_wage_fen=wage_fen,
        is_representative=is_representative,
        tags=_tags(data.get("tags")),
        notes=data.get("notes"),
        masked_tail=tail,
    )


class _DigestIndex:
    """64-bit digests with the row number each was first seen in, in ~12.5 bytes per value.

    Records of 12 bytes (8-byte digest, 4-byte little-endian row number) are appended to one of 4,096
    ``bytearray`` buckets chosen by the digest's first 12 bits. A lookup is one C-speed
    ``bytearray.find`` over its bucket (~3 KB at a million values), keeping only hits that start on a
    record boundary. No per-value Python objects, no sorting or merging, no rehashing.
    """

    __slots__ = ("_buckets",)

    _RECORD = 12

    def __init__(self) -> None:
        self._buckets = [bytearray() for _ in range(4096)]

    def get(self, digest: bytes) -> int | None:
        bucket = self._buckets[(digest[0] << 4) | (digest[1] >> 4)]
        at = bucket.find(digest)
        while at >= 0:
            if at % self._RECORD == 0:
                return int.from_bytes(bucket[at + 8 : at + 12], "little")
            at = bucket.find(digest, at + 1)
        return None

    def add(self, digest: bytes, row_number: int) -> None:
        """Remember ``digest`` (which :meth:`get` has just not found) as first seen in ``row_number``."""
        bucket = self._buckets[(digest[0] << 4) | (digest[1] >> 4)]
        bucket += digest
        bucket += row_number.to_bytes(4, "little")


class FileDuplicateTracker:
    """Finds employee numbers and ID numbers that repeat an earlier accepted row of the same file.

    Rejected rows are not remembered: the first *acceptable* occurrence of a value is the one that will
    be imported, and a repeat names that row.

    Memory: the values themselves are not kept, only a 64-bit keyed BLAKE2b digest of each with its row
    number (:class:`_DigestIndex`, ~12.5 bytes per value: ~25 MB for both fields of a million rows,
    where dicts of the strings took ~210 MB). The digest key is random per tracker, so colliding values
    cannot be crafted and a collision does not recur when the file is imported again. Accepted
    trade-off: two *different* values with the same digest would be reported as a duplicate (a real
    repeat is always found). The chance of that anywhere in a file of ``n`` values is about
    ``n**2 / 2**65`` per field: ~3e-10 for 100,000 rows, ~3e-8 for 1,000,000.
    """

    __slots__ = ("_employee_nos", "_hasher", "_national_ids")

    def __init__(self) -> None:
        self._hasher = hashlib.blake2b(digest_size=8, key=os.urandom(16))
        self._employee_nos = _DigestIndex()
        self._national_ids = _DigestIndex()

    def _digest(self, value: str) -> bytes:
        hasher = self._hasher.copy()
        hasher.update(value.encode("utf-8"))
        return hasher.digest()

    def check(self, row: MemberRowOk | MemberRowError) -> MemberRowOk | MemberRowError:
        """Return ``row`` unchanged, or a :class:`MemberRowError` if it repeats an earlier row."""
        if isinstance(row, MemberRowError):
            return row
        errors: list[FieldError] = []
        employee_no = self._digest(row.employee_no)
        # a masked ID (an export re-imported) names no number: only full numbers can repeat
        national_id = self._digest(row.national_id.value) if row.national_id is not None else None
        earlier = self._employee_nos.get(employee_no)
        if earlier is not None:
            errors.append(
                _error("employee_no", "dup_employee_no", f"employee number already in row {earlier}")
            )
        earlier = self._national_ids.get(national_id) if national_id is not None else None
        if earlier is not None:
            errors.append(_error("national_id", "dup_national_id", f"ID number already in row {earlier}"))
        if errors:
            return MemberRowError(row_number=row.row_number, errors=errors)
        self._employee_nos.add(employee_no, row.row_number)
        if national_id is not None:
            self._national_ids.add(national_id, row.row_number)
        return row
