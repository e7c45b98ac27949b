"""Writing member records: create, update (audited field by field), reveal a resident ID (audited), and
the lifecycle (:func:`record_event`: status, event, audit, change feed; :func:`change_status` commits).
"""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col

from api.db.models import (
    Member,
    MemberEvent,
    MemberTransfer,
)
from api.db.types import utcnow
from api.errors import Conflict, RuleViolation
from api.rules.resident_id import ResidentId, parse_resident_id
from api.schemas.members import (
    LifecycleIn,
    MemberCreate,
    MemberEventKind,
    MemberUpdate,
)
from api.security.pii import PiiVault
from api.security.principal import Principal
from api.services import audit, changes, membership_policy
from api.services.concurrency import expect_version
from api.services.member_core import (
    TRANSITIONS,
    LifecycleAction,
    MemberStatus,
    allocate_member_numbers,
    grassroots_of,
    protect_national_id,
)
from api.services.members import membership
from api.services.members.reading import tags_of
from api.services.members.rules import (
    AUDITED_FIELDS,
    TRANSFER_ACTIONS,
    _agree,
    _check_representative,
    _flush,
    _not_future,
    _set_tags,
    _snapshot,
    _unit_for,
    check_employee_no,
    check_national_id,
    parse_national_id,
)

# --- writing -------------------------------------------------------------------------------------


def create(session: Session, data: MemberCreate, *, vault: PiiVault, by: Principal) -> Member:
    """Register a member with a grassroots union (docs/rules.md §1 Record).

    Membership dates from approval (章程 Art 2): an ``active`` member's join date defaults to today;
    an ``applied`` one has none until approved. The resident ID is validated (GB 11643), stored only
    encrypted with a keyed hash for uniqueness (one person, one membership: 会籍办法 Art 3).
    """
    unit = _unit_for(session, data.org_unit_id, by)
    grassroots = grassroots_of(session, unit.id)
    rid = parse_national_id(data.national_id)
    gender, birth_date = _agree(rid, data.gender, data.birth_date)
    status = MemberStatus(data.status)
    if status is MemberStatus.applied and data.join_date is not None:
        raise RuleViolation("member_not_approved", field="join_date")
    _not_future(data.join_date, "join_date")
    join_date = None if status is MemberStatus.applied else (data.join_date or date.today())
    if data.is_representative:
        _check_representative(status)
    application = membership.application_of(data, status)
    check_employee_no(session, grassroots.id, data.employee_no)
    check_national_id(session, vault, rid)
    protected = protect_national_id(vault, rid)
    [member_no] = allocate_member_numbers(session, grassroots)
    member = Member(
        member_no=member_no,
        employee_no=data.employee_no,
        org_unit_id=unit.id,
        grassroots_unit_id=grassroots.id,
        name=data.name,
        gender=gender,
        birth_date=birth_date,
        national_id_cipher=protected.cipher,
        national_id_hmac=protected.hmac,
        national_id_masked=protected.masked,
        phone=data.phone,
        email=str(data.email) if data.email else None,
        join_date=join_date,
        status=status.value,
        status_changed_on=join_date or date.today(),
        is_representative=data.is_representative,
        monthly_wage_fen=data.monthly_wage_fen,
        notes=data.notes,
        **application,
    )
    if join_date is not None:
        membership.issue_card(member, join_date)
    session.add(member)
    _flush(session)
    _set_tags(session, member, [], data.tags)
    session.add(
        MemberEvent(
            member_id=member.id,
            kind=MemberEventKind.joined if status is MemberStatus.active else MemberEventKind.applied,
            from_status=None,
            to_status=status.value,
            effective_on=member.status_changed_on or date.today(),  # set just above
            org_unit_id=unit.id,
            actor_id=by.user_id,
        )
    )
    audit.record(
        session,
        by,
        "member.created",
        entity_type="member",
        entity_id=member.id,
        org_unit_id=unit.id,
        changes=audit.created(_snapshot(member, data.tags)),
    )
    changes.record(session, "member", member.id, "created", org_unit_id=unit.id, version=member.version)
    _flush(session)
    session.commit()
    return member


_REQUIRED = ("employee_no", "name", "national_id", "gender", "birth_date")


def update(
    session: Session, member: Member, data: MemberUpdate, *, version: int, vault: PiiVault, by: Principal
) -> Member:
    """Correct a record. Same rules as creation; status changes go through :func:`change_status`, and a
    move to another grassroots union is a transfer (会籍接转), not an edit."""
    expect_version(member, version)
    given = data.model_dump(exclude_unset=True)
    for key in _REQUIRED:
        if key in given and given[key] is None:
            raise RuleViolation("validation_failed", field=key, count=1)
    old_tags = tags_of(session, [member.id])[member.id]
    before = _snapshot(member, old_tags)

    if "org_unit_id" in given and given["org_unit_id"] not in (None, member.org_unit_id):
        if member.status == MemberStatus.transfer_pending:
            # the member belongs to the sending unit until the transfer is decided (会籍接转)
            raise Conflict("member_transfer_pending", current=member.status)
        unit = _unit_for(session, given["org_unit_id"], by)
        if grassroots_of(session, unit.id).id != member.grassroots_unit_id:
            raise RuleViolation("member_unit_needs_transfer", field="org_unit_id")
        member.org_unit_id = unit.id
    elif "org_unit_id" in given and given["org_unit_id"] is None:
        raise RuleViolation("validation_failed", field="org_unit_id", count=1)

    if "employee_no" in given and given["employee_no"] != member.employee_no:
        check_employee_no(session, member.grassroots_unit_id, given["employee_no"], exclude=member.id)
        member.employee_no = given["employee_no"]

    rid: ResidentId | None = None
    if "national_id" in given:
        rid = parse_national_id(given["national_id"])
        digest = check_national_id(session, vault, rid, exclude=member.id)
        if digest != member.national_id_hmac:
            protected = protect_national_id(vault, rid)
            member.national_id_cipher, member.national_id_hmac = protected.cipher, protected.hmac
            member.national_id_masked = protected.masked
    if rid is not None or "gender" in given or "birth_date" in given:
        rid = rid or parse_resident_id(vault.decrypt(member.national_id_cipher))
        member.gender, member.birth_date = _agree(rid, given.get("gender"), given.get("birth_date"))

    if "join_date" in given:
        if given["join_date"] is not None and member.status == MemberStatus.applied:
            raise RuleViolation("member_not_approved", field="join_date")
        _not_future(given["join_date"], "join_date")
        member.join_date = given["join_date"]
    if given.get("is_representative"):
        _check_representative(member.status)
    for key in ("name", "phone", "is_representative", "monthly_wage_fen", "notes"):
        if key in given:
            if key == "is_representative" and given[key] is None:
                raise RuleViolation("validation_failed", field=key, count=1)
            setattr(member, key, given[key])
    if "email" in given:
        member.email = str(given["email"]) if given["email"] else None
    new_tags = old_tags if given.get("tags") is None else given["tags"]
    if "tags" in given:
        _set_tags(session, member, old_tags, new_tags)

    after = _snapshot(member, new_tags)
    if after == before:
        return member
    member.updated_at = utcnow()
    audit.record(
        session,
        by,
        "member.updated",
        entity_type="member",
        entity_id=member.id,
        org_unit_id=member.org_unit_id,
        changes=audit.diff(before, after),
    )
    _flush(session)
    changes.record(
        session, "member", member.id, "updated", org_unit_id=member.org_unit_id, version=member.version
    )
    session.commit()
    return member


def read_national_id(session: Session, member: Member, *, vault: PiiVault, by: Principal) -> str:
    """The full resident ID, for roles docs/rules.md §0 allows (chair, officer; a member for themselves).

    Every read is audited (``member.national_id_read``) without the value, and committed before the
    value is returned.
    """
    value = vault.decrypt(member.national_id_cipher)
    audit.record(
        session,
        by,
        "member.national_id_read",
        entity_type="member",
        entity_id=member.id,
        org_unit_id=member.org_unit_id,
    )
    session.commit()
    return value


def record_event(
    session: Session,
    member: Member,
    action: LifecycleAction,
    effective_on: date,
    reason: str | None,
    by: Principal | None,
    *,
    org_unit_id: uuid.UUID | None = None,
) -> MemberEvent:
    """Apply one lifecycle step of docs/rules.md §1 (TRANSITIONS in member_core), without committing.

    An illegal step is 409 ``member_illegal_transition`` naming the ``current`` status. The step sets
    status, reason and date, writes a ``MemberEvent`` (at ``org_unit_id``, default the member's unit),
    clears the representative flag when leaving a voting status (retained members lose voting rights
    [L]), sets the join date on approval (章程 Art 2), and writes the audit event and the change feed.
    """
    transition = TRANSITIONS[action]
    current = MemberStatus(member.status)
    if current not in transition.source:
        raise Conflict("member_illegal_transition", current=current.value, action=action.value)
    if transition.needs_reason and not reason:
        raise RuleViolation("member_reason_required", field="reason", action=action.value)
    if member.status_changed_on is not None and effective_on < member.status_changed_on:
        raise RuleViolation(
            "member_effective_before_last", field="effective_on", last=member.status_changed_on.isoformat()
        )
    membership.before_step(session, member, action, effective_on, by)
    before = audit.snapshot(member, AUDITED_FIELDS)
    member.status = transition.target.value
    member.status_reason = reason
    member.status_changed_on = effective_on
    if transition.target not in membership_policy.current().voting:
        member.is_representative = False
    if action is LifecycleAction.approve:
        member.join_date = effective_on
    membership.after_step(member, action, effective_on)
    member.updated_at = utcnow()
    event = MemberEvent(
        member_id=member.id,
        kind=MemberEventKind(action.value),
        from_status=current.value,
        to_status=transition.target.value,
        effective_on=effective_on,
        reason=reason,
        org_unit_id=org_unit_id or member.org_unit_id,
        actor_id=by.user_id if by else None,
    )
    session.add(event)
    if current is MemberStatus.transfer_pending:
        # Death ends membership: a transfer still waiting for the receiving union is closed with it.
        session.execute(
            sa.update(MemberTransfer)
            .where(col(MemberTransfer.member_id) == member.id, col(MemberTransfer.status) == "pending")
            .values(
                status="cancelled",
                decision_reason=f"member {action.value}",
                decided_at=utcnow(),
                version=MemberTransfer.version + 1,
            )
        )
    diff = audit.diff(before, audit.snapshot(member, AUDITED_FIELDS))
    audit.record(
        session,
        by,
        f"member.{action.value}",
        entity_type="member",
        entity_id=member.id,
        org_unit_id=member.org_unit_id,
        changes={**diff, "effective_on": effective_on, "reason": reason},
    )
    _flush(session)
    changes.record(
        session, "member", member.id, "status_changed", org_unit_id=member.org_unit_id, version=member.version
    )
    return event


def change_status(
    session: Session, member: Member, data: LifecycleIn, *, version: int, by: Principal
) -> Member:
    """POST /members/{id}/lifecycle: one step of the state machine, dated no later than today."""
    expect_version(member, version)
    action = LifecycleAction(data.action.value)
    if action in TRANSFER_ACTIONS:  # the schema excludes them; transfers have their own endpoints
        raise RuleViolation("validation_failed", field="action", count=1)
    effective_on = data.effective_on or date.today()
    _not_future(effective_on, "effective_on")
    membership.check_direct_step(member, data, effective_on)
    record_event(session, member, action, effective_on, data.reason, by)
    session.commit()
    return member
