"""The running totals (``fund_total``) equal the ledger's sums, for random postings and reversals across
a year that gets closed (hypothesis).

Each example books into a union of its own through the services: random income, expenses (some
refused for lack of money) and reversals in one year; the year's final accounts are drafted, approved
and accepted (closed); a posting into the closed year is refused and changes nothing; then random
postings and reversals (of either year's entries) in the next year. After every step the totals of
the unit must equal SUM and COUNT over its ledger entries per year and category, with their kind and
top category.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import date

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.config import Settings
from api.db.models import FundLedgerEntry, FundTotal
from api.errors import Conflict
from api.schemas.funds import (
    ApproveIn,
    BudgetCreate,
    BudgetLineIn,
    ChartCreate,
    FinalCreate,
    ReversalIn,
    ReviewDecision,
    ReviewIn,
)
from api.services.funds import budgets, charts, final, ledger
from funds.factories import flag_accounting
from funds.test_funds_report_totals import _principal

YEAR = 2027
EXPENSES = {"activities.culture_sports": 50_000, "rights.hardship_aid": 30_000, "business.meetings": 20_000}
INCOMES = {"income.dues": 40_000, "income.other": 10_000}
_units = itertools.count(1)

operation = st.one_of(
    st.tuples(st.just("expense"), st.sampled_from(sorted(EXPENSES)), st.integers(1, 30_000)),
    st.tuples(st.just("income"), st.sampled_from(sorted(INCOMES)), st.integers(1, 30_000)),
    st.tuples(st.just("reverse"), st.integers(0, 50), st.just(0)),
)


def _ledger_sums(session, unit_id: uuid.UUID) -> dict[tuple[int, str], tuple[str, str, int, int]]:
    e = FundLedgerEntry
    rows = session.execute(
        sa.select(
            e.fiscal_year, e.category_code, e.kind, e.root_code, sa.func.sum(e.amount_fen), sa.func.count()
        )
        .where(e.org_unit_id == unit_id)
        .group_by(e.fiscal_year, e.category_code, e.kind, e.root_code)
    ).all()
    out = {(y, c): (k, r, int(s), int(n)) for y, c, k, r, s, n in rows}
    assert len(out) == len(rows), "one kind and top category per year and category"
    return out


def _totals(session, unit_id: uuid.UUID) -> dict[tuple[int, str], tuple[str, str, int, int]]:
    t = FundTotal
    rows = session.execute(
        sa.select(t.fiscal_year, t.category_code, t.kind, t.root_code, t.amount_fen, t.entries).where(
            t.org_unit_id == unit_id
        )
    ).all()
    return {(y, c): (k, r, int(s), int(n)) for y, c, k, r, s, n in rows}


@pytest.fixture
def year_clock(monkeypatch: pytest.MonkeyPatch) -> list[date]:
    from api.services.funds import common

    day = [date(YEAR, 6, 1)]
    monkeypatch.setattr(common, "today", lambda: day[0])
    return day


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.lists(operation, min_size=1, max_size=15), second=st.lists(operation, max_size=15))
def test_running_totals_equal_ledger_sums_across_a_closed_year(world, session, year_clock, first, second):
    year_clock[0] = date(YEAR, 6, 1)
    treasurer = _principal(world, "treasurer", "budgets.draft")
    chair = _principal(world, "chair", "budgets.approve")
    auditor = _principal(world, "auditor", "budgets.review")
    code = f"T{next(_units):04d}-{uuid.uuid4().hex[:6]}"
    unit = world.unit(code, "grassroots", "ROOT")
    flag_accounting(world, code)
    cfg = Settings(database_url="sqlite://", funds_decision_threshold_fen=10**9)
    chart = charts.create(
        session, ChartCreate(org_unit_id=unit.id, template="national-6"), settings=cfg, by=treasurer
    )
    lines = [BudgetLineIn(category_code=c, amount_fen=a) for c, a in {**EXPENSES, **INCOMES}.items()]
    for year in (YEAR, YEAR + 1):
        budget = budgets.create(
            session,
            BudgetCreate(org_unit_id=unit.id, fiscal_year=year, chart_id=chart.id, lines=lines),
            by=treasurer,
        )
        budgets.approve(
            session, budget, ApproveIn(meeting_on=date(2026, 12, 1), minute_ref="m"), version=1, by=chair
        )
        budgets.review(
            session, budget, ReviewIn(decision=ReviewDecision.accept, opinion="ok"), version=2, by=auditor
        )
    posted: list[FundLedgerEntry] = []

    def play(ops, year: int) -> None:
        for kind, target, amount in ops:
            common = {
                "unit_id": unit.id,
                "amount_fen": amount,
                "entry_on": date(year, 6, 1),
                "counterparty": "x",
                "description": "x",
                "by": treasurer,
            }
            if kind == "expense":
                try:
                    entry = ledger.post_expense(session, category_code=str(target), settings=cfg, **common)
                except Conflict as exc:
                    assert exc.code == "budget_line_insufficient"
                    session.rollback()
                    assert _totals(session, unit.id) == _ledger_sums(session, unit.id)
                    continue
            elif kind == "income":
                entry = ledger.post_income(session, category_code=str(target), **common)
            else:
                reversed_ids = {e.reverses_id for e in posted}
                open_entries = [e for e in posted if e.id not in reversed_ids and e.reverses_id is None]
                if not open_entries:
                    continue
                original = open_entries[int(target) % len(open_entries)]
                entry = ledger.reverse(
                    session, original, ReversalIn(reason="r", entry_on=date(year, 7, 1)), by=treasurer
                )
            session.commit()
            posted.append(entry)
            assert _totals(session, unit.id) == _ledger_sums(session, unit.id)

    play(first, YEAR)

    # close the year: final accounts drafted from the totals, approved, accepted
    year_clock[0] = date(YEAR + 1, 1, 10)
    account = final.create(session, FinalCreate(org_unit_id=unit.id, fiscal_year=YEAR), by=treasurer)
    sums = _ledger_sums(session, unit.id)
    assert account.figures["entries"] == sum(n for (y, _), (*_, n) in sums.items() if y == YEAR)
    account = final.approve(
        session, account, ApproveIn(meeting_on=date(YEAR + 1, 1, 9), minute_ref="m"), version=1, by=chair
    )
    final.review(
        session, account, ReviewIn(decision=ReviewDecision.accept, opinion="ok"), version=2, by=auditor
    )
    before = _totals(session, unit.id)
    with pytest.raises(Conflict) as refused:
        ledger.post_income(
            session,
            unit_id=unit.id,
            category_code="income.dues",
            amount_fen=1,
            entry_on=date(YEAR, 12, 31),
            counterparty="x",
            description="x",
            by=treasurer,
        )
    assert refused.value.code == "fiscal_year_closed"
    session.rollback()
    assert _totals(session, unit.id) == before == _ledger_sums(session, unit.id)

    play(second, YEAR + 1)
    assert _totals(session, unit.id) == _ledger_sums(session, unit.id)
