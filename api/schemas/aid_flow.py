"""Hardship aid schemas after filing: applications, public notices and objections, payouts and reports
(docs/rules.md §4); re-exported by :mod:`api.schemas.aid`."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import Field, model_validator

from api.schemas.aid_enums import (
    ApplicationStatus,
    BatchStatus,
    Category,
    ObjectionStatus,
    SchoolLevel,
)
from api.schemas.common import Out, Page, StrictIn

# --- applications -------------------------------------------------------------------------------


class ApplicationCreate(StrictIn):
    programme_id: uuid.UUID
    member_id: uuid.UUID | None = Field(None, description="Officers: the member applied for. Members: omit.")
    amount_fen: int | None = Field(
        None, gt=0, le=100_000_000, description="Default: the programme's standard or tier amount."
    )
    reason: str = Field(min_length=1, max_length=2000)
    student_name: str | None = Field(None, min_length=1, max_length=100, description="金秋助学 only.")
    student_national_id: str | None = Field(
        None,
        min_length=18,
        max_length=18,
        description="金秋助学: the student's resident ID (kept as a hash).",
    )
    school_level: SchoolLevel | None = None


class ApplicationOut(Out):
    id: uuid.UUID
    programme_id: uuid.UUID
    programme_name: str
    member_id: uuid.UUID
    member_name: str
    org_unit_id: uuid.UUID
    household_id: uuid.UUID | None
    category: Category
    status: ApplicationStatus
    year: int
    amount_fen: int
    reason: str
    student_name: str | None
    school_level: SchoolLevel | None
    notice_id: uuid.UUID | None
    decision_reason: str | None
    approved_on: date | None
    payout_batch_id: uuid.UUID | None
    paid_on: date | None
    bank_reference: str | None
    ledger_entry_id: uuid.UUID | None
    version: int
    created_at: datetime
    updated_at: datetime


class CancelIn(StrictIn):
    reason: str = Field(min_length=1, max_length=1000)


# --- notices and objections ---------------------------------------------------------------------


class NoticeOut(Out):
    """What a public notice shows: a masked name, the unit, the programme and the amount only."""

    id: uuid.UUID
    masked_name: str = Field(examples=["张*丰"])
    unit_name: str
    programme_name: str
    amount_fen: int | None
    starts_on: date
    ends_on: date
    open: bool = Field(description="Today is within the notice period.")


class ResolveIn(StrictIn):
    outcome: ObjectionStatus
    resolution: str = Field(min_length=1, max_length=2000, description="Reasons, recorded.")

    @model_validator(mode="after")
    def _closed(self) -> ResolveIn:
        if self.outcome is ObjectionStatus.open:
            raise ValueError("outcome is upheld or dismissed")
        return self


class ObjectionOut(Out):
    id: uuid.UUID
    notice_id: uuid.UUID
    member_id: uuid.UUID
    reason: str
    status: ObjectionStatus
    resolution: str | None
    resolved_at: datetime | None
    version: int
    created_at: datetime


# --- payouts ------------------------------------------------------------------------------------


class PayableOut(Out):
    """What the treasurer sees of an approved application: payee, amount and account only."""

    application_id: uuid.UUID
    payee_name: str
    amount_fen: int
    bank_name: str
    bank_account_masked: str
    programme_name: str
    budget_category_code: str


class BatchCreate(StrictIn):
    org_unit_id: uuid.UUID
    application_ids: list[uuid.UUID] = Field(min_length=1, max_length=1000)

    @model_validator(mode="after")
    def _distinct(self) -> BatchCreate:
        if len(set(self.application_ids)) != len(self.application_ids):
            raise ValueError("application_ids repeat")
        return self


class PaymentRef(StrictIn):
    application_id: uuid.UUID
    bank_reference: str = Field(min_length=1, max_length=60, description="The bank's transaction reference.")
    decision_ref: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="Reference of the collective decision, for a payment at or above the funds threshold "
        "(`GONGHUI_FUNDS_DECISION_THRESHOLD_FEN`).",
    )


class BatchPaidIn(StrictIn):
    paid_on: date
    payments: list[PaymentRef] = Field(min_length=1, max_length=1000)


class BatchOut(Out):
    id: uuid.UUID
    org_unit_id: uuid.UUID
    status: BatchStatus
    total_fen: int
    count: int
    paid_on: date | None
    items: list[PayableOut]
    version: int
    created_at: datetime


# --- reports and imports ------------------------------------------------------------------------


class AidRow(Out):
    programme_name: str
    budget_category_code: str
    category: Category
    org_unit_id: uuid.UUID
    unit_name: str
    month: str = Field(examples=["2027-09"], description="Month of approval (approved) or payment (paid).")
    approved_count: int
    approved_fen: int
    paid_count: int
    paid_fen: int


class BudgetLineRow(Out):
    budget_category_code: str
    approved_fen: int = Field(description="Aid approved (paid or not) on this line in the year.")
    paid_fen: int = Field(description="Aid paid from this line in the year.")
    budget_fen: int | None = Field(
        description="The line in the budget in force of the unit's books; null without one."
    )
    booked_fen: int | None = Field(description="Everything booked on the line in the year (aid and other).")
    remainder_fen: int | None = Field(description="budget_fen - booked_fen.")


class OverdueReview(Out):
    household_id: uuid.UUID
    member_name: str
    org_unit_id: uuid.UUID
    category: Category | None
    review_due_on: date
    days_overdue: int


class AidReport(Out):
    org_unit_id: uuid.UUID
    year: int
    as_of: date
    rows: list[AidRow]
    by_budget_line: list[BudgetLineRow]
    households_by_category: dict[str, int]
    overdue_reviews: list[OverdueReview]


class AidObjectionPage(Page[ObjectionOut]):
    """One page of the objections to a notice."""
