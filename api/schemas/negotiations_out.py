"""Collective-contract negotiation responses: negotiations, negotiators, sessions, drafts and their
diffs, votes, checks, disputes, timeline events and the coverage report; re-exported by
:mod:`api.schemas.negotiations`."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import Field

from api.schemas.common import Out, Page
from api.schemas.negotiations_enums import (
    DisputeKind,
    DisputeStatus,
    Electorate,
    Forum,
    Initiator,
    NegotiationEventKind,
    NegotiationKind,
    NegotiationStatus,
    Purpose,
    ReplyDecision,
    SessionOutcome,
    Side,
    SpecialTopic,
    Topic,
)

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
    kind: NegotiationEventKind
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


class NegotiationSessionPage(Page[SessionOut]):
    """One page of a negotiation's sessions."""
