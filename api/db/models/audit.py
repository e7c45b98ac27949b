"""The append-only audit log and stored idempotent responses."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.db.models import base  # noqa: F401
from api.db.types import UTCDateTime, new_id, utcnow


class AuditEvent(SQLModel, table=True):
    """One row per write, state change, grant change and login. Triggers refuse UPDATE and DELETE."""

    __tablename__ = "audit_event"
    __table_args__ = (
        sa.Index("ix_audit_event_entity", "entity_type", "entity_id"),
        sa.Index("ix_audit_event_action_actor_label_at", "action", "actor_label", "at"),
        sa.Index("ix_audit_event_action_ip_at", "action", "ip", "at"),
        sa.Index("ux_audit_event_seq", "seq", unique=True),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor_id: uuid.UUID | None = Field(default=None, index=True)
    actor_label: str | None = Field(default=None, max_length=100)
    action: str = Field(max_length=64)
    entity_type: str | None = Field(default=None, max_length=40)
    entity_id: uuid.UUID | None = None
    org_unit_id: uuid.UUID | None = Field(default=None, index=True)
    changes: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    request_id: str | None = Field(default=None, max_length=64)
    ip: str | None = Field(default=None, max_length=45)
    #: position in the hash chain (api.services.audit_chain); null for events written before it began
    seq: int | None = Field(default=None, sa_type=sa.BigInteger)
    #: SHA-256 over the previous event's ``chain_hash`` and this event's content: rewriting, removing or
    #: inserting an event breaks every hash after it (``gonghui audit verify``)
    chain_hash: str | None = Field(default=None, max_length=64)


class AuditChainHead(SQLModel, table=True):
    """The last link of the audit hash chain (one row): its ``seq`` and ``chain_hash``. Taking its row
    lock orders the audited transactions that commit at the same time."""

    __tablename__ = "audit_chain_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = Field(default=0, sa_type=sa.BigInteger)
    chain_hash: str = Field(max_length=64)


class IdempotencyRecord(SQLModel, table=True):
    """The first response to a POST sent with an ``Idempotency-Key``; replayed on retries."""

    __tablename__ = "idempotency_record"
    __table_args__ = (sa.UniqueConstraint("principal", "key"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    principal: str = Field(max_length=64)
    key: str = Field(max_length=200)
    method: str = Field(max_length=10)
    path: str = Field(max_length=500)
    request_hash: str = Field(max_length=64)
    status_code: int | None = None  # None while the first request is still running
    response_body: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    response_headers: dict[str, str] | None = Field(default=None, sa_type=sa.JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
