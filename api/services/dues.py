"""Membership dues (会费), domain.md §1 Dues.

Monthly dues are 0.5 % of the monthly wage, ignoring the part under 10 yuan
(:func:`api.rules.dues.monthly_dues_fen`), in integer fen. Only dues-paying members owe them: a
retained member (retired, unemployed ...) owes none (章程 Art 8). Whether a member owed dues for a
month is decided by their status at the end of that month, read from the lifecycle events, so a
member retained in May still owes April. Months before the join month are never owed.

Lists and sums (arrears, summaries) are computed in SQL with the same rules; the SQL form of the dues
formula is exact because, with the default rate and floor, every full 10 yuan owes exactly 5 fen.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.db.models import DuesPayment, Member, MemberEvent, OrgUnit
from api.db.types import new_id, utcnow
from api.errors import Conflict, NotFound, RuleViolation
from api.i18n import register
from api.rules.dues import DEFAULT_DUES_RATE, DEFAULT_FLOOR_UNIT_FEN, Rounding, monthly_dues_fen
from api.schemas.dues import (
    ArrearsItem,
    DuesBatchCreate,
    DuesBatchOut,
    DuesPaymentCreate,
    DuesPaymentOut,
    DuesStatement,
    DuesSummary,
    MonthStatus,
    StatementMonth,
)
from api.security.principal import Principal
from api.services import audit
from api.services.member_core import DUES_PAYING
from api.services.pagination import keyset
from api.services.scope import in_scope, unit_within

register(
    {
        "dues_already_paid": (
            "Dues for {period} are already recorded for this member.",
            "该会员 {period} 的会费已登记。",
        ),
        "dues_not_owed": (
            "The member owes no dues for {period} (status {member_status}).",
            "该会员 {period} 无需缴纳会费（状态：{member_status}）。",
        ),
        "dues_period_in_future": ("Dues cannot be recorded for a future month.", "不能登记未来月份的会费。"),
        "dues_period_before_join": (
            "The month is before the member joined ({join_month}).",
            "该月份早于入会时间（{join_month}）。",
        ),
        "dues_paid_on_in_future": ("The payment date is in the future.", "缴费日期不能晚于今天。"),
        "dues_amount_mismatch": (
            "The amount differs from the expected dues of {expected_fen} fen; give override_reason to record it anyway.",
            "金额与应缴会费 {expected_fen} 分不符；如确需登记请填写 override_reason。",
        ),
        "dues_wage_unknown": (
            "The member's wage is not on record, so the dues cannot be checked; give override_reason.",
            "该会员未登记月工资，无法核对会费；请填写 override_reason。",
        ),
        "dues_duplicate_in_batch": (
            "The same member and month appear twice in the batch.",
            "同一会员同一月份在批次中重复。",
        ),
        "dues_employee_no_ambiguous": (
            "This employee number exists in several unions under the unit; use member_id.",
            "该工号在所选组织下的多个工会中存在，请改用 member_id。",
        ),
        "dues_batch_rejected": (
            "{count} row(s) were refused; nothing was recorded.",
            "有 {count} 行未通过校验，未登记任何数据。",
        ),
        "dues_range_invalid": ("`from` must not be after `to`.", "起始月份不能晚于截止月份。"),
        "dues_range_too_long": ("A statement covers at most {max} months.", "对账单最多覆盖 {max} 个月。"),
    }
)

MAX_STATEMENT_MONTHS = 240
#: rows reported back from a refused batch (the count is always complete)
MAX_REPORTED_ERRORS = 1000
_CHUNK = 5000

_PER_FLOOR_UNIT = DEFAULT_FLOOR_UNIT_FEN * DEFAULT_DUES_RATE
assert int(_PER_FLOOR_UNIT) == _PER_FLOOR_UNIT, "the SQL dues formula needs whole fen per floor unit"
_DUES_PAYING = sorted(s.value for s in DUES_PAYING)


# --- months ---------------------------------------------------------------------------------------


def parse_period(period: str) -> date:
    year, month = period.split("-")
    return date(int(year), int(month), 1)


def format_period(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def add_months(day: date, n: int) -> date:
    index = day.year * 12 + day.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_end(first: date) -> date:
    return date.fromordinal(add_months(first, 1).toordinal() - 1)


def months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


# --- who owes what --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Event:
    effective_on: date
    from_status: str | None
    to_status: str


def status_on(events: Sequence[_Event], current: str, day: date) -> str | None:
    """The member's status on ``day``: the target of the last lifecycle event on or before it; before
    the first event, that event's source (None before a join); a member without events: ``current``."""
    last = None
    for event in events:
        if event.effective_on > day:
            break
        last = event
    if last is not None:
        return last.to_status
    if events:
        return events[0].from_status
    return current


def _status_at_sql(day: date) -> sa.ColumnElement[Any]:
    """:func:`status_on` as a correlated SQL expression over ``member_event``."""
    e = sa.orm.aliased(MemberEvent)
    last_to = (
        select(e.to_status)
        .where(e.member_id == Member.id, e.effective_on <= day)
        .order_by(e.effective_on.desc(), e.created_at.desc(), e.id.desc())
        .limit(1)
        .correlate(Member)
        .scalar_subquery()
    )
    later = sa.orm.aliased(MemberEvent)
    first_from = (
        select(later.from_status)
        .where(later.member_id == Member.id, later.effective_on > day)
        .order_by(later.effective_on, later.created_at, later.id)
        .limit(1)
        .correlate(Member)
        .scalar_subquery()
    )
    has_later = sa.exists().where(later.member_id == Member.id, later.effective_on > day).correlate(Member)
    return sa.func.coalesce(last_to, sa.case((has_later, first_from), else_=Member.status))


def _owes_sql(first: date) -> sa.ColumnElement[bool]:
    end = month_end(first)
    return sa.and_(
        sa.or_(Member.join_date.is_(None), Member.join_date <= end),
        _status_at_sql(end).in_(_DUES_PAYING),
    )


def _expected_sql() -> sa.ColumnElement[Any]:
    """``monthly_dues_fen`` in SQL (integer division on both engines); NULL when the wage is unknown."""
    return (Member.monthly_wage_fen // DEFAULT_FLOOR_UNIT_FEN) * int(_PER_FLOOR_UNIT)


def expected_fen(wage_fen: int | None, rounding: Rounding) -> int | None:
    return None if wage_fen is None else monthly_dues_fen(wage_fen, rounding)


def _events_of(session: Session, member_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[_Event]]:
    out: dict[uuid.UUID, list[_Event]] = defaultdict(list)
    for chunk in _chunks(member_ids):
        rows = session.execute(
            select(
                MemberEvent.member_id,
                MemberEvent.effective_on,
                MemberEvent.from_status,
                MemberEvent.to_status,
            )
            .where(MemberEvent.member_id.in_(chunk))
            .order_by(MemberEvent.member_id, MemberEvent.effective_on, MemberEvent.created_at, MemberEvent.id)
        )
        for member_id, on, from_status, to_status in rows:
            out[member_id].append(_Event(on, from_status, to_status))
    return out


def _chunks(values: Iterable[Any], size: int = _CHUNK) -> Iterator[list[Any]]:
    items = list(values)
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- statements -----------------------------------------------------------------------------------


def load_member(session: Session, member_id: uuid.UUID, principal: Principal) -> Member:
    member = session.exec(
        select(Member).where(Member.id == member_id, in_scope(Member.org_unit_id, principal.units_for()))
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


# --- recording payments ---------------------------------------------------------------------------


def _payment_out(p: DuesPayment) -> DuesPaymentOut:
    return DuesPaymentOut(
        id=p.id,
        member_id=p.member_id,
        org_unit_id=p.org_unit_id,
        period=format_period(p.period),
        amount_fen=p.amount_fen,
        paid_on=p.paid_on,
        method=p.method,
        reference=p.reference,
        batch_id=p.batch_id,
        created_at=p.created_at,
    )


def _check_month(
    first: date, *, join_date: date | None, status: str | None, this_month: date
) -> tuple[str, dict[str, Any]] | None:
    """The month-level rules shared by single and batch recording: (code, params) of the first broken one."""
    if first > this_month:
        return "dues_period_in_future", {}
    if join_date is not None and first < join_date.replace(day=1):
        return "dues_period_before_join", {"join_month": format_period(join_date)}
    if status not in _DUES_PAYING:
        return "dues_not_owed", {"period": format_period(first), "member_status": status or "none"}
    return None


def record_payment(
    session: Session, data: DuesPaymentCreate, *, by: Principal, rounding: Rounding, today: date | None = None
) -> DuesPaymentOut:
    """Record one month's dues of a member in the caller's scope.

    The month may not be in the future nor before the join month, and the member must owe dues for
    it (retained members owe none: 章程 Art 8). The amount must be the expected dues (0.5 % of the wage,
    domain.md §1 Dues) unless an audited ``override_reason`` says why not. One payment per month.
    """
    today = today or date.today()
    member = session.exec(
        select(Member).where(Member.id == data.member_id, in_scope(Member.org_unit_id, by.units_for()))
    ).first()
    if member is None:
        raise RuleViolation("not_found", field="member_id")
    first = parse_period(data.period)
    if data.paid_on > today:
        raise RuleViolation("dues_paid_on_in_future", field="paid_on")
    events = _events_of(session, [member.id]).get(member.id, [])
    broken = _check_month(
        first,
        join_date=member.join_date,
        status=status_on(events, member.status, month_end(first)),
        this_month=today.replace(day=1),
    )
    if broken:
        raise RuleViolation(broken[0], field="period", **broken[1])
    expected = expected_fen(member.monthly_wage_fen, rounding)
    if data.override_reason is None:
        if expected is None:
            raise RuleViolation("dues_wage_unknown", field="amount_fen")
        if data.amount_fen != expected:
            raise RuleViolation("dues_amount_mismatch", field="amount_fen", expected_fen=expected)
    exists = session.exec(
        select(DuesPayment.id).where(DuesPayment.member_id == member.id, DuesPayment.period == first)
    ).first()
    if exists is not None:
        raise Conflict("dues_already_paid", period=data.period)
    payment = DuesPayment(
        member_id=member.id,
        org_unit_id=member.org_unit_id,
        period=first,
        amount_fen=data.amount_fen,
        wage_base_fen=member.monthly_wage_fen,
        paid_on=data.paid_on,
        method=data.method.value,
        reference=data.reference,
        recorded_by_id=by.user_id,
    )
    session.add(payment)
    try:
        session.flush()
    except IntegrityError:  # recorded concurrently
        session.rollback()
        raise Conflict("dues_already_paid", period=data.period) from None
    audit.record(
        session,
        by,
        "dues.recorded",
        entity_type="dues_payment",
        entity_id=payment.id,
        org_unit_id=member.org_unit_id,
        changes={
            "after": {
                "member_id": member.id,
                "period": data.period,
                "amount_fen": data.amount_fen,
                "paid_on": data.paid_on,
                "method": data.method.value,
                "reference": data.reference,
            },
            "expected_fen": expected,
            "override_reason": data.override_reason,
        },
    )
    session.commit()
    return _payment_out(payment)


@dataclass(frozen=True)
class _MemberRow:
    id: uuid.UUID
    employee_no: str
    org_unit_id: uuid.UUID
    status: str
    join_date: date | None
    monthly_wage_fen: int | None


def _batch_members(
    session: Session, unit_id: uuid.UUID, member_ids: set[uuid.UUID], employee_nos: set[str]
) -> tuple[dict[uuid.UUID, _MemberRow], dict[str, list[_MemberRow]]]:
    cols = select(
        Member.id,
        Member.employee_no,
        Member.org_unit_id,
        Member.status,
        Member.join_date,
        Member.monthly_wage_fen,
    ).where(in_scope(Member.org_unit_id, [unit_id]))
    by_id: dict[uuid.UUID, _MemberRow] = {}
    by_employee_no: dict[str, list[_MemberRow]] = defaultdict(list)
    for chunk in _chunks(member_ids):
        for row in session.execute(cols.where(Member.id.in_(chunk))):
            by_id[row.id] = _MemberRow(*row)
    for chunk in _chunks(employee_nos):
        for row in session.execute(cols.where(Member.employee_no.in_(chunk))):
            by_employee_no[row.employee_no].append(_MemberRow(*row))
    return by_id, by_employee_no


def record_batch(
    session: Session, data: DuesBatchCreate, *, by: Principal, rounding: Rounding, today: date | None = None
) -> DuesBatchOut:
    """Record many payments at once, e.g. a month's payroll deduction file: all rows or none.

    Members are found by id or employee number inside ``org_unit_id``'s subtree (which must be in
    the caller's scope). Every row is checked by the rules of :func:`record_payment`; if any row fails
    the whole batch is refused with 422 and a list of (index, field, code). Rows go in with one bulk
    INSERT (no ORM object per row) under one ``batch_id``.
    """
    today = today or date.today()
    this_month = today.replace(day=1)
    unit = session.get(OrgUnit, data.org_unit_id)
    if unit is None or not unit_within(session, unit.id, by.units_for()):
        raise RuleViolation("not_found", field="org_unit_id")
    if data.paid_on > today:
        raise RuleViolation("dues_paid_on_in_future", field="paid_on")

    by_id, by_employee_no = _batch_members(
        session,
        unit.id,
        {r.member_id for r in data.rows if r.member_id is not None},
        {r.employee_no for r in data.rows if r.employee_no is not None},
    )
    errors: list[dict[str, Any]] = []
    resolved: list[tuple[int, _MemberRow, date]] = []
    for index, row in enumerate(data.rows):
        if row.member_id is not None:
            member, key_field = by_id.get(row.member_id), "member_id"
        else:
            matches = by_employee_no.get(row.employee_no or "", [])
            key_field = "employee_no"
            if len(matches) > 1:
                errors.append({"index": index, "field": key_field, "code": "dues_employee_no_ambiguous"})
                continue
            member = matches[0] if matches else None
        if member is None:
            errors.append({"index": index, "field": key_field, "code": "not_found"})
            continue
        resolved.append((index, member, parse_period(row.period)))

    member_ids = {m.id for _, m, _ in resolved}
    events = _events_of(session, member_ids)
    periods = {first for _, _, first in resolved}
    paid: set[tuple[uuid.UUID, date]] = set()
    for chunk in _chunks(member_ids):
        paid.update(
            (m, p)
            for m, p in session.execute(
                select(DuesPayment.member_id, DuesPayment.period).where(
                    DuesPayment.member_id.in_(chunk), DuesPayment.period.in_(periods)
                )
            )
        )
    seen: set[tuple[uuid.UUID, date]] = set()
    batch_id = new_id()
    now = utcnow()
    payload: list[dict[str, Any]] = []
    total = 0
    for index, member, first in resolved:
        row = data.rows[index]
        status = status_on(events.get(member.id, []), member.status, month_end(first))
        broken = _check_month(first, join_date=member.join_date, status=status, this_month=this_month)
        if broken:
            errors.append({"index": index, "field": "period", "code": broken[0]})
            continue
        expected = expected_fen(member.monthly_wage_fen, rounding)
        if data.override_reason is None and expected is None:
            errors.append({"index": index, "field": "amount_fen", "code": "dues_wage_unknown"})
            continue
        if data.override_reason is None and row.amount_fen != expected:
            errors.append(
                {
                    "index": index,
                    "field": "amount_fen",
                    "code": "dues_amount_mismatch",
                    "expected_fen": expected,
                }
            )
            continue
        key = (member.id, first)
        if key in paid:
            errors.append({"index": index, "field": "period", "code": "dues_already_paid"})
            continue
        if key in seen:
            errors.append({"index": index, "field": "period", "code": "dues_duplicate_in_batch"})
            continue
        seen.add(key)
        total += row.amount_fen
        payload.append(
            {
                "id": new_id(),
                "member_id": member.id,
                "org_unit_id": member.org_unit_id,
                "period": first,
                "amount_fen": row.amount_fen,
                "wage_base_fen": member.monthly_wage_fen,
                "paid_on": data.paid_on,
                "method": data.method.value,
                "reference": data.reference,
                "batch_id": batch_id,
                "recorded_by_id": by.user_id,
                "created_at": now,
            }
        )
    if errors:
        errors.sort(key=lambda e: e["index"])
        raise RuleViolation("dues_batch_rejected", count=len(errors), errors=errors[:MAX_REPORTED_ERRORS])

    try:
        session.execute(DuesPayment.__table__.insert(), payload)
    except IntegrityError:  # a payment recorded concurrently for one of the rows
        session.rollback()
        raise Conflict("dues_already_paid", period="batch") from None
    audit.record(
        session,
        by,
        "dues.batch_recorded",
        entity_type="dues_batch",
        entity_id=batch_id,
        org_unit_id=unit.id,
        changes={
            "batch_id": batch_id,
            "count": len(payload),
            "total_fen": total,
            "paid_on": data.paid_on,
            "method": data.method.value,
            "reference": data.reference,
            "periods": sorted(format_period(p) for p in periods),
            "override_reason": data.override_reason,
        },
    )
    session.commit()
    return DuesBatchOut(batch_id=batch_id, count=len(payload), total_fen=total)


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
    unpaid = ~sa.exists().where(DuesPayment.member_id == Member.id, DuesPayment.period == first)
    stmt = select(
        Member.id,
        Member.member_no,
        Member.employee_no,
        Member.name,
        Member.org_unit_id,
        _expected_sql().label("expected_fen"),
    ).where(in_scope(Member.org_unit_id, roots), _owes_sql(first), unpaid)
    rows, next_cursor = keyset(session, stmt, keys=[Member.id], limit=limit, cursor=cursor, scalars=False)
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


def expected_by_month(session: Session, units: sa.Select[Any], months: Sequence[date]) -> dict[date, int]:
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


def summary(
    session: Session, principal: Principal, *, period: str, org_unit_id: uuid.UUID | None
) -> DuesSummary:
    """Totals for one month in scope, summed in SQL: owing members and their dues, payments, arrears."""
    first = parse_period(period)
    roots = _roots(session, principal, org_unit_id)
    expected = sa.func.coalesce(_expected_sql(), 0)
    has_payment = sa.exists().where(DuesPayment.member_id == Member.id, DuesPayment.period == first)
    owing = session.execute(
        select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(expected), 0),
            sa.func.coalesce(sa.func.sum(sa.case((has_payment, 0), else_=1)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((has_payment, 0), else_=expected)), 0),
        )
        .select_from(Member)
        .where(in_scope(Member.org_unit_id, roots), _owes_sql(first))
    ).one()
    paid = session.execute(
        select(sa.func.count(), sa.func.coalesce(sa.func.sum(DuesPayment.amount_fen), 0)).where(
            in_scope(DuesPayment.org_unit_id, roots), DuesPayment.period == first
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
