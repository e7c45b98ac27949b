"""The race for the last remainder, with real concurrent transactions on a real database (SQLite and
PostgreSQL): exactly one of two expenses competing for a line's last money succeeds (docs/rules.md §5:
no spending outside the approved budget)."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import date

import pytest
from sqlmodel import func, select

from api.config import Settings
from api.db import migrate
from api.db.models import FundLedgerEntry, OrgUnit, User
from api.db.session import Database, make_engine
from api.errors import Conflict
from api.schemas.funds import ApproveIn, BudgetCreate, BudgetLineIn, ChartCreate, ReviewDecision, ReviewIn
from api.security.permissions import Role
from api.security.principal import GrantRef, Principal
from api.services.funds import budgets, charts, ledger
from api.services.org_units import insert_unit

LINE = "activities.culture_sports"
BUDGET_FEN = 100_000


def _principal(db: Database, unit: OrgUnit, role: Role, name: str) -> Principal:
    with db.write_session() as s:
        user = User(username=name, display_name=name, kind="human", password_hash="x", org_unit_id=unit.id)
        s.add(user)
        s.commit()
        return Principal(
            user_id=user.id,
            username=name,
            kind="human",
            org_unit_id=unit.id,
            member_id=None,
            grants=(GrantRef(role, unit.id),),
            permission={Role.treasurer: "ledger.post", Role.chair: "budgets.approve"}.get(
                role, "budgets.review"
            ),
        )


@pytest.fixture
def books(fresh_database_url):
    """A fresh database (not the rolled-back test transaction): a union with a budget in force."""
    url = fresh_database_url("fundsrace")
    migrate.upgrade(url)
    engine = make_engine(url)
    db = Database(engine)
    with db.write_session() as s:
        unit = OrgUnit(code="U", name="U", kind="grassroots", depth=0, independent_accounting=True)
        insert_unit(s, unit, None)
        s.commit()
    treasurer = _principal(db, unit, Role.treasurer, "t")
    chair = _principal(db, unit, Role.chair, "c")
    auditor = _principal(db, unit, Role.auditor, "a")
    settings = Settings(database_url=url)
    with db.write_session() as s:
        chart = charts.create(
            s, ChartCreate(org_unit_id=unit.id, template="national-6"), settings=settings, by=treasurer
        )
        budget = budgets.create(
            s,
            BudgetCreate(
                org_unit_id=unit.id,
                fiscal_year=2027,
                chart_id=chart.id,
                lines=[BudgetLineIn(category_code=LINE, amount_fen=BUDGET_FEN)],
            ),
            by=treasurer,
        )
        budgets.approve(
            s, budget, ApproveIn(meeting_on=date(2026, 12, 1), minute_ref="m"), version=1, by=chair
        )
        budgets.review(
            s, budget, ReviewIn(decision=ReviewDecision.accept, opinion="ok"), version=2, by=auditor
        )
    yield db, unit, treasurer, settings
    engine.dispose()


def _post(
    db: Database, unit: OrgUnit, by: Principal, settings: Settings, amount: int, hold: float = 0.0
) -> str:
    """One request's transaction: post, optionally hold the transaction open, commit."""
    with db.write_session() as s:
        try:
            ledger.post_expense(
                s,
                unit_id=unit.id,
                category_code=LINE,
                amount_fen=amount,
                entry_on=date(2027, 5, 1),
                counterparty="shop",
                description="race",
                by=by,
                settings=settings,
            )
        except Conflict as exc:
            return exc.code
        time.sleep(hold)
        s.commit()
        return "posted"


def _spent(db: Database, unit: OrgUnit) -> int:
    with db.read_session() as s:
        return int(
            s.execute(
                select(func.coalesce(func.sum(FundLedgerEntry.amount_fen), 0)).where(
                    FundLedgerEntry.org_unit_id == unit.id
                )
            ).scalar_one()
        )


def test_two_expenses_racing_for_the_last_remainder_one_wins(books):
    """The first transaction holds the line (lock) while the second tries: the second waits for the
    first to commit, then sees the remainder gone and is refused."""
    db, unit, treasurer, settings = books
    results: dict[str, str] = {}
    first_posted = threading.Event()

    def first() -> None:
        with db.write_session() as s:
            ledger.post_expense(
                s,
                unit_id=unit.id,
                category_code=LINE,
                amount_fen=BUDGET_FEN,
                entry_on=date(2027, 5, 1),
                counterparty="shop",
                description="first",
                by=treasurer,
                settings=settings,
            )
            first_posted.set()
            time.sleep(0.4)  # the second transaction runs now, against an uncommitted first
            s.commit()
        results["first"] = "posted"

    def second() -> None:
        first_posted.wait(10)
        started = time.monotonic()
        results["second"] = _post(db, unit, treasurer, settings, BUDGET_FEN)
        results["waited"] = f"{time.monotonic() - started:.2f}"

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results["first"] == "posted"
    assert results["second"] == "budget_line_insufficient"
    assert float(results["waited"]) >= 0.2, "the second transaction did not wait for the first one's lock"
    assert _spent(db, unit) == BUDGET_FEN


def test_many_concurrent_expenses_never_overspend(books):
    """Six transactions released together, each wanting 40% of the line: exactly two are posted."""
    db, unit, treasurer, settings = books
    barrier = threading.Barrier(6)
    results: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait(10)
        outcome = _post(db, unit, treasurer, settings, BUDGET_FEN * 2 // 5, hold=0.05)
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == ["budget_line_insufficient"] * 4 + ["posted"] * 2
    assert _spent(db, unit) == 2 * (BUDGET_FEN * 2 // 5)


def test_post_expenses_is_all_or_nothing(books):
    """A batch whose lines lack money together writes nothing and names every shortfall."""
    db, unit, treasurer, settings = books
    drafts = [
        ledger.ExpenseDraft(
            unit_id=unit.id,
            category_code=LINE,
            amount_fen=60_000,
            entry_on=date(2027, 5, 1),
            counterparty="p",
            description=str(uuid.uuid4()),
        )
        for _ in range(2)
    ]
    with db.write_session() as s, pytest.raises(Conflict) as caught:
        ledger.post_expenses(s, drafts, by=treasurer, settings=settings)
    assert caught.value.code == "budget_line_insufficient"
    assert caught.value.params["shortfalls"] == [
        {"category_code": LINE, "needed_fen": 120_000, "remainder_fen": BUDGET_FEN}
    ]
    assert _spent(db, unit) == 0
    with db.write_session() as s:
        posted = ledger.post_expenses(s, drafts[:1], by=treasurer, settings=settings)
        s.commit()
    assert len(posted) == 1 and _spent(db, unit) == 60_000
