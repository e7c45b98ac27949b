"""Collective-contract negotiations (集体协商/集体合同), docs/rules.md §2: 令22 and 劳动合同法 Art 51-56.
This module owns the request bodies; the enums live in :mod:`api.schemas.negotiations_enums` and the
responses in :mod:`api.schemas.negotiations_out`, both re-exported here."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import Field, model_validator

from api.schemas.common import StrictIn
from api.schemas.negotiations_enums import (
    DisputeKind,
    DisputeStatus,
    Electorate,
    Forum,
    Initiator,
    NegotiationKind,
    NegotiationStatus,
    OverdueKind,
    Purpose,
    ReplyDecision,
    SessionOutcome,
    Side,
    SpecialTopic,
    Topic,
)
from api.schemas.negotiations_out import (
    CheckOut,
    ClauseChange,
    ClauseOut,
    ContractRow,
    CoverageOut,
    CoverageReport,
    Deadlines,
    DisputeOut,
    DraftDiff,
    DraftOut,
    DraftSummary,
    KindCoverage,
    NegotiationDetail,
    NegotiationEventOut,
    NegotiationOut,
    NegotiatorOut,
    SessionOut,
    TopicOut,
    VoteOut,
    WageFigures,
)

__all__ = [
    "AgreeIn",
    "AttachmentRef",
    "CheckIn",
    "CheckOut",
    "ClauseChange",
    "ClauseIn",
    "ClauseOut",
    "ContractRow",
    "CoverageIn",
    "CoverageOut",
    "CoverageReport",
    "Deadlines",
    "DisputeCreate",
    "DisputeKind",
    "DisputeOut",
    "DisputeStatus",
    "DraftCreate",
    "DraftDiff",
    "DraftOut",
    "DraftSummary",
    "Electorate",
    "ExtendIn",
    "FileIn",
    "Forum",
    "Initiator",
    "KindCoverage",
    "NegotiationCreate",
    "NegotiationDetail",
    "NegotiationEventOut",
    "NegotiationKind",
    "NegotiationOut",
    "NegotiationStatus",
    "NegotiatorIn",
    "NegotiatorOut",
    "ObjectionIn",
    "OverdueKind",
    "ProposalReplyIn",
    "PublishIn",
    "Purpose",
    "ReferIn",
    "ReplyDecision",
    "SessionCreate",
    "SessionOut",
    "SessionOutcome",
    "SettleIn",
    "Side",
    "SignIn",
    "SpecialTopic",
    "Topic",
    "TopicOut",
    "VacateIn",
    "VoteIn",
    "VoteOut",
    "WageFigures",
]


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
