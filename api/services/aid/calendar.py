"""Reference data of the area: the 低保 standards per region with their effective dates, and the
working-day calendar of public notices (docs/rules.md §4 [L]).

The calendar is the maintained ``chinesecalendar`` library (statutory holidays and swapped working
weekends from the State Council notices) with an admin's overrides on top, stored as data: the library
lags each year's notice, so a day an admin records always wins (api/rules/aid.py).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, col, select

from api.db.models import AidCalendarDay, AidDibaoStandard
from api.db.types import utcnow
from api.errors import Conflict, RuleViolation
from api.i18n import _, register
from api.rules import aid as rules
from api.schemas.aid import CalendarDayIn, DibaoCreate
from api.security.principal import Principal
from api.services import audit
from api.services.pagination import keyset

register(
    {
        "aid_no_dibao_standard": _(
            "No 低保 standard of region {region_code} is in force on {on}: record one first."
        ),
        "aid_dibao_exists": _("Region {region_code} already has a standard from {effective_on}."),
    }
)


def dibao_in_force(session: Session, region_code: str, on: date) -> AidDibaoStandard:
    """The standard of ``region_code`` with the latest effective date on or before ``on``."""
    standard = session.exec(
        select(AidDibaoStandard)
        .where(AidDibaoStandard.region_code == region_code, col(AidDibaoStandard.effective_on) <= on)
        .order_by(col(AidDibaoStandard.effective_on).desc())
        .limit(1)
    ).first()
    if standard is None:
        raise RuleViolation("aid_no_dibao_standard", field="region_code", region_code=region_code, on=on)
    return standard


def list_dibao(
    session: Session, region_code: str | None = None, *, limit: int, cursor: str | None
) -> tuple[list[AidDibaoStandard], str | None]:
    """One page of the standards, by region and effective date."""
    stmt = select(AidDibaoStandard)
    if region_code:
        stmt = stmt.where(AidDibaoStandard.region_code == region_code)
    keys = [col(AidDibaoStandard.region_code), col(AidDibaoStandard.effective_on), col(AidDibaoStandard.id)]
    return keyset(session, stmt, keys=keys, limit=limit, cursor=cursor)


def add_dibao(session: Session, data: DibaoCreate, *, by: Principal) -> AidDibaoStandard:
    """A new standard takes effect from its date; earlier assessments keep the one they used."""
    exists = session.exec(
        select(AidDibaoStandard.id).where(
            AidDibaoStandard.region_code == data.region_code,
            AidDibaoStandard.effective_on == data.effective_on,
        )
    ).first()
    if exists is not None:
        raise Conflict("aid_dibao_exists", region_code=data.region_code, effective_on=data.effective_on)
    standard = AidDibaoStandard(**data.model_dump(), created_by_id=by.user_id)
    session.add(standard)
    session.flush()
    audit.record(
        session,
        by,
        "aid.dibao.created",
        entity_type="aid_dibao_standard",
        entity_id=standard.id,
        changes=audit.created(data.model_dump()),
    )
    session.commit()
    return standard


def overrides(session: Session, start: date, end: date) -> dict[date, bool]:
    rows = session.exec(
        select(AidCalendarDay).where(col(AidCalendarDay.day) >= start, col(AidCalendarDay.day) <= end)
    ).all()
    return {r.day: r.is_workday for r in rows}


def notice_end(session: Session, start: date, working_days: int) -> date:
    """The last day of a notice of ``working_days`` working days starting on ``start`` (one query)."""
    known = overrides(session, start, start + timedelta(days=working_days * 7 + 60))
    return rules.working_days_from(start, working_days, lambda d: rules.is_workday(d, known))


def list_days(
    session: Session, year: int | None = None, *, limit: int, cursor: str | None
) -> tuple[list[AidCalendarDay], str | None]:
    """One page of the recorded days, by day (unique)."""
    stmt = select(AidCalendarDay)
    if year is not None:
        stmt = stmt.where(
            col(AidCalendarDay.day) >= date(year, 1, 1), col(AidCalendarDay.day) <= date(year, 12, 31)
        )
    return keyset(session, stmt, keys=[col(AidCalendarDay.day)], limit=limit, cursor=cursor)


def set_day(session: Session, data: CalendarDayIn, *, by: Principal) -> AidCalendarDay:
    """Record (or change) whether a day is a working day, overriding the library."""
    day = session.get(AidCalendarDay, data.day)
    before = (
        {"is_workday": day.is_workday, "note": day.note}
        if day
        else {"library": rules.library_workday(data.day)}
    )
    if day is None:
        day = AidCalendarDay(day=data.day, is_workday=data.is_workday)
        session.add(day)
    day.is_workday, day.note, day.set_by_id, day.updated_at = data.is_workday, data.note, by.user_id, utcnow()
    audit.record(
        session,
        by,
        "aid.calendar_day.set",
        entity_type="aid_calendar_day",
        changes={
            "day": data.day,
            "before": before,
            "after": {"is_workday": data.is_workday, "note": data.note},
        },
    )
    session.commit()
    return day
