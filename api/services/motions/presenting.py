"""Presenting motions: batch presenters (``MotionOut`` without N+1), the detail view and the timeline."""

from __future__ import annotations

import uuid
from collections import defaultdict

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.db.models import (
    Member,
    Motion,
    MotionDepartment,
    MotionEvent,
    MotionRating,
    MotionReply,
    MotionSignatory,
)
from api.schemas.motions import (
    MotionDetail,
    MotionEventOut,
    MotionOut,
    RatingOut,
    ReplyOut,
    SignatoryOut,
    SignatoryRole,
)
from api.services.motions.visibility import is_overdue


def present(session: Session, motions: list[Motion]) -> list[MotionOut]:
    """Motions with proposer, co-signers and departments: three queries for any number of motions."""
    ids = [m.id for m in motions]
    if not ids:
        return []
    signers: dict[uuid.UUID, list[SignatoryOut]] = defaultdict(list)
    for motion_id, member_id, name, role, signed_at in session.execute(
        sa.select(
            col(MotionSignatory.motion_id),
            col(MotionSignatory.member_id),
            col(Member.name),
            col(MotionSignatory.role),
            col(MotionSignatory.signed_at),
        )
        .join(Member, col(Member.id) == col(MotionSignatory.member_id))
        .where(col(MotionSignatory.motion_id).in_(ids))
        .order_by(col(MotionSignatory.signed_at), col(MotionSignatory.member_id))
    ).all():
        signers[motion_id].append(
            SignatoryOut(member_id=member_id, name=name, role=SignatoryRole(role), signed_at=signed_at)
        )
    names = dict(
        session.execute(
            select(col(Member.id), col(Member.name)).where(
                col(Member.id).in_({m.proposer_member_id for m in motions})
            )
        ).all()
    )
    co_depts: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for motion_id, dept_id in session.execute(
        select(MotionDepartment.motion_id, MotionDepartment.department_id)
        .where(col(MotionDepartment.motion_id).in_(ids), col(MotionDepartment.role) == "co")
        .order_by(col(MotionDepartment.department_id))
    ).all():
        co_depts[motion_id].append(dept_id)
    out = []
    for m in motions:
        data = m.model_dump()
        data.update(
            proposer=SignatoryOut(
                member_id=m.proposer_member_id,
                name=names.get(m.proposer_member_id, ""),
                role=SignatoryRole.proposer,
                signed_at=m.created_at,
            ),
            cosigners=signers[m.id],
            co_department_ids=co_depts[m.id],
            overdue=is_overdue(m),
        )
        out.append(MotionOut.model_validate(data))
    return out


def present_one(session: Session, motion: Motion) -> MotionOut:
    return present(session, [motion])[0]


def detail(session: Session, motion: Motion) -> MotionDetail:
    base = present_one(session, motion)
    replies = session.exec(
        select(MotionReply).where(col(MotionReply.motion_id) == motion.id).order_by(col(MotionReply.round))
    ).all()
    ratings = session.exec(
        select(MotionRating)
        .where(MotionRating.motion_id == motion.id)
        .order_by(col(MotionRating.round), col(MotionRating.created_at), col(MotionRating.id))
    ).all()
    return MotionDetail(
        **base.model_dump(),
        replies=[ReplyOut.model_validate(r) for r in replies],
        ratings=[RatingOut.model_validate(r) for r in ratings],
    )


def timeline(session: Session, motion: Motion) -> list[MotionEventOut]:
    events = session.exec(
        select(MotionEvent)
        .where(MotionEvent.motion_id == motion.id)
        .order_by(col(MotionEvent.created_at), col(MotionEvent.id))
    ).all()
    return [MotionEventOut.model_validate(e) for e in events]
