"""The motions area's task-inbox providers (``GET /me/tasks``), as data in :data:`TASK_PROVIDERS`.

They are installed explicitly at app start (``api.main.TASK_PROVIDERS`` -> ``tasks.install``), never
on import. Each provider runs a bounded number of queries, never one per motion.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.db.models import (
    Congress,
    Motion,
    MotionFollowUp,
    MotionRating,
    MotionSignatory,
)
from api.db.types import AnySelect
from api.schemas.motions import FollowUpStatus
from api.schemas.tasks import TaskOut, TaskResourceType
from api.security.permissions import Role
from api.security.principal import Principal
from api.services import congresses, tasks
from api.services.motions.workflow import AWAITING_REPLY, S, status_values
from api.services.scope import in_scope

# --- task inbox ---------------------------------------------------------------------------------


def _tasks(session: Session, kind: str, stmt: AnySelect) -> list[TaskOut]:
    rows = session.execute(stmt.order_by(col(Motion.id)).limit(tasks.PER_KIND + 1)).all()
    return [
        TaskOut(
            kind=kind,
            title=r.title,
            resource_type=TaskResourceType.motion,
            resource_id=r.id,
            link=f"/api/v1/motions/{r.id}",
            deadline=r.deadline,
        )
        for r in rows
    ]


def _drafts_to_submit(session: Session, principal: Principal) -> list[TaskOut]:
    if principal.member_id is None or Role.member not in principal.roles():
        return []
    stmt: AnySelect = (
        sa.select(col(Motion.id), col(Motion.title), col(Congress.motion_deadline_on).label("deadline"))
        .join(Congress, col(Congress.id) == col(Motion.congress_id))
        .where(col(Motion.proposer_member_id) == principal.member_id, col(Motion.status) == S.draft.value)
    )
    return _tasks(session, "motion.submit", stmt)


def _motions_to_rate(session: Session, principal: Principal) -> list[TaskOut]:
    mid = principal.member_id
    if mid is None or Role.member not in principal.roles():
        return []
    rated = select(MotionRating.id).where(
        MotionRating.motion_id == Motion.id, MotionRating.round == Motion.round, MotionRating.member_id == mid
    )
    stmt: AnySelect = sa.select(col(Motion.id), col(Motion.title), sa.null().label("deadline")).where(
        col(Motion.status) == S.answered.value,
        sa.or_(
            col(Motion.proposer_member_id) == mid,
            col(Motion.id).in_(
                select(col(MotionSignatory.motion_id)).where(col(MotionSignatory.member_id) == mid)
            ),
        ),
        ~sa.exists(rated),
    )
    return _tasks(session, "motion.rate", stmt)


def _motions_to_reply(session: Session, principal: Principal) -> list[TaskOut]:
    if Role.handler not in principal.roles():
        return []
    stmt: AnySelect = sa.select(
        col(Motion.id), col(Motion.title), col(Motion.due_on).label("deadline")
    ).where(
        col(Motion.status).in_(status_values(AWAITING_REPLY)),
        col(Motion.lead_department_id).in_(congresses.handler_department_ids(principal)),
    )
    return _tasks(session, "motion.reply", stmt)


def _motions_to_review(session: Session, principal: Principal) -> list[TaskOut]:
    units = principal.units_for("motions.review")
    if not units:
        return []
    stmt: AnySelect = (
        sa.select(col(Motion.id), col(Motion.title), col(Congress.opening_on).label("deadline"))
        .join(Congress, col(Congress.id) == col(Motion.congress_id))
        .where(col(Motion.status) == S.submitted.value, in_scope(col(Motion.org_unit_id), units))
    )
    return _tasks(session, "motion.review", stmt)


def _motions_to_assign(session: Session, principal: Principal) -> list[TaskOut]:
    units = principal.units_for("motions.manage")
    if not units:
        return []
    stmt: AnySelect = sa.select(col(Motion.id), col(Motion.title), sa.null().label("deadline")).where(
        col(Motion.status).in_([S.registered.value, S.converted.value]),
        in_scope(col(Motion.org_unit_id), units),
    )
    return _tasks(session, "motion.assign", stmt)


def _follow_ups_to_report(session: Session, principal: Principal) -> list[TaskOut]:
    """Open follow-ups (class-B answers) of the departments the caller handles, due on the promised
    date: the handler reports the work done (docs/motions.md, "Follow-up")."""
    if Role.handler not in principal.roles():
        return []
    stmt: AnySelect = (
        sa.select(col(Motion.id), col(Motion.title), col(MotionFollowUp.promised_on).label("deadline"))
        .join(MotionFollowUp, col(MotionFollowUp.motion_id) == col(Motion.id))
        .where(
            col(MotionFollowUp.status) == FollowUpStatus.open.value,
            col(MotionFollowUp.department_id).in_(congresses.handler_department_ids(principal)),
        )
    )
    return _tasks(session, "motion.follow_up", stmt)


#: this area's task kinds for the inbox, installed by ``api.main.create_app`` (see api.services.tasks)
TASK_PROVIDERS: dict[str, tasks.Provider] = {
    "motion.submit": _drafts_to_submit,
    "motion.rate": _motions_to_rate,
    "motion.reply": _motions_to_reply,
    "motion.review": _motions_to_review,
    "motion.assign": _motions_to_assign,
    "motion.follow_up": _follow_ups_to_report,
}
