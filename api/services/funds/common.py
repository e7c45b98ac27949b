"""What every part of the funds area shares: its error messages, the clock, accounting units, the
caller's scope as SQL, timeline events and the fiscal-year checks.

An accounting unit (经费独立核算, docs/rules.md §5) is an org unit flagged ``independent_accounting``; a
unit without the flag books into its nearest flagged ancestor (:func:`accounting_unit_of`). A
federation reads its whole subtree consolidated: every accounting unit under it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col, select

from api.db.models import FundEvent, FundFinalAccount, OrgUnit, OrgUnitClosure
from api.db.types import utcnow
from api.errors import Conflict, RuleViolation
from api.i18n import _, _n, register
from api.schemas.funds import ApproveIn, FundEventKind, FundEventOut
from api.security.principal import Principal
from api.services import audit
from api.services.pagination import keyset
from api.services.scope import in_scope, unit_within

CHINA = ZoneInfo("Asia/Shanghai")

register(
    {
        "funds_illegal_transition": _("The {entity} is {current}: the step {step} is not possible now."),
        "budget_not_in_force": _(
            "No budget in force for this unit and year {fiscal_year} with the line {category_code}."
        ),
        "budget_line_insufficient": _(
            "The budget line {category_code} has {remainder_fen} fen left; {needed_fen} fen are needed."
        ),
        "fiscal_year_closed": _(
            "The fiscal year {fiscal_year} is closed (final accounts approved): post corrections in a "
            "later year."
        ),
        "funds_not_accounting_unit": _("The unit is not an independent accounting unit (经费独立核算)."),
        "funds_no_accounting_unit": _(
            "Neither the unit nor any unit above it keeps its own books (经费独立核算)."
        ),
        "funds_approve_own": _("You drafted this: someone else must approve it."),
        "funds_unknown_category": _("{category_code} is not a postable item of the chart {chart}."),
        "funds_category_kind": _("{category_code} is an {kind} item."),
        "funds_duplicate_line": _("The budget has two lines for {category_code}."),
        "funds_budget_exists": _("This unit already has a budget for {fiscal_year}: adjust it instead."),
        "funds_adjustment_open": _("An adjustment of this budget is already under way."),
        "funds_adjustment_limit": _n(
            "Only {limit} adjustment a year is allowed.",
            "Only {limit} adjustments a year are allowed.",
            "limit",
        ),
        "funds_line_below_spent": _(
            "The line {category_code} would be {amount_fen} fen but {spent_fen} fen are already spent."
        ),
        "funds_chart_template_unknown": _("There is no chart template {template}."),
        "funds_province_unknown": _("There is no province data {province}."),
        "funds_chart_item_invalid": _("The item {code} is a duplicate or its parent is unknown."),
        "funds_decision_reference_required": _(
            "An expense of {threshold_fen} fen or more needs the reference of a collective decision."
        ),
        "funds_voucher_taken": _("The voucher number {voucher_no} is already used this year."),
        "funds_year_not_over": _("Final accounts are drafted after the year {fiscal_year} has ended."),
        "funds_final_exists": _("Final accounts for {fiscal_year} already exist."),
        "funds_already_reversed": _("This entry has already been reversed."),
        "funds_reverse_reversal": _("A reversal cannot be reversed."),
    }
)


def today() -> date:
    """Today's date in China (fiscal years are calendar years there); tests replace it."""
    return datetime.now(CHINA).date()


def column(attribute: Any) -> ColumnElement[Any]:
    """A model attribute typed as the column expression the shared helpers take (keyset, in_scope)."""
    return cast(ColumnElement[Any], attribute)


def roots(principal: Principal, permission: str | None = None) -> list[uuid.UUID]:
    return principal.units_for(permission)


def visible(unit_column: Any, principal: Principal, permission: str | None = None) -> ColumnElement[bool]:
    """SQL: the object's accounting unit lies in the caller's granted subtrees (docs/rules.md §0)."""
    return in_scope(column(unit_column), roots(principal, permission))


def require_in_scope(
    session: Session, unit_id: uuid.UUID, principal: Principal, permission: str | None = None
) -> None:
    """A unit named in a request body or query must lie in the caller's subtrees: else 422 ``not_found``
    on ``org_unit_id`` (the URL was right, the field was not; docs/architecture.md, Scope)."""
    if not unit_within(session, unit_id, roots(principal, permission)):
        raise RuleViolation("not_found", field="org_unit_id")


_ACCOUNTING_UNIT = (
    select(OrgUnitClosure.ancestor_id)
    .join(OrgUnit, col(OrgUnit.id) == OrgUnitClosure.ancestor_id)
    .where(
        OrgUnitClosure.descendant_id == sa.bindparam("unit"), col(OrgUnit.independent_accounting).is_(True)
    )
    .order_by(col(OrgUnitClosure.depth))
    .limit(1)
)


def accounting_unit_of(session: Session, unit_id: uuid.UUID) -> uuid.UUID:
    """The unit itself when it keeps its own books, else its nearest ancestor that does."""
    found = session.execute(_ACCOUNTING_UNIT, {"unit": unit_id}).scalar()
    if found is None:
        raise Conflict("funds_no_accounting_unit")
    return found


def parent_accounting_unit(session: Session, unit_id: uuid.UUID) -> uuid.UUID | None:
    """The accounting unit above an accounting unit (the union it passes its share up to), if any."""
    parent = session.get(OrgUnit, unit_id)
    if parent is None or parent.parent_id is None:
        return None
    found = session.execute(_ACCOUNTING_UNIT, {"unit": parent.parent_id}).scalar()
    return found


def require_accounting_unit(session: Session, unit_id: uuid.UUID) -> OrgUnit:
    unit = session.get(OrgUnit, unit_id)
    if unit is None:
        raise RuleViolation("not_found", field="org_unit_id")
    if not unit.independent_accounting:
        raise RuleViolation("funds_not_accounting_unit", field="org_unit_id")
    return unit


def accounting_units_under(unit_id: uuid.UUID) -> sa.Select[Any]:
    """SELECT id of every accounting unit in the subtree of ``unit_id`` (consolidation)."""
    return (
        select(OrgUnit.id)
        .join(OrgUnitClosure, col(OrgUnitClosure.descendant_id) == OrgUnit.id)
        .where(OrgUnitClosure.ancestor_id == unit_id, col(OrgUnit.independent_accounting).is_(True))
    )


def record_event(
    session: Session,
    *,
    entity_type: str,
    entity_id: uuid.UUID,
    org_unit_id: uuid.UUID,
    kind: FundEventKind,
    from_status: str | None,
    to_status: str | None,
    by: Principal,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        FundEvent(
            entity_type=entity_type,
            entity_id=entity_id,
            org_unit_id=org_unit_id,
            kind=kind,
            from_status=from_status,
            to_status=to_status,
            actor_id=by.user_id,
            details=audit.plain(details) if details else None,
        )
    )


def timeline(
    session: Session, entity_type: str, entity_id: uuid.UUID, *, limit: int, cursor: str | None
) -> tuple[list[FundEventOut], str | None]:
    """One page of an entity's steps (``fund_event``), oldest first."""
    stmt = select(FundEvent).where(FundEvent.entity_type == entity_type, FundEvent.entity_id == entity_id)
    keys = [col(FundEvent.created_at), col(FundEvent.id)]
    events, next_cursor = keyset(session, stmt, keys=keys, limit=limit, cursor=cursor)
    return [FundEventOut.model_validate(e) for e in events], next_cursor


def record_step(
    session: Session,
    subject: Any,
    *,
    entity_type: str,
    kind: FundEventKind,
    before: str | None,
    by: Principal,
    details: dict[str, Any] | None = None,
) -> None:
    """A workflow step of a budget or final accounts: its timeline entry and its audit record, in the
    caller's transaction (``subject`` has ``id``, ``org_unit_id`` and ``status``)."""
    record_event(
        session,
        entity_type=entity_type,
        entity_id=subject.id,
        org_unit_id=subject.org_unit_id,
        kind=kind,
        from_status=before,
        to_status=subject.status,
        by=by,
        details=details or None,
    )
    audit.record(
        session,
        by,
        f"fund_{entity_type}.{kind}",
        entity_type=f"fund_{entity_type}",
        entity_id=subject.id,
        org_unit_id=subject.org_unit_id,
        changes={"from": before, "to": subject.status, **(details or {})},
    )


def record_approval(
    session: Session, subject: Any, data: ApproveIn, *, status: str, entity_type: str, by: Principal
) -> None:
    """The committee's approval of a budget or final accounts: ``status``, approver, meeting date and
    minute reference set on ``subject`` and the step recorded, in the caller's transaction."""
    before = subject.status
    subject.status = status
    subject.approved_by_id = by.user_id
    subject.approved_at = utcnow()
    subject.meeting_on = data.meeting_on
    subject.minute_ref = data.minute_ref
    subject.returned_reason = None
    subject.updated_at = utcnow()
    record_step(
        session,
        subject,
        entity_type=entity_type,
        kind=FundEventKind.approved,
        before=before,
        by=by,
        details={"meeting_on": data.meeting_on, "minute_ref": data.minute_ref},
    )


FROZEN = ("approved", "closed")


_FINAL_STATUS = select(FundFinalAccount.status).where(
    FundFinalAccount.org_unit_id == sa.bindparam("unit"), FundFinalAccount.fiscal_year == sa.bindparam("year")
)


def refuse_closed_year(session: Session, unit_id: uuid.UUID, fiscal_year: int) -> None:
    """A year whose final accounts are approved (frozen for review) or closed takes no postings
    (docs/rules.md §5 Lifecycle); corrections post in a later year."""
    status = session.execute(_FINAL_STATUS, {"unit": unit_id, "year": fiscal_year}).scalar()
    if status in FROZEN:
        raise Conflict("fiscal_year_closed", fiscal_year=fiscal_year)


def own_units(unit_id: uuid.UUID) -> sa.Select[Any]:
    """SELECT the org units whose books the accounting unit ``unit_id`` keeps: its subtree, less the
    subtrees of accounting units below it (they keep their own)."""
    inner = aliased(OrgUnitClosure)
    flagged = aliased(OrgUnit)
    nearer = (
        select(inner.ancestor_id)
        .join(flagged, col(flagged.id) == inner.ancestor_id)
        .where(
            inner.descendant_id == OrgUnitClosure.descendant_id,
            col(inner.depth) < OrgUnitClosure.depth,
            col(flagged.independent_accounting).is_(True),
        )
    )
    return select(OrgUnitClosure.descendant_id).where(
        OrgUnitClosure.ancestor_id == unit_id, ~sa.exists(nearer)
    )
