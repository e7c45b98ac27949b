"""A database that cannot give the request a connection is overload or an outage, not a bug: 503
problem+json with Retry-After, never 500 (issue 16: under load shedding ~35 of 850 answers were 500
when PostgreSQL refused connections)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from conftest import World
from fastapi.testclient import TestClient

from api.config import Settings
from api.db import migrate
from api.db import session as db_session
from api.db.session import Database, make_engine
from api.main import create_app

PATH = "/api/v1/members?limit=5"


def _assert_503(response, code: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["Retry-After"] == "1"
    assert response.json()["code"] == code


def _one_connection_engine(url: str) -> sa.Engine:
    """The engine of ``url`` with a pool of one connection and a short wait for it."""
    if not url.startswith("sqlite"):
        return make_engine(url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    # make_engine never limits SQLite's pool (api/db/session.py); the same engine otherwise
    engine = sa.create_engine(
        url, pool_size=1, max_overflow=0, pool_timeout=0.2, connect_args={"check_same_thread": False}
    )
    sa.event.listen(engine, "connect", db_session._sqlite_pragmas)
    sa.event.listen(engine, "begin", db_session._sqlite_begin)
    return engine


def test_an_exhausted_pool_answers_503_database_busy(
    fresh_database_url: Callable[[str], str], settings: Settings, password_hash: str
):
    """Every pooled connection is in use past the pool's timeout: 503 `database_busy`, not 500."""
    url = fresh_database_url("pool_exhausted")
    migrate.upgrade(url)
    engine = _one_connection_engine(url)
    db = Database(engine)
    headers = World(db, settings, password_hash).as_role("auditor", "ROOT")
    try:
        with TestClient(create_app(settings, database=db), raise_server_exceptions=False) as client:
            assert client.get(PATH, headers=headers).status_code == 200
            with engine.connect() as held:  # the pool's only connection
                held.execute(sa.text("SELECT 1"))
                _assert_503(client.get(PATH, headers=headers), "database_busy")
            assert client.get(PATH, headers=headers).status_code == 200  # and recovers at once
    finally:
        engine.dispose()


@pytest.mark.postgres_only
def test_a_postgresql_refusing_connections_answers_503_database_unavailable(
    fresh_database_url: Callable[[str], str], settings: Settings, password_hash: str
):
    """PostgreSQL refuses the connection (here: the role's connection limit is reached, SQLSTATE 53300
    like `max_connections`; the server is the suite's real one): 503 `database_unavailable`."""
    url = fresh_database_url("refused")
    migrate.upgrade(url)
    seeded = make_engine(url)
    headers = World(Database(seeded), settings, password_hash).as_role("auditor", "ROOT")
    seeded.dispose()
    role = f"gonghui_limited_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE ROLE {role} LOGIN PASSWORD 'pw' CONNECTION LIMIT 0"))
        conn.execute(sa.text(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}"))
    limited = sa.engine.make_url(url).set(username=role, password="pw")
    engine = make_engine(limited.render_as_string(hide_password=False))
    try:
        with TestClient(create_app(settings, database=Database(engine)), raise_server_exceptions=False) as c:
            _assert_503(c.get(PATH, headers=headers), "database_unavailable")
            _assert_503(c.get("/api/v1/auth/me", headers=headers), "database_unavailable")
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP OWNED BY {role}"))
            conn.execute(sa.text(f"DROP ROLE {role}"))
        admin.dispose()
