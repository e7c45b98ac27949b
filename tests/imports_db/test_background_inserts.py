"""api.db.bulk.BackgroundInserts: inserts submitted in one transaction run before any later statement
of the session sees the table, and an insert that fails in the background is raised in the caller's
thread (on PostgreSQL the rows are copied by a background thread on the session's own connection)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from api.db.bulk import BackgroundInserts
from api.db.models import ChangeLogEntry
from api.db.types import table_of, utcnow
from api.services.changes import FEED_ROW_COLUMNS

FEED = table_of(ChangeLogEntry)


def _entries(n: int, *, entity_id: uuid.UUID | None = None) -> list[tuple[object, ...]]:
    now = utcnow()
    return [("member", entity_id or uuid.uuid4(), "created", None, 1, now) for _ in range(n)]


def _count(session) -> int:
    return session.execute(sa.select(sa.func.count()).select_from(FEED)).scalar_one()


def test_a_later_statement_sees_every_submitted_batch(session):
    with BackgroundInserts(session, [FEED]) as inserts:
        inserts.submit([(FEED, FEED_ROW_COLUMNS, _entries(300))])
        assert _count(session) == 300  # the statement waited for the batch in flight
        inserts.submit([(FEED, FEED_ROW_COLUMNS, _entries(200)), (FEED, FEED_ROW_COLUMNS, [])])
    assert _count(session) == 500


def test_a_failing_batch_is_raised_by_the_next_statement(session):
    bad = [*_entries(500), ("member", None, "created", None, 1, utcnow())]  # entity_id is NOT NULL
    with pytest.raises(Exception, match=r"(?i)null") as info, BackgroundInserts(session, [FEED]) as inserts:
        inserts.submit([(FEED, FEED_ROW_COLUMNS, bad)])
        session.execute(sa.select(1))
        raise AssertionError("the statement after a failed insert ran")
    assert not isinstance(info.value, AssertionError)
    session.rollback()


def test_the_copy_statement_does_not_interleave_with_a_commit(session, monkeypatch):
    """Committing waits for the batch in flight (``before_commit``) instead of committing around it."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite inserts at once")
    with BackgroundInserts(session, [FEED]) as inserts:
        inserts.submit([(FEED, FEED_ROW_COLUMNS, _entries(1000))])
        session.commit()  # the test's savepoint: its rows must all be there afterwards
        assert inserts._thread is None
    assert _count(session) == 1000
