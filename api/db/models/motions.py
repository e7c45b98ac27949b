"""Workers' congresses, their motions (职代会提案) and the departments that answer them (docs/rules.md §3).

A motion's ``status`` is the state of its workflow (api/services/motions/workflow.py holds the machine);
every step appends a ``MotionEvent`` (its timeline) besides the audit log.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.db.models import base  # noqa: F401
from api.db.types import UTCDateTime, new_id, utcnow, version_column

_congress_version = version_column()


class Congress(SQLModel, table=True):
    """One session of a workers' congress (e.g. 第五届第三次职工代表大会) held by an org unit."""

    __tablename__ = "congress"
    __mapper_args__ = {"version_id_col": _congress_version}

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id", index=True)
    name: str = Field(max_length=200)
    opening_on: date
    motion_deadline_on: date
    reply_months: int
    min_cosigners: int
    satisfaction_scale: str = Field(default="three_level", max_length=20)
    version: int = Field(default=1, sa_column=_congress_version)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CongressRepresentativeOverride(SQLModel, table=True):
    """An officer's per-congress change to the representative list: ``add`` or ``remove`` one member."""

    __tablename__ = "congress_representative_override"

    congress_id: uuid.UUID = Field(foreign_key="congress.id", primary_key=True, ondelete="CASCADE")
    member_id: uuid.UUID = Field(foreign_key="member.id", primary_key=True, index=True)
    action: str = Field(max_length=10)  # add | remove
    reason: str | None = Field(default=None, max_length=500)
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


_department_version = version_column()


class Department(SQLModel, table=True):
    """A department that answers motions (承办部门), belonging to a grassroots union."""

    __tablename__ = "department"
    __mapper_args__ = {"version_id_col": _department_version}
    __table_args__ = (sa.UniqueConstraint("org_unit_id", "name"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id", index=True)
    name: str = Field(max_length=100)
    is_active: bool = True
    version: int = Field(default=1, sa_column=_department_version)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DepartmentHandler(SQLModel, table=True):
    """A handler user attached to a department: they see and answer its motions."""

    __tablename__ = "department_handler"

    department_id: uuid.UUID = Field(foreign_key="department.id", primary_key=True, ondelete="CASCADE")
    user_id: uuid.UUID = Field(foreign_key="app_user.id", primary_key=True, index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


_motion_version = version_column()


class Motion(SQLModel, table=True):
    """A motion (or, once converted or submitted late / without co-signers, a suggestion)."""

    __tablename__ = "motion"
    __mapper_args__ = {"version_id_col": _motion_version}
    __table_args__ = (
        sa.UniqueConstraint("congress_id", "number"),
        sa.Index("ix_motion_congress_id_status", "congress_id", "status"),
        sa.Index("ix_motion_org_unit_id_id", "org_unit_id", "id"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    congress_id: uuid.UUID = Field(foreign_key="congress.id")
    #: the congress's org unit, copied so that scope filters need no join
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id")
    #: registration number within the congress (案号), given when registered
    number: int | None = None
    kind: str = Field(default="motion", max_length=12)  # motion | suggestion
    status: str = Field(default="draft", max_length=12, index=True)
    title: str = Field(max_length=200)
    reasons: str = Field(max_length=5000)
    proposals: str = Field(max_length=5000)
    category: str = Field(max_length=20)
    delegation: str | None = Field(default=None, max_length=100)
    proposer_member_id: uuid.UUID = Field(foreign_key="member.id", index=True)
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    submitted_late: bool = False
    decision: str | None = Field(default=None, max_length=12)  # register | decline | merge | convert
    decision_reason: str | None = Field(default=None, max_length=1000)
    merged_into_id: uuid.UUID | None = Field(default=None, foreign_key="motion.id")
    reviewed_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lead_department_id: uuid.UUID | None = Field(default=None, foreign_key="department.id", index=True)
    due_on: date | None = None
    round: int = 1
    outcome_class: str | None = Field(default=None, max_length=1)  # A | B | C | D, of the latest reply
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1, sa_column=_motion_version)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MotionSignatory(SQLModel, table=True):
    """A co-signer who signed themselves, or a proposer of a motion merged into this one (co-proposer)."""

    __tablename__ = "motion_signatory"

    motion_id: uuid.UUID = Field(foreign_key="motion.id", primary_key=True, ondelete="CASCADE")
    member_id: uuid.UUID = Field(foreign_key="member.id", primary_key=True, index=True)
    role: str = Field(default="cosigner", max_length=12)  # cosigner | co_proposer
    merged_from_id: uuid.UUID | None = Field(default=None, foreign_key="motion.id")
    signed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MotionDepartment(SQLModel, table=True):
    """The lead department and the co-handling departments of an assigned motion."""

    __tablename__ = "motion_department"

    motion_id: uuid.UUID = Field(foreign_key="motion.id", primary_key=True, ondelete="CASCADE")
    department_id: uuid.UUID = Field(foreign_key="department.id", primary_key=True, index=True)
    role: str = Field(max_length=6)  # lead | co


class MotionReply(SQLModel, table=True):
    """The lead department's written answer for one round, with its outcome class."""

    __tablename__ = "motion_reply"
    __table_args__ = (sa.UniqueConstraint("motion_id", "round"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    motion_id: uuid.UUID = Field(foreign_key="motion.id", index=True, ondelete="CASCADE")
    round: int
    department_id: uuid.UUID = Field(foreign_key="department.id", index=True)
    text: str = Field(max_length=10000)
    outcome_class: str = Field(max_length=1)
    due_on: date
    replied_on: date
    late: bool
    replied_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MotionRating(SQLModel, table=True):
    """A signatory's rating of one round's reply; one per member and round."""

    __tablename__ = "motion_rating"
    __table_args__ = (sa.UniqueConstraint("motion_id", "round", "member_id"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    motion_id: uuid.UUID = Field(foreign_key="motion.id", index=True, ondelete="CASCADE")
    round: int
    member_id: uuid.UUID = Field(foreign_key="member.id")
    is_proposer: bool
    rating: str = Field(max_length=20)  # satisfied | basically_satisfied | unsatisfied
    comment: str | None = Field(default=None, max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MotionEvent(SQLModel, table=True):
    """One step of a motion's timeline (created, cosigned, submitted, registered, assigned, replied ...)."""

    __tablename__ = "motion_event"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    motion_id: uuid.UUID = Field(foreign_key="motion.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=30)
    from_status: str | None = Field(default=None, max_length=12)
    to_status: str = Field(max_length=12)
    round: int
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    actor_label: str | None = Field(default=None, max_length=100)
    details: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
