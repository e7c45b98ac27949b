"""The representatives of a congress: who is one (elected members plus per-congress overrides, as SQL),
list, add (members with voting rights only) and remove.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col, select

from api.db.models import (
    Congress,
    CongressRepresentativeOverride,
    Member,
)
from api.errors import Conflict, RuleViolation
from api.schemas.congresses import (
    RepresentativeAdd,
    RepresentativeOut,
    RepresentativeSource,
)
from api.security.principal import Principal
from api.services import audit
from api.services.concurrency import expect_version
from api.services.congresses.common import _require_manage, _touch
from api.services.member_core import VOTING, referenced_member
from api.services.pagination import keyset
from api.services.scope import in_scope

# --- representatives ----------------------------------------------------------------------------


def _overrides(congress_id: uuid.UUID, action: str) -> sa.Select[Any]:
    return select(CongressRepresentativeOverride.member_id).where(
        CongressRepresentativeOverride.congress_id == congress_id,
        CongressRepresentativeOverride.action == action,
    )


def representative_clause(congress: Congress) -> ColumnElement[bool]:
    """SQL over ``member``: is this member a representative of ``congress`` (docs/rules.md §3: only
    representatives submit or co-sign; §1: retained members have no vote)."""
    return sa.and_(
        col(Member.status).in_([s.value for s in VOTING]),
        sa.or_(
            sa.and_(
                col(Member.is_representative).is_(True),
                in_scope(col(Member.org_unit_id), [congress.org_unit_id]),
                col(Member.id).not_in(_overrides(congress.id, "remove")),
            ),
            col(Member.id).in_(_overrides(congress.id, "add")),
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
        (col(Member.id).in_(_overrides(congress.id, "add")), RepresentativeSource.added.value),
        else_=RepresentativeSource.flagged.value,
    ).label("source")
    stmt = sa.select(
        col(Member.id), col(Member.member_no), col(Member.name), col(Member.org_unit_id), source
    ).where(representative_clause(congress))
    if q:
        stmt = stmt.where(sa.or_(col(Member.name).like(f"%{q}%"), col(Member.member_no).like(f"%{q}%")))
    rows, next_cursor = keyset(
        session, stmt, keys=[col(Member.id)], limit=limit, cursor=cursor, scalars=False
    )
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


def add_representative(
    session: Session, congress: Congress, data: RepresentativeAdd, *, version: int, by: Principal
) -> RepresentativeOut:
    """Officers add a member of the congress's union as representative for this congress; only a
    member with voting rights qualifies (docs/rules.md §1 [L]: retained members lose voting rights)."""
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
