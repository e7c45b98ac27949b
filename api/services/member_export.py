"""Member exports (CSV / XLSX), streamed in keyset batches, masked as the caller's role requires.

Column names are the import's own (api.imports.readers.HEADER_ALIASES), in Chinese or English, so an
export opens in the same tooling and maps to the same fields. Resident IDs are always masked (the full
number has its own audited endpoint); phone and email are shown in full only in units where the caller
may edit members (members.write), wages only where they may see dues (members.write or dues.read).
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import tempfile
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col, select

from api.db.models import Member, MemberTag, OrgUnit
from api.db.session import Database
from api.imports.members import FORMULA_START
from api.security.masking import coarse_birth, coarse_masked, mask_email, mask_phone
from api.security.principal import Principal
from api.services.scope import in_scope, unit_within

BATCH_SIZE = 1000
_CHUNK = 256 * 1024

FIELDS = (
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
HEADERS = {
    "zh": (
        "工号",
        "姓名",
        "性别",
        "身份证号",
        "手机号",
        "出生日期",
        "入会日期",
        "所属工会代码",
        "月工资",
        "职工代表",
        "邮箱",
        "标签",
        "备注",
    ),
    "en": FIELDS,
}
_GENDER = {"zh": {"male": "男", "female": "女"}, "en": {"male": "male", "female": "female"}}
_FLAG = {"zh": ("否", "是"), "en": ("no", "yes")}
_TAG_JOIN = {"zh": "、", "en": ","}


@dataclass(frozen=True, slots=True)
class MemberFilter:
    org_unit_id: uuid.UUID | None = None
    status: str | None = None
    is_representative: bool | None = None
    tag: str | None = None
    q: str | None = None


def member_conditions(
    principal: Principal, flt: MemberFilter, session: Session | None = None
) -> list[ColumnElement[bool]]:
    """The caller's scope plus the list filters, as SQL (one place for the export's WHERE clause).

    With ``org_unit_id`` and a session, the unit is checked against the caller's scope once; inside it,
    members are filtered by the unit's subtree only (one ``IN``-subquery: see members.unit_filter).
    """
    roots = principal.units_for()
    if flt.org_unit_id is None:
        conds = [in_scope(col(Member.org_unit_id), roots)]
    elif session is not None and unit_within(session, flt.org_unit_id, roots):
        conds = [in_scope(col(Member.org_unit_id), [flt.org_unit_id])]
    else:  # a unit above or beside the caller's grants: their subtrees below it, possibly none
        conds = [
            in_scope(col(Member.org_unit_id), roots),
            in_scope(col(Member.org_unit_id), [flt.org_unit_id]),
        ]
    if flt.status is not None:
        conds.append(col(Member.status) == flt.status)
    if flt.is_representative is not None:
        conds.append(col(Member.is_representative) == flt.is_representative)
    if flt.tag:
        conds.append(
            sa.exists().where(col(MemberTag.member_id) == col(Member.id), col(MemberTag.tag) == flt.tag)
        )
    if flt.q:
        pattern = f"%{flt.q}%"
        conds.append(
            sa.or_(
                col(Member.name).like(pattern),
                col(Member.member_no).like(pattern),
                col(Member.employee_no).like(pattern),
            )
        )
    return conds


def _safe(value: str | None) -> str:
    if not value:
        return ""
    return "'" + value if value.startswith(FORMULA_START) else value


def _yuan(fen: int | None) -> str:
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def _rows(db: Database, principal: Principal, flt: MemberFilter, lang: str) -> Iterator[list[str]]:
    """Rows as text, in batches of :data:`BATCH_SIZE` by id (keyset), tags loaded once per batch."""
    contact = in_scope(col(Member.org_unit_id), principal.units_for("members.write")).label("contact")
    full_id = in_scope(col(Member.org_unit_id), principal.units_for("members.national_id")).label("full_id")
    wages = sa.or_(
        in_scope(col(Member.org_unit_id), principal.units_for("members.write")),
        in_scope(col(Member.org_unit_id), principal.units_for("dues.read")),
    ).label("wages")
    gender, flag, join = _GENDER[lang], _FLAG[lang], _TAG_JOIN[lang]
    last: uuid.UUID | None = None
    with db.read_session() as session:
        base = (
            sa.select(
                col(Member.id),
                col(Member.employee_no),
                col(Member.name),
                col(Member.gender),
                col(Member.national_id_masked),
                col(Member.phone),
                col(Member.birth_date),
                col(Member.join_date),
                col(OrgUnit.code),
                col(Member.monthly_wage_fen),
                col(Member.is_representative),
                col(Member.email),
                col(Member.notes),
                contact,
                wages,
                full_id,
            )
            .join(OrgUnit, col(OrgUnit.id) == col(Member.org_unit_id))
            .where(*member_conditions(principal, flt, session))
            .order_by(col(Member.id))
            .limit(BATCH_SIZE)
        )
        while True:
            batch = session.execute(base if last is None else base.where(col(Member.id) > last)).all()
            if not batch:
                return
            tags: dict[uuid.UUID, list[str]] = defaultdict(list)
            for member_id, tag in session.execute(
                select(MemberTag.member_id, MemberTag.tag)
                .where(col(MemberTag.member_id).in_([r.id for r in batch]))
                .order_by(col(MemberTag.member_id), col(MemberTag.tag))
            ):
                tags[member_id].append(tag)
            for r in batch:
                yield [
                    _safe(r.employee_no),
                    _safe(r.name),
                    gender.get(r.gender, r.gender),
                    r.national_id_masked if r.full_id else coarse_masked(r.national_id_masked),
                    (r.phone if r.contact else mask_phone(r.phone)) or "",
                    r.birth_date.isoformat() if r.full_id else str(coarse_birth(r.birth_date)),
                    r.join_date.isoformat() if r.join_date else "",
                    r.code,
                    _yuan(r.monthly_wage_fen) if r.wages else "",
                    flag[bool(r.is_representative)],
                    _safe(r.email if r.contact else mask_email(r.email)),
                    _safe(join.join(tags.get(r.id, []))),
                    _safe(r.notes),
                ]
            last = batch[-1].id
            if len(batch) < BATCH_SIZE:
                return


def export_csv(db: Database, principal: Principal, flt: MemberFilter, lang: str) -> Iterator[bytes]:
    """UTF-8 with a BOM (so Excel opens it as UTF-8), one chunk per batch."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS[lang])
    yield ("\ufeff" + buffer.getvalue()).encode()
    buffer.seek(0)
    buffer.truncate()
    for count, row in enumerate(_rows(db, principal, flt, lang), 1):
        writer.writerow(row)
        if count % BATCH_SIZE == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def export_xlsx(db: Database, principal: Principal, flt: MemberFilter, lang: str) -> str:
    """Write the workbook (openpyxl write-only: rows go straight to disk) to a temp file; return its path."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet: Any = workbook.create_sheet("会员" if lang == "zh" else "members")
    sheet.append(list(HEADERS[lang]))
    for row in _rows(db, principal, flt, lang):
        sheet.append(row)  # every cell as text: IDs, phones and employee numbers must not become numbers
    fd, path = tempfile.mkstemp(prefix="gonghui-export-", suffix=".xlsx")
    os.close(fd)
    try:
        workbook.save(path)
    except BaseException:
        os.unlink(path)
        raise
    return path


def stream_file(path: str) -> Iterator[bytes]:
    """Stream a temp file and delete it afterwards."""
    try:
        with open(path, "rb") as f:
            while chunk := f.read(_CHUNK):
                yield chunk
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
