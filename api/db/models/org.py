"""The union's organisation tree (docs/rules.md §0), with a closure table for subtree queries."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.db.models import base  # noqa: F401  (naming convention first)
from api.db.types import UTCDateTime, new_id, utcnow, version_column

_org_unit_version = version_column()


class OrgUnit(SQLModel, table=True):
    __tablename__ = "org_unit"
    __mapper_args__ = {"version_id_col": _org_unit_version}

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=20)
    parent_id: uuid.UUID | None = Field(default=None, foreign_key="org_unit.id", index=True)
    depth: int = Field(default=0)
    uscc: str | None = Field(default=None, max_length=18)
    status: str = Field(default="active", max_length=10)
    closed_on: date | None = None
    #: 经费独立核算: the unit keeps its own budget and ledger (domain.md §5); units without the flag
    #: book into their nearest flagged ancestor
    independent_accounting: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    version: int = Field(default=1, sa_column=_org_unit_version)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OrgUnitClosure(SQLModel, table=True):
    """One row per (ancestor, descendant) pair, itself included at depth 0.

    Every scoped query asks "is this unit inside one of the caller's granted subtrees", which is an
    indexed lookup here at any tree size and depth.
    """

    __tablename__ = "org_unit_closure"
    __table_args__ = (sa.Index("ix_org_unit_closure_descendant_id", "descendant_id", "ancestor_id"),)

    ancestor_id: uuid.UUID = Field(foreign_key="org_unit.id", primary_key=True)
    descendant_id: uuid.UUID = Field(foreign_key="org_unit.id", primary_key=True)
    depth: int
