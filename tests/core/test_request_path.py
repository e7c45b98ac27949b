"""The request path: thread pool, connection pool and dropped connections (api/deps.py, api/routing.py,
api/db/session.py)."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import World
from fastapi import FastAPI
from fastapi.testclient import TestClient
from members.factories import payload as member_payload

from api.config import Settings
from api.db import migrate
from api.db.session import Database, make_engine
from api.main import create_app
from api.routing import Route, in_threadpool


def test_sqlite_checkout_never_waits(tmp_path: Path):
    """Read requests load the caller on the event loop: a checkout that waited for a free connection
    would stall the loop and with it the requests that would return one. More connections than the
    pool keeps are opened for the peak instead."""
    engine = make_engine(f"sqlite:///{tmp_path / 'pool.db'}", pool_size=2, max_overflow=0, pool_timeout=0.1)
    held = [engine.connect() for _ in range(6)]  # would raise TimeoutError after 0.1 s with a bounded pool
    assert all(c.exec_driver_sql("select 1").scalar() == 1 for c in held)
    for c in held:
        c.close()
    assert engine.pool.checkedout() == 0
    engine.dispose()


def test_postgres_pool_defaults_cover_the_thread_pool():
    engine = make_engine("postgresql+psycopg://u:p@127.0.0.1:1/none")
    assert engine.pool.size() == 40  # one connection per thread-pool worker: no per-request connects
    engine.dispose()


def test_def_endpoint_runs_in_a_worker_thread_once():
    """api.routing.Route: a def endpoint still leaves the event loop (its database work must not block
    it), and FastAPI sees a coroutine, so it validates the response on the loop (no second hop)."""
    loop_thread: list[int] = []
    seen: list[int] = []

    app = FastAPI()
    app.router.route_class = Route

    @app.get("/loop")
    async def on_loop() -> None:
        loop_thread.append(threading.get_ident())

    @app.get("/x/{n}")
    def endpoint(n: int) -> dict[str, int]:
        seen.append(threading.get_ident())
        return {"n": n}

    route = next(r for r in app.routes if getattr(r, "path", "") == "/x/{n}")
    assert asyncio.iscoroutinefunction(route.endpoint)
    assert route.endpoint.__wrapped__.__name__ == "endpoint"
    with TestClient(app) as client:
        client.get("/loop")
        assert client.get("/x/3").json() == {"n": 3}
        assert client.get("/x/oops").status_code == 422  # parameters still come from the def's signature
    assert seen and seen[0] != loop_thread[0]


def test_async_and_generator_endpoints_are_left_alone():
    async def coro() -> None: ...

    def gen():
        yield 1

    def plain() -> None: ...

    assert in_threadpool(coro) is coro
    assert in_threadpool(gen) is gen
    assert asyncio.iscoroutinefunction(in_threadpool(plain))


def test_postgres_checkout_sends_no_ping():
    """No pre-ping round trip per checkout (issue 16): a dropped connection is handled when used."""
    engine = make_engine("postgresql+psycopg://u:p@127.0.0.1:1/none")
    assert engine.pool._pre_ping is False
    engine.dispose()


@pytest.mark.postgres_only
def test_a_connection_the_server_dropped_is_replaced_without_failing_the_request(
    fresh_database_url: Callable[[str], str], settings: Settings, password_hash: str
):
    """The server ends every pooled connection (a restart, a failover, an idle timeout): the next
    request's first statement fails on its dead connection, the pool discards it, and the caller is
    loaded again on a fresh connection, so the request still answers 200."""
    url = fresh_database_url("dropped_connection")
    migrate.upgrade(url)
    engine = make_engine(url, pool_size=2, max_overflow=0)
    db = Database(engine)
    world = World(db, settings, password_hash)
    headers = world.as_role("auditor", "ROOT")
    member_path = "/api/v1/members?limit=5"
    app = create_app(settings, database=db)
    admin = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with TestClient(app) as client:
            assert client.get(member_path, headers=headers).status_code == 200
            assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
            with admin.connect() as conn:
                killed = conn.execute(
                    sa.text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                ).scalar_one()
            assert killed >= 1
            for _ in range(3):  # each pooled connection was dropped: every one is replaced
                response = client.get("/api/v1/auth/me", headers=headers)
                assert response.status_code == 200, response.text
            assert client.get(member_path, headers=headers).status_code == 200
    finally:
        admin.dispose()
        engine.dispose()


@pytest.fixture
def real_app(
    fresh_database_url: Callable[[str], str], settings: Settings, password_hash: str
) -> Iterator[Any]:
    """An app on its own migrated database through a real engine (not the suite's rollback-per-test
    connection), with a World on it, and the statements each request ran with the transaction state
    the connection was in right after each: (SQL, psycopg TransactionStatus)."""
    url = fresh_database_url("request_path")
    migrate.upgrade(url)
    engine = make_engine(url, pool_size=2, max_overflow=0)
    db = Database(engine)
    seen: list[tuple[str, int]] = []

    @sa.event.listens_for(engine, "after_cursor_execute")
    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append((statement, int(conn.connection.dbapi_connection.info.transaction_status)))

    world = World(db, settings, password_hash)
    with TestClient(create_app(settings, database=db)) as client:
        yield client, world, seen
    engine.dispose()


IDLE, INTRANS = 0, 2  # psycopg.pq.TransactionStatus


@pytest.mark.postgres_only
def test_get_requests_on_postgres_run_without_begin_and_rollback(real_app: Any):
    """A read request's SELECTs run in autocommit (no BEGIN/ROLLBACK round trips): at READ COMMITTED
    each statement sees the latest committed data either way, so nothing a reader sees changes."""
    client, world, seen = real_app
    officer = world.as_role("officer", "U01")
    created = client.post("/api/v1/members", json=member_payload(world, "U01-B01"), headers=officer)
    assert created.status_code == 201, created.text
    auditor = world.as_role("auditor", "ROOT")
    seen.clear()
    r = client.get(f"/api/v1/members/{created.json()['id']}", headers=auditor)
    assert r.status_code == 200 and r.headers["ETag"] == '"1"'
    selects = [s for s, status in seen if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2, seen  # the caller with grants; the member with its tags and scope
    assert all(status == IDLE for _, status in seen), seen


@pytest.mark.postgres_only
def test_a_get_that_writes_opens_its_transaction_before_the_first_write(real_app: Any):
    """The full resident ID is an audited GET: its audit record is written inside a transaction that
    BEGINs just before the write, and is committed before the value is returned."""
    client, world, seen = real_app
    officer = world.as_role("officer", "U01")
    created = client.post("/api/v1/members", json=member_payload(world, "U01-B01"), headers=officer)
    member_id = created.json()["id"]
    seen.clear()
    r = client.get(f"/api/v1/members/{member_id}/national-id", headers=officer)
    assert r.status_code == 200, r.text
    writes = [(s, status) for s, status in seen if s.lstrip().upper().startswith("INSERT")]
    assert writes and all(status == INTRANS for _, status in writes), seen
    with world.db.read_session() as s:
        audited = s.execute(
            sa.text("SELECT count(*) FROM audit_event WHERE entity_id = :id AND action LIKE '%national%'"),
            {"id": uuid.UUID(member_id)},
        ).scalar_one()
    assert audited == 1
