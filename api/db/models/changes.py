"""The change feed for integrations (``GET /api/v1/changes``)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.db.models import base  # noqa: F401
from api.db.types import UTCDateTime, utcnow

#: 64-bit ids on PostgreSQL; SQLite's autoincrementing rowid alias must be spelled INTEGER
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class ChangeLogEntry(SQLModel, table=True):
    """One create/update/state change, written in the same transaction as the change.

    ``seq`` is not assigned at write time: a reader first stamps every committed, unstamped entry
    with the next numbers (one stamper at a time), then reads ``seq > cursor``. An entry becomes
    readable only once committed and always gets a number above every number already handed out,
    so a cursor never skips or repeats a change, however transactions interleave.
    """

    __tablename__ = "change_log"
    __table_args__ = (sa.Index("ix_change_log_entity_type_seq", "entity_type", "seq"),)

    id: int | None = Field(default=None, sa_column=sa.Column(BigId, primary_key=True, autoincrement=True))
    seq: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, unique=True))
    entity_type: str = Field(max_length=40)
    entity_id: uuid.UUID
    action: str = Field(max_length=40)
    org_unit_id: uuid.UUID | None = Field(default=None, index=True)
    entity_version: int | None = None
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ChangeLogCounter(SQLModel, table=True):
    """Single-row counter that hands out ``seq`` numbers; its row lock serialises stampers."""

    __tablename__ = "change_log_counter"

    id: int = Field(default=1, primary_key=True)
    last_seq: int = Field(default=0, sa_type=sa.BigInteger)
