"""Collective-contract negotiations (集体协商/集体合同), docs/rules.md §2: 令22 and 劳动合同法 Art 51-56."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import Field, model_validator

from api.schemas.common import Out, StrictIn


class NegotiationKind(StrEnum):
    comprehensive = "comprehensive"  # 综合性集体合同
    special = "special"  # 专项集体合同 (劳动合同法 Art 52)
    industry = "industry"  # 行业性 (Art 53)
    regional = "regional"  # 区域性 (Art 53)


class SpecialTopic(StrEnum):
    wages = "wages"  # 工资专项 (wage adjustment mechanism)
    women = "women"  # 女职工权益保护专项
    safety = "safety"  # 劳动安全卫生专项


class Purpose(StrEnum):
    new = "new"
    amendment = "amendment"  # 变更
    renewal = "renewal"  # 续订


class Initiator(StrEnum):
    union = "union"
    employer = "employer"


class NegotiationStatus(StrEnum):
    """Stored steps, then the phases a filed contract passes through by date alone (令22 Art 47, 38)."""

    proposed = "proposed"  # awaiting the written reply (Art 32)
    refused = "refused"
    negotiating = "negotiating"
    suspended = "suspended"  # Art 35
    agreed = "agreed"  # draft agreed by the negotiators, before the vote
    adopted = "adopted"  # passed by the congress (Art 36)
    signed = "signed"  # by both chiefs (Art 37); filing due in 10 days
    under_review = "under_review"  # filed; the authority has 15 days (Art 46-47)
    effective = "effective"
    renewal_window = "renewal_window"  # the last 3 months of the term (Art 38)
    expired = "expired"
    superseded = "superseded"  # an amendment or renewal took effect


class Topic(StrEnum):
    """令22 Art 8 (codes of api.rules.collective_contracts.TOPICS)."""

    pay = "pay"
    hours = "hours"
    rest = "rest"
    safety_health = "safety_health"
    insurance_welfare = "insurance_welfare"
    women_minors = "women_minors"
    training = "training"
    contract_management = "contract_management"
    rewards_penalties = "rewards_penalties"
    layoffs = "layoffs"
    term = "term"
    change_procedure = "change_procedure"
    dispute_handling = "dispute_handling"
    liability = "liability"
    other = "other"


class Side(StrEnum):
    employee = "employee"
    employer = "employer"


class ReplyDecision(StrEnum):
    accept = "accept"
    refuse = "refuse"


class SessionOutcome(StrEnum):
    continued = "continue"
    suspended = "suspended"
    agreed = "agreed"  # the negotiators reached agreement in this session


class Electorate(StrEnum):
    congress = "congress"  # 职工代表大会
    all_workers = "all_workers"  # 全体职工 (small unions)


class DisputeKind(StrEnum):
    coordination = "coordination"  # negotiation dispute, coordination by the authority (令22 Art 49-54)
    breach = "breach"  # breach of an effective contract (劳动合同法 Art 56)


class DisputeStatus(StrEnum):
    open = "open"
    settled = "settled"
    referred = "referred"


class Forum(StrEnum):
    arbitration = "arbitration"
    court = "court"


class OverdueKind(StrEnum):
    reply = "reply"
    vacancy = "vacancy"
    filing = "filing"
    dispute = "dispute"


# --- inputs -------------------------------------------------------------------------------------


class CoverageIn(StrictIn):
    org_unit_id: uuid.UUID
    employer_name: str = Field(min_length=1, max_length=200)


class NegotiationCreate(StrictIn):
    """A written proposal to negotiate (要约, 令22 Art 32), by either side."""

    org_unit_id: uuid.UUID = Field(
        description="The union conducting it (a federation for industry/regional)."
    )
    kind: NegotiationKind
    special_topic: SpecialTopic | None = Field(None, description="Required for (only) `special`.")
    purpose: Purpose = Purpose.new
    parent_id: uuid.UUID | None = Field(None, description="The contract amended or renewed.")
    title: str = Field(min_length=1, max_length=200, examples=["2027年度工资集体协商"])
    employer_name: str = Field(min_length=1, max_length=200)
    initiated_by: Initiator
    topics: list[Topic] = Field(min_length=1, max_length=15)
    proposal_text: str = Field(min_length=1, max_length=10000)
    proposed_on: date
    received_on: date | None = Field(
        None, description="When the other side received it (default proposed_on)."
    )
    coverage: list[CoverageIn] = Field(
        default_factory=list, max_length=500, description="Industry/regional: the units and employers bound."
    )

    @model_validator(mode="after")
    def _shape(self) -> NegotiationCreate:
        if (self.kind is NegotiationKind.special) != (self.special_topic is not None):
            raise ValueError("special_topic is given exactly when kind is special")
        if (self.purpose is Purpose.new) != (self.parent_id is None):
            raise ValueError("parent_id is given exactly when purpose is amendment or renewal")
        multi = self.kind in (NegotiationKind.industry, NegotiationKind.regional)
        if multi != bool(self.coverage):
            raise ValueError("coverage lists the units bound, for (only) industry and regional contracts")
        if len(set(self.topics)) != len(self.topics):
            raise ValueError("topics must be distinct")
        if self.received_on is not None and self.received_on < self.proposed_on:
            raise ValueError("received_on cannot be before proposed_on")
        return self


class ProposalReplyIn(StrictIn):
    """The written reply (令22 Art 32); a refusal needs a reason."""

    decision: ReplyDecision
    replied_on: date
    reason: str | None = Field(None, min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _reason(self) -> ProposalReplyIn:
        if self.decision is ReplyDecision.refuse and not self.reason:
            raise ValueError("a refusal needs a reason")
        return self


class NegotiatorIn(StrictIn):
    side: Side
    name: str = Field(min_length=1, max_length=100)
    post: str | None = Field(None, max_length=100, description="Post or job title.")
    member_id: uuid.UUID | None = Field(None, description="Employee side: the member record.")
    is_chief: bool = False
    is_expert: bool = Field(False, description="An outside professional (令22 Art 23).")
    delegation_ref: str | None = Field(
        None,
        max_length=200,
        description="Written delegation (书面委托) of a chief who is not the chair/legal rep.",
    )
    protection_ends_on: date | None = Field(
        None, description="Employee side: labour contract extended to this date (令22 Art 28)."
    )
    appointed_on: date
    replaces_id: uuid.UUID | None = Field(None, description="The negotiator whose vacancy this fills.")


class VacateIn(StrictIn):
    left_on: date
    reason: str = Field(min_length=1, max_length=500)


class AttachmentRef(StrictIn):
    name: str = Field(min_length=1, max_length=200)
    ref: str = Field(min_length=1, max_length=500, description="Where the file is kept (URL or archive no.).")


class SessionCreate(StrictIn):
    held_on: date
    place: str = Field(min_length=1, max_length=200)
    chair_id: uuid.UUID = Field(description="A chief negotiator; the chiefs take turns (令22 Art 34).")
    recorder_name: str = Field(min_length=1, max_length=100)
    recorder_member_id: uuid.UUID | None = None
    attendee_ids: list[uuid.UUID] = Field(min_length=1, max_length=100)
    minutes: str = Field(min_length=1, max_length=20000)
    attachments: list[AttachmentRef] = Field(default_factory=list, max_length=50)
    outcome: SessionOutcome
    outcome_note: str | None = Field(None, max_length=2000)
    suspension_reason: str | None = Field(None, min_length=1, max_length=1000)
    next_on: date | None = Field(None, description="The next meeting date (required when suspended).")

    @model_validator(mode="after")
    def _suspension(self) -> SessionCreate:
        if self.outcome is SessionOutcome.suspended and not (self.suspension_reason and self.next_on):
            raise ValueError("a suspension needs its reason and the next date (令22 Art 35)")
        if self.next_on is not None and self.next_on < self.held_on:
            raise ValueError("next_on cannot be before held_on")
        return self


class ClauseIn(StrictIn):
    key: str = Field(
        min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$", description="Stable across versions."
    )
    topic: Topic
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=10000)
    wage_growth_bp: int | None = Field(
        None, ge=-10000, le=10000, description="Annual wage growth in basis points: 550 = 5.50 %."
    )
    minimum_wage_fen: int | None = Field(None, gt=0, description="Minimum wage in the unit, fen per month.")

    @model_validator(mode="after")
    def _figures(self) -> ClauseIn:
        if (
            self.wage_growth_bp is not None or self.minimum_wage_fen is not None
        ) and self.topic is not Topic.pay:
            raise ValueError("wage figures belong to clauses of topic pay")
        return self


class DraftCreate(StrictIn):
    note: str | None = Field(None, max_length=1000)
    clauses: list[ClauseIn] = Field(min_length=1, max_length=300)

    @model_validator(mode="after")
    def _keys(self) -> DraftCreate:
        keys = [c.key for c in self.clauses]
        if len(set(keys)) != len(keys):
            raise ValueError("clause keys must be distinct")
        return self


class AgreeIn(StrictIn):
    draft_number: int = Field(ge=1, description="The version both sides agreed.")


class VoteIn(StrictIn):
    """令22 Art 36: the congress (or all workers) votes on the agreed draft."""

    electorate: Electorate = Electorate.congress
    congress_id: uuid.UUID | None = Field(None, description="Required for a congress vote.")
    held_on: date
    present: int = Field(ge=0, le=1_000_000)
    yes: int = Field(ge=0, le=1_000_000)
    no: int = Field(ge=0, le=1_000_000)
    abstain: int = Field(ge=0, le=1_000_000)

    @model_validator(mode="after")
    def _counts(self) -> VoteIn:
        if (self.electorate is Electorate.congress) != (self.congress_id is not None):
            raise ValueError("congress_id is given exactly for a congress vote")
        if self.yes + self.no + self.abstain > self.present:
            raise ValueError("yes + no + abstain cannot exceed those present")
        return self


class SignIn(StrictIn):
    signed_on: date
    term_months: int = Field(ge=1, le=120, description="Term of the contract (令22 Art 38: 12-36 months).")


class FileIn(StrictIn):
    received_on: date = Field(description="When the labour authority received the text (令22 Art 42).")
    authority: str = Field(min_length=1, max_length=200, examples=["示范市人力资源和社会保障局"])
    reference: str | None = Field(None, max_length=100)


class ObjectionIn(StrictIn):
    received_on: date = Field(description="When the review opinion (审查意见书) was served.")
    reason: str = Field(min_length=1, max_length=5000)


class PublishIn(StrictIn):
    published_on: date
    channel: str = Field(min_length=1, max_length=200, examples=["厂务公开栏、职工微信群"])


class CheckIn(StrictIn):
    checked_on: date
    findings: str = Field(min_length=1, max_length=5000)
    compliant: bool


class DisputeCreate(StrictIn):
    kind: DisputeKind
    applied_on: date
    description: str = Field(min_length=1, max_length=5000)


class ExtendIn(StrictIn):
    days: int = Field(ge=1, le=365, description="令22: at most 15.")
    reason: str = Field(min_length=1, max_length=1000)


class SettleIn(StrictIn):
    settled_on: date
    outcome: str = Field(min_length=1, max_length=5000)


class ReferIn(StrictIn):
    forum: Forum
    referred_on: date


# --- outputs ------------------------------------------------------------------------------------


class TopicOut(Out):
    code: Topic
    zh: str
    en: str


class CoverageOut(Out):
    org_unit_id: uuid.UUID
    employer_name: str


class NegotiatorOut(Out):
    id: uuid.UUID
    side: Side
    name: str
    post: str | None
    member_id: uuid.UUID | None
    is_chief: bool
    is_expert: bool
    delegation_ref: str | None
    protection_ends_on: date | None
    appointed_on: date
    left_on: date | None
    left_reason: str | None
    replace_due_on: date | None = Field(description="令22 Art 31: the vacancy is filled by this date.")
    replaced: bool
    vacancy_overdue: bool
    replaces_id: uuid.UUID | None


class VoteOut(Out):
    id: uuid.UUID
    electorate: Electorate
    congress_id: uuid.UUID | None
    held_on: date
    draft_number: int
    total: int = Field(description="All representatives (or workers) of the electorate.")
    present: int
    yes: int
    no: int
    abstain: int
    majority_rule: str
    adopted: bool


class CheckOut(Out):
    id: uuid.UUID
    checked_on: date
    findings: str
    compliant: bool


class DisputeOut(Out):
    id: uuid.UUID
    kind: DisputeKind
    status: DisputeStatus
    applied_on: date
    description: str
    settle_due_on: date | None = Field(description="Coordination: 30 days, plus an extension of at most 15.")
    extension_days: int | None
    extension_reason: str | None
    settled_on: date | None
    outcome: str | None
    referral: Forum | None
    referred_on: date | None
    overdue: bool


class ClauseOut(Out):
    key: str
    position: int
    topic: Topic
    title: str
    text: str
    wage_growth_bp: int | None
    minimum_wage_fen: int | None


class Deadlines(Out):
    """Every running deadline of the negotiation, computed from the rules."""

    reply_due_on: date = Field(description="令22 Art 32: 20 days after receipt.")
    reply_overdue: bool
    filing_due_on: date | None = Field(description="令22 Art 42: 10 days after signing.")
    filing_overdue: bool
    effective_on: date | None = Field(description="令22 Art 47: day 15 after receipt, without objection.")
    expires_on: date | None
    renewal_opens_on: date | None = Field(description="令22 Art 38: 3 months before expiry.")
    vacancies_overdue: int


class NegotiationOut(Out):
    id: uuid.UUID
    org_unit_id: uuid.UUID
    kind: NegotiationKind
    special_topic: SpecialTopic | None
    purpose: Purpose
    parent_id: uuid.UUID | None
    title: str
    employer_name: str
    status: NegotiationStatus = Field(description="Derived by date once filed: nobody presses 'effective'.")
    initiated_by: Initiator
    topics: list[Topic]
    proposal_text: str
    proposed_on: date
    received_on: date
    replied_on: date | None
    reply: ReplyDecision | None
    refusal_reason: str | None
    agreed_draft: int | None
    signed_on: date | None
    term_months: int | None
    employee_signatory: str | None
    employer_signatory: str | None
    filed_on: date | None
    filing_authority: str | None
    filing_reference: str | None
    published_on: date | None
    round: int
    deadlines: Deadlines
    coverage: list[CoverageOut]
    version: int
    created_at: datetime
    updated_at: datetime


class NegotiationDetail(NegotiationOut):
    negotiators: list[NegotiatorOut]
    composition_problems: list[str] = Field(description="令22 Art 19-24 rules the serving negotiators break.")
    sessions: int
    drafts: int
    votes: list[VoteOut]
    checks: list[CheckOut]
    disputes: list[DisputeOut]
    clauses: list[ClauseOut] = Field(description="The agreed text (its version is `agreed_draft`).")


class SessionOut(Out):
    id: uuid.UUID
    number: int
    held_on: date
    place: str
    chair_id: uuid.UUID
    recorder_name: str
    recorder_member_id: uuid.UUID | None
    attendee_ids: list[uuid.UUID]
    minutes: str
    attachments: list[dict[str, Any]]
    outcome: SessionOutcome
    outcome_note: str | None
    suspension_reason: str | None
    next_on: date | None
    created_at: datetime


class DraftOut(Out):
    number: int
    note: str | None
    created_at: datetime
    clauses: list[ClauseOut]


class DraftSummary(Out):
    number: int
    note: str | None
    created_at: datetime
    clause_count: int


class ClauseChange(Out):
    key: str
    change: str = Field(description="added | removed | changed | unchanged")
    fields: list[str] = Field(description="Changed fields (changed clauses).")
    before: ClauseOut | None
    after: ClauseOut | None


class DraftDiff(Out):
    a: int
    b: int
    changes: list[ClauseChange]
    added: int
    removed: int
    changed: int
    unchanged: int


class NegotiationEventOut(Out):
    id: uuid.UUID
    kind: str
    from_status: str | None
    to_status: str
    on: date
    actor_label: str | None
    details: dict[str, Any] | None
    created_at: datetime


class KindCoverage(Out):
    kind: NegotiationKind
    contracts: int
    units: int = Field(description="Grassroots unions covered.")
    members: int = Field(description="Members (with a vote) in covered units.")


class ContractRow(Out):
    negotiation_id: uuid.UUID
    org_unit_id: uuid.UUID
    title: str
    kind: NegotiationKind
    due_on: date | None


class WageFigures(Out):
    contracts: int
    min_growth_bp: int | None
    max_growth_bp: int | None
    avg_growth_bp: float | None
    min_minimum_wage_fen: int | None
    max_minimum_wage_fen: int | None


class CoverageReport(Out):
    unit_id: uuid.UUID
    as_of: date
    by_kind: list[KindCoverage]
    units_covered: int = Field(description="Grassroots unions covered by at least one effective contract.")
    members_covered: int
    expiring: list[ContractRow] = Field(description="Effective contracts expiring in the next 3 months.")
    overdue_replies: list[ContractRow]
    overdue_vacancies: list[ContractRow]
    overdue_filings: list[ContractRow]
    wages: WageFigures
