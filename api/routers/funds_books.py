"""Union funds (工会经费): final accounts, dues and 2% allocation income, reports (docs/rules.md §5).

Charts, budgets and the ledger are in api/routers/funds.py.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response

from api.db.models import FundAllocation, FundFinalAccount
from api.deps import Authorized, IfMatch, PageQuery, SessionDep, SettingsDep, db_call, require
from api.routers._common import set_etag
from api.routing import Route
from api.schemas.common import PROBLEM_RESPONSES, Page
from api.schemas.funds import (
    PERIOD_PATTERN,
    AllocationCreate,
    AllocationOut,
    ApproveIn,
    ArrearsReport,
    BudgetActualReport,
    DuesIncomeIn,
    DuesIncomeOut,
    DuesReport,
    FinalCreate,
    FinalOut,
    FundEventOut,
    ReceiptIn,
    ReviewIn,
    StatementReport,
    WelfareReport,
)
from api.services.funds import final, income, reports

router = APIRouter(route_class=Route, prefix="/funds", tags=["funds"], responses=PROBLEM_RESPONSES)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Format = Annotated[
    Literal["json", "xlsx"], Query(alias="format", description="`xlsx` for a printable workbook.")
]
Year = Annotated[int, Query(ge=2000, le=2100)]
XLSX_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {XLSX: {}}, "description": "The report as JSON, or as XLSX with `format=xlsx`."}
}


def _xlsx(content: bytes, name: str) -> Response:
    return Response(
        content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'}
    )


# --- final accounts -------------------------------------------------------------------------------


async def load_final(final_id: uuid.UUID, session: SessionDep, principal: Authorized) -> FundFinalAccount:
    return await db_call(session, final.get_visible, session, final_id, principal)


FinalDep = Annotated[FundFinalAccount, Depends(load_final)]


def _final_out(final_account: FundFinalAccount, response: Response) -> FinalOut:
    set_etag(response, final_account)
    return FinalOut.model_validate(final_account)


@router.get("/final-accounts", response_model=Page[FinalOut], dependencies=[Depends(require("budgets.read"))])
def funds_finals_list(
    session: SessionDep,
    principal: Authorized,
    page: PageQuery,
    org_unit_id: uuid.UUID | None = None,
    fiscal_year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> Page[FinalOut]:
    """Final accounts (决算) of the accounting units in the caller's subtrees."""
    items, next_cursor = final.list_finals(
        session,
        principal,
        limit=page.limit,
        cursor=page.cursor,
        org_unit_id=org_unit_id,
        fiscal_year=fiscal_year,
    )
    return Page(items=[FinalOut.model_validate(f) for f in items], next_cursor=next_cursor)


@router.post(
    "/final-accounts",
    response_model=FinalOut,
    status_code=201,
    dependencies=[Depends(require("budgets.draft"))],
)
def funds_finals_create(
    body: FinalCreate, session: SessionDep, principal: Authorized, response: Response
) -> FinalOut:
    """Draft the final accounts of a fiscal year that has ended (treasurer): the figures are computed
    from the ledger and the budget in force, never typed in."""
    created = final.create(session, body, by=principal)
    response.headers["Location"] = f"/api/v1/funds/final-accounts/{created.id}"
    return _final_out(created, response)


@router.get(
    "/final-accounts/{final_id}", response_model=FinalOut, dependencies=[Depends(require("budgets.read"))]
)
def funds_finals_get(final_account: FinalDep, response: Response) -> FinalOut:
    """One year's final accounts with their figures."""
    return _final_out(final_account, response)


@router.post(
    "/final-accounts/{final_id}/redraft",
    response_model=FinalOut,
    dependencies=[Depends(require("budgets.draft"))],
)
def funds_finals_redraft(
    final_account: FinalDep, version: IfMatch, session: SessionDep, principal: Authorized, response: Response
) -> FinalOut:
    """Recompute a draft's figures from the ledger (after corrections were posted)."""
    return _final_out(final.redraft(session, final_account, version=version, by=principal), response)


@router.post(
    "/final-accounts/{final_id}/approve",
    response_model=FinalOut,
    dependencies=[Depends(require("budgets.approve"))],
)
def funds_finals_approve(
    final_account: FinalDep,
    body: ApproveIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> FinalOut:
    """The committee approves (chair, never the drafter) with the meeting date and minute reference.
    From now on the year refuses postings (409 `fiscal_year_closed`). 409 `funds_final_stale` when
    entries were posted since the draft."""
    return _final_out(final.approve(session, final_account, body, version=version, by=principal), response)


@router.post(
    "/final-accounts/{final_id}/review",
    response_model=FinalOut,
    dependencies=[Depends(require("budgets.review"))],
)
def funds_finals_review(
    final_account: FinalDep,
    body: ReviewIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> FinalOut:
    """The funds-audit committee (auditor): `accept` closes the year for good (it cannot be reopened;
    corrections post in a later year); `send_back` returns the accounts to draft with reasons."""
    return _final_out(final.review(session, final_account, body, version=version, by=principal), response)


@router.get(
    "/final-accounts/{final_id}/timeline",
    response_model=Page[FundEventOut],
    dependencies=[Depends(require("budgets.read"))],
)
def funds_finals_timeline(
    final_account: FinalDep, session: SessionDep, page: PageQuery
) -> Page[FundEventOut]:
    """Every step of the final accounts, oldest first (paged like every list)."""
    items, next_cursor = final.timeline(session, final_account, limit=page.limit, cursor=page.cursor)
    return Page(items=items, next_cursor=next_cursor)


# --- income ---------------------------------------------------------------------------------------


@router.post(
    "/dues-income",
    response_model=DuesIncomeOut,
    status_code=201,
    dependencies=[Depends(require("ledger.post"))],
)
def funds_dues_post(body: DuesIncomeIn, session: SessionDep, principal: Authorized) -> DuesIncomeOut:
    """Post a month's recorded dues payments as one 会费收入 entry of the accounting unit (treasurer).
    Posting the month again posts only what was recorded since (409 `funds_dues_nothing_to_post` if
    nothing); the dues report reconciles payments with postings."""
    return income.post_dues(session, body, by=principal)


async def load_allocation(
    allocation_id: uuid.UUID, session: SessionDep, principal: Authorized
) -> FundAllocation:
    return await db_call(session, income.get_visible, session, allocation_id, principal)


AllocationDep = Annotated[FundAllocation, Depends(load_allocation)]


def _allocation_out(session: SessionDep, allocation: FundAllocation, response: Response) -> AllocationOut:
    set_etag(response, allocation)
    return income.present(session, [allocation])[0]


@router.get(
    "/allocations", response_model=Page[AllocationOut], dependencies=[Depends(require("ledger.read"))]
)
def funds_allocations_list(
    session: SessionDep,
    principal: Authorized,
    page: PageQuery,
    org_unit_id: uuid.UUID | None = None,
    period: Annotated[str | None, Query(pattern=PERIOD_PATTERN)] = None,
    in_arrears: bool | None = None,
) -> Page[AllocationOut]:
    """Employers' 2% allocations (工会法 Art 43) per month in the caller's subtrees."""
    items, next_cursor = income.list_allocations(
        session,
        principal,
        limit=page.limit,
        cursor=page.cursor,
        org_unit_id=org_unit_id,
        period=period,
        in_arrears=in_arrears,
    )
    return Page(items=income.present(session, items), next_cursor=next_cursor)


@router.post(
    "/allocations",
    response_model=AllocationOut,
    status_code=201,
    dependencies=[Depends(require("ledger.post"))],
)
def funds_allocations_create(
    body: AllocationCreate,
    session: SessionDep,
    settings: SettingsDep,
    principal: Authorized,
    response: Response,
) -> AllocationOut:
    """Record an employer's payroll total for a month; 2% of it is expected (工会法 Art 43)."""
    allocation = income.create_allocation(session, body, settings=settings, by=principal)
    response.headers["Location"] = f"/api/v1/funds/allocations/{allocation.id}"
    return _allocation_out(session, allocation, response)


@router.get(
    "/allocations/{allocation_id}",
    response_model=AllocationOut,
    dependencies=[Depends(require("ledger.read"))],
)
def funds_allocations_get(
    allocation: AllocationDep, session: SessionDep, response: Response
) -> AllocationOut:
    """One employer-month: payroll, expected, received, arrears, and the receipts with their entries."""
    return _allocation_out(session, allocation, response)


@router.post(
    "/allocations/{allocation_id}/receipts",
    response_model=AllocationOut,
    status_code=201,
    dependencies=[Depends(require("ledger.post"))],
)
def funds_allocations_receive(
    allocation: AllocationDep,
    body: ReceiptIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> AllocationOut:
    """Record an amount received: 拨缴经费收入 here, and the province's share passed up posted on both
    sides (上解拨缴经费 here, 拨缴经费收入 at the accounting unit above)."""
    allocation = income.record_receipt(session, allocation, body, version=version, by=principal)
    return _allocation_out(session, allocation, response)


# --- reports --------------------------------------------------------------------------------------


@router.get(
    "/reports/budget-vs-actual",
    response_model=BudgetActualReport,
    dependencies=[Depends(require("ledger.read"))],
    responses=XLSX_RESPONSE,
)
def funds_report_budget_vs_actual(
    session: SessionDep,
    principal: Authorized,
    org_unit_id: uuid.UUID,
    fiscal_year: Year,
    consolidated: Annotated[bool, Query(description="Every accounting unit in the unit's subtree.")] = False,
    fmt: Format = "json",
) -> BudgetActualReport | Response:
    """Budget vs actual per line and per category with the execution rate, for an accounting unit or
    consolidated over a federation's subtree."""
    report = reports.budget_vs_actual(
        session, principal, org_unit_id=org_unit_id, fiscal_year=fiscal_year, consolidated=consolidated
    )
    return _xlsx(reports.budget_vs_actual_xlsx(report), f"budget-{fiscal_year}") if fmt == "xlsx" else report


@router.get(
    "/reports/statement",
    response_model=StatementReport,
    dependencies=[Depends(require("ledger.read"))],
    responses=XLSX_RESPONSE,
)
def funds_report_statement(
    session: SessionDep,
    principal: Authorized,
    org_unit_id: uuid.UUID,
    fiscal_year: Year,
    consolidated: bool = False,
    fmt: Format = "json",
) -> StatementReport | Response:
    """工会经费收支情况表: income and expense by category (budget and actual), the year's surplus, the
    balance carried forward and the closing balance."""
    report = reports.statement(
        session, principal, org_unit_id=org_unit_id, fiscal_year=fiscal_year, consolidated=consolidated
    )
    return _xlsx(reports.statement_xlsx(report), f"statement-{fiscal_year}") if fmt == "xlsx" else report


@router.get(
    "/reports/dues",
    response_model=DuesReport,
    dependencies=[Depends(require("ledger.read"))],
    responses=XLSX_RESPONSE,
)
def funds_report_dues(
    session: SessionDep,
    principal: Authorized,
    org_unit_id: uuid.UUID,
    fiscal_year: Year,
    fmt: Format = "json",
) -> DuesReport | Response:
    """Dues expected (members area), recorded and posted, per month of the year."""
    report = reports.dues_report(session, principal, org_unit_id=org_unit_id, fiscal_year=fiscal_year)
    return _xlsx(reports.dues_xlsx(report), f"dues-{fiscal_year}") if fmt == "xlsx" else report


@router.get(
    "/reports/allocation-arrears",
    response_model=ArrearsReport,
    dependencies=[Depends(require("ledger.read"))],
    responses=XLSX_RESPONSE,
)
def funds_report_arrears(
    session: SessionDep,
    principal: Authorized,
    org_unit_id: uuid.UUID,
    fiscal_year: Year,
    fmt: Format = "json",
) -> ArrearsReport | Response:
    """2% allocations not fully received, per employer and month, in the unit's subtree."""
    report = reports.arrears_report(session, principal, org_unit_id=org_unit_id, fiscal_year=fiscal_year)
    return (
        _xlsx(reports.arrears_xlsx(report), f"allocation-arrears-{fiscal_year}") if fmt == "xlsx" else report
    )


@router.get(
    "/reports/welfare",
    response_model=WelfareReport,
    dependencies=[Depends(require("ledger.read"))],
    responses=XLSX_RESPONSE,
)
def funds_report_welfare(
    session: SessionDep,
    principal: Authorized,
    org_unit_id: uuid.UUID,
    fiscal_year: Year,
    fmt: Format = "json",
) -> WelfareReport | Response:
    """Welfare received per member and type this year, against the per-person caps."""
    report = reports.welfare_report(session, principal, org_unit_id=org_unit_id, fiscal_year=fiscal_year)
    return _xlsx(reports.welfare_xlsx(report), f"welfare-{fiscal_year}") if fmt == "xlsx" else report
