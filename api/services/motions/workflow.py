"""The motion state machine as data, and the checks and bookkeeping every step shares.

:data:`TRANSITIONS` says where each step may start from; :func:`_step` refuses a step with 409
``motion_illegal_transition`` (and the ``current`` state) unless the motion is in one of its source
states. :func:`_record` audits a step and appends it to the motion's timeline (``motion_event``) in
the same transaction. The error messages of the whole area are registered here.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlmodel import Session, select

from api.db.models import (
    Congress,
    Motion,
    MotionEvent,
    MotionSignatory,
)
from api.db.types import utcnow
from api.errors import Conflict, Forbidden
from api.i18n import register
from api.schemas.congresses import SatisfactionScale
from api.schemas.motions import (
    MotionStatus,
    Rating,
)
from api.security.permissions import Role
from api.security.principal import Principal
from api.services import audit, congresses
from api.services.congresses import common as congresses_common
from api.services.scope import unit_within

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
            "A motion needs {required} co-signer(s) and has {actual}: submit it as a suggestion "
            "(as_suggestion: true).",
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

#: where each step may start from (docs/rules.md §3, Lifecycle)
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
    return congresses_common.today()  # one clock for the congress and its motions (tests replace it)


def status_values(statuses: frozenset[MotionStatus]) -> list[str]:
    return sorted(s.value for s in statuses)


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
    """Only representatives submit or co-sign (docs/rules.md §3 [L])."""
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
    plain = audit.plain(details) if details else None
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
