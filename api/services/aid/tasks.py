"""The aid area's tasks for ``GET /me/tasks``: files and applications to screen, decisions due,
objections to resolve, reviews due or overdue, approved aid to pay. Each provider runs one query."""

from __future__ import annotations

from collections.abc import Callable
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


def _tasks(
    session: Session,
    principal: Principal,
    permission: str,
    model: Any,
    *where: Any,
    kind: str,
    resource: TaskResourceType,
    path: str = "",
    title: Any = Member.name,
    deadline: Any = None,
    extra: tuple[Any, ...] = (),
    joins: Callable[[sa.Select[Any]], sa.Select[Any]] | None = None,
    order_by: tuple[Any, ...] = (),
    link: Callable[[Any], str] | None = None,
) -> list[TaskOut]:
    """One provider's bounded query: rows of ``model`` in the principal's units for ``permission``
    matching ``where``, titled by ``title`` (the member's name, joined on ``model.member_id``, unless
    ``joins`` says otherwise), ordered by ``order_by`` then id; linked to ``/aid/{path}/{id}`` unless
    ``link`` says otherwise."""
    units = principal.units_for(permission)
    if not units:
        return []
    stmt = sa.select(
        common.column(model.id),
        common.column(title).label("title"),
        (sa.null() if deadline is None else col(deadline)).label("deadline"),
        *extra,
    )
    stmt = joins(stmt) if joins else stmt.join(Member, col(Member.id) == model.member_id)
    stmt = stmt.where(*where, in_scope(common.column(model.org_unit_id), units)).order_by(
        *order_by, col(model.id)
    )
    rows = session.execute(stmt.limit(tasks.PER_KIND + 1)).all()
    return [
        TaskOut(
            kind=kind,
            title=r.title,
            resource_type=resource,
            resource_id=r.id,
            link=link(r) if link else f"/api/v1/aid/{path}/{r.id}",
            deadline=r.deadline,
        )
        for r in rows
    ]


def _households_to_screen(session: Session, principal: Principal) -> list[TaskOut]:
    return _tasks(
        session,
        principal,
        "aid.file",
        AidHousehold,
        col(AidHousehold.status).in_(
            [
                HouseholdStatus.applied.value,
                HouseholdStatus.screened.value,
                HouseholdStatus.visited.value,
                HouseholdStatus.verified.value,
            ]
        ),
        kind="aid.household_process",
        resource=TaskResourceType.aid_household,
        path="households",
    )


def _reviews_due(session: Session, principal: Principal) -> list[TaskOut]:
    horizon = common.today() + timedelta(days=get_settings().aid_review_warning_days)
    return _tasks(
        session,
        principal,
        "aid.file",
        AidHousehold,
        col(AidHousehold.status) == HouseholdStatus.filed.value,
        col(AidHousehold.review_due_on) <= horizon,
        kind="aid.review",
        resource=TaskResourceType.aid_household,
        path="households",
        deadline=AidHousehold.review_due_on,
        order_by=(col(AidHousehold.review_due_on),),
    )


def _applications_to_process(session: Session, principal: Principal) -> list[TaskOut]:
    return _tasks(
        session,
        principal,
        "aid.file",
        AidApplication,
        col(AidApplication.status).in_([ApplicationStatus.submitted.value]),
        kind="aid.application_screen",
        resource=TaskResourceType.aid_application,
        path="applications",
    )


def _objections(session: Session, principal: Principal) -> list[TaskOut]:
    return _tasks(
        session,
        principal,
        "aid.file",
        AidObjection,
        col(AidObjection.status) == ObjectionStatus.open.value,
        kind="aid.objection",
        resource=TaskResourceType.aid_objection,
        title=AidNotice.masked_name,
        deadline=AidNotice.ends_on,
        extra=(common.column(AidObjection.notice_id),),
        joins=lambda stmt: stmt.join(AidNotice, col(AidNotice.id) == AidObjection.notice_id),
        link=lambda r: f"/api/v1/aid/notices/{r.notice_id}/objections",
    )


def _household_decisions(session: Session, principal: Principal) -> list[TaskOut]:
    """Files whose notice has ended await the chair."""
    return _tasks(
        session,
        principal,
        "aid.approve",
        AidHousehold,
        col(AidHousehold.status) == HouseholdStatus.in_notice.value,
        col(AidNotice.ends_on) < common.today(),
        kind="aid.household_decide",
        resource=TaskResourceType.aid_household,
        path="households",
        deadline=AidNotice.ends_on,
        joins=lambda stmt: stmt.join(Member, col(Member.id) == AidHousehold.member_id).join(
            AidNotice, col(AidNotice.id) == AidHousehold.notice_id
        ),
    )


def _application_decisions(session: Session, principal: Principal) -> list[TaskOut]:
    """Applications whose notice has ended, or screened ones of programmes without a notice."""
    return _tasks(
        session,
        principal,
        "aid.approve",
        AidApplication,
        sa.or_(
            sa.and_(
                col(AidApplication.status) == ApplicationStatus.in_notice.value,
                col(AidNotice.ends_on) < common.today(),
            ),
            sa.and_(
                col(AidApplication.status) == ApplicationStatus.screened.value,
                col(AidProgramme.notice_required).is_(False),
            ),
        ),
        kind="aid.application_decide",
        resource=TaskResourceType.aid_application,
        path="applications",
        deadline=AidNotice.ends_on,
        joins=lambda stmt: (
            stmt.join(Member, col(Member.id) == AidApplication.member_id)
            .join(AidProgramme, col(AidProgramme.id) == AidApplication.programme_id)
            .outerjoin(AidNotice, col(AidNotice.id) == AidApplication.notice_id)
        ),
    )


def _to_pay(session: Session, principal: Principal) -> list[TaskOut]:
    return _tasks(
        session,
        principal,
        "aid.pay",
        AidApplication,
        col(AidApplication.status) == ApplicationStatus.approved.value,
        col(AidApplication.payout_batch_id).is_(None),
        kind="aid.pay",
        resource=TaskResourceType.aid_application,
        link=lambda r: "/api/v1/aid/payable",
    )


TASK_PROVIDERS: dict[str, tasks.Provider] = {
    "aid.household_process": _households_to_screen,
    "aid.review": _reviews_due,
    "aid.application_screen": _applications_to_process,
    "aid.objection": _objections,
    "aid.household_decide": _household_decisions,
    "aid.application_decide": _application_decisions,
    "aid.pay": _to_pay,
}
