"""Workers' congresses, their representatives and the departments that answer motions (docs/rules.md §3)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from api.schemas.common import Out, StrictIn


class SatisfactionScale(StrEnum):
    """How signatories rate a reply: 满意 / 基本满意 / 不满意, or only 满意 / 不满意."""

    three_level = "three_level"
    two_level = "two_level"


class CongressCreate(StrictIn):
    org_unit_id: uuid.UUID = Field(
        description="The union that holds the congress; representatives come from its subtree."
    )
    name: str = Field(min_length=1, max_length=200, examples=["第五届第三次职工代表大会"])
    opening_on: date = Field(examples=["2027-03-20"])
    motion_deadline_on: date | None = Field(
        None,
        description="Last day to submit motions; default `opening_on` minus the configured days (15).",
    )
    reply_months: int | None = Field(
        None, ge=1, le=24, description="Reply period after assignment; default 2."
    )
    min_cosigners: int | None = Field(None, ge=0, le=50, description="Co-signers a motion needs; default 2.")
    satisfaction_scale: SatisfactionScale = SatisfactionScale.three_level


class CongressUpdate(StrictIn):
    name: str | None = Field(None, min_length=1, max_length=200)
    opening_on: date | None = None
    motion_deadline_on: date | None = None
    reply_months: int | None = Field(None, ge=1, le=24)
    min_cosigners: int | None = Field(None, ge=0, le=50)
    satisfaction_scale: SatisfactionScale | None = None


class CongressOut(Out):
    id: uuid.UUID
    org_unit_id: uuid.UUID
    name: str
    opening_on: date
    motion_deadline_on: date
    reply_months: int
    min_cosigners: int
    satisfaction_scale: SatisfactionScale
    version: int
    created_at: datetime
    updated_at: datetime


class RepresentativeSource(StrEnum):
    flagged = "flagged"  # the member record's representative flag, within the congress's subtree
    added = "added"  # added for this congress by an officer


class RepresentativeAdd(StrictIn):
    member_id: uuid.UUID
    reason: str | None = Field(None, max_length=500, examples=["补选代表"])


class RepresentativeOut(Out):
    """A representative: name and member number only (no personal data)."""

    member_id: uuid.UUID
    member_no: str
    name: str
    org_unit_id: uuid.UUID
    source: RepresentativeSource


class DepartmentCreate(StrictIn):
    org_unit_id: uuid.UUID = Field(description="The grassroots union the department belongs to.")
    name: str = Field(min_length=1, max_length=100, examples=["人力资源部"])


class DepartmentUpdate(StrictIn):
    name: str | None = Field(None, min_length=1, max_length=100)
    is_active: bool | None = None


class HandlerAdd(StrictIn):
    user_id: uuid.UUID = Field(description="A user holding the handler role over the department's union.")


class DepartmentOut(Out):
    id: uuid.UUID
    org_unit_id: uuid.UUID
    name: str
    is_active: bool
    handler_ids: list[uuid.UUID] = Field(default_factory=list, description="Users attached as handlers.")
    version: int
    created_at: datetime
    updated_at: datetime
