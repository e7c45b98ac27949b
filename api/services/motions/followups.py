"""Follow-up of class-B answers (docs/rules.md §3: B = being solved / planned).

Owns the ``motion_follow_up`` table. A class-B reply names the date the lead department promises it
done (:func:`on_reply`, called by the reply step); the motion stays open as a follow-up until a handler
of that department reports it done (:func:`report_done`), and the next congress of the same union
lists the open ones and those done since the previous congress (:func:`for_next_congress`, in the motion
committee's report). A later round answered in another class supersedes the promise.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.db.models import Congress, Department, Motion, MotionEvent, MotionFollowUp, MotionReply
from api.db.types import utcnow
from api.errors import Conflict, Forbidden, NotFound, RuleViolation
from api.i18n import _, register
from api.schemas.motions import FollowUpDoneIn, FollowUpOut, FollowUpStatus, MotionEventKind, OutcomeClass
from api.security.principal import Principal
from api.services import audit, congresses
from api.services.concurrency import expect_version
from api.services.congresses import common as congresses_common
from api.services.pagination import keyset

register(
    {
        "motion_follow_up_none": _("The motion has no class-B answer to follow up."),
        "motion_follow_up_not_open": _("The follow-up is already {current}."),
        "motion_follow_up_not_lead": _("Only a handler of the lead department reports the follow-up."),
        "motion_follow_up_in_future": _("The date is in the future."),
    }
)


def _c(attribute: Any) -> sa.ColumnElement[Any]:
    return cast("sa.ColumnElement[Any]", attribute)


def on_reply(session: Session, motion: Motion, reply: MotionReply) -> None:
    """A class-B reply opens (or renews) the follow-up with its promised date; a reply of another class
    supersedes an open one. No commit (the reply step commits)."""
    follow_up = session.get(MotionFollowUp, motion.id)
    if reply.outcome_class == OutcomeClass.B.value:
        assert reply.promised_on is not None
        if follow_up is None:
            follow_up = MotionFollowUp(
                motion_id=motion.id,
                congress_id=motion.congress_id,
                org_unit_id=motion.org_unit_id,
                department_id=reply.department_id,
                round=reply.round,
                promised_on=reply.promised_on,
            )
            session.add(follow_up)
            return
        follow_up.department_id = reply.department_id
        follow_up.round = reply.round
        follow_up.promised_on = reply.promised_on
        follow_up.status = FollowUpStatus.open.value
        follow_up.done_on = None
        follow_up.report = None
        follow_up.updated_at = utcnow()
    elif follow_up is not None and follow_up.status == FollowUpStatus.open:
        follow_up.status = FollowUpStatus.superseded.value
        follow_up.updated_at = utcnow()


def report_done(
    session: Session, motion: Motion, data: FollowUpDoneIn, *, version: int, by: Principal
) -> Motion:
    """A handler of the lead department reports the promised work done (timeline and audit)."""
    expect_version(motion, version)
    follow_up = session.get(MotionFollowUp, motion.id)
    if follow_up is None:
        raise NotFound("motion_follow_up_none")
    if follow_up.status != FollowUpStatus.open:
        raise Conflict("motion_follow_up_not_open", current=follow_up.status)
    if follow_up.department_id not in set(session.scalars(congresses.handler_department_ids(by)).all()):
        raise Forbidden("motion_follow_up_not_lead")
    done_on = data.done_on or congresses_common.today()
    if done_on > congresses_common.today():
        raise RuleViolation("motion_follow_up_in_future", field="done_on")
    follow_up.status = FollowUpStatus.done.value
    follow_up.done_on = done_on
    follow_up.report = data.report
    follow_up.reported_by_id = by.user_id
    follow_up.updated_at = utcnow()
    motion.updated_at = utcnow()  # the motion's ETag covers its follow-up
    details = {"promised_on": follow_up.promised_on.isoformat(), "done_on": done_on.isoformat()}
    session.add(
        MotionEvent(
            motion_id=motion.id,
            kind=MotionEventKind.follow_up_done,
            from_status=motion.status,
            to_status=motion.status,
            round=motion.round,
            actor_id=by.user_id,
            actor_label=by.label,
            details=details,
        )
    )
    audit.record(
        session,
        by,
        "motion.follow_up_done",
        entity_type="motion",
        entity_id=motion.id,
        org_unit_id=motion.org_unit_id,
        changes={"after": {**details, "report": data.report}},
    )
    session.commit()
    return motion


def _present(rows: Sequence[Any], as_of: date) -> list[FollowUpOut]:
    return [
        FollowUpOut(
            motion_id=f.motion_id,
            congress_id=f.congress_id,
            number=number,
            title=title,
            department_id=f.department_id,
            department_name=dept_name,
            promised_on=f.promised_on,
            status=FollowUpStatus(f.status),
            overdue=f.status == FollowUpStatus.open and f.promised_on < as_of,
            done_on=f.done_on,
            report=f.report,
        )
        for f, number, title, dept_name, *_ in rows
    ]


def _select() -> Any:
    return (
        select(MotionFollowUp, col(Motion.number), col(Motion.title), col(Department.name))
        .join(Motion, _c(Motion.id) == _c(MotionFollowUp.motion_id))
        .outerjoin(Department, _c(Department.id) == _c(MotionFollowUp.department_id))
    )


def of_congress(
    session: Session,
    congress: Congress,
    status: FollowUpStatus | None = None,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[FollowUpOut], str | None]:
    """One page of the follow-ups of this congress's motions, by motion number."""
    stmt = _select().add_columns(_c(Motion.id)).where(_c(MotionFollowUp.congress_id) == congress.id)
    if status is not None:
        stmt = stmt.where(_c(MotionFollowUp.status) == status.value)
    rows, next_cursor = keyset(
        session, stmt, keys=[col(Motion.number), col(Motion.id)], limit=limit, cursor=cursor, scalars=False
    )
    return _present(rows, congresses_common.today()), next_cursor


def for_next_congress(session: Session, congress: Congress) -> list[FollowUpOut]:
    """What ``congress``'s report lists: follow-ups of the union's earlier congresses still open, or
    reported done since the previous congress opened."""
    earlier = select(col(Congress.id)).where(
        col(Congress.org_unit_id) == congress.org_unit_id, col(Congress.opening_on) < congress.opening_on
    )
    previous = session.exec(
        select(sa.func.max(col(Congress.opening_on))).where(
            col(Congress.org_unit_id) == congress.org_unit_id, col(Congress.opening_on) < congress.opening_on
        )
    ).one()
    if previous is None:
        return []
    stmt = _select().where(
        _c(MotionFollowUp.congress_id).in_(earlier),
        sa.or_(
            _c(MotionFollowUp.status) == FollowUpStatus.open.value,
            sa.and_(
                _c(MotionFollowUp.status) == FollowUpStatus.done.value,
                _c(MotionFollowUp.done_on) >= previous,
            ),
        ),
    )
    rows = session.execute(stmt.order_by(_c(MotionFollowUp.promised_on), _c(Motion.id))).all()
    return _present(rows, congresses_common.today())


def status_of(session: Session, motion_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Follow-up status per motion, one query."""
    if not motion_ids:
        return {}
    rows = session.execute(
        select(_c(MotionFollowUp.motion_id), _c(MotionFollowUp.status)).where(
            _c(MotionFollowUp.motion_id).in_(list(motion_ids))
        )
    ).all()
    return {m: s for m, s in rows}
