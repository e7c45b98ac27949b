"""The aid area's tasks for ``GET /me/tasks``: files and applications to screen, decisions due,
objections to resolve, reviews due or overdue, approved aid to pay. Each provider runs one query."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from api.config import get_settings
from api.db.models import AidApplication, AidHousehold, AidNotice, AidObjection, AidProgramme, Member
from api.schemas.aid import ApplicationStatus, HouseholdStatus, ObjectionStatus
from api.schemas.tasks import TaskOut, TaskResourceType
from api.security.principal import Principal
from api.services import tasks
from api.services.aid import common
from api.services.scope import in_scope


def _items(
    session: Session, kind: str, resource: TaskResourceType, path: str, stmt: sa.Select[Any]
) -> list[TaskOut]:
    rows = session.execute(stmt.limit(tasks.PER_KIND + 1)).all()
    return [
        TaskOut(
            kind=kind,
            title=r.title,
            resource_type=resource,
            resource_id=r.id,
            link=f"/api/v1/aid/{path}/{r.id}",
            deadline=r.deadline,
        )
        for r in rows
    ]


def _households_to_screen(session: Session, principal: Principal) -> list[TaskOut]:
    units = principal.units_for("aid.file")
    if not units:
        return []
    stmt = (
        sa.select(
            common.column(AidHousehold.id),
            common.column(Member.name).label("title"),
            sa.null().label("deadline"),
        )
        .join(Member, col(Member.id) == AidHousehold.member_id)
        .where(
            col(AidHousehold.status).in_(
                [
                    HouseholdStatus.applied.value,
                    HouseholdStatus.screened.value,
                    HouseholdStatus.visited.value,
                    HouseholdStatus.verified.value,
                ]
            ),
            in_scope(common.column(AidHousehold.org_unit_id), units),
        )
        .order_by(col(AidHousehold.id))
    )
    return _items(session, "aid.household_process", TaskResourceType.aid_household, "households", stmt)


def _reviews_due(session: Session, principal: Principal) -> list[TaskOut]:
    units = principal.units_for("aid.file")
    if not units:
        return []
    horizon = common.today() + timedelta(days=get_settings().aid_review_warning_days)
    stmt = (
        sa.select(
            common.column(AidHousehold.id),
            common.column(Member.name).label("title"),
            col(AidHousehold.review_due_on).label("deadline"),
        )
        .join(Member, col(Member.id) == AidHousehold.member_id)
        .where(
            col(AidHousehold.status) == HouseholdStatus.filed.value,
            col(AidHousehold.review_due_on) <= horizon,
            in_scope(common.column(AidHousehold.org_unit_id), units),
        )
        .order_by(col(AidHousehold.review_due_on), col(AidHousehold.id))
    )
    return _items(session, "aid.review", TaskResourceType.aid_household, "households", stmt)


def _applications_to_process(session: Session, principal: Principal) -> list[TaskOut]:
    units = principal.units_for("aid.file")
    if not units:
        return []
    stmt = (
        sa.select(
            common.column(AidApplication.id),
            common.column(Member.name).label("title"),
            sa.null().label("deadline"),
        )
        .join(Member, col(Member.id) == AidApplication.member_id)
        .where(
            col(AidApplication.status).in_([ApplicationStatus.submitted.value]),
            in_scope(common.column(AidApplication.org_unit_id), units),
        )
        .order_by(col(AidApplication.id))
    )
    return _items(session, "aid.application_screen", TaskResourceType.aid_application, "applications", stmt)


def _objections(session: Session, principal: Principal) -> list[TaskOut]:
    units = principal.units_for("aid.file")
    if not units:
        return []
    stmt = (
        sa.select(
            common.column(AidObjection.id),
            common.column(AidNotice.masked_name).label("title"),
            col(AidNotice.ends_on).label("deadline"),
            common.column(AidObjection.notice_id),
        )
        .join(AidNotice, col(AidNotice.id) == AidObjection.notice_id)
        .where(
            col(AidObjection.status) == ObjectionStatus.open.value,
            in_scope(common.column(AidObjection.org_unit_id), units),
        )
        .order_by(col(AidObjection.id))
    )
    rows = session.execute(stmt.limit(tasks.PER_KIND + 1)).all()
    return [
        TaskOut(
            kind="aid.objection",
            title=r.title,
            resource_type=TaskResourceType.aid_objection,
            resource_id=r.id,
            link=f"/api/v1/aid/notices/{r.notice_id}/objections",
            deadline=r.deadline,
        )
        for r in rows
    ]


def _household_decisions(session: Session, principal: Principal) -> list[TaskOut]:
    """Files whose notice has ended await the chair."""
    units = principal.units_for("aid.approve")
    if not units:
        return []
    ended = col(AidNotice.ends_on) < common.today()
    households = (
        sa.select(
            common.column(AidHousehold.id),
            common.column(Member.name).label("title"),
            col(AidNotice.ends_on).label("deadline"),
        )
        .join(Member, col(Member.id) == AidHousehold.member_id)
        .join(AidNotice, col(AidNotice.id) == AidHousehold.notice_id)
        .where(
            col(AidHousehold.status) == HouseholdStatus.in_notice.value,
            ended,
            in_scope(common.column(AidHousehold.org_unit_id), units),
        )
        .order_by(col(AidHousehold.id))
    )
    return _items(session, "aid.household_decide", TaskResourceType.aid_household, "households", households)


def _application_decisions(session: Session, principal: Principal) -> list[TaskOut]:
    """Applications whose notice has ended, or screened ones of programmes without a notice."""
    units = principal.units_for("aid.approve")
    if not units:
        return []
    ended = col(AidNotice.ends_on) < common.today()
    applications = (
        sa.select(
            common.column(AidApplication.id),
            common.column(Member.name).label("title"),
            col(AidNotice.ends_on).label("deadline"),
        )
        .join(Member, col(Member.id) == AidApplication.member_id)
        .join(AidProgramme, col(AidProgramme.id) == AidApplication.programme_id)
        .outerjoin(AidNotice, col(AidNotice.id) == AidApplication.notice_id)
        .where(
            sa.or_(
                sa.and_(col(AidApplication.status) == ApplicationStatus.in_notice.value, ended),
                sa.and_(
                    col(AidApplication.status) == ApplicationStatus.screened.value,
                    col(AidProgramme.notice_required).is_(False),
                ),
            ),
            in_scope(common.column(AidApplication.org_unit_id), units),
        )
        .order_by(col(AidApplication.id))
    )
    return _items(
        session, "aid.application_decide", TaskResourceType.aid_application, "applications", applications
    )


def _to_pay(session: Session, principal: Principal) -> list[TaskOut]:
    units = principal.units_for("aid.pay")
    if not units:
        return []
    stmt = (
        sa.select(
            common.column(AidApplication.id),
            common.column(Member.name).label("title"),
            sa.null().label("deadline"),
        )
        .join(Member, col(Member.id) == AidApplication.member_id)
        .where(
            col(AidApplication.status) == ApplicationStatus.approved.value,
            col(AidApplication.payout_batch_id).is_(None),
            in_scope(common.column(AidApplication.org_unit_id), units),
        )
        .order_by(col(AidApplication.id))
    )
    return [
        t.model_copy(update={"link": "/api/v1/aid/payable"})
        for t in _items(session, "aid.pay", TaskResourceType.aid_application, "applications", stmt)
    ]


TASK_PROVIDERS: dict[str, tasks.Provider] = {
    "aid.household_process": _households_to_screen,
    "aid.review": _reviews_due,
    "aid.application_screen": _applications_to_process,
    "aid.objection": _objections,
    "aid.household_decide": _household_decisions,
    "aid.application_decide": _application_decisions,
    "aid.pay": _to_pay,
}
