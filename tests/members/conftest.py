"""Fixtures for the member tests; the factories themselves live in members/factories.py."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import select

from api.db.models import AuditEvent, ChangeLogEntry
from members.factories import create_member


@pytest.fixture
def officer(world) -> dict[str, str]:
    return world.as_role("officer", "U01")


@pytest.fixture
def new_member(client, world) -> Callable[..., dict[str, Any]]:
    """``new_member(unit="U01-B01", **fields)`` creates a member through the API (body + ``etag``)."""
    return lambda unit="U01-B01", **fields: create_member(client, world, unit, **fields)


@pytest.fixture
def audit_events(session) -> Callable[..., list[AuditEvent]]:
    def find(action: str, entity_id: Any = None) -> list[AuditEvent]:
        session.expire_all()
        stmt = select(AuditEvent).where(AuditEvent.action == action)
        if entity_id is not None:
            stmt = stmt.where(AuditEvent.entity_id == uuid.UUID(str(entity_id)))
        return list(session.exec(stmt.order_by(AuditEvent.at)))

    return find


@pytest.fixture
def change_feed(session) -> Callable[[Any], list[str]]:
    def actions(entity_id: Any) -> list[str]:
        session.expire_all()
        rows = session.exec(
            select(ChangeLogEntry)
            .where(ChangeLogEntry.entity_id == uuid.UUID(str(entity_id)))
            .order_by(ChangeLogEntry.id)
        )
        return [r.action for r in rows]

    return actions
