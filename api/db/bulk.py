"""Bulk inserts that hand whole batches to the driver (bulk imports, their change-feed entries).

A Core ``insert`` with a list of dicts runs SQLAlchemy's bind processing for every value of every row
(``UTCDateTime``, ``Uuid`` -> hex text, dates -> ISO text on SQLite): about two thirds of the insert
time of a member import (docs/benchmarks.md, "2. Bulk import"). :func:`insert_rows` stores exactly what
that insert would store, but cheaper:

* **SQLite**: each column's own bind processor (the one SQLAlchemy would run, taken from the column's
  type for this dialect) is applied column by column, values that repeat (timestamps, dates, org
  units) converted once, and the rows go to the DB-API ``executemany`` through ``exec_driver_sql``.
* **PostgreSQL** (psycopg 3): ``COPY ... FROM STDIN``; psycopg adapts UUIDs, dates, aware datetimes
  and booleans itself, as it does for SQLAlchemy's insert (whose ``UTCDateTime`` only normalises the
  zone of an aware datetime: the stored instant is the same).

Same transaction and connection as the session's other statements; constraints, defaults (e.g. the
change log's identity column) and foreign keys apply as for any insert. Values must already be valid
for their columns: nothing is coerced beyond what the bind processors do.

:class:`BackgroundInserts` runs such inserts for a long writer (a bulk import) so that the database's
share of the work overlaps the caller's own: on PostgreSQL each submitted batch of ``COPY`` statements
runs in one background thread on the session's own connection (same transaction), while the caller goes on
with work that needs no database; on SQLite (in-process, nothing to overlap) a batch is inserted at once.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

#: SQLAlchemy types whose values are unique per row (primary keys): not worth memoising
_UNIQUE_TYPES = (sa.Uuid,)


def insert_rows(
    session: Session | sa.Connection, table: sa.Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT ``rows`` (tuples of Python values in ``columns`` order) into ``table`` in one batch."""
    if not rows:
        return
    conn = session.connection() if isinstance(session, Session) else session
    dialect = conn.dialect
    names = ", ".join(dialect.identifier_preparer.quote(c) for c in columns)
    target = dialect.identifier_preparer.format_table(table)
    if _uses_copy(dialect):
        driver = conn.connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor:
            copy_rows(cursor, f"COPY {target} ({names}) FROM STDIN", rows)
        return
    processors = _processors(table, columns, dialect)
    if any(p is not None for p in processors):
        data: list[Sequence[Any]] = list(zip(*rows, strict=True))
        for i, process in enumerate(processors):
            if process is not None:
                data[i] = _convert(
                    data[i], process, memo=not isinstance(table.c[columns[i]].type, _UNIQUE_TYPES)
                )
        rows = list(zip(*data, strict=True))
    marks = ", ".join(["?" if dialect.paramstyle == "qmark" else "%s"] * len(columns))
    conn.exec_driver_sql(f"INSERT INTO {target} ({names}) VALUES ({marks})", rows)


def _processors(
    table: sa.Table, columns: Sequence[str], dialect: sa.Dialect
) -> list[Callable[[Any], Any] | None]:
    return [table.c[c].type._cached_bind_processor(dialect) for c in columns]


def _convert(values: Sequence[Any], process: Callable[[Any], Any], *, memo: bool) -> Sequence[Any]:
    if not memo:
        return list(map(process, values))
    seen: dict[Any, Any] = {}
    out = []
    for value in values:
        try:
            out.append(seen[value])
        except KeyError:
            seen[value] = converted = process(value)
            out.append(converted)
    return out


def _uses_copy(dialect: sa.Dialect) -> bool:
    return dialect.name == "postgresql" and dialect.driver == "psycopg"


def copy_rows(cursor: Any, statement: str, rows: Sequence[Sequence[Any]]) -> None:
    """``COPY ... FROM STDIN`` of ``rows`` through a psycopg 3 cursor (text format: psycopg adapts each
    value and escapes tabs, newlines and backslashes in text, so any text round-trips exactly)."""
    with cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def binary_copy_data(cursor: Any, type_oids: Sequence[int], rows: Sequence[Sequence[Any]]) -> bytes:
    """``rows`` as the payload of a ``COPY ... FROM STDIN (FORMAT BINARY)``, formatted without the
    database (psycopg's ``Copy`` with a ``FileWriter``): each value is dumped as the column's own type
    (``type_oids``), so no text is parsed or escaped on either side."""
    from psycopg import Copy
    from psycopg.copy import FileWriter

    out = io.BytesIO()
    with Copy(cursor, binary=True, writer=FileWriter(out)) as copy:
        copy.set_types(type_oids)
        for row in rows:
            copy.write_row(row)
    return out.getvalue()


def copy_data(cursor: Any, statement: str, data: bytes) -> None:
    """Send a formatted ``COPY ... FROM STDIN`` payload (:func:`binary_copy_data`) in one piece."""
    with cursor.copy(statement) as copy:
        copy.write(data)


#: one insert of :class:`BackgroundInserts`: (table, columns, rows as tuples in ``columns`` order)
Insert = tuple[sa.Table, Sequence[str], Sequence[Sequence[Any]]]


class PreparedInserts:
    """A batch of inserts ready for :meth:`BackgroundInserts.submit`: ``COPY`` statements with their
    binary payloads (PostgreSQL), or the rows themselves (SQLite)."""

    __slots__ = ("copies", "inserts")

    def __init__(self, copies: list[tuple[str, bytes]], inserts: Sequence[Insert]):
        self.copies = copies
        self.inserts = inserts


class BackgroundInserts:
    """Bulk inserts of one transaction that run while the caller prepares the next batch.

    A bulk import alternates between Python work (reading, checking, planning rows) and the database's
    work of storing the previous batch. On PostgreSQL :meth:`prepare` formats a batch's inserts as binary
    ``COPY`` payloads without touching the connection (so it may run while the previous batch is being
    stored), and :meth:`submit` hands them, in order (members before the events that reference them), to
    one background thread that copies them on the session's own connection: they are part of the same
    transaction and roll back with it. The thread mostly waits for the server, so the caller's next batch
    overlaps it. On SQLite the inserts run at once, in the caller's thread (:func:`insert_rows`).

    Only one batch is in flight. Any statement the session runs on the connection first waits for it
    (a ``before_cursor_execute`` listener), and so does a commit (``before_commit``): the caller's
    statements never interleave with a ``COPY``, and an error of the background ``COPY`` is raised in
    the caller's thread by the next statement, the commit, :meth:`wait` or leaving the ``with`` block,
    never lost. (psycopg's connection lock would make an interleaved statement wait as well.)

    ``tables`` are the tables inserts will go to: their column types are read once, up front. Leaving
    the ``with`` block waits for the thread; after an exception in the block, an error of the thread is
    not raised over it (the transaction is rolled back either way).
    """

    def __init__(self, session: Session, tables: Sequence[sa.Table]):
        self._session = session
        self._conn = session.connection()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._driver: Any = None
        self._oids: dict[str, dict[str, int]] = {}
        preparer = self._conn.dialect.identifier_preparer
        self._statements: dict[tuple[str, tuple[str, ...]], str] = {}
        self._format_table = preparer.format_table
        self._quote = preparer.quote
        if _uses_copy(self._conn.dialect):
            self._driver = self._conn.connection.driver_connection
            # formats COPY payloads and never executes anything; psycopg keeps its value dumpers, made
            # here (they read the connection's encoding) and reused while a COPY runs in the thread
            self._cursor = self._driver.cursor()
            for table in tables:
                rows = self._conn.exec_driver_sql(
                    "SELECT attname, atttypid::int FROM pg_attribute"
                    " WHERE attrelid = %(table)s::regclass AND attnum > 0 AND NOT attisdropped",
                    {"table": self._format_table(table)},
                )
                types = self._oids[table.name] = {name: oid for name, oid in rows}
                binary_copy_data(self._cursor, list(types.values()), [])
            event.listen(self._conn, "before_cursor_execute", self._before_execute)
            event.listen(self._session, "before_commit", self._before_commit)

    def __enter__(self) -> BackgroundInserts:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if kind is None:
                self.wait()
            else:
                self._join()
        finally:
            if self._driver is not None:
                self._cursor.close()
                event.remove(self._conn, "before_cursor_execute", self._before_execute)
                event.remove(self._session, "before_commit", self._before_commit)

    def prepare(self, inserts: Sequence[Insert]) -> PreparedInserts:
        """Format these inserts for :meth:`submit`; on PostgreSQL as binary ``COPY`` payloads, made in the
        caller's thread so that the background thread only sends a few large buffers and seldom needs
        the GIL. Uses no database: may run while another batch is in flight."""
        if self._driver is None:
            return PreparedInserts([], inserts)
        copies = [
            (
                self._copy_statement(table, columns),
                binary_copy_data(self._cursor, [self._oids[table.name][c] for c in columns], rows),
            )
            for table, columns, rows in inserts
            if rows
        ]
        return PreparedInserts(copies, [])

    def submit(self, batch: PreparedInserts | Sequence[Insert]) -> None:
        """Insert a batch, in order: in the background on PostgreSQL, at once on SQLite."""
        prepared = batch if isinstance(batch, PreparedInserts) else self.prepare(batch)
        self.wait()
        if self._driver is None:
            for table, columns, rows in prepared.inserts:
                insert_rows(self._conn, table, columns, rows)
        elif prepared.copies:
            self._thread = threading.Thread(
                target=self._run, args=(prepared.copies,), name="gonghui-copy", daemon=True
            )
            self._thread.start()

    def wait(self) -> None:
        """Wait for the batch in flight; raise its error, if it had one."""
        self._join()
        error, self._error = self._error, None
        if error is not None:
            raise error

    def _join(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join()

    def _copy_statement(self, table: sa.Table, columns: Sequence[str]) -> str:
        key = (table.name, tuple(columns))
        statement = self._statements.get(key)
        if statement is None:
            names = ", ".join(self._quote(c) for c in columns)
            statement = f"COPY {self._format_table(table)} ({names}) FROM STDIN (FORMAT BINARY)"
            self._statements[key] = statement
        return statement

    def _run(self, copies: list[tuple[str, bytes]]) -> None:
        try:
            with self._driver.cursor() as cursor:
                for statement, data in copies:
                    copy_data(cursor, statement, data)
        except BaseException as exc:  # handed to the caller's thread by wait()
            self._error = exc

    def _before_execute(self, *_: Any) -> None:
        self.wait()

    def _before_commit(self, _session: Session) -> None:
        self.wait()
