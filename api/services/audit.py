"""The audit log: appending to it in the caller's transaction, and reading it within the caller's scope.

The event belongs to the same session as the change it describes, so a rolled-back request leaves
no event behind and a committed change never lacks one. It is written when the session commits, as
the next link of the hash chain (api.services.audit_chain). Personal data is redacted before storing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import sqlalchemy as sa
from asgi_correlation_id import correlation_id
from sqlmodel import Session, col, select

from api.context import client_ip
from api.db.models import AuditEvent, OrgUnit
from api.schemas.audit import AuditAction, AuditEntityType
from api.security.principal import Principal
from api.services import audit_chain
from api.services.pagination import keyset
from api.services.scope import in_scope

#: fields whose values never enter the log; only the fact that they changed does
REDACTED_FIELDS = frozenset(
    {
        "password",
        "password_hash",
        "client_secret",
        "national_id",
        "national_id_cipher",
        "national_id_hmac",
        "phone",
        "mobile",
        "email",
        "monthly_wage_fen",
        "bank_account",
        "hardship_details",
        "token_hash",
    }
)
REDACTED = "***"


def plain(value: Any) -> Any:
    """A value as plain JSON data, recursively: enums by value, ids and decimals as text, ISO 8601 dates."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """``{"before": {...}, "after": {...}}`` restricted to fields that changed, with redaction."""
    changed = [k for k in after if before.get(k) != after.get(k)]
    return {
        "before": {k: REDACTED if k in REDACTED_FIELDS else plain(before.get(k)) for k in changed},
        "after": {k: REDACTED if k in REDACTED_FIELDS else plain(after.get(k)) for k in changed},
    }


def created(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {"after": {k: REDACTED if k in REDACTED_FIELDS else plain(v) for k, v in fields.items()}}


_ACTIONS = frozenset(a.value for a in AuditAction)
_ENTITY_TYPES = frozenset(e.value for e in AuditEntityType)


def record(
    session: Session,
    actor: Principal | None,
    action: str,
    *,
    entity_type: str | None = None,
    entity_id: uuid.UUID | None = None,
    org_unit_id: uuid.UUID | None = None,
    changes: dict[str, Any] | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    if action not in _ACTIONS or (entity_type is not None and entity_type not in _ENTITY_TYPES):
        # the contract's closed sets (api/schemas/audit.py): a new action is added there, not invented here
        raise ValueError(
            f"audit action {action!r} or entity type {entity_type!r} is not in api/schemas/audit.py"
        )
    event = AuditEvent(
        actor_id=actor.user_id if actor else None,
        actor_label=actor_label or (actor.label if actor else None),
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        org_unit_id=org_unit_id,
        changes=plain(changes) if changes else None,
        request_id=correlation_id.get(),
        ip=client_ip.get(),
    )
    audit_chain.pending(session).append(event)  # written, chained, when the session commits
    return event


def list_events(
    session: Session,
    principal: Principal,
    *,
    entity_type: str | None = None,
    entity_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int,
    cursor: str | None,
) -> tuple[list[AuditEvent], str | None]:
    """Events inside the caller's scope, newest first, filtered; a time without a zone is read as UTC.

    Events tied to no org unit (failed logins for unknown usernames) are shown to callers whose grant
    is at a root of the tree."""
    since = since.replace(tzinfo=UTC) if since and since.tzinfo is None else since
    until = until.replace(tzinfo=UTC) if until and until.tzinfo is None else until
    roots = principal.units_for()
    visible = in_scope(col(AuditEvent.org_unit_id), roots)
    at_root = select(OrgUnit.id).where(col(OrgUnit.id).in_(roots), col(OrgUnit.parent_id).is_(None)).limit(1)
    if session.exec(at_root).first():
        visible = sa.or_(visible, col(AuditEvent.org_unit_id).is_(None))
    stmt = select(AuditEvent).where(visible)
    if entity_type:
        stmt = stmt.where(AuditEvent.entity_type == entity_type)
    if entity_id:
        stmt = stmt.where(AuditEvent.entity_id == entity_id)
    if actor_id:
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if since:
        stmt = stmt.where(col(AuditEvent.at) >= since)
    if until:
        stmt = stmt.where(col(AuditEvent.at) < until)
    return keyset(session, stmt, keys=[col(AuditEvent.id)], limit=limit, cursor=cursor, descending=True)
