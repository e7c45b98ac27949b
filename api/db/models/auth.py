"""Users (people and service accounts), their role grants, and refresh tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.db.models import base  # noqa: F401
from api.db.types import UTCDateTime, new_id, utcnow, version_column

_user_version = version_column()


class User(SQLModel, table=True):
    __tablename__ = "app_user"  # "user" is reserved in PostgreSQL
    __mapper_args__ = {"version_id_col": _user_version}

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=100)
    email: str | None = Field(default=None, max_length=254)
    kind: str = Field(default="human", max_length=10)  # human | service
    password_hash: str = Field(max_length=255)
    is_active: bool = True
    must_change_password: bool = False
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id", index=True)
    member_id: uuid.UUID | None = Field(default=None, index=True)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1, sa_column=_user_version)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Grant(SQLModel, table=True):
    """(user, role, org unit): the role applies to the unit's whole subtree (docs/rules.md §0)."""

    __tablename__ = "role_grant"
    __table_args__ = (sa.UniqueConstraint("user_id", "role", "org_unit_id"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="app_user.id", index=True, ondelete="CASCADE")
    role: str = Field(max_length=20)
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id", index=True)
    granted_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RefreshToken(SQLModel, table=True):
    """A refresh token, stored only as a SHA-256 hash. Rotation spends it; reuse revokes the family."""

    __tablename__ = "refresh_token"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="app_user.id", index=True, ondelete="CASCADE")
    family_id: uuid.UUID = Field(index=True)
    token_hash: str = Field(max_length=64, unique=True)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
