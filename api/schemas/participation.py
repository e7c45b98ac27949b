"""Participation in union activities (组织生活): what an officer records and what is read back."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import Field, field_validator

from api.schemas.common import Out, StrictIn

MAX_ATTENDEES = 5000


class ActivityKind(StrEnum):
    meeting = "meeting"  # members' meeting, union group meeting (组织生活会)
    activity = "activity"  # 职工之家 activities, sports, culture
    training = "training"
    vote = "vote"  # elections, congress votes
    other = "other"


class ParticipationCreate(StrictIn):
    org_unit_id: uuid.UUID = Field(description="The unit that held the activity (in your scope).")
    activity: str = Field(min_length=1, max_length=200, examples=["三月工会小组活动"])
    kind: ActivityKind = ActivityKind.activity
    held_on: date = Field(description="Date of the activity; never in the future.")
    member_ids: list[uuid.UUID] = Field(
        min_length=1,
        max_length=MAX_ATTENDEES,
        description="Members present: each in your scope and a current member on the day.",
    )
    notes: str | None = Field(None, max_length=1000)

    @field_validator("member_ids")
    @classmethod
    def _unique(cls, ids: list[uuid.UUID]) -> list[uuid.UUID]:
        return list(dict.fromkeys(ids))


class ParticipationOut(Out):
    id: uuid.UUID
    org_unit_id: uuid.UUID
    activity: str
    kind: ActivityKind
    held_on: date
    notes: str | None
    attendee_count: int
    member_ids: list[uuid.UUID] = Field(description="Members present (empty in lists: read one record).")
    recorded_by_id: uuid.UUID | None
    created_at: datetime
