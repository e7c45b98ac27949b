from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import Authorized, PageQuery, SessionDep, require
from api.routing import Route
from api.schemas.audit import AuditAction, AuditEntityType, AuditEventOut
from api.schemas.common import PROBLEM_RESPONSES, Page
from api.services import audit

router = APIRouter(route_class=Route, prefix="/audit-events", tags=["audit"], responses=PROBLEM_RESPONSES)


@router.get("", response_model=Page[AuditEventOut], dependencies=[Depends(require("audit.read"))])
def audit_events_list(
    session: SessionDep,
    principal: Authorized,
    page: PageQuery,
    entity_type: Annotated[AuditEntityType | None, Query(examples=["org_unit"])] = None,
    entity_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    action: Annotated[AuditAction | None, Query(examples=["grant.added"])] = None,
    since: Annotated[datetime | None, Query(description="Inclusive lower bound (ISO 8601).")] = None,
    until: Annotated[datetime | None, Query(description="Exclusive upper bound (ISO 8601).")] = None,
) -> Page[AuditEventOut]:
    """The audit trail inside the caller's scope, newest first. Events cannot be edited or deleted.

    Events tied to no org unit (failed logins for unknown usernames) are shown to callers whose
    grant is at a root of the tree."""
    items, next_cursor = audit.list_events(
        session,
        principal,
        entity_type=entity_type,
        entity_id=entity_id,
        actor_id=actor_id,
        action=action,
        since=since,
        until=until,
        limit=page.limit,
        cursor=page.cursor,
    )
    return Page(items=[AuditEventOut.model_validate(e) for e in items], next_cursor=next_cursor)
