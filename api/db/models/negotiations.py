"""Collective-contract negotiations (集体协商) and the contracts they produce (集体合同), docs/rules.md §2:
集体合同规定 (令22) and 劳动合同法 Art 51-56.

A negotiation's stored ``status`` is the step it last reached; once filed, whether the contract is
under review, effective, in its renewal window, expired or superseded is derived from its dates
(api/services/negotiations/workflow.py), so nobody has to press a button on day 15. Every step
appends a ``NegotiationEvent`` (its timeline) besides the audit log.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.db.models import base  # noqa: F401
from api.db.types import UTCDateTime, new_id, utcnow, version_column

_negotiation_version = version_column()


class Negotiation(SQLModel, table=True):
    """One negotiation, from the written proposal (要约) to the contract it yields and its term."""

    __tablename__ = "negotiation"
    __mapper_args__ = {"version_id_col": _negotiation_version}
    __table_args__ = (sa.Index("ix_negotiation_org_unit_id_id", "org_unit_id", "id"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    #: the union conducting it (a grassroots union; a federation for industry or regional contracts)
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id")
    kind: str = Field(max_length=20)  # comprehensive | special | industry | regional
    special_topic: str | None = Field(default=None, max_length=20)  # wages | women | safety
    purpose: str = Field(default="new", max_length=10)  # new | amendment | renewal
    parent_id: uuid.UUID | None = Field(default=None, foreign_key="negotiation.id", index=True)
    title: str = Field(max_length=200)
    employer_name: str = Field(max_length=200)
    status: str = Field(default="proposed", max_length=12, index=True)
    # proposal (令22 Art 32)
    initiated_by: str = Field(max_length=10)  # union | employer
    topics: list[str] = Field(sa_type=sa.JSON)
    proposal_text: str = Field(max_length=10000)
    proposed_on: date
    received_on: date
    reply_due_on: date
    replied_on: date | None = None
    reply: str | None = Field(default=None, max_length=10)  # accept | refuse
    refusal_reason: str | None = Field(default=None, max_length=2000)
    # the agreed draft (Art 36) and the signing (Art 37)
    agreed_draft: int | None = None
    signed_on: date | None = None
    term_months: int | None = None
    employee_signatory: str | None = Field(default=None, max_length=100)
    employer_signatory: str | None = Field(default=None, max_length=100)
    filing_due_on: date | None = None
    # filing and review (Art 42-47)
    filed_on: date | None = None
    filing_authority: str | None = Field(default=None, max_length=200)
    filing_reference: str | None = Field(default=None, max_length=100)
    effective_on: date | None = Field(default=None, index=True)
    expires_on: date | None = Field(default=None, index=True)
    renewal_opens_on: date | None = None
    published_on: date | None = None
    round: int = 1  # filing rounds: an objection sends it back and it is filed again
    version: int = Field(default=1, sa_column=_negotiation_version)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NegotiationCoverage(SQLModel, table=True):
    """A unit and employer an industry or regional contract binds (劳动合同法 Art 53)."""

    __tablename__ = "negotiation_coverage"

    negotiation_id: uuid.UUID = Field(foreign_key="negotiation.id", primary_key=True, ondelete="CASCADE")
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id", primary_key=True, index=True)
    employer_name: str = Field(max_length=200)


class Negotiator(SQLModel, table=True):
    """A negotiator of either side (令22 Art 19-24). The employer side has no accounts: the union
    records names and posts."""

    __tablename__ = "negotiator"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    negotiation_id: uuid.UUID = Field(foreign_key="negotiation.id", index=True, ondelete="CASCADE")
    side: str = Field(max_length=10)  # employee | employer
    name: str = Field(max_length=100)
    post: str | None = Field(default=None, max_length=100)
    member_id: uuid.UUID | None = Field(default=None, foreign_key="member.id", index=True)
    is_chief: bool = False
    is_expert: bool = False  # an outside professional (Art 23)
    delegation_ref: str | None = Field(default=None, max_length=200)  # written delegation (Art 20, 21)
    protection_ends_on: date | None = None  # labour contract extended to here (Art 28)
    appointed_on: date
    left_on: date | None = None
    left_reason: str | None = Field(default=None, max_length=500)
    replace_due_on: date | None = None  # Art 31
    replaces_id: uuid.UUID | None = Field(default=None, foreign_key="negotiator.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NegotiationSession(SQLModel, table=True):
    """One negotiation meeting and its minutes (令22 Art 33-35)."""

    __tablename__ = "negotiation_session"
    __table_args__ = (sa.UniqueConstraint("negotiation_id", "number"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    negotiation_id: uuid.UUID = Field(foreign_key="negotiation.id", ondelete="CASCADE")
    number: int
    held_on: date
    place: str = Field(max_length=200)
    chair_id: uuid.UUID = Field(foreign_key="negotiator.id")
    recorder_name: str = Field(max_length=100)
    recorder_member_id: uuid.UUID | None = Field(default=None, foreign_key="member.id")
    attendee_ids: list[str] = Field(sa_type=sa.JSON)
    minutes: str = Field(max_length=20000)
    attachments: list[dict[str, Any]] = Field(sa_type=sa.JSON)
    outcome: str = Field(max_length=12)  # continue | suspended | agreed
    outcome_note: str | None = Field(default=None, max_length=2000)
    suspension_reason: str | None = Field(default=None, max_length=1000)
    next_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NegotiationDraft(SQLModel, table=True):
    """One version of the draft contract; every version is kept."""

    __tablename__ = "negotiation_draft"
    __table_args__ = (sa.UniqueConstraint("negotiation_id", "number"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    negotiation_id: uuid.UUID = Field(foreign_key="negotiation.id", ondelete="CASCADE")
    number: int
    note: str | None = Field(default=None, max_length=1000)
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NegotiationClause(SQLModel, table=True):
    """A clause of one draft version, under one topic (令22 Art 8); ``key`` follows a clause across
    versions. Wage clauses carry figures the reports aggregate."""

    __tablename__ = "negotiation_clause"
    __table_args__ = (sa.UniqueConstraint("draft_id", "key"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    draft_id: uuid.UUID = Field(foreign_key="negotiation_draft.id", ondelete="CASCADE")
    position: int
    key: str = Field(max_length=40)
    topic: str = Field(max_length=30)
    title: str = Field(max_length=200)
    text: str = Field(max_length=10000)
    wage_growth_bp: int | None = None  # annual wage growth, basis points (550 = 5.50 %)
    minimum_wage_fen: int | None = None


class NegotiationVote(SQLModel, table=True):
    """A vote of the workers' congress (or all workers) on the agreed draft (令22 Art 36)."""

    __tablename__ = "negotiation_vote"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    negotiation_id: uuid.UUID = Field(foreign_key="negotiation.id", index=True, ondelete="CASCADE")
    congress_id: uuid.UUID | None = Field(default=None, foreign_key="congress.id")
    electorate: str = Field(max_length=12)  # congress | all_workers
    held_on: date
    draft_number: int
    total: int
    present: int
    yes: int
    no: int
    abstain: int
    majority_rule: str = Field(max_length=20)
    adopted: bool
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NegotiationCheck(SQLModel, table=True):
    """A compliance check of an effective contract (履约检查)."""

    __tablename__ = "negotiation_check"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    negotiation_id: uuid.UUID = Field(foreign_key="negotiation.id", index=True, ondelete="CASCADE")
    checked_on: date
    findings: str = Field(max_length=5000)
    compliant: bool
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NegotiationDispute(SQLModel, table=True):
    """A coordination application over a negotiation dispute (令22 Art 49-54), or a breach case of an
    effective contract referred to arbitration or court (劳动合同法 Art 56)."""

    __tablename__ = "negotiation_dispute"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    negotiation_id: uuid.UUID = Field(foreign_key="negotiation.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=12)  # coordination | breach
    status: str = Field(default="open", max_length=10)  # open | settled | referred
    applied_on: date
    description: str = Field(max_length=5000)
    settle_due_on: date | None = None
    extension_days: int | None = None
    extension_reason: str | None = Field(default=None, max_length=1000)
    settled_on: date | None = None
    outcome: str | None = Field(default=None, max_length=5000)
    referral: str | None = Field(default=None, max_length=12)  # arbitration | court
    referred_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NegotiationEvent(SQLModel, table=True):
    """One step of a negotiation's timeline."""

    __tablename__ = "negotiation_event"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    negotiation_id: uuid.UUID = Field(foreign_key="negotiation.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=30)
    from_status: str | None = Field(default=None, max_length=12)
    to_status: str = Field(max_length=12)
    on: date
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    actor_label: str | None = Field(default=None, max_length=100)
    details: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
