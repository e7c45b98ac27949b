"""What every aid module shares: the clock, the configured thresholds, the timeline writer, the
separation-of-duties checks and the problem messages of the area (docs/rules.md §0, §4)."""

from __future__ import annotations

import uuid
from datetime import date
from fractions import Fraction
from typing import Any, cast

from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from api.config import Settings
from api.db.models import AidEvent, Member
from api.db.types import utcnow
from api.errors import Forbidden, RuleViolation
from api.i18n import _, register
from api.rules.aid import Thresholds
from api.schemas.aid_enums import AidEventKind
from api.security.permissions import Role
from api.security.principal import Principal
from api.services import audit, congresses
from api.services.scope import unit_within

register(
    {
        "aid_illegal_transition": _("The {subject} is {current}: the step {step} is not possible now."),
        "aid_same_person": _(
            "Separation of duties: you already acted on this as {role}; another person must {step}."
        ),
        "aid_own_case": _("You cannot screen, approve or pay aid for yourself."),
        "aid_admin_approves_nothing": _("An administrator approves nothing (separation of duties)."),
        "aid_member_not_found": _("No member with this id in your scope."),
        "aid_member_not_active": _("Aid is for members in good standing: this member is {status}."),
        "aid_member_account_required": _("Your account is not linked to a member record."),
        "aid_out_of_scope": _("This is outside the units where you hold {permission}."),
    }
)

#: roles that see hardship details by org scope (docs/rules.md §0: officers, chair, auditors)
DETAIL_READERS = frozenset({Role.officer, Role.chair, Role.auditor})


def column(attribute: Any) -> ColumnElement[Any]:
    """A model attribute typed as the column expression the shared helpers take (keyset, in_scope)."""
    return cast(ColumnElement[Any], attribute)


def today() -> date:
    """Today's date in China (tests replace it)."""
    return congresses.today()


def thresholds(cfg: Settings) -> Thresholds:
    return Thresholds(
        deep_multiple=Fraction(cfg.aid_deep_multiple),
        relative_multiple=Fraction(cfg.aid_relative_multiple),
        accident_cost_share=Fraction(cfg.aid_accident_cost_share),
    )


def record(
    session: Session,
    subject_type: str,
    subject: Any,
    kind: AidEventKind,
    from_status: str | None,
    by: Principal,
    details: dict[str, Any] | None = None,
) -> None:
    """Append to the subject's timeline and the audit log, in the caller's transaction."""
    plain = audit.plain(details) if details else None
    session.add(
        AidEvent(
            subject_type=subject_type,
            subject_id=subject.id,
            kind=kind,
            from_status=from_status,
            to_status=subject.status,
            actor_id=by.user_id,
            actor_label=by.label,
            details=plain,
        )
    )
    changes: dict[str, Any] = {"before": {"status": from_status}, "after": {"status": subject.status}}
    if plain:
        changes["details"] = plain
    audit.record(
        session,
        by,
        f"aid.{subject_type}.{kind}",
        entity_type=f"aid_{subject_type}",
        entity_id=subject.id,
        org_unit_id=subject.org_unit_id,
        changes=changes,
    )


def touch(obj: Any) -> None:
    obj.updated_at = utcnow()


def require_unit(session: Session, unit_id: uuid.UUID, by: Principal, permission: str) -> None:
    """The caller holds ``permission`` over ``unit_id`` (a grant elsewhere is not enough)."""
    if not unit_within(session, unit_id, by.units_for(permission)):
        raise Forbidden("aid_out_of_scope", permission=permission)


def body_unit(session: Session, unit_id: uuid.UUID, by: Principal, permission: str) -> None:
    """A unit named in a body or query must lie where the caller holds ``permission``: else 422
    ``not_found`` on ``org_unit_id`` (the convention; objects addressed by id are 404 instead)."""
    if not unit_within(session, unit_id, by.units_for(permission)):
        raise RuleViolation("not_found", field="org_unit_id")


def member_of(by: Principal) -> uuid.UUID:
    if by.member_id is None:
        raise Forbidden("aid_member_account_required")
    return by.member_id


def distinct_from(by: Principal, step: str, **earlier: uuid.UUID | None) -> None:
    """Separation of duties (docs/rules.md §0): nobody approves what they applied for or screened, and
    whoever approves an aid payment does not pay it. ``earlier`` names the roles already taken."""
    for role, user_id in earlier.items():
        if user_id is not None and user_id == by.user_id:
            raise Forbidden("aid_same_person", role=role, step=step)


def not_own_case(by: Principal, member_id: uuid.UUID) -> None:
    if by.member_id is not None and by.member_id == member_id:
        raise Forbidden("aid_own_case")


def not_admin(by: Principal) -> None:
    """Admin is a technical role and approves nothing (docs/rules.md §0), even with a chair grant too."""
    if Role.admin in by.roles():
        raise Forbidden("aid_admin_approves_nothing")


def active_member(member: Member) -> None:
    if member.status not in ("active", "transfer_pending"):
        raise RuleViolation("aid_member_not_active", field="member_id", status=member.status)
