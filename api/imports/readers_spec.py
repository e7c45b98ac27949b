"""What the bulk-file readers read: the canonical member fields and header aliases, :class:`RowSpec`
(:data:`MEMBER_SPEC`), :class:`RawRow`, :class:`ImportFileError` and its codes and messages, and the
source and cell types; re-exported by :mod:`api.imports.readers`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import IO, Any, Literal

from api.i18n import SOURCE_LANGUAGE, Message, Text

FileFormat = Literal["csv", "xlsx", "jsonl"]
ImportFileErrorCode = Literal[
    "unsupported_format",
    "unreadable_file",
    "unknown_column",
    "missing_column",
    "duplicate_column",
    "too_many_columns",
    "cell_too_long",
    "uncompressed_too_large",
]
Source = str | os.PathLike[str] | IO[bytes]
CellValue = str | int | float | Decimal | bool | date | datetime | time | timedelta | None

CANONICAL_FIELDS: tuple[str, ...] = (
    "employee_no",
    "name",
    "gender",
    "national_id",
    "phone",
    "birth_date",
    "join_date",
    "org_unit_code",
    "monthly_wage",
    "is_representative",
    "email",
    "tags",
    "notes",
)
REQUIRED_FIELDS: tuple[str, ...] = ("employee_no", "name", "national_id")

#: Column names HR systems use, matched after NFKC, trimming and case-folding (see :func:`_header_key`).
HEADER_ALIASES: dict[str, str] = {
    **{name: name for name in CANONICAL_FIELDS},
    "工号": "employee_no",
    "员工编号": "employee_no",
    "姓名": "name",
    "性别": "gender",
    "身份证号": "national_id",
    "身份证号码": "national_id",
    "公民身份号码": "national_id",
    "手机号": "phone",
    "手机": "phone",
    "手机号码": "phone",
    "出生日期": "birth_date",
    "入会日期": "join_date",
    "入会时间": "join_date",
    "所属工会代码": "org_unit_code",
    "工会代码": "org_unit_code",
    "月工资": "monthly_wage",
    "月工资(元)": "monthly_wage",
    "职工代表": "is_representative",
    "是否职工代表": "is_representative",
    "邮箱": "email",
    "电子邮箱": "email",
    "标签": "tags",
    "备注": "notes",
}

#: Sheet a workbook should keep its members on; otherwise the first sheet is read.

MEMBER_SHEET = "会员"


@dataclass(frozen=True)
class RowSpec:
    """The columns of one kind of file: canonical names, the ones it cannot do without, the header
    aliases clerks use, the sheet a workbook keeps its rows on, and the fields whose numeric cells
    must not be rendered as integers (a float there means a spreadsheet already mangled the value)."""

    fields: tuple[str, ...]
    required: tuple[str, ...]
    aliases: dict[str, str]
    sheet: str
    id_fields: frozenset[str] = frozenset()


MEMBER_SPEC = RowSpec(
    fields=CANONICAL_FIELDS,
    required=REQUIRED_FIELDS,
    aliases=HEADER_ALIASES,
    sheet=MEMBER_SHEET,
    id_fields=frozenset({"national_id"}),
)


class ImportFileError(Exception):
    """The file as a whole cannot be imported; ``code`` is stable, ``detail`` says where and what."""

    def __init__(self, code: ImportFileErrorCode, message: Message = "", /, **params: Any) -> None:
        self.code: ImportFileErrorCode = code
        #: what and where, in any language (``text.render(lang)``); ``detail`` is its English
        self.text = Text(message, params)
        self.detail = self.text.render(SOURCE_LANGUAGE) if message else ""
        super().__init__(f"{code}: {self.detail}" if self.detail else code)


@dataclass(slots=True)
class RawRow:
    """One record as text; ``data`` has every canonical field (``None`` if absent or empty).

    ``extra`` holds non-empty cells found outside any named column, so that the row can be rejected
    instead of silently losing what someone typed there.
    """

    row_number: int
    data: dict[str, str | None]
    extra: tuple[str, ...] = field(default=())
