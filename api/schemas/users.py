from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import EmailStr, Field

from api.schemas.common import Out, StrictIn

USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.@-]{2,63}$"


class RoleName(StrEnum):
    admin = "admin"
    chair = "chair"
    officer = "officer"
    treasurer = "treasurer"
    auditor = "auditor"
    handler = "handler"
    member = "member"
    integration = "integration"


class UserKind(StrEnum):
    human = "human"
    service = "service"


class UserCreate(StrictIn):
    username: str = Field(pattern=USERNAME_PATTERN, examples=["li.officer"])
    display_name: str = Field(min_length=1, max_length=100, examples=["李干事"])
    email: EmailStr | None = None
    kind: UserKind = UserKind.human
    org_unit_id: uuid.UUID = Field(description="The unit the account belongs to (its audit scope).")
    password: str | None = Field(
        None,
        min_length=10,
        max_length=200,
        description=(
            "Humans only. Omit to get a one-time initial password that must be changed at first login."
        ),
    )


class UserUpdate(StrictIn):
    display_name: str | None = Field(None, min_length=1, max_length=100)
    email: EmailStr | None = None
    is_active: bool | None = None


class GrantCreate(StrictIn):
    role: RoleName
    org_unit_id: uuid.UUID


class GrantOut(Out):
    id: uuid.UUID
    role: RoleName
    org_unit_id: uuid.UUID
    created_at: datetime


class UserOut(Out):
    id: uuid.UUID
    username: str
    display_name: str
    email: str | None
    kind: UserKind
    is_active: bool
    must_change_password: bool
    org_unit_id: uuid.UUID
    member_id: uuid.UUID | None
    last_login_at: datetime | None
    version: int
    created_at: datetime


class UserCreated(UserOut):
    initial_password: str | None = Field(None, description="Shown once; must be changed at first login.")
    client_secret: str | None = Field(
        None,
        description=(
            "Service accounts: shown once, stored hashed. Use as client_secret with client_id=username."
        ),
    )


class MeOut(UserOut):
    grants: list[GrantOut]
    permissions: list[str] = Field(description="Permissions held somewhere in the caller's grants.")


class PasswordChange(StrictIn):
    current_password: str
    new_password: str = Field(min_length=10, max_length=200)
