"""Requests to set up or close an org unit, decided by a chair of the unit above (章程 Art 16)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from api.schemas.common import Out, StrictIn
from api.schemas.org_units import CODE_PATTERN, OrgUnitKind


class UnitRequestAction(StrEnum):
    set_up = "set_up"
    close = "close"


class UnitRequestStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    withdrawn = "withdrawn"


class UnitSetUpRequest(StrictIn):
    """Ask the unit above (``parent_id``) to approve setting up a unit under it."""

    parent_id: uuid.UUID = Field(description="The unit above, in your scope; its chairs decide.")
    code: str = Field(pattern=CODE_PATTERN, examples=["U01-B03"])
    name: str = Field(min_length=1, max_length=200, examples=["第三分工会"])
    kind: OrgUnitKind
    uscc: str | None = Field(None, min_length=18, max_length=18)
    reason: str = Field(min_length=1, max_length=2000, examples=["新建车间职工 60 人，申请成立分工会"])


class UnitCloseRequest(StrictIn):
    """Ask the unit above to approve closing a unit (the unit itself or its parent asks)."""

    unit_id: uuid.UUID = Field(description="The unit to close, in your scope.")
    effective_on: date | None = Field(
        None, description="Date the unit closes once approved; default the approval date."
    )
    reason: str = Field(min_length=1, max_length=2000, examples=["企业注销"])


class UnitRequestDecide(StrictIn):
    approve: bool
    approval_ref: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        examples=["京总工发〔2026〕12号"],
        description="The approval document's reference (批复文号); required to approve.",
    )
    note: str | None = Field(
        None, min_length=1, max_length=2000, description="Required to reject: the reasons."
    )


class UnitRequestOut(Out):
    id: uuid.UUID
    action: UnitRequestAction
    status: UnitRequestStatus
    parent_id: uuid.UUID
    unit_id: uuid.UUID | None
    code: str | None
    name: str | None
    kind: OrgUnitKind | None
    uscc: str | None
    effective_on: date | None
    reason: str
    requested_by_id: uuid.UUID | None
    requested_at: datetime
    decided_by_id: uuid.UUID | None
    decided_at: datetime | None
    approval_ref: str | None
    decision_note: str | None
    version: int
