"""Hardship aid (困难帮扶): household files, 低保 standards, the notice calendar, programmes,
applications, public notices with objections, payout batches (docs/rules.md §4).

A file's or an application's ``status`` is the state of its workflow (api/services/aid/workflow.py
holds the machines); every step appends an ``AidEvent`` besides the audit log.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.db.models import base  # noqa: F401
from api.db.types import UTCDateTime, new_id, utcnow, version_column


class AidDibaoStandard(SQLModel, table=True):
    """The local minimum-living standard (低保, per person per month) of a region from a date on."""

    __tablename__ = "aid_dibao_standard"
    __table_args__ = (sa.UniqueConstraint("region_code", "effective_on"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    region_code: str = Field(max_length=12)
    region_name: str = Field(max_length=100)
    monthly_fen: int
    effective_on: date
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AidCalendarDay(SQLModel, table=True):
    """An admin's override of the official calendar: this day is (not) a working day."""

    __tablename__ = "aid_calendar_day"

    day: date = Field(primary_key=True)
    is_workday: bool
    note: str | None = Field(default=None, max_length=200)
    set_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


_household_version = version_column()


class AidHousehold(SQLModel, table=True):
    """One household file (建档立卡) of a member. The bank account is stored only encrypted, with its
    mask beside it; composition and expenses are the file's documents (JSON), their totals columns."""

    __tablename__ = "aid_household"
    __mapper_args__ = {"version_id_col": _household_version}
    __table_args__ = (
        sa.Index("ix_aid_household_org_unit_id_id", "org_unit_id", "id"),
        sa.Index("ix_aid_household_status_review_due_on", "status", "review_due_on"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    member_id: uuid.UUID = Field(foreign_key="member.id", index=True)
    #: the member's unit when the file was opened, so that scope filters need no join
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id")
    status: str = Field(default="applied", max_length=12, index=True)
    region_code: str = Field(max_length=12)
    household_size: int
    people: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    expenses: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    causes: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    exclusions: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    annual_income_fen: int
    rigid_expenses_fen: int
    accident_costs_fen: int = 0
    is_migrant: bool = False
    labour_relation_since: date | None = None
    bank_name: str = Field(max_length=100)
    bank_account_cipher: str = Field(max_length=255)
    bank_account_masked: str = Field(max_length=40)
    consent_signed_on: date | None = None
    visited_on: date | None = None
    visitors: str | None = Field(default=None, max_length=200)
    visit_findings: str | None = Field(default=None, max_length=4000)
    assessed_on: date | None = None
    dibao_monthly_fen: int | None = None
    per_capita_monthly_fen: int | None = None
    category: str | None = Field(default=None, max_length=10, index=True)
    notice_id: uuid.UUID | None = Field(default=None, foreign_key="aid_notice.id")
    filed_on: date | None = None
    review_due_on: date | None = None
    closed_on: date | None = None
    close_reason: str | None = Field(default=None, max_length=1000)
    retain_until: date | None = None
    decision_reason: str | None = Field(default=None, max_length=1000)
    applicant_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    screened_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    approved_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    version: int = Field(default=1, sa_column=_household_version)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


_programme_version = version_column()


class AidProgramme(SQLModel, table=True):
    """An aid programme of a union (换季/越冬/春节/日常/特殊救助, 送温暖, 金秋助学, 医疗互助 ...) as data."""

    __tablename__ = "aid_programme"
    __mapper_args__ = {"version_id_col": _programme_version}
    __table_args__ = (sa.UniqueConstraint("org_unit_id", "code"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id", index=True)
    code: str = Field(max_length=40)
    name: str = Field(max_length=100)
    kind: str = Field(max_length=20)
    starts_on: date
    ends_on: date
    standard_fen: int | None = None
    cap_fen: int | None = None
    yearly_cap_fen: int | None = None
    #: 金秋助学: {"university": {"filed": 500000, "other": 400000}, "senior_high": {...}}
    tiers: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    eligible_categories: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    notice_required: bool = True
    budget_category_code: str = Field(max_length=60)
    is_active: bool = True
    version: int = Field(default=1, sa_column=_programme_version)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


_application_version = version_column()


class AidApplication(SQLModel, table=True):
    """One application for a programme's grant, from submission to payment."""

    __tablename__ = "aid_application"
    __mapper_args__ = {"version_id_col": _application_version}
    __table_args__ = (
        sa.Index("ix_aid_application_org_unit_id_id", "org_unit_id", "id"),
        sa.Index("ix_aid_application_member_id_year", "member_id", "year"),
        sa.Index("ix_aid_application_student_hmac_year", "student_hmac", "year"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    programme_id: uuid.UUID = Field(foreign_key="aid_programme.id", index=True)
    member_id: uuid.UUID = Field(foreign_key="member.id")
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id")
    household_id: uuid.UUID | None = Field(default=None, foreign_key="aid_household.id")
    category: str = Field(max_length=10)  # the member's hardship category when submitted
    status: str = Field(default="submitted", max_length=12, index=True)
    year: int
    amount_fen: int
    reason: str = Field(max_length=2000)
    student_name: str | None = Field(default=None, max_length=100)
    student_hmac: str | None = Field(default=None, max_length=64)
    school_level: str | None = Field(default=None, max_length=20)
    notice_id: uuid.UUID | None = Field(default=None, foreign_key="aid_notice.id")
    decision_reason: str | None = Field(default=None, max_length=1000)
    applicant_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    screened_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    approved_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    approved_on: date | None = None
    payout_batch_id: uuid.UUID | None = Field(default=None, foreign_key="aid_payout_batch.id", index=True)
    paid_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    paid_on: date | None = None
    bank_reference: str | None = Field(default=None, max_length=60)
    ledger_entry_id: uuid.UUID | None = None
    version: int = Field(default=1, sa_column=_application_version)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AidNotice(SQLModel, table=True):
    """A public notice (公示): masked name, unit, programme and amount only, for its period."""

    __tablename__ = "aid_notice"
    __table_args__ = (sa.Index("ix_aid_notice_org_unit_id_ends_on", "org_unit_id", "ends_on"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    #: the subject's unit; every member of its grassroots union reads the notice
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id")
    subject_type: str = Field(max_length=12)  # household | application
    subject_id: uuid.UUID
    masked_name: str = Field(max_length=100)
    unit_name: str = Field(max_length=200)
    programme_name: str = Field(max_length=100)
    amount_fen: int | None = None
    starts_on: date
    ends_on: date
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


_objection_version = version_column()


class AidObjection(SQLModel, table=True):
    """A member's objection to a notice; open ones block approval until resolved."""

    __tablename__ = "aid_objection"
    __mapper_args__ = {"version_id_col": _objection_version}

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    notice_id: uuid.UUID = Field(foreign_key="aid_notice.id", index=True)
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id")
    member_id: uuid.UUID = Field(foreign_key="member.id")
    reason: str = Field(max_length=2000)
    status: str = Field(default="open", max_length=10, index=True)  # open | upheld | dismissed
    resolution: str | None = Field(default=None, max_length=2000)
    resolved_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1, sa_column=_objection_version)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


_batch_version = version_column()


class AidPayoutBatch(SQLModel, table=True):
    """A list of approved applications the treasurer sends to the bank and then marks paid."""

    __tablename__ = "aid_payout_batch"
    __mapper_args__ = {"version_id_col": _batch_version}

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id", index=True)
    status: str = Field(default="open", max_length=10)  # open | paid
    total_fen: int = 0
    count: int = 0
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    paid_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    paid_on: date | None = None
    version: int = Field(default=1, sa_column=_batch_version)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AidEvent(SQLModel, table=True):
    """One step of a household file's or an application's timeline."""

    __tablename__ = "aid_event"
    __table_args__ = (sa.Index("ix_aid_event_subject_id_created_at", "subject_id", "created_at"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    subject_type: str = Field(max_length=12)  # household | application
    subject_id: uuid.UUID
    kind: str = Field(max_length=30)
    from_status: str | None = Field(default=None, max_length=12)
    to_status: str = Field(max_length=12)
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    actor_label: str | None = Field(default=None, max_length=100)
    details: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
