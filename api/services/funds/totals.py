"""Running totals of the ledger (``fund_total``): per accounting unit, fiscal year and category, the sum
and count of the entries booked (reversals included).

This module owns the table. :func:`add` is called by the ledger for every entry it writes (posting or
reversal), in the same transaction and under the in-force budget's lock that already serialises the
unit's postings (PostgreSQL ``FOR UPDATE``; SQLite's write lock from ``BEGIN IMMEDIATE``), so a total
always equals the SUM of its entries at every commit. The remainder check reads one row
(:func:`booked`) and the reports group a few rows per unit (:func:`by_category`) instead of the entries.
:data:`REBUILD_SQL` recomputes the table from the ledger in one ``INSERT ... SELECT`` (what migration
0013 did to backfill; bulk loads use it too).
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, func, select

from api.db.models import FundTotal

_t = FundTotal.__table__  # type: ignore[attr-defined]
_KEY = ["org_unit_id", "fiscal_year", "category_code"]


def _upsert(insert: Any) -> Any:
    ins = insert(_t).values(
        org_unit_id=sa.bindparam("unit"),
        fiscal_year=sa.bindparam("year"),
        category_code=sa.bindparam("code"),
        kind=sa.bindparam("kind"),
        root_code=sa.bindparam("root"),
        amount_fen=sa.bindparam("amount"),
        entries=1,
    )
    return ins.on_conflict_do_update(
        index_elements=_KEY,
        set_={"amount_fen": _t.c.amount_fen + ins.excluded.amount_fen, "entries": _t.c.entries + 1},
    )


# built once: a statement built per call costs its cache key on every posting
_UPSERT = {"postgresql": _upsert(postgresql.insert), "sqlite": _upsert(sqlite.insert)}
_BOOKED = select(func.coalesce(func.sum(FundTotal.amount_fen), 0)).where(
    FundTotal.org_unit_id == sa.bindparam("unit"),
    FundTotal.fiscal_year == sa.bindparam("year"),
    FundTotal.category_code == sa.bindparam("code"),
)

#: the whole table recomputed from the ledger (run on an empty table: migration 0013, bulk loads)
REBUILD_SQL = (
    "INSERT INTO fund_total (org_unit_id, fiscal_year, category_code, kind, root_code, amount_fen, entries) "
    "SELECT org_unit_id, fiscal_year, category_code, min(kind), min(root_code), sum(amount_fen), count(*) "
    "FROM fund_ledger_entry GROUP BY org_unit_id, fiscal_year, category_code"
)


def add(
    session: Session,
    *,
    unit_id: uuid.UUID,
    fiscal_year: int,
    category_code: str,
    kind: str,
    root_code: str,
    amount_fen: int,
) -> None:
    """Add one entry to its total. Call it with the entry, under the budget's lock; does not commit."""
    session.execute(
        _UPSERT[session.get_bind().dialect.name],
        {
            "unit": unit_id,
            "year": fiscal_year,
            "code": category_code,
            "kind": kind,
            "root": root_code,
            "amount": amount_fen,
        },
    )


def booked(session: Session, unit_id: uuid.UUID, fiscal_year: int, category_code: str) -> int:
    """What the unit's year has booked on a category (one row read)."""
    return int(
        session.execute(_BOOKED, {"unit": unit_id, "year": fiscal_year, "code": category_code}).scalar_one()
    )


def by_category(
    session: Session, units: Any, fiscal_year: int, *, kind: str | None = None
) -> dict[str, tuple[str, str, int, int]]:
    """category -> (kind, root, booked fen, entries) over ``units`` (a list of ids or a SELECT of them)."""
    stmt = (
        sa.select(
            col(FundTotal.category_code),
            func.min(FundTotal.kind),
            func.min(FundTotal.root_code),
            func.sum(FundTotal.amount_fen),
            func.sum(FundTotal.entries),
        )
        .where(col(FundTotal.org_unit_id).in_(units), col(FundTotal.fiscal_year) == fiscal_year)
        .group_by(FundTotal.category_code)
    )
    if kind is not None:
        stmt = stmt.where(col(FundTotal.kind) == kind)
    return {
        code: (k, root, int(total or 0), int(n or 0))
        for code, k, root, total, n in session.execute(stmt).all()
    }


def before_year(session: Session, units: Any, fiscal_year: int) -> dict[str, int]:
    """kind -> booked fen over every year before ``fiscal_year`` (the balance carried forward)."""
    rows = session.execute(
        select(FundTotal.kind, func.sum(FundTotal.amount_fen))
        .where(col(FundTotal.org_unit_id).in_(units), col(FundTotal.fiscal_year) < fiscal_year)
        .group_by(FundTotal.kind)
    ).all()
    return {k: int(total or 0) for k, total in rows}
