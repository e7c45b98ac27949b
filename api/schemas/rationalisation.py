"""Rationalisation proposals (合理化建议) and campaigns (征集活动), docs/rules.md §3 [L]."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import Field, model_validator

from api.schemas.common import MoneyFen, Out, StrictIn


class ProposalStatus(StrEnum):
    submitted = "submitted"  # awaiting screening
    rejected = "rejected"  # screened out (not taken up), the worker still told why
    forwarded = "forwarded"  # sent to the department concerned, due date running
    adopted = "adopted"  # the department adopts it (benefit recorded)
    not_adopted = "not_adopted"
    closed = "closed"  # the worker was told the result


class ScreenDecision(StrEnum):
    forward = "forward"
    reject = "reject"


class CampaignCreate(StrictIn):
    org_unit_id: uuid.UUID = Field(description="The grassroots union running the campaign.")
    title: str = Field(min_length=1, max_length=200, examples=["2027年“金点子”合理化建议征集活动"])
    theme: str | None = Field(None, max_length=1000)
    starts_on: date
    ends_on: date


class CampaignOut(Out):
    id: uuid.UUID
    org_unit_id: uuid.UUID
    title: str
    theme: str | None
    starts_on: date
    ends_on: date
    created_at: datetime
    version: int


class CampaignReport(Out):
    campaign_id: uuid.UUID
    title: str
    starts_on: date
    ends_on: date
    as_of: date
    submitted: int
    by_status: dict[str, int]
    adopted: int
    adoption_rate: float | None
    benefit_fen: int = Field(description="Benefit recorded for adopted proposals, in fen.")
    rewarded: int
    reward_fen: int
    overdue: int = Field(description="Forwarded, past the due date, the department not yet answered.")


class ProposalCreate(StrictIn):
    title: str = Field(min_length=1, max_length=200, examples=["关于改进包装线换型工艺的建议"])
    problem: str = Field(min_length=1, max_length=5000, description="现状与问题")
    proposal: str = Field(min_length=1, max_length=5000, description="建议与办法")
    campaign_id: uuid.UUID | None = Field(None, description="An open campaign of your union, if any.")


class ScreenIn(StrictIn):
    decision: ScreenDecision
    note: str | None = Field(None, min_length=1, max_length=2000, description="Required to reject.")
    department_id: uuid.UUID | None = Field(None, description="The department concerned (forward).")
    is_major: bool = Field(False, description="A major proposal: the department has longer to answer.")

    @model_validator(mode="after")
    def _shape(self) -> ScreenIn:
        if (self.decision is ScreenDecision.forward) != (self.department_id is not None):
            raise ValueError("department_id is given exactly when forwarding")
        if self.decision is ScreenDecision.reject and not self.note:
            raise ValueError("a rejection needs a note")
        return self


class DecideIn(StrictIn):
    adopted: bool
    note: str = Field(min_length=1, max_length=5000, description="The department's answer.")
    benefit_fen: MoneyFen | None = Field(None, ge=0, description="Benefit of an adopted proposal, in fen.")
    benefit_note: str | None = Field(None, max_length=2000, examples=["年节约包材费用约12万元"])


class NotifyIn(StrictIn):
    result_note: str = Field(min_length=1, max_length=2000, description="What the worker was told, and how.")


class RewardIn(StrictIn):
    reward_fen: MoneyFen = Field(gt=0)
    note: str | None = Field(None, max_length=1000)


class ProposalOut(Out):
    id: uuid.UUID
    org_unit_id: uuid.UUID
    grassroots_unit_id: uuid.UUID
    campaign_id: uuid.UUID | None
    submitter_member_id: uuid.UUID
    status: ProposalStatus
    title: str
    problem: str
    proposal: str
    is_major: bool
    screened_by_id: uuid.UUID | None = Field(description="The officer who screened it.")
    screened_at: datetime | None
    screening_note: str | None
    department_id: uuid.UUID | None
    due_on: date | None
    adopted: bool | None
    decision_note: str | None
    benefit_fen: MoneyFen | None
    benefit_note: str | None
    decided_on: date | None
    result_note: str | None
    notified_at: datetime | None
    reward_fen: MoneyFen | None
    reward_note: str | None
    created_at: datetime
    version: int
