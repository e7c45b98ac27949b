"""Who sees which motion: the one SQL WHERE clause over ``motion`` for the caller (lists,
load-by-id, the report and the task inbox all use it), loading one motion, and the list query.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col, select

from api.db.models import (
    Congress,
    Motion,
    MotionDepartment,
    MotionSignatory,
)
from api.errors import NotFound
from api.schemas.motions import (
    MotionCategory,
    MotionKind,
    MotionStatus,
)
from api.security.permissions import Role
from api.security.principal import Principal
from api.services import congresses
from api.services.motions.workflow import AWAITING_REPLY, REGISTERED, SCOPE_READERS, S, status_values, today
from api.services.pagination import keyset
from api.services.scope import in_scope

# --- who sees what ------------------------------------------------------------------------------


def motion_visibility(principal: Principal) -> ColumnElement[bool]:
    """SQL over ``motion``: what the caller may see (docs/rules.md §0 role matrix, §3).

    Chairs, officers, auditors: every motion past the draft stage within their grants' subtrees.
    Handlers: motions assigned to their departments (lead or co-handling). Members: their own, those
    they signed, and every registered motion of the congresses of their union once the congress opened.
    """
    clauses: list[ColumnElement[bool]] = []
    scoped = congresses.roots(principal, SCOPE_READERS)
    if scoped:
        clauses.append(
            sa.and_(in_scope(col(Motion.org_unit_id), scoped), col(Motion.status) != S.draft.value)
        )
    roles = principal.roles()
    if Role.handler in roles:
        clauses.append(
            col(Motion.id).in_(
                select(MotionDepartment.motion_id).where(
                    col(MotionDepartment.department_id).in_(congresses.handler_department_ids(principal))
                )
            )
        )
    if Role.member in roles and principal.member_id is not None:
        mid = principal.member_id
        opened = select(Congress.id).where(
            col(Congress.opening_on) <= today(),
            col(Congress.org_unit_id).in_(congresses.units_over_member(mid)),
        )
        clauses += [
            col(Motion.proposer_member_id) == mid,
            col(Motion.id).in_(select(MotionSignatory.motion_id).where(MotionSignatory.member_id == mid)),
            sa.and_(col(Motion.status).in_(status_values(REGISTERED)), col(Motion.congress_id).in_(opened)),
        ]
    return sa.or_(*clauses) if clauses else sa.false()


def get_visible(session: Session, motion_id: uuid.UUID, principal: Principal) -> Motion:
    """Load a motion the caller may see, else 404.

    A draft is also readable (and co-signable) by id for every representative of its congress: the
    proposer passes the link to the colleagues they ask to co-sign, who sign it themselves.
    """
    motion = session.exec(select(Motion).where(Motion.id == motion_id, motion_visibility(principal))).first()
    if motion is not None:
        return motion
    if Role.member in principal.roles() and principal.member_id is not None:
        draft = session.get(Motion, motion_id)
        if draft is not None and draft.status == S.draft.value:
            congress = session.get(Congress, draft.congress_id)
            if congress is not None and congresses.is_representative(session, congress, principal.member_id):
                return draft
    raise NotFound()


def overdue_clause() -> ColumnElement[bool]:
    return sa.and_(col(Motion.status).in_(status_values(AWAITING_REPLY)), col(Motion.due_on) < today())


def list_motions(
    session: Session,
    principal: Principal,
    *,
    limit: int,
    cursor: str | None,
    congress_id: uuid.UUID | None = None,
    status: MotionStatus | None = None,
    kind: MotionKind | None = None,
    category: MotionCategory | None = None,
    department_id: uuid.UUID | None = None,
    proposer_member_id: uuid.UUID | None = None,
    overdue: bool | None = None,
    q: str | None = None,
) -> tuple[list[Motion], str | None]:
    stmt = select(Motion).where(motion_visibility(principal))
    if congress_id is not None:
        stmt = stmt.where(Motion.congress_id == congress_id)
    if status is not None:
        stmt = stmt.where(Motion.status == status.value)
    if kind is not None:
        stmt = stmt.where(Motion.kind == kind.value)
    if category is not None:
        stmt = stmt.where(Motion.category == category.value)
    if department_id is not None:
        stmt = stmt.where(
            col(Motion.id).in_(
                select(MotionDepartment.motion_id).where(MotionDepartment.department_id == department_id)
            )
        )
    if proposer_member_id is not None:
        stmt = stmt.where(Motion.proposer_member_id == proposer_member_id)
    if overdue is not None:
        stmt = stmt.where(overdue_clause() if overdue else sa.not_(overdue_clause()))
    if q:
        pattern = f"%{q}%"
        stmt = stmt.where(
            sa.or_(
                col(Motion.title).like(pattern),
                col(Motion.reasons).like(pattern),
                col(Motion.proposals).like(pattern),
            )
        )
    return keyset(session, stmt, keys=[col(Motion.id)], limit=limit, cursor=cursor)


# --- presenting ---------------------------------------------------------------------------------


def is_overdue(motion: Motion) -> bool:
    return motion.status in AWAITING_REPLY and motion.due_on is not None and motion.due_on < today()
