"""The change feed for integrations."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import Field

from api.schemas.common import Out


class ChangeEntityType(StrEnum):
    """What changed (an area whose records go into the feed adds its type here)."""

    member = "member"


class ChangeAction(StrEnum):
    created = "created"
    updated = "updated"
    status_changed = "status_changed"
    transferred = "transferred"


class ChangeOut(Out):
    seq: int = Field(description="Position in commit order; the feed's cursor.")
    entity_type: ChangeEntityType = Field(examples=["member"])
    entity_id: uuid.UUID
    action: ChangeAction = Field(examples=["created"])
    org_unit_id: uuid.UUID | None
    entity_version: int | None = Field(None, description="The entity's version after the change.")
    changed_at: datetime


class ChangeFeed(Out):
    items: list[ChangeOut]
    next_cursor: str = Field(
        description="Pass as `cursor` next time; equals `cursor` when nothing was new (never null: the feed "
        "has no last page)."
    )
    has_more: bool = Field(description="More changes are ready: ask again at once.")
