"""Requests to set up or close an org unit, approved by the unit above (章程 Art 16)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlmodel import Field, SQLModel

from api.db.models import base  # noqa: F401
from api.db.types import UTCDateTime, new_id, utcnow, version_column

_request_version = version_column()


class OrgUnitRequest(SQLModel, table=True):
    """A unit (or its parent) asks the unit above to approve setting up or closing a unit."""

    __tablename__ = "org_unit_request"
    __mapper_args__ = {"version_id_col": _request_version}

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    action: str = Field(max_length=10)  # set_up | close
    status: str = Field(default="pending", max_length=10, index=True)  # pending|approved|rejected|withdrawn
    #: the unit above: its chairs decide
    parent_id: uuid.UUID = Field(foreign_key="org_unit.id", index=True)
    #: close: the unit to close; set_up: the unit created on approval
    unit_id: uuid.UUID | None = Field(default=None, foreign_key="org_unit.id", index=True)
    code: str | None = Field(default=None, max_length=32)
    name: str | None = Field(default=None, max_length=200)
    kind: str | None = Field(default=None, max_length=20)
    uscc: str | None = Field(default=None, max_length=18)
    effective_on: date | None = None
    reason: str = Field(max_length=2000)
    requested_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: the approval document (批复文号) of the unit above
    approval_ref: str | None = Field(default=None, max_length=100)
    decision_note: str | None = Field(default=None, max_length=2000)
    version: int = Field(default=1, sa_column=_request_version)
