"""Member records (docs/rules.md §1): input shapes, the views each role gets, lifecycle and accounts.

Which view a caller gets is decided by the service (``api.services.members.to_out``); the schemas
only describe them. ``MemberStatusName`` and ``LifecycleActionName`` mirror the state machine in
``api.services.member_core`` (schemas import nothing from services; a test keeps them in step).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import EmailStr, Field, field_validator
from pydantic_core import PydanticCustomError

from api.rules.resident_id import ResidentIdError, parse_resident_id
from api.schemas.common import MoneyFen, Out, Page, StrictIn

#: mainland mobile numbers (they receive the union's SMS), as the HR import accepts them
PHONE_PATTERN = r"^1[3-9]\d{9}$"
MAX_TAGS = 20


class Gender(StrEnum):
    male = "male"
    female = "female"


class MemberStatusName(StrEnum):
    """Membership states (docs/rules.md §1: 章程 Art 2, 6-8)."""

    applied = "applied"
    active = "active"
    transfer_pending = "transfer_pending"
    retained = "retained"
    withdrawn = "withdrawn"
    expelled = "expelled"
    deceased = "deceased"


class ApplicationChannel(StrEnum):
    """How an application was made (章程 Art 2: oral or written; online forms count as written)."""

    written = "written"
    oral = "oral"
    online = "online"


class CardStatus(StrEnum):
    """The membership card (会员证): issued on approval, recalled on withdrawal or expulsion."""

    issued = "issued"
    recalled = "recalled"


class LifecycleActionName(StrEnum):
    """The lifecycle steps an officer records directly; transfers have their own endpoints."""

    approve = "approve"  # applied -> active (章程 Art 2: membership dates from approval)
    retain = "retain"  # active -> retained: retired, unemployed, employer closed (章程 Art 8)
    restore = "restore"  # retained -> active: re-employed
    withdraw = "withdraw"  # active -> withdrawn at the member's request (章程 Art 6)
    deem_withdrawn = (
        "deem_withdrawn"  # active -> withdrawn after 6 months without dues or participation (章程 Art 6)
    )
    expel = "expel"  # active -> expelled, only after a criminal penalty (章程 Art 7)
    rejoin = "rejoin"  # withdrawn -> applied [L]
    death = "death"  # any living state -> deceased


class MemberEventKind(StrEnum):
    """What a member timeline entry records (``member_event.kind``): joining, and every lifecycle step
    including the transfer steps."""

    applied = "applied"
    joined = "joined"
    approve = "approve"
    retain = "retain"
    restore = "restore"
    withdraw = "withdraw"
    deem_withdrawn = "deem_withdrawn"
    expel = "expel"
    rejoin = "rejoin"
    death = "death"
    transfer_out = "transfer_out"
    transfer_in = "transfer_in"
    transfer_back = "transfer_back"


Tag = Annotated[str, Field(min_length=1, max_length=40, examples=["女职工"])]
Phone = Annotated[
    str, Field(pattern=PHONE_PATTERN, examples=["13812345678"], description="Mainland mobile number.")
]


def _checked_national_id(value: str | None) -> str | None:
    """GB 11643 checked with the other fields (api.rules.resident_id), so that a bad ID and, say, a bad
    phone are reported together; the error's type is the stable kind (``id_checksum`` ...). The value is
    kept as sent (the service normalises it) and never echoed."""
    if value is None:
        return None
    try:
        parse_resident_id(value)
    except ResidentIdError as exc:
        raise PydanticCustomError(exc.kind, "{reason}", {"reason": exc.message}) from None
    return value


def _unique_tags(tags: list[str] | None) -> list[str] | None:
    if tags is None:
        return None
    return list(dict.fromkeys(t.strip() for t in tags if t.strip()))


class MemberCreate(StrictIn):
    employee_no: str = Field(
        min_length=1,
        max_length=40,
        examples=["E10023"],
        description="The HR key; unique within the grassroots union.",
    )
    name: str = Field(min_length=1, max_length=100, examples=["张三"])
    national_id: str = Field(
        min_length=1,
        max_length=64,
        examples=["11010519491231002X"],
        description=(
            "Resident ID number (GB 11643); full-width digits, spaces and a lower-case x are accepted. "
            "Stored encrypted; never returned by this endpoint."
        ),
    )
    gender: Gender | None = Field(
        None, description="Filled from the resident ID when absent; must agree with it."
    )
    birth_date: date | None = Field(
        None, description="Filled from the resident ID when absent; must agree with it."
    )
    phone: Phone | None = None
    email: EmailStr | None = None
    org_unit_id: uuid.UUID = Field(description="The member's unit: a grassroots union or a unit inside one.")
    join_date: date | None = Field(
        None, description="Date membership was approved (章程 Art 2); defaults to today."
    )
    status: Literal["applied", "active"] = Field(
        "active", description="`applied` records an application still awaiting approval."
    )
    applied_on: date | None = Field(
        None, description="Date of the application; for `applied`, defaults to today. Never in the future."
    )
    application_channel: ApplicationChannel | None = Field(
        None, description="How the application was made (章程 Art 2); required for `applied`."
    )
    is_representative: bool = Field(
        False, description="Workers' congress representative (active members only)."
    )
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS, examples=[["女职工", "劳模"]])
    monthly_wage_fen: MoneyFen | None = Field(None, ge=0, description="Monthly wage (the dues base), in fen.")
    notes: str | None = Field(None, max_length=1000)

    @field_validator("tags")
    @classmethod
    def _dedupe_tags(cls, tags: list[str] | None) -> list[str] | None:
        return _unique_tags(tags)

    @field_validator("national_id")
    @classmethod
    def _check_national_id(cls, value: str | None) -> str | None:
        return _checked_national_id(value)


class MemberUpdate(StrictIn):
    """Only the fields sent change. Status changes go through the lifecycle endpoint."""

    employee_no: str | None = Field(None, min_length=1, max_length=40)
    name: str | None = Field(None, min_length=1, max_length=100)
    national_id: str | None = Field(None, min_length=1, max_length=64)
    gender: Gender | None = None
    birth_date: date | None = None
    phone: Phone | None = None
    email: EmailStr | None = None
    org_unit_id: uuid.UUID | None = Field(
        None, description="Another unit of the same grassroots union; other unions need a transfer."
    )
    join_date: date | None = None
    is_representative: bool | None = None
    tags: list[Tag] | None = Field(None, max_length=MAX_TAGS, description="Replaces the member's tags.")
    monthly_wage_fen: MoneyFen | None = Field(None, ge=0)
    notes: str | None = Field(None, max_length=1000)

    @field_validator("tags")
    @classmethod
    def _dedupe_tags(cls, tags: list[str] | None) -> list[str] | None:
        return _unique_tags(tags)

    @field_validator("national_id")
    @classmethod
    def _check_national_id(cls, value: str | None) -> str | None:
        return _checked_national_id(value)


class MemberOut(Out):
    """A member as the roles that read members see them (chair, officer, auditor, integration).

    ``phone`` and ``email`` are masked unless the caller may edit the member; ``monthly_wage_fen`` is
    null unless the caller may edit the member or record their dues. Callers who may not read the full
    resident ID (admin, auditor, integration) see its last 4 characters and the birth year only
    (``birth_date`` null): together with the full birth date, the usual mask narrowed the number to a
    handful of candidates.
    """

    view: Literal["full"] = "full"
    id: uuid.UUID
    member_no: str
    employee_no: str
    name: str
    gender: Gender
    birth_date: date | None = Field(description="Null for callers who may not read the full resident ID.")
    birth_year: int
    national_id_masked: str = Field(
        examples=["110***********002X", "**************002X"],
        description=(
            "First 3 and last 4 characters; the last 4 only for callers who may not read the full ID."
        ),
    )
    phone: str | None = Field(None, examples=["138****5678"])
    email: str | None = None
    contact_masked: bool = Field(description="True when phone and email are shown masked.")
    org_unit_id: uuid.UUID
    grassroots_unit_id: uuid.UUID
    join_date: date | None
    applied_on: date | None
    application_channel: ApplicationChannel | None
    card_no: str | None = Field(description="Membership card number, once the card is issued.")
    card_status: CardStatus | None = Field(
        description="`issued` on approval; `recalled` on withdrawal or expulsion; retired members keep it."
    )
    card_issued_on: date | None
    card_recalled_on: date | None
    status: MemberStatusName
    status_reason: str | None
    status_changed_on: date | None
    is_representative: bool
    tags: list[str]
    monthly_wage_fen: MoneyFen | None = None
    notes: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class MemberNameOut(Out):
    """The names-only view (treasurers: docs/rules.md §0 "members: read — names only")."""

    view: Literal["names"] = "names"
    id: uuid.UUID
    member_no: str
    employee_no: str
    name: str
    org_unit_id: uuid.UUID
    status: MemberStatusName
    monthly_wage_fen: MoneyFen | None = Field(
        None, description="Shown to callers who record dues for the member."
    )
    version: int


MemberView = Annotated[MemberOut | MemberNameOut, Field(discriminator="view")]


class MemberPage(Page[MemberView]):
    """A page of members, each as the caller may see them (``view``)."""


class MemberNationalId(Out):
    id: uuid.UUID
    member_no: str
    national_id: str = Field(examples=["11010519491231002X"])


class LifecycleIn(StrictIn):
    action: LifecycleActionName
    effective_on: date | None = Field(None, description="Defaults to today; never in the future.")
    reason: str | None = Field(
        None, min_length=1, max_length=500, description="Required for every action except approve and death."
    )
    application_channel: ApplicationChannel | None = Field(
        None, description="`rejoin` only, and required there: how the new application was made (章程 Art 2)."
    )


class MemberEventOut(Out):
    id: uuid.UUID
    member_id: uuid.UUID
    kind: MemberEventKind = Field(examples=["retain"])
    from_status: MemberStatusName | None
    to_status: MemberStatusName
    effective_on: date
    reason: str | None
    org_unit_id: uuid.UUID
    actor_id: uuid.UUID | None
    created_at: datetime


class MemberAccountIn(StrictIn):
    username: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]{2,63}$",
        description="Defaults to the member number in lower case.",
    )


class MemberAccountOut(Out):
    user_id: uuid.UUID
    username: str
    member_id: uuid.UUID
    org_unit_id: uuid.UUID
    must_change_password: bool
    initial_password: str = Field(description="Shown once; must be changed at first login.")


class MemberSelfOut(Out):
    """A member's own record, as they see it (their own contact details unmasked)."""

    id: uuid.UUID
    member_no: str
    employee_no: str
    name: str
    gender: Gender
    birth_date: date
    national_id_masked: str
    phone: str | None
    email: str | None
    org_unit_id: uuid.UUID
    join_date: date | None
    card_no: str | None
    card_status: CardStatus | None
    status: MemberStatusName
    status_changed_on: date | None
    is_representative: bool
    tags: list[str]
    monthly_wage_fen: MoneyFen | None
    version: int


class MemberContactUpdate(StrictIn):
    """What a member may change about themselves: contact details only."""

    phone: Phone | None = None
    email: EmailStr | None = None
