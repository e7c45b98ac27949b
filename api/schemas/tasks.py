"""The caller's task inbox: what waits for them, across areas."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import Field

from api.schemas.common import Out


class TaskOut(Out):
    kind: str = Field(
        description="Dotted task kind, area first: `motion.reply`, `motion.rate` ...",
        examples=["motion.reply"],
    )
    title: str = Field(examples=["关于改善一车间夏季防暑降温条件的提案"])
    resource_type: str = Field(examples=["motion"])
    resource_id: uuid.UUID
    link: str = Field(description="API path of the resource.", examples=["/api/v1/motions/0193..."])
    deadline: date | None = Field(None, description="When it is due, if anything is due.")


class TaskList(Out):
    items: list[TaskOut] = Field(description="Earliest deadline first; undated tasks last.")
    truncated: bool = Field(False, description="True when a task kind had more items than are shown.")
