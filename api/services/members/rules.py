"""The member records area's error messages, constants, and the rules shared by create and update:
resident ID agreement with gender and birth date, employee numbers, the unit a record may be filed under.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.db.models import (
    Member,
    MemberTag,
    OrgUnit,
)
from api.errors import Conflict, RuleViolation
from api.i18n import MESSAGES, register
from api.rules.resident_id import ResidentId, ResidentIdError, parse_resident_id
from api.security.pii import PiiVault
from api.security.principal import Principal
from api.services import audit
from api.services.member_core import (
    VOTING,
    LifecycleAction,
    MemberStatus,
)
from api.services.scope import (
    in_scope,
)

register(
    {
        "member_transfer_pending": (
            "The member has a pending transfer; the unit changes only when the receiving union accepts it.",
            "该会员有待接收的会籍接转，接收工会接收后才变更所属组织。",
        ),
        "member_employee_no_taken": (
            "Employee number {value} is already registered in this union.",
            "工号 {value} 已在本工会登记。",
        ),
        "member_national_id_taken": (
            "A member with this resident ID number is already registered ({member_no}).",
            "该身份证号码的会员已登记（会员号 {member_no}）。",
        ),
        "member_conflict": (
            "Another request registered the same member at the same time; reload and retry.",
            "另一请求同时登记了同一会员，请刷新后重试。",
        ),
        "member_date_in_future": ("The date {value} is in the future.", "日期 {value} 晚于今天。"),
        "member_not_approved": (
            "An applicant has no join date: membership dates from approval (章程 Art 2).",
            "申请人尚无入会日期：会籍自批准之日起计算（章程第二条）。",
        ),
        "member_representative_not_voting": (
            "Only active members can be congress representatives; the member is {current}.",
            "只有正常状态的会员可以担任职工代表；该会员当前状态为 {current}。",
        ),
        "member_unit_needs_transfer": (
            "The unit belongs to another grassroots union: start a membership transfer instead.",
            "该组织属于其他基层工会，请办理会籍接转。",
        ),
        "member_illegal_transition": (
            "A {current} member cannot be changed by {action}.",
            "当前状态为 {current} 的会员不能执行 {action}。",
        ),
        "member_reason_required": ("A reason is required for {action}.", "执行 {action} 须填写原因。"),
        "member_effective_before_last": (
            "The effective date is before the last status change ({last}).",
            "生效日期早于上一次状态变更（{last}）。",
        ),
        "member_not_lapsed": (
            "Deemed withdrawal needs 6 consecutive months without dues (章程 Art 6); last paid or joined "
            "{last}.",
            "视为自动退会须连续 6 个月未交会费（章程第六条）；最近缴费或入会于 {last}。",
        ),
        "member_account_exists": (
            "This member already has an account ({username}).",
            "该会员已有账号（{username}）。",
        ),
        "member_not_current": (
            "A {current} member cannot be given an account.",
            "状态为 {current} 的会员不能开通账号。",
        ),
        "member_not_linked": (
            "Your account is not linked to a member record.",
            "您的账号未关联会员档案。",
        ),
    }
)

#: codes other member areas (imports, HR upsert) raise too: whichever module loads first registers them
_SHARED_MESSAGES: dict[str, tuple[str, str]] = {
    "member_unit_not_in_union": (
        "Members are registered with a grassroots union; this unit is not inside one.",
        "会员须登记在基层工会；该组织不属于任何基层工会。",
    ),
    "id_short": ("The resident ID number is too short: {reason}.", "身份证号码位数不足：{reason}。"),
    "id_long": ("The resident ID number is too long: {reason}.", "身份证号码位数过多：{reason}。"),
    "id_excel_float": (
        "The resident ID number was damaged by a spreadsheet: {reason}.",
        "身份证号码被电子表格转成了数字，请将该列设为文本格式。",
    ),
    "id_format": (
        "The resident ID number is malformed: {reason}.",
        "身份证号码格式不正确：只能是数字和末位 X。",
    ),
    "id_region": ("The resident ID number {reason}.", "身份证号码的前两位不是有效的省级行政区划代码。"),
    "id_birth_date": ("The resident ID number {reason}.", "身份证号码中的出生日期无效。"),
    "id_checksum": ("The resident ID number's check digit does not match.", "身份证号码校验位不正确。"),
    "id_birth_mismatch": (
        "The birth date disagrees with the resident ID number.",
        "出生日期与身份证号码不一致。",
    ),
    "gender_mismatch": ("The gender disagrees with the resident ID number.", "性别与身份证号码不一致。"),
}
register({code: text for code, text in _SHARED_MESSAGES.items() if code not in MESSAGES})

#: audited fields; the redaction list in api.services.audit blanks the personal ones
AUDITED_FIELDS = (
    "member_no",
    "employee_no",
    "name",
    "gender",
    "birth_date",
    "national_id_hmac",
    "phone",
    "email",
    "org_unit_id",
    "join_date",
    "status",
    "status_reason",
    "status_changed_on",
    "is_representative",
    "monthly_wage_fen",
    "notes",
)
#: statuses in which a member may hold an account
ACCOUNT_STATUSES = frozenset(
    {MemberStatus.applied, MemberStatus.active, MemberStatus.transfer_pending, MemberStatus.retained}
)
#: lifecycle actions of the transfer endpoints, not of POST /members/{id}/lifecycle
TRANSFER_ACTIONS = frozenset(
    {LifecycleAction.transfer_out, LifecycleAction.transfer_in, LifecycleAction.transfer_back}
)
#: 章程 Art 6: deemed withdrawn after 6 consecutive months with neither dues nor participation
LAPSE_MONTHS = 6


# --- rules shared by create and update -----------------------------------------------------------


def parse_national_id(raw: str) -> ResidentId:
    """GB 11643 check (api.rules.resident_id); the error kind becomes the problem code."""
    try:
        return parse_resident_id(raw)
    except ResidentIdError as exc:
        raise RuleViolation(exc.kind, field="national_id", reason=exc.message) from None


def check_national_id(
    session: Session, vault: PiiVault, rid: ResidentId, *, exclude: uuid.UUID | None = None
) -> str:
    """One person, one record (会籍办法 Art 3: join once): the ID's keyed hash must be free. Returns it."""
    digest = vault.lookup_hash(rid.value)
    stmt = select(Member.id, Member.member_no).where(Member.national_id_hmac == digest)
    if exclude is not None:
        stmt = stmt.where(Member.id != exclude)
    clash = session.execute(stmt).first()
    if clash is not None:
        raise Conflict("member_national_id_taken", member_no=clash.member_no)
    return digest


def check_employee_no(
    session: Session, grassroots_id: uuid.UUID, employee_no: str, *, exclude: uuid.UUID | None = None
) -> None:
    """The employee number is the HR key: unique within a grassroots union."""
    stmt = select(Member.id).where(
        Member.grassroots_unit_id == grassroots_id, Member.employee_no == employee_no
    )
    if exclude is not None:
        stmt = stmt.where(Member.id != exclude)
    if session.execute(stmt).first() is not None:
        raise Conflict("member_employee_no_taken", value=employee_no)


def _agree(rid: ResidentId, gender: str | None, birth_date: date | None) -> tuple[str, date]:
    """Birth date and gender come from the ID (GB 11643 §5.2-5.3); given values must agree with it."""
    if birth_date is not None and birth_date != rid.birth_date:
        raise RuleViolation("id_birth_mismatch", field="birth_date")
    if gender is not None and gender != rid.gender:
        raise RuleViolation("gender_mismatch", field="gender")
    return rid.gender, rid.birth_date


def _not_future(value: date | None, field: str) -> None:
    if value is not None and value > date.today():
        raise RuleViolation("member_date_in_future", field=field, value=value.isoformat())


def _unit_for(session: Session, unit_id: uuid.UUID, by: Principal) -> OrgUnit:
    """The target unit must exist inside the caller's scope (else it is "not found") and be open."""
    unit = session.exec(
        select(OrgUnit).where(col(OrgUnit.id) == unit_id, in_scope(col(OrgUnit.id), by.units_for()))
    ).first()
    if unit is None:
        raise RuleViolation("not_found", field="org_unit_id")
    if unit.status != "active":
        raise RuleViolation("org_unit_closed", field="org_unit_id", code=unit.code)
    return unit


def _check_representative(status: str) -> None:
    """Retained and former members have no vote, so cannot represent (docs/rules.md §1 [L])."""
    if MemberStatus(status) not in VOTING:
        raise RuleViolation("member_representative_not_voting", field="is_representative", current=status)


def _snapshot(member: Member, tags: Sequence[str]) -> dict[str, Any]:
    return {**audit.snapshot(member, AUDITED_FIELDS), "tags": sorted(tags)}


def _flush(session: Session) -> None:
    """Flush, turning a lost race on a unique key (the pre-checks passed, another request won) into 409."""
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict("member_conflict") from None


def _set_tags(session: Session, member: Member, old: Sequence[str], new: Sequence[str]) -> None:
    gone = set(old) - set(new)
    if gone:
        session.execute(
            sa.delete(MemberTag).where(col(MemberTag.member_id) == member.id, col(MemberTag.tag).in_(gone))
        )
    session.add_all(MemberTag(member_id=member.id, tag=t) for t in new if t not in set(old))
