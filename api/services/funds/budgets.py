"""Annual budgets and their adjustments (docs/rules.md §5 Budget, Lifecycle; 章程 Art 13, 26, 39).

One budget per accounting unit and fiscal year, as revisions: revision 0 is the original, each
adjustment (预算调整) a new revision that takes the same path and, once accepted, supersedes the
revision in force. Every revision stays readable. The treasurer drafts; the chair approves (never
the drafter) recording the committee meeting and its minute reference; the funds-audit committee
(auditor) accepts with an opinion, putting it in force, or sends it back to draft with reasons.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.config import Settings
from api.db.models import FundBudget, FundBudgetLine
from api.db.types import utcnow
from api.errors import Conflict, NotFound, RuleViolation
from api.schemas.funds import (
    ApproveIn,
    BudgetCreate,
    BudgetLineIn,
    BudgetLineOut,
    BudgetOut,
    BudgetStatus,
    BudgetUpdate,
    FundEventKind,
    FundEventOut,
    ReviewDecision,
    ReviewIn,
)
from api.security.principal import Principal
from api.services.concurrency import expect_version
from api.services.funds import charts, common, totals
from api.services.funds.common import (
    column,
    record_approval,
    record_step,
    require_accounting_unit,
    require_in_scope,
    visible,
)
from api.services.funds.workflow import step_budget
from api.services.pagination import keyset

S = BudgetStatus


def get_visible(session: Session, budget_id: uuid.UUID, principal: Principal) -> FundBudget:
    found = session.exec(
        select(FundBudget).where(FundBudget.id == budget_id, visible(col(FundBudget.org_unit_id), principal))
    ).first()
    if found is None:
        raise NotFound()
    return found


def list_budgets(
    session: Session,
    principal: Principal,
    *,
    limit: int,
    cursor: str | None,
    org_unit_id: uuid.UUID | None = None,
    fiscal_year: int | None = None,
    status: BudgetStatus | None = None,
) -> tuple[list[FundBudget], str | None]:
    stmt = select(FundBudget).where(visible(col(FundBudget.org_unit_id), principal))
    if org_unit_id is not None:
        stmt = stmt.where(FundBudget.org_unit_id == org_unit_id)
    if fiscal_year is not None:
        stmt = stmt.where(FundBudget.fiscal_year == fiscal_year)
    if status is not None:
        stmt = stmt.where(FundBudget.status == status.value)
    return keyset(session, stmt, keys=[column(FundBudget.id)], limit=limit, cursor=cursor)


def lines_of(session: Session, budget_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[FundBudgetLine]]:
    out: dict[uuid.UUID, list[FundBudgetLine]] = defaultdict(list)
    if budget_ids:
        for line in session.exec(
            select(FundBudgetLine)
            .where(col(FundBudgetLine.budget_id).in_(budget_ids))
            .order_by(col(FundBudgetLine.kind).desc(), col(FundBudgetLine.category_code))
        ).all():
            out[line.budget_id].append(line)
    return out


def present(session: Session, budgets: list[FundBudget]) -> list[BudgetOut]:
    """Budgets with their lines and totals: one query for the lines of any number of budgets."""
    lines = lines_of(session, [b.id for b in budgets])
    out = []
    for b in budgets:
        own = lines[b.id]
        data: dict[str, Any] = b.model_dump()
        data.update(
            lines=[BudgetLineOut.model_validate(line) for line in own],
            income_fen=sum(line.amount_fen for line in own if line.kind == "income"),
            expense_fen=sum(line.amount_fen for line in own if line.kind == "expense"),
        )
        out.append(BudgetOut.model_validate(data))
    return out


def present_one(session: Session, budget: FundBudget) -> BudgetOut:
    return present(session, [budget])[0]


def timeline(
    session: Session, budget: FundBudget, *, limit: int, cursor: str | None
) -> tuple[list[FundEventOut], str | None]:
    """One page of the steps, oldest first."""
    return common.timeline(session, "budget", budget.id, limit=limit, cursor=cursor)


def _set_lines(session: Session, budget: FundBudget, lines: list[BudgetLineIn]) -> None:
    """Replace the lines; each must be a postable (leaf) item of the budget's chart, once."""
    chart = charts.chart(session, budget.chart_id)
    seen: set[str] = set()
    for line in lines:
        item = chart.leaf(line.category_code)
        if line.category_code in seen:
            raise RuleViolation("funds_duplicate_line", field="lines", category_code=line.category_code)
        seen.add(line.category_code)
        del item
    for old in session.exec(select(FundBudgetLine).where(FundBudgetLine.budget_id == budget.id)).all():
        session.delete(old)
    session.flush()
    for line in lines:
        session.add(
            FundBudgetLine(
                budget_id=budget.id,
                kind=chart.items[line.category_code]["kind"],
                category_code=line.category_code,
                root_code=chart.root_of(line.category_code),
                amount_fen=line.amount_fen,
                note=line.note,
            )
        )


def _event(
    session: Session,
    budget: FundBudget,
    kind: FundEventKind,
    before: str | None,
    by: Principal,
    **details: Any,
) -> None:
    record_step(session, budget, entity_type="budget", kind=kind, before=before, by=by, details=details)


def create(session: Session, data: BudgetCreate, *, by: Principal) -> FundBudget:
    """Draft the year's budget of an accounting unit (treasurer), on a chart visible to the unit."""
    require_in_scope(session, data.org_unit_id, by)
    require_accounting_unit(session, data.org_unit_id)
    chart_row = charts.get_visible(session, data.chart_id, by)
    exists = session.exec(
        select(FundBudget.id).where(
            FundBudget.org_unit_id == data.org_unit_id, FundBudget.fiscal_year == data.fiscal_year
        )
    ).first()
    if exists is not None:
        raise Conflict("funds_budget_exists", fiscal_year=data.fiscal_year)
    budget = FundBudget(
        org_unit_id=data.org_unit_id,
        fiscal_year=data.fiscal_year,
        revision=0,
        chart_id=chart_row.id,
        note=data.note,
        drafted_by_id=by.user_id,
    )
    session.add(budget)
    session.flush()
    _set_lines(session, budget, data.lines)
    _event(session, budget, FundEventKind.drafted, None, by, revision=0, chart_id=chart_row.id)
    session.commit()
    return budget


def update(
    session: Session, budget: FundBudget, data: BudgetUpdate, *, version: int, by: Principal
) -> FundBudget:
    """Edit a draft's note or lines (a treasurer); the editor becomes a drafter who cannot approve."""
    step_budget(budget.status, "edit")
    expect_version(budget, version)
    changes = data.model_dump(exclude_unset=True)
    if "note" in changes:
        budget.note = data.note
    if data.lines is not None:
        _set_lines(session, budget, data.lines)
    budget.drafted_by_id = by.user_id
    budget.updated_at = utcnow()
    _event(session, budget, FundEventKind.edited, budget.status, by, fields=sorted(changes))
    session.commit()
    return budget


def approve(
    session: Session, budget: FundBudget, data: ApproveIn, *, version: int, by: Principal
) -> FundBudget:
    """The committee approves (chair): never the drafter (docs/rules.md §0 separation of duties), with
    the date and minute reference of the meeting that decided it (章程 Art 13, 26)."""
    step_budget(budget.status, "approve")
    expect_version(budget, version)
    if budget.drafted_by_id == by.user_id:
        raise Conflict("funds_approve_own")
    record_approval(session, budget, data, status=S.approved.value, entity_type="budget", by=by)
    session.commit()
    return budget


def spent_by_category(session: Session, unit_id: uuid.UUID, fiscal_year: int) -> dict[str, int]:
    """category -> expenses booked in the unit's year (from the running totals)."""
    return {
        code: fen
        for code, (_, _, fen, _) in totals.by_category(
            session, [unit_id], fiscal_year, kind="expense"
        ).items()
    }


_IN_FORCE = select(FundBudget).where(
    FundBudget.org_unit_id == sa.bindparam("unit"),
    FundBudget.fiscal_year == sa.bindparam("year"),
    FundBudget.status == S.in_force.value,
)
# built once (posting runs this on every request); populate_existing: the row as the lock found it
_IN_FORCE_LOCKED = _IN_FORCE.with_for_update().execution_options(populate_existing=True)


def in_force(
    session: Session, unit_id: uuid.UUID, fiscal_year: int, *, lock: bool = False
) -> FundBudget | None:
    """The revision in force for a unit and year. ``lock``: take its row lock (PostgreSQL ``FOR
    UPDATE``; on SQLite the write transaction already holds the database's write lock, BEGIN
    IMMEDIATE), which serialises every posting, adjustment and closing of that unit's year."""
    stmt = _IN_FORCE_LOCKED if lock else _IN_FORCE
    return session.exec(stmt, params={"unit": unit_id, "year": fiscal_year}).first()


def review(
    session: Session, budget: FundBudget, data: ReviewIn, *, version: int, by: Principal
) -> FundBudget:
    """The funds-audit committee's review (auditor; 章程 Art 39): ``accept`` puts the revision in
    force (an adjustment supersedes the revision it adjusts, and may not cut a line below what is
    already spent); ``send_back`` returns it to draft with the opinion as the reason."""
    step_budget(budget.status, "review")
    expect_version(budget, version)
    before = budget.status
    budget.reviewed_by_id = by.user_id
    budget.reviewed_at = utcnow()
    budget.review_opinion = data.opinion
    budget.updated_at = utcnow()
    if data.decision is ReviewDecision.send_back:
        budget.status = S.draft.value
        budget.returned_reason = data.opinion
        _event(session, budget, FundEventKind.sent_back, before, by, opinion=data.opinion)
        session.commit()
        return budget
    current = in_force(session, budget.org_unit_id, budget.fiscal_year, lock=True)
    if current is not None:
        spent = spent_by_category(session, budget.org_unit_id, budget.fiscal_year)
        amounts = {line.category_code: line.amount_fen for line in lines_of(session, [budget.id])[budget.id]}
        for code, total in sorted(spent.items()):
            if total > amounts.get(code, 0):
                raise Conflict(
                    "funds_line_below_spent",
                    category_code=code,
                    amount_fen=amounts.get(code, 0),
                    spent_fen=total,
                )
        current.status = S.superseded.value
        current.updated_at = utcnow()
        _event(session, current, FundEventKind.superseded, S.in_force.value, by, by_revision=budget.revision)
    budget.status = S.in_force.value
    _event(session, budget, FundEventKind.in_force, before, by, opinion=data.opinion)
    session.commit()
    return budget


def adjust(
    session: Session, budget: FundBudget, *, version: int, settings: Settings, by: Principal
) -> FundBudget:
    """Start an adjustment (预算调整) of the revision in force: a new draft revision with the same
    lines and chart, taking the same path (docs/rules.md §5 [L]); the number a year is a setting."""
    step_budget(budget.status, "adjust")
    expect_version(budget, version)
    revisions = session.exec(
        select(FundBudget.revision, FundBudget.status).where(
            FundBudget.org_unit_id == budget.org_unit_id, FundBudget.fiscal_year == budget.fiscal_year
        )
    ).all()
    if any(status in (S.draft.value, S.approved.value) for _, status in revisions):
        raise Conflict("funds_adjustment_open")
    limit = settings.funds_max_adjustments_per_year
    if limit is not None and len(revisions) - 1 >= limit:
        raise Conflict("funds_adjustment_limit", limit=limit)
    draft = FundBudget(
        org_unit_id=budget.org_unit_id,
        fiscal_year=budget.fiscal_year,
        revision=max(r for r, _ in revisions) + 1,
        chart_id=budget.chart_id,
        note=budget.note,
        drafted_by_id=by.user_id,
    )
    session.add(draft)
    session.flush()
    for line in lines_of(session, [budget.id])[budget.id]:
        session.add(
            FundBudgetLine(
                budget_id=draft.id,
                kind=line.kind,
                category_code=line.category_code,
                root_code=line.root_code,
                amount_fen=line.amount_fen,
                note=line.note,
            )
        )
    _event(
        session, draft, FundEventKind.adjustment_drafted, None, by, revision=draft.revision, adjusts=budget.id
    )
    session.commit()
    return draft
