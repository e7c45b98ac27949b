"""Membership transfers (会籍接转): shapes of requests and of what each side may see."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from api.schemas.common import Out, StrictIn
from api.schemas.members import Gender


class TransferStatus(StrEnum):
    pending = "pending"
    accepted = "accepted"
    refused = "refused"
    cancelled = "cancelled"


class TransferDirection(StrEnum):
    incoming = "incoming"  # the receiving unit is in the caller's scope
    outgoing = "outgoing"  # the sending unit is in the caller's scope


class TransferCreate(StrictIn):
    member_id: uuid.UUID = Field(description="A member in the caller's scope, in status `active`.")
    to_unit_id: uuid.UUID = Field(
        description="The receiving unit: any active unit inside a grassroots union, in or out of your scope."
    )
    reason: str = Field(min_length=1, max_length=400, examples=["调入第二纺织厂工作"])
    effective_on: date | None = Field(
        None, description="Date the sending union releases the member; default today."
    )


class TransferAccept(StrictIn):
    employee_no: str | None = Field(
        None,
        min_length=1,
        max_length=40,
        description=(
            "The member's employee number at the new employer; needed when the old one is taken there."
        ),
    )
    effective_on: date | None = Field(
        None, description="Date the receiving union registers the member; default today."
    )


class RefusalGround(StrEnum):
    """The only grounds on which a receiving union may decline to register a transferring member: it
    is otherwise obliged to register them (全总 2000 暂行规定 items 3-7: 一次入会、动态接转)."""

    not_employed = "not_employed"  # the person has no labour relationship with the receiving employer
    not_the_member = "not_the_member"  # the person at the receiving employer is not the member released
    already_registered = "already_registered"  # already a member of the receiving union


class TransferRefuse(StrictIn):
    ground: RefusalGround = Field(description="The allowed ground of the refusal.")
    reason: str = Field(
        min_length=1,
        max_length=400,
        examples=["该职工未与本单位建立劳动关系"],
        description="The facts the ground rests on, stated to the sending union.",
    )


class TransferCancel(StrictIn):
    reason: str | None = Field(None, min_length=1, max_length=400, examples=["职工放弃调动"])


class UnitRef(Out):
    id: uuid.UUID
    code: str
    name: str


class TransferMember(Out):
    """The only member data a receiving union sees before it accepts: identification, no contacts."""

    id: uuid.UUID
    member_no: str
    name: str
    national_id_masked: str = Field(description="The last 4 characters of the resident ID.")
    gender: Gender
    birth_year: int


class TransferOut(Out):
    id: uuid.UUID
    member: TransferMember
    from_unit: UnitRef
    to_unit: UnitRef
    status: TransferStatus
    reason: str | None
    decision_reason: str | None
    refusal_ground: RefusalGround | None = None
    effective_on: date | None
    requested_at: datetime
    decided_at: datetime | None
    version: int
