from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from api.schemas.common import Out, StrictIn


class OrgUnitKind(StrEnum):
    federation = "federation"  # 总工会
    grassroots = "grassroots"  # 基层工会委员会 (incl. joint unions)
    branch = "branch"  # 分工会
    group = "group"  # 工会小组


class OrgUnitStatus(StrEnum):
    active = "active"
    closed = "closed"


CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$"


class OrgUnitCreate(StrictIn):
    code: str = Field(
        pattern=CODE_PATTERN, examples=["U01-B01"], description="Unique; imports refer to units by it."
    )
    name: str = Field(min_length=1, max_length=200, examples=["第一分工会"])
    kind: OrgUnitKind
    parent_id: uuid.UUID
    uscc: str | None = Field(
        None,
        min_length=18,
        max_length=18,
        examples=["91350100M000100Y43"],
        description="Employer's unified social credit code (GB 32100), check character verified.",
    )


class OrgUnitUpdate(StrictIn):
    name: str | None = Field(None, min_length=1, max_length=200)
    uscc: str | None = Field(None, min_length=18, max_length=18)
    independent_accounting: bool | None = Field(
        None, description="经费独立核算: the unit keeps its own budget and ledger (union funds)."
    )


class OrgUnitMove(StrictIn):
    parent_id: uuid.UUID


class OrgUnitClose(StrictIn):
    closed_on: date | None = Field(None, description="Defaults to today.")
    reason: str = Field(min_length=1, max_length=500, examples=["企业注销，经上级工会批准撤销"])


class OrgUnitOut(Out):
    id: uuid.UUID
    code: str
    name: str
    kind: OrgUnitKind
    parent_id: uuid.UUID | None
    depth: int
    uscc: str | None
    status: OrgUnitStatus
    closed_on: date | None
    independent_accounting: bool
    version: int
    created_at: datetime
    updated_at: datetime
