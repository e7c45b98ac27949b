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
from api.i18n import _, _n, register
from api.schemas.congresses import SatisfactionScale
from api.schemas.motions import (
    MotionEventKind,
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
        "motion_illegal_transition": _("The motion is {current}: the step {step} is not possible now."),
        "motion_member_account_required": _("Your account is not linked to a member record."),
        "motion_not_representative": _(
            "Only representatives of this congress can submit, co-sign or rate motions."
        ),
        "motion_not_proposer": _("Only the proposer can do this."),
        "motion_self_cosign": _("The proposer cannot co-sign their own motion."),
        "motion_already_cosigned": _("You have already co-signed this motion."),
        "motion_not_cosigned": _("You have not co-signed this motion."),
        "motion_deadline_passed": _(
            "The motion deadline {deadline} has passed: submit it as a suggestion (as_suggestion: true)."
        ),
        "motion_too_few_cosigners": _n(
            "A motion needs {required} co-signer and has {actual}: submit it as a suggestion "
            "(as_suggestion: true).",
            "A motion needs {required} co-signers and has {actual}: submit it as a suggestion "
            "(as_suggestion: true).",
            "required",
        ),
        "motion_review_own": _("You cannot review a motion you proposed or co-signed."),
        "motion_merge_target_invalid": _(
            "Merge only into another submitted or registered motion of the same congress."
        ),
        "motion_department_invalid": _(
            "The department does not exist, is inactive, or does not serve this congress's union."
        ),
        "motion_due_in_past": _("The due date cannot be in the past."),
        "motion_not_lead_handler": _("Only a handler of the lead department can reply."),
        "motion_not_signatory": _("Only the proposer and co-signers rate the reply."),
        "motion_already_rated": _("You have already rated this round's reply."),
        "motion_rating_not_on_scale": _("This congress rates on the scale {scale}: {rating} is not on it."),
        "motion_report_forbidden": _("Only the union's chair, officers and auditors read the motion report."),
    }
)

S = MotionStatus

#: where each step may start from (docs/rules.md §3, Lifecycle)
TRANSITIONS: dict[str, frozenset[MotionStatus]] = {
    "edit": frozenset({S.draft}),
    "cosign": frozenset({S.draft}),
    "withdraw_cosignature": frozenset({S.draft}),
    "submit": frozenset({S.draft}),
    # a referred motion's review is the presidium's decision (api.services.motions.presidium)
    "review": frozenset({S.submitted, S.referred}),
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
    kind: MotionEventKind,
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
