"""Income from the members area and from employers (docs/rules.md §5 Income).

Dues (会费收入) post as **monthly summaries**, not per payment: for an accounting unit and a month,
one entry of the dues payments recorded for that month by the units whose books it keeps. Posting
again later posts only the difference (payments recorded late), each posting kept in
``fund_dues_posting`` with the number of payments it covered; the dues report sets recorded payments
against posted income per month, so the two stay reconcilable. (Per payment would put thousands of
one-line entries a month in the ledger of a large union, and each needs the budget lock.)

The employer's 2% allocation (工会法 Art 43 [C]): per employer and month, the payroll reported, 2%
of it expected, the amounts received (arrears = expected - received). Each receipt posts 拨缴经费收入
at the union in full; the share passed to the union above (the province's percentage, [?]) then
posts on both sides: 上解拨缴经费 (an expense item outside the remainder control: a legal obligation,
not spending) at this union and 拨缴经费收入 at the nearest accounting unit above.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from api.config import Settings
from api.db.models import (
    DuesPayment,
    FundAllocation,
    FundAllocationReceipt,
    FundDuesPosting,
    FundLedgerEntry,
)
from api.db.types import utcnow
from api.errors import Conflict, NotFound
from api.i18n import _, register
from api.rules.allocation import expected_allocation_fen, split_share
from api.schemas.funds import (
    AllocationCreate,
    AllocationOut,
    DuesIncomeIn,
    DuesIncomeOut,
    FundEventKind,
    LedgerSourceType,
    ReceiptIn,
    ReceiptOut,
)
from api.security.principal import Principal
from api.services import dues
from api.services.concurrency import expect_version
from api.services.funds import budgets, charts, common, ledger
from api.services.funds.common import (
    column,
    own_units,
    parent_accounting_unit,
    record_event,
    require_accounting_unit,
    require_in_scope,
    visible,
)
from api.services.pagination import keyset

register(
    {
        "funds_dues_nothing_to_post": _(
            "Everything recorded for {period} ({paid_fen} fen) is already posted."
        ),
        "funds_allocation_exists": _("The allocation of {employer_name} for {period} is already recorded."),
    }
)

DUES_CATEGORY = "income.dues"
ALLOCATION_CATEGORY = "income.allocation"
REMIT_CATEGORY = "remit.allocation"


def _period(text: str) -> date:
    return dues.parse_period(text)


# --- dues -------------------------------------------------------------------------------------------


def paid_in_month(session: Session, unit_id: uuid.UUID, first: date) -> tuple[int, int]:
    """(count, fen) of dues payments for month ``first`` recorded by the units ``unit_id`` keeps books for."""
    count, total = session.execute(
        select(func.count(), func.coalesce(func.sum(DuesPayment.amount_fen), 0)).where(
            col(DuesPayment.org_unit_id).in_(own_units(unit_id)), DuesPayment.period == first
        )
    ).one()
    return int(count), int(total)


def posted_in_month(session: Session, unit_id: uuid.UUID, first: date) -> int:
    total = session.execute(
        select(func.coalesce(func.sum(FundDuesPosting.amount_fen), 0)).where(
            FundDuesPosting.org_unit_id == unit_id, FundDuesPosting.period == first
        )
    ).scalar_one()
    return int(total)


def post_dues(session: Session, data: DuesIncomeIn, *, by: Principal) -> DuesIncomeOut:
    """Post the month's recorded dues not yet posted as one 会费收入 entry (treasurer). Dated the
    month's last day by default (today, if the month has not ended)."""
    require_in_scope(session, data.org_unit_id, by)
    require_accounting_unit(session, data.org_unit_id)
    first = _period(data.period)
    entry_on = data.entry_on or min(common.today(), dues.month_end(first))
    # lock the year's books before reading what was posted, so two postings cannot both post the difference
    budgets.in_force(session, data.org_unit_id, entry_on.year, lock=True)
    count, paid = paid_in_month(session, data.org_unit_id, first)
    posted = posted_in_month(session, data.org_unit_id, first)
    if paid - posted <= 0:
        raise Conflict("funds_dues_nothing_to_post", period=data.period, paid_fen=paid)
    posting_id = uuid.uuid4()
    entry = ledger.post_income(
        session,
        unit_id=data.org_unit_id,
        category_code=DUES_CATEGORY,
        amount_fen=paid - posted,
        entry_on=entry_on,
        counterparty="会员",
        description=f"{data.period} 会费收入（{count} 笔缴费汇总）",
        by=by,
        source_type=LedgerSourceType.dues_month,
        source_id=posting_id,
    )
    session.add(
        FundDuesPosting(
            id=posting_id,
            org_unit_id=data.org_unit_id,
            period=first,
            payments=count,
            amount_fen=paid - posted,
            entry_id=entry.id,
            created_by_id=by.user_id,
        )
    )
    session.commit()
    return DuesIncomeOut(
        org_unit_id=data.org_unit_id,
        period=data.period,
        payments=count,
        amount_fen=paid - posted,
        posted_fen=paid,
        entry=ledger.present_one(session, entry),
    )


# --- the 2% allocation ------------------------------------------------------------------------------


def _kept_percent(session: Session, unit_id: uuid.UUID, year: int, settings: Settings) -> int:
    """The province's kept share: from the chart of the budget in force that year, else the default one."""
    current = budgets.in_force(session, unit_id, year)
    rules = (
        charts.chart(session, current.chart_id).rules
        if current is not None
        else charts.provinces().get(settings.funds_default_province, {})
    )
    return int(rules.get("allocation_kept_percent", 100))


def create_allocation(
    session: Session, data: AllocationCreate, *, settings: Settings, by: Principal
) -> FundAllocation:
    """Record an employer's payroll for a month and the 2% it owes (工会法 Art 43)."""
    require_in_scope(session, data.org_unit_id, by)
    require_accounting_unit(session, data.org_unit_id)
    first = _period(data.period)
    allocation = FundAllocation(
        org_unit_id=data.org_unit_id,
        employer_name=data.employer_name,
        employer_uscc=data.employer_uscc,
        period=first,
        payroll_fen=data.payroll_fen,
        expected_fen=expected_allocation_fen(data.payroll_fen),
        kept_percent=_kept_percent(session, data.org_unit_id, first.year, settings),
        created_by_id=by.user_id,
    )
    session.add(allocation)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(
            "funds_allocation_exists", employer_name=data.employer_name, period=data.period
        ) from None
    record_event(
        session,
        entity_type="allocation",
        entity_id=allocation.id,
        org_unit_id=allocation.org_unit_id,
        kind=FundEventKind.declared,
        from_status=None,
        to_status=None,
        by=by,
        details={"payroll_fen": data.payroll_fen, "expected_fen": allocation.expected_fen},
    )
    from api.services import audit

    audit.record(
        session,
        by,
        "fund_allocation.declared",
        entity_type="fund_allocation",
        entity_id=allocation.id,
        org_unit_id=allocation.org_unit_id,
        changes=audit.created(
            {
                "employer_name": data.employer_name,
                "period": data.period,
                "payroll_fen": data.payroll_fen,
                "expected_fen": allocation.expected_fen,
            }
        ),
    )
    session.commit()
    return allocation


def record_receipt(
    session: Session, allocation: FundAllocation, data: ReceiptIn, *, version: int, by: Principal
) -> FundAllocation:
    """An amount received from the employer: 拨缴经费收入 here in full, then the province's passed-up
    share on both sides (上解 here, 拨缴经费收入 at the accounting unit above, if there is one)."""
    expect_version(allocation, version)
    kept, passed = split_share(data.amount_fen, allocation.kept_percent)
    parent = parent_accounting_unit(session, allocation.org_unit_id) if passed else None
    if parent is None:
        kept, passed = data.amount_fen, 0
    period = allocation.period.strftime("%Y-%m")
    income = ledger.post_income(
        session,
        unit_id=allocation.org_unit_id,
        category_code=ALLOCATION_CATEGORY,
        amount_fen=data.amount_fen,
        entry_on=data.received_on,
        counterparty=allocation.employer_name,
        description=f"{period} 拨缴经费（工资总额 2%）",
        by=by,
        voucher_no=data.voucher_no,
        source_type=LedgerSourceType.allocation,
        source_id=allocation.id,
        payment_method="bank",
    )
    remit = upper = None
    if passed:
        assert parent is not None
        remit = ledger.post_expense(
            session,
            unit_id=allocation.org_unit_id,
            category_code=REMIT_CATEGORY,
            amount_fen=passed,
            entry_on=data.received_on,
            counterparty="上级工会",
            description=f"{period} {allocation.employer_name} 拨缴经费上解 {100 - allocation.kept_percent}%",
            by=by,
            source_type=LedgerSourceType.allocation,
            source_id=allocation.id,
            payment_method="internal",
        )
        upper = ledger.post_income(
            session,
            unit_id=parent,
            category_code=ALLOCATION_CATEGORY,
            amount_fen=passed,
            entry_on=data.received_on,
            counterparty=allocation.employer_name,
            description=f"{period} {allocation.employer_name} 拨缴经费上解分成",
            by=by,
            source_type=LedgerSourceType.allocation,
            source_id=allocation.id,
            payment_method="internal",
            check_scope=False,
        )
    session.add(
        FundAllocationReceipt(
            allocation_id=allocation.id,
            received_on=data.received_on,
            amount_fen=data.amount_fen,
            kept_fen=kept,
            passed_up_fen=passed,
            income_entry_id=income.id,
            remit_entry_id=remit.id if remit else None,
            parent_entry_id=upper.id if upper else None,
            created_by_id=by.user_id,
        )
    )
    allocation.received_fen += data.amount_fen
    allocation.updated_at = utcnow()
    record_event(
        session,
        entity_type="allocation",
        entity_id=allocation.id,
        org_unit_id=allocation.org_unit_id,
        kind=FundEventKind.received,
        from_status=None,
        to_status=None,
        by=by,
        details={"amount_fen": data.amount_fen, "kept_fen": kept, "passed_up_fen": passed},
    )
    session.commit()
    return allocation


def get_visible(session: Session, allocation_id: uuid.UUID, principal: Principal) -> FundAllocation:
    found = session.exec(
        select(FundAllocation).where(
            FundAllocation.id == allocation_id, visible(col(FundAllocation.org_unit_id), principal)
        )
    ).first()
    if found is None:
        raise NotFound()
    return found


def list_allocations(
    session: Session,
    principal: Principal,
    *,
    limit: int,
    cursor: str | None,
    org_unit_id: uuid.UUID | None = None,
    period: str | None = None,
    in_arrears: bool | None = None,
) -> tuple[list[FundAllocation], str | None]:
    stmt = select(FundAllocation).where(visible(col(FundAllocation.org_unit_id), principal))
    if org_unit_id is not None:
        stmt = stmt.where(FundAllocation.org_unit_id == org_unit_id)
    if period is not None:
        stmt = stmt.where(FundAllocation.period == _period(period))
    if in_arrears is not None:
        owing = col(FundAllocation.received_fen) < col(FundAllocation.expected_fen)
        stmt = stmt.where(owing if in_arrears else sa.not_(owing))
    return keyset(session, stmt, keys=[column(FundAllocation.id)], limit=limit, cursor=cursor)


def present(session: Session, allocations: list[FundAllocation]) -> list[AllocationOut]:
    """Allocations with their receipts: one query for any number."""
    ids = [a.id for a in allocations]
    receipts: dict[uuid.UUID, list[ReceiptOut]] = {i: [] for i in ids}
    if ids:
        for r in session.exec(
            select(FundAllocationReceipt)
            .where(col(FundAllocationReceipt.allocation_id).in_(ids))
            .order_by(col(FundAllocationReceipt.created_at), col(FundAllocationReceipt.id))
        ).all():
            receipts[r.allocation_id].append(ReceiptOut.model_validate(r))
    out = []
    for a in allocations:
        data: dict[str, Any] = a.model_dump()
        data.update(arrears_fen=max(a.expected_fen - a.received_fen, 0), receipts=receipts[a.id])
        out.append(AllocationOut.model_validate(data))
    return out


def entries_of_allocation(session: Session, allocation: FundAllocation) -> list[FundLedgerEntry]:
    return list(
        session.exec(
            select(FundLedgerEntry)
            .where(
                FundLedgerEntry.source_type == LedgerSourceType.allocation,
                FundLedgerEntry.source_id == allocation.id,
            )
            .order_by(col(FundLedgerEntry.created_at))
        ).all()
    )
