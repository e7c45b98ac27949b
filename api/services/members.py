"""Member records (domain.md §1): create, read, update and list members, run their lifecycle, give them
an account, and let them see and correct their own contact details.

Reusable by the other member areas (transfers, dues, imports, HR upsert, export):

* :func:`scope_filter` / :func:`list_stmt` — the caller's readable members as SQL, with the list filters;
* :func:`get_in_scope` — load one member within the route permission's scope, else 404;
* :func:`to_out` / :func:`to_outs` — the view of a member the caller may see (masking, names only);
* :func:`record_event` — apply one lifecycle transition (status, event, audit, change feed; no commit);
* :func:`check_national_id` / :func:`check_employee_no` — the ID and HR-key rules.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, select

from api.db.models import (
    DuesPayment,
    Grant,
    Member,
    MemberEvent,
    MemberTag,
    MemberTransfer,
    OrgUnit,
    OrgUnitClosure,
    User,
)
from api.db.types import utcnow
from api.errors import Conflict, NotFound, RuleViolation
from api.i18n import MESSAGES, register
from api.rules.resident_id import ResidentId, ResidentIdError, parse_resident_id
from api.schemas.members import (
    LifecycleIn,
    MemberAccountIn,
    MemberContactUpdate,
    MemberCreate,
    MemberNameOut,
    MemberOut,
    MemberSelfOut,
    MemberStatusName,
    MemberUpdate,
)
from api.schemas.users import UserKind
from api.security.masking import mask_resident_id_view
from api.security.pii import PiiVault
from api.security.principal import Principal
from api.services import audit, changes, users
from api.services.concurrency import expect_version
from api.services.member_core import (
    TRANSITIONS,
    VOTING,
    LifecycleAction,
    MemberStatus,
    allocate_member_numbers,
    grassroots_of,
    protect_national_id,
)
from api.services.pagination import keyset
from api.services.scope import (
    SCOPE_ROOTS,
    UNIT_IN_ROOTS,
    in_scope,
    in_scope_of_roots,
    subtree_ids,
    unit_within,
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
            "A member with this resident ID number is already on record.",
            "该身份证号码的会员已登记。",
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
            "Deemed withdrawal needs 6 consecutive months without dues (章程 Art 6); last paid or joined {last}.",
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


# --- reading -------------------------------------------------------------------------------------


def scope_filter(principal: Principal, permission: str | None = None) -> ColumnElement[bool]:
    """Members whose unit lies in the caller's subtrees for ``permission`` (the route's by default)."""
    return in_scope(Member.org_unit_id, principal.units_for(permission))


#: built once; the scope roots are an expanding parameter (api/services/scope.py, in_scope_of_roots)
_IN_SCOPE = select(Member).where(
    Member.id == sa.bindparam("member_id", type_=Member.__table__.c.id.type),
    in_scope_of_roots(Member.org_unit_id),
)


def get_in_scope(session: Session, member_id: uuid.UUID, principal: Principal) -> Member:
    """One member inside the caller's scope for the route's permission; otherwise 404 (never 403)."""
    roots = principal.units_for()
    member = (
        session.scalars(_IN_SCOPE, {"member_id": member_id, SCOPE_ROOTS: roots}).first() if roots else None
    )
    if member is None:
        raise NotFound()
    return member


@dataclass(frozen=True)
class MemberFilters:
    org_unit_id: uuid.UUID | None = None
    status: MemberStatusName | None = None
    is_representative: bool | None = None
    tag: str | None = None
    joined_from: date | None = None
    joined_to: date | None = None
    q: str | None = None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def unit_filter(
    session: Session | None, principal: Principal, unit_id: uuid.UUID, permission: str | None = None
) -> ColumnElement[bool]:
    """Members in ``unit_id``'s subtree that the caller may read.

    When the unit lies inside the caller's subtrees (checked once here with a session: one indexed
    closure lookup, :func:`_unit_in_scope`), the unit's subtree alone is the filter
    (:func:`subtree_filter`). Filtering by the scope's subtrees AND the unit's subtree instead makes
    SQLite drive the index with the (large) scope and sort every row in scope for ``ORDER BY id``
    (docs/benchmarks.md, "Lists at scale"). Otherwise
    (a unit above or beside the caller's grants, or no session) both conditions stay: the members of
    the caller's subtrees below that unit, possibly none.
    """
    if session is not None:
        within, small = _unit_in_scope(session, unit_id, principal.units_for(permission))
        if within:
            return subtree_filter(unit_id, small=small)
    return sa.and_(scope_filter(principal, permission), in_scope(Member.org_unit_id, [unit_id]))


#: PostgreSQL: a subtree of at most this many units is listed through ``= ANY(ARRAY(subtree))``
SMALL_SUBTREE_UNITS = 500


#: built once, like the other statements of a list request: on PostgreSQL, is the unit in scope and how
#: many units its subtree has, counted up to ``cap`` (elsewhere :func:`scope.unit_within` suffices)
_UNIT_IN_SCOPE_AND_SIZE = sa.select(
    UNIT_IN_ROOTS,
    sa.select(sa.func.count())
    .select_from(
        sa.select(OrgUnitClosure.descendant_id)
        .where(OrgUnitClosure.ancestor_id == sa.bindparam("unit"))
        .limit(sa.bindparam("cap", type_=sa.Integer))
        .subquery()
    )
    .scalar_subquery(),
)


def _unit_in_scope(session: Session, unit_id: uuid.UUID, roots: Sequence[uuid.UUID]) -> tuple[bool, bool]:
    """In one query: does ``unit_id`` lie in the subtrees of ``roots``; and, on PostgreSQL, is its subtree
    small (at most :data:`SMALL_SUBTREE_UNITS` units) — see :func:`subtree_filter`."""
    if not roots:
        return False, False
    if session.get_bind().dialect.name != "postgresql":
        return unit_within(session, unit_id, roots), False
    params = {"unit": unit_id, "roots": list(roots), "cap": SMALL_SUBTREE_UNITS + 1}
    inside, units = session.execute(_UNIT_IN_SCOPE_AND_SIZE, params).one()
    return bool(inside), units <= SMALL_SUBTREE_UNITS


def subtree_filter(unit_id: uuid.UUID, *, small: bool = False) -> ColumnElement[bool]:
    """Members in ``unit_id``'s subtree, written so that each engine plans the list page well.

    SQLite probes ``ix_member_status_org_unit_id_id`` unit by unit for ``IN (subquery)`` whatever the
    subtree's size. PostgreSQL cannot tell the size of an ``IN (subquery)``: it walks the primary key
    in id order and tests each row's unit, which is right for a federation (the first rows match) and
    slow for a grassroots union holding 1 % of the members (~5,000 rows and unit probes per page,
    15-20 ms at 1M members). With ``= ANY(ARRAY(subquery))`` it reads the index instead (the subtree's
    entries, then a top-N sort: 3-5 ms), which is slow for a large subtree (0.4 s for a federation of
    1M members). So on PostgreSQL a ``small`` subtree (at most :data:`SMALL_SUBTREE_UNITS` units,
    :func:`_unit_in_scope`) gets the array form (docs/benchmarks.md, "Lists at scale").
    """
    if small:
        return Member.org_unit_id == sa.any_(sa.func.array(subtree_ids([unit_id]).scalar_subquery()))
    return in_scope(Member.org_unit_id, [unit_id])


def list_stmt(
    principal: Principal,
    filters: MemberFilters | None = None,
    *,
    permission: str | None = None,
    session: Session | None = None,
) -> Any:
    """``SELECT member`` within the caller's scope with the list filters applied (lists and exports).

    Pass ``session`` when filtering by ``org_unit_id``: the unit is then checked against the scope once
    and the query filters by its subtree only (:func:`unit_filter`).
    """
    f = filters or MemberFilters()
    if f.org_unit_id is not None:
        stmt = select(Member).where(unit_filter(session, principal, f.org_unit_id, permission))
    else:
        stmt = select(Member).where(scope_filter(principal, permission))
    if f.status is not None:
        stmt = stmt.where(Member.status == f.status.value)
    if f.is_representative is not None:
        stmt = stmt.where(Member.is_representative == f.is_representative)
    if f.tag:
        stmt = stmt.where(Member.id.in_(select(MemberTag.member_id).where(MemberTag.tag == f.tag)))
    if f.joined_from is not None:
        stmt = stmt.where(Member.join_date >= f.joined_from)
    if f.joined_to is not None:
        stmt = stmt.where(Member.join_date <= f.joined_to)
    if f.q:
        pattern = _like(f.q)
        stmt = stmt.where(
            sa.or_(
                Member.name.like(pattern, escape="\\"),
                Member.member_no.ilike(pattern, escape="\\"),
                Member.employee_no.ilike(pattern, escape="\\"),
            )
        )
    return stmt


def list_members(
    session: Session,
    principal: Principal,
    *,
    limit: int,
    cursor: str | None,
    filters: MemberFilters | None = None,
) -> tuple[list[MemberOut | MemberNameOut], str | None]:
    """One page of :func:`list_stmt`, keys first: the page's ids are chosen by the filters in a subquery
    (from ``ix_member_status_org_unit_id_id`` / ``ix_member_org_unit_id_id`` alone when the filters are
    unit and status), then only those rows are read. Selecting whole rows instead makes the engine read
    and sort every matching row of the subtree for ``ORDER BY id`` (docs/benchmarks.md, "Lists at scale").

    Every listed member lies under the caller's roots for the route's permission (the scope filter, or
    a unit checked to be inside it), so visibility settles from the grants what it can (``within``)."""
    ids = list_stmt(principal, filters, session=session).with_only_columns(Member.id)
    rows, next_cursor = keyset(
        session, ids, keys=[Member.id], limit=limit, cursor=cursor, fetch=select(Member)
    )
    return to_outs(session, rows, principal, within=principal.units_for()), next_cursor


#: built once (building a statement and its cache key costs more CPU than running it on SQLite)
_TAGS_OF = select(MemberTag.member_id, MemberTag.tag).where(
    MemberTag.member_id.in_(sa.bindparam("member_ids", expanding=True))
)
_UNITS_UNDER = select(OrgUnitClosure.descendant_id, OrgUnitClosure.ancestor_id).where(
    OrgUnitClosure.descendant_id.in_(sa.bindparam("units", expanding=True)),
    OrgUnitClosure.ancestor_id.in_(sa.bindparam("roots", expanding=True)),
)


def tags_of(session: Session, member_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """Tags of many members in one query."""
    ids = list(member_ids)
    out: dict[uuid.UUID, list[str]] = {i: [] for i in ids}
    if ids:
        rows = session.execute(_TAGS_OF, {"member_ids": ids}).all()
        for member_id, tag in sorted(rows, key=lambda row: row.tag):  # code-point order on every engine
            out[member_id].append(tag)
    return out


@dataclass(frozen=True)
class Visibility:
    """Per org unit, what the caller may see of the members there (domain.md §0 role matrix)."""

    full: frozenset[uuid.UUID]  # members.read: the whole record (else names only)
    contact: frozenset[uuid.UUID]  # members.write: phone and email unmasked
    wage: frozenset[uuid.UUID]  # members.write or dues.write: the monthly wage (the dues base)
    #: members.national_id: the stored mask and the full birth date (else last 4 and the birth year,
    #: api.security.masking)
    national_id: frozenset[uuid.UUID] = frozenset()


def visibility(
    session: Session, principal: Principal, unit_ids: Iterable[uuid.UUID], *, within: Sequence[uuid.UUID] = ()
) -> Visibility:
    """Which of ``unit_ids`` fall in the caller's subtrees for each permission, in one query at most.

    ``within``: roots the caller already knows every unit lies under (the scope the members were
    loaded through). A permission held at all of those roots then covers every unit, and one held
    nowhere covers none; only the others need the closure table. A by-id read by a caller whose
    grants are all at the same units (the usual case) needs no query.
    """
    units = set(unit_ids)
    roots = {
        "full": set(principal.units_for("members.read")),
        "contact": set(principal.units_for("members.write")),
        "wage": set(principal.units_for("members.write")) | set(principal.units_for("dues.write")),
        "national_id": set(principal.units_for("members.national_id")),
    }
    known = set(within)
    settled = {
        name: frozenset(units) if r else frozenset()
        for name, r in roots.items()
        if not r or (known and known <= r)
    }
    open_roots = set().union(*(r for name, r in roots.items() if name not in settled))
    above: dict[uuid.UUID, set[uuid.UUID]] = {}
    if units and open_roots:
        rows = session.execute(_UNITS_UNDER, {"units": list(units), "roots": list(open_roots)}).all()
        for unit, ancestor in rows:
            above.setdefault(unit, set()).add(ancestor)

    def pick(name: str) -> frozenset[uuid.UUID]:
        if name in settled:
            return settled[name]
        return frozenset(u for u, a in above.items() if a & roots[name])

    return Visibility(
        full=pick("full"), contact=pick("contact"), wage=pick("wage"), national_id=pick("national_id")
    )


def mask_phone(phone: str | None) -> str | None:
    """``13812345678`` -> ``138****5678``: enough to recognise a number, not to call it."""
    if not phone:
        return phone
    if len(phone) < 8:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_email(email: str | None) -> str | None:
    """``zhang.san@example.com`` -> ``z***@example.com``."""
    if not email:
        return email
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def to_out(
    member: Member, principal: Principal, *, tags: Sequence[str], vis: Visibility
) -> MemberOut | MemberNameOut:
    """The view of ``member`` the caller may see.

    * Without ``members.read`` over the member's unit (treasurers hold only ``members.read_names``):
      names only — number, employee number, name, unit and status (domain.md §0 "names only").
    * Phone and email unmasked only for callers who may edit the member (``members.write``: officers);
      chairs, auditors and integrations see them masked.
    * The monthly wage only for callers who edit the member or record their dues (``dues.write``).
    * The resident ID is always masked here; the full value has its own audited endpoint.
    """
    unit = member.org_unit_id
    wage = member.monthly_wage_fen if unit in vis.wage else None
    if unit not in vis.full:
        return MemberNameOut(
            id=member.id,
            member_no=member.member_no,
            employee_no=member.employee_no,
            name=member.name,
            org_unit_id=unit,
            status=MemberStatusName(member.status),
            monthly_wage_fen=wage,
            version=member.version,
        )
    masked = unit not in vis.contact
    seen = mask_resident_id_view(member.national_id_masked, member.birth_date, full=unit in vis.national_id)
    return MemberOut.model_validate(
        {
            **member.model_dump(
                exclude={"national_id_cipher", "national_id_hmac", "phone", "email", "monthly_wage_fen"}
            ),
            "phone": mask_phone(member.phone) if masked else member.phone,
            "email": mask_email(member.email) if masked else member.email,
            "contact_masked": masked,
            "national_id_masked": seen.national_id_masked,
            "birth_date": seen.birth_date,
            "birth_year": seen.birth_year,
            "monthly_wage_fen": wage,
            "tags": list(tags),
        }
    )


def to_outs(
    session: Session, members: Sequence[Member], principal: Principal, *, within: Sequence[uuid.UUID] = ()
) -> list[MemberOut | MemberNameOut]:
    """Views of a page of members: tags and visibility in one query each, whatever the page size.
    ``within``: see :func:`visibility` (pass it only for members loaded through that scope)."""
    tags = tags_of(session, [m.id for m in members])
    vis = visibility(session, principal, {m.org_unit_id for m in members}, within=within)
    return [to_out(m, principal, tags=tags[m.id], vis=vis) for m in members]


def to_out_one(
    session: Session, member: Member, principal: Principal, *, loaded_in_scope: bool = False
) -> MemberOut | MemberNameOut:
    """``loaded_in_scope``: ``member`` was just loaded by :func:`get_in_scope` for the route's permission
    and not moved since, so its unit lies under ``principal.units_for()``."""
    return to_outs(session, [member], principal, within=principal.units_for() if loaded_in_scope else ())[0]


def list_events(
    session: Session, member: Member, *, limit: int, cursor: str | None
) -> tuple[list[MemberEvent], str | None]:
    stmt = select(MemberEvent).where(MemberEvent.member_id == member.id)
    return keyset(session, stmt, keys=[MemberEvent.id], limit=limit, cursor=cursor)


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
    stmt = select(Member.id).where(Member.national_id_hmac == digest)
    if exclude is not None:
        stmt = stmt.where(Member.id != exclude)
    clash = session.execute(stmt).first()
    if clash is not None:
        # only the fact: the record may belong to another union, whose numbers are not the caller's to see
        raise Conflict("member_national_id_taken")
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
        select(OrgUnit).where(OrgUnit.id == unit_id, in_scope(OrgUnit.id, by.units_for()))
    ).first()
    if unit is None:
        raise RuleViolation("not_found", field="org_unit_id")
    if unit.status != "active":
        raise RuleViolation("org_unit_closed", field="org_unit_id", code=unit.code)
    return unit


def _check_representative(status: str) -> None:
    """Retained and former members have no vote, so cannot represent (domain.md §1 [L])."""
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
        session.execute(sa.delete(MemberTag).where(MemberTag.member_id == member.id, MemberTag.tag.in_(gone)))
    session.add_all(MemberTag(member_id=member.id, tag=t) for t in new if t not in set(old))


# --- writing -------------------------------------------------------------------------------------


def create(session: Session, data: MemberCreate, *, vault: PiiVault, by: Principal) -> Member:
    """Register a member with a grassroots union (domain.md §1 Record).

    Membership dates from approval (章程 Art 2): an ``active`` member's join date defaults to today;
    an ``applied`` one has none until approved. The resident ID is validated (GB 11643), stored only
    encrypted with a keyed hash for uniqueness (one person, one membership: 会籍办法 Art 3).
    """
    unit = _unit_for(session, data.org_unit_id, by)
    grassroots = grassroots_of(session, unit.id)
    rid = parse_national_id(data.national_id)
    gender, birth_date = _agree(rid, data.gender, data.birth_date)
    status = MemberStatus(data.status)
    if status is MemberStatus.applied and data.join_date is not None:
        raise RuleViolation("member_not_approved", field="join_date")
    _not_future(data.join_date, "join_date")
    join_date = None if status is MemberStatus.applied else (data.join_date or date.today())
    if data.is_representative:
        _check_representative(status)
    check_employee_no(session, grassroots.id, data.employee_no)
    check_national_id(session, vault, rid)
    protected = protect_national_id(vault, rid)
    [member_no] = allocate_member_numbers(session, grassroots)
    member = Member(
        member_no=member_no,
        employee_no=data.employee_no,
        org_unit_id=unit.id,
        grassroots_unit_id=grassroots.id,
        name=data.name,
        gender=gender,
        birth_date=birth_date,
        national_id_cipher=protected.cipher,
        national_id_hmac=protected.hmac,
        national_id_masked=protected.masked,
        phone=data.phone,
        email=str(data.email) if data.email else None,
        join_date=join_date,
        status=status.value,
        status_changed_on=join_date or date.today(),
        is_representative=data.is_representative,
        monthly_wage_fen=data.monthly_wage_fen,
        notes=data.notes,
    )
    session.add(member)
    _flush(session)
    _set_tags(session, member, [], data.tags)
    session.add(
        MemberEvent(
            member_id=member.id,
            kind="joined" if status is MemberStatus.active else "applied",
            from_status=None,
            to_status=status.value,
            effective_on=member.status_changed_on,
            org_unit_id=unit.id,
            actor_id=by.user_id,
        )
    )
    audit.record(
        session,
        by,
        "member.created",
        entity_type="member",
        entity_id=member.id,
        org_unit_id=unit.id,
        changes=audit.created(_snapshot(member, data.tags)),
    )
    changes.record(session, "member", member.id, "created", org_unit_id=unit.id, version=member.version)
    _flush(session)
    session.commit()
    return member


_REQUIRED = ("employee_no", "name", "national_id", "gender", "birth_date")


def update(
    session: Session, member: Member, data: MemberUpdate, *, version: int, vault: PiiVault, by: Principal
) -> Member:
    """Correct a record. Same rules as creation; status changes go through :func:`change_status`, and a
    move to another grassroots union is a transfer (会籍接转), not an edit."""
    expect_version(member, version)
    given = data.model_dump(exclude_unset=True)
    for key in _REQUIRED:
        if key in given and given[key] is None:
            raise RuleViolation("validation_failed", field=key, count=1)
    old_tags = tags_of(session, [member.id])[member.id]
    before = _snapshot(member, old_tags)

    if "org_unit_id" in given and given["org_unit_id"] not in (None, member.org_unit_id):
        if member.status == MemberStatus.transfer_pending:
            # the member belongs to the sending unit until the transfer is decided (会籍接转)
            raise Conflict("member_transfer_pending", current=member.status)
        unit = _unit_for(session, given["org_unit_id"], by)
        if grassroots_of(session, unit.id).id != member.grassroots_unit_id:
            raise RuleViolation("member_unit_needs_transfer", field="org_unit_id")
        member.org_unit_id = unit.id
    elif "org_unit_id" in given and given["org_unit_id"] is None:
        raise RuleViolation("validation_failed", field="org_unit_id", count=1)

    if "employee_no" in given and given["employee_no"] != member.employee_no:
        check_employee_no(session, member.grassroots_unit_id, given["employee_no"], exclude=member.id)
        member.employee_no = given["employee_no"]

    rid: ResidentId | None = None
    if "national_id" in given:
        rid = parse_national_id(given["national_id"])
        digest = check_national_id(session, vault, rid, exclude=member.id)
        if digest != member.national_id_hmac:
            protected = protect_national_id(vault, rid)
            member.national_id_cipher, member.national_id_hmac = protected.cipher, protected.hmac
            member.national_id_masked = protected.masked
    if rid is not None or "gender" in given or "birth_date" in given:
        rid = rid or parse_resident_id(vault.decrypt(member.national_id_cipher))
        member.gender, member.birth_date = _agree(rid, given.get("gender"), given.get("birth_date"))

    if "join_date" in given:
        if given["join_date"] is not None and member.status == MemberStatus.applied:
            raise RuleViolation("member_not_approved", field="join_date")
        _not_future(given["join_date"], "join_date")
        member.join_date = given["join_date"]
    if given.get("is_representative"):
        _check_representative(member.status)
    for key in ("name", "phone", "is_representative", "monthly_wage_fen", "notes"):
        if key in given:
            if key == "is_representative" and given[key] is None:
                raise RuleViolation("validation_failed", field=key, count=1)
            setattr(member, key, given[key])
    if "email" in given:
        member.email = str(given["email"]) if given["email"] else None
    new_tags = old_tags if given.get("tags") is None else given["tags"]
    if "tags" in given:
        _set_tags(session, member, old_tags, new_tags)

    after = _snapshot(member, new_tags)
    if after == before:
        return member
    member.updated_at = utcnow()
    audit.record(
        session,
        by,
        "member.updated",
        entity_type="member",
        entity_id=member.id,
        org_unit_id=member.org_unit_id,
        changes=audit.diff(before, after),
    )
    _flush(session)
    changes.record(
        session, "member", member.id, "updated", org_unit_id=member.org_unit_id, version=member.version
    )
    session.commit()
    return member


def read_national_id(session: Session, member: Member, *, vault: PiiVault, by: Principal) -> str:
    """The full resident ID, for roles domain.md §0 allows (chair, officer; a member for themselves).

    Every read is audited (``member.national_id_read``) without the value, and committed before the
    value is returned.
    """
    value = vault.decrypt(member.national_id_cipher)
    audit.record(
        session,
        by,
        "member.national_id_read",
        entity_type="member",
        entity_id=member.id,
        org_unit_id=member.org_unit_id,
    )
    session.commit()
    return value


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _check_lapsed(session: Session, member: Member, effective_on: date) -> None:
    """章程 Art 6: deemed withdrawn only after 6 consecutive months with no dues paid.

    The months counted are the 6 full months before the month of ``effective_on``; a payment for any
    of them, or joining during them, means the member has not lapsed. (Participation is not recorded
    here; the officer attests it by the reason.)
    """
    since = _months_before(effective_on, LAPSE_MONTHS)
    last_paid = session.execute(
        select(sa.func.max(DuesPayment.period)).where(DuesPayment.member_id == member.id)
    ).scalar_one_or_none()
    latest = max((d for d in (last_paid, member.join_date) if d is not None), default=None)
    if latest is not None and latest >= since:
        raise RuleViolation("member_not_lapsed", field="action", last=latest.isoformat())


def record_event(
    session: Session,
    member: Member,
    action: LifecycleAction,
    effective_on: date,
    reason: str | None,
    by: Principal | None,
    *,
    org_unit_id: uuid.UUID | None = None,
) -> MemberEvent:
    """Apply one lifecycle step of domain.md §1 (TRANSITIONS in member_core), without committing.

    An illegal step is 409 ``member_illegal_transition`` naming the ``current`` status. The step sets
    status, reason and date, writes a ``MemberEvent`` (at ``org_unit_id``, default the member's unit),
    clears the representative flag when leaving a voting status (retained members lose voting rights
    [L]), sets the join date on approval (章程 Art 2), and writes the audit event and the change feed.
    """
    transition = TRANSITIONS[action]
    current = MemberStatus(member.status)
    if current not in transition.source:
        raise Conflict("member_illegal_transition", current=current.value, action=action.value)
    if transition.needs_reason and not reason:
        raise RuleViolation("member_reason_required", field="reason", action=action.value)
    if member.status_changed_on is not None and effective_on < member.status_changed_on:
        raise RuleViolation(
            "member_effective_before_last", field="effective_on", last=member.status_changed_on.isoformat()
        )
    if action is LifecycleAction.deem_withdrawn:
        _check_lapsed(session, member, effective_on)
    before = audit.snapshot(member, AUDITED_FIELDS)
    member.status = transition.target.value
    member.status_reason = reason
    member.status_changed_on = effective_on
    if transition.target not in VOTING:
        member.is_representative = False
    if action is LifecycleAction.approve:
        member.join_date = effective_on
    member.updated_at = utcnow()
    event = MemberEvent(
        member_id=member.id,
        kind=action.value,
        from_status=current.value,
        to_status=transition.target.value,
        effective_on=effective_on,
        reason=reason,
        org_unit_id=org_unit_id or member.org_unit_id,
        actor_id=by.user_id if by else None,
    )
    session.add(event)
    if current is MemberStatus.transfer_pending:
        # Death ends membership: a transfer still waiting for the receiving union is closed with it.
        session.execute(
            sa.update(MemberTransfer)
            .where(MemberTransfer.member_id == member.id, MemberTransfer.status == "pending")
            .values(
                status="cancelled",
                decision_reason=f"member {action.value}",
                decided_at=utcnow(),
                version=MemberTransfer.version + 1,
            )
        )
    diff = audit.diff(before, audit.snapshot(member, AUDITED_FIELDS))
    audit.record(
        session,
        by,
        f"member.{action.value}",
        entity_type="member",
        entity_id=member.id,
        org_unit_id=member.org_unit_id,
        changes={**diff, "effective_on": effective_on, "reason": reason},
    )
    _flush(session)
    changes.record(
        session, "member", member.id, "status_changed", org_unit_id=member.org_unit_id, version=member.version
    )
    return event


def change_status(
    session: Session, member: Member, data: LifecycleIn, *, version: int, by: Principal
) -> Member:
    """POST /members/{id}/lifecycle: one step of the state machine, dated no later than today."""
    expect_version(member, version)
    action = LifecycleAction(data.action.value)
    if action in TRANSFER_ACTIONS:  # the schema excludes them; transfers have their own endpoints
        raise RuleViolation("validation_failed", field="action", count=1)
    effective_on = data.effective_on or date.today()
    _not_future(effective_on, "effective_on")
    record_event(session, member, action, effective_on, data.reason, by)
    session.commit()
    return member


# --- accounts and self-service ---------------------------------------------------------------------


def create_account(
    session: Session, member: Member, data: MemberAccountIn, *, by: Principal
) -> tuple[User, str]:
    """A login for the member: role ``member`` at their unit, linked to the record, with a one-time
    password that must be changed at first login (users.create_user)."""
    existing = session.exec(select(User.username).where(User.member_id == member.id)).first()
    if existing is not None:
        raise Conflict("member_account_exists", username=existing)
    if MemberStatus(member.status) not in ACCOUNT_STATUSES:
        raise Conflict("member_not_current", current=member.status)
    user, shown = users.create_user(
        session,
        username=data.username or member.member_no.lower(),
        display_name=member.name,
        org_unit_id=member.org_unit_id,
        kind=UserKind.human,
        email=member.email,
        member_id=member.id,
        by=by,
    )
    assert shown is not None  # a human without a password always gets a one-time one
    grant = Grant(user_id=user.id, role="member", org_unit_id=member.org_unit_id, granted_by_id=by.user_id)
    session.add(grant)
    session.flush()
    audit.record(
        session,
        by,
        "grant.added",
        entity_type="user",
        entity_id=user.id,
        org_unit_id=member.org_unit_id,
        changes={
            "after": {"grant_id": str(grant.id), "role": "member", "org_unit_id": str(member.org_unit_id)}
        },
    )
    audit.record(
        session,
        by,
        "member.account_created",
        entity_type="member",
        entity_id=member.id,
        org_unit_id=member.org_unit_id,
        changes={"after": {"user_id": str(user.id), "username": user.username}},
    )
    session.commit()
    return user, shown


def get_own(session: Session, principal: Principal) -> Member:
    """The caller's own member record (their account's link); 404 when the account has none."""
    member = session.get(Member, principal.member_id) if principal.member_id else None
    if member is None:
        raise NotFound("member_not_linked")
    return member


def own_out(session: Session, member: Member) -> MemberSelfOut:
    return MemberSelfOut.model_validate(
        {**member.model_dump(), "tags": tags_of(session, [member.id])[member.id]}
    )


def update_contact(
    session: Session, member: Member, data: MemberContactUpdate, *, version: int, by: Principal
) -> Member:
    """A member corrects their own phone and email (domain.md §0: "own contact details")."""
    expect_version(member, version)
    before = audit.snapshot(member, ("phone", "email"))
    given = data.model_dump(exclude_unset=True)
    if "phone" in given:
        member.phone = given["phone"]
    if "email" in given:
        member.email = str(given["email"]) if given["email"] else None
    after = audit.snapshot(member, ("phone", "email"))
    if after == before:
        return member
    member.updated_at = utcnow()
    audit.record(
        session,
        by,
        "member.contact_updated",
        entity_type="member",
        entity_id=member.id,
        org_unit_id=member.org_unit_id,
        changes=audit.diff(before, after),
    )
    _flush(session)
    changes.record(
        session, "member", member.id, "updated", org_unit_id=member.org_unit_id, version=member.version
    )
    session.commit()
    return member
