"""The drafting steps of a motion: create, edit, co-sign, withdraw a co-signature, submit
(docs/rules.md §3: deadline, co-signer threshold, or a suggestion instead).
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from api.db.models import (
    Congress,
    Member,
    Motion,
    MotionSignatory,
)
from api.db.types import utcnow
from api.errors import Conflict, Forbidden, RuleViolation
from api.schemas.motions import (
    MotionCreate,
    MotionEventKind,
    MotionKind,
    MotionUpdate,
    SignatoryRole,
    SubmitIn,
)
from api.security.principal import Principal
from api.services import audit, congresses
from api.services.concurrency import expect_version
from api.services.motions import categories
from api.services.motions.workflow import (
    MOTION_FIELDS,
    S,
    _congress,
    _member_of,
    _record,
    _require_representative,
    _step,
    _touch,
    today,
)

# --- drafting -----------------------------------------------------------------------------------


def create(session: Session, data: MotionCreate, *, by: Principal) -> Motion:
    """A representative drafts a motion for a congress of their union (docs/rules.md §3: only
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
        category=categories.check(data.category),
        delegation=data.delegation,
        proposer_member_id=member_id,
        created_by_id=by.user_id,
    )
    session.add(motion)
    session.flush()
    _record(session, motion, MotionEventKind.created, None, by, {"title": motion.title})
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
        if key == "category":
            categories.check(value)
        setattr(motion, key, value.value if hasattr(value, "value") else value)
    after = audit.snapshot(motion, MOTION_FIELDS)
    if after == before:
        return motion
    _touch(motion)
    _record(session, motion, MotionEventKind.edited, motion.status, by, audit.diff(before, after))
    session.commit()
    return motion


def cosign(session: Session, motion: Motion, *, version: int, by: Principal) -> Motion:
    """Another representative of the same congress co-signs, for themselves only (docs/rules.md §3:
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
    _record(session, motion, MotionEventKind.cosigned, motion.status, by, {"member_id": member_id})
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
    _record(
        session, motion, MotionEventKind.cosignature_withdrawn, motion.status, by, {"member_id": member_id}
    )
    session.commit()
    return motion


def submit(session: Session, motion: Motion, data: SubmitIn, *, version: int, by: Principal) -> Motion:
    """Submit by the deadline with enough co-signers (docs/rules.md §3 [L]: deadline default 15 days
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
            col(MotionSignatory.member_id).in_(
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
        MotionEventKind.submitted,
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
