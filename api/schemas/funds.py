"""Union funds (工会经费, docs/rules.md §5): charts, budgets, ledger, final accounts, income, reports."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import Field, model_validator

from api.schemas.common import MoneyFen, Out, StrictIn
from api.schemas.dues import PERIOD_PATTERN  # months 1900-01 .. 2199-12 (issue 14 item 6)

CODE_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$"
Year = int


class EntryKind(StrEnum):
    income = "income"
    expense = "expense"


class LedgerSourceType(StrEnum):
    """What posted a ledger entry automatically (``source_id`` names it); manual entries have none."""

    dues_month = "dues_month"
    allocation = "allocation"
    aid_application = "aid_application"


class FundEventKind(StrEnum):
    """What a funds timeline entry records (``fund_event.kind``): budget and final-accounts steps, and
    the allocation's declaration and receipts."""

    drafted = "drafted"
    edited = "edited"
    approved = "approved"
    sent_back = "sent_back"
    in_force = "in_force"
    superseded = "superseded"
    adjustment_drafted = "adjustment_drafted"
    redrafted = "redrafted"
    closed = "closed"
    declared = "declared"
    received = "received"


class BudgetStatus(StrEnum):
    """draft -> approved (chair) -> in_force (funds-audit review) -> superseded by an adjustment."""

    draft = "draft"
    approved = "approved"
    in_force = "in_force"
    superseded = "superseded"


class FinalStatus(StrEnum):
    """draft (from the ledger) -> approved (chair; postings frozen) -> closed (funds-audit review)."""

    draft = "draft"
    approved = "approved"
    closed = "closed"


class ReviewDecision(StrEnum):
    accept = "accept"
    send_back = "send_back"


class WelfareType(StrEnum):
    festival = "festival"
    birthday = "birthday"
    marriage_birth = "marriage_birth"
    hospital = "hospital"
    death_member = "death_member"
    death_relative = "death_relative"
    retirement = "retirement"


class PaymentForm(StrEnum):
    """How a welfare benefit is given: in kind, or a cake voucher for birthdays; cash and shopping
    cards are refused (32号 as reported)."""

    in_kind = "in_kind"
    cake_voucher = "cake_voucher"
    cash = "cash"
    shopping_card = "shopping_card"


class PaymentMethod(StrEnum):
    bank = "bank"
    cash = "cash"
    online = "online"
    in_kind = "in_kind"
    internal = "internal"  # transfers between a union and the union above


# --- charts ---------------------------------------------------------------------------------------


class ChartItem(Out):
    code: str
    name: str
    kind: EntryKind
    parent: str | None = None
    welfare_type: WelfareType | None = None
    controlled: bool = Field(True, description="False: postings are not limited by the line's remainder.")


class ChartItemIn(StrictIn):
    code: str = Field(pattern=CODE_PATTERN, max_length=60, examples=["activities.culture_sports.football"])
    name: str = Field(min_length=1, max_length=100)
    parent: str = Field(pattern=CODE_PATTERN, max_length=60, description="An existing item of the template.")


class ChartTemplateOut(Out):
    template: str
    name: str
    source: str
    items: list[ChartItem]


class ChartCreate(StrictIn):
    org_unit_id: uuid.UUID = Field(
        description="The unit (usually a federation) whose subtree uses the chart."
    )
    template: str = Field(max_length=40, examples=["national-6"], description="A shipped chart template.")
    name: str | None = Field(None, min_length=1, max_length=200)
    province: str | None = Field(
        None, max_length=40, description="Province data (caps, festivals, share); default from settings."
    )
    extra_items: list[ChartItemIn] = Field(default_factory=list, max_length=200)
    extra_festivals: list[str] = Field(
        default_factory=list, max_length=20, description="Approved ethnic festivals added to the list."
    )


class ChartOut(Out):
    id: uuid.UUID
    org_unit_id: uuid.UUID
    code: str
    version: int
    name: str
    template: str
    province: str
    items: list[ChartItem]
    rules: dict[str, Any]
    created_at: datetime


# --- budgets --------------------------------------------------------------------------------------


class BudgetLineIn(StrictIn):
    category_code: str = Field(pattern=CODE_PATTERN, max_length=60, examples=["rights.hardship_aid"])
    amount_fen: MoneyFen = Field(ge=0, le=10**13)
    note: str | None = Field(None, max_length=500)


class BudgetCreate(StrictIn):
    org_unit_id: uuid.UUID = Field(description="An accounting unit (经费独立核算).")
    fiscal_year: int = Field(ge=2000, le=2100)
    chart_id: uuid.UUID
    note: str | None = Field(None, max_length=2000)
    lines: list[BudgetLineIn] = Field(default_factory=list, max_length=500)


class BudgetUpdate(StrictIn):
    note: str | None = Field(None, max_length=2000)
    lines: list[BudgetLineIn] | None = Field(None, max_length=500, description="Replaces every line.")


class ApproveIn(StrictIn):
    meeting_on: date = Field(description="Date of the committee meeting (collective decision).")
    minute_ref: str = Field(min_length=1, max_length=100, description="Minute reference of the decision.")


class ReviewIn(StrictIn):
    decision: ReviewDecision
    opinion: str = Field(min_length=1, max_length=2000, description="The funds-audit committee's opinion.")


class BudgetLineOut(Out):
    kind: EntryKind
    category_code: str
    root_code: str
    amount_fen: MoneyFen
    note: str | None


class BudgetOut(Out):
    id: uuid.UUID
    org_unit_id: uuid.UUID
    fiscal_year: int
    revision: int
    chart_id: uuid.UUID
    status: BudgetStatus
    note: str | None
    drafted_by_id: uuid.UUID | None
    approved_by_id: uuid.UUID | None
    approved_at: datetime | None
    meeting_on: date | None
    minute_ref: str | None
    reviewed_by_id: uuid.UUID | None
    reviewed_at: datetime | None
    review_opinion: str | None
    returned_reason: str | None
    lines: list[BudgetLineOut]
    income_fen: MoneyFen
    expense_fen: MoneyFen
    version: int
    created_at: datetime
    updated_at: datetime


class FundEventOut(Out):
    id: uuid.UUID
    kind: FundEventKind
    from_status: str | None
    to_status: str | None
    actor_id: uuid.UUID | None
    details: dict[str, Any] | None
    created_at: datetime


# --- ledger ---------------------------------------------------------------------------------------


class RecipientIn(StrictIn):
    member_id: uuid.UUID
    amount_fen: MoneyFen = Field(gt=0, le=10**10)


class EntryCreate(StrictIn):
    org_unit_id: uuid.UUID = Field(
        description="The unit spending or receiving; books at its accounting unit."
    )
    kind: EntryKind
    category_code: str = Field(pattern=CODE_PATTERN, max_length=60)
    amount_fen: MoneyFen = Field(gt=0, le=10**12)
    entry_on: date
    counterparty: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=1000)
    voucher_no: str | None = Field(
        None, min_length=1, max_length=40, description="Unique per unit and year; numbered when omitted."
    )
    payment_method: PaymentMethod | None = None
    attachments: list[str] = Field(default_factory=list, max_length=20, description="Attachment references.")
    approved_by_id: uuid.UUID | None = Field(None, description="The user who signed the spending off.")
    decision_ref: str | None = Field(
        None, min_length=1, max_length=100, description="Collective decision (required above the threshold)."
    )
    recipients: list[RecipientIn] = Field(
        default_factory=list, max_length=1000, description="Welfare expenses: the members and their share."
    )
    payment_form: PaymentForm | None = Field(None, description="Welfare expenses: in kind, cake voucher ...")
    festival: str | None = Field(None, max_length=40, description="Festival welfare: which festival.")

    @model_validator(mode="after")
    def _income_has_no_welfare(self) -> EntryCreate:
        if self.kind is EntryKind.income and (self.recipients or self.payment_form or self.festival):
            raise ValueError("recipients, payment_form and festival belong to welfare expenses")
        return self


class ReversalIn(StrictIn):
    reason: str = Field(min_length=1, max_length=1000)
    entry_on: date | None = Field(None, description="Date of the reversal (default today).")
    voucher_no: str | None = Field(None, min_length=1, max_length=40)


class RecipientOut(Out):
    member_id: uuid.UUID
    welfare_type: WelfareType
    amount_fen: MoneyFen


class EntryOut(Out):
    id: uuid.UUID
    org_unit_id: uuid.UUID
    fiscal_year: int
    seq: int
    voucher_no: str
    kind: EntryKind
    category_code: str
    root_code: str
    budget_id: uuid.UUID
    entry_on: date
    amount_fen: MoneyFen
    counterparty: str
    description: str
    payment_method: str | None
    attachments: list[str] | None
    decision_ref: str | None
    approved_by_id: uuid.UUID | None
    reverses_id: uuid.UUID | None
    reversed_by_id: uuid.UUID | None = None
    source_type: LedgerSourceType | None
    source_id: uuid.UUID | None
    posted_by_id: uuid.UUID | None
    recipients: list[RecipientOut] = Field(default_factory=list)
    created_at: datetime


# --- final accounts -------------------------------------------------------------------------------


class FinalCreate(StrictIn):
    org_unit_id: uuid.UUID
    fiscal_year: int = Field(ge=2000, le=2100)


class FinalOut(Out):
    id: uuid.UUID
    org_unit_id: uuid.UUID
    fiscal_year: int
    status: FinalStatus
    figures: dict[str, Any]
    drafted_by_id: uuid.UUID | None
    approved_by_id: uuid.UUID | None
    approved_at: datetime | None
    meeting_on: date | None
    minute_ref: str | None
    reviewed_by_id: uuid.UUID | None
    reviewed_at: datetime | None
    review_opinion: str | None
    returned_reason: str | None
    closed_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


# --- income: dues and the 2% allocation -----------------------------------------------------------


class DuesIncomeIn(StrictIn):
    org_unit_id: uuid.UUID = Field(description="The accounting unit.")
    period: str = Field(pattern=PERIOD_PATTERN, examples=["2027-03"])
    entry_on: date | None = Field(None, description="Date of the entry (default today).")


class DuesIncomeOut(Out):
    org_unit_id: uuid.UUID
    period: str
    payments: int
    amount_fen: MoneyFen = Field(description="Amount of this posting (the not yet posted difference).")
    posted_fen: MoneyFen = Field(description="Everything posted for the month, this posting included.")
    entry: EntryOut


class AllocationCreate(StrictIn):
    org_unit_id: uuid.UUID = Field(description="The accounting unit receiving the allocation.")
    employer_name: str = Field(min_length=1, max_length=200)
    employer_uscc: str | None = Field(None, min_length=18, max_length=18)
    period: str = Field(pattern=PERIOD_PATTERN, examples=["2027-03"])
    payroll_fen: MoneyFen = Field(ge=0, le=10**14, description="The month's total payroll as reported.")


class ReceiptIn(StrictIn):
    amount_fen: MoneyFen = Field(gt=0, le=10**13)
    received_on: date
    voucher_no: str | None = Field(None, min_length=1, max_length=40)


class ReceiptOut(Out):
    id: uuid.UUID
    received_on: date
    amount_fen: MoneyFen
    kept_fen: MoneyFen
    passed_up_fen: MoneyFen
    income_entry_id: uuid.UUID
    remit_entry_id: uuid.UUID | None
    parent_entry_id: uuid.UUID | None
    created_at: datetime


class AllocationOut(Out):
    id: uuid.UUID
    org_unit_id: uuid.UUID
    employer_name: str
    employer_uscc: str | None
    period: date
    payroll_fen: MoneyFen
    expected_fen: MoneyFen
    received_fen: MoneyFen
    arrears_fen: MoneyFen
    kept_percent: int
    receipts: list[ReceiptOut] = Field(default_factory=list)
    version: int
    created_at: datetime


# --- reports --------------------------------------------------------------------------------------


class Rate(Out):
    numerator: int
    denominator: int
    rate: float | None = Field(description="numerator / denominator, 4 decimals; null when nothing budgeted.")


class BudgetActualLine(Out):
    kind: EntryKind
    category_code: str
    root_code: str
    budget_fen: MoneyFen
    actual_fen: MoneyFen
    remainder_fen: MoneyFen
    execution: Rate


class BudgetActualReport(Out):
    org_unit_id: uuid.UUID
    fiscal_year: int
    consolidated: bool
    units: int = Field(description="Accounting units included.")
    lines: list[BudgetActualLine]
    categories: list[BudgetActualLine] = Field(description="Per top category (root of the tree).")
    income: BudgetActualLine
    expense: BudgetActualLine


class StatementRow(Out):
    label: str
    code: str | None
    budget_fen: MoneyFen
    actual_fen: MoneyFen


class StatementReport(Out):
    """工会经费收支情况表: income by category, expense by category, surplus, carried forward."""

    org_unit_id: uuid.UUID
    fiscal_year: int
    consolidated: bool
    income: list[StatementRow]
    income_total_fen: MoneyFen
    expense: list[StatementRow]
    expense_total_fen: MoneyFen
    surplus_fen: MoneyFen
    carried_forward_fen: MoneyFen = Field(description="上年结转: net of every earlier year in the ledger.")
    closing_balance_fen: MoneyFen


class DuesMonth(Out):
    period: str
    expected_fen: MoneyFen
    paid_fen: MoneyFen
    paid_count: int
    posted_fen: MoneyFen
    unposted_fen: MoneyFen = Field(description="Recorded payments not yet posted to the ledger.")


class DuesReport(Out):
    org_unit_id: uuid.UUID
    fiscal_year: int
    months: list[DuesMonth]


class ArrearsRow(Out):
    allocation_id: uuid.UUID
    org_unit_id: uuid.UUID
    employer_name: str
    employer_uscc: str | None
    period: str
    payroll_fen: MoneyFen
    expected_fen: MoneyFen
    received_fen: MoneyFen
    arrears_fen: MoneyFen


class ArrearsReport(Out):
    org_unit_id: uuid.UUID
    fiscal_year: int
    rows: list[ArrearsRow]
    arrears_fen: MoneyFen


class WelfareRow(Out):
    member_id: uuid.UUID
    name: str
    welfare_type: WelfareType
    spent_fen: MoneyFen
    cap_fen: MoneyFen | None
    remaining_fen: MoneyFen | None


class WelfareReport(Out):
    org_unit_id: uuid.UUID
    fiscal_year: int
    rows: list[WelfareRow]
