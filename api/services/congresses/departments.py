"""The departments that answer motions and their handlers: visibility, load, list, present, create, update,
add and remove handlers, and which departments a handler works for.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col, select

from api.db.models import (
    Congress,
    Department,
    DepartmentHandler,
    Grant,
    OrgUnitClosure,
    User,
)
from api.db.types import utcnow
from api.errors import Conflict, NotFound, RuleViolation
from api.schemas.congresses import (
    DepartmentCreate,
    DepartmentOut,
    DepartmentUpdate,
    HandlerAdd,
)
from api.security.permissions import Role
from api.security.principal import Principal
from api.services import audit
from api.services.concurrency import expect_version
from api.services.congresses.common import (
    DEPARTMENT_FIELDS,
    SCOPE_READERS,
    _managed_unit,
    _require_manage,
    _touch,
    roots,
)
from api.services.pagination import keyset
from api.services.scope import in_scope, unit_within

# --- departments --------------------------------------------------------------------------------


def department_visibility(principal: Principal) -> ColumnElement[bool]:
    scoped = roots(principal, SCOPE_READERS)
    return in_scope(col(Department.org_unit_id), scoped)


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
        stmt = stmt.where(col(Department.id).in_(handler_department_ids(principal)))
    return keyset(session, stmt, keys=[col(Department.id)], limit=limit, cursor=cursor)


def present_departments(session: Session, departments: list[Department]) -> list[DepartmentOut]:
    """Departments with their handler ids, loaded in one query."""
    ids = [d.id for d in departments]
    handlers: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    if ids:
        rows = session.execute(
            select(DepartmentHandler.department_id, DepartmentHandler.user_id)
            .where(col(DepartmentHandler.department_id).in_(ids))
            .order_by(col(DepartmentHandler.created_at), col(DepartmentHandler.user_id))
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
        .join(OrgUnitClosure, col(OrgUnitClosure.ancestor_id) == col(Grant.org_unit_id))
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
        .join(Department, col(Department.id) == col(DepartmentHandler.department_id))
        .where(
            col(DepartmentHandler.user_id) == principal.user_id,
            in_scope(col(Department.org_unit_id), handler_roots),
        )
    )


def department_serves(session: Session, dept: Department, congress: Congress) -> bool:
    """A department can answer a congress's motions when it belongs to the congress's union: the
    grassroots union holding the congress (or above it), or a union inside the congress's subtree."""
    return unit_within(session, dept.org_unit_id, [congress.org_unit_id]) or unit_within(
        session, congress.org_unit_id, [dept.org_unit_id]
    )
