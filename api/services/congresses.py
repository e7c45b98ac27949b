"""Workers' congresses, who their representatives are, and the departments that answer motions
(domain.md §3).

Representatives are computed, not copied: members flagged as representatives within the congress
unit's subtree whose status still carries a vote (retained members lose it, domain.md §1 [L]), plus
the members an officer added for this congress, minus those removed. A member record changing status
changes the list at once.
"""

from __future__ import annotations

import calendar
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, select

from api.config import Settings
from api.db.models import (
    Congress,
    CongressRepresentativeOverride,
    Department,
    DepartmentHandler,
    Grant,
    Member,
    OrgUnit,
    OrgUnitClosure,
    User,
)
from api.db.types import utcnow
from api.errors import Conflict, NotFound, RuleViolation
from api.i18n import register
from api.schemas.congresses import (
    CongressCreate,
    CongressUpdate,
    DepartmentCreate,
    DepartmentOut,
    DepartmentUpdate,
    HandlerAdd,
    RepresentativeAdd,
    RepresentativeOut,
    RepresentativeSource,
)
from api.security.permissions import Role
from api.security.principal import Principal
from api.services import audit
from api.services.concurrency import expect_version
from api.services.member_core import VOTING, referenced_member
from api.services.pagination import keyset
from api.services.scope import in_scope, unit_within

register(
    {
        "congress_deadline_after_opening": (
            "The motion deadline {deadline} must not be after the opening date {opening}.",
            "提案截止日期 {deadline} 不能晚于开幕日期 {opening}。",
        ),
        "congress_already_representative": (
            "This member is already a representative of the congress.",
            "该会员已是本次大会的代表。",
        ),
        "congress_not_representative": (
            "This member is not a representative of the congress.",
            "该会员不是本次大会的代表。",
        ),
        "congress_representative_not_voting": (
            "Only members with voting rights can be representatives (status {member_status}; retained members have none).",
            "只有享有表决权的会员才能担任代表（当前状态 {member_status}；保留会籍人员不享有表决权）。",
        ),
        "department_name_taken": (
            "A department named {value} already exists in this union.",
            "本工会已有名为 {value} 的部门。",
        ),
        "department_unit_not_grassroots": (
            "Departments belong to a grassroots union.",
            "承办部门须隶属于基层工会。",
        ),
        "department_user_not_handler": (
            "The user holds no handler role over this department's union.",
            "该用户在此部门所属工会没有承办人角色。",
        ),
        "department_handler_exists": (
            "The user is already attached to this department.",
            "该用户已是此部门的承办人。",
        ),
        "department_handler_not_attached": (
            "The user is not attached to this department.",
            "该用户不是此部门的承办人。",
        ),
    }
)

#: China has one time zone and no daylight saving: dates of deadlines are dates in UTC+8
CHINA = timezone(timedelta(hours=8))

#: roles that see congresses and departments by org scope; members see the congresses over their unit
SCOPE_READERS = frozenset({Role.chair, Role.officer, Role.auditor, Role.handler})

CONGRESS_FIELDS = (
    "org_unit_id",
    "name",
    "opening_on",
    "motion_deadline_on",
    "reply_months",
    "min_cosigners",
    "satisfaction_scale",
)
DEPARTMENT_FIELDS = ("org_unit_id", "name", "is_active")


def today() -> date:
    """Today's date in China; deadlines and due dates are compared against it (tests replace it)."""
    return datetime.now(CHINA).date()


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, clamped to the month's last day (31 Dec + 2 months = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def roots(principal: Principal, roles: frozenset[Role] | set[Role]) -> list[uuid.UUID]:
    """Roots of the subtrees where the caller holds one of ``roles``."""
    return sorted({g.org_unit_id for g in principal.grants if g.role in roles})


def units_over_member(member_id: uuid.UUID) -> sa.Select[Any]:
    """``SELECT`` the member's own unit and every unit above it."""
    unit = select(Member.org_unit_id).where(Member.id == member_id).scalar_subquery()
    return select(OrgUnitClosure.ancestor_id).where(OrgUnitClosure.descendant_id == unit)


def is_opened(congress: Congress) -> bool:
    return congress.opening_on <= today()


# --- congresses ---------------------------------------------------------------------------------


def congress_visibility(principal: Principal) -> ColumnElement[bool]:
    """Chairs, officers, auditors and handlers: by org scope; members: congresses of their own union."""
    clauses: list[ColumnElement[bool]] = []
    scoped = roots(principal, SCOPE_READERS)
    if scoped:
        clauses.append(in_scope(Congress.org_unit_id, scoped))
    if Role.member in principal.roles() and principal.member_id is not None:
        clauses.append(Congress.org_unit_id.in_(units_over_member(principal.member_id)))
    return sa.or_(*clauses) if clauses else sa.false()


def get_visible(session: Session, congress_id: uuid.UUID, principal: Principal) -> Congress:
    congress = session.exec(
        select(Congress).where(Congress.id == congress_id, congress_visibility(principal))
    ).first()
    if congress is None:
        raise NotFound()
    return congress


def list_congresses(
    session: Session,
    principal: Principal,
    *,
    limit: int,
    cursor: str | None,
    under: uuid.UUID | None = None,
    opening_from: date | None = None,
    q: str | None = None,
) -> tuple[list[Congress], str | None]:
    stmt = select(Congress).where(congress_visibility(principal))
    if under is not None:
        stmt = stmt.where(in_scope(Congress.org_unit_id, [under]))
    if opening_from is not None:
        stmt = stmt.where(Congress.opening_on >= opening_from)
    if q:
        stmt = stmt.where(Congress.name.like(f"%{q}%"))
    return keyset(session, stmt, keys=[Congress.id], limit=limit, cursor=cursor)


def _managed_unit(session: Session, unit_id: uuid.UUID, principal: Principal, field: str) -> OrgUnit:
    unit = session.get(OrgUnit, unit_id)
    if unit is None or not unit_within(session, unit.id, principal.units_for("congresses.manage")):
        raise RuleViolation("not_found", field=field)
    if unit.status != "active":
        raise RuleViolation("org_unit_closed", field=field, code=unit.code)
    return unit


def _check_dates(congress: Congress) -> None:
    if congress.motion_deadline_on > congress.opening_on:
        raise RuleViolation(
            "congress_deadline_after_opening",
            field="motion_deadline_on",
            deadline=congress.motion_deadline_on.isoformat(),
            opening=congress.opening_on.isoformat(),
        )


def create(session: Session, data: CongressCreate, *, settings: Settings, by: Principal) -> Congress:
    """Defaults come from configuration (domain.md §3 [L]): deadline 15 days before opening, replies
    within 2 months, 2 co-signers."""
    unit = _managed_unit(session, data.org_unit_id, by, "org_unit_id")
    congress = Congress(
        org_unit_id=unit.id,
        name=data.name,
        opening_on=data.opening_on,
        motion_deadline_on=data.motion_deadline_on
        or data.opening_on - timedelta(days=settings.motion_deadline_days_before),
        reply_months=data.reply_months or settings.motion_reply_months,
        min_cosigners=settings.motion_min_cosigners if data.min_cosigners is None else data.min_cosigners,
        satisfaction_scale=data.satisfaction_scale.value,
    )
    _check_dates(congress)
    session.add(congress)
    session.flush()
    audit.record(
        session,
        by,
        "congress.created",
        entity_type="congress",
        entity_id=congress.id,
        org_unit_id=congress.org_unit_id,
        changes=audit.created(audit.snapshot(congress, CONGRESS_FIELDS)),
    )
    session.commit()
    return congress


def _require_manage(session: Session, unit_id: uuid.UUID, principal: Principal) -> None:
    """Readers of a congress or department who may not manage it get 404, as if it were out of scope."""
    if not unit_within(session, unit_id, principal.units_for("congresses.manage")):
        raise NotFound()


def update(
    session: Session, congress: Congress, data: CongressUpdate, *, version: int, by: Principal
) -> Congress:
    _require_manage(session, congress.org_unit_id, by)
    expect_version(congress, version)
    before = audit.snapshot(congress, CONGRESS_FIELDS)
    for key, value in data.model_dump(exclude_unset=True).items():
        if value is None:
            raise RuleViolation("validation_failed", field=key, count=1)
        setattr(congress, key, value.value if hasattr(value, "value") else value)
    _check_dates(congress)
    after = audit.snapshot(congress, CONGRESS_FIELDS)
    if after == before:
        return congress
    congress.updated_at = utcnow()
    audit.record(
        session,
        by,
        "congress.updated",
        entity_type="congress",
        entity_id=congress.id,
        org_unit_id=congress.org_unit_id,
        changes=audit.diff(before, after),
    )
    session.commit()
    return congress


# --- representatives ----------------------------------------------------------------------------


def _overrides(congress_id: uuid.UUID, action: str) -> sa.Select[Any]:
    return select(CongressRepresentativeOverride.member_id).where(
        CongressRepresentativeOverride.congress_id == congress_id,
        CongressRepresentativeOverride.action == action,
    )


def representative_clause(congress: Congress) -> ColumnElement[bool]:
    """SQL over ``member``: is this member a representative of ``congress`` (domain.md §3: only
    representatives submit or co-sign; §1: retained members have no vote)."""
    return sa.and_(
        Member.status.in_([s.value for s in VOTING]),
        sa.or_(
            sa.and_(
                Member.is_representative.is_(True),
                in_scope(Member.org_unit_id, [congress.org_unit_id]),
                Member.id.not_in(_overrides(congress.id, "remove")),
            ),
            Member.id.in_(_overrides(congress.id, "add")),
        ),
    )


def is_representative(session: Session, congress: Congress, member_id: uuid.UUID | None) -> bool:
    if member_id is None:
        return False
    stmt = select(Member.id).where(Member.id == member_id, representative_clause(congress))
    return session.exec(stmt).first() is not None


def list_representatives(
    session: Session, congress: Congress, *, limit: int, cursor: str | None, q: str | None = None
) -> tuple[list[RepresentativeOut], str | None]:
    source = sa.case(
        (Member.id.in_(_overrides(congress.id, "add")), RepresentativeSource.added.value),
        else_=RepresentativeSource.flagged.value,
    ).label("source")
    stmt = select(Member.id, Member.member_no, Member.name, Member.org_unit_id, source).where(
        representative_clause(congress)
    )
    if q:
        stmt = stmt.where(sa.or_(Member.name.like(f"%{q}%"), Member.member_no.like(f"%{q}%")))
    rows, next_cursor = keyset(session, stmt, keys=[Member.id], limit=limit, cursor=cursor, scalars=False)
    items = [
        RepresentativeOut(
            member_id=r.id,
            member_no=r.member_no,
            name=r.name,
            org_unit_id=r.org_unit_id,
            source=RepresentativeSource(r.source),
        )
        for r in rows
    ]
    return items, next_cursor


def _touch(obj: Congress | Department) -> None:
    """Bump the version: the representative list or the handlers are part of what the ETag covers."""
    obj.updated_at = utcnow()


def add_representative(
    session: Session, congress: Congress, data: RepresentativeAdd, *, version: int, by: Principal
) -> RepresentativeOut:
    """Officers add a member of the congress's union as representative for this congress; only a
    member with voting rights qualifies (domain.md §1 [L]: retained members lose voting rights)."""
    _require_manage(session, congress.org_unit_id, by)
    expect_version(congress, version)
    member = referenced_member(session, data.member_id, [congress.org_unit_id])
    if member.status not in {s.value for s in VOTING}:
        raise RuleViolation(
            "congress_representative_not_voting", field="member_id", member_status=member.status
        )
    if is_representative(session, congress, member.id):
        raise Conflict("congress_already_representative")
    existing = session.get(CongressRepresentativeOverride, (congress.id, member.id))
    if existing is not None:
        session.delete(existing)
        session.flush()
    if not is_representative(session, congress, member.id):
        session.add(
            CongressRepresentativeOverride(
                congress_id=congress.id,
                member_id=member.id,
                action="add",
                reason=data.reason,
                created_by_id=by.user_id,
            )
        )
    _touch(congress)
    audit.record(
        session,
        by,
        "congress.representative_added",
        entity_type="congress",
        entity_id=congress.id,
        org_unit_id=congress.org_unit_id,
        changes={"member_id": str(member.id), "reason": data.reason},
    )
    session.commit()
    source = (
        RepresentativeSource.added
        if existing is None or existing.action != "remove"
        else RepresentativeSource.flagged
    )
    return RepresentativeOut(
        member_id=member.id,
        member_no=member.member_no,
        name=member.name,
        org_unit_id=member.org_unit_id,
        source=source,
    )


def remove_representative(
    session: Session, congress: Congress, member_id: uuid.UUID, *, version: int, by: Principal
) -> None:
    _require_manage(session, congress.org_unit_id, by)
    expect_version(congress, version)
    if not is_representative(session, congress, member_id):
        raise Conflict("congress_not_representative")
    existing = session.get(CongressRepresentativeOverride, (congress.id, member_id))
    if existing is not None:
        session.delete(existing)
        session.flush()
    if is_representative(session, congress, member_id):  # still flagged on the member record
        session.add(
            CongressRepresentativeOverride(
                congress_id=congress.id, member_id=member_id, action="remove", created_by_id=by.user_id
            )
        )
    _touch(congress)
    audit.record(
        session,
        by,
        "congress.representative_removed",
        entity_type="congress",
        entity_id=congress.id,
        org_unit_id=congress.org_unit_id,
        changes={"member_id": str(member_id)},
    )
    session.commit()


# --- departments --------------------------------------------------------------------------------


def department_visibility(principal: Principal) -> ColumnElement[bool]:
    scoped = roots(principal, SCOPE_READERS)
    return in_scope(Department.org_unit_id, scoped)


def get_department(session: Session, department_id: uuid.UUID, principal: Principal) -> Department:
    dept = session.exec(
        select(Department).where(Department.id == department_id, department_visibility(principal))
    ).first()
    if dept is None:
        raise NotFound()
    return dept


def list_departments(
    session: Session,
    principal: Principal,
    *,
    limit: int,
    cursor: str | None,
    org_unit_id: uuid.UUID | None = None,
    is_active: bool | None = None,
    mine: bool = False,
) -> tuple[list[Department], str | None]:
    stmt = select(Department).where(department_visibility(principal))
    if org_unit_id is not None:
        stmt = stmt.where(Department.org_unit_id == org_unit_id)
    if is_active is not None:
        stmt = stmt.where(Department.is_active == is_active)
    if mine:
        stmt = stmt.where(Department.id.in_(handler_department_ids(principal)))
    return keyset(session, stmt, keys=[Department.id], limit=limit, cursor=cursor)


def present_departments(session: Session, departments: list[Department]) -> list[DepartmentOut]:
    """Departments with their handler ids, loaded in one query."""
    ids = [d.id for d in departments]
    handlers: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    if ids:
        rows = session.execute(
            select(DepartmentHandler.department_id, DepartmentHandler.user_id)
            .where(DepartmentHandler.department_id.in_(ids))
            .order_by(DepartmentHandler.created_at, DepartmentHandler.user_id)
        ).all()
        for dept_id, user_id in rows:
            handlers[dept_id].append(user_id)
    return [
        DepartmentOut.model_validate({**d.model_dump(), "handler_ids": handlers[d.id]}) for d in departments
    ]


def create_department(session: Session, data: DepartmentCreate, *, by: Principal) -> Department:
    unit = _managed_unit(session, data.org_unit_id, by, "org_unit_id")
    if unit.kind != "grassroots":
        raise RuleViolation("department_unit_not_grassroots", field="org_unit_id")
    if session.exec(
        select(Department.id).where(Department.org_unit_id == unit.id, Department.name == data.name)
    ).first():
        raise Conflict("department_name_taken", value=data.name)
    dept = Department(org_unit_id=unit.id, name=data.name)
    session.add(dept)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict("department_name_taken", value=data.name) from None
    audit.record(
        session,
        by,
        "department.created",
        entity_type="department",
        entity_id=dept.id,
        org_unit_id=dept.org_unit_id,
        changes=audit.created(audit.snapshot(dept, DEPARTMENT_FIELDS)),
    )
    session.commit()
    return dept


def update_department(
    session: Session, dept: Department, data: DepartmentUpdate, *, version: int, by: Principal
) -> Department:
    _require_manage(session, dept.org_unit_id, by)
    expect_version(dept, version)
    before = audit.snapshot(dept, DEPARTMENT_FIELDS)
    changes = data.model_dump(exclude_unset=True)
    for key, value in changes.items():
        if value is None:
            raise RuleViolation("validation_failed", field=key, count=1)
        setattr(dept, key, value)
    after = audit.snapshot(dept, DEPARTMENT_FIELDS)
    if after == before:
        return dept
    if (
        "name" in changes
        and session.exec(
            select(Department.id).where(
                Department.org_unit_id == dept.org_unit_id,
                Department.name == dept.name,
                Department.id != dept.id,
            )
        ).first()
    ):
        raise Conflict("department_name_taken", value=dept.name)
    dept.updated_at = utcnow()
    audit.record(
        session,
        by,
        "department.updated",
        entity_type="department",
        entity_id=dept.id,
        org_unit_id=dept.org_unit_id,
        changes=audit.diff(before, after),
    )
    session.commit()
    return dept


def _holds_handler_over(session: Session, user_id: uuid.UUID, unit_id: uuid.UUID) -> bool:
    stmt = (
        select(Grant.id)
        .join(OrgUnitClosure, OrgUnitClosure.ancestor_id == Grant.org_unit_id)
        .where(
            Grant.user_id == user_id,
            Grant.role == Role.handler.value,
            OrgUnitClosure.descendant_id == unit_id,
        )
        .limit(1)
    )
    return session.exec(stmt).first() is not None


def add_handler(
    session: Session, dept: Department, data: HandlerAdd, *, version: int, by: Principal
) -> Department:
    """Attach a user who holds the handler role over the department's union."""
    _require_manage(session, dept.org_unit_id, by)
    expect_version(dept, version)
    user = session.get(User, data.user_id)
    if user is None or not user.is_active:
        raise RuleViolation("not_found", field="user_id")
    if not _holds_handler_over(session, user.id, dept.org_unit_id):
        raise RuleViolation("department_user_not_handler", field="user_id")
    if session.get(DepartmentHandler, (dept.id, user.id)) is not None:
        raise Conflict("department_handler_exists")
    session.add(DepartmentHandler(department_id=dept.id, user_id=user.id))
    _touch(dept)
    audit.record(
        session,
        by,
        "department.handler_added",
        entity_type="department",
        entity_id=dept.id,
        org_unit_id=dept.org_unit_id,
        changes={"user_id": str(user.id)},
    )
    session.commit()
    return dept


def remove_handler(
    session: Session, dept: Department, user_id: uuid.UUID, *, version: int, by: Principal
) -> Department:
    _require_manage(session, dept.org_unit_id, by)
    expect_version(dept, version)
    link = session.get(DepartmentHandler, (dept.id, user_id))
    if link is None:
        raise Conflict("department_handler_not_attached")
    session.delete(link)
    _touch(dept)
    audit.record(
        session,
        by,
        "department.handler_removed",
        entity_type="department",
        entity_id=dept.id,
        org_unit_id=dept.org_unit_id,
        changes={"user_id": str(user_id)},
    )
    session.commit()
    return dept


def handler_department_ids(principal: Principal) -> sa.Select[Any]:
    """``SELECT`` the departments the caller answers for: attached to them, within a handler grant."""
    handler_roots = roots(principal, {Role.handler})
    return (
        select(DepartmentHandler.department_id)
        .join(Department, Department.id == DepartmentHandler.department_id)
        .where(
            DepartmentHandler.user_id == principal.user_id, in_scope(Department.org_unit_id, handler_roots)
        )
    )


def department_serves(session: Session, dept: Department, congress: Congress) -> bool:
    """A department can answer a congress's motions when it belongs to the congress's union: the
    grassroots union holding the congress (or above it), or a union inside the congress's subtree."""
    return unit_within(session, dept.org_unit_id, [congress.org_unit_id]) or unit_within(
        session, congress.org_unit_id, [dept.org_unit_id]
    )
