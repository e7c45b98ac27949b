"""Rationalisation proposals (合理化建议) from any worker, and the campaigns that collect them (征集活动),
docs/rules.md §3 (same path as motions, without co-signers)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.db.models import base  # noqa: F401
from api.db.types import UTCDateTime, new_id, utcnow, version_column

_campaign_version = version_column()


class RationalisationCampaign(SQLModel, table=True):
    """A call for proposals (征集活动) of a grassroots union, open for a period."""

    __tablename__ = "rationalisation_campaign"
    __mapper_args__ = {"version_id_col": _campaign_version}

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id", index=True)
    title: str = Field(max_length=200)
    theme: str | None = Field(default=None, max_length=1000)
    starts_on: date
    ends_on: date
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = Field(default=1, sa_column=_campaign_version)


_proposal_version = version_column()


class RationalisationProposal(SQLModel, table=True):
    """One worker's proposal: screened by a named officer, forwarded to the department concerned,
    adopted or not with its benefit, the worker told the result, a reward recorded."""

    __tablename__ = "rationalisation_proposal"
    __mapper_args__ = {"version_id_col": _proposal_version}
    __table_args__ = (sa.Index("ix_rationalisation_proposal_org_unit_id_id", "org_unit_id", "id"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    #: the worker's unit (scope) and their grassroots union (departments, campaigns)
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id")
    grassroots_unit_id: uuid.UUID = Field(foreign_key="org_unit.id", index=True)
    campaign_id: uuid.UUID | None = Field(default=None, foreign_key="rationalisation_campaign.id", index=True)
    submitter_member_id: uuid.UUID = Field(foreign_key="member.id", index=True)
    status: str = Field(default="submitted", max_length=12, index=True)
    title: str = Field(max_length=200)
    problem: str = Field(max_length=5000)
    proposal: str = Field(max_length=5000)
    is_major: bool = False
    screened_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    screened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    screening_note: str | None = Field(default=None, max_length=2000)
    department_id: uuid.UUID | None = Field(default=None, foreign_key="department.id", index=True)
    due_on: date | None = None
    adopted: bool | None = None
    decision_note: str | None = Field(default=None, max_length=5000)
    benefit_fen: int | None = None
    benefit_note: str | None = Field(default=None, max_length=2000)
    decided_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    decided_on: date | None = None
    result_note: str | None = Field(default=None, max_length=2000)
    notified_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    notified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reward_fen: int | None = None
    reward_note: str | None = Field(default=None, max_length=1000)
    rewarded_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = Field(default=1, sa_column=_proposal_version)


class RationalisationEvent(SQLModel, table=True):
    """One step of a proposal's timeline."""

    __tablename__ = "rationalisation_event"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    proposal_id: uuid.UUID = Field(foreign_key="rationalisation_proposal.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=30)
    from_status: str | None = Field(default=None, max_length=12)
    to_status: str = Field(max_length=12)
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    details: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
