"""Participation in union activities (组织生活, 职工之家 activities): record an activity with the
members present, list and read them.

Owns the ``participation`` and ``participation_attendee`` tables. Participation is what keeps a
membership alive under the deemed-withdrawal rule (章程 Art 6, applied in api.services.members.membership):
a month with recorded presence ends a run of months without dues.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.db.models import Member, OrgUnit, Participation, ParticipationAttendee
from api.errors import NotFound, RuleViolation
from api.i18n import _, _n, register
from api.schemas.participation import ActivityKind, ParticipationCreate, ParticipationOut
from api.security.principal import Principal
from api.services import audit
from api.services.pagination import keyset
from api.services.scope import in_scope, unit_within


def _c(attribute: Any) -> sa.ColumnElement[Any]:
    """A model attribute as the column expression the scope and pagination helpers take."""
    return cast("sa.ColumnElement[Any]", attribute)


register(
    {
        "participation_date_in_future": _("The activity date is in the future."),
        "participation_members_unknown": _n(
            "{count} member is not a current member in your scope: {first}.",
            "{count} members are not current members in your scope (first: {first}).",
        ),
    }
)

#: statuses in which presence at an activity is recorded (members of the union on the day)
_CURRENT = ("applied", "active", "transfer_pending", "retained")


def create(session: Session, data: ParticipationCreate, *, by: Principal) -> Participation:
    """Record an activity held by a unit in the caller's scope with the members present (each a
    current member in the caller's scope), audited. One commit."""
    roots = by.units_for()
    unit = session.get(OrgUnit, data.org_unit_id)
    if unit is None or not unit_within(session, unit.id, roots):
        raise RuleViolation("not_found", field="org_unit_id")
    if data.held_on > date.today():
        raise RuleViolation("participation_date_in_future", field="held_on")
    found = set(
        session.exec(
            select(col(Member.id)).where(
                col(Member.id).in_(data.member_ids),
                col(Member.status).in_(_CURRENT),
                in_scope(_c(Member.org_unit_id), roots),
            )
        )
    )
    missing = [m for m in data.member_ids if m not in found]
    if missing:
        raise RuleViolation(
            "participation_members_unknown", field="member_ids", count=len(missing), first=str(missing[0])
        )
    record = Participation(
        org_unit_id=unit.id,
        activity=data.activity,
        kind=data.kind.value,
        held_on=data.held_on,
        notes=data.notes,
        recorded_by_id=by.user_id,
    )
    session.add(record)
    session.flush()
    session.add_all(
        ParticipationAttendee(participation_id=record.id, member_id=m, held_on=data.held_on)
        for m in data.member_ids
    )
    audit.record(
        session,
        by,
        "participation.recorded",
        entity_type="participation",
        entity_id=record.id,
        org_unit_id=unit.id,
        changes={
            "after": {
                "activity": data.activity,
                "held_on": data.held_on,
                "members": len(data.member_ids),
            }
        },
    )
    session.commit()
    return record


def get_in_scope(session: Session, participation_id: uuid.UUID, principal: Principal) -> Participation:
    record = session.exec(
        select(Participation).where(
            col(Participation.id) == participation_id,
            in_scope(_c(Participation.org_unit_id), principal.units_for()),
        )
    ).first()
    if record is None:
        raise NotFound()
    return record


def list_records(
    session: Session,
    principal: Principal,
    *,
    limit: int,
    cursor: str | None,
    org_unit_id: uuid.UUID | None = None,
    member_id: uuid.UUID | None = None,
    held_from: date | None = None,
    held_to: date | None = None,
) -> tuple[list[ParticipationOut], str | None]:
    """Activities of units in the caller's scope, newest first, optionally those a member attended."""
    roots = principal.units_for()
    stmt = select(Participation).where(in_scope(_c(Participation.org_unit_id), roots))
    if org_unit_id is not None:
        stmt = stmt.where(in_scope(_c(Participation.org_unit_id), [org_unit_id]))
    if member_id is not None:
        stmt = stmt.where(
            col(Participation.id).in_(
                select(col(ParticipationAttendee.participation_id)).where(
                    col(ParticipationAttendee.member_id) == member_id
                )
            )
        )
    if held_from is not None:
        stmt = stmt.where(col(Participation.held_on) >= held_from)
    if held_to is not None:
        stmt = stmt.where(col(Participation.held_on) <= held_to)
    rows, next_cursor = keyset(
        session, stmt, keys=[_c(Participation.id)], limit=limit, cursor=cursor, descending=True
    )
    return present(session, rows, with_members=False), next_cursor


def present(
    session: Session, records: Sequence[Participation], *, with_members: bool = True
) -> list[ParticipationOut]:
    """Views of records: attendee counts (and ids) in one query whatever the number of records."""
    ids = [r.id for r in records]
    members: dict[uuid.UUID, list[uuid.UUID]] = {i: [] for i in ids}
    counts: Counter[uuid.UUID] = Counter()
    if ids and with_members:
        for pid, mid in session.execute(
            select(col(ParticipationAttendee.participation_id), col(ParticipationAttendee.member_id))
            .where(col(ParticipationAttendee.participation_id).in_(ids))
            .order_by(col(ParticipationAttendee.member_id))
        ):
            members[pid].append(mid)
            counts[pid] += 1
    elif ids:
        for pid, n in session.execute(
            select(col(ParticipationAttendee.participation_id), sa.func.count())
            .where(col(ParticipationAttendee.participation_id).in_(ids))
            .group_by(col(ParticipationAttendee.participation_id))
        ):
            counts[pid] = n
    return [
        ParticipationOut(
            id=r.id,
            org_unit_id=r.org_unit_id,
            activity=r.activity,
            kind=ActivityKind(r.kind),
            held_on=r.held_on,
            notes=r.notes,
            attendee_count=counts[r.id],
            member_ids=members[r.id],
            recorded_by_id=r.recorded_by_id,
            created_at=r.created_at,
        )
        for r in records
    ]
