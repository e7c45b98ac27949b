"""The proposal's path (docs/rules.md §3: 合理化建议 follow the motions' path without co-signers) as data,
and one function per step. Any worker with a member account submits — not only representatives; a
named officer screens it and forwards it to the department concerned (or rejects it, with the reason);
a handler of that department records adoption and the benefit; an officer records that the worker was
told the result, and any reward. Due dates: 2 months, 3 for major ones [L, configurable].
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from api.config import Settings
from api.db.models import Department, Member, RationalisationCampaign, RationalisationEvent
from api.db.models import RationalisationProposal as Proposal
from api.db.types import utcnow
from api.errors import Conflict, Forbidden, RuleViolation
from api.i18n import _, register
from api.schemas.rationalisation import (
    DecideIn,
    NotifyIn,
    ProposalCreate,
    ProposalStatus,
    RewardIn,
    ScreenDecision,
    ScreenIn,
)
from api.security.principal import Principal
from api.services import audit, congresses
from api.services.concurrency import expect_version
from api.services.congresses import common as congresses_common
from api.services.member_core import grassroots_of
from api.services.scope import unit_within

register(
    {
        "rationalisation_illegal_transition": _("A {current} proposal cannot be {step}."),
        "rationalisation_account_required": _("Only a member account submits proposals (your own)."),
        "rationalisation_not_current_member": _("Only a current member can submit; you are {current}."),
        "rationalisation_campaign_closed": _("The campaign runs from {starts_on} to {ends_on}."),
        "rationalisation_own_proposal": _("You submitted this proposal; another officer screens it."),
        "rationalisation_not_department_handler": _(
            "Only a handler of the department the proposal was forwarded to answers it."
        ),
        "rationalisation_reward_not_adopted": _("Only an adopted proposal is rewarded."),
    }
)

S = ProposalStatus

#: where each step may start from
TRANSITIONS: dict[str, frozenset[ProposalStatus]] = {
    "screen": frozenset({S.submitted}),
    "decide": frozenset({S.forwarded}),
    "notify": frozenset({S.rejected, S.adopted, S.not_adopted}),
    "reward": frozenset({S.adopted, S.closed}),
}

#: a member may submit while holding membership
CURRENT = frozenset({"active", "transfer_pending", "retained"})


def _step(proposal: Proposal, step: str) -> None:
    if S(proposal.status) not in TRANSITIONS[step]:
        raise Conflict("rationalisation_illegal_transition", current=proposal.status, step=step)


def _record(
    session: Session,
    proposal: Proposal,
    kind: str,
    from_status: str | None,
    by: Principal,
    details: dict[str, Any] | None = None,
) -> None:
    plain = audit.plain(details) if details else None
    session.add(
        RationalisationEvent(
            proposal_id=proposal.id,
            kind=kind,
            from_status=from_status,
            to_status=proposal.status,
            actor_id=by.user_id,
            details=plain,
        )
    )
    audit.record(
        session,
        by,
        f"rationalisation.{kind}",
        entity_type="rationalisation_proposal",
        entity_id=proposal.id,
        org_unit_id=proposal.org_unit_id,
        changes={"before": {"status": from_status}, "after": {"status": proposal.status}, "details": plain},
    )


def submit(session: Session, data: ProposalCreate, *, by: Principal) -> Proposal:
    """Any worker who is a member submits their own proposal (not only representatives), within the
    period of the campaign when one is named."""
    member = session.get(Member, by.member_id) if by.member_id else None
    if member is None:
        raise Forbidden("rationalisation_account_required")
    if member.status not in CURRENT:
        raise Forbidden("rationalisation_not_current_member", current=member.status)
    grassroots = grassroots_of(session, member.org_unit_id)
    if data.campaign_id is not None:
        campaign = session.get(RationalisationCampaign, data.campaign_id)
        if campaign is None or not unit_within(session, member.org_unit_id, [campaign.org_unit_id]):
            raise RuleViolation("not_found", field="campaign_id")
        if not campaign.starts_on <= congresses_common.today() <= campaign.ends_on:
            raise RuleViolation(
                "rationalisation_campaign_closed",
                field="campaign_id",
                starts_on=campaign.starts_on.isoformat(),
                ends_on=campaign.ends_on.isoformat(),
            )
    proposal = Proposal(
        org_unit_id=member.org_unit_id,
        grassroots_unit_id=grassroots.id,
        campaign_id=data.campaign_id,
        submitter_member_id=member.id,
        title=data.title,
        problem=data.problem,
        proposal=data.proposal,
    )
    session.add(proposal)
    session.flush()
    _record(session, proposal, "submitted", None, by, {"title": data.title})
    session.commit()
    return proposal


def screen(
    session: Session, proposal: Proposal, data: ScreenIn, *, version: int, settings: Settings, by: Principal
) -> Proposal:
    """A named officer (the caller, recorded) forwards the proposal to a department of the worker's
    union with a due date, or rejects it with the reason; not their own proposal."""
    _step(proposal, "screen")
    expect_version(proposal, version)
    if by.member_id is not None and by.member_id == proposal.submitter_member_id:
        raise Forbidden("rationalisation_own_proposal")
    before = proposal.status
    details: dict[str, Any] = {"decision": data.decision.value}
    if data.decision is ScreenDecision.forward:
        dept = session.get(Department, data.department_id)
        if dept is None or not dept.is_active or dept.org_unit_id != proposal.grassroots_unit_id:
            raise RuleViolation("not_found", field="department_id")
        months = (
            settings.rationalisation_major_reply_months
            if data.is_major
            else settings.rationalisation_reply_months
        )
        proposal.department_id = dept.id
        proposal.is_major = data.is_major
        proposal.due_on = congresses.add_months(congresses_common.today(), months)
        proposal.status = S.forwarded.value
        details |= {"department_id": dept.id, "due_on": proposal.due_on, "is_major": data.is_major}
    else:
        proposal.status = S.rejected.value
    proposal.screened_by_id = by.user_id
    proposal.screened_at = utcnow()
    proposal.screening_note = data.note
    proposal.updated_at = utcnow()
    _record(session, proposal, "screened", before, by, details)
    session.commit()
    return proposal


def decide(session: Session, proposal: Proposal, data: DecideIn, *, version: int, by: Principal) -> Proposal:
    """A handler of the department answers: adopted (with the benefit) or not."""
    _step(proposal, "decide")
    expect_version(proposal, version)
    if proposal.department_id not in set(session.scalars(congresses.handler_department_ids(by)).all()):
        raise Forbidden("rationalisation_not_department_handler")
    before = proposal.status
    proposal.adopted = data.adopted
    proposal.decision_note = data.note
    proposal.benefit_fen = data.benefit_fen if data.adopted else None
    proposal.benefit_note = data.benefit_note if data.adopted else None
    proposal.decided_by_id = by.user_id
    proposal.decided_on = congresses_common.today()
    proposal.status = (S.adopted if data.adopted else S.not_adopted).value
    proposal.updated_at = utcnow()
    late = proposal.due_on is not None and proposal.decided_on > proposal.due_on
    _record(
        session,
        proposal,
        "decided",
        before,
        by,
        {"adopted": data.adopted, "benefit_fen": proposal.benefit_fen, "late": late},
    )
    session.commit()
    return proposal


def notify(session: Session, proposal: Proposal, data: NotifyIn, *, version: int, by: Principal) -> Proposal:
    """The worker is told the result (what and how is recorded); the proposal is closed."""
    _step(proposal, "notify")
    expect_version(proposal, version)
    before = proposal.status
    proposal.result_note = data.result_note
    proposal.notified_by_id = by.user_id
    proposal.notified_at = utcnow()
    proposal.status = S.closed.value
    proposal.updated_at = utcnow()
    _record(session, proposal, "notified", before, by, {"result_note": data.result_note})
    session.commit()
    return proposal


def reward(session: Session, proposal: Proposal, data: RewardIn, *, version: int, by: Principal) -> Proposal:
    """A reward for an adopted proposal, in fen, with its note."""
    _step(proposal, "reward")
    expect_version(proposal, version)
    if not proposal.adopted:
        raise Conflict("rationalisation_reward_not_adopted")
    before = proposal.status
    proposal.reward_fen = data.reward_fen
    proposal.reward_note = data.note
    proposal.rewarded_by_id = by.user_id
    proposal.updated_at = utcnow()
    _record(session, proposal, "rewarded", before, by, {"reward_fen": data.reward_fen})
    session.commit()
    return proposal
