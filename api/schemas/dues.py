"""Membership dues (会费): payments, statements, arrears and summaries. Money is integer fen."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from api.schemas.common import MoneyFen, Out, StrictIn
from api.schemas.members import MemberStatusName

#: months 1900-01 .. 2199-12: month arithmetic on a period can never leave the range of a date
PERIOD_PATTERN = r"^(19|20|21)\d{2}-(0[1-9]|1[0-2])$"
Period = Annotated[
    str, Field(pattern=PERIOD_PATTERN, examples=["2025-03"], description="A month, `YYYY-MM`.")
]

#: rows of one batch (a month's payroll deduction file of a large union fits easily)
MAX_BATCH_ROWS = 50_000


class PaymentMethod(StrEnum):
    payroll = "payroll"  # deducted from wages by the employer
    cash = "cash"
    bank = "bank"
    online = "online"


class MonthStatus(StrEnum):
    paid = "paid"
    unpaid = "unpaid"
    not_owed = "not_owed"  # not a dues-paying member that month (e.g. retained: 章程 Art 8)


class DuesPaymentCreate(StrictIn):
    member_id: uuid.UUID
    period: Period
    amount_fen: MoneyFen = Field(ge=0, le=100_000_000)
    paid_on: date
    method: PaymentMethod
    reference: str | None = Field(None, max_length=100, examples=["2025年3月工资代扣"])
    override_reason: str | None = Field(
        None,
        min_length=1,
        max_length=500,
        description="Required when `amount_fen` differs from the expected dues for the month; audited.",
    )


class DuesBatchRow(StrictIn):
    member_id: uuid.UUID | None = None
    employee_no: str | None = Field(None, min_length=1, max_length=40)
    period: Period
    amount_fen: MoneyFen = Field(ge=0, le=100_000_000)

    @model_validator(mode="after")
    def _one_key(self) -> DuesBatchRow:
        if (self.member_id is None) == (self.employee_no is None):
            raise ValueError("give exactly one of member_id and employee_no")
        return self


class DuesBatchCreate(StrictIn):
    org_unit_id: uuid.UUID = Field(description="Unit whose subtree the rows' members must belong to.")
    paid_on: date
    method: PaymentMethod = PaymentMethod.payroll
    reference: str | None = Field(None, max_length=100, examples=["2025-03 工资代扣文件"])
    override_reason: str | None = Field(
        None,
        min_length=1,
        max_length=500,
        description=(
            "Accept amounts that differ from the expected dues (e.g. wage changed in payroll); audited."
        ),
    )
    rows: list[DuesBatchRow] = Field(min_length=1, max_length=MAX_BATCH_ROWS)


class DuesBatchOut(Out):
    batch_id: uuid.UUID
    count: int
    total_fen: MoneyFen


class DuesPaymentOut(Out):
    id: uuid.UUID
    member_id: uuid.UUID
    org_unit_id: uuid.UUID
    period: Period
    amount_fen: MoneyFen
    paid_on: date
    method: PaymentMethod
    reference: str | None
    batch_id: uuid.UUID | None
    created_at: datetime


class StatementMonth(Out):
    period: Period
    status: MonthStatus
    expected_fen: MoneyFen | None = Field(
        description="Dues owed for the month; null when the wage is unknown."
    )
    paid_fen: MoneyFen | None
    paid_on: date | None
    method: PaymentMethod | None


class DuesStatement(Out):
    member_id: uuid.UUID
    member_no: str
    name: str
    status: MemberStatusName
    from_period: Period
    to_period: Period
    months: list[StatementMonth]
    expected_total_fen: MoneyFen
    paid_total_fen: MoneyFen
    arrears_fen: MoneyFen = Field(description="Expected dues of the owed months without a payment.")
    arrears_months: int


class ArrearsItem(Out):
    member_id: uuid.UUID
    member_no: str
    employee_no: str
    name: str
    org_unit_id: uuid.UUID
    expected_fen: MoneyFen | None


class DuesSummary(Out):
    org_unit_id: uuid.UUID | None
    period: Period
    members_owing: int = Field(description="Dues-paying members in scope that month.")
    expected_fen: MoneyFen = Field(description="Dues those members owe (members with a known wage).")
    paid_count: int = Field(description="Payments for the month recorded by units in scope.")
    paid_fen: MoneyFen
    arrears_count: int = Field(description="Dues-paying members in scope without a payment for the month.")
    arrears_fen: MoneyFen
