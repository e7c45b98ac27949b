"""The hot member reads and the caller's load as driver statements on PostgreSQL (api/db/driver.py,
issue 16): the rows equal SQLAlchemy's, a listener makes them run through SQLAlchemy again, and a
dropped connection is handled as for any statement."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.config import Settings
from api.db import migrate
from api.db.driver import DriverQuery
from api.db.session import Database, make_engine
from api.deps import _PRINCIPAL, _PRINCIPAL_QUERY
from api.main import create_app
from api.services.members import reading
from api.services.scope import SCOPE_ROOTS

BASE = "/api/v1/members"


def _sqlalchemy_rows(session, stmt, params) -> list[dict]:
    return [r._asdict() for r in session.connection().execute(stmt, params)]


def test_driver_rows_equal_sqlalchemy_rows(session, world, new_member):
    """Same columns, same values, same types: UUIDs, dates, UTC-aware timestamps, tags (both engines;
    on SQLite DriverQuery is Connection.execute)."""
    new_member(tags=["女职工", "劳模"], email="zhang.san@example.com")
    new_member(unit="U01-B02")
    root = world.units["ROOT"].id
    params = {SCOPE_ROOTS: [root], "n": 10}
    page = reading._PAGE_FIRST_QUERY.dicts(session, params, params)
    assert len(page) == 2
    assert page == _sqlalchemy_rows(session, reading._PAGE_FIRST, params)
    for m in page:
        assert m["created_at"].tzinfo is not None and m["created_at"].utcoffset() == UTC.utcoffset(None)
        assert isinstance(m["id"], uuid.UUID)
    by_id = {"member_id": page[0]["id"], SCOPE_ROOTS: [root]}
    assert reading._VIEW_ROW_QUERY.dicts(session, by_id, by_id) == _sqlalchemy_rows(
        session, reading._VIEW_ROW_IN_SCOPE, by_id
    )
    # outside the roots: no row (the scope check is in the statement)
    elsewhere = {"member_id": page[0]["id"], SCOPE_ROOTS: [world.units["U02"].id]}
    assert reading._VIEW_ROW_QUERY.dicts(session, elsewhere, elsewhere) == []
    world.as_role("auditor", "ROOT")
    caller = {"user_id": world.users["auditor.root"].id, "sid": None}
    rows = _PRINCIPAL_QUERY.all(session, caller, caller)
    assert [r._asdict() for r in rows] == _sqlalchemy_rows(session, _PRINCIPAL, caller)
    assert rows[0].username and rows[0].role == "auditor"


def test_a_statement_with_an_expanding_parameter_is_refused(session):
    query = DriverQuery(reading._VIEW_ROW_IN_SCOPE, postgresql=reading._VIEW_ROW_IN_SCOPE)
    if session.connection().dialect.name != "postgresql":
        pytest.skip("SQLite runs the statement through SQLAlchemy")
    with pytest.raises(ValueError, match="expanding"):
        query.dicts(session, {}, {"member_id": uuid.uuid4(), SCOPE_ROOTS: [uuid.uuid4()]})


@pytest.mark.postgres_only
def test_on_postgresql_the_reads_run_as_driver_statements(client, world, new_member, session):
    """The by-id and page reads run the driver form of their statements (roots as one array, ``= ANY``),
    not SQLAlchemy's expanding ``IN``: recorded by a psycopg cursor class on the suite's one connection,
    which every request of a test uses."""
    import psycopg

    executed: list[str] = []

    class Recording(psycopg.Cursor):
        def execute(self, query, params=None, **kw):  # type: ignore[override]
            executed.append(str(query))
            return super().execute(query, params, **kw)

    member = new_member()
    auditor = world.as_role("auditor", "ROOT")
    raw = session.connection().connection.dbapi_connection
    previous = raw.cursor_factory
    raw.cursor_factory = Recording
    try:
        assert client.get(f"{BASE}/{member['id']}", headers=auditor).status_code == 200
        assert client.get(f"{BASE}?limit=5", headers=auditor).status_code == 200
    finally:
        raw.cursor_factory = previous
    reads = [q for q in executed if "FROM member" in q]
    assert len(reads) == 2 and all("= ANY" in q for q in reads), executed
    assert any("FROM app_user" in q for q in executed), executed


@pytest.mark.postgres_only
def test_a_listener_sees_every_statement_again(client, world, new_member, engine):
    """OpenTelemetry's SQLAlchemy instrumentation or a test counting statements listens to cursor
    events: with one registered, the hot statements run through SQLAlchemy, so it sees them."""
    member = new_member()
    seen: list[str] = []

    def listener(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    sa.event.listen(engine, "after_cursor_execute", listener)
    try:
        r = client.get(f"{BASE}/{member['id']}", headers=world.as_role("auditor", "ROOT"))
    finally:
        sa.event.remove(engine, "after_cursor_execute", listener)
    assert r.status_code == 200
    assert any("FROM member" in s for s in seen) and any("FROM app_user" in s for s in seen), seen


@pytest.mark.postgres_only
def test_a_dropped_connection_on_a_driver_statement_is_replaced(
    fresh_database_url: Callable[[str], str], settings: Settings, make_world: Callable[[Database], Any]
):
    """The server ends the pooled connections; the next by-id and page reads (driver statements from
    their first statement on) still answer 200: the error is SQLAlchemy's, the connection invalidated,
    and the caller loaded again on a fresh one."""
    url = fresh_database_url("driver_dropped")
    migrate.upgrade(url)
    engine = make_engine(url, pool_size=2, max_overflow=0)
    db = Database(engine)
    world = make_world(db)
    headers = world.as_role("auditor", "ROOT")
    admin = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with TestClient(create_app(settings, database=db)) as client:
            assert client.get(f"{BASE}?limit=5", headers=headers).status_code == 200
            with admin.connect() as conn:
                conn.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
            for _ in range(3):
                r = client.get(f"{BASE}?limit=5", headers=headers)
                assert r.status_code == 200, r.text
        # the driver statement itself meets the dead connection: SQLAlchemy's error, connection invalidated
        caller = {"user_id": world.users["auditor.root"].id, "sid": None}
        with db.read_session() as s:
            pid = s.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
            with admin.connect() as conn:
                conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            with pytest.raises(sa.exc.DBAPIError) as failed:
                _PRINCIPAL_QUERY.all(s, caller, caller)
            assert failed.value.connection_invalidated
    finally:
        admin.dispose()
        engine.dispose()
