"""The change feed: entries written with each change, numbered in commit order when read.

See :class:`api.db.models.changes.ChangeLogEntry` for why numbering happens at read time.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.db.bulk import insert_rows
from api.db.models import ChangeLogCounter, ChangeLogEntry
from api.db.types import table_of
from api.services.scope import in_scope


def record(
    session: Session,
    entity_type: str,
    entity_id: uuid.UUID,
    action: str,
    *,
    org_unit_id: uuid.UUID | None,
    version: int | None = None,
) -> None:
    session.add(
        ChangeLogEntry(
            entity_type=entity_type,
            entity_id=entity_id,
            action=action,
            org_unit_id=org_unit_id,
            entity_version=version,
        )
    )


#: column order of :func:`record_rows` tuples
FEED_ROW_COLUMNS = ("entity_type", "entity_id", "action", "org_unit_id", "entity_version", "changed_at")


def record_rows(session: Session, rows: Sequence[tuple[Any, ...]]) -> None:
    """Bulk form for imports: tuples in :data:`FEED_ROW_COLUMNS` order, handed to the driver in one
    batch (``executemany`` / ``COPY``, see :mod:`api.db.bulk`); ``id`` comes from the table, ``seq`` at
    read time."""
    insert_rows(session, table_of(ChangeLogEntry), FEED_ROW_COLUMNS, rows)


def stamp(session: Session) -> None:
    """Give every committed, unnumbered entry the next ``seq`` numbers, in ``id`` order.

    Locking the counter row serialises stampers; entries committed after this transaction's
    snapshot are numbered by a later stamp, above every number handed out here.
    """
    counter = session.execute(
        select(ChangeLogCounter).where(ChangeLogCounter.id == 1).with_for_update()
    ).scalar_one()
    pending = (
        session.execute(
            select(col(ChangeLogEntry.id))
            .where(col(ChangeLogEntry.seq).is_(None))
            .order_by(col(ChangeLogEntry.id))
        )
        .scalars()
        .all()
    )
    if not pending:
        session.rollback()
        return
    start = counter.last_seq
    session.execute(
        sa.update(ChangeLogEntry),
        [{"id": entry_id, "seq": start + i} for i, entry_id in enumerate(pending, 1)],
    )
    counter.last_seq = start + len(pending)
    session.commit()


#: The columns a feed item shows (``ChangeOut``), in its order
_FEED_COLUMNS = (
    col(ChangeLogEntry.seq),
    col(ChangeLogEntry.entity_type),
    col(ChangeLogEntry.entity_id),
    col(ChangeLogEntry.action),
    col(ChangeLogEntry.org_unit_id),
    col(ChangeLogEntry.entity_version),
    col(ChangeLogEntry.changed_at),
)
_FEED_KEYS = tuple(str(cast(sa.ColumnElement[Any], c).key) for c in _FEED_COLUMNS)  # col() is typed Mapped


def read(
    session: Session,
    *,
    since: int,
    limit: int,
    roots: Sequence[uuid.UUID],
    entity_type: str | None = None,
) -> list[dict[str, Any]]:
    """Stamped entries past ``since`` in ``seq`` order, as plain dicts keyed like ``ChangeOut``.

    Core rows, not ORM entities: a page of 500 entities (identity map, instrumented attributes) cost
    several times the SELECT itself (docs/benchmarks.md, "4. Change feed").
    """
    stmt = sa.select(*_FEED_COLUMNS).where(
        col(ChangeLogEntry.seq) > since, in_scope(col(ChangeLogEntry.org_unit_id), roots)
    )
    if entity_type:
        stmt = stmt.where(col(ChangeLogEntry.entity_type) == entity_type)
    rows = session.execute(stmt.order_by(col(ChangeLogEntry.seq)).limit(limit))
    return [dict(zip(_FEED_KEYS, row, strict=True)) for row in rows]


def high_water(session: Session) -> int:
    return session.execute(select(ChangeLogCounter.last_seq).where(ChangeLogCounter.id == 1)).scalar_one()
