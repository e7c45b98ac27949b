"""The main path of a negotiation, one use case per step (docs/rules.md §2; 令22):
proposal (Art 32) -> reply -> [sessions and drafts] -> agreement -> congress vote (Art 36) -> signing
(Art 37) -> filing (Art 42) -> objection (Art 46) or, by date alone, effective (Art 47) ->
publication (Art 48). Amendments and renewals (Art 38-40) start again from a proposal.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, func, select

from api.config import Settings
from api.db.models import (
    Congress,
    Member,
    Negotiation,
    NegotiationCoverage,
    NegotiationDraft,
    NegotiationSession,
    NegotiationVote,
    OrgUnit,
)
from api.errors import Conflict, NotFound, RuleViolation
from api.i18n import _, register
from api.rules import collective_contracts as rules
from api.schemas.negotiations import (
    AgreeIn,
    Electorate,
    FileIn,
    NegotiationCreate,
    NegotiationKind,
    NegotiationStatus,
    ObjectionIn,
    ProposalReplyIn,
    PublishIn,
    Purpose,
    ReplyDecision,
    SignIn,
    VoteIn,
)
from api.schemas.negotiations_enums import NegotiationEventKind
from api.security.principal import Principal
from api.services import congresses
from api.services.concurrency import expect_version
from api.services.member_core import VOTING
from api.services.negotiations import parties
from api.services.negotiations.visibility import MULTI_EMPLOYER, get_for_staff
from api.services.negotiations.workflow import FILED, column, record, step, today, touch
from api.services.scope import in_scope, unit_within

S = NegotiationStatus

register(
    {
        "negotiation_date_in_future": _("The date cannot be in the future."),
        "negotiation_date_too_early": _("The date cannot be before {earliest}."),
        "negotiation_unit_kind": _("{kind} negotiations are conducted by a {required} union."),
        "negotiation_coverage_outside": _("A covered unit must lie within the conducting union's subtree."),
        "negotiation_parent_mismatch": _(
            "An amendment or renewal is negotiated by the same union, of the same kind."
        ),
        "negotiation_no_session": _(
            "No session has been recorded: a draft is agreed in negotiation sessions (令22 Art 33-36)."
        ),
        "negotiation_composition_invalid": _("The negotiators do not meet 令22 Art 19-24: {rules}."),
        "negotiation_draft_unknown": _("There is no draft version {number}."),
        "negotiation_congress_invalid": _(
            "The congress must be one of the conducting union (or of a union it covers)."
        ),
        "negotiation_vote_present_exceeds_total": _(
            "{present} present, but the electorate has only {total}."
        ),
        "negotiation_term_out_of_range": _("The term must be {min} to {max} months (令22 Art 38)."),
        "negotiation_review_period_over": _(
            "The authority's objection must come within 15 days of receipt, before {effective_on} (令22 "
            "Art 46-47)."
        ),
    }
)


def _not_future(value: date, field: str) -> None:
    if value > today():
        raise RuleViolation("negotiation_date_in_future", field=field)


def _not_before(value: date, earliest: date | None, field: str) -> None:
    if earliest is not None and value < earliest:
        raise RuleViolation("negotiation_date_too_early", field=field, earliest=earliest.isoformat())


def create(session: Session, data: NegotiationCreate, *, by: Principal) -> Negotiation:
    """A written proposal (要约) by either side (令22 Art 32): the reply is due 20 days after receipt.
    Comprehensive and special contracts are negotiated by a grassroots union; industry and regional
    ones (劳动合同法 Art 53) by a federation, listing the units and employers bound. An amendment or
    renewal (Art 38-40) names the contract in force it changes; a renewal only in its last 3 months."""
    unit = session.get(OrgUnit, data.org_unit_id)
    if unit is None or not unit_within(session, unit.id, by.units_for("negotiations.manage")):
        raise RuleViolation("not_found", field="org_unit_id")
    if unit.status != "active":
        raise RuleViolation("org_unit_closed", field="org_unit_id", code=unit.code)
    required = "federation" if data.kind.value in MULTI_EMPLOYER else "grassroots"
    if unit.kind != required:
        raise RuleViolation("negotiation_unit_kind", field="kind", kind=data.kind.value, required=required)
    received_on = data.received_on or data.proposed_on
    _not_future(received_on, "received_on")
    coverage_ids = [c.org_unit_id for c in data.coverage]
    if len(set(coverage_ids)) != len(coverage_ids):
        raise RuleViolation("validation_failed", field="coverage", count=1)
    if coverage_ids:
        inside = session.exec(
            select(func.count())
            .select_from(OrgUnit)
            .where(
                col(OrgUnit.id).in_(coverage_ids),
                in_scope(column(OrgUnit.id), [unit.id]),
                OrgUnit.id != unit.id,
            )
        ).one()
        if inside != len(coverage_ids):
            raise RuleViolation("negotiation_coverage_outside", field="coverage")
    if data.parent_id is not None:
        try:
            parent = get_for_staff(session, data.parent_id, by)
        except NotFound:
            raise RuleViolation("not_found", field="parent_id") from None
        if parent.org_unit_id != unit.id or parent.kind != data.kind.value:
            raise RuleViolation("negotiation_parent_mismatch", field="parent_id")
        step(session, parent, "renew" if data.purpose is Purpose.renewal else "amend")
    negotiation = Negotiation(
        org_unit_id=unit.id,
        kind=data.kind.value,
        special_topic=data.special_topic.value if data.special_topic else None,
        purpose=data.purpose.value,
        parent_id=data.parent_id,
        title=data.title,
        employer_name=data.employer_name,
        initiated_by=data.initiated_by.value,
        topics=[t.value for t in data.topics],
        proposal_text=data.proposal_text,
        proposed_on=data.proposed_on,
        received_on=received_on,
        reply_due_on=rules.reply_due(received_on),
    )
    session.add(negotiation)
    session.flush()
    for c in data.coverage:
        session.add(
            NegotiationCoverage(
                negotiation_id=negotiation.id, org_unit_id=c.org_unit_id, employer_name=c.employer_name
            )
        )
    record(
        session,
        negotiation,
        NegotiationEventKind.proposed,
        None,
        by,
        {
            "initiated_by": negotiation.initiated_by,
            "received_on": received_on,
            "reply_due_on": negotiation.reply_due_on,
            "purpose": negotiation.purpose,
        },
        on=data.proposed_on,
    )
    session.commit()
    return negotiation


def reply(
    session: Session, negotiation: Negotiation, data: ProposalReplyIn, *, version: int, by: Principal
) -> Negotiation:
    """The written reply (令22 Art 32), due 20 days after receipt; a refusal needs a reason (checked by
    the schema). A reply after the due date is accepted and recorded as late."""
    step(session, negotiation, "reply")
    expect_version(negotiation, version)
    _not_future(data.replied_on, "replied_on")
    _not_before(data.replied_on, negotiation.received_on, "replied_on")
    before = negotiation.status
    negotiation.replied_on = data.replied_on
    negotiation.reply = data.decision.value
    if data.decision is ReplyDecision.refuse:
        negotiation.refusal_reason = data.reason
        negotiation.status = S.refused.value
    else:
        negotiation.status = S.negotiating.value
    touch(negotiation)
    late = data.replied_on > negotiation.reply_due_on
    record(
        session,
        negotiation,
        NegotiationEventKind.replied,
        before,
        by,
        {
            "decision": data.decision.value,
            "reason": data.reason,
            "due_on": negotiation.reply_due_on,
            "late": late,
        },
        on=data.replied_on,
    )
    session.commit()
    return negotiation


def _draft_exists(session: Session, negotiation: Negotiation, number: int) -> bool:
    stmt = select(NegotiationDraft.id).where(
        NegotiationDraft.negotiation_id == negotiation.id, NegotiationDraft.number == number
    )
    return session.exec(stmt).first() is not None


def agree(
    session: Session, negotiation: Negotiation, data: AgreeIn, *, version: int, by: Principal
) -> Negotiation:
    """The negotiators agree a draft version, to go to the congress (令22 Art 36). Not without at least
    one recorded session (Art 33-35), and only with a valid composition of negotiators (Art 19-24)."""
    step(session, negotiation, "agree")
    expect_version(negotiation, version)
    sessions = session.exec(
        select(func.count())
        .select_from(NegotiationSession)
        .where(NegotiationSession.negotiation_id == negotiation.id)
    ).one()
    if sessions == 0:
        raise Conflict("negotiation_no_session")
    parties.require_valid_composition(session, negotiation)
    if not _draft_exists(session, negotiation, data.draft_number):
        raise RuleViolation("negotiation_draft_unknown", field="draft_number", number=data.draft_number)
    before = negotiation.status
    negotiation.agreed_draft = data.draft_number
    negotiation.status = S.agreed.value
    touch(negotiation)
    record(session, negotiation, NegotiationEventKind.agreed, before, by, {"draft_number": data.draft_number})
    session.commit()
    return negotiation


def _electorate_total(session: Session, negotiation: Negotiation, data: VoteIn, by: Principal) -> int:
    if data.electorate is Electorate.congress:
        assert data.congress_id is not None
        congress = session.exec(
            select(Congress).where(Congress.id == data.congress_id, congresses.congress_visibility(by))
        ).first()
        if congress is None:
            raise RuleViolation("not_found", field="congress_id")
        if not unit_within(session, congress.org_unit_id, [negotiation.org_unit_id]):
            raise RuleViolation("negotiation_congress_invalid", field="congress_id")
        stmt = select(func.count()).select_from(Member).where(congresses.representative_clause(congress))
        return int(session.exec(stmt).one())
    roots = [negotiation.org_unit_id]
    if negotiation.kind in MULTI_EMPLOYER:
        roots = list(
            session.exec(
                select(NegotiationCoverage.org_unit_id).where(
                    NegotiationCoverage.negotiation_id == negotiation.id
                )
            ).all()
        )
    stmt = (
        select(func.count())
        .select_from(Member)
        .where(col(Member.status).in_([s.value for s in VOTING]), in_scope(column(Member.org_unit_id), roots))
    )
    return int(session.exec(stmt).one())


def vote(
    session: Session,
    negotiation: Negotiation,
    data: VoteIn,
    *,
    version: int,
    settings: Settings,
    by: Principal,
) -> Negotiation:
    """令22 Art 36: the congress (or all workers) votes on the agreed draft; adopted only with at least
    2/3 of ALL representatives present and more than half of ALL representatives in favour (``>`` or
    ``>=`` by ``GONGHUI_NEGOTIATION_VOTE_MAJORITY``). The electorate is counted, not typed in: the
    congress's representatives (the motions area's list), or the voting members covered. Otherwise
    the draft goes back to negotiating."""
    step(session, negotiation, "vote")
    expect_version(negotiation, version)
    _not_future(data.held_on, "held_on")
    total = _electorate_total(session, negotiation, data, by)
    if data.present > total:
        raise RuleViolation(
            "negotiation_vote_present_exceeds_total", field="present", present=data.present, total=total
        )
    majority = rules.Majority(settings.negotiation_vote_majority)
    result = rules.vote_result(total, data.present, data.yes, majority)
    assert negotiation.agreed_draft is not None
    session.add(
        NegotiationVote(
            negotiation_id=negotiation.id,
            congress_id=data.congress_id,
            electorate=data.electorate.value,
            held_on=data.held_on,
            draft_number=negotiation.agreed_draft,
            total=total,
            present=data.present,
            yes=data.yes,
            no=data.no,
            abstain=data.abstain,
            majority_rule=majority.value,
            adopted=result.adopted,
        )
    )
    before = negotiation.status
    negotiation.status = S.adopted.value if result.adopted else S.negotiating.value
    touch(negotiation)
    details: dict[str, Any] = {
        "total": total,
        "present": data.present,
        "yes": data.yes,
        "quorate": result.quorate,
        "majority": result.majority,
        "majority_rule": majority.value,
    }
    record(
        session,
        negotiation,
        NegotiationEventKind.adopted if result.adopted else NegotiationEventKind.vote_failed,
        before,
        by,
        details,
        on=data.held_on,
    )
    session.commit()
    return negotiation


def sign(
    session: Session, negotiation: Negotiation, data: SignIn, *, version: int, by: Principal
) -> Negotiation:
    """Both chiefs sign the adopted contract (令22 Art 37), for a term of 1 to 3 years (Art 38);
    filing is due 10 days later (Art 42)."""
    step(session, negotiation, "sign")
    expect_version(negotiation, version)
    if not rules.term_allowed(data.term_months):
        raise RuleViolation(
            "negotiation_term_out_of_range",
            field="term_months",
            min=rules.RULES.term_min_months,
            max=rules.RULES.term_max_months,
        )
    _not_future(data.signed_on, "signed_on")
    adopted_on = session.exec(
        select(func.max(NegotiationVote.held_on)).where(
            NegotiationVote.negotiation_id == negotiation.id, col(NegotiationVote.adopted).is_(True)
        )
    ).one()
    _not_before(data.signed_on, adopted_on, "signed_on")
    employee_chief, employer_chief = parties.chiefs(session, negotiation)
    before = negotiation.status
    negotiation.signed_on = data.signed_on
    negotiation.term_months = data.term_months
    negotiation.employee_signatory = employee_chief
    negotiation.employer_signatory = employer_chief
    negotiation.filing_due_on = rules.filing_due(data.signed_on)
    negotiation.status = S.signed.value
    touch(negotiation)
    record(
        session,
        negotiation,
        NegotiationEventKind.signed,
        before,
        by,
        {"term_months": data.term_months, "filing_due_on": negotiation.filing_due_on},
        on=data.signed_on,
    )
    session.commit()
    return negotiation


def file(
    session: Session, negotiation: Negotiation, data: FileIn, *, version: int, by: Principal
) -> Negotiation:
    """The employer files the text with the labour authority within 10 days of signing (令22 Art 42;
    a late filing is accepted and recorded as late). Without objection within 15 days of receipt the
    contract is effective on day 15 (Art 47): the dates are fixed now and the phase follows from them."""
    step(session, negotiation, "file")
    expect_version(negotiation, version)
    _not_future(data.received_on, "received_on")
    _not_before(data.received_on, negotiation.signed_on, "received_on")
    assert negotiation.term_months is not None and negotiation.filing_due_on is not None
    effective_on = rules.effective_from(data.received_on)
    expires_on, renewal_opens_on = rules.term_dates(effective_on, negotiation.term_months)
    before = negotiation.status
    negotiation.filed_on = data.received_on
    negotiation.filing_authority = data.authority
    negotiation.filing_reference = data.reference
    negotiation.effective_on = effective_on
    negotiation.expires_on = expires_on
    negotiation.renewal_opens_on = renewal_opens_on
    negotiation.status = FILED
    touch(negotiation)
    record(
        session,
        negotiation,
        NegotiationEventKind.filed,
        before,
        by,
        {
            "authority": data.authority,
            "due_on": negotiation.filing_due_on,
            "late": data.received_on > negotiation.filing_due_on,
            "effective_on": effective_on,
            "expires_on": expires_on,
        },
        on=data.received_on,
    )
    session.commit()
    return negotiation


def object_(
    session: Session, negotiation: Negotiation, data: ObjectionIn, *, version: int, by: Principal
) -> Negotiation:
    """The authority objects within 15 days of receipt (令22 Art 46): back to negotiating; the parties
    renegotiate the points objected to, vote, sign and file again (Art 47)."""
    step(session, negotiation, "object")
    expect_version(negotiation, version)
    _not_future(data.received_on, "received_on")
    _not_before(data.received_on, negotiation.filed_on, "received_on")
    assert negotiation.effective_on is not None
    if data.received_on >= negotiation.effective_on:
        raise RuleViolation(
            "negotiation_review_period_over",
            field="received_on",
            effective_on=negotiation.effective_on.isoformat(),
        )
    before = negotiation.status
    details = {"reason": data.reason, "filed_on": negotiation.filed_on, "round": negotiation.round}
    for field in (
        "agreed_draft",
        "signed_on",
        "employee_signatory",
        "employer_signatory",
        "filing_due_on",
        "filed_on",
        "filing_authority",
        "filing_reference",
        "effective_on",
        "expires_on",
        "renewal_opens_on",
    ):
        setattr(negotiation, field, None)
    negotiation.round += 1
    negotiation.status = S.negotiating.value
    touch(negotiation)
    record(session, negotiation, NegotiationEventKind.objected, before, by, details, on=data.received_on)
    session.commit()
    return negotiation


def publish(
    session: Session, negotiation: Negotiation, data: PublishIn, *, version: int, by: Principal
) -> Negotiation:
    """Once effective, the negotiators publish the contract to everyone it covers (令22 Art 48); from
    then on its members can read it."""
    step(session, negotiation, "publish")
    expect_version(negotiation, version)
    if negotiation.published_on is not None:
        raise Conflict("negotiation_illegal_transition", current="published", step="publish")
    _not_future(data.published_on, "published_on")
    _not_before(data.published_on, negotiation.effective_on, "published_on")
    negotiation.published_on = data.published_on
    touch(negotiation)
    record(
        session,
        negotiation,
        NegotiationEventKind.published,
        negotiation.status,
        by,
        {"channel": data.channel},
        on=data.published_on,
    )
    session.commit()
    return negotiation


def kind_of(negotiation: Negotiation) -> NegotiationKind:
    return NegotiationKind(negotiation.kind)
