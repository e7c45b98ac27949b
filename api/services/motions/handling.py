"""The committee's and the handlers' steps: review (register, convert, merge, reject), assign to
departments, reply, and the signatories' rating that closes or reopens a round.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from api.db.models import (
    Department,
    Motion,
    MotionDepartment,
    MotionRating,
    MotionReply,
    MotionSignatory,
)
from api.db.types import utcnow
from api.errors import Conflict, Forbidden, RuleViolation
from api.schemas.motions import (
    AssignIn,
    MotionEventKind,
    MotionKind,
    Rating,
    RatingIn,
    ReplyIn,
    ReviewDecision,
    ReviewIn,
    SignatoryRole,
)
from api.security.principal import Principal
from api.services import congresses
from api.services.concurrency import expect_version
from api.services.motions import followups, presidium
from api.services.motions.workflow import (
    MERGE_TARGETS,
    SCALES,
    S,
    _congress,
    _member_of,
    _record,
    _require_unit_grant,
    _signatory_ids,
    _step,
    _touch,
    today,
)

# --- committee review ---------------------------------------------------------------------------


def review(session: Session, motion: Motion, data: ReviewIn, *, version: int, by: Principal) -> Motion:
    """The motion committee (the chair) registers (立案), declines with reasons (不立案), merges into
    another motion of the same congress (并案: its proposers join the target), or converts to a
    suggestion (转为意见建议: still answered) (docs/rules.md §3)."""
    _require_unit_grant(session, motion, by, "motions.review")
    _step(motion, "review")
    expect_version(motion, version)
    if by.member_id is not None and (
        by.member_id == motion.proposer_member_id or by.member_id in _signatory_ids(session, motion.id)
    ):
        raise Forbidden("motion_review_own")  # docs/rules.md §0: nobody approves what they drafted
    before = motion.status
    details: dict[str, Any] = {"decision": data.decision.value, **presidium.check(motion, data)}
    target: Motion | None = None
    if data.decision is ReviewDecision.refer:
        motion.status = S.referred.value
    elif data.decision is ReviewDecision.register:
        last = session.exec(
            select(func.max(Motion.number)).where(Motion.congress_id == motion.congress_id)
        ).one()
        motion.number = (last or 0) + 1
        motion.status = S.registered.value
        details["number"] = motion.number
    elif data.decision is ReviewDecision.decline:
        motion.status = S.declined.value
    elif data.decision is ReviewDecision.convert:
        motion.kind = MotionKind.suggestion.value
        motion.status = S.converted.value
    else:
        target = _merge_target(session, motion, data.merge_into_id)
        motion.status = S.merged.value
        motion.merged_into_id = target.id
        details["merge_into_id"] = target.id
        details["moved"] = _move_signatories(session, motion, target)
    motion.decision = data.decision.value
    motion.decision_reason = data.reason
    motion.reviewed_by_id = by.user_id
    motion.reviewed_at = utcnow()
    if data.reason:
        details["reason"] = data.reason
    _touch(motion)
    _record(session, motion, _REVIEW_EVENTS[data.decision], before, by, details)
    if target is not None:
        _touch(target)
        _record(
            session,
            target,
            MotionEventKind.merged_in,
            target.status,
            by,
            {"from_motion_id": motion.id, "moved": details["moved"]},
        )
    try:
        session.commit()
    except IntegrityError:  # two registrations raced for the same number
        session.rollback()
        raise Conflict("motion_illegal_transition", current=before, step="review") from None
    return motion


_REVIEW_EVENTS = {
    ReviewDecision.register: MotionEventKind.registered,
    ReviewDecision.decline: MotionEventKind.declined,
    ReviewDecision.merge: MotionEventKind.merged,
    ReviewDecision.convert: MotionEventKind.converted,
    ReviewDecision.refer: MotionEventKind.referred,
}


def _merge_target(session: Session, motion: Motion, target_id: uuid.UUID | None) -> Motion:
    target = session.get(Motion, target_id) if target_id else None
    if (
        target is None
        or target.id == motion.id
        or target.congress_id != motion.congress_id
        or target.kind != MotionKind.motion.value
        or S(target.status) not in MERGE_TARGETS
    ):
        raise RuleViolation("motion_merge_target_invalid", field="merge_into_id")
    return target


def _move_signatories(session: Session, source: Motion, target: Motion) -> list[str]:
    """并案: the merged motion's proposer becomes a co-proposer of the target and its co-signers
    co-sign the target; people already on the target keep their place."""
    present_ids = _signatory_ids(session, target.id) | {target.proposer_member_id}
    rows = session.exec(select(MotionSignatory).where(MotionSignatory.motion_id == source.id)).all()
    incoming = [(source.proposer_member_id, SignatoryRole.co_proposer)] + [
        (r.member_id, SignatoryRole(r.role)) for r in rows
    ]
    moved = []
    for member_id, role in incoming:
        if member_id in present_ids:
            continue
        session.add(
            MotionSignatory(
                motion_id=target.id, member_id=member_id, role=role.value, merged_from_id=source.id
            )
        )
        present_ids.add(member_id)
        moved.append(str(member_id))
    return moved


# --- handling -----------------------------------------------------------------------------------


def assign(session: Session, motion: Motion, data: AssignIn, *, version: int, by: Principal) -> Motion:
    """Officers or the chair give a registered motion (or a suggestion) a lead department,
    co-handlers and a due date, default the congress's reply period (docs/rules.md §3 [L]: 2 months)."""
    _require_unit_grant(session, motion, by, "motions.manage")
    _step(motion, "assign")
    expect_version(motion, version)
    congress = _congress(session, motion)
    wanted = [data.lead_department_id, *data.co_department_ids]
    found = {d.id: d for d in session.exec(select(Department).where(col(Department.id).in_(wanted))).all()}
    for index, dept_id in enumerate(wanted):
        dept = found.get(dept_id)
        if dept is None or not dept.is_active or not congresses.department_serves(session, dept, congress):
            field = "lead_department_id" if index == 0 else f"co_department_ids.{index - 1}"
            raise RuleViolation("motion_department_invalid", field=field)
    due_on = data.due_on or congresses.add_months(today(), congress.reply_months)
    if due_on < today():
        raise RuleViolation("motion_due_in_past", field="due_on")
    before = motion.status
    session.execute(sa.delete(MotionDepartment).where(col(MotionDepartment.motion_id) == motion.id))
    session.add(MotionDepartment(motion_id=motion.id, department_id=data.lead_department_id, role="lead"))
    for dept_id in data.co_department_ids:
        session.add(MotionDepartment(motion_id=motion.id, department_id=dept_id, role="co"))
    motion.lead_department_id = data.lead_department_id
    motion.due_on = due_on
    motion.status = S.assigned.value
    _touch(motion)
    _record(
        session,
        motion,
        MotionEventKind.assigned,
        before,
        by,
        {
            "lead_department_id": data.lead_department_id,
            "co_department_ids": data.co_department_ids,
            "due_on": due_on,
        },
    )
    session.commit()
    return motion


def reply(session: Session, motion: Motion, data: ReplyIn, *, version: int, by: Principal) -> Motion:
    """A handler of the lead department answers with an outcome class A-D; a reply after the due
    date is recorded as late (docs/rules.md §3)."""
    _step(motion, "reply")
    expect_version(motion, version)
    lead_ids = set(session.execute(congresses.handler_department_ids(by)).scalars().all())
    if motion.lead_department_id not in lead_ids:
        raise Forbidden("motion_not_lead_handler")
    assert motion.due_on is not None and motion.lead_department_id is not None
    replied_on = today()
    late = replied_on > motion.due_on
    answer = MotionReply(
        motion_id=motion.id,
        round=motion.round,
        department_id=motion.lead_department_id,
        text=data.text,
        outcome_class=data.outcome_class.value,
        promised_on=data.promised_on,
        due_on=motion.due_on,
        replied_on=replied_on,
        late=late,
        replied_by_id=by.user_id,
    )
    session.add(answer)
    followups.on_reply(session, motion, answer)
    before = motion.status
    motion.outcome_class = data.outcome_class.value
    motion.status = S.answered.value
    _touch(motion)
    _record(
        session,
        motion,
        MotionEventKind.replied,
        before,
        by,
        {
            "outcome_class": data.outcome_class.value,
            "due_on": motion.due_on,
            "late": late,
            **({"promised_on": data.promised_on} if data.promised_on else {}),
        },
    )
    session.commit()
    return motion


def rate(session: Session, motion: Motion, data: RatingIn, *, version: int, by: Principal) -> Motion:
    """The proposer and co-signers rate each round's reply once (docs/rules.md §3). The proposer's rating
    decides: unsatisfied sends the motion back for another round with a new due date; otherwise it
    closes."""
    member_id = _member_of(by)
    is_proposer = member_id == motion.proposer_member_id
    if not is_proposer and member_id not in _signatory_ids(session, motion.id):
        raise Forbidden("motion_not_signatory")
    _step(motion, "rate")
    already = session.exec(
        select(MotionRating.id).where(
            MotionRating.motion_id == motion.id,
            MotionRating.round == motion.round,
            MotionRating.member_id == member_id,
        )
    ).first()
    if already is not None:
        raise Conflict("motion_already_rated")
    if is_proposer and motion.status != S.answered.value:
        raise Conflict("motion_illegal_transition", current=motion.status, step="rate")
    expect_version(motion, version)
    congress = _congress(session, motion)
    if data.rating not in SCALES.get(congress.satisfaction_scale, frozenset(Rating)):
        raise RuleViolation(
            "motion_rating_not_on_scale",
            field="rating",
            scale=congress.satisfaction_scale,
            rating=data.rating.value,
        )
    session.add(
        MotionRating(
            motion_id=motion.id,
            round=motion.round,
            member_id=member_id,
            is_proposer=is_proposer,
            rating=data.rating.value,
            comment=data.comment,
        )
    )
    before = motion.status
    details: dict[str, Any] = {
        "rating": data.rating.value,
        "proposer": is_proposer,
        "rated_round": motion.round,
    }
    kind = MotionEventKind.rated
    if is_proposer:
        if data.rating is Rating.unsatisfied:
            motion.round += 1
            motion.due_on = congresses.add_months(today(), congress.reply_months)
            motion.status = S.reopened.value
            details["due_on"] = motion.due_on
            kind = MotionEventKind.reopened
        else:
            motion.status = S.closed.value
            motion.closed_at = utcnow()
            kind = MotionEventKind.closed
    _touch(motion)
    _record(session, motion, kind, before, by, details)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict("motion_already_rated") from None
    return motion
