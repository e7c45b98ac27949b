"""Hot reads on PostgreSQL as driver statements: a Core statement compiled once, run on the session's
psycopg cursor.

SQLAlchemy's execution layer costs 110–350 µs of CPU per statement on PostgreSQL (execution context,
cursor metadata, result rows, re-rendering an expanding ``IN``), psycopg itself 25–50 µs for the same
statement (measured in-process: loading the caller 140 vs 24 µs, a member by id 308 vs 42 µs;
docs/benchmarks.md §6). Every request loads its caller, and the member reads are the hottest routes,
so these few statements skip that layer: :class:`DriverQuery` compiles the statement once for the
connection's dialect and executes the SQL with psycopg on the same connection and transaction the
session uses. Values pass through the column types' own result processors (``UTCDateTime`` keeps its
UTC), so rows equal what ``Connection.execute`` returns (tests/members/test_member_driver_reads.py,
both engines).

What the driver path gives up, and how it is kept:

* errors: a psycopg error is handed to SQLAlchemy's own handler, which invalidates a dropped connection
  and raises the same ``DBAPIError`` (``connection_invalidated``) as any statement (the caller's retry
  and the 503 ``database_unavailable`` answer, api/deps.py and api/errors.py, work unchanged);
* events: statements run this way are not seen by cursor-execute listeners. When any
  listener other than the engine's own lazy-BEGIN hook is registered (OpenTelemetry's SQLAlchemy
  instrumentation, a test counting statements), the statement runs through SQLAlchemy as before;
* other engines: SQLite keeps ``Connection.execute`` (its execution layer is in-process and the 1.25x
  target is met there without this).

Only for statements measured on a hot path; everything else uses the ORM or Core as usual.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import Session

#: listeners the driver path may ignore (api/db/session.py registers the lazy-BEGIN hook, which acts on
#: writes only; every statement run here is a plain SELECT)
IGNORED_LISTENERS: set[Callable[..., Any]] = set()

Processor = Callable[[Any], Any] | None


class _Compiled:
    __slots__ = ("binds", "keys", "processors", "row", "sql")

    def __init__(self, stmt: sa.Select[Any], dialect: Dialect):
        compiled = stmt.compile(dialect=dialect)
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise ValueError("a driver statement cannot have expanding parameters (use = ANY(array))")
        self.sql = compiled.string
        self.binds: dict[str, Callable[[Any], Any]] = {
            name: cast(Callable[[Any], Any], processor)
            for name, processor in (compiled._bind_processors or {}).items()
            if processor
        }
        cols = compiled._result_columns
        self.processors: tuple[Processor, ...] | None = tuple(
            c.type._cached_result_processor(dialect, None) for c in cols
        )
        if not any(self.processors):
            self.processors = None
        self.keys = tuple(c.keyname for c in cols)
        self.row: Any = namedtuple("Row", self.keys)  # type: ignore[misc]


class DriverQuery:
    """``stmt`` (on SQLite, or whenever SQLAlchemy's events are listened to) or ``postgresql`` (a plain
    SELECT without expanding parameters; compiled once) run on the session's connection.

    :meth:`all` returns named tuples with the statement's column names, as ``Result.all()`` does,
    :meth:`dicts` dicts of the same."""

    def __init__(self, stmt: sa.Select[Any], *, postgresql: sa.Select[Any]):
        self.stmt = stmt
        self.postgresql = postgresql
        self._compiled: _Compiled | None = None

    def all(self, session: Session, params: Mapping[str, Any], pg_params: Mapping[str, Any]) -> Sequence[Any]:
        """The rows as named tuples; ``params`` for ``stmt``, ``pg_params`` for the PostgreSQL statement."""
        conn = session.connection()
        if conn.dialect.name != "postgresql" or _listened(conn):
            return conn.execute(self.stmt, dict(params)).all()
        compiled, rows = self._run(conn, pg_params)
        make = compiled.row._make
        return [make(r) for r in rows]

    def dicts(
        self, session: Session, params: Mapping[str, Any], pg_params: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        """The rows as dicts of column name to value (as :meth:`all`)."""
        conn = session.connection()
        if conn.dialect.name != "postgresql" or _listened(conn):
            return [r._asdict() for r in conn.execute(self.stmt, dict(params))]
        compiled, rows = self._run(conn, pg_params)
        keys = compiled.keys
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def _run(self, conn: sa.Connection, pg_params: Mapping[str, Any]) -> tuple[_Compiled, Sequence[Any]]:
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = _Compiled(self.postgresql, conn.dialect)
        values = dict(pg_params)
        for name, process in compiled.binds.items():
            values[name] = process(values[name])
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        cursor = dbapi.cursor()
        try:
            cursor.execute(compiled.sql, values)
            rows = cursor.fetchall()
        except Exception as exc:  # a psycopg error: SQLAlchemy wraps it (and invalidates a dead connection)
            conn._handle_dbapi_exception(exc, compiled.sql, values, cursor, None)
            raise  # pragma: no cover - the handler always raises
        finally:
            cursor.close()
        processors = compiled.processors
        if processors is None:
            return compiled, rows
        return compiled, [[p(v) if p else v for p, v in zip(processors, r, strict=True)] for r in rows]


def _listened(conn: sa.Connection) -> bool:
    dispatch = conn.dispatch
    return any(fn not in IGNORED_LISTENERS for fn in dispatch.before_cursor_execute) or bool(
        dispatch.after_cursor_execute
    )
