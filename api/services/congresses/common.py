"""What every part of the congresses area shares: its messages, the clock (:func:`today`, China time;
tests replace it here), the caller's roots for a set of roles, and the manage-permission checks.
"""

from __future__ import annotations

import calendar
import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from api.db.models import (
    Congress,
    Department,
    Member,
    OrgUnit,
    OrgUnitClosure,
)
from api.db.types import utcnow
from api.errors import NotFound, RuleViolation
from api.i18n import _, register
from api.security.permissions import Role
from api.security.principal import Principal
from api.services.scope import unit_within

register(
    {
        "congress_closing_before_opening": _("The closing date is before the opening date."),
        "congress_deadline_after_opening": _(
            "The motion deadline {deadline} must not be after the opening date {opening}."
        ),
        "congress_already_representative": _("This member is already a representative of the congress."),
        "congress_not_representative": _("This member is not a representative of the congress."),
        "congress_representative_not_voting": _(
            "Only members with voting rights can be representatives (status {member_status}; retained "
            "members have none)."
        ),
        "department_name_taken": _("A department named {value} already exists in this union."),
        "department_unit_not_grassroots": _("Departments belong to a grassroots union."),
        "department_user_not_handler": _("The user holds no handler role over this department's union."),
        "department_handler_exists": _("The user is already attached to this department."),
        "department_handler_not_attached": _("The user is not attached to this department."),
    }
)

#: China has one time zone and no daylight saving: dates of deadlines are dates in UTC+8
CHINA = timezone(timedelta(hours=8))

#: roles that see congresses and departments by org scope; members see the congresses over their unit
SCOPE_READERS = frozenset({Role.chair, Role.officer, Role.auditor, Role.handler})

CONGRESS_FIELDS = (
    "org_unit_id",
    "name",
    "term_no",
    "session_no",
    "opening_on",
    "closing_on",
    "motion_deadline_on",
    "reply_months",
    "min_cosigners",
    "satisfaction_scale",
)
DEPARTMENT_FIELDS = ("org_unit_id", "name", "is_active")


def today() -> date:
    """Today's date in China; deadlines and due dates are compared against it (tests replace it)."""
    return datetime.now(CHINA).date()


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, clamped to the month's last day (31 Dec + 2 months = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def roots(principal: Principal, roles: frozenset[Role] | set[Role]) -> list[uuid.UUID]:
    """Roots of the subtrees where the caller holds one of ``roles``."""
    return sorted({g.org_unit_id for g in principal.grants if g.role in roles})


def units_over_member(member_id: uuid.UUID) -> sa.Select[Any]:
    """``SELECT`` the member's own unit and every unit above it."""
    unit = select(Member.org_unit_id).where(Member.id == member_id).scalar_subquery()
    return select(OrgUnitClosure.ancestor_id).where(OrgUnitClosure.descendant_id == unit)


def is_opened(congress: Congress) -> bool:
    return congress.opening_on <= today()


def _managed_unit(session: Session, unit_id: uuid.UUID, principal: Principal, field: str) -> OrgUnit:
    unit = session.get(OrgUnit, unit_id)
    if unit is None or not unit_within(session, unit.id, principal.units_for("congresses.manage")):
        raise RuleViolation("not_found", field=field)
    if unit.status != "active":
        raise RuleViolation("org_unit_closed", field=field, code=unit.code)
    return unit


def _require_manage(session: Session, unit_id: uuid.UUID, principal: Principal) -> None:
    """Readers of a congress or department who may not manage it get 404, as if it were out of scope."""
    if not unit_within(session, unit_id, principal.units_for("congresses.manage")):
        raise NotFound()


def _touch(obj: Congress | Department) -> None:
    """Bump the version: the representative list or the handlers are part of what the ETag covers."""
    obj.updated_at = utcnow()
