"""Workers' congresses themselves: who sees which (the one SQL WHERE clause), load, list, create and
update."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col, select

from api.config import Settings
from api.db.models import (
    Congress,
)
from api.db.types import utcnow
from api.errors import NotFound, RuleViolation
from api.schemas.congresses import (
    CongressCreate,
    CongressUpdate,
)
from api.security.permissions import Role
from api.security.principal import Principal
from api.services import audit
from api.services.concurrency import expect_version
from api.services.congresses.common import (
    CONGRESS_FIELDS,
    SCOPE_READERS,
    _managed_unit,
    _require_manage,
    roots,
    units_over_member,
)
from api.services.pagination import keyset
from api.services.scope import in_scope

# --- congresses ---------------------------------------------------------------------------------


def congress_visibility(principal: Principal) -> ColumnElement[bool]:
    """Chairs, officers, auditors and handlers: by org scope; members: congresses of their own union."""
    clauses: list[ColumnElement[bool]] = []
    scoped = roots(principal, SCOPE_READERS)
    if scoped:
        clauses.append(in_scope(col(Congress.org_unit_id), scoped))
    if Role.member in principal.roles() and principal.member_id is not None:
        clauses.append(col(Congress.org_unit_id).in_(units_over_member(principal.member_id)))
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
        stmt = stmt.where(in_scope(col(Congress.org_unit_id), [under]))
    if opening_from is not None:
        stmt = stmt.where(Congress.opening_on >= opening_from)
    if q:
        stmt = stmt.where(col(Congress.name).like(f"%{q}%"))
    return keyset(session, stmt, keys=[col(Congress.id)], limit=limit, cursor=cursor)


def _check_dates(congress: Congress) -> None:
    if congress.motion_deadline_on > congress.opening_on:
        raise RuleViolation(
            "congress_deadline_after_opening",
            field="motion_deadline_on",
            deadline=congress.motion_deadline_on.isoformat(),
            opening=congress.opening_on.isoformat(),
        )


def create(session: Session, data: CongressCreate, *, settings: Settings, by: Principal) -> Congress:
    """Defaults come from configuration (docs/rules.md §3 [L]): deadline 15 days before opening, replies
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
