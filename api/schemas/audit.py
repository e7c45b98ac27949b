from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from api.schemas.common import Out


class AuditEventOut(Out):
    id: uuid.UUID
    at: datetime
    actor_id: uuid.UUID | None
    actor_label: str | None
    action: str
    entity_type: str | None
    entity_id: uuid.UUID | None
    org_unit_id: uuid.UUID | None
    changes: dict[str, Any] | None
    request_id: str | None
    ip: str | None
