"""Test fixtures on the real engines.

The suite runs on SQLite by default and on PostgreSQL when ``GONGHUI_TEST_DATABASE_URL`` names a
server (``scripts/test.sh`` starts a throwaway cluster). The schema comes from the Alembic
migrations, once per worker; each test then runs inside one transaction that is rolled back, the
service's commits landing on savepoints.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.config import Settings
from api.db import migrate
from api.db.models import Grant, OrgUnit, User
from api.db.session import Database, make_engine
from api.main import create_app
from api.security.passwords import hash_password
from api.security.permissions import Role
from api.security.tokens import create_access_token
from api.services.org_units import insert_unit

PG_URL = os.environ.get("GONGHUI_TEST_DATABASE_URL")
REQUIRE_PG = os.environ.get("GONGHUI_TEST_REQUIRE_POSTGRES") == "1"
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
TEST_PASSWORD = "correct-horse-battery"


def pytest_report_header(config: pytest.Config) -> str:
    return f"gonghui test database: {'postgresql' if PG_URL else 'sqlite'}"


def pytest_sessionstart(session: pytest.Session) -> None:
    if REQUIRE_PG and not (PG_URL and PG_URL.startswith("postgresql")):
        pytest.exit(
            "GONGHUI_TEST_REQUIRE_POSTGRES=1 but GONGHUI_TEST_DATABASE_URL names no PostgreSQL", returncode=3
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if PG_URL:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set GONGHUI_TEST_DATABASE_URL)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def backend() -> str:
    return "postgresql" if PG_URL else "sqlite"


def _pg_database(name: str) -> str:
    """(Re)create database ``name`` on the test server and return its URL."""
    assert PG_URL
    url = sa.engine.make_url(PG_URL)
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def fresh_database_url(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], str]:
    """Make an empty database (file or PostgreSQL database) and return its URL."""

    def make(label: str) -> str:
        if PG_URL:
            return _pg_database(f"gonghui_{label}_{WORKER}")
        return f"sqlite:///{tmp_path_factory.mktemp(label) / 'test.db'}"

    return make


@pytest.fixture(scope="session")
def database_url(fresh_database_url: Callable[[str], str]) -> str:
    url = fresh_database_url("test")
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session", autouse=True)
def private_tempdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Uploads and exports go to this session's own temp directory, not the machine's shared /tmp:
    other processes on the machine (other test runs, sweepers of stale uploads) never touch them."""
    previous = tempfile.tempdir
    tempfile.tempdir = str(tmp_path_factory.mktemp("tmp"))
    yield
    tempfile.tempdir = previous


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[sa.Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key="test-secret-key-that-is-long-enough-000",
        login_slowdown_step_seconds=0,
        log_json=True,
        log_level="WARNING",
        # each test runs in a transaction that is rolled back: a worker process would never see its rows,
        # so jobs run in-process on both engines (tests/jobs start real workers on their own databases),
        # and no sweep thread runs behind a test's back
        job_runner="inprocess",
        job_sweeps_enabled=False,
        # a full collection per test's app start-up would cost more than the suite gains
        gc_freeze=False,
    )


@pytest.fixture(scope="session")
def app(settings: Settings, engine: sa.Engine) -> Any:
    return create_app(settings, database=Database(engine))


@pytest.fixture
def connection(engine: sa.Engine) -> Iterator[sa.Connection]:
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


@pytest.fixture
def db(connection: sa.Connection) -> Database:
    return Database(connection, session_kwargs={"join_transaction_mode": "create_savepoint"})


@pytest.fixture
def client(app: Any, db: Database) -> Iterator[TestClient]:
    previous = app.state.db
    app.state.db = db
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
    app.state.db = previous


@pytest.fixture
def session(db: Database) -> Iterator[Any]:
    with db.write_session() as s:
        yield s


@pytest.fixture(scope="session")
def password_hash() -> str:
    return hash_password(TEST_PASSWORD)  # argon2 is slow on purpose: hash once per run


class World:
    """A small union tree and helpers to act as any role at any unit.

    ROOT (federation) -> U01 (grassroots) -> U01-B01, U01-B02 (branches); ROOT -> U02 -> U02-B01.
    """

    def __init__(self, db: Database, settings: Settings, password_hash: str):
        self.db = db
        self.settings = settings
        self.password_hash = password_hash
        self.units: dict[str, OrgUnit] = {}
        self.users: dict[str, User] = {}
        self.unit("ROOT", "federation", None, name="示范市总工会")
        self.unit("U01", "grassroots", "ROOT", name="第一机械厂工会委员会")
        self.unit("U01-B01", "branch", "U01", name="第一分工会")
        self.unit("U01-B02", "branch", "U01", name="第二分工会")
        self.unit("U02", "grassroots", "ROOT", name="第二纺织厂工会委员会")
        self.unit("U02-B01", "branch", "U02", name="纺织一分会")

    def unit(self, code: str, kind: str, parent: str | None, *, name: str | None = None) -> OrgUnit:
        parent_unit = self.units[parent] if parent else None
        with self.db.write_session() as s:
            unit = OrgUnit(
                code=code,
                name=name or code,
                kind=kind,
                depth=(parent_unit.depth + 1) if parent_unit else 0,
                parent_id=parent_unit.id if parent_unit else None,
            )
            insert_unit(s, unit, parent_unit)
            s.commit()
        self.units[code] = unit
        return unit

    def user(
        self,
        username: str,
        *grants: tuple[str, str],
        kind: str = "human",
        unit: str | None = None,
        member_id: uuid.UUID | None = None,
    ) -> User:
        """A user with ``grants`` as (role, unit code) pairs; home unit = first grant's unit."""
        home = unit or (grants[0][1] if grants else "ROOT")
        with self.db.write_session() as s:
            user = User(
                username=username,
                display_name=username,
                kind=kind,
                password_hash=self.password_hash,
                org_unit_id=self.units[home].id,
                member_id=member_id,
            )
            s.add(user)
            s.flush()
            for role, code in grants:
                s.add(Grant(user_id=user.id, role=Role(role).value, org_unit_id=self.units[code].id))
            s.commit()
        self.users[username] = user
        return user

    def headers(self, user: User | str, **extra: str) -> dict[str, str]:
        if isinstance(user, str):
            user = self.users[user]
        token = create_access_token(user.id, self.settings).token
        return {"Authorization": f"Bearer {token}", **extra}

    def if_match(self, model: Any, obj_id: Any) -> dict[str, str]:
        """``If-Match`` with the stored version of ``model`` ``obj_id`` (or ``"0"`` when there is none)."""
        with self.db.read_session() as s:
            obj = s.get(model, obj_id)
        return {"If-Match": f'"{obj.version if obj is not None else 0}"'}

    def as_role(self, role: str, code: str = "ROOT") -> dict[str, str]:
        """Headers for a (cached) user holding ``role`` at unit ``code``."""
        name = f"{role}.{code.lower()}"
        if name not in self.users:
            self.user(name, (role, code))
        return self.headers(name)


@pytest.fixture
def world(db: Database, settings: Settings, password_hash: str) -> World:
    return World(db, settings, password_hash)


@pytest.fixture
def make_world(settings: Settings, password_hash: str) -> Callable[[Database], World]:
    """The world on another database (committed: e.g. for worker processes, tests/jobs)."""
    return lambda db: World(db, settings, password_hash)


def etag(response: Any) -> str:
    return response.headers["ETag"]


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert body["code"] == code, body
    assert body["status"] == status
    for key in ("type", "title", "detail", "instance"):
        assert key in body
    return body


@pytest.fixture
def problem() -> Callable[..., dict[str, Any]]:
    return assert_problem
