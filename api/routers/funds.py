"""Union funds (工会经费): charts of accounts, budgets and adjustments, the ledger (docs/rules.md §5).

Final accounts, income (dues, 2% allocation) and reports are in api/routers/funds_books.py.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from api.db.models import FundBudget, FundChart, FundLedgerEntry
from api.deps import Authorized, IfMatch, PageQuery, SessionDep, SettingsDep, db_call, require
from api.routers._common import set_etag
from api.routing import Route
from api.schemas.common import PROBLEM_RESPONSES, Page
from api.schemas.funds import (
    ApproveIn,
    BudgetCreate,
    BudgetOut,
    BudgetStatus,
    BudgetUpdate,
    ChartCreate,
    ChartOut,
    ChartTemplateOut,
    EntryCreate,
    EntryKind,
    EntryOut,
    FundEventOut,
    LedgerSourceType,
    ReversalIn,
    ReviewIn,
)
from api.services.funds import budgets, charts, ledger
from api.services.pagination import page_of

router = APIRouter(route_class=Route, prefix="/funds", tags=["funds"], responses=PROBLEM_RESPONSES)


# --- charts of accounts ---------------------------------------------------------------------------


async def load_chart(chart_id: uuid.UUID, session: SessionDep, principal: Authorized) -> FundChart:
    return await db_call(session, charts.get_visible, session, chart_id, principal)


ChartDep = Annotated[FundChart, Depends(load_chart)]


@router.get(
    "/chart-templates", response_model=Page[ChartTemplateOut], dependencies=[Depends(require("budgets.read"))]
)
def funds_chart_templates(page: PageQuery) -> Page[ChartTemplateOut]:
    """The shipped charts of accounts a unit can choose: the six-category expense tree of 32号 and the
    seven-category variant some provinces use, with their stable item codes. By template code, paged
    like every list."""
    items, next_cursor = page_of(
        charts.list_templates(), key=lambda t: t.template, limit=page.limit, cursor=page.cursor
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get("/charts", response_model=Page[ChartOut], dependencies=[Depends(require("budgets.read"))])
def funds_charts_list(session: SessionDep, principal: Authorized, page: PageQuery) -> Page[ChartOut]:
    """Chart versions made by units in the caller's subtrees or above them, by code and version."""
    items, next_cursor = charts.list_charts(session, principal, limit=page.limit, cursor=page.cursor)
    return Page(items=[ChartOut.model_validate(c) for c in items], next_cursor=next_cursor)


@router.post(
    "/charts", response_model=ChartOut, status_code=201, dependencies=[Depends(require("budgets.draft"))]
)
def funds_charts_create(
    body: ChartCreate, session: SessionDep, settings: SettingsDep, principal: Authorized, response: Response
) -> ChartOut:
    """Make a new chart version for a unit from a template, with the unit's own sub-items and its
    province's data (welfare caps, festival list, allocation share). Charts never change once made:
    each budget keeps the version it was drafted with."""
    row = charts.create(session, body, settings=settings, by=principal)
    response.headers["Location"] = f"/api/v1/funds/charts/{row.id}"
    return ChartOut.model_validate(row)


@router.get("/charts/{chart_id}", response_model=ChartOut, dependencies=[Depends(require("budgets.read"))])
def funds_charts_get(chart: ChartDep) -> ChartOut:
    """One chart version with its items and province rules."""
    return ChartOut.model_validate(chart)


# --- budgets --------------------------------------------------------------------------------------


async def load_budget(budget_id: uuid.UUID, session: SessionDep, principal: Authorized) -> FundBudget:
    return await db_call(session, budgets.get_visible, session, budget_id, principal)


BudgetDep = Annotated[FundBudget, Depends(load_budget)]


def _budget_out(session: SessionDep, budget: FundBudget, response: Response) -> BudgetOut:
    set_etag(response, budget)
    return budgets.present_one(session, budget)


@router.get("/budgets", response_model=Page[BudgetOut], dependencies=[Depends(require("budgets.read"))])
def funds_budgets_list(
    session: SessionDep,
    principal: Authorized,
    page: PageQuery,
    org_unit_id: uuid.UUID | None = None,
    fiscal_year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    status: BudgetStatus | None = None,
) -> Page[BudgetOut]:
    """Budget revisions in the caller's subtrees (every revision stays readable)."""
    items, next_cursor = budgets.list_budgets(
        session,
        principal,
        limit=page.limit,
        cursor=page.cursor,
        org_unit_id=org_unit_id,
        fiscal_year=fiscal_year,
        status=status,
    )
    return Page(items=budgets.present(session, items), next_cursor=next_cursor)


@router.post(
    "/budgets", response_model=BudgetOut, status_code=201, dependencies=[Depends(require("budgets.draft"))]
)
def funds_budgets_create(
    body: BudgetCreate, session: SessionDep, principal: Authorized, response: Response
) -> BudgetOut:
    """Draft an accounting unit's budget for a fiscal year (treasurer): lines per leaf item of the
    chart, in fen, with a note each. One budget per unit and year; change it later by adjustments."""
    budget = budgets.create(session, body, by=principal)
    response.headers["Location"] = f"/api/v1/funds/budgets/{budget.id}"
    return _budget_out(session, budget, response)


@router.get("/budgets/{budget_id}", response_model=BudgetOut, dependencies=[Depends(require("budgets.read"))])
def funds_budgets_get(budget: BudgetDep, session: SessionDep, response: Response) -> BudgetOut:
    """One budget revision with its lines and totals."""
    return _budget_out(session, budget, response)


@router.patch(
    "/budgets/{budget_id}", response_model=BudgetOut, dependencies=[Depends(require("budgets.draft"))]
)
def funds_budgets_update(
    budget: BudgetDep,
    body: BudgetUpdate,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> BudgetOut:
    """Edit a draft (or a draft sent back): its note, or all its lines at once."""
    budget = budgets.update(session, budget, body, version=version, by=principal)
    return _budget_out(session, budget, response)


@router.post(
    "/budgets/{budget_id}/approve",
    response_model=BudgetOut,
    dependencies=[Depends(require("budgets.approve"))],
)
def funds_budgets_approve(
    budget: BudgetDep,
    body: ApproveIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> BudgetOut:
    """The committee's approval (chair; never whoever drafted it), with the meeting date and minute
    reference of the collective decision."""
    budget = budgets.approve(session, budget, body, version=version, by=principal)
    return _budget_out(session, budget, response)


@router.post(
    "/budgets/{budget_id}/review", response_model=BudgetOut, dependencies=[Depends(require("budgets.review"))]
)
def funds_budgets_review(
    budget: BudgetDep,
    body: ReviewIn,
    version: IfMatch,
    session: SessionDep,
    principal: Authorized,
    response: Response,
) -> BudgetOut:
    """The funds-audit committee's review (auditor): `accept` puts the approved revision in force
    (an adjustment supersedes the revision it adjusts); `send_back` returns it to draft with the
    opinion as the reason."""
    budget = budgets.review(session, budget, body, version=version, by=principal)
    return _budget_out(session, budget, response)


@router.post(
    "/budgets/{budget_id}/adjustments",
    response_model=BudgetOut,
    status_code=201,
    dependencies=[Depends(require("budgets.draft"))],
)
def funds_budgets_adjust(
    budget: BudgetDep,
    version: IfMatch,
    session: SessionDep,
    settings: SettingsDep,
    principal: Authorized,
    response: Response,
) -> BudgetOut:
    """Start an adjustment (预算调整) of the budget in force: a new draft revision with the same
    lines, to edit and take through approval and review like the original. The number allowed a
    year is `GONGHUI_FUNDS_MAX_ADJUSTMENTS_PER_YEAR`."""
    draft = budgets.adjust(session, budget, version=version, settings=settings, by=principal)
    response.headers["Location"] = f"/api/v1/funds/budgets/{draft.id}"
    return _budget_out(session, draft, response)


@router.get(
    "/budgets/{budget_id}/timeline",
    response_model=Page[FundEventOut],
    dependencies=[Depends(require("budgets.read"))],
)
def funds_budgets_timeline(budget: BudgetDep, session: SessionDep, page: PageQuery) -> Page[FundEventOut]:
    """Every step of the budget revision, oldest first (paged like every list)."""
    items, next_cursor = budgets.timeline(session, budget, limit=page.limit, cursor=page.cursor)
    return Page(items=items, next_cursor=next_cursor)


# --- ledger ---------------------------------------------------------------------------------------


async def load_entry(entry_id: uuid.UUID, session: SessionDep, principal: Authorized) -> FundLedgerEntry:
    return await db_call(session, ledger.get_visible, session, entry_id, principal)


EntryDep = Annotated[FundLedgerEntry, Depends(load_entry)]


@router.get("/ledger-entries", response_model=Page[EntryOut], dependencies=[Depends(require("ledger.read"))])
def funds_ledger_list(
    session: SessionDep,
    principal: Authorized,
    page: PageQuery,
    org_unit_id: uuid.UUID | None = None,
    fiscal_year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    category_code: Annotated[str | None, Query(max_length=60)] = None,
    kind: EntryKind | None = None,
    source_type: LedgerSourceType | None = None,
    source_id: uuid.UUID | None = None,
) -> Page[EntryOut]:
    """Ledger entries of the accounting units in the caller's subtrees, in posting order."""
    items, next_cursor = ledger.list_entries(
        session,
        principal,
        limit=page.limit,
        cursor=page.cursor,
        org_unit_id=org_unit_id,
        fiscal_year=fiscal_year,
        category_code=category_code,
        kind=kind.value if kind else None,
        source_type=source_type,
        source_id=source_id,
    )
    return Page(items=ledger.present(session, items), next_cursor=next_cursor)


@router.post(
    "/ledger-entries",
    response_model=EntryOut,
    status_code=201,
    dependencies=[Depends(require("ledger.post"))],
)
def funds_ledger_post(
    body: EntryCreate, session: SessionDep, settings: SettingsDep, principal: Authorized, response: Response
) -> EntryOut:
    """Post income or an expense (treasurer) against the budget in force for the entry's year, at the
    accounting unit of the unit named. An expense beyond its line's remainder is refused with 409
    `budget_line_insufficient` and `remainder_fen`; a closed year with 409 `fiscal_year_closed`.
    Welfare items name their recipients and pass the welfare limits."""
    entry = ledger.create_entry(session, body, settings=settings, by=principal)
    response.headers["Location"] = f"/api/v1/funds/ledger-entries/{entry.id}"
    return entry


@router.get(
    "/ledger-entries/{entry_id}", response_model=EntryOut, dependencies=[Depends(require("ledger.read"))]
)
def funds_ledger_get(entry: EntryDep, session: SessionDep) -> EntryOut:
    """One entry, with the reversal that corrected it, if any."""
    return ledger.present_one(session, entry)


@router.post(
    "/ledger-entries/{entry_id}/reversal",
    response_model=EntryOut,
    status_code=201,
    dependencies=[Depends(require("ledger.post"))],
)
def funds_ledger_reverse(
    entry: EntryDep, body: ReversalIn, session: SessionDep, principal: Authorized, response: Response
) -> EntryOut:
    """Correct an entry: a reversal entry with the amount negated, linked to it (entries are never
    edited or deleted). Once per entry; in a year that is still open."""
    reversal = ledger.reverse(session, entry, body, by=principal)
    response.headers["Location"] = f"/api/v1/funds/ledger-entries/{reversal.id}"
    return ledger.present_one(session, reversal)
