"""The budget line a ledger entry books against: resolving the line in force (its budget locked), its
remainder, the running entry number and voucher uniqueness. Split from :mod:`api.services.funds.ledger`,
which owns posting and re-exports these."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from api.db.models import FundBudget, FundBudgetLine, FundLedgerEntry, FundTotal
from api.errors import Conflict
from api.security.principal import Principal
from api.services.funds import budgets, charts, totals
from api.services.funds.common import (
    accounting_unit_of,
    refuse_closed_year,
    require_in_scope,
)

POST = "ledger.post"

# the posting path's statements, built once (building one per call costs its cache key every time)
_LINE = select(FundBudgetLine).where(
    FundBudgetLine.budget_id == sa.bindparam("budget"), FundBudgetLine.category_code == sa.bindparam("code")
)
# the line with its running total (what the year booked on it) in one read, under the budget's lock
_LINE_BOOKED = (
    select(FundBudgetLine, func.coalesce(FundTotal.amount_fen, 0))
    .outerjoin(
        FundTotal,
        sa.and_(
            col(FundTotal.org_unit_id) == sa.bindparam("unit"),
            col(FundTotal.fiscal_year) == sa.bindparam("year"),
            col(FundTotal.category_code) == FundBudgetLine.category_code,
        ),
    )
    .where(
        FundBudgetLine.budget_id == sa.bindparam("budget"),
        FundBudgetLine.category_code == sa.bindparam("code"),
    )
)
_LAST_SEQ = select(func.max(FundLedgerEntry.seq)).where(
    FundLedgerEntry.org_unit_id == sa.bindparam("unit"), FundLedgerEntry.fiscal_year == sa.bindparam("year")
)
_VOUCHER = select(FundLedgerEntry.id).where(
    FundLedgerEntry.org_unit_id == sa.bindparam("unit"),
    FundLedgerEntry.fiscal_year == sa.bindparam("year"),
    FundLedgerEntry.voucher_no == sa.bindparam("voucher"),
)
# the next number and whether a voucher number given by hand is taken, in one round trip
_NUMBERING = sa.select(_LAST_SEQ.scalar_subquery(), _VOUCHER.limit(1).scalar_subquery())


@dataclass
class _Line:
    """Where an entry books: accounting unit, year, the budget in force (locked) and its line."""

    unit_id: uuid.UUID
    fiscal_year: int
    budget: FundBudget
    line: FundBudgetLine
    chart: charts.Chart
    #: what the year booked on the line, read with it under the lock (None: read it when needed)
    booked_fen: int | None = None


def _resolve(
    session: Session,
    unit_id: uuid.UUID,
    category_code: str,
    entry_on: date,
    by: Principal,
    *,
    lock: bool = True,
) -> _Line:
    require_in_scope(session, unit_id, by, POST)
    acc = accounting_unit_of(session, unit_id)
    year = entry_on.year
    budget = budgets.in_force(session, acc, year, lock=lock)
    refuse_closed_year(session, acc, year)
    if budget is None:
        raise Conflict("budget_not_in_force", fiscal_year=year, category_code=category_code)
    if not lock:  # a total read before the lock is stale by the time it is used: read it then
        line = line_of(session, budget.id, category_code)
        booked = None
    else:
        row = session.exec(
            _LINE_BOOKED, params={"budget": budget.id, "code": category_code, "unit": acc, "year": year}
        ).first()
        line, booked = (row[0], int(row[1])) if row is not None else (None, None)
    if line is None:
        raise Conflict("budget_not_in_force", fiscal_year=year, category_code=category_code)
    return _Line(acc, year, budget, line, charts.chart(session, budget.chart_id), booked)


def remainder_fen(session: Session, target: _Line) -> int:
    """What the line has left: its amount in force less the year's expenses booked on it (reversals
    give money back), read from the line's running total (one row) under the budget's lock."""
    if target.booked_fen is not None:  # read with the line, under the lock, by _resolve
        return target.line.amount_fen - target.booked_fen
    return target.line.amount_fen - totals.booked(
        session, target.unit_id, target.fiscal_year, target.line.category_code
    )


def line_of(session: Session, budget_id: uuid.UUID, category_code: str) -> FundBudgetLine | None:
    """The budget's line for a category, if it has one."""
    return session.exec(_LINE, params={"budget": budget_id, "code": category_code}).first()


def _numbering(session: Session, unit_id: uuid.UUID, fiscal_year: int, voucher_no: str | None) -> int:
    """The next entry number, refusing a voucher number given by hand that the year already has (409
    ``funds_voucher_taken``), in one statement. A generated number is checked by the unique constraint
    when the entry is flushed (:func:`api.services.funds.ledger._write`)."""
    last, taken = session.execute(
        _NUMBERING, {"unit": unit_id, "year": fiscal_year, "voucher": voucher_no}
    ).one()
    if taken is not None:
        raise Conflict("funds_voucher_taken", voucher_no=voucher_no)
    return int(last or 0) + 1
