"""Participation in union activities (组织生活) and expulsion cases (开除会籍), docs/rules.md §1.

Participation records are what keeps a membership alive under the deemed-withdrawal rule (章程 Art 6:
six months with neither dues nor participation); an expulsion is proposed by the union group, decided
by the grassroots committee and filed with the union above (章程 Art 7).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.db.models import base  # noqa: F401
from api.db.types import UTCDateTime, new_id, utcnow, version_column


class Participation(SQLModel, table=True):
    """One union activity held by a unit (meeting, 职工之家 event, training ...) on a date."""

    __tablename__ = "participation"
    __table_args__ = (sa.Index("ix_participation_org_unit_id_held_on", "org_unit_id", "held_on"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id")
    activity: str = Field(max_length=200)
    kind: str = Field(max_length=20)  # meeting | activity | training | vote | other
    held_on: date
    notes: str | None = Field(default=None, max_length=1000)
    recorded_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ParticipationAttendee(SQLModel, table=True):
    """A member present at an activity (the date is the activity's, copied for the lapse query)."""

    __tablename__ = "participation_attendee"
    __table_args__ = (sa.Index("ix_participation_attendee_member_id_held_on", "member_id", "held_on"),)

    participation_id: uuid.UUID = Field(foreign_key="participation.id", primary_key=True, ondelete="CASCADE")
    member_id: uuid.UUID = Field(foreign_key="member.id", primary_key=True)
    held_on: date


_expulsion_version = version_column()


class MemberExpulsion(SQLModel, table=True):
    """An expulsion case: proposed by the union group, decided by the grassroots committee, filed with
    the union above (章程 Art 7)."""

    __tablename__ = "member_expulsion"
    __mapper_args__ = {"version_id_col": _expulsion_version}

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    member_id: uuid.UUID = Field(foreign_key="member.id", index=True)
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id", index=True)
    status: str = Field(default="proposed", max_length=20)  # proposed | decided | rejected | withdrawn
    ground: str = Field(max_length=30)
    reference: str = Field(max_length=200)
    penalty_on: date
    proposal: str = Field(max_length=2000)
    group_meeting_on: date
    proposed_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    proposed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decision: str | None = Field(default=None, max_length=2000)
    decided_on: date | None = None
    decided_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: the union above the grassroots union, where the decision is filed (报上一级工会备案)
    filed_with_unit_id: uuid.UUID | None = Field(default=None, foreign_key="org_unit.id")
    version: int = Field(default=1, sa_column=_expulsion_version)
