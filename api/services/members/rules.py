"""The member records area's error messages, constants, and the rules shared by create and update:
resident ID agreement with gender and birth date, employee numbers, the unit a record may be filed under.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.db.models import (
    Member,
    MemberTag,
    OrgUnit,
)
from api.errors import Conflict, RuleViolation
from api.i18n import _, register
from api.rules.resident_id import ResidentId, ResidentIdError, parse_resident_id
from api.security.pii import PiiVault
from api.security.principal import Principal
from api.services import audit, membership_policy
from api.services.member_core import (
    LifecycleAction,
    MemberStatus,
)
from api.services.scope import (
    in_scope,
)

register(
    {
        "member_transfer_pending": _(
            "The member has a pending transfer; the unit changes only when the receiving union accepts it."
        ),
        "member_employee_no_taken": _("Employee number {value} is already registered in this union."),
        "member_national_id_taken": _("A member with this resident ID number is already on record."),
        "member_conflict": _(
            "Another request registered the same member at the same time; reload and retry."
        ),
        "member_date_in_future": _("The date {value} is in the future."),
        "member_not_approved": _(
            "An applicant has no join date: membership dates from approval (章程 Art 2)."
        ),
        "member_representative_not_voting": _(
            "Only active members can be congress representatives; the member is {current}."
        ),
        "member_unit_needs_transfer": _(
            "The unit belongs to another grassroots union: start a membership transfer instead."
        ),
        "member_illegal_transition": _("A {current} member cannot be changed by {action}."),
        "member_reason_required": _("A reason is required for {action}."),
        "member_effective_before_last": _("The effective date is before the last status change ({last})."),
        "member_account_exists": _("This member already has an account ({username})."),
        "member_not_current": _("A {current} member cannot be given an account."),
        "member_not_linked": _("Your account is not linked to a member record."),
    }
)

#: codes other member areas (imports, HR upsert) raise too: whichever module loads first registers them
register(
    {
        "member_unit_not_in_union": _(
            "Members are registered with a grassroots union; this unit is not inside one."
        ),
        "id_short": _("The resident ID number is too short: {reason}."),
        "id_long": _("The resident ID number is too long: {reason}."),
        "id_excel_float": _("The resident ID number was damaged by a spreadsheet: {reason}."),
        "id_format": _("The resident ID number is malformed: {reason}."),
        "id_region": _("The resident ID number's province code is not valid: {reason}."),
        "id_birth_date": _("The resident ID number's birth date is not valid: {reason}."),
        "id_checksum": _("The resident ID number's check digit does not match."),
        "id_birth_mismatch": _("The birth date disagrees with the resident ID number."),
        "gender_mismatch": _("The gender disagrees with the resident ID number."),
    }
)

#: audited fields; the redaction list in api.services.audit blanks the personal ones
AUDITED_FIELDS = (
    "member_no",
    "employee_no",
    "name",
    "gender",
    "birth_date",
    "national_id_hmac",
    "phone",
    "email",
    "org_unit_id",
    "join_date",
    "status",
    "status_reason",
    "status_changed_on",
    "is_representative",
    "monthly_wage_fen",
    "notes",
    "applied_on",
    "application_channel",
    "card_no",
    "card_status",
    "card_issued_on",
    "card_recalled_on",
)
#: statuses in which a member may hold an account
ACCOUNT_STATUSES = frozenset(
    {MemberStatus.applied, MemberStatus.active, MemberStatus.transfer_pending, MemberStatus.retained}
)
#: lifecycle actions of the transfer endpoints, not of POST /members/{id}/lifecycle
TRANSFER_ACTIONS = frozenset(
    {LifecycleAction.transfer_out, LifecycleAction.transfer_in, LifecycleAction.transfer_back}
)


# --- rules shared by create and update -----------------------------------------------------------


def parse_national_id(raw: str) -> ResidentId:
    """GB 11643 check (api.rules.resident_id); the error kind becomes the problem code."""
    try:
        return parse_resident_id(raw)
    except ResidentIdError as exc:
        raise RuleViolation(exc.kind, field="national_id", reason=exc.message) from None


def check_national_id(
    session: Session, vault: PiiVault, rid: ResidentId, *, exclude: uuid.UUID | None = None
) -> str:
    """One person, one record (会籍办法 Art 3: join once): the ID's keyed hash must be free. Returns it."""
    digest = vault.lookup_hash(rid.value)
    stmt = select(Member.id).where(Member.national_id_hmac == digest)
    if exclude is not None:
        stmt = stmt.where(Member.id != exclude)
    clash = session.execute(stmt).first()
    if clash is not None:
        # only the fact: the record may belong to another union, whose numbers are not the caller's to see
        raise Conflict("member_national_id_taken")
    return digest


def check_employee_no(
    session: Session, grassroots_id: uuid.UUID, employee_no: str, *, exclude: uuid.UUID | None = None
) -> None:
    """The employee number is the HR key: unique within a grassroots union."""
    stmt = select(Member.id).where(
        Member.grassroots_unit_id == grassroots_id, Member.employee_no == employee_no
    )
    if exclude is not None:
        stmt = stmt.where(Member.id != exclude)
    if session.execute(stmt).first() is not None:
        raise Conflict("member_employee_no_taken", value=employee_no)


def _agree(rid: ResidentId, gender: str | None, birth_date: date | None) -> tuple[str, date]:
    """Birth date and gender come from the ID (GB 11643 §5.2-5.3); given values must agree with it."""
    if birth_date is not None and birth_date != rid.birth_date:
        raise RuleViolation("id_birth_mismatch", field="birth_date")
    if gender is not None and gender != rid.gender:
        raise RuleViolation("gender_mismatch", field="gender")
    return rid.gender, rid.birth_date


def _not_future(value: date | None, field: str) -> None:
    if value is not None and value > date.today():
        raise RuleViolation("member_date_in_future", field=field, value=value.isoformat())


def _unit_for(session: Session, unit_id: uuid.UUID, by: Principal) -> OrgUnit:
    """The target unit must exist inside the caller's scope (else it is "not found") and be open."""
    unit = session.exec(
        select(OrgUnit).where(col(OrgUnit.id) == unit_id, in_scope(col(OrgUnit.id), by.units_for()))
    ).first()
    if unit is None:
        raise RuleViolation("not_found", field="org_unit_id")
    if unit.status != "active":
        raise RuleViolation("org_unit_closed", field="org_unit_id", code=unit.code)
    return unit


def _check_representative(status: str) -> None:
    """Retained and former members have no vote, so cannot represent (docs/rules.md §1 [L])."""
    if status not in membership_policy.current().voting:
        raise RuleViolation("member_representative_not_voting", field="is_representative", current=status)


def _snapshot(member: Member, tags: Sequence[str]) -> dict[str, Any]:
    return {**audit.snapshot(member, AUDITED_FIELDS), "tags": sorted(tags)}


def _flush(session: Session) -> None:
    """Flush, turning a lost race on a unique key (the pre-checks passed, another request won) into 409."""
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict("member_conflict") from None


def _set_tags(session: Session, member: Member, old: Sequence[str], new: Sequence[str]) -> None:
    gone = set(old) - set(new)
    if gone:
        session.execute(
            sa.delete(MemberTag).where(col(MemberTag.member_id) == member.id, col(MemberTag.tag).in_(gone))
        )
    session.add_all(MemberTag(member_id=member.id, tag=t) for t in new if t not in set(old))
