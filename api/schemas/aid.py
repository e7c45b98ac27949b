"""Hardship aid (困难帮扶): household files, programmes, applications, notices, payouts (docs/rules.md §4)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import Field, model_validator

from api.schemas.common import Out, StrictIn

Fen = Field(ge=0, le=10_000_000_000, description="Amount in fen (1 yuan = 100 fen).")


class HouseholdStatus(StrEnum):
    """applied -> screened -> visited -> verified -> in_notice -> filed -> closed; or rejected
    (docs/rules.md §4, File steps)."""

    applied = "applied"
    screened = "screened"
    visited = "visited"
    verified = "verified"
    in_notice = "in_notice"
    filed = "filed"
    rejected = "rejected"
    closed = "closed"


class Category(StrEnum):
    deep = "deep"  # 深度困难: below 1x 低保
    relative = "relative"  # 相对困难: below 2x 低保
    accident = "accident"  # 意外致困: costs above 80% of annual income
    none = "none"  # no filed hardship


class Exclusion(StrEnum):
    """Circumstances that refuse filing (docs/rules.md §4, Exclusions)."""

    two_or_more_homes = "two_or_more_homes"
    business_employing_others = "business_employing_others"
    high_fee_or_overseas_schooling = "high_fee_or_overseas_schooling"
    private_car = "private_car"


class Cause(StrEnum):
    illness = "illness"
    disability = "disability"
    schooling = "schooling"
    accident = "accident"
    unemployment = "unemployment"
    disaster = "disaster"
    low_income = "low_income"
    other = "other"


class ExpenseKind(StrEnum):
    medical = "medical"
    schooling = "schooling"
    disability = "disability"


class ScreenOutcome(StrEnum):
    passed = "pass"
    refused = "refuse"


class Decision(StrEnum):
    approve = "approve"
    reject = "reject"


class ApplicationStatus(StrEnum):
    """submitted -> screened -> in_notice (where required) -> approved | rejected -> paid | cancelled."""

    submitted = "submitted"
    screened = "screened"
    in_notice = "in_notice"
    approved = "approved"
    rejected = "rejected"
    paid = "paid"
    cancelled = "cancelled"


class ProgrammeKind(StrEnum):
    relief_season = "relief_season"  # 换季救助
    relief_winter = "relief_winter"  # 越冬救助
    relief_spring = "relief_spring"  # 春节救助
    relief_daily = "relief_daily"  # 日常救助
    relief_special = "relief_special"  # 特殊救助
    send_warmth = "send_warmth"  # 送温暖
    education = "education"  # 金秋助学
    medical_mutual = "medical_mutual"  # 医疗互助
    women_insurance = "women_insurance"  # 女职工安康保险


class SchoolLevel(StrEnum):
    university = "university"
    senior_high = "senior_high"


class ObjectionStatus(StrEnum):
    open = "open"
    upheld = "upheld"
    dismissed = "dismissed"


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
    kind: str
    from_status: str | None
    to_status: str
    actor_label: str | None
    details: dict[str, Any] | None
    created_at: datetime


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


class ObjectionIn(StrictIn):
    reason: str = Field(min_length=5, max_length=2000)


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
    status: str
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


class ImportRowError(Out):
    row: int
    field: str
    kind: str
    message: str


class HouseholdImportReport(Out):
    dry_run: bool
    on_error: str
    total: int
    imported: int
    failed: int
    written: bool
    errors: list[ImportRowError]
