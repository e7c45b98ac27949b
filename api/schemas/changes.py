"""The change feed for integrations."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from api.schemas.common import Out


class ChangeOut(Out):
    seq: int = Field(description="Position in commit order; the feed's cursor.")
    entity_type: str = Field(examples=["member"])
    entity_id: uuid.UUID
    action: str = Field(examples=["created"])
    org_unit_id: uuid.UUID | None
    entity_version: int | None = Field(None, description="The entity's version after the change.")
    changed_at: datetime


class ChangeFeed(Out):
    items: list[ChangeOut]
    next_cursor: str = Field(description="Pass as `since` next time; equals `since` when nothing was new.")
    has_more: bool = Field(description="More changes are ready: ask again at once.")
