"""Union funds (工会经费, docs/rules.md §5): charts of accounts, budgets, the ledger, final accounts, income.

Budgets and ledgers live at accounting units (org units flagged ``independent_accounting``). A chart
is immutable once made; a budget pins the chart it was made with. Ledger entries are append-only
(the database refuses UPDATE and DELETE, migration 0007): a correction is a reversal entry linked to
the original. Every workflow step appends a ``FundEvent`` (the timeline) besides the audit log.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.db.models import base  # noqa: F401
from api.db.types import UTCDateTime, new_id, utcnow, version_column


class FundChart(SQLModel, table=True):
    """One version of a chart of accounts (income categories + expense tree) chosen by a unit.

    ``items`` is the tree as data (code, name, kind, parent, welfare_type, controlled); ``rules`` is the
    province's data (festival list, welfare caps, allocation share) copied when the chart was made, so
    later changes to the shipped files never rewrite a past year.
    """

    __tablename__ = "fund_chart"
    __table_args__ = (sa.UniqueConstraint("org_unit_id", "code", "version"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id", index=True)
    code: str = Field(max_length=40)
    version: int
    name: str = Field(max_length=200)
    template: str = Field(max_length=40)
    province: str = Field(max_length=40)
    items: list[dict[str, Any]] = Field(sa_type=sa.JSON)
    rules: dict[str, Any] = Field(sa_type=sa.JSON)
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


_budget_version = version_column()


class FundBudget(SQLModel, table=True):
    """One revision of an accounting unit's budget for a fiscal year (0 = original, 1.. adjustments)."""

    __tablename__ = "fund_budget"
    __mapper_args__ = {"version_id_col": _budget_version}
    __table_args__ = (
        sa.UniqueConstraint("org_unit_id", "fiscal_year", "revision"),
        sa.Index("ix_fund_budget_org_unit_id_fiscal_year_status", "org_unit_id", "fiscal_year", "status"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id")
    fiscal_year: int
    revision: int = 0
    chart_id: uuid.UUID = Field(foreign_key="fund_chart.id")
    status: str = Field(default="draft", max_length=12)  # draft | approved | in_force | superseded
    note: str | None = Field(default=None, max_length=2000)
    drafted_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    approved_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    meeting_on: date | None = None
    minute_ref: str | None = Field(default=None, max_length=100)
    reviewed_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    review_opinion: str | None = Field(default=None, max_length=2000)
    returned_reason: str | None = Field(default=None, max_length=2000)
    version: int = Field(default=1, sa_column=_budget_version)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FundBudgetLine(SQLModel, table=True):
    """One line of a budget revision: a leaf of the chart, its amount in fen and a note."""

    __tablename__ = "fund_budget_line"
    __table_args__ = (sa.UniqueConstraint("budget_id", "category_code"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    budget_id: uuid.UUID = Field(foreign_key="fund_budget.id", ondelete="CASCADE")
    kind: str = Field(max_length=8)  # income | expense
    category_code: str = Field(max_length=60)
    #: the top category of the tree the line belongs to (its root item), for per-category totals
    root_code: str = Field(max_length=60)
    amount_fen: int = Field(sa_type=sa.BigInteger)
    note: str | None = Field(default=None, max_length=500)


class FundLedgerEntry(SQLModel, table=True):
    """An income or expense entry of an accounting unit's books. Never updated or deleted.

    Money columns of the funds area are BIGINT: a payroll or a federation's budget passes the 2^31 fen
    (21 million yuan) of a 32-bit integer."""

    __tablename__ = "fund_ledger_entry"
    __table_args__ = (
        sa.UniqueConstraint("org_unit_id", "fiscal_year", "voucher_no"),
        sa.UniqueConstraint("org_unit_id", "fiscal_year", "seq"),
        sa.UniqueConstraint("reverses_id"),
        sa.Index(
            "ix_fund_ledger_entry_unit_year_category",
            "org_unit_id",
            "fiscal_year",
            "category_code",
            "amount_fen",
        ),
        sa.Index("ix_fund_ledger_entry_source", "source_type", "source_id"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id")
    fiscal_year: int
    #: running number per unit and year, assigned under the budget's lock
    seq: int
    voucher_no: str = Field(max_length=40)
    kind: str = Field(max_length=8)  # income | expense
    category_code: str = Field(max_length=60)
    root_code: str = Field(max_length=60)
    budget_id: uuid.UUID = Field(foreign_key="fund_budget.id")
    entry_on: date
    #: positive; a reversal carries the original's amount negated
    amount_fen: int = Field(sa_type=sa.BigInteger)
    counterparty: str = Field(max_length=200)
    description: str = Field(max_length=1000)
    payment_method: str | None = Field(default=None, max_length=20)
    attachments: list[str] | None = Field(default=None, sa_type=sa.JSON)
    decision_ref: str | None = Field(default=None, max_length=100)
    approved_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    reverses_id: uuid.UUID | None = Field(default=None, foreign_key="fund_ledger_entry.id")
    source_type: str | None = Field(default=None, max_length=40)
    source_id: uuid.UUID | None = None
    posted_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FundTotal(SQLModel, table=True):
    """The running total of one accounting unit's year per category: the sum and count of its ledger
    entries (reversals included). Written by every posting and reversal in the same transaction, under
    the in-force budget's lock that serialises them (api.services.funds.ledger); reports and the
    remainder check read these rows instead of summing the entries. Migration 0013 backfilled it."""

    __tablename__ = "fund_total"

    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id", primary_key=True)
    fiscal_year: int = Field(primary_key=True)
    category_code: str = Field(max_length=60, primary_key=True)
    kind: str = Field(max_length=8)  # income | expense
    root_code: str = Field(max_length=60)
    amount_fen: int = Field(sa_type=sa.BigInteger)
    entries: int


class FundWelfareRecipient(SQLModel, table=True):
    """A member who received (part of) a welfare expense, for the per-person yearly caps."""

    __tablename__ = "fund_welfare_recipient"
    __table_args__ = (
        sa.Index("ix_fund_welfare_recipient_member_year_type", "member_id", "fiscal_year", "welfare_type"),
        sa.Index("ix_fund_welfare_recipient_unit_year", "org_unit_id", "fiscal_year", "member_id"),
    )

    entry_id: uuid.UUID = Field(foreign_key="fund_ledger_entry.id", primary_key=True)
    member_id: uuid.UUID = Field(foreign_key="member.id", primary_key=True)
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id")
    fiscal_year: int
    welfare_type: str = Field(max_length=20)
    amount_fen: int = Field(sa_type=sa.BigInteger)


_final_version = version_column()


class FundFinalAccount(SQLModel, table=True):
    """The year-end final accounts (决算) of an accounting unit, drafted from the ledger."""

    __tablename__ = "fund_final_account"
    __mapper_args__ = {"version_id_col": _final_version}
    __table_args__ = (sa.UniqueConstraint("org_unit_id", "fiscal_year"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id")
    fiscal_year: int
    status: str = Field(default="draft", max_length=12)  # draft | approved | closed
    figures: dict[str, Any] = Field(sa_type=sa.JSON)
    drafted_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    approved_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    meeting_on: date | None = None
    minute_ref: str | None = Field(default=None, max_length=100)
    reviewed_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    review_opinion: str | None = Field(default=None, max_length=2000)
    returned_reason: str | None = Field(default=None, max_length=2000)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1, sa_column=_final_version)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


_allocation_version = version_column()


class FundAllocation(SQLModel, table=True):
    """One employer's 2% allocation (工会法 Art 43) for one month: payroll reported, expected, received."""

    __tablename__ = "fund_allocation"
    __mapper_args__ = {"version_id_col": _allocation_version}
    __table_args__ = (sa.UniqueConstraint("org_unit_id", "employer_name", "period"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id", index=True)
    employer_name: str = Field(max_length=200)
    employer_uscc: str | None = Field(default=None, max_length=18)
    period: date
    payroll_fen: int = Field(sa_type=sa.BigInteger)
    expected_fen: int = Field(sa_type=sa.BigInteger)
    received_fen: int = Field(default=0, sa_type=sa.BigInteger)
    kept_percent: int
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    version: int = Field(default=1, sa_column=_allocation_version)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FundAllocationReceipt(SQLModel, table=True):
    """An amount received against an allocation, and the entries it posted on both sides."""

    __tablename__ = "fund_allocation_receipt"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    allocation_id: uuid.UUID = Field(foreign_key="fund_allocation.id", index=True)
    received_on: date
    amount_fen: int = Field(sa_type=sa.BigInteger)
    kept_fen: int = Field(sa_type=sa.BigInteger)
    passed_up_fen: int = Field(sa_type=sa.BigInteger)
    income_entry_id: uuid.UUID = Field(foreign_key="fund_ledger_entry.id")
    remit_entry_id: uuid.UUID | None = Field(default=None, foreign_key="fund_ledger_entry.id")
    parent_entry_id: uuid.UUID | None = Field(default=None, foreign_key="fund_ledger_entry.id")
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FundDuesPosting(SQLModel, table=True):
    """A monthly summary of recorded dues payments posted as 会费收入 (several when late payments came)."""

    __tablename__ = "fund_dues_posting"
    __table_args__ = (sa.Index("ix_fund_dues_posting_org_unit_id_period", "org_unit_id", "period"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id")
    period: date
    payments: int
    amount_fen: int = Field(sa_type=sa.BigInteger)
    entry_id: uuid.UUID = Field(foreign_key="fund_ledger_entry.id")
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FundEvent(SQLModel, table=True):
    """One step of a budget's, final account's or allocation's timeline."""

    __tablename__ = "fund_event"
    __table_args__ = (sa.Index("ix_fund_event_entity", "entity_type", "entity_id"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    entity_type: str = Field(max_length=20)  # budget | final_account | allocation
    entity_id: uuid.UUID
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id")
    kind: str = Field(max_length=30)
    from_status: str | None = Field(default=None, max_length=12)
    to_status: str | None = Field(default=None, max_length=12)
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="app_user.id")
    details: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
