"""Engines and sessions.

SQLite (the embedded default) runs in WAL mode with foreign keys on. pysqlite's own transaction
handling is switched off so that SQLAlchemy emits BEGIN itself: this makes SAVEPOINT work (the test
suite relies on it) and lets write requests take the write lock up front with ``BEGIN IMMEDIATE``,
instead of failing with "database is locked" when a read transaction tries to upgrade.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from api.db.driver import IGNORED_LISTENERS


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN (see do_begin below)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    immediate = conn.get_execution_options().get("sqlite_immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def ensure_sqlite_dir(url: str) -> None:
    """Create the folder of an embedded SQLite database file (``var/`` on a fresh checkout)."""
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        ensure_sqlite_dir(url)
        if ":memory:" not in url and "mode=memory" not in url:
            # Never make a checkout wait: read requests load the caller on the event loop (api/deps.py),
            # and a wait for a free connection there would stall the loop, and with it the requests
            # that would return one. An embedded connection is a file handle; beyond the pool, extra
            # ones are opened for the peak and closed after.
            kwargs.setdefault("pool_size", 40)
            kwargs["max_overflow"] = -1
        else:
            kwargs.pop("pool_size", None)
            kwargs.pop("max_overflow", None)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # No pre-ping: it is one more round trip on every checkout (docs/benchmarks.md, peer). A connection
    # the server dropped fails on its first statement instead; SQLAlchemy then discards it and every
    # connection opened before it, the request's first statement (loading the caller) is retried once
    # on a fresh connection (api/deps.py, get_principal), and otherwise the request ends in
    # 503 database_unavailable with Retry-After (api/errors.py).
    kwargs.setdefault("pool_pre_ping", False)
    kwargs.setdefault("pool_size", 40)
    kwargs.setdefault("max_overflow", 20)
    return sa.create_engine(url, **kwargs)


#: execution option of the sessions GET requests use on PostgreSQL (see Database.request_read_session)
LAZY_BEGIN = "gonghui_lazy_begin"


def _begin_before_first_write(
    conn: sa.Connection, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> tuple[str, Any]:
    """On a lazy-begin connection (autocommit), open a transaction before the first statement that is
    not a plain SELECT, so a read request that writes (an audited read) still commits all or nothing."""
    if not conn.get_execution_options().get(LAZY_BEGIN):
        return statement, parameters
    head = statement.lstrip()[:6].upper()
    if head == "SELECT" and "FOR UPDATE" not in statement.upper():
        return statement, parameters
    dbapi = conn.connection.dbapi_connection
    if dbapi is not None and dbapi.info.transaction_status == _PG_IDLE:
        dbapi.execute("BEGIN")
    return statement, parameters


# registered unwrapped (retval=True) so the driver path can tell it from other listeners: it acts on
# writes only, and driver statements are plain SELECTs (api/db/driver.py)
IGNORED_LISTENERS.add(_begin_before_first_write)


_PG_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE


class Database:
    """The engine plus two session factories: one for reads, one for requests that write."""

    def __init__(self, bind: Engine | sa.Connection, *, session_kwargs: dict[str, Any] | None = None):
        # ``bind`` is an Engine in the service; the test suite passes one Connection whose outer
        # transaction it rolls back after each test (sessions then commit to savepoints).
        self.bind = bind
        self.engine = bind if isinstance(bind, Engine) else bind.engine
        kw: dict[str, Any] = {"class_": Session, "expire_on_commit": False, **(session_kwargs or {})}
        self.read_session = sessionmaker(bind=bind, **kw)
        writer = bind
        if isinstance(bind, Engine) and bind.dialect.name == "sqlite":
            writer = bind.execution_options(sqlite_immediate=True)
        self.write_session = sessionmaker(bind=writer, **kw)
        # GET requests on PostgreSQL: autocommit, so no BEGIN and no ROLLBACK round trip around their
        # SELECTs. At READ COMMITTED (PostgreSQL's default) every statement sees its own snapshot
        # inside a transaction too, so reads see exactly what they saw before; a GET that writes
        # gets its BEGIN before its first write (_begin_before_first_write) and commits as before.
        # SQLite keeps its BEGIN: there a transaction is one snapshot for all its reads, and the
        # pair costs no round trip. Test connections (the suite's rollback-per-test) keep theirs.
        self.request_read_session = self.read_session
        if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
            lazy = bind.execution_options(isolation_level="AUTOCOMMIT", **{LAZY_BEGIN: True})
            if not event.contains(bind, "before_cursor_execute", _begin_before_first_write):
                event.listen(bind, "before_cursor_execute", _begin_before_first_write, retval=True)
            self.request_read_session = sessionmaker(bind=lazy, **kw)

    #: whether GET requests run their short database calls on the event loop (api/deps.py, db_call):
    #: SQLite only, and only when GONGHUI_SQLITE_INLINE_READS is on (api.main sets it from Settings)
    inline_reads: bool = False

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name
