"""Report totals equal the ledger's sums, for random postings and reversals (hypothesis).

Each example books into a union of its own (a new accounting unit under ROOT), through the services,
with expenses that may be refused for lack of money and reversals of random earlier entries. The
budget-vs-actual report (the unit's and ROOT's consolidated one) must then agree with a model of what
was posted and with plain SUMs over the ledger, and no controlled line may be overspent.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import date

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.config import Settings
from api.db.models import FundLedgerEntry
from api.errors import Conflict
from api.schemas.funds import (
    ApproveIn,
    BudgetCreate,
    BudgetLineIn,
    ChartCreate,
    ReversalIn,
    ReviewDecision,
    ReviewIn,
)
from api.security.permissions import Role
from api.security.principal import GrantRef, Principal
from api.services.funds import budgets, charts, ledger, reports
from funds.factories import flag_accounting

YEAR = 2027
EXPENSES = {"activities.culture_sports": 50_000, "rights.hardship_aid": 30_000, "business.meetings": 20_000}
INCOMES = {"income.dues": 40_000, "income.other": 10_000}
_units = itertools.count(1)

operation = st.one_of(
    st.tuples(st.just("expense"), st.sampled_from(sorted(EXPENSES)), st.integers(1, 30_000)),
    st.tuples(st.just("income"), st.sampled_from(sorted(INCOMES)), st.integers(1, 30_000)),
    st.tuples(st.just("reverse"), st.integers(0, 50), st.just(0)),
)


def _principal(world, role: str, permission: str) -> Principal:
    user = world.users.get(f"{role}.root") or world.user(f"{role}.root", (role, "ROOT"))
    unit = world.units["ROOT"].id
    return Principal(
        user_id=user.id,
        username=user.username,
        kind="human",
        org_unit_id=unit,
        member_id=None,
        grants=(GrantRef(Role(role), unit),),
        permission=permission,
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, min_size=1, max_size=25))
def test_report_totals_equal_ledger_sums(world, session, ops):
    treasurer = _principal(world, "treasurer", "budgets.draft")
    chair = _principal(world, "chair", "budgets.approve")
    auditor = _principal(world, "auditor", "budgets.review")
    reader = _principal(world, "auditor", "ledger.read")
    code = f"H{next(_units):04d}-{uuid.uuid4().hex[:6]}"
    unit = world.unit(code, "grassroots", "ROOT")
    flag_accounting(world, code)
    cfg = Settings(database_url="sqlite://", funds_decision_threshold_fen=10**9)
    chart = charts.create(
        session, ChartCreate(org_unit_id=unit.id, template="national-6"), settings=cfg, by=treasurer
    )
    lines = [BudgetLineIn(category_code=c, amount_fen=a) for c, a in {**EXPENSES, **INCOMES}.items()]
    budget = budgets.create(
        session,
        BudgetCreate(org_unit_id=unit.id, fiscal_year=YEAR, chart_id=chart.id, lines=lines),
        by=treasurer,
    )
    budgets.approve(
        session, budget, ApproveIn(meeting_on=date(2026, 12, 1), minute_ref="m"), version=1, by=chair
    )
    budgets.review(
        session, budget, ReviewIn(decision=ReviewDecision.accept, opinion="ok"), version=2, by=auditor
    )

    model: dict[str, int] = {}
    posted: list[FundLedgerEntry] = []
    reversed_ids: set[uuid.UUID] = set()
    for kind, target, amount in ops:
        common = {
            "unit_id": unit.id,
            "amount_fen": amount,
            "entry_on": date(YEAR, 6, 1),
            "counterparty": "x",
            "description": "x",
            "by": treasurer,
        }
        if kind == "expense":
            try:
                entry = ledger.post_expense(session, category_code=str(target), settings=cfg, **common)
            except Conflict as exc:
                assert exc.code == "budget_line_insufficient"
                assert exc.params["remainder_fen"] < amount
                session.rollback()
                continue
        elif kind == "income":
            entry = ledger.post_income(session, category_code=str(target), **common)
        else:
            open_entries = [e for e in posted if e.id not in reversed_ids and e.reverses_id is None]
            if not open_entries:
                continue
            original = open_entries[int(target) % len(open_entries)]
            entry = ledger.reverse(
                session, original, ReversalIn(reason="r", entry_on=date(YEAR, 7, 1)), by=treasurer
            )
            reversed_ids.add(original.id)
        session.commit()
        posted.append(entry)
        model[entry.category_code] = model.get(entry.category_code, 0) + entry.amount_fen

    report = reports.budget_vs_actual(
        session, reader, org_unit_id=unit.id, fiscal_year=YEAR, consolidated=False
    )
    assert {line.category_code: line.actual_fen for line in report.lines if line.actual_fen} == {
        c: v for c, v in model.items() if v
    }
    for line in report.lines:
        if line.kind == "expense":
            assert 0 <= line.actual_fen <= line.budget_fen  # never overspent
    sums = dict(
        session.execute(
            sa.select(FundLedgerEntry.kind, sa.func.sum(FundLedgerEntry.amount_fen))
            .where(FundLedgerEntry.org_unit_id == unit.id, FundLedgerEntry.fiscal_year == YEAR)
            .group_by(FundLedgerEntry.kind)
        ).all()
    )
    assert report.income.actual_fen == int(sums.get("income") or 0)
    assert report.expense.actual_fen == int(sums.get("expense") or 0)
    assert (
        sum(c.actual_fen for c in report.categories) == report.income.actual_fen + report.expense.actual_fen
    )

    whole = reports.budget_vs_actual(
        session, reader, org_unit_id=world.units["ROOT"].id, fiscal_year=YEAR, consolidated=True
    )
    everything = dict(
        session.execute(
            sa.select(FundLedgerEntry.kind, sa.func.sum(FundLedgerEntry.amount_fen))
            .where(FundLedgerEntry.fiscal_year == YEAR)
            .group_by(FundLedgerEntry.kind)
        ).all()
    )
    assert whole.income.actual_fen == int(everything.get("income") or 0)
    assert whole.expense.actual_fen == int(everything.get("expense") or 0)
