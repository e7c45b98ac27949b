"""Hardship aid (困难帮扶) schemas: configuration (dibao, calendar, programmes), household files, the
objection body and the import report (docs/rules.md §4). The enums live in :mod:`api.schemas.aid_enums`
and applications to reports in :mod:`api.schemas.aid_flow`; all are re-exported here. ObjectionIn and
ImportRowError stay here because their OpenAPI component names derive from this module."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import Field, model_validator

from api.schemas.aid_enums import (
    AidEventKind,
    AidImportErrorKind,
    ApplicationStatus,
    Category,
    Cause,
    Decision,
    Exclusion,
    ExpenseKind,
    HouseholdStatus,
    ObjectionStatus,
    ProgrammeKind,
    SchoolLevel,
    ScreenOutcome,
)
from api.schemas.aid_flow import (
    AidReport,
    AidRow,
    ApplicationCreate,
    ApplicationOut,
    BatchCreate,
    BatchOut,
    BatchPaidIn,
    BudgetLineRow,
    CancelIn,
    NoticeOut,
    ObjectionOut,
    OverdueReview,
    PayableOut,
    PaymentRef,
    ResolveIn,
)
from api.schemas.common import Out, Page, StrictIn
from api.schemas.member_imports import ImportOnError

__all__ = [
    "AidEventKind",
    "AidImportErrorKind",
    "AidReport",
    "AidRow",
    "ApplicationCreate",
    "ApplicationOut",
    "ApplicationStatus",
    "BatchCreate",
    "BatchOut",
    "BatchPaidIn",
    "BudgetLineRow",
    "CalendarDayIn",
    "CalendarDayOut",
    "CancelIn",
    "Category",
    "Cause",
    "CloseIn",
    "Decision",
    "DecisionIn",
    "DefaultProgrammesIn",
    "DibaoCreate",
    "DibaoOut",
    "EventOut",
    "Exclusion",
    "Expense",
    "ExpenseKind",
    "Fen",
    "HouseholdCreate",
    "HouseholdImportReport",
    "HouseholdOut",
    "HouseholdStatus",
    "HouseholdUpdate",
    "ImportRowError",
    "NoticeOut",
    "ObjectionIn",
    "ObjectionOut",
    "ObjectionStatus",
    "OverdueReview",
    "PayableOut",
    "PaymentRef",
    "Person",
    "ProgrammeCreate",
    "ProgrammeKind",
    "ProgrammeOut",
    "ProgrammeUpdate",
    "ResolveIn",
    "ReviewIn",
    "SchoolLevel",
    "ScreenIn",
    "ScreenOutcome",
    "TierAmounts",
    "VerifyIn",
    "VisitIn",
]

Fen = Field(ge=0, le=10_000_000_000, description="Amount in fen (1 yuan = 100 fen).")


# --- configuration ------------------------------------------------------------------------------


class DibaoCreate(StrictIn):
    region_code: str = Field(min_length=2, max_length=12, pattern=r"^[0-9A-Za-z-]+$", examples=["310000"])
    region_name: str = Field(min_length=1, max_length=100, examples=["上海市"])
    monthly_fen: int = Field(gt=0, le=10_000_000, description="低保 per person per month, in fen.")
    effective_on: date


class DibaoOut(Out):
    id: uuid.UUID
    region_code: str
    region_name: str
    monthly_fen: int
    effective_on: date
    created_at: datetime


class CalendarDayIn(StrictIn):
    day: date
    is_workday: bool
    note: str | None = Field(None, max_length=200, examples=["国务院办公厅通知：调休上班"])


class CalendarDayOut(Out):
    day: date
    is_workday: bool
    note: str | None
    updated_at: datetime


class TierAmounts(StrictIn):
    filed: int = Field(gt=0, le=100_000_000, description="For a member with a filed household file.")
    other: int = Field(gt=0, le=100_000_000, description="For other members.")


class ProgrammeCreate(StrictIn):
    org_unit_id: uuid.UUID
    code: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_.-]+$", examples=["jinqiu-2027"])
    name: str = Field(min_length=1, max_length=100, examples=["2027年金秋助学"])
    kind: ProgrammeKind
    starts_on: date
    ends_on: date
    standard_fen: int | None = Field(None, gt=0, le=100_000_000, description="Fixed amount per person.")
    cap_fen: int | None = Field(None, gt=0, le=100_000_000, description="Most one application may ask.")
    yearly_cap_fen: int | None = Field(None, gt=0, le=1_000_000_000, description="Per member per year.")
    tiers: dict[SchoolLevel, TierAmounts] | None = Field(None, description="金秋助学 amounts by level.")
    eligible_categories: list[Category] = Field(min_length=1, max_length=4)
    notice_required: bool = True
    budget_category_code: str = Field(
        min_length=1, max_length=60, examples=["rights.hardship_aid"], description="Budget line it pays from."
    )

    @model_validator(mode="after")
    def _shape(self) -> ProgrammeCreate:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        if len(set(self.eligible_categories)) != len(self.eligible_categories):
            raise ValueError("eligible_categories repeats a category")
        if self.kind is ProgrammeKind.education and not self.tiers:
            raise ValueError("an education programme needs tiers")
        if self.kind is not ProgrammeKind.education and not (self.standard_fen or self.cap_fen):
            raise ValueError("a programme needs standard_fen or cap_fen")
        return self


class ProgrammeUpdate(StrictIn):
    name: str | None = Field(None, min_length=1, max_length=100)
    starts_on: date | None = None
    ends_on: date | None = None
    standard_fen: int | None = Field(None, gt=0, le=100_000_000)
    cap_fen: int | None = Field(None, gt=0, le=100_000_000)
    yearly_cap_fen: int | None = Field(None, gt=0, le=1_000_000_000)
    eligible_categories: list[Category] | None = Field(None, min_length=1, max_length=4)
    notice_required: bool | None = None
    budget_category_code: str | None = Field(None, min_length=1, max_length=60)
    is_active: bool | None = None


class DefaultProgrammesIn(StrictIn):
    org_unit_id: uuid.UUID
    year: int = Field(ge=2000, le=2100)


class ProgrammeOut(Out):
    id: uuid.UUID
    org_unit_id: uuid.UUID
    code: str
    name: str
    kind: ProgrammeKind
    starts_on: date
    ends_on: date
    standard_fen: int | None
    cap_fen: int | None
    yearly_cap_fen: int | None
    tiers: dict[str, Any] | None
    eligible_categories: list[Category]
    notice_required: bool
    budget_category_code: str
    is_active: bool
    version: int


# --- household files ----------------------------------------------------------------------------


class Person(StrictIn):
    name: str = Field(min_length=1, max_length=100)
    relation: str = Field(min_length=1, max_length=20, examples=["本人", "配偶", "子女"])
    annual_income_fen: int = Field(ge=0, le=10_000_000_000, description="Disposable income a year.")
    occupation: str | None = Field(None, max_length=100)


class Expense(StrictIn):
    kind: ExpenseKind
    annual_fen: int = Field(gt=0, le=10_000_000_000)
    note: str | None = Field(None, max_length=200)


class HouseholdCreate(StrictIn):
    member_id: uuid.UUID
    region_code: str = Field(min_length=2, max_length=12, description="Region whose 低保 standard applies.")
    people: list[Person] = Field(min_length=1, max_length=30, description="Everyone in the household.")
    expenses: list[Expense] = Field(default_factory=list, max_length=50)
    accident_costs_fen: int = Field(0, ge=0, le=10_000_000_000, description="Accident or illness costs.")
    causes: list[Cause] = Field(min_length=1, max_length=8)
    exclusions: list[Exclusion] = Field(default_factory=list, max_length=4)
    is_migrant: bool = False
    labour_relation_since: date | None = Field(
        None, description="Migrant workers: start of the labour relation."
    )
    bank_name: str = Field(min_length=1, max_length=100)
    bank_account: str = Field(min_length=8, max_length=30, pattern=r"^[0-9]+$")
    account_holder: str = Field(min_length=1, max_length=100, description="Must be the member's own name.")
    consent_signed_on: date | None = Field(None, description="Signed consent to income checks.")


class HouseholdUpdate(StrictIn):
    """Corrections before filing, or an adjustment of a filed file when circumstances change."""

    region_code: str | None = Field(None, min_length=2, max_length=12)
    people: list[Person] | None = Field(None, min_length=1, max_length=30)
    expenses: list[Expense] | None = Field(None, max_length=50)
    accident_costs_fen: int | None = Field(None, ge=0, le=10_000_000_000)
    causes: list[Cause] | None = Field(None, min_length=1, max_length=8)
    exclusions: list[Exclusion] | None = Field(None, max_length=4)
    is_migrant: bool | None = None
    labour_relation_since: date | None = None
    bank_name: str | None = Field(None, min_length=1, max_length=100)
    bank_account: str | None = Field(None, min_length=8, max_length=30, pattern=r"^[0-9]+$")
    account_holder: str | None = Field(None, min_length=1, max_length=100)
    consent_signed_on: date | None = None


class ScreenIn(StrictIn):
    outcome: ScreenOutcome
    reason: str | None = Field(None, min_length=1, max_length=1000, description="Required when refusing.")

    @model_validator(mode="after")
    def _reason(self) -> ScreenIn:
        if self.outcome is ScreenOutcome.refused and not self.reason:
            raise ValueError("a refusal needs a reason")
        return self


class VisitIn(StrictIn):
    visited_on: date
    visitors: str = Field(min_length=1, max_length=200, description="Who visited (at least two people).")
    findings: str = Field(min_length=1, max_length=4000)


class VerifyIn(StrictIn):
    assessed_on: date | None = Field(None, description="Default today; the 低保 in force that day applies.")


class DecisionIn(StrictIn):
    decision: Decision
    reason: str | None = Field(None, min_length=1, max_length=1000, description="Required when rejecting.")

    @model_validator(mode="after")
    def _reason(self) -> DecisionIn:
        if self.decision is Decision.reject and not self.reason:
            raise ValueError("a rejection needs a reason")
        return self


class ReviewIn(StrictIn):
    """The yearly review: new figures if they changed; the file is reassessed on ``reviewed_on``."""

    reviewed_on: date | None = None
    findings: str = Field(min_length=1, max_length=4000)
    people: list[Person] | None = Field(None, min_length=1, max_length=30)
    expenses: list[Expense] | None = Field(None, max_length=50)
    accident_costs_fen: int | None = Field(None, ge=0, le=10_000_000_000)


class CloseIn(StrictIn):
    reason: str = Field(min_length=1, max_length=1000, examples=["家庭收入已稳定超过低保标准两倍，脱困"])


class HouseholdOut(Out):
    id: uuid.UUID
    member_id: uuid.UUID
    member_name: str
    org_unit_id: uuid.UUID
    status: HouseholdStatus
    region_code: str
    household_size: int
    people: list[dict[str, Any]]
    expenses: list[dict[str, Any]]
    causes: list[str]
    exclusions: list[str]
    annual_income_fen: int
    rigid_expenses_fen: int
    accident_costs_fen: int
    is_migrant: bool
    labour_relation_since: date | None
    bank_name: str
    bank_account_masked: str
    consent_signed_on: date | None
    visited_on: date | None
    visitors: str | None
    visit_findings: str | None
    assessed_on: date | None
    dibao_monthly_fen: int | None
    per_capita_monthly_fen: int | None
    category: Category | None
    notice_id: uuid.UUID | None
    filed_on: date | None
    review_due_on: date | None
    review_overdue: bool
    closed_on: date | None
    close_reason: str | None
    retain_until: date | None
    decision_reason: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class EventOut(Out):
    id: uuid.UUID
    kind: AidEventKind
    from_status: str | None
    to_status: str
    actor_label: str | None
    details: dict[str, Any] | None
    created_at: datetime


# --- kept here: their OpenAPI component names (AidObjectionIn, AidImportRowError) derive from this module


class ObjectionIn(StrictIn):
    reason: str = Field(min_length=5, max_length=2000)


class ImportRowError(Out):
    row: int
    field: str
    kind: AidImportErrorKind
    message: str


class HouseholdImportReport(Out):
    dry_run: bool
    on_error: ImportOnError
    total: int
    imported: int
    failed: int
    written: bool
    errors: list[ImportRowError]


class AidEventPage(Page[EventOut]):
    """One page of the steps of an aid household file or application."""
