"""Recording dues payments: one month of one member (:func:`record_payment`) and payroll batches
(:func:`record_batch`, a bounded number of queries per chunk), audited, one commit per use case.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.db.models import DuesPayment, Member, OrgUnit
from api.db.types import new_id, table_of, utcnow
from api.errors import Conflict, RuleViolation
from api.rules.dues import Rounding
from api.schemas.dues import (
    DuesBatchCreate,
    DuesBatchOut,
    DuesPaymentCreate,
    DuesPaymentOut,
)
from api.security.principal import Principal
from api.services import audit
from api.services.dues.owing import (
    _DUES_PAYING,
    MAX_REPORTED_ERRORS,
    _chunks,
    _events_of,
    expected_fen,
    format_period,
    month_end,
    parse_period,
    status_on,
)
from api.services.member_core import referenced_member
from api.services.scope import in_scope, unit_within

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
    docs/rules.md §1 Dues) unless an audited ``override_reason`` says why not. One payment per month.
    """
    today = today or date.today()
    member = referenced_member(session, data.member_id, by.units_for())
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
    cols = sa.select(
        col(Member.id),
        col(Member.employee_no),
        col(Member.org_unit_id),
        col(Member.status),
        col(Member.join_date),
        col(Member.monthly_wage_fen),
    ).where(in_scope(col(Member.org_unit_id), [unit_id]))
    by_id: dict[uuid.UUID, _MemberRow] = {}
    by_employee_no: dict[str, list[_MemberRow]] = defaultdict(list)
    for chunk in _chunks(member_ids):
        for row in session.execute(cols.where(col(Member.id).in_(chunk))):
            by_id[row.id] = _MemberRow(*row)
    for chunk in _chunks(employee_nos):
        for row in session.execute(cols.where(col(Member.employee_no).in_(chunk))):
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
                select(DuesPayment.member_id, col(DuesPayment.period)).where(
                    col(DuesPayment.member_id).in_(chunk), col(DuesPayment.period).in_(periods)
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
        session.execute(table_of(DuesPayment).insert(), payload)
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
