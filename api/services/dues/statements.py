"""Dues statements: load a member within scope (or one's own), and the month-by-month statement of paid,
owed and exempt months.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlmodel import Session, col, select

from api.db.models import DuesPayment, Member
from api.errors import NotFound, RuleViolation
from api.rules.dues import Rounding
from api.schemas.dues import (
    DuesStatement,
    MonthStatus,
    StatementMonth,
)
from api.security.principal import Principal
from api.services.dues.owing import (
    _DUES_PAYING,
    MAX_STATEMENT_MONTHS,
    _events_of,
    add_months,
    expected_fen,
    format_period,
    month_end,
    months_between,
    parse_period,
    status_on,
)
from api.services.scope import in_scope

# --- statements -----------------------------------------------------------------------------------


def load_member(session: Session, member_id: uuid.UUID, principal: Principal) -> Member:
    member = session.exec(
        select(Member).where(
            col(Member.id) == member_id, in_scope(col(Member.org_unit_id), principal.units_for())
        )
    ).first()
    if member is None:
        raise NotFound()
    return member


def load_own_member(session: Session, principal: Principal) -> Member:
    """A member account's own record (the account is linked to it)."""
    member = session.get(Member, principal.member_id) if principal.member_id else None
    if member is None:
        raise NotFound()
    return member


def statement(
    session: Session,
    member: Member,
    *,
    rounding: Rounding,
    from_period: str | None,
    to_period: str | None,
    today: date | None = None,
) -> DuesStatement:
    """Month by month from the join month (default: the last 12 months) up to this month at the latest:
    expected, paid, arrears."""
    this_month = (today or date.today()).replace(day=1)
    last = parse_period(to_period) if to_period else this_month
    first = parse_period(from_period) if from_period else add_months(last, -11)
    if first > last:
        raise RuleViolation("dues_range_invalid", field="from")
    if months_between(first, last) >= MAX_STATEMENT_MONTHS:
        raise RuleViolation("dues_range_too_long", field="from", max=MAX_STATEMENT_MONTHS)
    if member.join_date is not None:
        first = max(first, member.join_date.replace(day=1))
    last = min(last, this_month)  # months still to come are not owed yet
    payments = {
        p.period: p
        for p in session.exec(
            select(DuesPayment).where(
                DuesPayment.member_id == member.id, DuesPayment.period >= first, DuesPayment.period <= last
            )
        )
    }
    events = _events_of(session, [member.id]).get(member.id, [])
    months: list[StatementMonth] = []
    expected_total = paid_total = arrears = arrears_months = 0
    month = first
    while month <= last:
        owed = status_on(events, member.status, month_end(month)) in _DUES_PAYING
        payment = payments.get(month)
        base = payment.wage_base_fen if payment is not None and payment.wage_base_fen is not None else None
        expected = (
            expected_fen(base if base is not None else member.monthly_wage_fen, rounding) if owed else 0
        )
        if payment is not None:
            status = MonthStatus.paid
            paid_total += payment.amount_fen
        elif owed:
            status = MonthStatus.unpaid
            arrears_months += 1
            arrears += expected or 0
        else:
            status = MonthStatus.not_owed
        if owed:
            expected_total += expected or 0
        months.append(
            StatementMonth(
                period=format_period(month),
                status=status,
                expected_fen=expected,
                paid_fen=payment.amount_fen if payment else None,
                paid_on=payment.paid_on if payment else None,
                method=payment.method if payment else None,
            )
        )
        month = add_months(month, 1)
    return DuesStatement(
        member_id=member.id,
        member_no=member.member_no,
        name=member.name,
        status=member.status,
        from_period=format_period(first),
        to_period=format_period(last),
        months=months,
        expected_total_fen=expected_total,
        paid_total_fen=paid_total,
        arrears_fen=arrears,
        arrears_months=arrears_months,
    )
