"""Appending to the audit log, in the caller's transaction.

The event belongs to the same session as the change it describes, so a rolled-back request leaves
no event behind and a committed change never lacks one. It is written when the session commits, as
the next link of the hash chain (api.services.audit_chain). Personal data is redacted before storing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from asgi_correlation_id import correlation_id
from sqlmodel import Session

from api.context import client_ip
from api.db.models import AuditEvent
from api.security.principal import Principal
from api.services import audit_chain

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


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """``{"before": {...}, "after": {...}}`` restricted to fields that changed, with redaction."""
    changed = [k for k in after if before.get(k) != after.get(k)]
    return {
        "before": {k: REDACTED if k in REDACTED_FIELDS else _plain(before.get(k)) for k in changed},
        "after": {k: REDACTED if k in REDACTED_FIELDS else _plain(after.get(k)) for k in changed},
    }


def created(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {"after": {k: REDACTED if k in REDACTED_FIELDS else _plain(v) for k, v in fields.items()}}


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
    event = AuditEvent(
        actor_id=actor.user_id if actor else None,
        actor_label=actor_label or (actor.label if actor else None),
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        org_unit_id=org_unit_id,
        changes=_plain(changes) if changes else None,
        request_id=correlation_id.get(),
        ip=client_ip.get(),
    )
    audit_chain.pending(session).append(event)  # written, chained, when the session commits
    return event
