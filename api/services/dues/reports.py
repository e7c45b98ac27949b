"""Dues arrears and summaries over the caller's subtree, as SQL aggregates."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.db.models import DuesPayment, Member
from api.db.types import AnySelect
from api.errors import RuleViolation
from api.schemas.dues import (
    ArrearsItem,
    DuesSummary,
)
from api.security.principal import Principal
from api.services.dues.owing import _expected_sql, _owes_sql, parse_period
from api.services.pagination import keyset
from api.services.scope import in_scope, unit_within

# --- arrears and summaries ------------------------------------------------------------------------


def _roots(session: Session, principal: Principal, org_unit_id: uuid.UUID | None) -> list[uuid.UUID]:
    roots = principal.units_for()
    if org_unit_id is None:
        return roots
    if not unit_within(session, org_unit_id, roots):
        raise RuleViolation("not_found", field="org_unit_id")
    return [org_unit_id]


def arrears(
    session: Session,
    principal: Principal,
    *,
    period: str,
    org_unit_id: uuid.UUID | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[ArrearsItem], str | None]:
    """Dues-paying members in scope with no payment for ``period`` (NOT EXISTS in SQL), by member id."""
    first = parse_period(period)
    roots = _roots(session, principal, org_unit_id)
    unpaid = ~sa.exists().where(
        col(DuesPayment.member_id) == col(Member.id), col(DuesPayment.period) == first
    )
    stmt = sa.select(
        col(Member.id),
        col(Member.member_no),
        col(Member.employee_no),
        col(Member.name),
        col(Member.org_unit_id),
        _expected_sql().label("expected_fen"),
    ).where(in_scope(col(Member.org_unit_id), roots), _owes_sql(first), unpaid)
    rows, next_cursor = keyset(
        session, stmt, keys=[col(Member.id)], limit=limit, cursor=cursor, scalars=False
    )
    items = [
        ArrearsItem(
            member_id=r.id,
            member_no=r.member_no,
            employee_no=r.employee_no,
            name=r.name,
            org_unit_id=r.org_unit_id,
            expected_fen=r.expected_fen,
        )
        for r in rows
    ]
    return items, next_cursor


def summary(
    session: Session, principal: Principal, *, period: str, org_unit_id: uuid.UUID | None
) -> DuesSummary:
    """Totals for one month in scope, summed in SQL: owing members and their dues, payments, arrears."""
    first = parse_period(period)
    roots = _roots(session, principal, org_unit_id)
    expected = sa.func.coalesce(_expected_sql(), 0)
    has_payment = sa.exists().where(
        col(DuesPayment.member_id) == col(Member.id), col(DuesPayment.period) == first
    )
    owing = session.execute(
        select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(expected), 0),
            sa.func.coalesce(sa.func.sum(sa.case((has_payment, 0), else_=1)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((has_payment, 0), else_=expected)), 0),
        )
        .select_from(Member)
        .where(in_scope(col(Member.org_unit_id), roots), _owes_sql(first))
    ).one()
    paid = session.execute(
        select(sa.func.count(), sa.func.coalesce(sa.func.sum(DuesPayment.amount_fen), 0)).where(
            in_scope(col(DuesPayment.org_unit_id), roots), col(DuesPayment.period) == first
        )
    ).one()
    return DuesSummary(
        org_unit_id=org_unit_id,
        period=period,
        members_owing=owing[0],
        expected_fen=int(owing[1]),
        arrears_count=int(owing[2]),
        arrears_fen=int(owing[3]),
        paid_count=paid[0],
        paid_fen=int(paid[1]),
    )


def expected_by_month(session: Session, units: AnySelect, months: Sequence[date]) -> dict[date, int]:
    """Dues owed by the dues-paying members of ``units`` (a SELECT of org unit ids) for each month (its
    first day), with the rules of :func:`summary`: one aggregate query per month (union funds reports)."""
    out = {}
    for first in months:
        total = session.execute(
            select(sa.func.coalesce(sa.func.sum(sa.func.coalesce(_expected_sql(), 0)), 0))
            .select_from(Member)
            .where(col(Member.org_unit_id).in_(units), _owes_sql(first))
        ).scalar_one()
        out[first] = int(total)
    return out
