"""Expulsion cases (开除会籍), 章程 Art 7: "对严重违法犯罪并受到刑事处罚的会员，开除会籍。开除会员会籍，
须经工会小组讨论，提出意见，由工会基层委员会决定，报上一级工会备案。"

Owns the ``member_expulsion`` table and its two steps: the proposal (an officer records the union
group's opinion, with the ground and the judgment it rests on) and the decision (a chair, for the
grassroots committee; never the person who recorded the proposal). Expelling applies the member's
``expel`` lifecycle step and files the case with the union above the grassroots union, whose
officers see it in their list.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.db.models import Member, MemberExpulsion, OrgUnit
from api.db.types import utcnow
from api.errors import Conflict, Forbidden, NotFound, RuleViolation
from api.i18n import _, register
from api.schemas.expulsions import (
    ExpulsionCreate,
    ExpulsionDecide,
    ExpulsionDecision,
    ExpulsionOut,
    ExpulsionStatus,
)
from api.schemas.tasks import TaskKind, TaskOut, TaskResourceType
from api.security.principal import Principal
from api.services import audit, members, tasks
from api.services.concurrency import expect_version
from api.services.member_core import LifecycleAction, MemberStatus, grassroots_of
from api.services.pagination import keyset
from api.services.scope import in_scope


def _c(attribute: Any) -> sa.ColumnElement[Any]:
    """A model attribute as the column expression the scope and pagination helpers take."""
    return cast("sa.ColumnElement[Any]", attribute)


register(
    {
        "expulsion_member_not_active": _("Only an active member can be expelled; the member is {current}."),
        "expulsion_already_open": _("An expulsion case for this member is already awaiting the committee."),
        "expulsion_not_proposed": _("The case is {current}; only a proposed case can be decided."),
        "expulsion_decider_is_proposer": _(
            "You recorded the proposal; the committee's decision must be recorded by someone else (章程 "
            "Art 7)."
        ),
        "expulsion_date_in_future": _("The date {value} is in the future."),
        "expulsion_decided_before_proposal": _(
            "The decision date is before the union group's meeting ({meeting})."
        ),
    }
)


def _not_future(day: date, field: str) -> None:
    if day > date.today():
        raise RuleViolation("expulsion_date_in_future", field=field, value=day.isoformat())


def get_in_scope(session: Session, expulsion_id: uuid.UUID, principal: Principal) -> MemberExpulsion:
    """A case of a member in the caller's subtrees, or one filed with a union in them; else 404."""
    roots = principal.units_for()
    case = session.exec(
        select(MemberExpulsion).where(col(MemberExpulsion.id) == expulsion_id, _scope(roots))
    ).first()
    if case is None:
        raise NotFound()
    return case


def _scope(roots: list[uuid.UUID]) -> sa.ColumnElement[bool]:
    return sa.or_(
        in_scope(_c(MemberExpulsion.org_unit_id), roots),
        in_scope(_c(MemberExpulsion.filed_with_unit_id), roots),
    )


def list_cases(
    session: Session,
    principal: Principal,
    *,
    limit: int,
    cursor: str | None,
    status: ExpulsionStatus | None = None,
    member_id: uuid.UUID | None = None,
) -> tuple[list[ExpulsionOut], str | None]:
    """Cases in the caller's subtrees and cases filed with the unions there, newest first."""
    stmt = select(MemberExpulsion).where(_scope(principal.units_for()))
    if status is not None:
        stmt = stmt.where(col(MemberExpulsion.status) == status.value)
    if member_id is not None:
        stmt = stmt.where(col(MemberExpulsion.member_id) == member_id)
    rows, next_cursor = keyset(
        session, stmt, keys=[_c(MemberExpulsion.id)], limit=limit, cursor=cursor, descending=True
    )
    return [ExpulsionOut.model_validate(r) for r in rows], next_cursor


def propose(session: Session, data: ExpulsionCreate, *, by: Principal) -> MemberExpulsion:
    """The union group's proposal (工会小组讨论，提出意见), on a listed ground with its reference."""
    member = session.exec(
        select(Member).where(
            col(Member.id) == data.member_id, in_scope(_c(Member.org_unit_id), by.units_for())
        )
    ).first()
    if member is None:
        raise RuleViolation("not_found", field="member_id")
    if member.status != MemberStatus.active:
        raise Conflict("expulsion_member_not_active", current=member.status)
    _not_future(data.penalty_on, "penalty_on")
    _not_future(data.group_meeting_on, "group_meeting_on")
    open_case = session.exec(
        select(col(MemberExpulsion.id)).where(
            col(MemberExpulsion.member_id) == member.id,
            col(MemberExpulsion.status) == ExpulsionStatus.proposed.value,
        )
    ).first()
    if open_case is not None:
        raise Conflict("expulsion_already_open")
    case = MemberExpulsion(
        member_id=member.id,
        org_unit_id=member.org_unit_id,
        ground=data.ground.value,
        reference=data.reference,
        penalty_on=data.penalty_on,
        group_meeting_on=data.group_meeting_on,
        proposal=data.proposal,
        proposed_by_id=by.user_id,
    )
    session.add(case)
    session.flush()
    audit.record(
        session,
        by,
        "member.expulsion_proposed",
        entity_type="member",
        entity_id=member.id,
        org_unit_id=member.org_unit_id,
        changes={
            "after": {"case_id": case.id, "ground": case.ground, "reference": case.reference},
        },
    )
    session.commit()
    return case


def decide(
    session: Session, case: MemberExpulsion, data: ExpulsionDecide, *, version: int, by: Principal
) -> MemberExpulsion:
    """The grassroots committee decides (由工会基层委员会决定), never by whoever recorded the proposal;
    expelling applies the member's ``expel`` step and files the case with the union above
    (报上一级工会备案)."""
    expect_version(case, version)
    if case.status != ExpulsionStatus.proposed:
        raise Conflict("expulsion_not_proposed", current=case.status)
    if case.proposed_by_id is not None and case.proposed_by_id == by.user_id:
        raise Forbidden("expulsion_decider_is_proposer")
    decided_on = data.decided_on or date.today()
    _not_future(decided_on, "decided_on")
    if decided_on < case.group_meeting_on:
        raise RuleViolation(
            "expulsion_decided_before_proposal", field="decided_on", meeting=case.group_meeting_on.isoformat()
        )
    member = session.get_one(Member, case.member_id)
    case.decision = data.reasons
    case.decided_on = decided_on
    case.decided_by_id = by.user_id
    case.decided_at = utcnow()
    if data.decision is ExpulsionDecision.expel:
        grassroots = grassroots_of(session, member.org_unit_id)
        above = session.get(OrgUnit, grassroots.parent_id) if grassroots.parent_id else None
        case.status = ExpulsionStatus.decided.value
        case.filed_with_unit_id = above.id if above is not None else None
        members.record_event(
            session,
            member,
            LifecycleAction.expel,
            decided_on,
            f"{case.ground}: {case.reference}",
            by,
        )
    else:
        case.status = ExpulsionStatus.rejected.value
    audit.record(
        session,
        by,
        f"member.expulsion_{case.status}",
        entity_type="member",
        entity_id=member.id,
        org_unit_id=member.org_unit_id,
        changes={
            "after": {
                "case_id": case.id,
                "status": case.status,
                "filed_with_unit_id": case.filed_with_unit_id,
            },
            "reason": data.reasons,
        },
    )
    session.flush()
    session.commit()
    return case


# --- task inbox ----------------------------------------------------------------------------------


def _cases_to_decide(session: Session, principal: Principal) -> list[TaskOut]:
    """Proposed expulsions under the caller's decide grants that the caller did not record (章程 Art 7:
    the grassroots committee decides the union group's proposal); one query."""
    units = principal.units_for("members.expel_decide")
    if not units:
        return []
    rows = session.execute(
        sa.select(_c(MemberExpulsion.id), _c(Member.name), _c(Member.member_no))
        .join(Member, _c(Member.id) == _c(MemberExpulsion.member_id))
        .where(
            _c(MemberExpulsion.status) == ExpulsionStatus.proposed.value,
            in_scope(_c(MemberExpulsion.org_unit_id), units),
            sa.or_(
                _c(MemberExpulsion.proposed_by_id).is_(None),
                _c(MemberExpulsion.proposed_by_id) != principal.user_id,
            ),
        )
        .order_by(_c(MemberExpulsion.id))
        .limit(tasks.PER_KIND + 1)
    ).all()
    return [
        TaskOut(
            kind=TaskKind.expulsion_decide,
            title=f"除名建议：{r.name}（{r.member_no}）",
            resource_type=TaskResourceType.member_expulsion,
            resource_id=r.id,
            link=f"/api/v1/member-expulsions/{r.id}",
            deadline=None,
        )
        for r in rows
    ]


#: this area's task kinds for the inbox, installed by ``api.main.create_app`` (see api.services.tasks)
TASK_PROVIDERS: dict[str, tasks.Provider] = {TaskKind.expulsion_decide: _cases_to_decide}
