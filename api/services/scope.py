"""Turning "what may this caller see" into SQL over the org-unit closure table.

Every list, export, report and load-by-id filters with :func:`in_scope`, so an object outside the
caller's granted subtrees is simply not found (404), never "forbidden".

The rule for choosing between the two forms (docs/architecture.md, "Scope"):

* :func:`in_scope` ``(column, roots)`` is THE way: build the statement in the service function with the
  caller's roots (``principal.units_for()``). Lists, reports, exports, task providers and loaders use it.
* :func:`in_scope_of_roots` (roots as the ``scope_roots`` expanding parameter, statement built ONCE at
  import) only for a statement on a hot path measured in docs/benchmarks.md, where rebuilding the
  statement per request shows in the server's CPU per request. Today: the member reads of
  ``api.services.members.reading`` (by id, the unfiltered page; the "overhead" and "peer" scenarios).
  Their PostgreSQL driver statements (api/db/driver.py) use :func:`in_scope_of_root_array` instead,
  the roots as one array. Adding another needs a benchmark line that shows the gain.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col, select

from api.db.models import OrgUnitClosure
from api.db.types import SqlColumn, table_of


def subtree_ids(roots: Sequence[uuid.UUID] | sa.BindParameter[Any]) -> sa.Select[Any]:
    """``SELECT descendant_id`` of every unit under (and including) ``roots`` (ids, or an expanding
    parameter for statements built once)."""
    return select(col(OrgUnitClosure.descendant_id)).where(col(OrgUnitClosure.ancestor_id).in_(roots))


def in_scope(unit_column: SqlColumn, roots: Sequence[uuid.UUID]) -> ColumnElement[bool]:
    if not roots:
        return sa.false()
    return unit_column.in_(subtree_ids(roots))


#: the caller's subtree roots as one expanding parameter, for statements built once at import
#: (:func:`in_scope_of_roots`); pass ``{"scope_roots": principal.units_for(...)}`` when executing
SCOPE_ROOTS = "scope_roots"


def in_scope_of_roots(unit_column: SqlColumn) -> ColumnElement[bool]:
    """:func:`in_scope` with the roots left as the ``scope_roots`` parameter.

    A statement object reused across requests keeps its SQL cache key; building the statement again
    for every request makes SQLAlchemy recompute that key from the whole tree, which costs as much as a
    primary-key SELECT on SQLite (docs/benchmarks.md, request overhead). Callers with no roots must not
    execute (an empty expanding IN is false, but they can answer 404 without a query).
    """
    roots = sa.bindparam(SCOPE_ROOTS, expanding=True, type_=table_of(OrgUnitClosure).c.ancestor_id.type)
    return unit_column.in_(subtree_ids(roots))


def in_scope_of_root_array(unit_column: SqlColumn) -> ColumnElement[bool]:
    """:func:`in_scope_of_roots` for PostgreSQL driver statements (api/db/driver.py): the roots as one
    ``uuid[]`` parameter (``ancestor_id = ANY(:scope_roots)``), so the SQL is the same for any number of
    roots and compiles once. PostgreSQL only; pass the roots as a list."""
    roots = sa.bindparam(SCOPE_ROOTS, type_=postgresql.ARRAY(sa.Uuid()))
    return unit_column.in_(
        select(col(OrgUnitClosure.descendant_id)).where(col(OrgUnitClosure.ancestor_id) == sa.any_(roots))
    )


def ancestors_of(session: Session, unit_id: uuid.UUID) -> set[uuid.UUID]:
    """The unit itself and all units above it."""
    rows = session.exec(select(OrgUnitClosure.ancestor_id).where(OrgUnitClosure.descendant_id == unit_id))
    return set(rows.all())


#: ``EXISTS``: unit ``:unit`` lies in the subtrees of ``:roots`` (built once; also used by member lists)
UNIT_IN_ROOTS = sa.exists(
    select(OrgUnitClosure.ancestor_id).where(
        OrgUnitClosure.descendant_id == sa.bindparam("unit"),
        col(OrgUnitClosure.ancestor_id).in_(sa.bindparam("roots", expanding=True)),
    )
)
_UNIT_WITHIN = sa.select(UNIT_IN_ROOTS)


def unit_within(session: Session, unit_id: uuid.UUID, roots: Sequence[uuid.UUID]) -> bool:
    """Whether ``unit_id`` lies in the subtrees of ``roots`` (one indexed closure lookup)."""
    if not roots:
        return False
    return bool(session.execute(_UNIT_WITHIN, {"unit": unit_id, "roots": list(roots)}).scalar_one())
