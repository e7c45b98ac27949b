"""Column types shared by every table."""

from __future__ import annotations

import os
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any, TypeAlias

import sqlalchemy as sa
import uuid6
from sqlalchemy.orm import Mapped
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always returned timezone-aware (SQLite keeps no zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def new_id() -> uuid.UUID:
    """Time-ordered UUIDv7: unguessable like v4, but index-friendly and sortable by creation."""
    return uuid.UUID(bytes=uuid6.uuid7().bytes)


_ids_lock = threading.Lock()
_last_batch_ms = 0


def new_ids(count: int) -> list[uuid.UUID]:
    """``count`` UUIDv7 (RFC 9562) in creation order, for bulk writes.

    ``new_id`` draws its 74 random bits with one ``os.urandom`` system call per id, which made id
    generation a tenth of a bulk import's CPU (docs/benchmarks.md, imports). Here one call serves the
    whole batch: the ids share one millisecond timestamp and their random parts are sorted, so they
    are still unguessable and increase within the batch; the timestamp never repeats or goes back
    between batches (a batch in the same millisecond as the last takes the next one, as ``uuid6``
    does for single ids).
    """
    global _last_batch_ms
    if count <= 0:
        return []
    raw = os.urandom(10 * count)
    rand = sorted(int.from_bytes(raw[i : i + 10], "big") & _RAND74 for i in range(0, 10 * count, 10))
    with _ids_lock:
        ms = max(time.time_ns() // 1_000_000, _last_batch_ms + 1)
        _last_batch_ms = ms
    head = (ms & 0xFFFF_FFFF_FFFF) << 80 | 0x7 << 76
    return [_uuid_of(head | (r >> 62) << 64 | 0b10 << 62 | (r & _RAND62)) for r in rand]


_object_new = object.__new__
_object_set = object.__setattr__


def _uuid_of(value: int) -> uuid.UUID:
    """``uuid.UUID(int=value)`` for a value known to be a 128-bit UUID, at a third of the cost.

    ``UUID.__init__`` parses its five keyword forms and range-checks before it stores the two slots
    (``int``, ``is_safe``); this stores them directly, as CPython 3.14's own ``UUID._from_int`` does.
    tests/core/test_ids.py checks the result equals, hashes and prints like the constructor's.
    """
    made = _object_new(uuid.UUID)
    _object_set(made, "int", value)
    _object_set(made, "is_safe", uuid.SafeUUID.unknown)
    return made


_RAND74 = (1 << 74) - 1
_RAND62 = (1 << 62) - 1


def utcnow() -> datetime:
    return datetime.now(UTC)


def version_column() -> sa.Column[int]:
    """A fresh ``version`` column, used as the mapper's ``version_id_col`` (optimistic locking)."""
    return sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1"))


def table_of(model: type[SQLModel]) -> sa.Table:
    """The Core :class:`~sqlalchemy.Table` of a ``table=True`` SQLModel class, for Core statements."""
    # SQLModel's metaclass sets __table__ on table classes, but its type stubs do not declare it
    table: sa.Table = model.__table__  # type: ignore[attr-defined]
    return table


#: a column in a query: a Core column expression, or a model attribute wrapped in ``sqlmodel.col()``
SqlColumn = sa.ColumnElement[Any] | Mapped[Any]
#: a SELECT of any columns (SQLAlchemy 2.1 types a SELECT by the tuple of its column types)
AnySelect: TypeAlias = "sa.Select[*tuple[Any, ...]]"
