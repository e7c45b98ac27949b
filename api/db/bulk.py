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
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
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
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        driver = conn.connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor, cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
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
