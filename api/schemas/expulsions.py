"""Expulsion cases (开除会籍, 章程 Art 7): the union group's proposal and the committee's decision."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from api.schemas.common import Out, StrictIn


class ExpulsionGround(StrEnum):
    """The grounds 章程 Art 7 lists: a member who seriously broke the law and was given a criminal
    penalty (严重违法犯罪并受到刑事处罚)."""

    criminal_penalty = "criminal_penalty"


class ExpulsionStatus(StrEnum):
    proposed = "proposed"  # the union group's proposal, awaiting the grassroots committee
    decided = "decided"  # the committee expelled the member; filed with the union above
    rejected = "rejected"  # the committee did not expel


class ExpulsionDecision(StrEnum):
    expel = "expel"
    reject = "reject"


class ExpulsionCreate(StrictIn):
    member_id: uuid.UUID = Field(description="An active member in your scope.")
    ground: ExpulsionGround
    reference: str = Field(
        min_length=1,
        max_length=200,
        examples=["（2026）京0105刑初123号刑事判决书"],
        description="The judgment or decision imposing the penalty.",
    )
    penalty_on: date = Field(description="Date of the judgment; never in the future.")
    group_meeting_on: date = Field(
        description="Date the union group discussed the case (工会小组讨论); never in the future."
    )
    proposal: str = Field(min_length=1, max_length=2000, description="The union group's opinion.")


class ExpulsionDecide(StrictIn):
    decision: ExpulsionDecision
    reasons: str = Field(min_length=1, max_length=2000, description="The committee's decision and reasons.")
    decided_on: date | None = Field(None, description="Date of the committee meeting; default today.")


class ExpulsionOut(Out):
    id: uuid.UUID
    member_id: uuid.UUID
    org_unit_id: uuid.UUID
    status: ExpulsionStatus
    ground: ExpulsionGround
    reference: str
    penalty_on: date
    group_meeting_on: date
    proposal: str
    proposed_by_id: uuid.UUID | None
    proposed_at: datetime
    decision: str | None
    decided_on: date | None
    decided_by_id: uuid.UUID | None
    decided_at: datetime | None
    filed_with_unit_id: uuid.UUID | None = Field(
        description="The union above the grassroots union, where the decision is filed (报上一级工会备案)."
    )
    version: int
