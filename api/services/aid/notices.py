"""Public notices (公示) and the objections members lodge against them (docs/rules.md §4).

A notice shows a masked name (张*丰), the unit, the programme and the amount only, never incomes,
causes or IDs, for a number of working days (default 5) on the official calendar. Members of the
union read it and may object with a reason while it runs; an open objection blocks approval until an
officer resolves it: upheld rejects the file or application, dismissed (with reasons) lets it proceed.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session, col, func, select

from api.config import Settings
from api.db.models import AidApplication, AidHousehold, AidNotice, AidObjection, Member, OrgUnit
from api.db.types import utcnow
from api.errors import Conflict, NotFound
from api.i18n import _, _n, register
from api.rules.aid import mask_name
from api.schemas.aid import (
    ApplicationStatus,
    HouseholdStatus,
    NoticeOut,
    ObjectionIn,
    ObjectionStatus,
    ResolveIn,
)
from api.schemas.aid_enums import AidEventKind
from api.security.principal import Principal
from api.services import audit
from api.services.aid import calendar, common, workflow
from api.services.aid.visibility import notice_clause
from api.services.concurrency import expect_version
from api.services.pagination import keyset
from api.services.scope import in_scope

register(
    {
        "aid_notice_closed": _(
            "The notice ran from {starts_on} to {ends_on}: objections are taken only while it runs."
        ),
        "aid_notice_running": _("The public notice runs until {ends_on}: decide after it ends."),
        "aid_objection_open": _n(
            "{count} objection to the notice is open: resolve it first.",
            "{count} objections to the notice are open: resolve them first.",
        ),
        "aid_objection_resolved": _("This objection is already {status}."),
        "aid_objection_own": _("You cannot object to your own notice."),
    }
)

HOUSEHOLD_PROGRAMME_NAME = "困难职工建档立卡"


def open_notice(
    session: Session,
    *,
    subject_type: str,
    subject: Any,
    member: Member,
    programme_name: str,
    amount_fen: int | None,
    settings: Settings,
    by: Principal,
) -> AidNotice:
    """Post a notice from today for the configured number of working days (docs/rules.md §4: 5)."""
    start = common.today()
    unit = session.get(OrgUnit, member.org_unit_id)
    notice = AidNotice(
        org_unit_id=subject.org_unit_id,
        subject_type=subject_type,
        subject_id=subject.id,
        masked_name=mask_name(member.name),
        unit_name=unit.name if unit else "",
        programme_name=programme_name,
        amount_fen=amount_fen,
        starts_on=start,
        ends_on=calendar.notice_end(session, start, settings.aid_notice_working_days),
        created_by_id=by.user_id,
    )
    session.add(notice)
    session.flush()
    return notice


def present(notices: list[AidNotice]) -> list[NoticeOut]:
    now = common.today()
    return [
        NoticeOut(
            id=n.id,
            masked_name=n.masked_name,
            unit_name=n.unit_name,
            programme_name=n.programme_name,
            amount_fen=n.amount_fen,
            starts_on=n.starts_on,
            ends_on=n.ends_on,
            open=n.starts_on <= now <= n.ends_on,
        )
        for n in notices
    ]


def list_notices(
    session: Session, principal: Principal, *, limit: int, cursor: str | None, current: bool | None
) -> tuple[list[AidNotice], str | None]:
    stmt = select(AidNotice).where(notice_clause(principal))
    if current is not None:
        now = common.today()
        running = (col(AidNotice.starts_on) <= now) & (col(AidNotice.ends_on) >= now)
        stmt = stmt.where(running if current else ~running)
    return keyset(
        session, stmt, keys=[common.column(AidNotice.id)], limit=limit, cursor=cursor, descending=True
    )


def get_visible(session: Session, notice_id: uuid.UUID, principal: Principal) -> AidNotice:
    notice = session.exec(
        select(AidNotice).where(AidNotice.id == notice_id, notice_clause(principal))
    ).first()
    if notice is None:
        raise NotFound()
    return notice


def ensure_decidable(session: Session, notice_id: uuid.UUID | None) -> None:
    """Approval waits for the end of the notice and for every objection to be resolved."""
    if notice_id is None:
        return
    notice = session.get(AidNotice, notice_id)
    assert notice is not None  # foreign key
    if common.today() <= notice.ends_on:
        raise Conflict("aid_notice_running", ends_on=notice.ends_on)
    open_count = session.exec(
        select(func.count())
        .select_from(AidObjection)
        .where(AidObjection.notice_id == notice_id, AidObjection.status == ObjectionStatus.open.value)
    ).one()
    if open_count:
        raise Conflict("aid_objection_open", count=open_count)


def lodge(session: Session, notice: AidNotice, data: ObjectionIn, *, by: Principal) -> AidObjection:
    """A member of the union objects, with a reason, while the notice runs (docs/rules.md §4)."""
    member_id = common.member_of(by)
    now = common.today()
    if not notice.starts_on <= now <= notice.ends_on:
        raise Conflict("aid_notice_closed", starts_on=notice.starts_on, ends_on=notice.ends_on)
    if _subject_member(session, notice) == member_id:
        raise Conflict("aid_objection_own")
    objection = AidObjection(
        notice_id=notice.id, org_unit_id=notice.org_unit_id, member_id=member_id, reason=data.reason
    )
    session.add(objection)
    session.flush()
    audit.record(
        session,
        by,
        "aid.objection.lodged",
        entity_type="aid_objection",
        entity_id=objection.id,
        org_unit_id=notice.org_unit_id,
        changes={
            "notice_id": notice.id,
            "subject_type": notice.subject_type,
            "subject_id": notice.subject_id,
        },
    )
    session.commit()
    return objection


def _subject_member(session: Session, notice: AidNotice) -> uuid.UUID | None:
    model: Any = AidHousehold if notice.subject_type == "household" else AidApplication
    subject = session.get(model, notice.subject_id)
    return subject.member_id if subject is not None else None


def list_objections(
    session: Session, notice: AidNotice, *, limit: int, cursor: str | None
) -> tuple[list[AidObjection], str | None]:
    """One page of the notice's objections, oldest first."""
    stmt = select(AidObjection).where(AidObjection.notice_id == notice.id)
    keys = [col(AidObjection.created_at), col(AidObjection.id)]
    return keyset(session, stmt, keys=keys, limit=limit, cursor=cursor)


def get_objection(session: Session, objection_id: uuid.UUID, principal: Principal) -> AidObjection:
    objection = session.exec(
        select(AidObjection).where(
            AidObjection.id == objection_id,
            in_scope(common.column(AidObjection.org_unit_id), principal.units_for("aid.read")),
        )
    ).first()
    if objection is None:
        raise NotFound()
    return objection


def resolve(
    session: Session, objection: AidObjection, data: ResolveIn, *, version: int, by: Principal
) -> AidObjection:
    """An officer resolves an objection with recorded reasons. Upheld: the file or application under
    notice is rejected. Dismissed: it may proceed to approval."""
    common.require_unit(session, objection.org_unit_id, by, "aid.file")
    if objection.status != ObjectionStatus.open.value:
        raise Conflict("aid_objection_resolved", status=objection.status)
    expect_version(objection, version)
    objection.status = data.outcome.value
    objection.resolution = data.resolution
    objection.resolved_by_id = by.user_id
    objection.resolved_at = utcnow()
    notice = session.get(AidNotice, objection.notice_id)
    assert notice is not None
    audit.record(
        session,
        by,
        f"aid.objection.{data.outcome.value}",
        entity_type="aid_objection",
        entity_id=objection.id,
        org_unit_id=objection.org_unit_id,
        changes={"resolution": data.resolution},
    )
    if data.outcome is ObjectionStatus.upheld:
        _reject_subject(session, notice, objection, by)
    else:
        subject: AidHousehold | AidApplication | None = (
            session.get(AidHousehold, notice.subject_id)
            if notice.subject_type == "household"
            else session.get(AidApplication, notice.subject_id)
        )
        if subject is not None:
            common.record(
                session,
                notice.subject_type,
                subject,
                AidEventKind.objection_dismissed,
                subject.status,
                by,
                {"objection_id": objection.id, "resolution": data.resolution},
            )
    session.commit()
    return objection


def _reject_subject(session: Session, notice: AidNotice, objection: AidObjection, by: Principal) -> None:
    details = {"objection_id": objection.id, "resolution": objection.resolution}
    if notice.subject_type == "household":
        household = session.get(AidHousehold, notice.subject_id)
        if household is not None and household.status == HouseholdStatus.in_notice.value:
            workflow.household_step(household, "uphold_objection")
            before = household.status
            household.status = HouseholdStatus.rejected.value
            household.decision_reason = objection.resolution
            common.touch(household)
            common.record(session, "household", household, AidEventKind.rejected, before, by, details)
    else:
        application = session.get(AidApplication, notice.subject_id)
        if application is not None and application.status == ApplicationStatus.in_notice.value:
            workflow.application_step(application, "uphold_objection")
            before = application.status
            application.status = ApplicationStatus.rejected.value
            application.decision_reason = objection.resolution
            common.touch(application)
            common.record(session, "application", application, AidEventKind.rejected, before, by, details)
