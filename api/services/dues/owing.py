"""Who owes dues for which month: the dues area's messages and limits, month arithmetic, a member's
status in a past month from their lifecycle events (in Python and as SQL), and the expected amount.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.db.models import Member, MemberEvent
from api.i18n import _, _n, register
from api.rules.dues import Rounding, monthly_dues_fen
from api.services import membership_policy
from api.services.member_core import DUES_PAYING

register(
    {
        "dues_already_paid": _("Dues for {period} are already recorded for this member."),
        "dues_not_owed": _("The member owes no dues for {period} (status {member_status})."),
        "dues_period_in_future": _("Dues cannot be recorded for a future month."),
        "dues_period_before_join": _("The month is before the member joined ({join_month})."),
        "dues_paid_on_in_future": _("The payment date is in the future."),
        "dues_amount_mismatch": _(
            "The amount differs from the expected dues of {expected_fen} fen; give override_reason to "
            "record it anyway."
        ),
        "dues_wage_unknown": _(
            "The member's wage is not on record, so the dues cannot be checked; give override_reason."
        ),
        "dues_duplicate_in_batch": _("The same member and month appear twice in the batch."),
        "dues_employee_no_ambiguous": _(
            "This employee number exists in several unions under the unit; use member_id."
        ),
        "dues_batch_rejected": _n(
            "{count} row was refused; nothing was recorded.",
            "{count} rows were refused; nothing was recorded.",
        ),
        "dues_range_invalid": _("`from` must not be after `to`."),
        "dues_range_too_long": _("A statement covers at most {max} months."),
    }
)

MAX_STATEMENT_MONTHS = 240
#: rows reported back from a refused batch (the count is always complete)
MAX_REPORTED_ERRORS = 1000
_CHUNK = 5000

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
        select(col(e.to_status))
        .where(col(e.member_id) == col(Member.id), col(e.effective_on) <= day)
        .order_by(col(e.effective_on).desc(), col(e.created_at).desc(), col(e.id).desc())
        .limit(1)
        .correlate(Member)
        .scalar_subquery()
    )
    later = sa.orm.aliased(MemberEvent)
    first_from = (
        select(col(later.from_status))
        .where(col(later.member_id) == col(Member.id), col(later.effective_on) > day)
        .order_by(col(later.effective_on), col(later.created_at), col(later.id))
        .limit(1)
        .correlate(Member)
        .scalar_subquery()
    )
    has_later = (
        sa.exists()
        .where(col(later.member_id) == col(Member.id), col(later.effective_on) > day)
        .correlate(Member)
    )
    return sa.func.coalesce(last_to, sa.case((has_later, first_from), else_=col(Member.status)))


def _owes_sql(first: date) -> sa.ColumnElement[bool]:
    end = month_end(first)
    return sa.and_(
        sa.or_(col(Member.join_date).is_(None), col(Member.join_date) <= end),
        _status_at_sql(end).in_(_DUES_PAYING),
    )


def _expected_sql(rounding: Rounding | None = None) -> sa.ColumnElement[Any]:
    """``monthly_dues_fen`` in SQL, integers only on both engines; NULL when the wage is unknown.

    The rate and floor unit are configuration (membership_policy). With the rate as the fraction n/d:
    x = floored wage * n, q = x // d, r = x % d, and the rounding decides from q and r whether to add one
    fen (x is never negative), so the sums agree with :func:`api.rules.dues.monthly_dues_fen`.
    """
    policy = membership_policy.current()
    rounding = rounding or policy.dues_rounding
    n, d = policy.dues_rate.as_integer_ratio()
    unit = policy.dues_floor_unit_fen
    x = (col(Member.monthly_wage_fen) // unit) * (unit * n)
    q, r = x // d, x % d
    if d == 1 or rounding == "down":
        return q
    if rounding == "up":
        return q + sa.case((r > 0, 1), else_=0)
    if rounding == "half_up":
        return q + sa.case((r * 2 >= d, 1), else_=0)
    return q + sa.case((r * 2 > d, 1), (sa.and_(r * 2 == d, q % 2 == 1), 1), else_=0)  # half_even


def expected_fen(wage_fen: int | None, rounding: Rounding) -> int | None:
    """The dues of a wage under the configured rate and floor unit (membership_policy)."""
    if wage_fen is None:
        return None
    policy = membership_policy.current()
    return monthly_dues_fen(
        wage_fen, rounding, rate=policy.dues_rate, floor_unit_fen=policy.dues_floor_unit_fen
    )


def _events_of(session: Session, member_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[_Event]]:
    out: dict[uuid.UUID, list[_Event]] = defaultdict(list)
    for chunk in _chunks(member_ids):
        rows = session.execute(
            select(
                col(MemberEvent.member_id),
                col(MemberEvent.effective_on),
                col(MemberEvent.from_status),
                col(MemberEvent.to_status),
            )
            .where(col(MemberEvent.member_id).in_(chunk))
            .order_by(
                col(MemberEvent.member_id),
                col(MemberEvent.effective_on),
                col(MemberEvent.created_at),
                col(MemberEvent.id),
            )
        )
        for member_id, on, from_status, to_status in rows:
            out[member_id].append(_Event(on, from_status, to_status))
    return out


def _chunks(values: Iterable[Any], size: int = _CHUNK) -> Iterator[list[Any]]:
    items = list(values)
    for start in range(0, len(items), size):
        yield items[start : start + size]
