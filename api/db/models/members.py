"""Members (会员), their lifecycle events, transfers, dues and import jobs (docs/rules.md §1)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.db.models import base  # noqa: F401
from api.db.types import UTCDateTime, new_id, utcnow, version_column

_member_version = version_column()


class Member(SQLModel, table=True):
    """A member record. The resident ID is stored only encrypted (``national_id_cipher``) with a keyed
    hash beside it for uniqueness and exact lookup; lists show the stored mask."""

    __tablename__ = "member"
    __mapper_args__ = {"version_id_col": _member_version}
    __table_args__ = (
        sa.UniqueConstraint("grassroots_unit_id", "employee_no"),
        sa.Index("ix_member_org_unit_id_id", "org_unit_id", "id"),
        #: lists by status within units: the page's ids come from this index alone (keys first,
        #: api.services.pagination.keyset), no row is read before the page is chosen
        sa.Index("ix_member_status_org_unit_id_id", "status", "org_unit_id", "id"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    member_no: str = Field(max_length=40, unique=True)
    employee_no: str = Field(max_length=40)
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id")
    #: the grassroots union the member's unit belongs to: employee numbers are unique per union. No index
    #: of its own: the unique (grassroots_unit_id, employee_no) leads with it (migration 0015)
    grassroots_unit_id: uuid.UUID = Field(foreign_key="org_unit.id")
    name: str = Field(max_length=100)
    gender: str = Field(max_length=6)  # male | female
    birth_date: date
    national_id_cipher: str = Field(max_length=255)
    national_id_hmac: str = Field(max_length=64, unique=True)
    national_id_masked: str = Field(max_length=18)
    phone: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=254)
    join_date: date | None = None
    #: no index of its own: (status, org_unit_id, id) leads with it (migration 0016)
    status: str = Field(default="active", max_length=20)
    status_reason: str | None = Field(default=None, max_length=500)
    status_changed_on: date | None = None
    is_representative: bool = Field(default=False)
    monthly_wage_fen: int | None = None
    notes: str | None = Field(default=None, max_length=1000)
    #: 章程 Art 2: an oral or written application; the date it was made and how
    applied_on: date | None = None
    application_channel: str | None = Field(default=None, max_length=10)  # written | oral | online
    #: the membership card (会员证): issued on approval, recalled on withdrawal or expulsion, kept by
    #: retired members (章程 Art 2, 6-8)
    card_no: str | None = Field(default=None, max_length=40)
    card_status: str | None = Field(default=None, max_length=10)  # issued | recalled
    card_issued_on: date | None = None
    card_recalled_on: date | None = None
    version: int = Field(default=1, sa_column=_member_version)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MemberTag(SQLModel, table=True):
    """Tags such as women workers (女职工), migrant workers (农民工), model workers (劳模)."""

    __tablename__ = "member_tag"
    __table_args__ = (sa.Index("ix_member_tag_tag_member_id", "tag", "member_id"),)

    member_id: uuid.UUID = Field(foreign_key="member.id", primary_key=True, ondelete="CASCADE")
    tag: str = Field(max_length=40, primary_key=True)


class MemberEvent(SQLModel, table=True):
    """One lifecycle step (join, transfer, retain, restore, withdraw, expel, death ...)."""

    __tablename__ = "member_event"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    member_id: uuid.UUID = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=30)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    effective_on: date
    reason: str | None = Field(default=None, max_length=500)
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id")
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MemberNumberCounter(SQLModel, table=True):
    """Next member-number sequence per grassroots union (member numbers are generated per union)."""

    __tablename__ = "member_number_counter"

    grassroots_unit_id: uuid.UUID = Field(foreign_key="org_unit.id", primary_key=True)
    next_value: int = Field(default=1)


_transfer_version = version_column()


class MemberTransfer(SQLModel, table=True):
    """会籍接转: the sending unit starts it, the receiving unit accepts or refuses."""

    __tablename__ = "member_transfer"
    __mapper_args__ = {"version_id_col": _transfer_version}

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    member_id: uuid.UUID = Field(foreign_key="member.id", index=True)
    from_unit_id: uuid.UUID = Field(foreign_key="org_unit.id", index=True)
    to_unit_id: uuid.UUID = Field(foreign_key="org_unit.id", index=True)
    status: str = Field(
        default="pending", max_length=20, index=True
    )  # pending | accepted | refused | cancelled
    reason: str | None = Field(default=None, max_length=500)
    decision_reason: str | None = Field(default=None, max_length=500)
    #: the allowed ground of a refusal (全总 2000 暂行规定: the receiving union must register otherwise)
    refusal_ground: str | None = Field(default=None, max_length=30)
    effective_on: date | None = None
    requested_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    decided_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1, sa_column=_transfer_version)


class DuesPayment(SQLModel, table=True):
    """Dues paid for one member and month, in integer fen (docs/rules.md §1 Dues)."""

    __tablename__ = "dues_payment"
    __table_args__ = (
        sa.UniqueConstraint("member_id", "period"),
        sa.Index("ix_dues_payment_org_unit_id_period", "org_unit_id", "period"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    member_id: uuid.UUID = Field(foreign_key="member.id")
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id")
    period: date = Field(description="First day of the month paid for.")
    amount_fen: int
    wage_base_fen: int | None = None
    paid_on: date
    method: str = Field(max_length=20)  # payroll | cash | bank | online
    reference: str | None = Field(default=None, max_length=100)
    batch_id: uuid.UUID | None = Field(default=None, index=True)
    recorded_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MemberImport(SQLModel, table=True):
    """A bulk import job: its options, progress and report (failed rows carry masked values only)."""

    __tablename__ = "member_import"
    __table_args__ = (sa.Index("ix_member_import_created_by_id_file_hash", "created_by_id", "file_hash"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id", index=True)
    filename: str = Field(max_length=255)
    file_format: str = Field(max_length=10)
    file_hash: str = Field(max_length=64)
    idempotency_key: str | None = Field(default=None, max_length=200)
    dry_run: bool = False
    on_error: str = Field(default="abort", max_length=10)  # abort | skip
    status: str = Field(default="queued", max_length=20)  # queued | running | succeeded | failed
    rows_total: int | None = None
    rows_done: int = 0
    created_count: int = 0
    updated_count: int = 0
    unchanged_count: int = 0
    failed_count: int = 0
    error_code: str | None = Field(default=None, max_length=64)
    report: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # host:pid:start of the process that queued / runs the job (internal, not in the API)
    runner: str | None = Field(default=None, max_length=200)
