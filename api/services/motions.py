"""Motions to the workers' congress (职代会提案), domain.md §3 — common practice, configurable [L].

The workflow is a state machine held as data (:data:`TRANSITIONS`): each use case names its step,
and :func:`_step` refuses it with 409 ``motion_illegal_transition`` (and the ``current`` state)
unless the motion is in one of the step's source states. Every step is audited and appended to the
motion's timeline (``motion_event``) in the same transaction, then committed once.

Who may act is decided in two layers: the route's permission (``motions.submit`` for
representatives, ``motions.review`` for the chair, ``motions.manage`` for officers and chairs,
``motions.reply`` for handlers) and, here, the caller's relation to the motion: proposer,
signatory, representative of the congress, handler of the lead department, or a grant over the
congress's unit.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col, func, select

from api.db.models import (
    Congress,
    Department,
    Member,
    Motion,
    MotionDepartment,
    MotionEvent,
    MotionRating,
    MotionReply,
    MotionSignatory,
)
from api.db.types import utcnow
from api.errors import Conflict, Forbidden, NotFound, RuleViolation
from api.i18n import register
from api.schemas.congresses import SatisfactionScale
from api.schemas.motions import (
    AssignIn,
    DepartmentRow,
    MotionCategory,
    MotionCreate,
    MotionDetail,
    MotionEventOut,
    MotionKind,
    MotionOut,
    MotionReport,
    MotionStatus,
    MotionUpdate,
    OverdueItem,
    Rating,
    RatingIn,
    RatingOut,
    Ratio,
    ReplyIn,
    ReplyOut,
    ReviewDecision,
    ReviewIn,
    SignatoryOut,
    SignatoryRole,
    SubmitIn,
)
from api.schemas.tasks import TaskOut
from api.security.permissions import Role
from api.security.principal import Principal
from api.services import audit, congresses, tasks
from api.services.concurrency import expect_version
from api.services.pagination import keyset
from api.services.scope import in_scope, unit_within

register(
    {
        "motion_illegal_transition": (
            "The motion is {current}: the step {step} is not possible now.",
            "提案当前状态为 {current}，不能执行 {step}。",
        ),
        "motion_member_account_required": (
            "Your account is not linked to a member record.",
            "您的账号未关联会员档案。",
        ),
        "motion_not_representative": (
            "Only representatives of this congress can submit, co-sign or rate motions.",
            "只有本次大会的代表才能提出、附议或评价提案。",
        ),
        "motion_not_proposer": ("Only the proposer can do this.", "只有提案人可以执行此操作。"),
        "motion_self_cosign": (
            "The proposer cannot co-sign their own motion.",
            "提案人不能附议自己的提案。",
        ),
        "motion_already_cosigned": ("You have already co-signed this motion.", "您已附议该提案。"),
        "motion_not_cosigned": ("You have not co-signed this motion.", "您未附议该提案。"),
        "motion_deadline_passed": (
            "The motion deadline {deadline} has passed: submit it as a suggestion (as_suggestion: true).",
            "提案截止日期 {deadline} 已过，只能作为意见建议提交（as_suggestion: true）。",
        ),
        "motion_too_few_cosigners": (
            "A motion needs {required} co-signer(s) and has {actual}: submit it as a suggestion (as_suggestion: true).",
            "提案需要 {required} 名附议代表，现有 {actual} 名，只能作为意见建议提交（as_suggestion: true）。",
        ),
        "motion_review_own": (
            "You cannot review a motion you proposed or co-signed.",
            "不能审查本人提出或附议的提案。",
        ),
        "motion_merge_target_invalid": (
            "Merge only into another submitted or registered motion of the same congress.",
            "只能并入同一次大会中另一件已提交或已立案的提案。",
        ),
        "motion_department_invalid": (
            "The department does not exist, is inactive, or does not serve this congress's union.",
            "承办部门不存在、已停用或不属于本次大会所在工会。",
        ),
        "motion_due_in_past": ("The due date cannot be in the past.", "办理期限不能早于今天。"),
        "motion_not_lead_handler": (
            "Only a handler of the lead department can reply.",
            "只有主办部门的承办人可以答复。",
        ),
        "motion_not_signatory": (
            "Only the proposer and co-signers rate the reply.",
            "只有提案人和附议人可以评价答复。",
        ),
        "motion_already_rated": ("You have already rated this round's reply.", "您已评价过本轮答复。"),
        "motion_rating_not_on_scale": (
            "This congress rates on the scale {scale}: {rating} is not on it.",
            "本次大会的满意度等级为 {scale}，不含 {rating}。",
        ),
        "motion_report_forbidden": (
            "Only the union's chair, officers and auditors read the motion report.",
            "只有工会主席、干事和审计人员可以查看提案工作报告。",
        ),
    }
)

S = MotionStatus

#: where each step may start from (domain.md §3, Lifecycle)
TRANSITIONS: dict[str, frozenset[MotionStatus]] = {
    "edit": frozenset({S.draft}),
    "cosign": frozenset({S.draft}),
    "withdraw_cosignature": frozenset({S.draft}),
    "submit": frozenset({S.draft}),
    "review": frozenset({S.submitted}),
    # converted suggestions are "still answered"; an assigned or reopened motion can be re-assigned
    "assign": frozenset({S.registered, S.converted, S.assigned, S.reopened}),
    "reply": frozenset({S.assigned, S.reopened}),
    # co-signers may still rate after the proposer's rating closed the round
    "rate": frozenset({S.answered, S.closed}),
}

#: statuses of a motion the committee registered (or converted) and that is being or was handled
REGISTERED = frozenset({S.registered, S.assigned, S.answered, S.reopened, S.closed})
#: a due date is running
AWAITING_REPLY = frozenset({S.assigned, S.reopened})
#: roles that see motions by org scope (drafts excepted); handlers and members see by relation
SCOPE_READERS = frozenset({Role.chair, Role.officer, Role.auditor})
#: a merge target must still be open for signatories
MERGE_TARGETS = frozenset({S.submitted, S.registered, S.assigned})

SATISFIED = (Rating.satisfied.value, Rating.basically_satisfied.value)
SCALES: dict[str, frozenset[Rating]] = {
    SatisfactionScale.three_level.value: frozenset(Rating),
    SatisfactionScale.two_level.value: frozenset({Rating.satisfied, Rating.unsatisfied}),
}

MOTION_FIELDS = ("title", "reasons", "proposals", "category", "delegation")


def today() -> date:
    return congresses.today()


def _values(statuses: frozenset[MotionStatus]) -> list[str]:
    return sorted(s.value for s in statuses)


# --- who sees what ------------------------------------------------------------------------------


def visibility(principal: Principal) -> ColumnElement[bool]:
    """SQL over ``motion``: what the caller may see (domain.md §0 role matrix, §3).

    Chairs, officers, auditors: every motion past the draft stage within their grants' subtrees.
    Handlers: motions assigned to their departments (lead or co-handling). Members: their own, those
    they signed, and every registered motion of the congresses of their union once the congress opened.
    """
    clauses: list[ColumnElement[bool]] = []
    scoped = congresses.roots(principal, SCOPE_READERS)
    if scoped:
        clauses.append(sa.and_(in_scope(Motion.org_unit_id, scoped), Motion.status != S.draft.value))
    roles = principal.roles()
    if Role.handler in roles:
        clauses.append(
            Motion.id.in_(
                select(MotionDepartment.motion_id).where(
                    MotionDepartment.department_id.in_(congresses.handler_department_ids(principal))
                )
            )
        )
    if Role.member in roles and principal.member_id is not None:
        mid = principal.member_id
        opened = select(Congress.id).where(
            Congress.opening_on <= today(), Congress.org_unit_id.in_(congresses.units_over_member(mid))
        )
        clauses += [
            Motion.proposer_member_id == mid,
            Motion.id.in_(select(MotionSignatory.motion_id).where(MotionSignatory.member_id == mid)),
            sa.and_(Motion.status.in_(_values(REGISTERED)), Motion.congress_id.in_(opened)),
        ]
    return sa.or_(*clauses) if clauses else sa.false()


def get_visible(session: Session, motion_id: uuid.UUID, principal: Principal) -> Motion:
    """Load a motion the caller may see, else 404.

    A draft is also readable (and co-signable) by id for every representative of its congress: the
    proposer passes the link to the colleagues they ask to co-sign, who sign it themselves.
    """
    motion = session.exec(select(Motion).where(Motion.id == motion_id, visibility(principal))).first()
    if motion is not None:
        return motion
    if Role.member in principal.roles() and principal.member_id is not None:
        draft = session.get(Motion, motion_id)
        if draft is not None and draft.status == S.draft.value:
            congress = session.get(Congress, draft.congress_id)
            if congress is not None and congresses.is_representative(session, congress, principal.member_id):
                return draft
    raise NotFound()


def _overdue_clause() -> ColumnElement[bool]:
    return sa.and_(Motion.status.in_(_values(AWAITING_REPLY)), Motion.due_on < today())


def list_motions(
    session: Session,
    principal: Principal,
    *,
    limit: int,
    cursor: str | None,
    congress_id: uuid.UUID | None = None,
    status: MotionStatus | None = None,
    kind: MotionKind | None = None,
    category: MotionCategory | None = None,
    department_id: uuid.UUID | None = None,
    proposer_member_id: uuid.UUID | None = None,
    overdue: bool | None = None,
    q: str | None = None,
) -> tuple[list[Motion], str | None]:
    stmt = select(Motion).where(visibility(principal))
    if congress_id is not None:
        stmt = stmt.where(Motion.congress_id == congress_id)
    if status is not None:
        stmt = stmt.where(Motion.status == status.value)
    if kind is not None:
        stmt = stmt.where(Motion.kind == kind.value)
    if category is not None:
        stmt = stmt.where(Motion.category == category.value)
    if department_id is not None:
        stmt = stmt.where(
            Motion.id.in_(
                select(MotionDepartment.motion_id).where(MotionDepartment.department_id == department_id)
            )
        )
    if proposer_member_id is not None:
        stmt = stmt.where(Motion.proposer_member_id == proposer_member_id)
    if overdue is not None:
        stmt = stmt.where(_overdue_clause() if overdue else sa.not_(_overdue_clause()))
    if q:
        pattern = f"%{q}%"
        stmt = stmt.where(
            sa.or_(Motion.title.like(pattern), Motion.reasons.like(pattern), Motion.proposals.like(pattern))
        )
    return keyset(session, stmt, keys=[Motion.id], limit=limit, cursor=cursor)


# --- presenting ---------------------------------------------------------------------------------


def is_overdue(motion: Motion) -> bool:
    return motion.status in AWAITING_REPLY and motion.due_on is not None and motion.due_on < today()


def present(session: Session, motions: list[Motion]) -> list[MotionOut]:
    """Motions with proposer, co-signers and departments: three queries for any number of motions."""
    ids = [m.id for m in motions]
    if not ids:
        return []
    signers: dict[uuid.UUID, list[SignatoryOut]] = defaultdict(list)
    for motion_id, member_id, name, role, signed_at in session.execute(
        select(
            MotionSignatory.motion_id,
            MotionSignatory.member_id,
            Member.name,
            MotionSignatory.role,
            MotionSignatory.signed_at,
        )
        .join(Member, Member.id == MotionSignatory.member_id)
        .where(MotionSignatory.motion_id.in_(ids))
        .order_by(MotionSignatory.signed_at, MotionSignatory.member_id)
    ).all():
        signers[motion_id].append(
            SignatoryOut(member_id=member_id, name=name, role=SignatoryRole(role), signed_at=signed_at)
        )
    names = dict(
        session.execute(
            select(Member.id, Member.name).where(Member.id.in_({m.proposer_member_id for m in motions}))
        ).all()
    )
    co_depts: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for motion_id, dept_id in session.execute(
        select(MotionDepartment.motion_id, MotionDepartment.department_id)
        .where(MotionDepartment.motion_id.in_(ids), MotionDepartment.role == "co")
        .order_by(MotionDepartment.department_id)
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
        select(MotionReply).where(MotionReply.motion_id == motion.id).order_by(MotionReply.round)
    ).all()
    ratings = session.exec(
        select(MotionRating)
        .where(MotionRating.motion_id == motion.id)
        .order_by(MotionRating.round, MotionRating.created_at, MotionRating.id)
    ).all()
    return MotionDetail(
        **base.model_dump(),
        replies=[ReplyOut.model_validate(r) for r in replies],
        ratings=[RatingOut.model_validate(r) for r in ratings],
    )


def timeline(
    session: Session, motion: Motion, *, limit: int, cursor: str | None
) -> tuple[list[MotionEventOut], str | None]:
    """One page of the motion's steps, oldest first (event ids are time-ordered)."""
    stmt = select(MotionEvent).where(col(MotionEvent.motion_id) == motion.id)
    events, next_cursor = keyset(
        session, stmt, keys=[cast(ColumnElement[Any], col(MotionEvent.id))], limit=limit, cursor=cursor
    )
    return [MotionEventOut.model_validate(e) for e in events], next_cursor


# --- shared checks ------------------------------------------------------------------------------


def _step(motion: Motion, step: str) -> None:
    """Refuse a step the state machine does not allow from the motion's current state."""
    if S(motion.status) not in TRANSITIONS[step]:
        raise Conflict("motion_illegal_transition", current=motion.status, step=step)


def _member_of(principal: Principal) -> uuid.UUID:
    if principal.member_id is None:
        raise Forbidden("motion_member_account_required")
    return principal.member_id


def _congress(session: Session, motion: Motion) -> Congress:
    congress = session.get(Congress, motion.congress_id)
    assert congress is not None  # foreign key
    return congress


def _require_representative(session: Session, congress: Congress, member_id: uuid.UUID) -> None:
    """Only representatives submit or co-sign (domain.md §3 [L])."""
    if not congresses.is_representative(session, congress, member_id):
        raise Forbidden("motion_not_representative")


def _require_unit_grant(session: Session, motion: Motion, principal: Principal, permission: str) -> None:
    if not unit_within(session, motion.org_unit_id, principal.units_for(permission)):
        raise Forbidden(permission=permission)


def _signatory_ids(session: Session, motion_id: uuid.UUID) -> set[uuid.UUID]:
    return set(
        session.exec(select(MotionSignatory.member_id).where(MotionSignatory.motion_id == motion_id)).all()
    )


def _record(
    session: Session,
    motion: Motion,
    kind: str,
    from_status: str | None,
    by: Principal,
    details: dict[str, Any] | None = None,
) -> None:
    """Append to the timeline and the audit log, in the caller's transaction."""
    plain = audit._plain(details) if details else None
    session.add(
        MotionEvent(
            motion_id=motion.id,
            kind=kind,
            from_status=from_status,
            to_status=motion.status,
            round=motion.round,
            actor_id=by.user_id,
            actor_label=by.label,
            details=plain,
        )
    )
    changes: dict[str, Any] = {"before": {"status": from_status}, "after": {"status": motion.status}}
    if plain:
        changes["details"] = plain
    audit.record(
        session,
        by,
        f"motion.{kind}",
        entity_type="motion",
        entity_id=motion.id,
        org_unit_id=motion.org_unit_id,
        changes=changes,
    )


def _touch(motion: Motion) -> None:
    motion.updated_at = utcnow()  # also bumps the version (its signatories are part of what the ETag covers)


# --- drafting -----------------------------------------------------------------------------------


def create(session: Session, data: MotionCreate, *, by: Principal) -> Motion:
    """A representative drafts a motion for a congress of their union (domain.md §3: only
    representatives submit; one issue per motion)."""
    member_id = _member_of(by)
    congress = session.exec(
        select(Congress).where(Congress.id == data.congress_id, congresses.congress_visibility(by))
    ).first()
    if congress is None:
        raise RuleViolation("not_found", field="congress_id")
    _require_representative(session, congress, member_id)
    motion = Motion(
        congress_id=congress.id,
        org_unit_id=congress.org_unit_id,
        title=data.title,
        reasons=data.reasons,
        proposals=data.proposals,
        category=data.category.value,
        delegation=data.delegation,
        proposer_member_id=member_id,
        created_by_id=by.user_id,
    )
    session.add(motion)
    session.flush()
    _record(session, motion, "created", None, by, {"title": motion.title})
    session.commit()
    return motion


def update(session: Session, motion: Motion, data: MotionUpdate, *, version: int, by: Principal) -> Motion:
    """Only the proposer edits, and only while it is a draft."""
    if _member_of(by) != motion.proposer_member_id:
        raise Forbidden("motion_not_proposer")
    _step(motion, "edit")
    expect_version(motion, version)
    before = audit.snapshot(motion, MOTION_FIELDS)
    for key, value in data.model_dump(exclude_unset=True).items():
        if value is None and key != "delegation":
            raise RuleViolation("validation_failed", field=key, count=1)
        setattr(motion, key, value.value if hasattr(value, "value") else value)
    after = audit.snapshot(motion, MOTION_FIELDS)
    if after == before:
        return motion
    _touch(motion)
    _record(session, motion, "edited", motion.status, by, audit.diff(before, after))
    session.commit()
    return motion


def cosign(session: Session, motion: Motion, *, version: int, by: Principal) -> Motion:
    """Another representative of the same congress co-signs, for themselves only (domain.md §3:
    co-signers sign themselves): the signatory is always the caller's own member record."""
    member_id = _member_of(by)
    _step(motion, "cosign")
    expect_version(motion, version)
    if member_id == motion.proposer_member_id:
        raise RuleViolation("motion_self_cosign")
    _require_representative(session, _congress(session, motion), member_id)
    if session.get(MotionSignatory, (motion.id, member_id)) is not None:
        raise Conflict("motion_already_cosigned")
    session.add(MotionSignatory(motion_id=motion.id, member_id=member_id, role=SignatoryRole.cosigner.value))
    _touch(motion)
    _record(session, motion, "cosigned", motion.status, by, {"member_id": member_id})
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict("motion_already_cosigned") from None
    return motion


def withdraw_cosignature(session: Session, motion: Motion, *, version: int, by: Principal) -> Motion:
    """A co-signer withdraws their own signature, before submission only."""
    member_id = _member_of(by)
    _step(motion, "withdraw_cosignature")
    expect_version(motion, version)
    link = session.get(MotionSignatory, (motion.id, member_id))
    if link is None:
        raise Conflict("motion_not_cosigned")
    session.delete(link)
    _touch(motion)
    _record(session, motion, "cosignature_withdrawn", motion.status, by, {"member_id": member_id})
    session.commit()
    return motion


def submit(session: Session, motion: Motion, data: SubmitIn, *, version: int, by: Principal) -> Motion:
    """Submit by the deadline with enough co-signers (domain.md §3 [L]: deadline default 15 days
    before the opening; one proposer plus at least 2 co-signers). A late motion, or one without
    enough co-signers, is only a suggestion: the proposer must say so with ``as_suggestion``."""
    member_id = _member_of(by)
    if member_id != motion.proposer_member_id:
        raise Forbidden("motion_not_proposer")
    _step(motion, "submit")
    expect_version(motion, version)
    congress = _congress(session, motion)
    _require_representative(session, congress, member_id)
    cosigners = session.exec(
        select(func.count())
        .select_from(MotionSignatory)
        .where(
            MotionSignatory.motion_id == motion.id,
            MotionSignatory.member_id.in_(
                select(Member.id).where(congresses.representative_clause(congress))
            ),
        )
    ).one()
    late = today() > congress.motion_deadline_on
    too_few = cosigners < congress.min_cosigners
    if not data.as_suggestion:
        if late:
            raise RuleViolation(
                "motion_deadline_passed",
                field="as_suggestion",
                deadline=congress.motion_deadline_on.isoformat(),
            )
        if too_few:
            raise RuleViolation(
                "motion_too_few_cosigners",
                field="as_suggestion",
                required=congress.min_cosigners,
                actual=cosigners,
            )
    before = motion.status
    motion.submitted_at = utcnow()
    motion.submitted_late = late
    if data.as_suggestion:
        # An ordinary suggestion needs no committee decision; it goes straight to be answered.
        motion.kind = MotionKind.suggestion.value
        motion.status = S.converted.value
    else:
        motion.status = S.submitted.value
    _touch(motion)
    _record(
        session,
        motion,
        "submitted",
        before,
        by,
        {
            "as_suggestion": data.as_suggestion,
            "late": late,
            "cosigners": cosigners,
            "required_cosigners": congress.min_cosigners,
        },
    )
    session.commit()
    return motion


# --- committee review ---------------------------------------------------------------------------


def review(session: Session, motion: Motion, data: ReviewIn, *, version: int, by: Principal) -> Motion:
    """The motion committee (the chair) registers (立案), declines with reasons (不立案), merges into
    another motion of the same congress (并案: its proposers join the target), or converts to a
    suggestion (转为意见建议: still answered) (domain.md §3)."""
    _require_unit_grant(session, motion, by, "motions.review")
    _step(motion, "review")
    expect_version(motion, version)
    if by.member_id is not None and (
        by.member_id == motion.proposer_member_id or by.member_id in _signatory_ids(session, motion.id)
    ):
        raise Forbidden("motion_review_own")  # domain.md §0: nobody approves what they drafted
    before = motion.status
    details: dict[str, Any] = {"decision": data.decision.value}
    target: Motion | None = None
    if data.decision is ReviewDecision.register:
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
            "merged_in",
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
    ReviewDecision.register: "registered",
    ReviewDecision.decline: "declined",
    ReviewDecision.merge: "merged",
    ReviewDecision.convert: "converted",
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
    co-handlers and a due date, default the congress's reply period (domain.md §3 [L]: 2 months)."""
    _require_unit_grant(session, motion, by, "motions.manage")
    _step(motion, "assign")
    expect_version(motion, version)
    congress = _congress(session, motion)
    wanted = [data.lead_department_id, *data.co_department_ids]
    found = {d.id: d for d in session.exec(select(Department).where(Department.id.in_(wanted))).all()}
    for index, dept_id in enumerate(wanted):
        dept = found.get(dept_id)
        if dept is None or not dept.is_active or not congresses.department_serves(session, dept, congress):
            field = "lead_department_id" if index == 0 else f"co_department_ids.{index - 1}"
            raise RuleViolation("motion_department_invalid", field=field)
    due_on = data.due_on or congresses.add_months(today(), congress.reply_months)
    if due_on < today():
        raise RuleViolation("motion_due_in_past", field="due_on")
    before = motion.status
    session.execute(sa.delete(MotionDepartment).where(MotionDepartment.motion_id == motion.id))
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
        "assigned",
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
    date is recorded as late (domain.md §3)."""
    _step(motion, "reply")
    expect_version(motion, version)
    lead_ids = set(session.exec(congresses.handler_department_ids(by)).all())
    if motion.lead_department_id not in lead_ids:
        raise Forbidden("motion_not_lead_handler")
    assert motion.due_on is not None and motion.lead_department_id is not None
    replied_on = today()
    late = replied_on > motion.due_on
    session.add(
        MotionReply(
            motion_id=motion.id,
            round=motion.round,
            department_id=motion.lead_department_id,
            text=data.text,
            outcome_class=data.outcome_class.value,
            due_on=motion.due_on,
            replied_on=replied_on,
            late=late,
            replied_by_id=by.user_id,
        )
    )
    before = motion.status
    motion.outcome_class = data.outcome_class.value
    motion.status = S.answered.value
    _touch(motion)
    _record(
        session,
        motion,
        "replied",
        before,
        by,
        {
            "outcome_class": data.outcome_class.value,
            "due_on": motion.due_on,
            "late": late,
        },
    )
    session.commit()
    return motion


def rate(session: Session, motion: Motion, data: RatingIn, *, version: int, by: Principal) -> Motion:
    """The proposer and co-signers rate each round's reply once (domain.md §3). The proposer's rating
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
    kind = "rated"
    if is_proposer:
        if data.rating is Rating.unsatisfied:
            motion.round += 1
            motion.due_on = congresses.add_months(today(), congress.reply_months)
            motion.status = S.reopened.value
            details["due_on"] = motion.due_on
            kind = "reopened"
        else:
            motion.status = S.closed.value
            motion.closed_at = utcnow()
            kind = "closed"
    _touch(motion)
    _record(session, motion, kind, before, by, details)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict("motion_already_rated") from None
    return motion


# --- report -------------------------------------------------------------------------------------


def _ratio(numerator: int, denominator: int) -> Ratio:
    return Ratio(
        numerator=numerator,
        denominator=denominator,
        rate=round(numerator / denominator, 4) if denominator else None,
    )


def report(session: Session, congress: Congress, *, by: Principal) -> MotionReport:
    """The committee's report to the next congress (domain.md §3): counts by decision and outcome,
    on-time reply rate, satisfaction rate, reopened motions, the overdue list and a table per lead
    department — each figure one aggregate query, never a loop over motions."""
    if not unit_within(session, congress.org_unit_id, congresses.roots(by, SCOPE_READERS)):
        raise Forbidden("motion_report_forbidden")
    as_of = today()
    of_congress = Motion.congress_id == congress.id
    past_draft = sa.and_(of_congress, Motion.status != S.draft.value)

    by_kind: dict[str, int] = defaultdict(int)
    by_status: dict[str, int] = defaultdict(int)
    by_decision: dict[str, int] = defaultdict(int)
    for status, kind, decision, count in session.execute(
        select(Motion.status, Motion.kind, Motion.decision, func.count())
        .where(past_draft)
        .group_by(Motion.status, Motion.kind, Motion.decision)
    ).all():
        by_kind[kind] += count
        by_status[status] += count
        if decision:
            by_decision[decision] += count
    by_outcome = {
        cls: n
        for cls, n in session.execute(
            select(Motion.outcome_class, func.count())
            .where(past_draft, Motion.outcome_class.is_not(None))
            .group_by(Motion.outcome_class)
        ).all()
    }

    reply_rows = (
        select(
            MotionReply.department_id,
            func.count().label("n"),
            func.sum(sa.case((MotionReply.late.is_(False), 1), else_=0)).label("on_time"),
        )
        .join(Motion, Motion.id == MotionReply.motion_id)
        .where(of_congress)
        .group_by(MotionReply.department_id)
    )
    replies = {r.department_id: (r.n, int(r.on_time or 0)) for r in session.execute(reply_rows).all()}

    rated = (
        select(MotionRating.rating, MotionReply.department_id, func.count().label("n"))
        .join(Motion, Motion.id == MotionRating.motion_id)
        .join(
            MotionReply,
            sa.and_(MotionReply.motion_id == MotionRating.motion_id, MotionReply.round == MotionRating.round),
        )
        .where(of_congress)
        .group_by(MotionRating.rating, MotionReply.department_id)
    )
    ratings_by_value: dict[str, int] = defaultdict(int)
    dept_ratings: dict[uuid.UUID, list[int]] = defaultdict(lambda: [0, 0])
    for rating, dept_id, n in session.execute(rated).all():
        ratings_by_value[rating] += n
        dept_ratings[dept_id][1] += n
        if rating in SATISFIED:
            dept_ratings[dept_id][0] += n

    reopened, extra_rounds = session.execute(
        select(func.sum(sa.case((Motion.round > 1, 1), else_=0)), func.sum(Motion.round - 1)).where(
            past_draft
        )
    ).one()

    overdue_rows = session.execute(
        select(
            Motion.id,
            Motion.number,
            Motion.title,
            Motion.lead_department_id,
            Department.name,
            Motion.due_on,
            Motion.round,
        )
        .outerjoin(Department, Department.id == Motion.lead_department_id)
        .where(of_congress, _overdue_clause())
        .order_by(Motion.due_on, Motion.id)
    ).all()
    overdue = [
        OverdueItem(
            motion_id=r[0],
            number=r[1],
            title=r[2],
            lead_department_id=r[3],
            department_name=r[4],
            due_on=r[5],
            days_overdue=(as_of - r[5]).days,
            round=r[6],
        )
        for r in overdue_rows
    ]

    led = dict(
        session.execute(
            select(Motion.lead_department_id, func.count())
            .where(past_draft, Motion.lead_department_id.is_not(None))
            .group_by(Motion.lead_department_id)
        ).all()
    )
    overdue_by_dept: dict[uuid.UUID, int] = defaultdict(int)
    for item in overdue:
        if item.lead_department_id:
            overdue_by_dept[item.lead_department_id] += 1
    dept_ids = set(led) | set(replies) | set(dept_ratings)
    dept_names = dict(
        session.execute(select(Department.id, Department.name).where(Department.id.in_(dept_ids))).all()
    )
    departments = sorted(
        (
            DepartmentRow(
                department_id=d,
                name=dept_names.get(d, ""),
                assigned=led.get(d, 0),
                replies=replies.get(d, (0, 0))[0],
                on_time=replies.get(d, (0, 0))[1],
                late=replies.get(d, (0, 0))[0] - replies.get(d, (0, 0))[1],
                overdue=overdue_by_dept.get(d, 0),
                satisfied=dept_ratings[d][0] if d in dept_ratings else 0,
                ratings=dept_ratings[d][1] if d in dept_ratings else 0,
            )
            for d in dept_ids
        ),
        key=lambda row: (row.name, str(row.department_id)),
    )
    total_replies = sum(n for n, _ in replies.values())
    on_time = sum(t for _, t in replies.values())
    total_ratings = sum(ratings_by_value.values())
    satisfied = sum(ratings_by_value.get(v, 0) for v in SATISFIED)
    return MotionReport(
        congress_id=congress.id,
        congress_name=congress.name,
        as_of=as_of,
        submitted=sum(by_status.values()),
        by_kind=dict(by_kind),
        by_status=dict(by_status),
        by_decision=dict(by_decision),
        by_outcome=by_outcome,
        on_time_replies=_ratio(on_time, total_replies),
        satisfaction=_ratio(satisfied, total_ratings),
        ratings_by_value=dict(ratings_by_value),
        reopened=int(reopened or 0),
        extra_rounds=int(extra_rounds or 0),
        overdue=overdue,
        departments=departments,
    )


def report_xlsx(data: MotionReport) -> bytes:
    """The report as a workbook for printing: summary, overdue list, departments."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    book = Workbook()
    summary = book.active
    summary.title = "概况"
    summary.append([data.congress_name])
    summary["A1"].font = bold
    summary.append(["统计日期", data.as_of.isoformat()])
    summary.append(["提交总数", data.submitted])
    for label, counts, names in (
        ("类别", data.by_kind, {"motion": "提案", "suggestion": "意见建议"}),
        (
            "审查结果",
            data.by_decision,
            {"register": "立案", "decline": "不立案", "merge": "并案", "convert": "转为意见建议"},
        ),
        (
            "答复类别",
            data.by_outcome,
            {"A": "A 已解决", "B": "B 正在解决/列入计划", "C": "C 暂不能解决", "D": "D 留作参考"},
        ),
    ):
        for key in names:
            summary.append([label, names[key], counts.get(key, 0)])
    summary.append(
        [
            "按期答复",
            data.on_time_replies.numerator,
            data.on_time_replies.denominator,
            data.on_time_replies.rate,
        ]
    )
    summary.append(
        ["满意率", data.satisfaction.numerator, data.satisfaction.denominator, data.satisfaction.rate]
    )
    summary.append(["退回重办件数", data.reopened])
    overdue = book.create_sheet("逾期")
    overdue.append(["案号", "案由", "主办部门", "办理期限", "逾期天数", "轮次"])
    for item in data.overdue:
        overdue.append(
            [item.number, item.title, item.department_name, item.due_on, item.days_overdue, item.round]
        )
    depts = book.create_sheet("承办部门")
    depts.append(["部门", "主办件数", "答复", "按期", "逾期答复", "逾期未复", "满意评价", "评价总数"])
    for row in data.departments:
        depts.append(
            [
                row.name,
                row.assigned,
                row.replies,
                row.on_time,
                row.late,
                row.overdue,
                row.satisfied,
                row.ratings,
            ]
        )
    for sheet in (overdue, depts):
        for cell in sheet[1]:
            cell.font = bold
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- task inbox ---------------------------------------------------------------------------------


def _tasks(session: Session, kind: str, stmt: sa.Select[Any]) -> list[TaskOut]:
    rows = session.execute(stmt.order_by(Motion.id).limit(tasks.PER_KIND + 1)).all()
    return [
        TaskOut(
            kind=kind,
            title=r.title,
            resource_type="motion",
            resource_id=r.id,
            link=f"/api/v1/motions/{r.id}",
            deadline=r.deadline,
        )
        for r in rows
    ]


def _drafts_to_submit(session: Session, principal: Principal) -> list[TaskOut]:
    if principal.member_id is None or Role.member not in principal.roles():
        return []
    stmt = (
        select(Motion.id, Motion.title, Congress.motion_deadline_on.label("deadline"))
        .join(Congress, Congress.id == Motion.congress_id)
        .where(Motion.proposer_member_id == principal.member_id, Motion.status == S.draft.value)
    )
    return _tasks(session, "motion.submit", stmt)


def _motions_to_rate(session: Session, principal: Principal) -> list[TaskOut]:
    mid = principal.member_id
    if mid is None or Role.member not in principal.roles():
        return []
    rated = select(MotionRating.id).where(
        MotionRating.motion_id == Motion.id, MotionRating.round == Motion.round, MotionRating.member_id == mid
    )
    stmt = select(Motion.id, Motion.title, sa.null().label("deadline")).where(
        Motion.status == S.answered.value,
        sa.or_(
            Motion.proposer_member_id == mid,
            Motion.id.in_(select(MotionSignatory.motion_id).where(MotionSignatory.member_id == mid)),
        ),
        ~sa.exists(rated),
    )
    return _tasks(session, "motion.rate", stmt)


def _motions_to_reply(session: Session, principal: Principal) -> list[TaskOut]:
    if Role.handler not in principal.roles():
        return []
    stmt = select(Motion.id, Motion.title, Motion.due_on.label("deadline")).where(
        Motion.status.in_(_values(AWAITING_REPLY)),
        Motion.lead_department_id.in_(congresses.handler_department_ids(principal)),
    )
    return _tasks(session, "motion.reply", stmt)


def _motions_to_review(session: Session, principal: Principal) -> list[TaskOut]:
    units = principal.units_for("motions.review")
    if not units:
        return []
    stmt = (
        select(Motion.id, Motion.title, Congress.opening_on.label("deadline"))
        .join(Congress, Congress.id == Motion.congress_id)
        .where(Motion.status == S.submitted.value, in_scope(Motion.org_unit_id, units))
    )
    return _tasks(session, "motion.review", stmt)


def _motions_to_assign(session: Session, principal: Principal) -> list[TaskOut]:
    units = principal.units_for("motions.manage")
    if not units:
        return []
    stmt = select(Motion.id, Motion.title, sa.null().label("deadline")).where(
        Motion.status.in_([S.registered.value, S.converted.value]), in_scope(Motion.org_unit_id, units)
    )
    return _tasks(session, "motion.assign", stmt)


#: this area's task kinds for the inbox, installed by ``api.main.create_app`` (see api.services.tasks)
TASK_PROVIDERS: dict[str, tasks.Provider] = {
    "motion.submit": _drafts_to_submit,
    "motion.rate": _motions_to_rate,
    "motion.reply": _motions_to_reply,
    "motion.review": _motions_to_review,
    "motion.assign": _motions_to_assign,
}
