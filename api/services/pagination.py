"""Keyset pagination: ``WHERE (sort keys) > (last row's keys) ORDER BY keys LIMIT n+1``.

Cost does not grow with depth (no OFFSET), and rows inserted meanwhile are neither skipped nor
repeated. The cursor is an opaque base64url JSON array of the last row's key values.

With ``fetch`` (keys first), the page is chosen on the key column alone and only its rows are read:
``SELECT <fetch> WHERE key IN (SELECT key ... ORDER BY key LIMIT n+1) ORDER BY key``. When an index
holds the filter's columns and the key, the engine then reads and sorts index entries only, not every
matching row (docs/benchmarks.md, "Lists at scale").
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from api.db.types import SqlColumn, UTCDateTime
from api.errors import BadRequest

T = TypeVar("T")


def encode_cursor(values: Sequence[Any]) -> str:
    plain = [
        str(v) if isinstance(v, uuid.UUID) else v.isoformat() if isinstance(v, (date, datetime)) else v
        for v in values
    ]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def _parser(column: ColumnElement[Any]) -> Callable[[Any], Any]:
    col_type = column.type
    if isinstance(col_type, sa.Uuid):
        return lambda v: uuid.UUID(str(v))
    if isinstance(col_type, UTCDateTime):
        return lambda v: datetime.fromisoformat(v)
    if isinstance(col_type, sa.Date):
        return lambda v: date.fromisoformat(v)
    if isinstance(col_type, sa.Integer):
        return int
    return str


def decode_cursor(cursor: str, columns: Sequence[ColumnElement[Any]]) -> list[Any]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(columns):
            raise ValueError("wrong arity")
        return [_parser(c)(v) for c, v in zip(columns, raw, strict=True)]
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        raise BadRequest("invalid_cursor") from None


def keyset(
    session: Session,
    stmt: sa.Select[Any],
    *,
    keys: Sequence[SqlColumn],
    limit: int,
    cursor: str | None,
    descending: bool = False,
    scalars: bool = True,
    fetch: sa.Select[Any] | None = None,
    core: bool = False,
) -> tuple[list[Any], str | None]:
    """One page of ``stmt`` ordered by ``keys`` (the last key must be unique, e.g. the id).

    ``fetch``: ``stmt`` selects the single unique key only (e.g. ``SELECT member.id WHERE <filters>``)
    and ``fetch`` is the unfiltered ``SELECT`` of the rows to return (e.g. ``select(Member)``); the page's
    keys are chosen by ``stmt`` in a subquery and its rows read by ``fetch``, in key order.
    ``core``: run on the session's connection, skipping the ORM's result layer (plain rows only, for
    read paths that build no ORM object: a page of 50 members, docs/benchmarks.md §6).
    """
    # col(Model.field) is typed Mapped[...]; at run time it is a column expression like the others
    columns = [cast(ColumnElement[Any], k) for k in keys]
    if fetch is not None and len(columns) != 1:
        raise ValueError("keys first needs a single unique key")
    if cursor:
        after = decode_cursor(cursor, columns)
        left = columns[0] if len(columns) == 1 else sa.tuple_(*columns)
        right = (
            after[0]
            if len(columns) == 1
            else sa.tuple_(*[sa.literal(v, type_=k.type) for k, v in zip(columns, after, strict=True)])
        )
        stmt = stmt.where(left < right if descending else left > right)
    order = [k.desc() if descending else k.asc() for k in columns]
    stmt = stmt.order_by(*order).limit(limit + 1)
    if fetch is not None:
        stmt = fetch.where(columns[0].in_(stmt)).order_by(*order)
    result = session.connection().execute(stmt) if core else session.execute(stmt)
    rows = list(result.scalars() if scalars else result.all())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor([_value_of(last, k) for k in columns])
    return rows, next_cursor


def _value_of(row: Any, key: ColumnElement[Any]) -> Any:
    name = getattr(key, "key", None) or key.name
    if hasattr(row, "_mapping") and key in row._mapping:
        return row._mapping[key]
    return getattr(row, name)


def page_of(
    items: Sequence[T], *, key: Callable[[T], str], limit: int, cursor: str | None
) -> tuple[list[T], str | None]:
    """One page of a small list held in memory (a shipped catalogue, not a table), with the same opaque
    cursor as :func:`keyset`: ``items`` ordered by ``key`` (unique), the cursor is the last key read."""
    if cursor:
        try:
            raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
            raise BadRequest("invalid_cursor") from None
        if not isinstance(raw, list) or len(raw) != 1 or not isinstance(raw[0], str):
            raise BadRequest("invalid_cursor")
        items = [i for i in items if key(i) > raw[0]]
    ordered = sorted(items, key=key)
    rows = ordered[:limit]
    next_cursor = encode_cursor([key(rows[-1])]) if len(ordered) > limit else None
    return rows, next_cursor
